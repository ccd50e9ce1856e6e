"""The claims index: a SQLite side index for the claims list, its facets and full-text
search (``<data_dir>/index.sqlite``).

Why: on Oxigraph, ``ORDER BY … OFFSET`` pages and ``FILTER(CONTAINS…)`` grow linearly
with the KB (about 5 s and 0.3 s at 100k claims); the list needs keyset pagination,
facet counts and full-text search that stay fast at 1M claims. The store stays the
only source of truth: the index is derived from it (``_fetch``: index_hop.rq, index_content.rq) and can
be rebuilt at any time (``claimkb reindex``). ``KnowledgeBase`` keeps it current on
every write it makes (claims written, deleted, the store cleared). A KB whose remote
endpoint is written behind claimkb's back is stale until ``claimkb reindex``.

One row per claim (``claims``), the entities each claim mentions (``claim_entities``:
subject, scope, speaker, entity value) for the entity facet, and an FTS5 table over
the statement, the quote and the labels (subject, property, value, publisher,
headline). Facet counts are kept by triggers on every write, unfiltered
(``facet_counts``) and per pair of facet values (``facet_pairs``: the claims of
publisher P per article, per month, …), so the unfiltered list and the one-facet views
(a publisher, a property, a modality, a verdict) never count rows, at any size. Other
filters count their facets over the matching claims' narrow rows of facet value
numbers and sort keys (``claim_facets``, ~80 bytes a claim, also kept by triggers)
within a time budget. Connections are per thread (the web app serves with threads); writes are
serialised by a lock and each is one SQLite transaction.

Errors: StoreError when the index file cannot be opened or written; InputError for a
malformed cursor or filter value.
"""
from __future__ import annotations

import base64
import heapq
import math
import json
import re
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Iterable, Iterator

from kb.errors import InputError, StoreError
from kb.derived.sqlite import SideIndex, write_transaction
from kb.model.verdicts import COUNTED, verdict_spelling
from kb.model.vocab import MODALITIES
from kb.stored.claims import ClaimReader


INDEX_FILE = "index.sqlite"
SCHEMA_VERSION = 7
# schema version → what brings an index of that version to the next one without a
# rebuild from the store (run in turn up to SCHEMA_VERSION, after the tables and the
# triggers of this version were created; older versions are dropped and rebuilt):
# "recount" counts facet_counts and facet_pairs from the rows, "fill" claim_facets,
# "uncounted"/"counted" drop and re-create the counting triggers.
_UPGRADES = {
    # 4 → 5: facet_pairs replace publisher_entities and the covering index
    # claims_publisher_facets (85 s at 1M claims)
    "4": ["DROP TRIGGER IF EXISTS publisher_entities_counted",
          "DROP TRIGGER IF EXISTS publisher_entities_uncounted",
          "DROP TABLE IF EXISTS publisher_entities",
          "DROP INDEX IF EXISTS claims_publisher_facets", "recount"],
    # 5 → 6: claim_facets
    "5": ["fill"],
    # 6 → 7: verdicts spelled as in the API (CONFLICT, PARTIAL, COMPATIBLE, AGREE)
    # (facet values first, so that the claim_facets trigger finds the same numbers; the
    # counting triggers off meanwhile, then one recount)
    "6": ["uncounted", "UPDATE facet_values SET value = upper(value) WHERE facet = 'verdict'",
          "UPDATE claims SET verdict = upper(verdict) WHERE verdict != ''", "recount", "counted"],
}
MODALITY_NAMES = {str(iri): name for name, iri in MODALITIES.items()}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS claims (
    rowid INTEGER PRIMARY KEY,
    iri TEXT NOT NULL UNIQUE,
    modality TEXT NOT NULL,
    statement TEXT, quote TEXT,
    article TEXT NOT NULL, article_title TEXT,
    publisher TEXT NOT NULL DEFAULT '', publisher_name TEXT,
    published TEXT NOT NULL DEFAULT '',
    about_earliest TEXT NOT NULL DEFAULT '', about_latest TEXT NOT NULL DEFAULT '',
    recorded TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '', subject_label TEXT,
    property TEXT NOT NULL DEFAULT '', property_label TEXT,
    object TEXT, object_label TEXT, value_text TEXT, value_num REAL, unit TEXT,
    speaker TEXT, speaker_name TEXT, scope TEXT, scope_label TEXT,
    verdict TEXT NOT NULL DEFAULT '',
    retracted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS claims_published ON claims (published, rowid);
CREATE INDEX IF NOT EXISTS claims_about ON claims (about_earliest, rowid);
CREATE INDEX IF NOT EXISTS claims_recorded ON claims (recorded, rowid);
CREATE INDEX IF NOT EXISTS claims_publisher ON claims (publisher, published, rowid);
CREATE INDEX IF NOT EXISTS claims_article ON claims (article, published, rowid);
CREATE INDEX IF NOT EXISTS claims_property ON claims (property, published, rowid);
CREATE INDEX IF NOT EXISTS claims_modality ON claims (modality, published, rowid);
CREATE INDEX IF NOT EXISTS claims_verdict ON claims (verdict, published, rowid);
CREATE INDEX IF NOT EXISTS claims_subject ON claims (subject, about_earliest, rowid);
CREATE TABLE IF NOT EXISTS claim_entities (
    claim INTEGER NOT NULL REFERENCES claims (rowid) ON DELETE CASCADE,
    entity TEXT NOT NULL, label TEXT, role TEXT NOT NULL,
    PRIMARY KEY (entity, claim, role)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS claim_entities_claim ON claim_entities (claim);
CREATE VIRTUAL TABLE IF NOT EXISTS claims_fts USING fts5 (
    statement, quote, labels, tokenize = 'unicode61 remove_diacritics 2'
);
-- Unfiltered facet counts (and the total, facet '*'), kept by triggers on every
-- insert, delete and verdict change, so that the unfiltered list never counts 1M rows.
CREATE TABLE IF NOT EXISTS facet_counts (
    facet TEXT NOT NULL, value TEXT NOT NULL, label TEXT, n INTEGER NOT NULL,
    PRIMARY KEY (facet, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facet_counts_n ON facet_counts (facet, n);
-- The facets of a one-facet view (?publisher=…, ?property=…, ?modality=…,
-- ?verdict=…) without reading its claims, at any size: the claims per pair of facet
-- values (publisher P and article A: n claims), kept by triggers like facet_counts.
CREATE TABLE IF NOT EXISTS facet_pairs (
    filter TEXT NOT NULL, fvalue TEXT NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (filter, fvalue, facet, value)
) WITHOUT ROWID;
-- a publisher's top 12 of its ~45k entities (at 1M claims) without sorting them all
CREATE INDEX IF NOT EXISTS facet_pairs_n ON facet_pairs (filter, fvalue, facet, n);
-- The facets of any other filter are counted from its matching claims. Their rows in
-- claims are wide (texts, labels) and scattered: ~110 us a claim and facet at 1M. So
-- each claim's facet values are also kept as numbers in a narrow row (~80 bytes with
-- the sort keys): claim_facets, with the numbers of facet_values ('' has one too; entities: the
-- numbers of its claim_entities rows, comma-separated), kept by triggers. A number
-- is never given to another value (AUTOINCREMENT: not even after a rebuild), so
-- readers may keep what they looked up.
CREATE TABLE IF NOT EXISTS facet_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT, facet TEXT NOT NULL, value TEXT NOT NULL,
    UNIQUE (facet, value)
);
-- With the sort keys: a full-text search sorts its matches here too, not their wide rows.
CREATE TABLE IF NOT EXISTS claim_facets (
    claim INTEGER PRIMARY KEY,
    publisher INTEGER, article INTEGER, property INTEGER, modality INTEGER,
    verdict INTEGER, published INTEGER, about INTEGER, entities TEXT NOT NULL DEFAULT '',
    sort_published TEXT NOT NULL DEFAULT '', sort_about TEXT NOT NULL DEFAULT '',
    sort_recorded TEXT NOT NULL DEFAULT ''
);
"""

# The triggers that keep facet_counts (and, below, facet_pairs). A rebuild drops them
# and counts in bulk: at 1M claims they were most of the SQLite time of a rebuild.
_TRIGGERS = [stmt.strip() + "\n    END" for stmt in """
CREATE TRIGGER IF NOT EXISTS claims_counted AFTER INSERT ON claims BEGIN
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('publisher', NEW.publisher, NEW.publisher_name, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('article', NEW.article, NEW.article_title, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('property', NEW.property, NEW.property_label, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('modality', NEW.modality, NEW.modality, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('verdict', NEW.verdict, NEW.verdict, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('published', substr(NEW.published, 1, 7), substr(NEW.published, 1, 7), 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('about', substr(NEW.about_earliest, 1, 7), substr(NEW.about_earliest, 1, 7), 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('*', '', NULL, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
END;
CREATE TRIGGER IF NOT EXISTS claims_uncounted AFTER DELETE ON claims BEGIN
    UPDATE facet_counts SET n = n - 1 WHERE facet = 'publisher' AND value = OLD.publisher;
    UPDATE facet_counts SET n = n - 1 WHERE facet = 'article' AND value = OLD.article;
    UPDATE facet_counts SET n = n - 1 WHERE facet = 'property' AND value = OLD.property;
    UPDATE facet_counts SET n = n - 1 WHERE facet = 'modality' AND value = OLD.modality;
    UPDATE facet_counts SET n = n - 1 WHERE facet = 'verdict' AND value = OLD.verdict;
    UPDATE facet_counts SET n = n - 1 WHERE facet = 'published' AND value = substr(OLD.published, 1, 7);
    UPDATE facet_counts SET n = n - 1 WHERE facet = 'about' AND value = substr(OLD.about_earliest, 1, 7);
    UPDATE facet_counts SET n = n - 1 WHERE facet = '*' AND value = '';
END;
CREATE TRIGGER IF NOT EXISTS claims_verdict_counted AFTER UPDATE OF verdict ON claims
WHEN OLD.verdict != NEW.verdict BEGIN
    UPDATE facet_counts SET n = n - 1 WHERE facet = 'verdict' AND value = OLD.verdict;
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('verdict', NEW.verdict, NEW.verdict, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
END;
CREATE TRIGGER IF NOT EXISTS entities_counted AFTER INSERT ON claim_entities BEGIN
    INSERT INTO facet_counts (facet, value, label, n) VALUES ('entity', NEW.entity, NEW.label, 1)
        ON CONFLICT (facet, value) DO UPDATE SET n = n + 1, label = coalesce(excluded.label, label);
END;
CREATE TRIGGER IF NOT EXISTS entities_uncounted AFTER DELETE ON claim_entities BEGIN
    UPDATE facet_counts SET n = n - 1 WHERE facet = 'entity' AND value = OLD.entity;
END;
""".split("\nEND;")[:-1]]
# facet → SQL expression of its value on a claims row {r} (claims, NEW, OLD)
_ROW_FACETS = {
    "publisher": "{r}.publisher", "article": "{r}.article", "property": "{r}.property",
    "modality": "{r}.modality", "verdict": "{r}.verdict",
    "published": "substr({r}.published, 1, 7)", "about": "substr({r}.about_earliest, 1, 7)",
}
# sort column of claims → its copy in claim_facets
SORT_KEYS = {"published": "sort_published", "about_earliest": "sort_about", "recorded": "sort_recorded"}
# The one-facet views whose facets come from facet_pairs: those that can match most of
# the KB. An article's or an entity's claims are few: their facets are counted.
PAIR_FILTERS = ("publisher", "property", "modality", "verdict")


def _pair_triggers() -> list[str]:
    """The triggers that keep facet_pairs: for each PAIR_FILTERS facet F and each other
    facet G, the claims per (value of F, value of G)."""
    key = "ON CONFLICT (filter, fvalue, facet, value) DO UPDATE SET n = n + excluded.n"

    def inc(f, fv, g, gv, n="1"):
        return (f"INSERT INTO facet_pairs (filter, fvalue, facet, value, n) "
                f"VALUES ('{f}', {fv}, '{g}', {gv}, {n}) {key};")

    def dec(f, fv, g, gv):
        return (f"UPDATE facet_pairs SET n = n - 1 WHERE filter = '{f}' AND fvalue = {fv} "
                f"AND facet = '{g}' AND value = {gv};")

    def row(name, r):
        return _ROW_FACETS[name].format(r=r)

    pairs = [(f, g) for f in PAIR_FILTERS for g in _ROW_FACETS if g != f]
    ins = [inc(f, row(f, "NEW"), g, row(g, "NEW")) for f, g in pairs]
    dels = [dec(f, row(f, "OLD"), g, row(g, "OLD")) for f, g in pairs]
    # a verdict changes: the pairs (F, verdict) and (verdict, G), the entities included
    verdict = [step for f, g in pairs if "verdict" in (f, g)
               for step in (dec(f, row(f, "OLD"), g, row(g, "OLD")), inc(f, row(f, "NEW"), g, row(g, "NEW")))]
    verdict += [
        "UPDATE facet_pairs SET n = n - (SELECT count(*) FROM claim_entities WHERE claim = NEW.rowid"
        " AND entity = facet_pairs.value) WHERE filter = 'verdict' AND fvalue = OLD.verdict AND"
        " facet = 'entity' AND value IN (SELECT entity FROM claim_entities WHERE claim = NEW.rowid);",
        "INSERT INTO facet_pairs (filter, fvalue, facet, value, n) SELECT 'verdict', NEW.verdict,"
        " 'entity', entity, count(*) FROM claim_entities WHERE claim = NEW.rowid GROUP BY entity"
        f" {key};",
    ]
    ent_ins = [f"INSERT INTO facet_pairs (filter, fvalue, facet, value, n) SELECT '{f}', {f}, 'entity',"
               f" NEW.entity, 1 FROM claims WHERE rowid = NEW.claim {key};" for f in PAIR_FILTERS]
    ent_dels = [dec(f, f"(SELECT {f} FROM claims WHERE rowid = OLD.claim)", "entity", "OLD.entity")
                for f in PAIR_FILTERS]

    def trigger(name, event, steps, when=""):
        body = "\n    ".join(steps)
        return f"CREATE TRIGGER IF NOT EXISTS {name} {event}{when} BEGIN\n    {body}\n    END"

    return [
        trigger("claims_paired", "AFTER INSERT ON claims", ins),
        trigger("claims_unpaired", "AFTER DELETE ON claims", dels),
        trigger("claims_verdict_paired", "AFTER UPDATE OF verdict ON claims", verdict,
                " WHEN OLD.verdict != NEW.verdict"),
        trigger("entities_paired", "AFTER INSERT ON claim_entities", ent_ins),
        trigger("entities_unpaired", "AFTER DELETE ON claim_entities", ent_dels),
    ]


_TRIGGERS += _pair_triggers()


def _row_triggers() -> list[str]:
    """The triggers that keep claim_facets, one row per claims row. Unlike the counts
    they stay on during a rebuild (a row each: nothing to gain from bulk)."""
    def value_id(facet, expr):
        return f"(SELECT id FROM facet_values WHERE facet = '{facet}' AND value = {expr})"

    new = {name: expr.format(r="NEW") for name, expr in _ROW_FACETS.items()}
    known = ", ".join(f"('{name}', {expr})" for name, expr in new.items())
    entities = ("coalesce((SELECT group_concat(facet_values.id) FROM claim_entities JOIN facet_values"
                " ON facet_values.facet = 'entity' AND facet_values.value = claim_entities.entity"
                " WHERE claim_entities.claim = {claim}), '')")
    return [
        f"""CREATE TRIGGER IF NOT EXISTS claims_faceted AFTER INSERT ON claims BEGIN
    INSERT OR IGNORE INTO facet_values (facet, value) VALUES {known};
    INSERT OR REPLACE INTO claim_facets (claim, {', '.join(new)}, entities, {', '.join(SORT_KEYS.values())})
        VALUES (NEW.rowid, {', '.join(value_id(name, expr) for name, expr in new.items())},
        {entities.format(claim='NEW.rowid')}, {', '.join(f'NEW.{c}' for c in SORT_KEYS)});
    END""",
        """CREATE TRIGGER IF NOT EXISTS claims_unfaceted AFTER DELETE ON claims BEGIN
    DELETE FROM claim_facets WHERE claim = OLD.rowid;
    END""",
        f"""CREATE TRIGGER IF NOT EXISTS claims_verdict_faceted AFTER UPDATE OF verdict ON claims
    WHEN OLD.verdict != NEW.verdict BEGIN
    INSERT OR IGNORE INTO facet_values (facet, value) VALUES ('verdict', NEW.verdict);
    UPDATE claim_facets SET verdict = {value_id('verdict', 'NEW.verdict')} WHERE claim = NEW.rowid;
    END""",
        f"""CREATE TRIGGER IF NOT EXISTS entities_faceted AFTER INSERT ON claim_entities BEGIN
    INSERT OR IGNORE INTO facet_values (facet, value) VALUES ('entity', NEW.entity);
    UPDATE claim_facets SET entities = {entities.format(claim='NEW.claim')} WHERE claim = NEW.claim;
    END""",
        f"""CREATE TRIGGER IF NOT EXISTS entities_unfaceted AFTER DELETE ON claim_entities BEGIN
    UPDATE claim_facets SET entities = {entities.format(claim='OLD.claim')} WHERE claim = OLD.claim;
    END""",
    ]


_ROW_TRIGGERS = _row_triggers()
# claim_facets of an index that has claims but not this table yet (the upgrade from 5)
_FILL_CLAIM_FACETS = [
    *(f"INSERT OR IGNORE INTO facet_values (facet, value) SELECT DISTINCT '{name}', "
      f"{expr.format(r='claims')} FROM claims" for name, expr in _ROW_FACETS.items()),
    "INSERT OR IGNORE INTO facet_values (facet, value) SELECT DISTINCT 'entity', entity FROM claim_entities",
    "DELETE FROM claim_facets",
    f"INSERT INTO claim_facets (claim, {', '.join(_ROW_FACETS)}, entities, {', '.join(SORT_KEYS.values())}) "
    "SELECT claims.rowid, "
    + ", ".join(f"(SELECT id FROM facet_values WHERE facet = '{name}' AND value = {expr.format(r='claims')})"
                for name, expr in _ROW_FACETS.items())
    + ", coalesce((SELECT group_concat(facet_values.id) FROM claim_entities JOIN facet_values ON "
      "facet_values.facet = 'entity' AND facet_values.value = claim_entities.entity WHERE "
      "claim_entities.claim = claims.rowid), '') "
    + "".join(f", claims.{c}" for c in SORT_KEYS) + " FROM claims",
]

# What the triggers count, counted in bulk (rebuild): facet → (value, label) over claims
_BULK_LABELS = {"publisher": "MAX(claims.publisher_name)", "article": "MAX(claims.article_title)",
                "property": "MAX(claims.property_label)"}
# (the facets a count is about, its SQL)
_BULK_COUNTS = [
    *(({name}, f"INSERT INTO facet_counts (facet, value, label, n) SELECT '{name}', "
       f"{value.format(r='claims')}, {_BULK_LABELS.get(name, value.format(r='claims'))}, count(*) "
       f"FROM claims GROUP BY 2") for name, value in _ROW_FACETS.items()),
    ({"entity"}, "INSERT INTO facet_counts (facet, value, label, n) "
                 "SELECT 'entity', entity, MAX(label), count(*) FROM claim_entities GROUP BY entity"),
    ({"*"}, "INSERT INTO facet_counts (facet, value, label, n) SELECT '*', '', NULL, count(*) FROM claims"),
    *(({f, g}, f"INSERT INTO facet_pairs (filter, fvalue, facet, value, n) SELECT '{f}', claims.{f}, "
       f"'{g}', {value.format(r='claims')}, count(*) FROM claims GROUP BY 2, 4")
      for f in PAIR_FILTERS for g, value in _ROW_FACETS.items() if g != f),
    *(({f, "entity"}, f"INSERT INTO facet_pairs (filter, fvalue, facet, value, n) SELECT '{f}', "
       f"claims.{f}, 'entity', claim_entities.entity, count(*) FROM claim_entities JOIN claims ON "
       f"claims.rowid = claim_entities.claim GROUP BY 2, 4") for f in PAIR_FILTERS),
]


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
# Counting stops here: "10,000+ claims" (a filtered count over 1M claims would take
# seconds; nobody pages through 10,000 claims).
COUNT_CAP = 10_000
# A full-text query matching many claims is answered by walking the sort order's index
# and keeping the rows among the matches (the first page comes after about page size /
# density rows) instead of sorting every match. Sorting costs ~6 us per match, walking
# ~0.5 us per row: they break even near 2·sqrt(claims) matches (measured at 100k:
# 56,669 matches 114 ms sorted, 13 ms walked; 50 matches 0.3 ms sorted, 22 ms walked).
DENSE_MATCHES = 500   # the least number of matches walked, whatever the KB's size
# the index each sort column is walked by (see DENSE_MATCHES)
SORT_INDEX = {"published": "claims_published", "about_earliest": "claims_about",
              "recorded": "claims_recorded"}


class _TimedOut(Exception):
    pass

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
    ``total_exact`` is False (counting stops at COUNT_CAP)."""

    rows: list[dict]
    next_cursor: str | None
    total: int
    total_exact: bool = True


def _terms(text: str) -> list[tuple[list[str], bool]]:
    """The user's words and "phrases" as token lists, each with whether it is matched as
    a prefix (the last bare word)."""
    parts = re.findall(r'"([^"]*)"|(\S+)', text)
    terms = []
    for phrase, word in parts:
        tokens = re.findall(r"\w+", phrase if phrase else word, re.UNICODE)
        if tokens:
            terms.append((tokens, not phrase))
    return [(tokens, prefix and i == len(terms) - 1) for i, (tokens, prefix) in enumerate(terms)]


def fts_query(text: str) -> str | None:
    """User words → an FTS5 MATCH expression that cannot be a syntax error: every word
    and "phrase" becomes a quoted string (AND between them), the last word a prefix."""
    out = []
    for tokens, prefix in _terms(text):
        quoted = '"' + " ".join(tokens).replace('"', '""') + '"'
        out.append(quoted + " *" if prefix else quoted)
    return " AND ".join(out) or None


def mark_pattern(text: str) -> re.Pattern | None:
    """A regular expression finding, case-insensitively, what ``fts_query(text)``
    matches in a text (the last word as a prefix; phrase words across any
    punctuation). Highlighting in Python costs microseconds per row, where FTS5's
    highlight() re-ran the whole match (0.55 s for "the" at 100k claims). Accents are
    not folded here, so a match found only by diacritic folding is not marked."""
    alternatives = []
    for tokens, prefix in _terms(text):
        body = r"\W+".join(re.escape(t) for t in tokens)
        alternatives.append(rf"(?<!\w){body}" + (r"\w*" if prefix else r"(?!\w)"))
    return re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None


def mark(text: str | None, pattern: re.Pattern | None) -> str | None:
    """``text`` with \\x02…\\x03 around each match of ``pattern`` (None: no match)."""
    if not text or pattern is None:
        return None
    marked = pattern.sub(lambda m: f"\x02{m.group(0)}\x03", text)
    return marked if "\x02" in marked else None


def _trigger_names(triggers: list[str] | None = None) -> list[str]:
    """The names of ``triggers`` (default: the ones that count, _TRIGGERS)."""
    return [re.search(r"CREATE TRIGGER IF NOT EXISTS (\w+)", t).group(1)
            for t in (_TRIGGERS if triggers is None else triggers)]


def _labels(row: dict) -> str:
    """The labels a claim is found by (full-text column ``labels``), from its row."""
    return " · ".join(x for x in (row.get("subject_label"), row.get("property_label"),
                                  row.get("value_text"), row.get("scope_label"),
                                  row.get("speaker_name"), row.get("publisher_name"),
                                  row.get("article_title")) if x)


def _number(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


def _check_date(name: str, value: str | None) -> str | None:
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


def _configure(db: sqlite3.Connection) -> None:
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA cache_size=-65536")


class ClaimIndex(SideIndex):
    """The claims index of one knowledge base (see the module docstring)."""

    schema_version = SCHEMA_VERSION

    def __init__(self, path: Path, reader: ClaimReader, facet_time_limit_ms: int = 200):
        super().__init__(path, _configure)
        self.reader = reader
        self.facet_time_limit_ms = facet_time_limit_ms
        self._generation = 0
        self._cache: dict = {}
        self._values: dict[int, str] = {}   # facet_values: number → value
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._write_lock:
                db = self._db()
                version = self._meta(db, "schema")
                if version is not None and version != str(SCHEMA_VERSION) and version not in _UPGRADES:
                    db.executescript("DROP TABLE IF EXISTS claims; DROP TABLE IF EXISTS claim_entities;"
                                     "DROP TABLE IF EXISTS claims_fts; DROP TABLE IF EXISTS facet_counts;"
                                     "DROP TABLE IF EXISTS facet_pairs; DROP TABLE IF EXISTS claim_facets;"
                                     "DROP TABLE IF EXISTS facet_values; DELETE FROM meta;")
                db.executescript(_SCHEMA)
                for trigger in [*_TRIGGERS, *_ROW_TRIGGERS]:
                    db.execute(trigger)
                while version in _UPGRADES:
                    for step in _UPGRADES[version]:
                        if step == "recount":
                            self._recount(db)
                        elif step == "uncounted":
                            self._drop_triggers(db)
                        elif step == "counted":
                            self._add_triggers(db)
                        elif step == "fill":
                            for sql in _FILL_CLAIM_FACETS:
                                db.execute(sql)
                        else:
                            db.execute(step)
                    version = str(int(version) + 1)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                db.commit()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the claims index {self.path}: {exc}") from None

    # ------------------------------------------------------------ state

    @property
    def built(self) -> bool:
        """Whether the index was ever built from the store (else: ``rebuild``)."""
        return self._meta(self._db(), "built") is not None

    @property
    def generation(self) -> int:
        """Changes on every write through this object: what was computed from the index
        (counts, facets, rendered parts of pages) is current while it stays the same."""
        return self._generation

    def _changed(self) -> None:
        self._generation += 1
        self._cache = {}

    def _cached(self, key, compute):
        key = (self._generation, *key)
        cache = self._cache
        if key not in cache:
            value = compute()
            if len(cache) > 5000:
                cache.clear()
            cache[key] = value
        return cache[key]

    # ------------------------------------------------------------ writing

    def rebuild(self, progress=None, batch: int = 2000) -> int:
        """Rebuild the whole index from the store into a new file, then move it into
        place (readers see the old index until then; a failed rebuild leaves it).
        Returns the number of claims indexed. Raises StoreError."""
        try:   # facet value numbers are never given again (readers keep what they looked up)
            row = self._db().execute(
                "SELECT seq FROM sqlite_sequence WHERE name = 'facet_values'").fetchone()
        except sqlite3.Error:
            row = None
        floor = row[0] if row else 0
        count = self.rebuild_aside(lambda fresh: fresh._fill(progress, batch, floor))
        self._values = {}
        self._changed()
        return count

    def _fresh(self, path: Path) -> "ClaimIndex":
        return ClaimIndex(path, self.reader, self.facet_time_limit_ms)

    def _fill(self, progress, batch: int, floor: int = 0) -> int:
        """Index every stored claim into this (fresh) index; facet values are numbered
        from ``floor`` + 1."""
        iris = self.reader.all_claims()
        with self._writing() as db:
            self._drop_triggers(db)
            self._empty(db)
            db.execute("DELETE FROM sqlite_sequence WHERE name = 'facet_values'")
            db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('facet_values', ?)",
                       (floor,))
        try:
            done = 0
            for start in range(0, len(iris), batch):
                chunk = iris[start:start + batch]
                self._index(chunk)
                done += len(chunk)
                if progress:
                    progress(done, len(iris))
        finally:   # counts in bulk, then the triggers back, whatever happened
            with self._writing() as db:
                self._recount(db)
                self._add_triggers(db)
        with self._writing() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('built', datetime('now'))")
        return len(iris)

    def refresh(self, claims: Iterable[str], batch: int = 2000) -> None:
        """Re-index ``claims`` from the store (claims no longer there are dropped)."""
        claims = list(dict.fromkeys(str(c) for c in claims))
        for start in range(0, len(claims), batch):
            self._index(claims[start:start + batch])

    def remove(self, claims: Iterable[str]) -> None:
        with self._writing() as db:
            self._delete(db, [str(c) for c in claims])

    def clear(self) -> None:
        with self._writing() as db:
            self._drop_triggers(db)
            self._empty(db)
            self._recount(db)
            self._add_triggers(db)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('built', datetime('now'))")

    def set_verdicts(self, verdicts: dict[str, str], claims: Iterable[str] | None = ()) -> None:
        """Record the most severe verdict of each claim (``verdicts``: IRI → verdict);
        claims in ``claims`` (every claim when None) but not in ``verdicts`` get none."""
        updates = {str(c): "" for c in claims or ()}
        updates.update({str(k): v for k, v in verdicts.items()})
        with self._writing() as db:
            # Every claim, or many: the counts in bulk afterwards (at 1M claims the
            # triggers would run ~20 statements for each of ~700k changed verdicts).
            bulk = claims is None or len(updates) > max(10_000, self._total() // 10)
            if bulk:
                self._drop_triggers(db)
            if claims is None:
                db.execute("UPDATE claims SET verdict = '' WHERE verdict != ''")
            db.executemany("UPDATE claims SET verdict = ? WHERE iri = ?",
                           [(v if v in VERDICT_NAMES else "", k) for k, v in updates.items()])
            if bulk:
                self._recount(db, "verdict")
                self._add_triggers(db)

    @staticmethod
    def _drop_triggers(db) -> None:
        """Drop the triggers that count (the ones that keep claim_facets stay)."""
        for name in _trigger_names():
            db.execute(f"DROP TRIGGER IF EXISTS {name}")

    @staticmethod
    def _empty(db) -> None:
        """Delete every claim (SQLite empties a table without triggers at once: the
        claim_facets triggers are off meanwhile)."""
        for name in _trigger_names(_ROW_TRIGGERS):
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table in ("claim_entities", "claims", "claims_fts", "claim_facets", "facet_values"):
            db.execute(f"DELETE FROM {table}")
        for trigger in _ROW_TRIGGERS:
            db.execute(trigger)

    @staticmethod
    def _add_triggers(db) -> None:
        for trigger in _TRIGGERS:
            db.execute(trigger)

    @staticmethod
    def _recount(db, facet: str | None = None) -> None:
        """Count facet_counts and facet_pairs from the rows (what the triggers keep);
        only the counts that involve ``facet`` when given (~2 s a statement at 1M claims)."""
        if facet is None:
            db.execute("DELETE FROM facet_counts")
            db.execute("DELETE FROM facet_pairs")
        else:
            db.execute("DELETE FROM facet_counts WHERE facet = ?", (facet,))
            db.execute("DELETE FROM facet_pairs WHERE filter = ? OR facet = ?", (facet, facet))
        for facets, sql in _BULK_COUNTS:
            if facet is None or facet in facets:
                db.execute(sql)

    def _writing(self):
        """``with index._writing() as db``: one serialised write transaction; the
        cached counts and facets are dropped after it."""
        return write_transaction(self._write_lock, self._db(), "claims index", after=self._changed)

    @staticmethod
    def _delete(db, iris: list[str]) -> dict[str, str]:
        """Drop these claims' rows; returns the verdict each had."""
        verdicts = {}
        for iri in iris:
            row = db.execute("SELECT rowid, verdict FROM claims WHERE iri = ?", (iri,)).fetchone()
            if row:
                verdicts[iri] = row[1]
                db.execute("DELETE FROM claims_fts WHERE rowid = ?", (row[0],))
                db.execute("DELETE FROM claim_entities WHERE claim = ?", (row[0],))
                db.execute("DELETE FROM claims WHERE rowid = ?", (row[0],))
        return verdicts

    def _index(self, iris: list[str]) -> None:
        if not iris:
            return
        records = self.reader.summaries(iris)
        with self._writing() as db:
            verdicts = self._delete(db, iris)   # kept: the comparison sets them
            for iri, r in records.items():
                self._insert(db, r, verdicts.get(iri, ""))

    @staticmethod
    def _insert(db, r: dict, verdict: str) -> None:
        value_text = r.get("surface")
        if value_text is None and r.get("value") is not None:
            value_text = f"{r['value']} {r.get('unit') or ''}".strip()
        if value_text is None:
            value_text = r.get("objectLabel") or r.get("object")
        cur = db.execute(
            "INSERT INTO claims (iri, modality, statement, quote, article, article_title,"
            " publisher, publisher_name, published, about_earliest, about_latest, recorded,"
            " subject, subject_label, property, property_label, object, object_label,"
            " value_text, value_num, unit, speaker, speaker_name, scope, scope_label, verdict,"
            " retracted) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            # a record that breaks the shapes (no modality, no source) is still listed:
            # `claimkb validate` reports it; the index must not refuse what the store holds
            (r["claim"], MODALITY_NAMES.get(r["modality"], r["modality"]) or "", r.get("text"),
             r.get("exact"), r.get("article") or "", r.get("headline"), r.get("publisher") or "",
             r.get("publisherName"), r.get("published") or "", r.get("earliest") or "",
             r.get("latest") or "", r.get("recorded") or "", r.get("subject") or "",
             r.get("subjectLabel"), r.get("property") or "", r.get("propertyLabel"),
             r.get("object"), r.get("objectLabel"), value_text, _number(r.get("value")),
             r.get("unit"), r.get("speaker"),
             r.get("speakerName"), r.get("scope"), r.get("scopeLabel"), verdict,
             int(bool(r.get("retracted")))))
        rowid = cur.lastrowid
        entities = [(r.get("subject"), r.get("subjectLabel"), "subject"),
                    (r.get("scope"), r.get("scopeLabel"), "scope"),
                    (r.get("speaker"), r.get("speakerName"), "speaker")]
        if r.get("members"):          # a set of entities: each member is a value
            entities += [(o, label, "value") for o, label in r["members"] if label is not None]
        elif r.get("objectLabel") is not None:
            entities.append((r.get("object"), r.get("objectLabel"), "value"))
        db.executemany("INSERT OR IGNORE INTO claim_entities VALUES (?,?,?,?)",
                       [(rowid, e, label, role) for e, label, role in entities if e])
        labels = _labels({"subject_label": r.get("subjectLabel"),
                          "property_label": r.get("propertyLabel"), "value_text": value_text,
                          "scope_label": r.get("scopeLabel"), "speaker_name": r.get("speakerName"),
                          "publisher_name": r.get("publisherName"),
                          "article_title": r.get("headline")})
        db.execute("INSERT INTO claims_fts (rowid, statement, quote, labels) VALUES (?,?,?,?)",
                   (rowid, r.get("text") or "", r.get("exact") or "", labels))

    # ------------------------------------------------------------ reading

    def _where(self, f: ClaimFilter, skip: str | None = None) -> tuple[str, list, bool]:
        """SQL WHERE clause for ``f`` (without the facet ``skip``), its parameters, and
        whether it needs the claim_entities join."""
        clauses, params = [], []
        join = False
        for name in ("publisher", "article", "property", "modality", "verdict"):
            value = getattr(f, name)
            if value and name != skip:
                if name == "verdict" and value not in VERDICT_NAMES and value != "none":
                    raise InputError(f"unknown verdict {value!r} (known: {', '.join(VERDICT_NAMES)}, none)")
                clauses.append(f"claims.{name} = ?")
                params.append("" if value == "none" else value)
        if f.entity and skip != "entity":
            clauses.append("claims.rowid IN (SELECT claim FROM claim_entities WHERE entity = ?)")
            params.append(f.entity)
        for name, column in (("published", "published"), ("about", "about_earliest")):
            value = _check_date(name, getattr(f, name))
            if value and name != skip:
                clauses.append(f"claims.{column} >= ? AND claims.{column} < ?")
                params += [value, value + "\uffff"]
        lo = _check_date("published_from", f.published_from)
        hi = _check_date("published_to", f.published_to)
        if lo:  # a date given to the month ("2021-07") overlaps any day of it
            clauses.append("claims.published != '' AND claims.published || '~' >= ?")
            params.append(lo)
        if hi:
            clauses.append("claims.published != '' AND claims.published < ?")
            params.append(hi + "\uffff")
        lo = _check_date("about_from", f.about_from)
        hi = _check_date("about_to", f.about_to)
        if lo:
            clauses.append("claims.about_latest != '' AND claims.about_latest >= ?")
            params.append(lo)
        if hi:
            clauses.append("claims.about_earliest != '' AND claims.about_earliest < ?")
            params.append(hi + "\uffff")
        if f.q:
            match = fts_query(f.q)
            if match is None:
                clauses.append("0")
            else:
                clauses.append("claims.rowid IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)")
                params.append(match)
        if skip == "entity":
            join = True
        return (" AND ".join(clauses) or "1"), params, join

    def search(self, f: ClaimFilter, *, sort: str = DEFAULT_SORT, after: str | None = None,
               limit: int = 50) -> Page:
        """One page of claims matching ``f`` in ``sort`` order, after the cursor
        ``after`` (keyset pagination: as fast on page 1,000 as on page 1), with the
        number of matches counted up to COUNT_CAP. Raises InputError for an unknown
        sort, a malformed cursor or filter value; StoreError if SQLite fails."""
        if sort not in SORTS:
            raise InputError(f"unknown sort {sort!r} (known: {', '.join(SORTS)})")
        column, direction = SORTS[sort]
        db = self._db()
        words_only = bool(f.q) and set(f.active()) == {"q"}
        walk = words_only and self._dense(f.q)
        where, params, _ = self._where(f)
        op = "<" if direction == "DESC" else ">"
        cursor = decode_cursor(after) if after else None
        try:
            if words_only and not walk:
                # few matches: sorted by their keys in claim_facets (narrow, in memory),
                # then only the page's rows read
                rows = self._rows(db, self._sorted_matches(db, f.q, column, direction, cursor, limit + 1))
            else:
                if cursor:
                    where += f" AND (claims.{column}, claims.rowid) {op} (?, ?)"
                    params += list(cursor)
                source = f"claims INDEXED BY {SORT_INDEX[column]}" if walk else "claims"
                sql = (f"SELECT claims.rowid AS rowid, claims.* FROM {source} WHERE {where} "
                       f"ORDER BY claims.{column} {direction}, claims.rowid {direction} LIMIT ?")
                rows = [dict(r) for r in db.execute(sql, [*params, limit + 1])]
        except sqlite3.OperationalError as exc:
            raise StoreError(f"claims index query failed: {exc}") from None
        more = len(rows) > limit
        rows = rows[:limit]
        if f.q and rows:
            self._highlight(f.q, rows)
        cursor = encode_cursor(rows[-1][column], rows[-1]["rowid"]) if more else None
        total, exact = self.count_capped(f)
        return Page(rows, cursor, total, exact)

    @staticmethod
    def _sorted_matches(db, q: str, column: str, direction: str, cursor, n: int) -> list[int]:
        """The first ``n`` claims (rowids) matching the full-text query ``q`` in
        (``column``, rowid) ``direction`` order after ``cursor``, sorted by the keys kept
        in claim_facets."""
        match = fts_query(q)
        if match is None:
            return []
        key = SORT_KEYS[column]
        after, params = "", [match]
        if cursor:
            after = f"AND ({key}, claim) {'<' if direction == 'DESC' else '>'} (?, ?)"
            params += list(cursor)
        sql = (f"SELECT claim FROM claim_facets WHERE claim IN (SELECT rowid FROM claims_fts "
               f"WHERE claims_fts MATCH ?) {after} ORDER BY {key} {direction}, claim {direction} LIMIT ?")
        return [r[0] for r in db.execute(sql, [*params, n])]

    @staticmethod
    def _rows(db, rowids: list[int]) -> list[dict]:
        """The claims rows of ``rowids``, in that order."""
        if not rowids:
            return []
        found = {r["rowid"]: dict(r) for r in db.execute(
            f"SELECT claims.rowid AS rowid, claims.* FROM claims WHERE claims.rowid IN "
            f"({','.join('?' * len(rowids))})", rowids)}
        return [found[i] for i in rowids if i in found]

    def _dense(self, q: str) -> bool:
        """Whether the full-text query ``q`` matches enough claims to be walked in sort
        order (at least DENSE_MATCHES and 2·sqrt(claims))."""
        match = fts_query(q)
        if match is None:
            return False

        def compute():
            threshold = max(DENSE_MATCHES, int(2 * math.sqrt(self._total())))
            return self._db().execute(
                "SELECT count(*) FROM (SELECT 1 FROM claims_fts WHERE claims_fts MATCH ? LIMIT ?)",
                (match, threshold)).fetchone()[0] >= threshold

        return self._cached(("dense", match), compute)

    @staticmethod
    def _highlight(q: str, rows: list[dict]) -> None:
        """Mark the search words in each row's statement, quote and labels."""
        pattern = mark_pattern(q)
        for row in rows:
            row["statement_marked"] = mark(row.get("statement"), pattern) or row.get("statement")
            row["quote_marked"] = mark(row.get("quote"), pattern) or row.get("quote")
            row["labels_marked"] = mark(_labels(row), pattern)

    def count(self, f: ClaimFilter) -> int:
        """How many claims match ``f``, exactly (cached until the next write; the
        unfiltered total is kept up to date on every write). Can take seconds for a
        broad filter at 1M claims: the list uses ``count_capped``."""
        if not f.active():
            return self._total()
        pair = self._pair_filter(f)
        if pair:
            return self._stored_count(*pair)

        def compute():
            where, params, _ = self._where(f)
            return self._db().execute(f"SELECT count(*) FROM claims WHERE {where}", params).fetchone()[0]

        return self._cached(("count", f), compute)

    def count_capped(self, f: ClaimFilter, cap: int | None = None) -> tuple[int, bool]:
        """(n, exact): how many claims match ``f``, counting at most ``cap`` (default
        COUNT_CAP); when more match, (cap, False). Unfiltered or one PAIR_FILTERS value
        alone: exact (kept on every write)."""
        cap = COUNT_CAP if cap is None else cap
        if not f.active():
            return self._total(), True
        pair = self._pair_filter(f)
        if pair:   # exact at any size: kept on every write
            return self._stored_count(*pair), True

        def compute():
            if f.q and set(f.active()) == {"q"}:     # only the full-text query: count its matches
                match = fts_query(f.q)
                n = 0 if match is None else self._db().execute(
                    "SELECT count(*) FROM (SELECT 1 FROM claims_fts WHERE claims_fts MATCH ? LIMIT ?)",
                    (match, cap + 1)).fetchone()[0]
            else:
                where, params, _ = self._where(f)
                n = self._db().execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM claims WHERE {where} LIMIT ?)",
                    [*params, cap + 1]).fetchone()[0]
            return (cap, False) if n > cap else (n, True)

        return self._cached(("count_capped", f, cap), compute)

    def _total(self) -> int:
        return self._stored_count("*", "")

    def _stored_count(self, facet: str, value: str) -> int:
        """The claims whose ``facet`` is ``value`` (facet '*': all), as kept on every write."""
        row = self._db().execute(
            "SELECT n FROM facet_counts WHERE facet = ? AND value = ?", (facet, value)).fetchone()
        return row[0] if row else 0

    def _pair_filter(self, f: ClaimFilter) -> tuple[str, str] | None:
        """(facet, value) when ``f`` is one facet value of PAIR_FILTERS and nothing else
        (its count and facets are kept on every write), else None. Raises InputError
        for an unknown verdict."""
        active = f.active()
        if len(active) != 1:
            return None
        (name, value), = active.items()
        if name not in PAIR_FILTERS:
            return None
        self._where(f)    # checks the value
        return name, ("" if name == "verdict" and value == "none" else value)

    def facets(self, f: ClaimFilter, names: Iterable[str] = tuple(FACETS), limit: int = 12,
               time_limit_ms: int | None = None) -> dict:
        """For each facet, its top ``limit`` values among the claims matching ``f``:
        ``{"publisher": [{"value": iri, "label": name, "count": n}, ...], ...}``.

        Unfiltered, or filtered by one value of a PAIR_FILTERS facet alone (one
        publisher, property, modality or verdict), they come from counts kept up to date
        on every write, at any size. Otherwise they are counted from the matching
        claims' claim_facets rows, all in one pass, when no more than COUNT_CAP match,
        within a time budget (``time_limit_ms``, default the ``facet_time_limit_ms``
        setting): not counted in time or over COUNT_CAP, each facet is None ("narrow
        the filter"). Cached until the next write. Raises InputError for an unknown
        facet."""
        names = list(names)
        for name in names:
            if name not in FACETS:
                raise InputError(f"unknown facet {name!r} (known: {', '.join(FACETS)})")
        pair = self._pair_filter(f)
        budget = self.facet_time_limit_ms if time_limit_ms is None else time_limit_ms
        deadline = time.monotonic() + budget / 1000
        if f.active() and not pair and not self.count_capped(f)[1]:
            # over COUNT_CAP matches: counting them by facet would only spend the budget
            return {name: None for name in names}
        if not f.active():
            return {name: self._cached(("facet0", name, limit), lambda name=name: self._stored_facet(name, limit))
                    for name in names}
        if pair:
            return {name: self._cached(("pairs", name, pair, limit),
                                       lambda name=name: self._paired_facet(name, *pair, limit))
                    for name in names}
        counted = self._cached(("counted", f, limit), lambda: self._counted_facets(f, limit, deadline))
        return {name: None if counted is None else counted[name] for name in names}

    def _counted_facets(self, f: ClaimFilter, limit: int, deadline: float) -> dict | None:
        """Every facet of the claims matching ``f`` (at most COUNT_CAP + 1 of them),
        counted in one pass over their claim_facets rows; None past ``deadline``."""
        db = self._db()
        if f.q and set(f.active()) == {"q"}:    # the full-text matches alone: no claims row needed
            match = fts_query(f.q)
            matches, params = "SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?", [match]
            if match is None:
                return {name: [] for name in FACETS}
        else:
            where, params, _ = self._where(f)
            matches = f"SELECT claims.rowid FROM claims WHERE {where}"
        columns = list(_ROW_FACETS)
        sql = (f"SELECT {', '.join(columns)}, entities FROM claim_facets "
               f"WHERE claim IN ({matches} LIMIT ?)")
        try:
            rows = self._within(db, deadline, lambda: db.execute(sql, [*params, COUNT_CAP + 1]).fetchall())
        except _TimedOut:
            return None
        counts = {}
        if rows:
            by_column = list(zip(*rows))
            counts = {name: Counter(by_column[i]) for i, name in enumerate(columns)}
            listed = ",".join(filter(None, by_column[-1]))
            counts["entity"] = Counter(map(int, listed.split(","))) if listed else Counter()
        values = self._facet_values(set().union(*counts.values()) - {None})
        out = {}
        for name in FACETS:
            items = [(values[i], n) for i, n in counts.get(name, {}).items() if values.get(i)]  # not ''
            if name in ("published", "about"):
                top = heapq.nlargest(limit, items)
            else:
                top = heapq.nsmallest(limit, items, key=lambda item: (-item[1], item[0]))
            out[name] = self._labelled(name, [{"v": v, "n": n} for v, n in top])
        return out

    def _facet_values(self, ids: set[int]) -> dict[int, str]:
        """The values of some facet_values numbers (remembered: a number never changes
        its value)."""
        known = self._values
        missing = [i for i in ids if i not in known]
        db = self._db()
        for start in range(0, len(missing), 500):
            chunk = missing[start:start + 500]
            known.update(db.execute(f"SELECT id, value FROM facet_values WHERE id IN "
                                    f"({','.join('?' * len(chunk))})", chunk).fetchall())
        return {i: known[i] for i in ids if i in known}

    def _paired_facet(self, name: str, filter_name: str, filter_value: str, limit: int) -> list[dict]:
        """Facet ``name`` of the claims whose ``filter_name`` is ``filter_value``, from
        the counts kept on every write (facet_pairs)."""
        db = self._db()
        if name == filter_name:
            rows = db.execute("SELECT value AS v, n FROM facet_counts WHERE facet = ? AND value = ? "
                              "AND n > 0 AND value != ''", (name, filter_value)).fetchall()
        else:
            order = "value DESC" if name in ("published", "about") else "n DESC, value"
            rows = db.execute(
                f"SELECT value AS v, n FROM facet_pairs WHERE filter = ? AND fvalue = ? AND facet = ? "
                f"AND n > 0 AND value != '' ORDER BY {order} LIMIT ?",
                (filter_name, filter_value, name, limit)).fetchall()
        return self._labelled(name, rows)

    def _labelled(self, name: str, rows) -> list[dict]:
        labels = self._labels_of(name, [r["v"] for r in rows])
        return [{"value": r["v"], "label": labels.get(r["v"], r["v"]), "count": r["n"]} for r in rows]

    def _labels_of(self, name: str, values: list[str]) -> dict[str, str]:
        """The labels of some facet values, from the unfiltered counts (labelled there on
        every write); values without a label label themselves."""
        if not values or name in ("modality", "verdict", "published", "about"):
            return {}
        rows = self._db().execute(
            f"SELECT value, label FROM facet_counts WHERE facet = ? AND value IN "
            f"({','.join('?' * len(values))})", [name, *values])
        return {r["value"]: r["label"] for r in rows if r["label"] is not None}

    def _stored_facet(self, name: str, limit: int) -> list[dict]:
        order = "value DESC" if name in ("published", "about") else "n DESC, value"
        rows = self._db().execute(
            f"SELECT value, label, n FROM facet_counts WHERE facet = ? AND n > 0 AND value != '' "
            f"ORDER BY {order} LIMIT ?", (name, limit))
        return [{"value": r["value"], "label": r["label"], "count": r["n"]} for r in rows]

    @staticmethod
    def _within(db, deadline: float, run):
        """Run ``run()`` on ``db``, interrupted at ``deadline`` (time.monotonic())."""
        if time.monotonic() >= deadline:
            raise _TimedOut()
        db.set_progress_handler(lambda: time.monotonic() >= deadline, 20_000)
        try:
            return run()
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise _TimedOut() from None
            raise
        finally:
            db.set_progress_handler(None, 0)

    def prewarm(self) -> float:
        """Read claim_facets once from end to end (~80 MB at 1M claims), so that the
        counted facets after a start find its pages in the OS page cache instead of
        reading them one at a time (5,000 matches at 1M: ~240 ms from disk, ~20 ms from
        memory). Returns the seconds taken. Raises StoreError if SQLite fails."""
        started = time.perf_counter()
        try:
            db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                db.execute("SELECT count(entities) FROM claim_facets").fetchone()
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the claims index {self.path}: {exc}") from None
        return time.perf_counter() - started

    def get(self, iri: str) -> dict | None:
        row = self._db().execute("SELECT rowid AS rowid, * FROM claims WHERE iri = ?", (str(iri),)).fetchone()
        return dict(row) if row else None

    def get_many(self, iris: Iterable[str]) -> dict[str, dict]:
        """The rows of several claims: IRI → row (claims not indexed are left out)."""
        iris = list(dict.fromkeys(str(i) for i in iris))
        out: dict[str, dict] = {}
        db = self._db()
        for start in range(0, len(iris), 500):
            chunk = iris[start:start + 500]
            for row in db.execute(f"SELECT rowid AS rowid, * FROM claims WHERE iri IN "
                                  f"({','.join('?' * len(chunk))})", chunk):
                out[row["iri"]] = dict(row)
        return out

    def claims_about(self, entity: str, limit: int = 5000) -> list[dict]:
        """Claims whose subject is ``entity``, by time about (the entity timeline)."""
        return [dict(r) for r in self._db().execute(
            "SELECT rowid AS rowid, * FROM claims WHERE subject = ? "
            "ORDER BY about_earliest, rowid LIMIT ?", (str(entity), limit))]

    def claims_of_article(self, article: str) -> list[dict]:
        return [dict(r) for r in self._db().execute(
            "SELECT rowid AS rowid, * FROM claims WHERE article = ? ORDER BY published, rowid", (str(article),))]

    def stats(self) -> dict:
        db = self._db()
        return self._cached(("stats",), lambda: {
            "claims": db.execute("SELECT count(*) FROM claims").fetchone()[0],
            "sources": db.execute("SELECT count(DISTINCT article) FROM claims").fetchone()[0],
            "publishers": db.execute(
                "SELECT count(DISTINCT publisher) FROM claims WHERE publisher != ''").fetchone()[0],
        })

    def iter_claims(self) -> Iterator[dict]:
        for row in self._db().execute("SELECT rowid AS rowid, * FROM claims ORDER BY rowid"):
            yield dict(row)
