"""The comparison index: a flat, derived table of every structured claim, kept in
SQLite beside the store (``<data_dir>/compare.sqlite``), with the facts and verdicts
the KB-wide comparison report lists.

Why: comparing straight from SPARQL meant OPTIONAL-heavy queries over the whole KB and
recomputing every pairwise verdict on each report (30 s at 100k claims). The index
holds, per structured claim, everything ``kb.model.verdicts.compare_pair`` reads (plain
strings, as ``kb.model.claim_facts.ClaimFacts``) plus its canonical group key — subject, property
and scope after owl:sameAs / owl:equivalentProperty — and, per group, the facts (runs
of claims at the same time, by the property's kind: ``kb.model.time_rules.group_runs``) with
their verdicts, flags and counts, and per claim the most
severe verdict it takes part in. So:

* the report is an ordered scan of ``facts`` (index ``facts_order``), whose claims and
  verdicts are read when a fact is looked at;
* per-subject and per-claim comparison are indexed lookups by canonical key;
* a write (``KnowledgeBase.write_claims`` → ``Claims.write`` →
  ``DerivedIndexes.claims_changed`` → ``refresh`` here) re-reads the written claims from the store
  and recomputes only the groups they leave or join.

**Identity rule.** Every refresh reloads the identity links (``identity_links.rq``) and
compares them with the ones the index was built with. For every IRI whose canonical
key changed (a new or removed owl:sameAs / owl:equivalentProperty, directly or through
a shared Wikidata item) the claims naming it as subject, property, scope or entity
value are re-keyed, and their old and new groups recomputed; a property whose traits
changed (kind, single-valued, time tolerance) has all its groups recomputed, and a
changed dcterms:isPartOf link recomputes the groups of entity-valued claims.

**Derived data.** The index is rebuilt from the store by ``rebuild()`` (``claimkb
compare --reindex``), and built on first use when missing or of an older layout. It is
only as current as the writes that went through ``KnowledgeBase``: quads written to a
remote endpoint behind claimkb's back (or loaded with a raw store tool) are not in it
until the next rebuild. With the remote backend the index is local to ``data_dir``.

**Rebuild.** Every claim is read a batch at a time (kb.records.facts
``every_claim_facts``), in a child process of its own when the store allows it and is
big (``build_in_child``: beside the claims index's rebuild, on another core), and the
groups' pairs are judged in worker processes when there are many (``_fill``, ``_judge``:
what ``Grouper.regroup`` writes for a group, written in the groups' order).

Why one module (~560 lines): reading the index, rebuilding it and refreshing it in
place share its connection rules and its identity bookkeeping; the tables and the
grouping of claims into facts are in kb/derived/compare_tables.py.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import sqlite3
import subprocess
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable, Iterator

from rdflib import URIRef

from kb.derived.compare_tables import (CODE, COLUMNS, COUNT_COLUMN, FACT_ORDER, FIELDS, FILE,
                                       INDEXES, LAYOUT, NAME, TABLES, Grouper, group_key,
                                       row_values, tally, write_identity)
from kb.model.verdicts import (AGREE, COMPATIBLE, CONFLICT, NO_VERDICT, PARTIAL, ClaimFacts,
                               Identity, Verdict, claim_facts, fact_runs)
from kb.derived.sqlite import SideIndex
from kb.errors import StoreError
from kb.store import sparql
from kb.store.base import Store, chunked
from kb.store.children import die_with_parent
from kb.records.claims import ClaimReader
from kb.records.facts import every_claim_facts, load_identity


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-65536")
    conn.execute("PRAGMA temp_store=MEMORY")


class CompareIndex(SideIndex):
    """The SQLite file of one knowledge base; one connection per thread (the shared
    SideIndex: reopened when a rebuild moved a new file into place)."""

    schema_version = LAYOUT

    def __init__(self, path: Path, reader: ClaimReader):
        super().__init__(path, _configure, autocommit=True)
        self.reader = reader
        # rebuild in a child process: None decides by the store (see ``rebuild``)
        self.in_child: bool | None = None

    def conn(self) -> sqlite3.Connection:
        """This thread's connection. Raises sqlite3.Error."""
        return self._db()

    def ready(self) -> bool:
        """Whether a complete index of the current layout is there."""
        if not self.path.exists():
            return False
        try:
            row = self.conn().execute("SELECT value FROM info WHERE key = 'layout'").fetchone()
        except sqlite3.DatabaseError:
            return False
        return row is not None and row[0] == LAYOUT

    # -------------------------------------------------------------- identity

    def canonical(self, iri: str) -> str:
        row = self.conn().execute("SELECT canonical FROM ident WHERE iri = ?", (iri,)).fetchone()
        return row[0] if row else iri

    def has_equivalents(self, iri: str) -> bool:
        """Whether ``iri`` is linked to another IRI (owl:sameAs / equivalentProperty)."""
        return self.conn().execute(
            "SELECT 1 FROM ident WHERE iri = ? OR canonical = ? LIMIT 1", (iri, iri)).fetchone() is not None

    def stored_identity(self) -> tuple[dict[str, str], set[tuple[str, str]]]:
        conn = self.conn()
        canonical = dict(conn.execute("SELECT iri, canonical FROM ident"))
        return canonical, set(conn.execute("SELECT iri, trait FROM traits"))

    def local_identity(self, facts: Iterable[ClaimFacts], keys: dict[str, tuple]) -> Identity:
        """An Identity covering ``facts`` (their subject, property, scope and entity
        values) read from the index, enough for compare_pair on them."""
        canonical: dict[str, str] = {}
        objects = set()
        for f in facts:
            ks, kp, kscope = keys[f.claim]
            canonical[f.subject], canonical[f.property] = ks, kp
            if f.scope:
                canonical[f.scope] = kscope
            if f.kind == "entity":
                objects.update(f.members)
        conn = self.conn()
        for chunk in chunked(sorted(objects), 500):
            canonical.update(conn.execute(
                f"SELECT iri, canonical FROM ident WHERE iri IN ({','.join('?' * len(chunk))})", chunk))
        identity = Identity(canonical=canonical)
        for iri, trait in conn.execute("SELECT iri, trait FROM traits"):
            identity.add_trait(iri, trait)
        return identity

    # -------------------------------------------------------------- reading

    def rows(self, where: str, args: Iterable = ()) -> list[tuple]:
        """(keys, ClaimFacts) of the claims matching ``where``."""
        out = []
        for row in self.conn().execute(
                f"SELECT ks, kp, kscope, {COLUMNS} FROM claims WHERE {where}", tuple(args)):
            out.append(((row[0], row[1], row[2]), claim_facts(*row[3:])))
        return out

    def facts(self, where: str = "", args: Iterable = (), limit: int | None = None,
              offset: int = 0) -> list[tuple]:
        sql = (f"SELECT id, ks, kp, kscope, conflicts, partials, compatibles, agrees, sources FROM facts"
               f"{' WHERE ' + where if where else ''} ORDER BY {FACT_ORDER}, id")
        args = list(args)
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            args += [-1 if limit is None else limit, offset]
        return self.conn().execute(sql, args).fetchall()

    def count(self, where: str = "", args: Iterable = ()) -> dict:
        row = self.conn().execute(
            "SELECT COUNT(*), TOTAL(conflicts), TOTAL(partials), TOTAL(compatibles), "
            "TOTAL(agrees), TOTAL(conflicts > 0) FROM facts" + (f" WHERE {where}" if where else ""),
            tuple(args)).fetchone()
        return {"facts": row[0], CONFLICT: int(row[1]), PARTIAL: int(row[2]),
                COMPATIBLE: int(row[3]), AGREE: int(row[4]), "facts_with_conflict": int(row[5])}

    def fact_claims(self, fact: int) -> list[ClaimFacts]:
        return [claim_facts(*row) for row in self.conn().execute(
            f"SELECT {COLUMNS} FROM claims WHERE fact = ? ORDER BY earliest, claim", (fact,))]

    def fact_verdicts(self, fact: int, verdict: str | None = None) -> list[Verdict]:
        """The verdicts of one fact, in the report's order (verdict, then a, then b)."""
        return [Verdict(a, b, name, reason,
                        None if absolute is None else Decimal(absolute),
                        None if relative is None else Decimal(relative), severity,
                        tuple(flags.split()) if flags else ())
                for _, a, b, name, severity, absolute, relative, reason, flags
                in self.verdict_rows([fact], verdict)]

    def verdict_rows(self, facts: list[int], verdict: str | None = None) -> list[tuple]:
        """(fact, a, b, verdict name, severity, absolute, relative, reason, flags) of several
        facts in one query, each fact's verdicts in the report's order (as
        ``fact_verdicts``), the facts in the order given. Plain tuples: streaming the
        whole report builds no Verdict objects."""
        if not facts:
            return []
        conn = self.conn()
        sql = ("SELECT ca.fact, ca.claim, cb.claim, v.verdict, v.severity, v.absolute, v.relative,"
               " v.reason, v.flags FROM claims ca JOIN verdicts v ON v.a = ca.id JOIN claims cb ON cb.id = v.b"
               f" WHERE ca.fact IN ({','.join('?' * len(facts))})")
        args: list = list(facts)
        if verdict is not None:
            sql += " AND v.verdict = ?"
            args.append(CODE[verdict])
        rows = conn.execute(sql, args).fetchall()
        order = {f: i for i, f in enumerate(facts)}
        rows.sort(key=lambda r: (order[r[0]], r[3], r[1], r[2]))
        return [(f, a, b, NAME[code], *rest) for f, a, b, code, *rest in rows]

    def worst(self, claims: list[str] | None) -> dict[str, str]:
        conn = self.conn()
        if claims is None:
            return {c: NAME[w] for c, w in conn.execute(
                "SELECT claim, worst FROM claims WHERE worst IS NOT NULL")}
        out = {}
        for chunk in chunked(list(dict.fromkeys(claims)), 500):
            out.update((c, NAME[w]) for c, w in conn.execute(
                f"SELECT claim, worst FROM claims WHERE worst IS NOT NULL AND claim IN "
                f"({','.join('?' * len(chunk))})", chunk))
        return out

    def all_verdicts(self) -> Iterator[tuple]:
        """(a, b, verdict code, severity, absolute, relative, reason, flags), fact by fact."""
        yield from self.conn().execute(
            "SELECT ca.claim, cb.claim, v.verdict, v.severity, v.absolute, v.relative, v.reason, "
            "v.flags "
            "FROM verdicts v JOIN claims ca ON ca.id = v.a JOIN claims cb ON cb.id = v.b")

    # -------------------------------------------------------------- the derived-index contract

    @property
    def built(self) -> bool:
        """Whether a complete index of the current layout is there (``ready``)."""
        return self.ready()

    def ensure(self) -> "CompareIndex":
        """This index, built from the store first if it is missing or of an older
        layout. Raises StoreError."""
        if not self.ready():
            self.rebuild()
        return self

    def clear(self) -> None:
        """Forget the index (after the store was cleared or replaced): the next
        comparison rebuilds it."""
        self.close()
        for suffix in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass

    def rebuild(self, progress=None) -> dict:
        """Build the comparison index from the store, replacing any index there. Returns
        counts (claims, facts, verdicts). The new index is written to a side file and
        moved into place (kb/derived/sqlite.py ``rebuild_aside``), so a failure leaves
        the old one. A store another process can read (``Store.view_opener``: the
        embedded store on disk) with 5,000 claims or more (claims_at_least.rq) is read
        and compared in a child process (``build_in_child``; the attribute ``in_child`` True or
        False decides instead), so that the claims index can be rebuilt beside it on
        another core. ``progress`` is accepted for the derived-index
        contract (the build reports no steps). Raises StoreError (a failure in the
        child process: with its message)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        store = self.reader.store
        opener = store.view_opener() if self.in_child is not False else None
        if opener is not None and self.in_child is None and not store.rows(
                sparql.load("claims_at_least.rq")):
            opener = None

        def build(fresh: "CompareIndex") -> dict:
            if opener is not None:
                return build_in_child(opener, fresh.path)
            return _build(self.reader.identity(),
                          (f for batch in every_claim_facts(store) for f in batch), fresh.path)

        return self.rebuild_aside(build)

    def _fresh(self, path: Path) -> "CompareIndex":
        return CompareIndex(path, self.reader)

    def _replay(self, keys: list[str]) -> None:
        self.refresh(keys)

    def refresh(self, claims: list) -> tuple[list[str], list[Verdict], list[str]] | None:
        """Bring the index up to date after ``claims`` were written, rewritten or deleted.

        Returns (IRIs of the claims whose verdicts may have changed, the new verdicts, the
        claims whose materialised comparisons they replace), or None when there is no index
        yet (it is built on first use). Only the pairs of the claims written (or re-keyed
        by an identity change) are judged again; the facts of their groups are recounted."""
        with self._write_lock:
            self._note(claims)
        try:
            return self._refresh([str(c) for c in claims])
        except sqlite3.Error as exc:
            raise StoreError(f"comparison index write failed: {exc}") from None

    def _refresh(self, claims: list[str]) -> tuple[list[str], list[Verdict], list[str]] | None:
        if not self.ready():
            return None
        identity = self.reader.identity()
        written = {f.claim: f for f in self.reader.facts([URIRef(c) for c in claims])} if claims else {}
        regroup: set[tuple] = set()       # groups whose facts are recounted
        full: set[tuple] = set()          # groups whose every pair is judged again
        changed: set[int] = set()         # claims whose pairs are judged again
        conn = self._begin()
        try:
            grouper = Grouper(conn, identity)
            # 1. identity: re-key the claims naming an IRI whose canonical key changed
            old_canonical, old_traits = self.stored_identity()
            new_canonical = {i: c for i, c in identity.canonical.items() if i != c}
            new_traits = identity.trait_rows()
            if old_canonical != new_canonical or old_traits != new_traits:
                moved = sorted(i for i in set(old_canonical) | set(new_canonical)
                               if old_canonical.get(i, i) != new_canonical.get(i, i))
                for chunk in chunked(moved, 200):
                    marks = ",".join("?" * len(chunk))
                    for sql in (f"SELECT id FROM claims WHERE subject IN ({marks})",
                                f"SELECT id FROM claims WHERE property IN ({marks})",
                                f"SELECT id FROM claims WHERE scope IN ({marks})",
                                f"SELECT id FROM claims WHERE kind = 'entity' AND object IN ({marks})"):
                        changed.update(r[0] for r in conn.execute(sql, chunk))
                if moved:   # entity sets: any member may be one of them
                    changed.update(r[0] for r in conn.execute(
                        "SELECT id FROM claims WHERE kind = 'entity' AND instr(object, ' ') > 0"))
                differ = old_traits ^ new_traits
                props = {iri for iri, trait in differ if not trait.startswith("part_of=")}
                for chunk in chunked(sorted(props), 200):
                    marks = ",".join("?" * len(chunk))
                    full.update(conn.execute(
                        f"SELECT DISTINCT ks, kp, kscope FROM claims WHERE kp IN ({marks})", chunk))
                if any(trait.startswith("part_of=") for _, trait in differ):
                    # a place is now (or no longer) within another: entity values are judged
                    # again (scopes are keys of their own groups, judged only per claim)
                    full.update(conn.execute(
                        "SELECT DISTINCT ks, kp, kscope FROM claims WHERE kind = 'entity'"))
                for chunk in chunked(sorted(changed), 500):
                    marks = ",".join("?" * len(chunk))
                    for i, ks, kp, kscope, subject, prop, scope in conn.execute(
                            f"SELECT id, ks, kp, kscope, subject, property, scope FROM claims "
                            f"WHERE id IN ({marks})", chunk).fetchall():
                        new = (identity.key(subject), identity.key(prop), identity.key(scope) or "")
                        regroup.add((ks, kp, kscope))
                        regroup.add(new)
                        if new != (ks, kp, kscope):
                            conn.execute("UPDATE claims SET ks = ?, kp = ?, kscope = ? WHERE id = ?",
                                         (*new, i))
                write_identity(conn, identity)
            # 2. the written claims: out of their old group, into their new one
            for chunk in chunked(claims, 500):
                marks = ",".join("?" * len(chunk))
                for i, ks, kp, kscope in conn.execute(
                        f"SELECT id, ks, kp, kscope FROM claims WHERE claim IN ({marks})", chunk):
                    regroup.add((ks, kp, kscope))
                    changed.add(i)
            for claim in claims:
                f = written.get(claim)
                if f is None:
                    continue
                key = group_key(identity, f)
                regroup.add(key)
                values = (*key, *row_values(f))
                conn.execute(
                    f"INSERT INTO claims (ks, kp, kscope, {COLUMNS}) VALUES "
                    f"({','.join('?' * len(values))}) ON CONFLICT (claim) DO UPDATE SET "
                    + ", ".join(f"{c} = excluded.{c}" for c in ("ks", "kp", "kscope", *FIELDS[1:])),
                    values)
                changed.add(conn.execute("SELECT id FROM claims WHERE claim = ?", (claim,)).fetchone()[0])
            # 3. the changed claims' old verdicts go (their partners may change verdict)
            for chunk in chunked(sorted(changed), 500):
                marks = ",".join("?" * len(chunk))
                for column in ("a", "b"):
                    grouper.touched.update(r[0] for r in conn.execute(
                        f"SELECT DISTINCT c.claim FROM verdicts v JOIN claims c "
                        f"ON c.id = v.{'b' if column == 'a' else 'a'} WHERE v.{column} IN ({marks})", chunk))
                    conn.execute(f"DELETE FROM verdicts WHERE {column} IN ({marks})", chunk)
            gone = [c for c in claims if c not in written]
            for chunk in chunked(gone, 500):
                conn.execute(f"DELETE FROM claims WHERE claim IN ({','.join('?' * len(chunk))})", chunk)
            grouper.replaced.update(gone)
            grouper.touched.update(claims)
            # 4. judge the changed claims' pairs again, recount the groups' facts
            for key in sorted(regroup | full):
                grouper.regroup(key, changed=None if key in full else changed)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return sorted(grouper.touched), grouper.verdicts, sorted(grouper.replaced)




# what a child process runs (a fresh interpreter: "python -c", so that no script of the
# caller's is run again in it, as multiprocessing's "spawn" would run an unguarded one)
_CHILD = "from kb.derived.compare_index import child_main; child_main()"


def build_in_child(opener: Callable[[], Store], index_path: Path) -> dict:
    """Build a comparison index file at ``index_path`` in a child process, which reads
    the store through ``opener`` (``Store.view_opener``: a read-only view) and judges
    the pairs in worker processes beside it; wait for it. Returns the counts. Raises
    StoreError with the child's message if it fails or dies."""
    request = pickle.dumps((opener, str(index_path), POOLED, JUDGED))
    # this process's import path, and not the working directory first (-P): the child
    # imports the same kb whatever the directory it is started in
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    try:
        done = subprocess.run([sys.executable, "-P", "-c", _CHILD, str(os.getpid())],
                              input=request, env=env,
                              capture_output=True, check=False)
    except OSError as exc:
        raise StoreError(f"comparison index rebuild: cannot start its process: {exc}") from None
    try:
        outcome, value = pickle.loads(done.stdout)
    except Exception:   # no answer: it died (killed, out of memory, a crash)
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise StoreError(f"comparison index rebuild failed in its process (exit code "
                         f"{done.returncode}): {' '.join(tail) or 'no message'}") from None
    if outcome != "ok":
        raise StoreError(f"comparison index rebuild failed: {value}")
    return value


def child_main() -> None:
    """The child process of ``build_in_child``: its request (pickled) on stdin, its
    answer on stdout, ("ok", counts) or ("error", message). Killed with its parent
    (argv[1]: the parent's process id)."""
    die_with_parent(int(sys.argv[1]))
    opener, index_path, pooled, judged = pickle.loads(sys.stdin.buffer.read())
    globals().update(POOLED=pooled, JUDGED=judged)
    try:
        store = opener()
        try:
            identity = load_identity(store)
            facts = [f for batch in every_claim_facts(store) for f in batch]
        finally:
            store.close()
        answer = ("ok", _build(identity, facts, Path(index_path),
                               workers=min(4, os.cpu_count() or 1)))
    except Exception as exc:   # reported to the parent, which raises StoreError with it
        answer = ("error", f"{exc}" if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}")
    sys.stdout.buffer.write(pickle.dumps(answer))
    sys.stdout.flush()


def _build(identity: Identity, facts: Iterable[ClaimFacts], path: Path, workers: int = 1) -> dict:
    """Write a complete comparison index file at ``path``, the pairs judged in
    ``workers`` processes. Raises StoreError."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        return _fill(conn, identity, list(facts), workers)
    except sqlite3.Error as exc:
        raise StoreError(f"comparison index write failed: {exc}") from None
    finally:
        conn.close()


def _fill(conn: sqlite3.Connection, identity: Identity, facts: list[ClaimFacts],
          workers: int = 1) -> dict:
    """Write every claim of ``facts``, grouped, judged and counted, into an empty file:
    what ``Grouper.regroup`` writes for each group, its pairs judged (``_judge``) in
    ``workers`` processes when more than one, written here in the groups' order."""
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-262144")
    conn.executescript(TABLES)
    conn.execute("BEGIN")
    write_identity(conn, identity)
    keyed = sorted(((group_key(identity, f), f) for f in facts),
                   key=lambda kf: (kf[0], kf[1].claim))
    facts.clear()
    conn.executemany(
        f"INSERT INTO claims (id, ks, kp, kscope, {COLUMNS}) "
        f"VALUES ({','.join('?' * (4 + len(FIELDS)))})",
        ((n, *k, *row_values(f)) for n, (k, f) in enumerate(keyed, 1)))
    batches, batch, size, start = [], [], 0, 0
    while start < len(keyed):           # the groups, in batches of ~JUDGED claims
        key = keyed[start][0]
        end = start
        while end < len(keyed) and keyed[end][0] == key:
            end += 1
        batch.append((key, [(n + 1, keyed[n][1]) for n in range(start, end)]))
        size += end - start
        if size >= JUDGED:
            batches.append(batch)
            batch, size = [], 0
        start = end
    batches.append(batch)
    fact, placed = 0, []
    for judged in _judged(batches, identity, workers if len(keyed) >= POOLED else 1):
        for key, runs, worst in judged:
            for first, counts, sources, members, verdicts in runs:
                fact += 1
                conn.execute("INSERT INTO facts (id, ks, kp, kscope, start, conflicts, partials, "
                             "compatibles, agrees, sources, claims) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                             (fact, *key, first, *counts, sources, len(members)))
                conn.executemany("INSERT INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", verdicts)
                placed += [(fact, worst.get(i), i) for i in members]
    conn.executemany("UPDATE claims SET fact = ?, worst = ? WHERE id = ?", placed)
    conn.execute("COMMIT")
    conn.executescript(INDEXES)
    conn.execute("INSERT INTO info VALUES ('layout', ?)", (LAYOUT,))
    counts = {"claims": len(keyed),
              "facts": conn.execute("SELECT COUNT(*) FROM facts").fetchone()[0],
              "verdicts": conn.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0]}
    conn.execute("ANALYZE")
    return counts


JUDGED = 5000     # claims judged in one task of a worker process
POOLED = 30_000   # claims from which they are judged in worker processes (~1 s to start)


def _judged(batches: list, identity: Identity, workers: int) -> Iterator[list]:
    """``_judge`` of each batch of groups, in order: here, or in ``workers`` spawned
    processes (a few batches ahead of the writer, so that memory stays bounded)."""
    if workers <= 1 or len(batches) < 2:
        for batch in batches:
            yield _judge(batch, identity)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_judge_with, initargs=(identity, os.getpid())) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.submit(_judge, batch))
            if len(pending) > 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


_IDENTITY: list[Identity] = []    # a judging worker's identity (``_judge_with``)


def _judge_with(identity: Identity, parent: int) -> None:
    die_with_parent(parent)          # a worker outlives nothing it works for
    _IDENTITY[:] = [identity]


def _judge(groups: list, identity: Identity | None = None) -> list:
    """Judge the pairs of each group (key, [(claim id, ClaimFacts)]) as
    ``Grouper.regroup`` does on a fresh file: [(key, runs, worst)], each run (its start,
    (conflicts, partials, compatibles, agrees), sources, claim ids, verdict rows), worst:
    claim id → most severe verdict code."""
    identity = identity if identity is not None else _IDENTITY[0]
    out = []
    for key, rows in groups:
        ids = {f.claim: i for i, f in rows}
        members = [f for _, f in rows if f.modality not in NO_VERDICT]
        worst: dict[int, int] = {}
        runs = []
        for run, verdicts in fact_runs(members, identity, key[1]):
            counts = tally(verdicts, ids, worst)
            first = run[0].earliest
            runs.append((first.isoformat() if first else "",
                         tuple(counts.get(v, 0) for v in (CONFLICT, PARTIAL, COMPATIBLE, AGREE)),
                         len({c.source for c in run}), [ids[c.claim] for c in run],
                         [(ids[v.a], ids[v.b], CODE[v.verdict], v.severity,
                           None if v.absolute is None else str(v.absolute),
                           None if v.relative is None else str(v.relative), v.reason,
                           " ".join(v.flags) or None) for v in verdicts]))
        out.append((key, runs, worst))
    return out


__all__ = ["CompareIndex", "FILE", "LAYOUT", "CODE", "NAME", "COUNT_COLUMN"]
