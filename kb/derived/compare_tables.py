"""The comparison index's tables and how a group of claims becomes facts and verdicts
in them (kb/derived/compare_index.py reads and keeps the file): the layout (``TABLES``,
``INDEXES``, ``LAYOUT``), a claim's canonical group key and column values, the identity
rows, and ``Grouper``, which judges a group's pairs (kb.model.verdicts) and writes its
facts, verdicts and each claim's most severe verdict.
"""
from __future__ import annotations

import sqlite3
from collections import defaultdict

from kb.model.verdicts import (AGREE, COMPATIBLE, CONFLICT, NO_VERDICT, NOT_COMPARABLE, PARTIAL,
                               ClaimFacts, Identity, Verdict, claim_facts, claim_order,
                               compare_pair, fact_runs, group_runs, judged_in_report)
from kb.store.base import chunked

FILE = "compare.sqlite"
LAYOUT = "3"            # bump when the tables change: an older index is rebuilt
CODE = {CONFLICT: 0, PARTIAL: 1, COMPATIBLE: 2, AGREE: 3}     # most severe first
NAME = {v: k for k, v in CODE.items()}
COUNT_COLUMN = {CONFLICT: "conflicts", PARTIAL: "partials", COMPATIBLE: "compatibles",
                AGREE: "agrees"}

# the ClaimFacts fields, in the order kb.verdicts.claim_facts takes them
FIELDS = ("claim", "source", "article", "modality", "subject", "property", "scope",
          "earliest", "latest", "kind", "object", "value", "unit", "low", "high", "low_ex",
          "high_ex", "bound", "surface", "open_start", "open_end", "places")
COLUMNS = ", ".join(FIELDS)

TABLES = """
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE ident (iri TEXT PRIMARY KEY, canonical TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE traits (iri TEXT NOT NULL, trait TEXT NOT NULL, PRIMARY KEY (iri, trait)) WITHOUT ROWID;
CREATE TABLE claims (
  id INTEGER PRIMARY KEY,
  ks TEXT NOT NULL, kp TEXT NOT NULL, kscope TEXT NOT NULL,  -- canonical keys ('' = no scope)
  fact INTEGER,                                             -- the fact it belongs to
  worst INTEGER,                                            -- most severe verdict (CODE)
  claim TEXT NOT NULL UNIQUE, source TEXT NOT NULL, article TEXT NOT NULL,
  modality TEXT NOT NULL, subject TEXT NOT NULL, property TEXT NOT NULL, scope TEXT,
  earliest TEXT, latest TEXT, kind TEXT NOT NULL, object TEXT NOT NULL, value TEXT,
  unit TEXT, low TEXT, high TEXT, low_ex TEXT, high_ex TEXT, bound TEXT, surface TEXT,
  open_start TEXT, open_end TEXT, places TEXT);
CREATE TABLE facts (
  id INTEGER PRIMARY KEY, ks TEXT NOT NULL, kp TEXT NOT NULL, kscope TEXT NOT NULL,
  start TEXT NOT NULL, conflicts INTEGER NOT NULL, partials INTEGER NOT NULL,
  compatibles INTEGER NOT NULL, agrees INTEGER NOT NULL, sources INTEGER NOT NULL,
  claims INTEGER NOT NULL);
CREATE TABLE verdicts (                                     -- a before b in time order
  a INTEGER NOT NULL, b INTEGER NOT NULL, verdict INTEGER NOT NULL, severity TEXT,
  absolute TEXT, relative TEXT, reason TEXT NOT NULL, flags TEXT,   -- flags: space-separated
  PRIMARY KEY (a, b)) WITHOUT ROWID;
"""
INDEXES = """
CREATE INDEX claims_group ON claims (ks, kp, kscope);
CREATE INDEX claims_fact ON claims (fact) WHERE fact IS NOT NULL;
CREATE INDEX claims_worst ON claims (worst) WHERE worst IS NOT NULL;
CREATE INDEX claims_subject ON claims (subject);
CREATE INDEX claims_property ON claims (property);
CREATE INDEX claims_kp ON claims (kp);
CREATE INDEX claims_scope ON claims (scope) WHERE scope IS NOT NULL;
CREATE INDEX claims_object ON claims (object) WHERE kind = 'entity';
CREATE INDEX claims_source ON claims (source);
CREATE INDEX claims_article ON claims (article);
CREATE INDEX verdicts_b ON verdicts (b);
CREATE INDEX facts_order ON facts (conflicts DESC, sources DESC, ks, kp, start, kscope);
CREATE INDEX facts_group ON facts (ks, kp, kscope);
"""
FACT_ORDER = "conflicts DESC, sources DESC, ks, kp, start, kscope"


def group_key(identity: Identity, f: ClaimFacts) -> tuple[str, str, str]:
    return (identity.key(f.subject), identity.key(f.property), identity.key(f.scope) or "")


def row_values(f: ClaimFacts) -> tuple:
    """ClaimFacts → the index's column values, in FIELDS order (strings that
    kb.verdicts.claim_facts reads back into the same ClaimFacts: Decimal and date round-trip
    through str exactly, exponent included)."""
    def text(x):
        return None if x is None else str(x)
    return (f.claim, f.source, f.article, f.modality, f.subject, f.property, f.scope,
            text(f.earliest), text(f.latest), f.kind, f.object, text(f.value), f.unit,
            text(f.low), text(f.high), "true" if f.low_ex else None,
            "true" if f.high_ex else None, f.bound, f.surface,
            "true" if f.open_start else None, "true" if f.open_end else None,
            _places(f))


def _places(f: ClaimFacts) -> str | None:
    """The decimals column: only when they differ from what the value shows."""
    shown = max(0, -f.value.as_tuple().exponent) if f.value is not None else 0
    return None if f.decimals == shown else str(f.decimals)


def write_identity(conn: sqlite3.Connection, identity: Identity) -> None:
    conn.execute("DELETE FROM ident")
    conn.executemany("INSERT INTO ident VALUES (?, ?)",
                     [(i, c) for i, c in identity.canonical.items() if i != c])
    conn.execute("DELETE FROM traits")
    conn.executemany("INSERT INTO traits VALUES (?, ?)", sorted(identity.trait_rows()))


def tally(verdicts, ids: dict[str, int], worst: dict[int, int]) -> dict:
    """How many of ``verdicts`` there are of each kind; each claim's most severe verdict
    code kept in ``worst`` (claim id → code), ``ids`` giving the claims' ids."""
    counts: dict = defaultdict(int)
    for v in verdicts:
        counts[v.verdict] += 1
        code = CODE[v.verdict]
        for i in (ids[v.a], ids[v.b]):
            if worst.get(i, 9) > code:
                worst[i] = code
    return counts


class Grouper:
    """Computes groups' facts and verdicts and writes them.

    ``regroup(key)`` recomputes one (subject, property, scope) group: every pair
    (``changed=None``: the bulk rebuild, or a property whose traits changed), or only
    the pairs of the ``changed`` claims (a write: their old verdicts were deleted by the
    caller), then the group's runs, facts and counts, and its claims' worst verdicts."""

    def __init__(self, conn: sqlite3.Connection, identity: Identity):
        self.conn = conn
        self.identity = identity
        self.verdicts: list[Verdict] = []     # new verdicts (to materialise)
        self.replaced: set[str] = set()       # claims whose materialised comparisons go
        self.touched: set[str] = set()        # claims whose verdicts may have changed

    def _insert(self, ids: dict, verdicts: list[Verdict]) -> None:
        self.conn.executemany("INSERT INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (ids[v.a], ids[v.b], CODE[v.verdict], v.severity,
             None if v.absolute is None else str(v.absolute),
             None if v.relative is None else str(v.relative), v.reason,
             " ".join(v.flags) or None) for v in verdicts])

    def _fact(self, key: tuple, run: list[ClaimFacts], counts: dict) -> int:
        first = run[0].earliest
        return self.conn.execute(
            "INSERT INTO facts (ks, kp, kscope, start, conflicts, partials, compatibles, agrees, "
            "sources, claims) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*key, first.isoformat() if first else "", counts.get(CONFLICT, 0),
             counts.get(PARTIAL, 0), counts.get(COMPATIBLE, 0), counts.get(AGREE, 0),
             len({c.source for c in run}), len(run))).lastrowid

    def regroup(self, key: tuple, rows: list[tuple] | None = None,
                changed: set[int] | None = None) -> None:
        conn = self.conn
        fresh = rows is not None          # bulk rebuild: nothing stored for the group yet
        if rows is None:
            rows = [(r[0], claim_facts(*r[1:])) for r in conn.execute(
                f"SELECT id, {COLUMNS} FROM claims WHERE ks = ? AND kp = ? AND kscope = ?", key)]
        ids = {f.claim: i for i, f in rows}
        members = [f for _, f in rows if f.modality not in NO_VERDICT]
        if not fresh:
            conn.execute("DELETE FROM facts WHERE ks = ? AND kp = ? AND kscope = ?", key)
            conn.execute("UPDATE claims SET fact = NULL, worst = NULL WHERE ks = ? AND kp = ? "
                         "AND kscope = ? AND (fact IS NOT NULL OR worst IS NOT NULL)", key)
        if changed is None:
            if not fresh:
                for chunk in chunked(list(ids.values()), 500):
                    conn.execute(f"DELETE FROM verdicts WHERE a IN ({','.join('?' * len(chunk))})", chunk)
                self.replaced.update(ids)
                self.touched.update(ids)
            worst: dict[int, int] = {}
            fact_of: dict[int, int] = {}
            for run, verdicts in fact_runs(members, self.identity, key[1]):
                counts = tally(verdicts, ids, worst)
                fact = self._fact(key, run, counts)
                self._insert(ids, verdicts)
                for c in run:
                    fact_of[ids[c.claim]] = fact
                if not fresh:
                    self.verdicts.extend(verdicts)
            conn.executemany("UPDATE claims SET fact = ?, worst = ? WHERE id = ?",
                             [(fact, worst.get(i), i) for i, fact in fact_of.items()])
            return
        # a write: judge the changed claims against the group's claims the report pairs
        # them with (kb.verdicts.judged_in_report)
        identity = self.identity
        kind, tolerance = identity.kind(key[1]), identity.tolerance_of(key[1])
        timeless = kind == "time_invariant"
        mine = [c for c in members if ids[c.claim] in changed]
        done: set[str] = set()
        new: list[Verdict] = []
        for c in mine:
            self.replaced.add(c.claim)
            self.touched.add(c.claim)
            if not timeless and c.earliest is None:
                done.add(c.claim)
                continue
            for x in members:
                if x.claim == c.claim or x.claim in done or x.source == c.source:
                    continue
                if not timeless and (x.earliest is None
                                     or not judged_in_report(c, x, kind, tolerance)):
                    continue
                a, b = (c, x) if claim_order(c) < claim_order(x) else (x, c)
                v = compare_pair(a, b, identity)
                if v.verdict != NOT_COMPARABLE:
                    new.append(v)
                    self.touched.add(x.claim)
            done.add(c.claim)
        self._insert(ids, new)
        self.verdicts.extend(new)
        # the group's runs (from times only) become its facts, counted from the verdicts
        if len({c.source for c in members}) < 2:
            return
        for run in group_runs(members, identity, key[1]):
            if len({c.source for c in run}) < 2:
                continue
            fact = self._fact(key, run, {})
            run_ids = [ids[c.claim] for c in run]
            for chunk in chunked(run_ids, 500):
                conn.execute(f"UPDATE claims SET fact = ? WHERE id IN ({','.join('?' * len(chunk))})",
                             (fact, *chunk))
            counts = dict(conn.execute(
                "SELECT v.verdict, COUNT(*) FROM claims c JOIN verdicts v ON v.a = c.id "
                "WHERE c.fact = ? GROUP BY v.verdict", (fact,)))
            if not counts:
                conn.execute("DELETE FROM facts WHERE id = ?", (fact,))
                conn.execute("UPDATE claims SET fact = NULL WHERE fact = ?", (fact,))
                continue
            conn.execute("UPDATE facts SET conflicts = ?, partials = ?, compatibles = ?, "
                         "agrees = ? WHERE id = ?",
                         (*(counts.get(CODE[v], 0) for v in (CONFLICT, PARTIAL, COMPATIBLE, AGREE)),
                          fact))
            conn.execute(
                "UPDATE claims SET worst = (SELECT MIN(w) FROM ("
                "SELECT verdict AS w FROM verdicts WHERE a = claims.id UNION ALL "
                "SELECT verdict FROM verdicts WHERE b = claims.id)) WHERE fact = ?", (fact,))
