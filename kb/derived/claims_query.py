"""What the claims list is asked with (kb/derived/claims_index.py): the filter
(``ClaimFilter``), the sorts and facets it knows, the page it answers (``Page``) and its
cursors, and the user's full-text words turned into an FTS5 query and back into marks
in the text.

Errors: InputError for a malformed cursor or date, or an unknown verdict spelling.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, fields

from kb.errors import InputError
from kb.model.verdicts import COUNTED, verdict_spelling


# sort name → (column, direction)
SORTS = {
    "published": ("published", "DESC"),
    "-published": ("published", "ASC"),
    "about": ("about_earliest", "DESC"),
    "-about": ("about_earliest", "ASC"),
    "recorded": ("recorded", "DESC"),
}
DEFAULT_SORT = "published"

# facet name → (SQL expression of its value, SQL expression of its label)
FACETS = {
    "publisher": ("claims.publisher", "MAX(claims.publisher_name)"),
    "article": ("claims.article", "MAX(claims.article_title)"),
    "entity": ("claim_entities.entity", "MAX(claim_entities.label)"),
    "property": ("claims.property", "MAX(claims.property_label)"),
    "modality": ("claims.modality", "claims.modality"),
    "verdict": ("claims.verdict", "claims.verdict"),
    "published": ("substr(claims.published, 1, 7)", "substr(claims.published, 1, 7)"),
    "about": ("substr(claims.about_earliest, 1, 7)", "substr(claims.about_earliest, 1, 7)"),
}
VERDICT_NAMES = COUNTED      # the verdicts a claim's most severe one can be

_MONTH = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class ClaimFilter:
    """What the claims list shows. Every field narrows the list (AND); IRIs are full.

    ``q``: full-text words (a "quoted phrase" stays a phrase; the last word also
    matches as a prefix); ``published_from``/``published_to``: the source's date,
    ``about_from``/``about_to``: the time the claim is about overlaps (ISO dates or
    their prefixes, "2021-07").
    """

    q: str | None = None
    publisher: str | None = None
    article: str | None = None
    entity: str | None = None
    property: str | None = None
    modality: str | None = None
    verdict: str | None = None
    published_from: str | None = None
    published_to: str | None = None
    about_from: str | None = None
    about_to: str | None = None
    published: str | None = None   # a month facet value, "2021-07"
    about: str | None = None       # a month facet value

    def __post_init__(self):
        if self.verdict and self.verdict != "none":   # "conflict" as users write it
            object.__setattr__(self, "verdict", verdict_spelling(self.verdict))

    def active(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


@dataclass
class Page:
    """One page of the list: ``total`` claims match, or at least ``total`` when
    ``total_exact`` is False (counting stops at COUNT_CAP, kb/derived/claims_search.py)."""

    rows: list[dict]
    next_cursor: str | None
    total: int
    total_exact: bool = True


def _terms(text: str) -> list[list[tuple[list[str], bool]]]:
    """The user's words and "phrases" as groups of alternatives: the words joined by OR
    (in capitals, as in most search boxes) are one group, the groups all required. Each
    alternative is a token list and whether it is matched as a prefix (the last bare
    word, unless it is a number). A number is also its other spellings (NUMBER_FORMS):
    "1344" finds "1,344" and "1 344", and "1,344" finds "1344"."""
    parts = re.findall(r'"([^"]*)"|(\S+)', text)
    groups: list[list[tuple[list[str], bool]]] = []
    join = False
    for phrase, word in parts:
        if not phrase and word == "OR":
            join = bool(groups)
            continue
        tokens = re.findall(r"\w+", phrase if phrase else word, re.UNICODE)
        if not tokens:
            continue
        alternatives = [(forms, not phrase) for forms in _number_forms(tokens)]
        if join:
            groups[-1].extend(alternatives)
        else:
            groups.append(alternatives)
        join = False
    if groups:          # the last bare word is a prefix, unless it is (a spelling of) a number
        last = groups[-1]
        groups[-1] = [(tokens, prefix and alt is last[-1] and not tokens[0].isdigit())
                      for alt in last for tokens, prefix in (alt,)]
        groups[:-1] = [[(tokens, False) for tokens, _ in g] for g in groups[:-1]]
    return groups


def _number_forms(tokens: list[str]) -> list[list[str]]:
    """``tokens`` and, when they hold a whole number of 4 digits or more, its other
    spellings: thousands grouped ("1344 km" → "1 344 km", which "1,344 km" and "1 344 km"
    are to the claims index's tokenizer) and joined ("1,344 km" → "1344 km")."""
    joined, grouped, i = [], [], 0
    while i < len(tokens):
        t = tokens[i]
        j = i + 1
        if t.isdigit() and 1 <= len(t) <= 3:
            while j < len(tokens) and tokens[j].isdigit() and len(tokens[j]) == 3:
                j += 1
        digits = "".join(tokens[i:j])
        if digits.isdigit() and len(digits) >= 4:
            head = len(digits) % 3 or 3
            joined.append(digits)
            grouped += [digits[:head]] + [digits[k:k + 3] for k in range(head, len(digits), 3)]
        else:
            joined += tokens[i:j]
            grouped += tokens[i:j]
        i = j
    forms = [tokens]
    for form in (grouped, joined):
        if form not in forms:
            forms.append(form)
    return forms


def fts_query(text: str) -> str | None:
    """User words → an FTS5 MATCH expression that cannot be a syntax error: every word
    and "phrase" becomes a quoted string, alternatives (OR, a number's spellings) in
    parentheses, AND between the groups, the last word a prefix."""
    out = []
    for group in _terms(text):
        alternatives = []
        for tokens, prefix in group:
            quoted = '"' + " ".join(tokens).replace('"', '""') + '"'
            alternatives.append(quoted + " *" if prefix else quoted)
        out.append(alternatives[0] if len(alternatives) == 1
                   else "(" + " OR ".join(alternatives) + ")")
    return " AND ".join(out) or None


def mark_pattern(text: str) -> re.Pattern | None:
    """A regular expression finding, case-insensitively, what ``fts_query(text)``
    matches in a text (the last word as a prefix; phrase words across any
    punctuation). Highlighting in Python costs microseconds per row, where FTS5's
    highlight() re-ran the whole match (0.55 s for "the" at 100k claims). Accents are
    not folded here, so a match found only by diacritic folding is not marked."""
    alternatives = []
    for group in _terms(text):
        for tokens, prefix in group:
            body = r"\W+".join(re.escape(t) for t in tokens)
            alternatives.append(rf"(?<!\w){body}" + (r"\w*" if prefix else r"(?!\w)"))
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def mark(text: str | None, pattern: re.Pattern | None) -> str | None:
    """``text`` with \\x02…\\x03 around each match of ``pattern`` (None: no match)."""
    if not text or pattern is None:
        return None
    marked = pattern.sub(lambda m: f"\x02{m.group(0)}\x03", text)
    return marked if "\x02" in marked else None

def fts_labels(row: dict) -> str:
    """The labels a claim is found by (full-text column ``labels``), from its row."""
    return " · ".join(x for x in (row.get("subject_label"), row.get("property_label"),
                                  row.get("value_text"), row.get("scope_label"),
                                  row.get("speaker_name"), row.get("publisher_name"),
                                  row.get("article_title")) if x)


def check_date(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not _MONTH.match(value):
        raise InputError(f"{name} must be a date such as 2021-07-15 or 2021-07, got {value!r}")
    return value


def encode_cursor(sort_value: str, rowid: int) -> str:
    raw = json.dumps([sort_value, rowid], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, rowid = json.loads(raw)
        if not isinstance(value, str) or not isinstance(rowid, int):
            raise ValueError
        return value, rowid
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"malformed page cursor {cursor[:40]!r}: start again from the first page") from None
