"""The reading half of the claims index (kb/derived/claims_index.py): pages of the
claims list, their counts and their facets (``ClaimSearch``, a base of ClaimIndex).

Pages are keyset-paginated (as fast on page 1,000 as on page 1). The unfiltered list
and the one-facet views (a publisher, a property, a modality, a verdict: PAIR_FILTERS)
read their counts and facets from what the triggers keep on every write
(kb/derived/claims_schema.py), at any size; other filters count at most COUNT_CAP
matches and their facets over the matches' claim_facets rows, within a time budget.
What is computed is cached until the next write (``ClaimIndex._cached``).

Errors: InputError for an unknown sort or facet, a malformed cursor or filter value;
StoreError if SQLite fails.
"""
from __future__ import annotations

import heapq
import math
import sqlite3
import time
from collections import Counter
from typing import Any, Callable, Iterable

from kb.derived.claims_query import (
    DEFAULT_SORT, FACETS, SORTS, VERDICT_NAMES, ClaimFilter, Page, check_date, decode_cursor,
    encode_cursor, fts_labels, fts_query, mark, mark_pattern)
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
            value = check_date(name, getattr(f, name))
            if value and name != skip:
                clauses.append(f"claims.{column} >= ? AND claims.{column} < ?")
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
            row["labels_marked"] = mark(fts_labels(row), pattern)

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
