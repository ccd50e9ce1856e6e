"""The reading half of the claims index (kb/derived/claims_index.py): pages of the
claims list, their counts and their facets (``ClaimSearch``, a base of ClaimIndex).

Pages are keyset-paginated (as fast on page 1,000 as on page 1) in a column's order
(date, time about, recorded, id), by the claims' most severe verdict (``severity``:
one keyset walk of the verdict index per verdict) or by full-text rank (``relevance``:
FTS5 bm25 over at most RELEVANCE_CAP matches, keyset on (score, rowid)); several values
of a facet are one keyset walk per value, merged (``_arms``). A facet given
several values matches any of them. The unfiltered list and the views of one
PAIR_FILTERS facet (a publisher, a property, a modality, a verdict: one value or
several) read their counts and facets from what the triggers keep on every write
(kb/derived/claims_schema.py), at any size; other filters count at most COUNT_CAP
matches and their facets over the matches' claim_facets rows, within a time budget.
The list's facets (``facet_lists``) count each facet without its own choice, so that a
second value can be added. What is computed is cached until the next write
(``ClaimIndex._cached``).

Why one module (~690 lines): the pages, the counts and the facets share the filter's
SQL (``_where``), the stored-count shortcuts (``_pair_filter``) and the cache; split,
each half would import the other's private helpers.

Errors: InputError for an unknown sort or facet, a malformed cursor or filter value;
StoreError if SQLite fails.
"""
from __future__ import annotations

import heapq
import itertools
import math
import sqlite3
import time
from collections import Counter
from dataclasses import replace
from typing import Any, Callable, Iterable

from kb.derived.claims_query import (
    BM25_WEIGHTS, CURSOR_SHAPES, DEFAULT_SORT, FACET_LIMIT, FACET_MORE_LIMIT, FACETS,
    SEVERITY_ORDER, SORTS, VERDICT_NAMES, ClaimFilter, Page, check_date, decode_cursor,
    encode_cursor, fts_labels, fts_query, mark, mark_pattern, sort_name)
from kb.derived.claims_schema import PAIR_FILTERS, ROW_FACETS, SORT_KEYS
from kb.errors import InputError, StoreError

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


# Ranking by relevance scores every match on each page (bm25 cannot be indexed: ~2 us a
# match, 20,000 matches ~45 ms); past this many matches the list stays in date order
# and says so (docs/benchmarks.md, "Finding claims").
RELEVANCE_CAP = 20_000
_BM25 = "bm25(claims_fts, {}, {}, {})".format(*BM25_WEIGHTS)


def _in(expr: str, n: int) -> str:
    """``expr = ?`` for one value, ``expr IN (?, …)`` for several."""
    return f"{expr} = ?" if n == 1 else f"{expr} IN ({','.join('?' * n)})"


def _severity_rank(verdict: str | None) -> int:
    """A most severe verdict's place in SEVERITY_ORDER (unknown: last)."""
    try:
        return SEVERITY_ORDER.index(verdict or "")
    except ValueError:
        return len(SEVERITY_ORDER) - 1


# A page with several values of some facets is read as one keyset walk per combination
# of values (``_arms``), at most this many (SQLite's compound SELECT allows 500).
SPLIT_MAX = 24
SPLIT_FACETS = ("publisher", "article", "property", "modality", "verdict", "published", "about")


def _arms(f: ClaimFilter) -> list[ClaimFilter] | None:
    """``f`` as filters of one value per facet, one per combination of its values (they
    match disjoint claims: one publisher, one month… a claim), when a facet has several
    values and the combinations are at most SPLIT_MAX; else None."""
    multi = [(name, f.values(name)) for name in SPLIT_FACETS if len(f.values(name)) > 1]
    if not multi or math.prod(len(values) for _, values in multi) > SPLIT_MAX:
        return None
    for name, values in multi:       # "2021" and "2021-07" would match the same claims
        if name in ("published", "about") and any(
                a != b and b.startswith(a) for a in values for b in values):
            return None
    return [replace(f, **{name: (value,) for (name, _), value in zip(multi, combo)})
            for combo in itertools.product(*(values for _, values in multi))]


def _like(text: str) -> str:
    """A LIKE pattern (ESCAPE '\\') finding ``text`` anywhere, its case aside (ASCII)."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class _TimedOut(Exception):
    pass


class ClaimSearch:
    """Search, counts and facets over a claims index; ClaimIndex provides what is
    declared here (its connection, its cache of what was computed since the last write,
    the facet value numbers it looked up) and keeps the index current."""

    facet_time_limit_ms: int
    _values: dict[int, str]            # facet_values: number → value
    _db: Callable[[], sqlite3.Connection]
    _cached: Callable[[Any, Callable[[], Any]], Any]

    def _where(self, f: ClaimFilter, skip: str | None = None) -> tuple[str, list, bool]:
        """SQL WHERE clause for ``f`` (without the filter ``skip``: a facet or "q"), its
        parameters, and whether it needs the claim_entities join. Several values of one
        filter are OR'ed (IN), the filters AND'ed."""
        clauses, params = [], []
        join = False
        for name in ("publisher", "article", "property", "modality", "verdict"):
            values = f.values(name)
            if values and name != skip:
                if name == "verdict":
                    values = tuple(self._verdict_value(v) for v in values)
                clauses.append(_in(f"claims.{name}", len(values)))
                params += values
        if f.entity and skip != "entity":
            clauses.append(f"claims.rowid IN (SELECT claim FROM claim_entities WHERE "
                           f"{_in('entity', len(f.entity))})")
            params += f.entity
        if f.source and skip != "source":      # an article or a publisher
            clauses.append(f"({_in('claims.article', len(f.source))} OR "
                           f"{_in('claims.publisher', len(f.source))})")
            params += [*f.source, *f.source]
        for name, column in (("published", "published"), ("about", "about_earliest")):
            values = [check_date(name, v) for v in f.values(name)]
            if values and name != skip:
                clauses.append("(" + " OR ".join(
                    f"(claims.{column} >= ? AND claims.{column} < ?)" for _ in values) + ")")
                for value in values:
                    params += [value, value + "\uffff"]
        lo = check_date("published_from", f.published_from)
        hi = check_date("published_to", f.published_to)
        if lo:  # a date given to the month ("2021-07") overlaps any day of it
            clauses.append("claims.published != '' AND claims.published || '~' >= ?")
            params.append(lo)
        if hi:
            clauses.append("claims.published != '' AND claims.published < ?")
            params.append(hi + "\uffff")
        lo = check_date("about_from", f.about_from)
        hi = check_date("about_to", f.about_to)
        if lo:
            clauses.append("claims.about_latest != '' AND claims.about_latest >= ?")
            params.append(lo)
        if hi:
            clauses.append("claims.about_earliest != '' AND claims.about_earliest < ?")
            params.append(hi + "\uffff")
        if f.q and skip != "q":
            match = fts_query(f.q)
            if match is None:
                clauses.append("0")
            else:
                clauses.append("claims.rowid IN (SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?)")
                params.append(match)
        if skip == "entity":
            join = True
        return (" AND ".join(clauses) or "1"), params, join

    @staticmethod
    def _verdict_value(value: str) -> str:
        """A verdict filter's value as the index stores it ('' for "none"). Raises
        InputError for an unknown verdict."""
        if value == "none":
            return ""
        if value not in VERDICT_NAMES:
            raise InputError(f"unknown verdict {value!r} (known: {', '.join(VERDICT_NAMES)}, none)")
        return value

    def search(self, f: ClaimFilter, *, sort: str = DEFAULT_SORT, after: str | None = None,
               limit: int = 50) -> Page:
        """One page of claims matching ``f`` in ``sort`` order (SORTS, "relevance",
        "severity", or an alias such as "date"), after the cursor ``after`` (keyset
        pagination: as fast on page 1,000 as on page 1), with the number of matches
        counted up to COUNT_CAP. "relevance" without search words falls back to
        DEFAULT_SORT (``Page.sort``, ``Page.note`` say so). Raises InputError for an
        unknown sort, a malformed cursor (or one of another sort) or filter value;
        StoreError if SQLite fails."""
        sort, note = self.effective_sort(f, sort)
        kind = sort if sort in CURSOR_SHAPES else "column"
        cursor = decode_cursor(after, CURSOR_SHAPES[kind]) if after else None
        self._where(f)                       # checks the filter's values first
        db = self._db()
        try:
            if sort == "relevance":
                rows = self._by_relevance(db, f, cursor, limit + 1)
            elif sort == "severity":
                rows = self._by_severity(db, f, cursor, limit + 1)
            else:
                rows = self._by_column(db, f, sort, cursor, limit + 1)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"claims index query failed: {exc}") from None
        more = len(rows) > limit
        rows = rows[:limit]
        if f.q and rows:
            self._highlight(f.q, rows)
        cursor = encode_cursor(*self._sort_key(sort, rows[-1])) if more else None
        total, exact = self.count_capped(f)
        return Page(rows, cursor, total, exact, sort, note)

    def effective_sort(self, f: ClaimFilter, sort: str | None) -> tuple[str, str | None]:
        """(the sort a list asked for ``sort`` is in, why it is another one or None):
        "relevance" needs search words, else the list is in DEFAULT_SORT's order.
        Raises InputError for an unknown sort."""
        sort = sort_name(sort)
        if sort == "relevance" and (not f.q or fts_query(f.q) is None):
            return DEFAULT_SORT, "relevance needs search words: sorted by date, newest source first"
        if sort == "relevance" and self._matches_over(f.q, RELEVANCE_CAP):
            return DEFAULT_SORT, (f"more than {RELEVANCE_CAP:,} claims match: sorted by date, "
                                  "newest source first (add words to rank them by relevance)")
        return sort, None

    @staticmethod
    def _sort_key(sort: str, row: dict) -> tuple:
        """The cursor key of ``row`` in ``sort`` order (see CURSOR_SHAPES)."""
        if sort == "relevance":
            return row["score"], row["rowid"]
        if sort == "severity":
            return (_severity_rank(row["verdict"]), row[SORTS[DEFAULT_SORT][0]], row["rowid"])
        return row[SORTS[sort][0]], row["rowid"]

    def cursor_at(self, iri: str, f: ClaimFilter, sort: str) -> str:
        """The cursor of the page that starts after the claim ``iri`` in ``sort`` order
        (`claimkb list --after CLAIM`). Raises InputError when the claim is not indexed
        or, sorted by relevance, does not match the search words."""
        sort, _ = self.effective_sort(f, sort)
        row = self._db().execute("SELECT rowid AS rowid, * FROM claims WHERE iri = ?",
                                 (str(iri),)).fetchone()
        if row is None:
            raise InputError(f"no claim {str(iri)!r} in the claims index")
        row = dict(row)
        if sort == "relevance":
            found = self._db().execute(
                f"SELECT {_BM25} FROM claims_fts WHERE claims_fts MATCH ? AND rowid = ?",
                (fts_query(f.q), row["rowid"])).fetchone()
            if found is None:
                raise InputError(f"claim {str(iri)!r} does not match the search words")
            row["score"] = found[0]
        return encode_cursor(*self._sort_key(sort, row))

    def _by_column(self, db, f: ClaimFilter, sort: str, cursor, n: int,
                   verdict: str | None = None) -> list[dict]:
        """The first ``n`` rows matching ``f`` (and, when given, whose most severe
        verdict is ``verdict``) in SORTS[``sort``] order after ``cursor``."""
        column, direction = SORTS[sort]
        words_only = bool(f.q) and set(f.active()) == {"q"}
        keyed = column in SORT_KEYS
        walk = words_only and keyed and self._dense(f.q)
        if words_only and keyed and not walk:
            # few matches: sorted by their keys in claim_facets (narrow, in memory),
            # then only the page's rows read
            return self._rows(db, self._sorted_matches(db, f.q, column, direction, cursor, n, verdict))
        arms = _arms(f)
        if arms:
            # several values: one keyset walk per value (the index (facet, published,
            # rowid) in order, n rows at most), merged; IN (…) would sort every match
            parts, params = [], []
            for g in arms:
                where, more, _ = self._keyset_where(g, column, direction, cursor, verdict)
                parts.append(f"SELECT rid, k FROM (SELECT claims.rowid AS rid, claims.{column} AS k "
                             f"FROM claims WHERE {where} ORDER BY claims.{column} {direction}, "
                             f"claims.rowid {direction} LIMIT ?)")
                params += [*more, n]
            sql = " UNION ALL ".join(parts) + f" ORDER BY k {direction}, rid {direction} LIMIT ?"
            return self._rows(db, [r[0] for r in db.execute(sql, [*params, n])])
        where, params, _ = self._keyset_where(f, column, direction, cursor, verdict)
        source = f"claims INDEXED BY {SORT_INDEX[column]}" if walk else "claims"
        sql = (f"SELECT claims.rowid AS rowid, claims.* FROM {source} WHERE {where} "
               f"ORDER BY claims.{column} {direction}, claims.rowid {direction} LIMIT ?")
        return [dict(r) for r in db.execute(sql, [*params, n])]

    def _keyset_where(self, f: ClaimFilter, column: str, direction: str, cursor,
                      verdict: str | None) -> tuple[str, list, bool]:
        """``_where(f)``, and the most severe verdict ``verdict`` when given, and the
        rows after ``cursor`` in (``column``, rowid) ``direction`` order."""
        where, params, join = self._where(f)
        if verdict is not None:
            where += " AND claims.verdict = ?"
            params.append(verdict)
        if cursor:
            where += f" AND (claims.{column}, claims.rowid) {'<' if direction == 'DESC' else '>'} (?, ?)"
            params += list(cursor)
        return where, params, join

    def _by_severity(self, db, f: ClaimFilter, cursor, n: int) -> list[dict]:
        """The first ``n`` rows matching ``f`` by their most severe verdict
        (SEVERITY_ORDER: conflicts first, claims in no comparison last), then newest
        source first, after ``cursor`` (rank, published, rowid): one keyset walk of the
        claims_verdict index (verdict, published, rowid) per verdict, from the cursor's."""
        start = 0 if cursor is None else cursor[0]
        if not 0 <= start < len(SEVERITY_ORDER):
            raise InputError("malformed page cursor: start again from the first page")
        chosen = {self._verdict_value(v) for v in f.values("verdict")}
        rows: list[dict] = []
        for rank in range(start, len(SEVERITY_ORDER)):
            verdict = SEVERITY_ORDER[rank]
            if chosen and verdict not in chosen:
                continue
            within = cursor[1:] if cursor is not None and rank == start else None
            rows += self._by_column(db, f, DEFAULT_SORT, within, n - len(rows), verdict)
            if len(rows) >= n:
                break
        return rows

    def _by_relevance(self, db, f: ClaimFilter, cursor, n: int) -> list[dict]:
        """The first ``n`` rows matching ``f`` by FTS5 bm25 of its words (best first;
        ties by rowid), after ``cursor`` (score, rowid). Every match is scored on each
        page (a rank cannot be indexed; ``effective_sort`` lets at most RELEVANCE_CAP
        matches come here), from the full-text index alone: the other filters as a
        set of rowids, the wide rows read for the page only."""
        where, params, _ = self._where(f, skip="q")
        clauses = []
        if where != "1":
            clauses.append(f"m.rowid IN (SELECT claims.rowid FROM claims WHERE {where})")
        if cursor:
            clauses.append("(m.score, m.rowid) > (?, ?)")
            params += list(cursor)
        sql = (f"SELECT m.rowid, m.score FROM (SELECT rowid, {_BM25} AS score FROM claims_fts "
               f"WHERE claims_fts MATCH ?) AS m {'WHERE ' + ' AND '.join(clauses) if clauses else ''} "
               f"ORDER BY m.score, m.rowid LIMIT ?")
        scores = dict(db.execute(sql, [fts_query(f.q), *params, n]).fetchall())
        rows = self._rows(db, list(scores))
        for row in rows:
            row["score"] = scores[row["rowid"]]
        return rows

    def _matches_over(self, q: str, n: int) -> bool:
        """Whether the full-text words ``q`` match more than ``n`` claims (cached)."""
        match = fts_query(q)
        if match is None:
            return False
        return self._cached(("over", match, n), lambda: self._db().execute(
            "SELECT count(*) FROM (SELECT 1 FROM claims_fts WHERE claims_fts MATCH ? LIMIT ?)",
            (match, n + 1)).fetchone()[0] > n)

    @staticmethod
    def _sorted_matches(db, q: str, column: str, direction: str, cursor, n: int,
                        verdict: str | None = None) -> list[int]:
        """The first ``n`` claims (rowids) matching the full-text query ``q`` (and whose
        most severe verdict is ``verdict``, when given) in (``column``, rowid)
        ``direction`` order after ``cursor``, sorted by the keys kept in claim_facets."""
        match = fts_query(q)
        if match is None:
            return []
        key = SORT_KEYS[column]
        after, params = "", [match]
        if verdict is not None:
            after += " AND verdict = (SELECT id FROM facet_values WHERE facet = 'verdict' AND value = ?)"
            params.append(verdict)
        if cursor:
            after += f" AND ({key}, claim) {'<' if direction == 'DESC' else '>'} (?, ?)"
            params += list(cursor)
        sql = (f"SELECT claim FROM claim_facets WHERE claim IN (SELECT rowid FROM claims_fts "
               f"WHERE claims_fts MATCH ?){after} ORDER BY {key} {direction}, claim {direction} LIMIT ?")
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
            row["labels_marked"] = mark(fts_labels(row), pattern)

    def count(self, f: ClaimFilter) -> int:
        """How many claims match ``f``, exactly (cached until the next write; the
        unfiltered total is kept up to date on every write). Can take seconds for a
        broad filter at 1M claims: the list uses ``count_capped``."""
        if not f.active():
            return self._total()
        pair = self._pair_filter(f)
        if pair:
            return self._stored_counts(*pair)

        def compute():
            where, params, _ = self._where(f)
            return self._db().execute(f"SELECT count(*) FROM claims WHERE {where}", params).fetchone()[0]

        return self._cached(("count", f), compute)

    def count_capped(self, f: ClaimFilter, cap: int | None = None) -> tuple[int, bool]:
        """(n, exact): how many claims match ``f``, counting at most ``cap`` (default
        COUNT_CAP); when more match, (cap, False). Unfiltered or one PAIR_FILTERS facet
        alone (one value or several): exact (kept on every write)."""
        cap = COUNT_CAP if cap is None else cap
        if not f.active():
            return self._total(), True
        pair = self._pair_filter(f)
        if pair:   # exact at any size: kept on every write
            return self._stored_counts(*pair), True

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

    def _stored_counts(self, facet: str, values: tuple[str, ...]) -> int:
        """The claims whose ``facet`` is one of ``values`` (a PAIR_FILTERS facet: one
        value a claim, so the counts add up)."""
        return sum(self._stored_count(facet, v) for v in values)

    def _pair_filter(self, f: ClaimFilter) -> tuple[str, tuple[str, ...]] | None:
        """(facet, values) when ``f`` is one PAIR_FILTERS facet (one value or several)
        and nothing else (its count and facets are kept on every write), else None.
        Raises InputError for an unknown verdict."""
        active = f.active()
        if len(active) != 1:
            return None
        (name, values), = active.items()
        if name not in PAIR_FILTERS:
            return None
        if name == "verdict":
            values = tuple(self._verdict_value(v) for v in values)
        return name, values

    def facets(self, f: ClaimFilter, names: Iterable[str] = tuple(FACETS), limit: int = 12,
               time_limit_ms: int | None = None, value_q: str | None = None) -> dict:
        """For each facet, its top ``limit`` values among the claims matching ``f``:
        ``{"publisher": [{"value": iri, "label": name, "count": n}, ...], ...}``; with
        ``value_q``, only the values whose label (else value) holds those letters.

        Unfiltered, or filtered by one PAIR_FILTERS facet alone (publishers, properties,
        modalities or verdicts: one value or several), they come from counts kept up to
        date on every write, at any size. Otherwise they are counted from the matching
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
        like = _like(value_q) if value_q and value_q.strip() else None
        budget = self.facet_time_limit_ms if time_limit_ms is None else time_limit_ms
        deadline = time.monotonic() + budget / 1000
        if f.active() and not pair and not self.count_capped(f)[1]:
            # over COUNT_CAP matches: counting them by facet would only spend the budget
            return {name: None for name in names}
        if not f.active():
            return {name: self._cached(("facet0", name, limit, like),
                                       lambda name=name: self._stored_facet(name, limit, like))
                    for name in names}
        if pair:
            return {name: self._cached(("pairs", name, pair, limit, like),
                                       lambda name=name: self._paired_facet(name, *pair, limit, like))
                    for name in names}
        only = tuple(sorted(names)) if like else None
        counted = self._cached(("counted", f, limit, like, only),
                               lambda: self._counted_facets(f, limit, deadline, like, only))
        return {name: None if counted is None else counted[name] for name in names}

    def facet_lists(self, f: ClaimFilter, *, limit: int = FACET_LIMIT, more: str | None = None,
                    more_limit: int = FACET_MORE_LIMIT, value_q: str | None = None,
                    time_limit_ms: int | None = None) -> dict:
        """The claims list's facets: for each facet, ``{"values": [...] or None, "more":
        bool}``, the values as ``facets`` gives them, each with ``selected``.

        A facet the filter chooses values of is counted without its own choice (the
        other filters still apply), so that its other values can be added (OR); the
        chosen values are always listed, after the top ones when not among them. Each
        facet lists its top ``limit`` values; the facet ``more`` its top ``more_limit``,
        those whose label holds ``value_q`` when given. ``more`` is True when the facet
        has values beyond the ones listed. Each distinct filter is one ``facets`` call
        (cached), all within one time budget. Raises InputError for an unknown facet or
        filter value."""
        if more is not None and more not in FACETS:
            raise InputError(f"unknown facet {more!r} (known: {', '.join(FACETS)})")
        budget = self.facet_time_limit_ms if time_limit_ms is None else time_limit_ms
        deadline = time.monotonic() + budget / 1000
        groups: dict[ClaimFilter, list[str]] = {}
        for name in FACETS:
            groups.setdefault(f.without(name) if f.values(name) else f, []).append(name)
        got: dict[str, list[dict] | None] = {}

        def left() -> int:
            return max(0, int((deadline - time.monotonic()) * 1000))

        for g, names in groups.items():
            plain = [n for n in names if n != more]
            if plain:
                got.update(self.facets(g, plain, limit + 1, time_limit_ms=left()))
            if more in names:
                got.update(self.facets(g, [more], more_limit + 1, time_limit_ms=left(), value_q=value_q))
        out = {}
        for name in FACETS:
            values = got[name]
            if values is None:
                out[name] = {"values": None, "more": False}
                continue
            shown = more_limit if name == more else limit
            listed = [dict(v, selected=False) for v in values[:shown]]
            chosen = f.values(name)
            if chosen:
                g = f.without(name)
                have = {v["value"]: v for v in listed}
                labels = self._labels_of(name, [v for v in chosen if v not in have])
                for value in chosen:
                    if value in have:
                        have[value]["selected"] = True
                    else:
                        n, _ = self.count_capped(replace(g, **{name: (value,)}))
                        listed.append({"value": value, "label": labels.get(value, value),
                                       "count": n, "selected": True})
            out[name] = {"values": listed, "more": len(values) > shown}
        return out

    def _counted_facets(self, f: ClaimFilter, limit: int, deadline: float, like: str | None = None,
                        only: tuple[str, ...] | None = None) -> dict | None:
        """Every facet of the claims matching ``f`` (at most COUNT_CAP + 1 of them),
        counted in one pass over their claim_facets rows; None past ``deadline``. With
        ``like`` (a LIKE pattern), only the facets ``only`` and, in them, the values
        whose label (else value) matches it."""
        db = self._db()
        if f.q and set(f.active()) == {"q"}:    # the full-text matches alone: no claims row needed
            match = fts_query(f.q)
            matches, params = "SELECT rowid FROM claims_fts WHERE claims_fts MATCH ?", [match]
            if match is None:
                return {name: [] for name in FACETS}
        else:
            where, params, _ = self._where(f)
            matches = f"SELECT claims.rowid FROM claims WHERE {where}"
        columns = list(ROW_FACETS)
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
        for name in (only or FACETS):
            items = [(values[i], n) for i, n in counts.get(name, {}).items() if values.get(i)]  # not ''
            if like:
                found = {r[0] for r in db.execute(
                    "SELECT value FROM facet_counts WHERE facet = ? AND coalesce(label, value) "
                    "LIKE ? ESCAPE '\\'", (name, like))}
                items = [(v, n) for v, n in items if v in found]
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

    def _paired_facet(self, name: str, filter_name: str, filter_values: tuple[str, ...],
                      limit: int, like: str | None = None) -> list[dict]:
        """Facet ``name`` of the claims whose ``filter_name`` is one of ``filter_values``,
        from the counts kept on every write (facet_pairs, summed over the values; with
        ``like``, only the values whose label matches it)."""
        db = self._db()
        order = "v DESC" if name in ("published", "about") else "n DESC, v"
        matching = " AND coalesce(c.label, c.value) LIKE ? ESCAPE '\\'" if like else ""
        if name == filter_name:
            rows = db.execute(
                f"SELECT c.value AS v, c.n AS n FROM facet_counts c WHERE c.facet = ? AND "
                f"{_in('c.value', len(filter_values))} AND c.n > 0 AND c.value != ''{matching} "
                f"ORDER BY {order}", [name, *filter_values, *([like] if like else [])]).fetchall()
        elif len(filter_values) == 1 and not like:    # ordered by the index facet_pairs_n
            rows = db.execute(
                f"SELECT value AS v, n FROM facet_pairs WHERE filter = ? AND fvalue = ? AND facet = ? "
                f"AND n > 0 AND value != '' ORDER BY {order} LIMIT ?",
                (filter_name, filter_values[0], name, limit)).fetchall()
        else:
            labels = ("LEFT JOIN facet_counts c ON c.facet = p.facet AND c.value = p.value"
                      if like else "")
            rows = db.execute(
                f"SELECT p.value AS v, sum(p.n) AS n FROM facet_pairs p {labels} WHERE p.filter = ? "
                f"AND {_in('p.fvalue', len(filter_values))} AND p.facet = ? AND p.n > 0 "
                f"AND p.value != ''{matching.replace('c.value', 'p.value')} GROUP BY p.value "
                f"ORDER BY {order} LIMIT ?",
                [filter_name, *filter_values, name, *([like] if like else []), limit]).fetchall()
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

    def counts(self, name: str, values: list[str]) -> dict[str, int]:
        """Claims per value of facet ``name`` (unfiltered), for some values (StoreError)."""
        out: dict[str, int] = {}
        try:
            for start in range(0, len(values), 500):
                chunk = list(values[start:start + 500])
                out.update(self._db().execute(f"SELECT value, n FROM facet_counts WHERE facet = ? "
                                              f"AND value IN ({','.join('?' * len(chunk))})",
                                              [name, *chunk]).fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"claims index read failed: {exc}") from None
        return out

    def _stored_facet(self, name: str, limit: int, like: str | None = None) -> list[dict]:
        order = "value DESC" if name in ("published", "about") else "n DESC, value"
        matching = " AND coalesce(label, value) LIKE ? ESCAPE '\\'" if like else ""
        rows = self._db().execute(
            f"SELECT value, label, n FROM facet_counts WHERE facet = ? AND n > 0 AND value != ''"
            f"{matching} ORDER BY {order} LIMIT ?", [name, *([like] if like else []), limit])
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
