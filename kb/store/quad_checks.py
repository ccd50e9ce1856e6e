"""Checking a TriG or N-Quads file before anything of it is written, as it streams by,
in memory that does not grow with the file's quads (only with its claims' names):

- the bytes (``CheckedReader``): no line over 16 MB (pyoxigraph cannot take one), and
  TriG brackets not nested deeper than the limit (convert.py's count, carried from one
  block of lines to the next);
- each quad (``check_quad``): no unsafe link (convert.py's rules);
- each claim (``ClaimCheck``): the claim shape's direct rules (kb/model/claim_shape.py,
  read from ontologies/shapes.ttl): exactly one modality of the five, one source, one
  recording time, a statement, ... A file with a claim that breaks them is refused
  naming the claim (and how many more).

``check_file`` runs all three over a file, with pyoxigraph's streaming parser, and
reports progress. Every check raises InputError naming the file (and line or claim).
"""
from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

import pyoxigraph as ox

from kb.errors import InputError
from kb.model.claim_shape import PropertyRule, claim_rules
from kb.store.convert import (LINK_PREDICATES, MAX_LINE_BYTES, META_GRAPH, OX_FORMATS,
                              check_meta_link, check_quad_links, nesting_depth)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SCHEMA_CLAIM = "http://schema.org/Claim"
BLOCK = 4 * 1024 * 1024        # bytes checked at a time
SHOWN = 5                      # bad claims named in the error
# an IRI written with a scheme other than http(s) or urn, a relative one, a prefix or base
# declared so: the quads parsed from here on get every term checked (check_quad_links);
# before, only the metadata graph's link predicates are (they can hold literals)
_SUSPICIOUS = re.compile(rb"<(?![<\s]|https?://|urn:)")


class ClaimCheck:
    """The claim shape's direct rules over quads given one at a time (``add``), judged
    at the end (``finish``), when every claim's triples have been seen. Keeps, per
    subject of a rule's predicate in the metadata graph, one byte per rule."""

    def __init__(self, where: str, rules: Iterable[PropertyRule] | None = None):
        self.where = where
        self.rules = tuple(claim_rules() if rules is None else rules)
        self._slot = {r.predicate: n for n, r in enumerate(self.rules)}
        self.predicates = frozenset({RDF_TYPE, *self._slot})   # the ones ``add`` looks at
        self._counts: dict[str, bytearray] = {}
        self._broken: dict[str, str] = {}       # subject → first value-level problem
        self.claims: list[str] = []

    def add(self, quad: ox.Quad, predicate: str) -> None:
        """Take one quad of the metadata graph (``predicate``: its predicate's IRI)."""
        if predicate == RDF_TYPE:
            if isinstance(quad.object, ox.NamedNode) and quad.object.value == SCHEMA_CLAIM:
                self.claims.append(_name(quad.subject))
            return
        slot = self._slot.get(predicate)
        if slot is None:
            return
        subject = _name(quad.subject)
        counts = self._counts.get(subject)
        if counts is None:
            counts = self._counts[subject] = bytearray(len(self.rules))
        if counts[slot] < 255:
            counts[slot] += 1
        problem = _value_problem(self.rules[slot], quad.object)
        if problem and subject not in self._broken:
            self._broken[subject] = problem

    def finish(self) -> int:
        """The number of claims; raises InputError naming the first claims (in the
        file's order) that break a rule, and how many do."""
        bad: list[str] = []
        count = 0
        empty = bytes(len(self.rules))
        for claim in dict.fromkeys(self.claims):
            count += 1
            problems = [self._broken[claim]] if claim in self._broken else []
            counts = self._counts.get(claim, empty)
            for rule, n in zip(self.rules, counts):
                if n < rule.min_count or (rule.max_count is not None and n > rule.max_count):
                    problems.append(f"{rule.describe()} (it has {n})" if n else rule.describe())
            if problems:
                bad.append(f"claim <{claim}>: {'; '.join(problems)}")
        if bad:
            more = f"; and {len(bad) - SHOWN} more claims" if len(bad) > SHOWN else ""
            raise InputError("; ".join(bad[:SHOWN]) + more + " (nothing was written)",
                             where=self.where)
        return count


def _name(term) -> str:
    return term.value if isinstance(term, (ox.NamedNode, ox.BlankNode)) else str(term)


def _value_problem(rule: PropertyRule, value) -> str | None:
    if rule.allowed is not None and not (isinstance(value, ox.NamedNode)
                                         and value.value in rule.allowed):
        return f"{rule.describe()} (not {value})"
    if rule.iri and not isinstance(value, ox.NamedNode):
        return f"{rule.describe()} (an IRI, not {value})"
    if rule.datatypes is not None:
        if not isinstance(value, ox.Literal) or value.language \
                or value.datatype.value not in rule.datatypes:
            return f"{rule.describe()} (not {value})"
    if rule.min_length and isinstance(value, ox.Literal) and len(value.value) < rule.min_length:
        return rule.describe()
    return None


class CheckedReader(io.RawIOBase):
    """A binary file read in blocks of whole lines, each checked (line length, and for
    TriG the bracket depth carried across blocks) before the parser sees it. ``done``:
    the bytes handed on so far."""

    def __init__(self, raw: BinaryIO, where: str, trig: bool, depth_limit: int):
        super().__init__()
        self.raw = raw
        self.where = where
        self.trig = trig
        self.depth_limit = depth_limit
        self.done = 0
        self._buffer = memoryview(b"")
        self._pos = 0
        self._rest = b""           # the last, unfinished line of the block read
        self._line = 1             # the line number the next block starts on
        self._depth = 0
        self._eof = False
        self.suspicious = False    # a block had an IRI that needs the per-term check

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while self._pos >= len(self._buffer) and not self._eof:
            data = self.raw.read(BLOCK)
            if not data:
                self._eof = True
                block, self._rest = self._rest, b""
            else:
                data = self._rest + data
                cut = data.rfind(b"\n") + 1
                if cut == 0:       # no line end yet: a line this long is refused
                    if len(data) > MAX_LINE_BYTES:
                        raise InputError(f"line {self._line} is over 16 MB; lines over 16 MB "
                                         "are refused", where=self.where)
                    self._rest = data
                    continue
                block, self._rest = data[:cut], data[cut:]
                if len(self._rest) > MAX_LINE_BYTES:
                    line = self._line + block.count(b"\n")
                    raise InputError(f"line {line} is over 16 MB; lines over 16 MB are "
                                     "refused", where=self.where)
            if not block:
                continue
            if len(block) > MAX_LINE_BYTES:
                self._long_lines(block)
            if not self.suspicious and _SUSPICIOUS.search(block):
                self.suspicious = True
            if self.trig or b"<<" in block:     # N-Quads nest too: << >>
                self._depth = nesting_depth(block, self._depth, self.depth_limit,
                                            self.where, self._line)
            self._line += block.count(b"\n")
            self._buffer, self._pos = memoryview(block), 0

    def _long_lines(self, block: bytes) -> None:
        start, line = 0, self._line
        while start < len(block):
            end = block.find(b"\n", start)
            end = len(block) if end < 0 else end
            if end - start > MAX_LINE_BYTES:
                raise InputError(f"line {line} is {(end - start) / 1e6:.1f} MB; lines over "
                                 "16 MB are refused", where=self.where)
            start, line = end + 1, line + 1

    def readinto(self, target) -> int:
        self._fill()
        n = min(len(target), len(self._buffer) - self._pos)
        target[:n] = self._buffer[self._pos:self._pos + n]
        self._pos += n
        self.done += n
        return n


@dataclass
class Checked:
    """What ``check_file`` found: the quads parsed, the claims (typed schema:Claim)."""

    quads: int
    claims: int


# progress(bytes done, bytes in all, quads so far, claims so far)
CheckProgress = Callable[[int, int, int, int], None]


def check_file(path: Path, fmt: str, where: str, depth_limit: int,
               progress: CheckProgress | None = None, every: float = 0.5) -> Checked:
    """Parse ``path`` (``fmt`` "trig" or "nquads") as a stream and check its bytes, its
    quads and its claims; nothing is kept but the claims' names. ``progress`` is
    called about every ``every`` seconds and at the end. Raises InputError (the file,
    the line or the claim)."""
    if fmt not in OX_FORMATS:
        raise InputError(f"unknown RDF format {fmt!r} (use trig or nquads)", where=where)
    total = Path(path).stat().st_size
    claims = ClaimCheck(where)
    quads = 0
    try:
        with open(path, "rb") as raw:
            reader = CheckedReader(raw, where, fmt == "trig", depth_limit)
            last = time.monotonic()
            meta, watched = ox.NamedNode(META_GRAPH), claims.predicates
            for quad in ox.parse(reader, OX_FORMATS[fmt]):
                quads += 1
                if reader.suspicious:
                    check_quad_links(quad, where)
                if quad.graph_name == meta:
                    predicate = quad.predicate.value
                    if predicate in LINK_PREDICATES:
                        check_meta_link(quad, predicate, where)
                    if predicate in watched:
                        claims.add(quad, predicate)
                if progress is not None and not quads & 0x3FFF:
                    now = time.monotonic()
                    if now - last >= every:
                        last = now
                        progress(reader.done, total, quads, len(claims.claims))
    except SyntaxError as exc:
        raise InputError(f"malformed {fmt}: {exc}", where=where) from None
    except MemoryError:
        raise InputError("too large to parse", where=where) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", where=where) from None
    count = claims.finish()
    if progress is not None:
        progress(total, total, quads, count)
    return Checked(quads, count)


def check_quads(quads: list, where: str) -> int:
    """The same checks of quads and claims over quads already parsed (a small file read
    whole); returns the number of claims. Raises InputError."""
    claims = ClaimCheck(where)
    for quad in quads:
        check_quad_links(quad, where)
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value == META_GRAPH:
            claims.add(quad, quad.predicate.value)
    return claims.finish()


__all__ = ["ClaimCheck", "CheckedReader", "Checked", "check_file", "check_quads",
           "CheckProgress"]
