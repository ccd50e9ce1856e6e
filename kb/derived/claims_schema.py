"""The claims index's SQLite schema (kb/derived/claims_index.py): its tables, the
triggers that keep its counts, the upgrades between schema versions, and the bulk
counts a rebuild runs instead of the triggers.

One row per claim (``claims``), the entities each claim mentions (``claim_entities``:
subject, scope, speaker, entity value) for the entity facet, and an FTS5 table over
the statement, the quote and the labels (subject, property, value, publisher,
headline). Facet counts are kept by triggers on every write, unfiltered
(``facet_counts``) and per pair of facet values (``facet_pairs``: the claims of
publisher P per article, per month, …), so the unfiltered list and the one-facet views
(a publisher, a property, a modality, a verdict) never count rows, at any size. Other
filters count their facets over the matching claims' narrow rows of facet value
numbers and sort keys (``claim_facets``, ~80 bytes a claim, also kept by triggers)
within a time budget (kb/derived/claims_search.py).

The functions take an open connection inside the caller's transaction and raise
sqlite3.Error. ``BulkFill`` is a rebuild's fill of a fresh file: rows in batches with
the triggers and secondary indexes off, then what they would have kept, built once.

Why one module (~500 lines): the bulk fill must give exactly what the triggers give
(the same counts, the same facet numbers), so it lives beside the tables, triggers and
bulk counts it stands in for; a change to one is a change to the other.
"""
from __future__ import annotations

import re
import sqlite3
from collections import defaultdict

from kb.derived.sqlite import read_meta


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
ROW_FACETS = {
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
        return ROW_FACETS[name].format(r=r)

    pairs = [(f, g) for f in PAIR_FILTERS for g in ROW_FACETS if g != f]
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

    new = {name: expr.format(r="NEW") for name, expr in ROW_FACETS.items()}
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


ROW_TRIGGERS = _row_triggers()
# claim_facets of an index that has claims but not this table yet (the upgrade from 5)
_FILL_CLAIM_FACETS = [
    *(f"INSERT OR IGNORE INTO facet_values (facet, value) SELECT DISTINCT '{name}', "
      f"{expr.format(r='claims')} FROM claims" for name, expr in ROW_FACETS.items()),
    "INSERT OR IGNORE INTO facet_values (facet, value) SELECT DISTINCT 'entity', entity FROM claim_entities",
    "DELETE FROM claim_facets",
    f"INSERT INTO claim_facets (claim, {', '.join(ROW_FACETS)}, entities, {', '.join(SORT_KEYS.values())}) "
    "SELECT claims.rowid, "
    + ", ".join(f"(SELECT id FROM facet_values WHERE facet = '{name}' AND value = {expr.format(r='claims')})"
                for name, expr in ROW_FACETS.items())
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
       f"FROM claims GROUP BY 2") for name, value in ROW_FACETS.items()),
    ({"entity"}, "INSERT INTO facet_counts (facet, value, label, n) "
                 "SELECT 'entity', entity, MAX(label), count(*) FROM claim_entities GROUP BY entity"),
    ({"*"}, "INSERT INTO facet_counts (facet, value, label, n) SELECT '*', '', NULL, count(*) FROM claims"),
    *(({f, g}, f"INSERT INTO facet_pairs (filter, fvalue, facet, value, n) SELECT '{f}', claims.{f}, "
       f"'{g}', {value.format(r='claims')}, count(*) FROM claims GROUP BY 2, 4")
      for f in PAIR_FILTERS for g, value in ROW_FACETS.items() if g != f),
    *(({f, "entity"}, f"INSERT INTO facet_pairs (filter, fvalue, facet, value, n) SELECT '{f}', "
       f"claims.{f}, 'entity', claim_entities.entity, count(*) FROM claim_entities JOIN claims ON "
       f"claims.rowid = claim_entities.claim GROUP BY 2, 4") for f in PAIR_FILTERS),
]



def trigger_names(triggers: list[str] | None = None) -> list[str]:
    """The names of ``triggers`` (default: the ones that count, _TRIGGERS)."""
    return [re.search(r"CREATE TRIGGER IF NOT EXISTS (\w+)", t).group(1)
            for t in (_TRIGGERS if triggers is None else triggers)]


def prepare(db: sqlite3.Connection) -> None:
    """Create the tables and the triggers of SCHEMA_VERSION, bringing an index of an
    older version up to it (``_UPGRADES``: in place where it can, else dropped, to be
    rebuilt), and record the version. Does not commit."""
    version = read_meta(db, "schema")
    if version is not None and version != str(SCHEMA_VERSION) and version not in _UPGRADES:
        db.executescript("DROP TABLE IF EXISTS claims; DROP TABLE IF EXISTS claim_entities;"
                         "DROP TABLE IF EXISTS claims_fts; DROP TABLE IF EXISTS facet_counts;"
                         "DROP TABLE IF EXISTS facet_pairs; DROP TABLE IF EXISTS claim_facets;"
                         "DROP TABLE IF EXISTS facet_values; DELETE FROM meta;")
    db.executescript(_SCHEMA)
    for trigger in [*_TRIGGERS, *ROW_TRIGGERS]:
        db.execute(trigger)
    while version in _UPGRADES:
        for step in _UPGRADES[version]:
            if step == "recount":
                recount(db)
            elif step == "uncounted":
                drop_triggers(db)
            elif step == "counted":
                add_triggers(db)
            elif step == "fill":
                for sql in _FILL_CLAIM_FACETS:
                    db.execute(sql)
            else:
                db.execute(step)
        version = str(int(version) + 1)
    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))


def drop_triggers(db) -> None:
    """Drop the triggers that count (the ones that keep claim_facets stay)."""
    for name in trigger_names():
        db.execute(f"DROP TRIGGER IF EXISTS {name}")


def empty(db) -> None:
    """Delete every claim (SQLite empties a table without triggers at once: the
    claim_facets triggers are off meanwhile)."""
    for name in trigger_names(ROW_TRIGGERS):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in ("claim_entities", "claims", "claims_fts", "claim_facets", "facet_values"):
        db.execute(f"DELETE FROM {table}")
    for trigger in ROW_TRIGGERS:
        db.execute(trigger)


def add_triggers(db) -> None:
    for trigger in _TRIGGERS:
        db.execute(trigger)


def recount(db, facet: str | None = None) -> None:
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


# ------------------------------------------------------------------ a rebuild's bulk fill

# a claims row's columns, in the order ``BulkFill.add`` and the claims index insert them
CLAIM_COLUMNS = (
    "iri", "modality", "statement", "quote", "article", "article_title", "publisher",
    "publisher_name", "published", "about_earliest", "about_latest", "recorded", "subject",
    "subject_label", "property", "property_label", "object", "object_label", "value_text",
    "value_num", "unit", "speaker", "speaker_name", "scope", "scope_label", "verdict", "retracted")
# the secondary indexes of _SCHEMA: a rebuild creates each once, after the rows are in
_INDEXES = re.findall(r"CREATE INDEX IF NOT EXISTS \w+ ON [^;]+", _SCHEMA)
# ROW_FACETS as Python reads them from a claims row: facet → (column, characters kept)
_ROW_VALUES = {"publisher": ("publisher", None), "article": ("article", None),
               "property": ("property", None), "modality": ("modality", None),
               "verdict": ("verdict", None), "published": ("published", 7),
               "about": ("about_earliest", 7)}
assert list(_ROW_VALUES) == list(ROW_FACETS)
# the label a count keeps (the largest, as _BULK_LABELS): facet → its label column;
# the other facets are their own label
_LABEL_COLUMNS = {"publisher": "publisher_name", "article": "article_title",
                  "property": "property_label"}


class BulkFill:
    """The fill of a fresh, private claims index file by a rebuild: rows inserted in
    batches (``add``) with no trigger and no secondary index, in a file without a
    journal; then (``finish``) the indexes, the counts and the triggers, each once, and
    the file back to WAL. Every table holds what the triggers would have written had
    the rows been inserted one by one, but for the facet numbers themselves (numbered
    here from ``floor`` + 1 in the order values are met, without the gaps SQLite
    leaves). Raises sqlite3.Error."""

    def __init__(self, db: sqlite3.Connection, floor: int):
        self.db = db
        self._last = floor                        # the last facet number given
        self._ids: dict[tuple[str, str], int] = {}
        self._rowid = 0
        self._at = {facet: (CLAIM_COLUMNS.index(column), cut)
                    for facet, (column, cut) in _ROW_VALUES.items()}
        self._label_at = {facet: CLAIM_COLUMNS.index(column) for facet, column in _LABEL_COLUMNS.items()}
        # what recount counts, counted as the rows go in: facet_counts, facet_pairs
        self._counts: dict[tuple[str, str], list] = {("*", ""): [0, None]}
        self._pairs: dict[tuple[str, str, str, str], int] = defaultdict(int)
        if db.in_transaction:
            db.commit()
        self._isolation, db.isolation_level = db.isolation_level, None
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF",
                       "cache_size=-131072", "temp_store=MEMORY"):
            db.execute(f"PRAGMA {pragma}")
        db.execute("BEGIN")
        for name in trigger_names() + trigger_names(ROW_TRIGGERS):
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        for sql in _INDEXES:
            db.execute(f"DROP INDEX IF EXISTS {sql.split()[5]}")
        for table in ("claim_entities", "claims", "claims_fts", "claim_facets", "facet_values",
                      "facet_counts", "facet_pairs"):
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM sqlite_sequence WHERE name = 'facet_values'")
        db.execute("INSERT INTO sqlite_sequence (name, seq) VALUES ('facet_values', ?)", (floor,))
        db.execute("COMMIT")

    def _id(self, facet: str, value: str) -> int:
        key = (facet, value)
        number = self._ids.get(key)
        if number is None:
            self._last += 1
            number = self._ids[key] = self._last
        return number

    def _count(self, facet: str, value: str, label: str | None) -> None:
        count = self._counts.get((facet, value))
        if count is None:
            self._counts[(facet, value)] = [1, label]
        else:
            count[0] += 1
            if label is not None and (count[1] is None or label > count[1]):
                count[1] = label

    def add(self, rows) -> None:
        """Insert claims: ``rows`` of (claims row in CLAIM_COLUMNS order, its entities
        as (entity, label, role), its full-text (statement, quote, labels))."""
        claims, entities, texts, faceted = [], [], [], []
        for row, mentioned, text in rows:
            self._rowid += 1
            rowid = self._rowid
            claims.append((rowid, *row))
            values = {facet: row[at] if cut is None else row[at][:cut]
                      for facet, (at, cut) in self._at.items()}
            ids = [self._id(facet, value) for facet, value in values.items()]
            for facet, value in values.items():
                at = self._label_at.get(facet)
                self._count(facet, value, value if at is None else row[at])
            self._counts[("*", "")][0] += 1
            for f in PAIR_FILTERS:
                for g, value in values.items():
                    if g != f:
                        self._pairs[(f, values[f], g, value)] += 1
            kept: dict[tuple[str, str], None] = {}   # INSERT OR IGNORE: one per entity and role
            for entity, label, role in mentioned:
                if (entity, role) not in kept:
                    kept[(entity, role)] = None
                    entities.append((rowid, entity, label, role))
                    self._id("entity", entity)
                    self._count("entity", entity, label)
                    for f in PAIR_FILTERS:
                        self._pairs[(f, values[f], "entity", entity)] += 1
            numbers = ",".join(str(self._ids[("entity", e)]) for e, _ in sorted(kept))
            faceted.append((rowid, *ids, numbers, row[self._at["published"][0]],
                            row[self._at["about"][0]], row[CLAIM_COLUMNS.index("recorded")]))
            texts.append((rowid, *text))
        db = self.db
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO claims (rowid, {', '.join(CLAIM_COLUMNS)}) "
                       f"VALUES ({','.join('?' * (len(CLAIM_COLUMNS) + 1))})", claims)
        db.executemany("INSERT INTO claim_entities (claim, entity, label, role) VALUES (?,?,?,?)",
                       entities)
        db.executemany("INSERT INTO claims_fts (rowid, statement, quote, labels) VALUES (?,?,?,?)",
                       texts)
        db.executemany(f"INSERT INTO claim_facets (claim, {', '.join(ROW_FACETS)}, entities, "
                       f"{', '.join(SORT_KEYS.values())}) VALUES "
                       f"({','.join('?' * (len(ROW_FACETS) + 5))})", faceted)
        db.execute("COMMIT")

    def finish(self) -> None:
        """Number the facet values, create the indexes, count, put the triggers back,
        mark the index built and turn the file back to WAL (the verdicts are set after,
        as on any index: ``ClaimIndex.set_verdicts``)."""
        db = self.db
        db.execute("BEGIN")
        db.executemany("INSERT INTO facet_values (id, facet, value) VALUES (?, ?, ?)",
                       [(number, facet, value) for (facet, value), number in self._ids.items()])
        db.executemany("INSERT INTO facet_counts (facet, value, label, n) VALUES (?, ?, ?, ?)",
                       [(facet, value, label, n) for (facet, value), (n, label) in self._counts.items()])
        db.executemany("INSERT INTO facet_pairs (filter, fvalue, facet, value, n) VALUES (?, ?, ?, ?, ?)",
                       [(*key, n) for key, n in self._pairs.items()])
        self._counts, self._pairs = {}, defaultdict(int)
        for sql in _INDEXES:
            db.execute(sql)
        for trigger in [*_TRIGGERS, *ROW_TRIGGERS]:
            db.execute(trigger)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('built', datetime('now'))")
        db.execute("COMMIT")
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                       "cache_size=-65536"):
            db.execute(f"PRAGMA {pragma}")

    def set_verdicts(self, verdicts: dict[str, str]) -> None:
        """After ``finish``: each claim's most severe verdict (IRI → a verdict name),
        as ``ClaimIndex.set_verdicts`` on every claim sets them, in bulk: the triggers
        off meanwhile, claim_facets and the verdict counts after."""
        db = self.db
        db.execute("BEGIN")
        for name in trigger_names() + trigger_names(ROW_TRIGGERS):
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.executemany("UPDATE claims SET verdict = ? WHERE iri = ?",
                       [(v, k) for k, v in verdicts.items() if v])
        db.execute("INSERT OR IGNORE INTO facet_values (facet, value) "
                   "SELECT DISTINCT 'verdict', verdict FROM claims")
        db.execute("UPDATE claim_facets SET verdict = facet_values.id FROM claims JOIN facet_values "
                   "ON facet_values.facet = 'verdict' AND facet_values.value = claims.verdict "
                   "WHERE claims.rowid = claim_facets.claim AND claims.verdict != ''")
        _recount_verdicts(db)
        for trigger in [*_TRIGGERS, *ROW_TRIGGERS]:
            db.execute(trigger)
        db.execute("COMMIT")
        db.isolation_level = self._isolation


def _recount_verdicts(db: sqlite3.Connection) -> None:
    """``recount(db, "verdict")`` in one pass over the claims (and one over their
    entities) instead of a scan per count."""
    facets = [name for name in ROW_FACETS if name != "verdict"]
    filters = [name for name in PAIR_FILTERS if name != "verdict"]
    columns = ", ".join(ROW_FACETS[name].format(r="claims") for name in facets)
    counts: dict[str, int] = defaultdict(int)
    pairs: dict[tuple, int] = defaultdict(int)
    for verdict, *values in db.execute(f"SELECT claims.verdict, {columns} FROM claims"):
        counts[verdict] += 1
        row = dict(zip(facets, values))
        for g in facets:
            pairs[("verdict", verdict, g, row[g])] += 1
        for f in filters:
            pairs[(f, row[f], "verdict", verdict)] += 1
    for verdict, entity in db.execute("SELECT claims.verdict, claim_entities.entity FROM "
                                      "claim_entities JOIN claims ON claims.rowid = claim_entities.claim"):
        pairs[("verdict", verdict, "entity", entity)] += 1
    db.execute("DELETE FROM facet_counts WHERE facet = 'verdict'")
    db.execute("DELETE FROM facet_pairs WHERE filter = 'verdict' OR facet = 'verdict'")
    db.executemany("INSERT INTO facet_counts (facet, value, label, n) VALUES ('verdict', ?, ?, ?)",
                   [(verdict, verdict, n) for verdict, n in counts.items()])
    db.executemany("INSERT INTO facet_pairs (filter, fvalue, facet, value, n) VALUES (?, ?, ?, ?, ?)",
                   [(*key, n) for key, n in pairs.items()])
