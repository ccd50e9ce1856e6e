"""What a sentence's words say about the claim it makes: its modality (reported speech,
prediction, opinion, event, factual), the speaker of reported speech and the words that
attribute it, and the cues check-worthiness is scored on. The words are data in
kb/model/suggest_rules.yaml (docs/extraction.md); this module only matches them.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

RULES_PATH = Path(__file__).resolve().parent / "suggest_rules.yaml"
QUOTES = "\"“”«»„"
_NAME_WORD = r"(?:[A-Z][\w'’.-]*|al-\w+|bin|von|van|de|la|of|the|for)"
# compiled once: pysbd compiles many patterns of its own and would push these out of
# the re module's cache
_QUOTE_OR_COMMA_BEFORE = re.compile(r"[,\"”][^,\"”]{0,60}$")
_QUOTED = re.compile(r"[\"“«„]([^\"”»]+)[\"”»]")
_CLAUSE_MARKS = re.compile(r"[,;:]")
_CONJUNCTIONS = re.compile(r"(?:^|\s)(?:but|and|that|while|as|because|when|after|however)(?:\s|$)")
_SPEAKER_END = re.compile(r"[,;:.!?(\"“”]|\bthat\b|\bon\b|\bin a\b")
_LOWER_WORD = re.compile(r"\b[a-z]{3,}\b")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|of|the|for|al-\w+|bin|de))*")


@lru_cache(maxsize=1)
def rules() -> dict:
    """The rules table (suggest_rules.yaml), read once."""
    with RULES_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _phrase_re(phrases) -> re.Pattern:
    alts = sorted((re.escape(p) for p in phrases), key=len, reverse=True)
    return re.compile(r"(?<![\w'’])(?:" + "|".join(alts) + r")(?![\w'’])", re.IGNORECASE)


@lru_cache(maxsize=None)
def phrases(table: str) -> re.Pattern:
    """A regular expression matching any phrase of the rules' list ``table`` (verbs of
    saying in lower case only: "States" is no verb)."""
    pattern = _phrase_re(rules()[table])
    if table == "attribution_verbs":
        return re.compile(pattern.pattern)
    return pattern


@dataclass(frozen=True)
class Attribution:
    speaker: str | None     # as written ("the Pentagon", "Trump"); None: not found
    words: str              # the attribution words as written ("said", "according to")
    start: int              # offsets of ``words`` in the sentence
    end: int


def attribution(sentence: str) -> Attribution | None:
    """Who the sentence attributes its claim to, and with which words; None when it is
    not reported speech. A direct quote with no verb in the sentence is attributed to
    no one named here (speaker None: the caller carries the last speaker over)."""
    verbs = phrases("attribution_verbs")
    weak = set(rules()["weak_attribution_verbs"])
    belief = set(rules()["belief_verbs"])
    m = phrases("attribution_phrases").search(sentence)
    if m:
        return Attribution(_speaker_after(sentence[m.end():]), m.group(0), m.start(), m.end())
    first = None
    for m in verbs.finditer(sentence):
        word = m.group(0).lower()
        after = sentence[m.end():].lstrip()
        if _after_determiner(sentence[:m.start()]):
            continue                  # "the tweets", "these reports": nouns
        before = _speaker_before(sentence[:m.start()])
        if before is not None and _MODAL_END.search(before):
            continue                  # "leaders may still believe": a guess, not speech
        if word in weak and not _speech_follows(sentence, m.start(), after):
            if word not in belief or before is None or is_pronoun(before):
                continue
        if word.endswith("ing"):      # "The US welcomed it, saying…": the sentence's subject
            speaker = _subject(sentence[:m.start()])
        elif (sentence[:m.start()].rstrip().endswith((",", ",\"", ",”")) and _speaker_after(after)
              and word not in ("told", "tells", "telling")):      # told whom
            speaker = _speaker_after(after)   # "…, said Juan Perez, a strategist"
        else:
            speaker = before or _speaker_after(after)
        found = Attribution(speaker, m.group(0), m.start(), m.end())
        if speaker is not None:
            return found
        first = first or found
    if first is not None:
        head = sentence.split(maxsplit=1)[0] if sentence.split() else ""
        if is_pronoun(head):          # "It did not say where, and said…": it
            return Attribution(head, first.words, first.start, first.end)
        return first
    if _quoted_words(sentence) >= 4:
        return Attribution(None, "", 0, 0)
    return None


_DETERMINERS = frozenset("the a an these those this its their his her our my your such "
                         "other many some several".split())
_MODAL_END = re.compile(r"\b(?:may|might|could|would|can)(?:\s+(?:still|well|also|not))?$",
                        re.IGNORECASE)


_NOT_NAME_HEADS = frozenset("the a an in on at but and or so yet today yesterday tonight "
                            "meanwhile however still also then now two three".split())
# month and weekday names as written, lower case ("sept" and "sep" both)
MONTHS = frozenset({m.lower() for m in (*calendar.month_name[1:], *calendar.month_abbr[1:])} | {"sept"})
_CALENDAR = MONTHS | {d.lower() for d in calendar.day_name}


def _after_determiner(before: str) -> bool:
    words = before.split()
    return bool(words) and (words[-1].lower() in _DETERMINERS or words[-1].endswith("-displayed"))


def _speech_follows(sentence: str, start: int, after: str) -> bool:
    """A verb of saying that is speech: a that-clause, a quote, or the end of the
    clause after it, or a quote just before it ("…,” he added)."""
    head = after[:5].lower()
    ends = after[:1] in (".", ";", "")
    quoted_or_comma = _QUOTE_OR_COMMA_BEFORE.search(sentence[:start]) is not None
    return (head.startswith("that ") or after[:1] in QUOTES or after[:1] == ","
            or (ends and quoted_or_comma) or sentence[:start].rstrip()[-2:] in (',"', ",”", '."', ".”") or
            sentence[:start].rstrip()[-1:] in ('"', "”"))


def _quoted_words(sentence: str) -> int:
    inside = _QUOTED.findall(sentence)
    return sum(len(q.split()) for q in inside)


SPEAKER_HEADS = ("the", "a", "an", "many", "some", "most", "officials", "police", "authorities", "experts",
                 "analysts", "residents", "witnesses", "sources", "critics", "investigators",
                 "prosecutors", "lawmakers", "diplomats", "observers", "economists")


def _speaker_before(before: str) -> str | None:
    """The words just before a verb of saying: "Pentagon officials said", "…,” Trump
    said", "He told reporters" (a pronoun: the caller resolves it), "General Mark
    Milley, the top US military officer, told" (the name before an appositive)."""
    text = before.rstrip()
    if not text:
        return None
    parts = [_last_clause(p) for p in _CLAUSE_MARKS.split(text)]
    candidate = parts[-1]
    if text.endswith(",") and len(parts) >= 3 and not parts[-1]:
        # "NAME, the top officer, told": the name before the appositive
        name, appositive = parts[-3], parts[-2]
        head = name.split()[1:2] if name.lower().startswith(("the ", "a ")) else name.split()[:1]
        candidate = name if head and head[0][:1].isupper() and len(name.split()) <= 5 else appositive
    tokens = candidate.split()
    while tokens and tokens[-1].lower() in ("also", "later", "previously", "earlier", "has",
                                            "had", "have", "was", "is", "reportedly",
                                            "repeatedly", "then", "once", "recently"):
        tokens = tokens[:-1]
    if not tokens or len(tokens) > 8:
        return None
    phrase = " ".join(tokens)
    if phrase.lower() in set(rules()["not_speakers"]):
        return None
    if not _looks_like_speaker(tokens):
        return None
    return phrase


def _subject(before: str) -> str | None:
    """The subject of a sentence's main clause: its first words up to its first verb
    (a word of the rules' verb lists, or one ending in "-ed"), after a short opening
    phrase ("Shortly after, some of Trump's defenders took…")."""
    parts = _CLAUSE_MARKS.split(before, maxsplit=1)
    text = parts[1] if len(parts) == 2 and len(parts[0].split()) <= 3 else before
    verbs = {w.lower() for table in ("event_verbs", "attribution_verbs", "state_verbs")
             for w in rules()[table]}
    words = []
    for word in text.split():
        low = word.lower().strip(",;:")
        if low in verbs or (low.endswith("ed") and not word[:1].isupper()):
            break
        words.append(word.strip(",;:"))
    if not words or len(words) > 6 or not _looks_like_speaker(words):
        return None
    return " ".join(words)


def _last_clause(part: str) -> str:
    part = part.strip(" \"“”'")
    return _CONJUNCTIONS.split(part)[-1].strip()


def _looks_like_speaker(tokens: list[str]) -> bool:
    if not tokens:
        return False
    if any(t.lower() in rules()["state_verbs"] for t in tokens):
        return False              # "Among the hundreds trapped were": a clause, not a name
    first = tokens[0]
    return first[:1].isupper() or first.lower() in SPEAKER_HEADS or is_pronoun(first)


def _speaker_after(after: str) -> str | None:
    """The words after the verb or phrase: "said Zabihullah Mujahid, a Taliban
    spokesman", "according to the ministry": up to a comma or the end."""
    words = after.strip()
    words = _SPEAKER_END.split(words, maxsplit=1)[0].strip()
    tokens = words.split()
    if not tokens or len(tokens) > 8:
        return None
    if tokens[0].lower() in ("reporters", "journalists", "the", "a", "an") and len(tokens) == 1:
        return None
    if not (tokens[0][:1].isupper() or tokens[0].lower() in ("the", "a", "an", "officials",
                                                               "police", "authorities")):
        return None
    return " ".join(tokens)


def is_pronoun(speaker: str | None) -> bool:
    return speaker is not None and speaker.lower() in set(rules()["pronouns"])


def proper_names(sentence: str) -> list[tuple[int, int, str]]:
    """Capitalised word runs that are not the sentence's first word alone: names
    ("Zabihullah Mujahid", "the Afghan Taliban" → "Afghan Taliban")."""
    found = []
    for m in _CAPITALISED.finditer(sentence):
        text = m.group(0).rstrip(".")
        words = text.split()
        while words and words[-1].lower() in ("of", "the", "for", "de"):
            words.pop()
        if not words:
            continue
        if m.start() == 0 and len(words) == 1:
            continue          # "The", "Two": a sentence's first word
        while words and (words[0].lower() in _NOT_NAME_HEADS or is_pronoun(words[0])
                         or words[0].lower().rstrip(".") in _CALENDAR):
            words = words[1:]           # "Today the Taliban", "We", "On Monday"
        if not words:
            continue
        if all(w.lower().rstrip(".") in _CALENDAR for w in words):
            continue          # "Saturday", "Nov.": times, not names
        name = " ".join(words)
        start = sentence.find(words[0], m.start())
        found.append((start, start + len(name), name))
    return found


def event(sentence: str, has_time: bool) -> str | None:
    for m in phrases("event_verbs").finditer(sentence):
        if _happened(sentence, m.start()):
            return m.group(0)
    if has_time:
        suffix = rules()["past_tense_suffix"]
        for m in _LOWER_WORD.finditer(sentence):
            word = m.group(0)
            if (word.endswith(suffix) and word not in ("need", "speed", "indeed", "feed")
                    and not word.startswith("un")                  # "unsubstantiated"
                    and _happened(sentence, m.start())):
                return word
    return None


def _happened(sentence: str, start: int) -> bool:
    """Whether the verb at ``start`` tells that something happened (the tables
    ``perfect_auxiliaries``, ``subordinators`` and ``state_verbs`` of
    suggest_rules.yaml): not a participle after a determiner ("the released
    insurgents"), not a perfect ("have purchased 208,560 this year": a total, a state),
    not in a subordinate clause of a sentence about a state ("troops remain, 18 years
    after Washington invaded"), and not well after its own clause's verb of state ("the
    price … was $39,014")."""
    before = sentence[:start]
    words = [w.lower().strip(",;:“”\"'()") for w in before.split()]
    if _after_determiner(before):
        return False
    r = rules()
    if words and words[-1] in r["perfect_auxiliaries"]:
        return False
    states, subordinators = set(r["state_verbs"]), set(r["subordinators"])
    recent = [i for i, w in enumerate(words) if w in subordinators and i >= len(words) - 6]
    if recent and any(w in states for w in words[:recent[-1]]):
        return False            # a subordinate clause of a sentence about a state
    clause = _CLAUSE_MARKS.split(before)[-1].lower().split()
    for i, w in enumerate(clause):
        if w in states and i < len(clause) - 2:
            return False        # its clause's verb of state well before it
    return True


def phrase_in(table: str, sentence: str) -> str | None:
    """The first phrase of the rules' list ``table`` ("prediction_phrases",
    "opinion_phrases", "comparison_phrases", "verification_phrases",
    "boilerplate_phrases") written in ``sentence``, as written; None if none is."""
    m = phrases(table).search(sentence)
    return m.group(0) if m else None
