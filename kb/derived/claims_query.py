"""What the claims list is asked with (kb/derived/claims_index.py): the filter
(``ClaimFilter``, several values per facet), the sorts and facets it knows, the page it
answers (``Page``) and its cursors, and the user's full-text words turned into an FTS5
query and back into marks in the text.

Errors: InputError for a malformed cursor or date, an unknown sort, or an unknown
verdict spelling.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, fields, replace

from kb.errors import InputError
from kb.model.verdicts import AGREE, COMPATIBLE, CONFLICT, COUNTED, PARTIAL, verdict_spelling


# sort name → (column, direction): keyset pages over (column, rowid)
SORTS = {
    "published": ("published", "DESC"),
    "-published": ("published", "ASC"),
    "about": ("about_earliest", "DESC"),
    "-about": ("about_earliest", "ASC"),
    "recorded": ("recorded", "DESC"),
    "id": ("iri", "ASC"),            # the claim IRIs' order (`claimkb list`'s default)
}
DEFAULT_SORT = "published"
# Sorts by a rank, then by DEFAULT_SORT's order: "relevance" (FTS5 bm25 of the search
# words; without words the list falls back to DEFAULT_SORT and says so) and "severity"
# (the claim's most severe verdict: SEVERITY_ORDER).
RANKED_SORTS = ("relevance", "severity")
SORT_ALIASES = {"date": "published"}
SORT_NAMES = (*SORTS, *RANKED_SORTS, *SORT_ALIASES)
# a claim's most severe verdict in the comparisons (the claims index's ``verdict``,
# copied from the comparison index), most severe first; '' (in no comparison) last
SEVERITY_ORDER = (CONFLICT, PARTIAL, COMPATIBLE, AGREE, "")
# bm25 weights of the full-text columns (statement, quote, labels): a word in what the
# claim says counts more than one in its labels (publisher, headline, subject…)
BM25_WEIGHTS = (2.0, 1.0, 0.5)

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
# the facet values a list shows (the most claims first), and, for the one facet whose
# "more" is asked for, the most it shows (a facet can have 50,000 values at 1M claims:
# beyond this, its values are found by name, ``value_q``)
FACET_LIMIT = 12
FACET_MORE_LIMIT = 100
# the filters that take several values (OR within one, AND across them): the facets,
# and ``source`` (an article or a publisher, `claimkb list --source`)
MULTI = (*FACETS, "source")

_MONTH = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _values(value) -> tuple[str, ...] | None:
    """A filter's value(s) as a tuple without blanks or repeats (None: no filter)."""
    if value is None:
        return None
    items = (value,) if isinstance(value, str) else tuple(value)
    out = tuple(dict.fromkeys(str(v).strip() for v in items if v is not None and str(v).strip()))
    return out or None


@dataclass(frozen=True)
class ClaimFilter:
    """What the claims list shows. The fields narrow the list together (AND); a facet
    given several values matches any of them (OR): ``ClaimFilter(publisher=("a", "b"))``.
    IRIs are full.

    ``q``: full-text words (a "quoted phrase" stays a phrase; the last word also
    matches as a prefix); ``published_from``/``published_to``: the source's date,
    ``about_from``/``about_to``: the time the claim is about overlaps (ISO dates or
    their prefixes, "2021-07"); ``source``: the claim's article or its publisher is one
    of these. The MULTI fields take a string or several and hold a tuple.
    """

    q: str | None = None
    publisher: tuple[str, ...] | str | None = None
    article: tuple[str, ...] | str | None = None
    entity: tuple[str, ...] | str | None = None
    property: tuple[str, ...] | str | None = None
    modality: tuple[str, ...] | str | None = None
    verdict: tuple[str, ...] | str | None = None
    published_from: str | None = None
    published_to: str | None = None
    about_from: str | None = None
    about_to: str | None = None
    published: tuple[str, ...] | str | None = None   # month facet values, "2021-07"
    about: tuple[str, ...] | str | None = None       # month facet values
    source: tuple[str, ...] | str | None = None

    def __post_init__(self):
        for name in MULTI:
            values = _values(getattr(self, name))
            if values and name == "verdict":     # "conflict" as users write it
                values = tuple(dict.fromkeys(v if v == "none" else verdict_spelling(v) for v in values))
            object.__setattr__(self, name, values)

    def active(self) -> dict[str, str | tuple[str, ...]]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def values(self, name: str) -> tuple[str, ...]:
        """The values of the MULTI filter ``name`` (empty: not filtered by it)."""
        return getattr(self, name) or ()

    def without(self, name: str) -> "ClaimFilter":
        """This filter but for ``name`` (a facet's own counts leave out its own choice)."""
        return replace(self, **{name: None})


@dataclass
class Page:
    """One page of the list: ``total`` claims match, or at least ``total`` when
    ``total_exact`` is False (counting stops at COUNT_CAP, kb/derived/claims_search.py).
    ``sort``: the order it is in (the one asked for, or the default it fell back to,
    ``note`` saying why)."""

    rows: list[dict]
    next_cursor: str | None
    total: int
    total_exact: bool = True
    sort: str = DEFAULT_SORT
    note: str | None = None


def sort_name(sort: str | None) -> str:
    """The sort ``sort`` names (an alias: "date" is "published"; None: the default).
    Raises InputError for an unknown one."""
    if not sort:
        return DEFAULT_SORT
    sort = SORT_ALIASES.get(sort, sort)
    if sort not in SORTS and sort not in RANKED_SORTS:
        raise InputError(f"unknown sort {sort!r} (known: {', '.join(SORT_NAMES)})")
    return sort


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


def encode_cursor(*key) -> str:
    """A page cursor: the sort key of the last row shown (the sort's value or values,
    then the rowid), as an opaque URL-safe string."""
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# a cursor's shape per kind of sort (see ClaimSearch.search)
CURSOR_SHAPES = {"column": (str, int), "severity": (int, str, int), "relevance": (float, int)}


def _of_type(value, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, (int, float)) if kind is float else isinstance(value, kind)


def decode_cursor(cursor: str, shape: tuple[type, ...] = CURSOR_SHAPES["column"]) -> tuple:
    """The sort key ``encode_cursor`` wrote, checked against ``shape`` (the types of its
    parts). Raises InputError for a malformed cursor or one of another kind of sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
        if not isinstance(key, list) or len(key) != len(shape) or \
                not all(_of_type(v, t) for v, t in zip(key, shape)):
            raise ValueError
        return tuple(float(v) if t is float else v for v, t in zip(key, shape))
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise InputError(f"malformed page cursor {cursor[:40]!r} (or one of another sort): "
                         "start again from the first page") from None
