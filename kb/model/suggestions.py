"""Suggested claims for an article's text: each sentence that makes a check-worthy
claim, pre-structured as a claims file would hold it — the exact quote (offsets into
the stored text), a modality guess with its cue words, the speaker of reported speech,
the quantities and times it states (read by the claims file's own parsers, times
resolved against the publication date), candidate subjects and properties (the KB's
names found in the sentence, else labels taken from it) and a check-worthiness score
with its reasons. Pure: no store, no network; the rules are data
(kb/model/suggest_rules.yaml, docs/extraction.md).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from kb.model.claim_cues import attribution, event, is_pronoun, phrase_in, proper_names, rules
from kb.model.dates import PDate
from kb.model.names import NameSet, normalise
from kb.model.quantity_spans import FoundQuantity, quantities
from kb.model.sentences import Sentence, sentences
from kb.model.text_normalisation import STOP_WORDS, stem
from kb.model.time_spans import FoundTime, times

MAX_NAME_WORDS = 6
_WORD = re.compile(r"[a-z]+")
_OF_WHAT = re.compile(r"\s+of\s+((?:the\s+)?[\w'’-]+(?:\s+[\w'’-]+)?)")
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
ENGLISH_CUES = frozenset("the of and to in is was that for on with said by as it at from "
                         "has have are were be this an will not".split())


@dataclass(frozen=True)
class NameHit:
    """A name of the KB found in a sentence (``owners``: the resources it names), or a
    label taken from the sentence (``owners`` empty)."""

    text: str
    owners: tuple[str, ...] = ()


@dataclass
class Suggestion:
    id: str                     # stable for the same words at the same place
    start: int                  # offsets of the quote in the article's text
    end: int
    quote: str
    score: float
    reasons: list[str]
    modality: str
    cue: str | None = None      # the words the modality was read from
    speaker: str | None = None
    quantities: list[FoundQuantity] = field(default_factory=list)
    times: list[FoundTime] = field(default_factory=list)
    subjects: list[NameHit] = field(default_factory=list)
    properties: list[NameHit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def value(self) -> FoundQuantity | None:
        return self.quantities[0] if self.quantities else None

    @property
    def time(self) -> FoundTime | None:
        return next((t for t in self.times if t.about is not None), None)


@dataclass
class Suggestions:
    suggestions: list[Suggestion]
    sentences: int              # sentences read
    notes: list[str]            # what could not be read, for the whole text


def suggestion_id(start: int, end: int, quote: str) -> str:
    return hashlib.sha256(f"{start}:{end}:{quote}".encode()).hexdigest()[:12]


def suggest(text: str, *, published: PDate | None = None, language: str | None = None,
            article_type: str | None = None, names: dict[str, NameSet] | None = None,
            everything: bool = False) -> Suggestions:
    """The suggested claims of ``text`` (an article's stored text), best first within
    the order of the text. ``names``: the KB's names by kind ("entities", "properties",
    kb.derived.names_index.all_names); ``article_type``: "opinion" makes a sentence with
    no other cue the writer's opinion; ``everything``: every sentence, scored, whatever
    its score. Never raises for any text."""
    notes: list[str] = []
    found = sentences(text, language)
    english = _english(text, language)
    if not found:
        notes.append("no sentences: the text is empty or only whitespace")
    if not english:
        notes.append(f"the text is not in English ({language or 'by its words'}): figures and "
                     "times are read, but modality, speakers and check-worthiness cues are "
                     "English only — check each suggestion's modality")
    out: list[Suggestion] = []
    last_speaker: str | None = None
    shared = _SharedWords((names or {}).get("properties"))
    tables = 0
    for sentence in found:
        if len(_LETTER_WORD.findall(sentence.text)) < rules()["min_letter_words"]:
            tables += 1        # a table row, a list of figures, symbols: not a sentence
            continue
        s = _one(sentence, published, language, article_type, names or {}, shared, english,
                 last_speaker)
        if s.modality == "reported-speech" and s.speaker and not is_pronoun(s.speaker):
            last_speaker = s.speaker
        if everything or s.score >= rules()["threshold"]:
            out.append(s)
    if tables:
        notes.append(f"{tables} piece{'s' if tables > 1 else ''} of text with fewer than "
                     f"{rules()['min_letter_words']} words (table rows, lists of figures) "
                     "read as no sentence")
    return Suggestions(out, len(found), notes)


def _english(text: str, language: str | None) -> bool:
    if language:
        return language.split("-")[0].lower() == "en"
    words = _WORD.findall(text[:20_000].lower())
    if len(words) < 30:
        return True
    return sum(w in ENGLISH_CUES for w in words) / len(words) >= 0.08


def _one(sentence: Sentence, published, language, article_type, names, shared: "_SharedWords",
         english: bool, last_speaker: str | None) -> Suggestion:
    text = sentence.text
    w = rules()["weights"]
    score, reasons = 0.0, []

    def add(feature: str, why: str) -> None:
        nonlocal score
        score += w[feature]
        reasons.append(why)

    qs = quantities(text, language)
    ts = [t for t in times(text, published, language) if t.about is not None or t.needs_published]
    qs = [q for q in qs if not any(t.start <= q.start < t.end for t in ts)]
    for q in qs[:rules()["max_quantities_counted"]]:
        add("quantity", f"figure: {q.surface}")
    if ts:
        add("time", f"time: {ts[0].surface}")
    entity_hits = _names_in(text, names.get("entities"))
    property_hits = _names_in(text, names.get("properties"))
    property_hits += [h for h in shared.in_text(text)
                      if not any(set(h.owners) & set(p.owners) for p in property_hits)]
    if entity_hits or property_hits:
        add("kb_name", "names: " + ", ".join(h.text for h in (entity_hits + property_hits)[:3]))
    proper = proper_names(text)
    if proper and not entity_hits:
        add("proper_name", f"name: {proper[0][2]}")
    modality, cue, speaker = "factual", None, None
    notes: list[str] = []
    if english:
        att = attribution(text)
        pred, opin = phrase_in("prediction_phrases", text), phrase_in("opinion_phrases", text)
        evt = event(text, bool(ts) or bool(qs))
        comp = phrase_in("comparison_phrases", text)
        if att is not None:
            add("attribution", f"attributed: {att.words or 'a quote'}")
            modality, cue, speaker = "reported-speech", att.words or "“…”", att.speaker
            if speaker is None or is_pronoun(speaker):
                if last_speaker:
                    notes.append(f"speaker {speaker or 'not named'}: taken as {last_speaker}, "
                                 "the last speaker named before")
                    speaker = last_speaker
                else:
                    notes.append(f"speaker {speaker or 'not named'}: not found before")
                    speaker = None
        elif pred:
            modality, cue = "prediction", pred
        elif opin:
            modality, cue = "opinion", opin
        elif evt:
            modality, cue = "event", evt
        elif article_type == "opinion" and not qs:
            modality, cue = "opinion", "an opinion article"
        if pred:
            add("prediction", f"prediction: {pred}")
        if opin:
            add("opinion", f"opinion: {opin}")
        if evt:
            add("event", f"event: {evt}")
        if comp:
            add("comparison", f"comparison: {comp}")
        checked = phrase_in("verification_phrases", text)
        if checked:
            add("verification", f"checking: {checked}")
        junk = phrase_in("boilerplate_phrases", text)
        if junk:
            add("boilerplate", f"boilerplate: {junk}")
    if text.rstrip().endswith("?"):
        add("question", "a question")
    if len(text.split()) < rules()["min_words"]:
        add("short", "few words")
    elif text.rstrip(" \"”’')").endswith((".", "!")):
        add("assertion", "a statement")
    subjects = [h for h in entity_hits if h.text != normalise(speaker or "")]
    if not subjects:
        subjects = [NameHit(name) for _, _, name in proper
                    if name != speaker and name.lower() not in (speaker or "").lower()][:3]
    properties = property_hits or _property_labels(qs, text)
    return Suggestion(
        id=suggestion_id(sentence.start, sentence.end, text),
        start=sentence.start, end=sentence.end, quote=text, score=round(score, 2),
        reasons=reasons, modality=modality, cue=cue, speaker=speaker, quantities=qs,
        times=ts, subjects=subjects, properties=properties, notes=notes)


def _names_in(text: str, names: NameSet | None) -> list[NameHit]:
    """The KB's names written in ``text`` (normalised word n-grams, longest first, not
    overlapping)."""
    if names is None or not names.names:
        return []
    words = normalise(text).split()
    hits, used = [], set()
    for n in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            if used & set(range(i, i + n)):
                continue
            norm = " ".join(words[i:i + n])
            at = names.position.get(norm)
            if at is None or not names.owners[at]:
                continue
            if n == 1 and len(norm) < 3:
                continue
            used |= set(range(i, i + n))
            if any(set(h.owners) & set(names.owners[at]) for _, h in hits):
                continue        # the same resource by another of its names
            hits.append((i, NameHit(norm, names.owners[at])))
    return [h for _, h in sorted(hits, key=lambda ih: ih[0])]


SHARED_WORDS = 2 / 3      # of a property name's content words, written in the sentence


def _key(word: str) -> str:
    """A word as property names are matched: the project's stem
    (kb.model.text_normalisation.stem), with a doubled last consonant undone, so that
    "controls" and "controlled" meet."""
    word = stem(word)
    return word[:-1] if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiou" else word


class _SharedWords:
    """The names of a NameSet by the keys of their content words, built once per text
    (``suggest``) and asked for every sentence: which names two thirds of whose content
    words (SHARED_WORDS) a sentence writes in any form ("share controlled by the
    Taliban" in "the Taliban controls over 70% of …": a property is rarely written as
    its label)."""

    def __init__(self, names: NameSet | None):
        self.names = names
        self.by_key: dict[str, set[int]] = {}
        self.sizes: dict[int, int] = {}
        if names is None:
            return
        for index, words in enumerate(names.wordsets):
            content = {_key(w) for w in words if w not in STOP_WORDS}
            if len(content) >= 2 and names.owners[index]:
                self.sizes[index] = len(content)
                for key in content:
                    self.by_key.setdefault(key, set()).add(index)

    def in_text(self, text: str) -> list[NameHit]:
        if not self.sizes:
            return []
        counts: dict[int, int] = {}
        for key in {_key(w) for w in normalise(text).split() if w not in STOP_WORDS}:
            for index in self.by_key.get(key, ()):
                counts[index] = counts.get(index, 0) + 1
        found = sorted(((shared / self.sizes[i], self.names.names[i], self.names.owners[i])
                        for i, shared in counts.items() if shared / self.sizes[i] >= SHARED_WORDS),
                       key=lambda f: (-f[0], f[1]))
        out: list[NameHit] = []
        for _, norm, owners in found:
            if not any(set(owners) & set(h.owners) for h in out):
                out.append(NameHit(norm, owners))
        return out[:3]


def _property_labels(qs: list[FoundQuantity], text: str) -> list[NameHit]:
    """A label for what a figure measures, from the words around it ("number of
    soldiers", "share of the border", "amount"), when the KB has none in the sentence."""
    out = []
    for q in qs[:2]:
        unit = q.quantity.unit
        if unit.dimension == "count" and q.noun:
            out.append(NameHit(f"number of {q.noun.lower()}"))
        elif unit.dimension == "ratio":
            after = _OF_WHAT.match(text[q.end:])
            what = after.group(1) if after and not any(c.isdigit() for c in after.group(1)) else None
            while what and what.split()[-1].lower() in STOP_WORDS:
                what = " ".join(what.split()[:-1]) or None
            out.append(NameHit(f"share of {what}" if what else "share"))
        elif unit.dimension.startswith("money"):
            out.append(NameHit("amount"))
        elif unit.dimension != "count":
            out.append(NameHit(unit.dimension))
    return out
