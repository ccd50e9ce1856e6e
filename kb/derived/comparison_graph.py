"""The comparison graph: the comparison index's verdicts materialised as RDF
(``<https://w3id.org/claimkb/graph/comparisons>``, one ckb:Comparison per judged pair:
verdict, reason, severity, flags, differences), on request (``claimkb compare
--materialise``) and, once there, kept current on every write through the derived
indexes' registry (kb/derived/registry.py). Derived data: rebuilt from the index.
"""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Callable, Iterable

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from kb.derived.compare_index import CODE, NAME, CompareIndex
from kb.model.iris import COMPARISONS, Minter, short_hash
from kb.model.verdicts import FLAG_IRI, SEVERITY_IRI, VERDICT_IRI, Verdict, plain_number
from kb.model.vocab import CKB
from kb.store import sparql
from kb.store.base import Store, chunked

MATERIALISE_BATCH = 50_000  # verdicts per load: bounded memory for any KB size
REFRESH_ONE_UPDATE = 1000   # claims rejudged in one write kept current in one update


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)



def comparison_iri(iris: Minter, a: str, b: str) -> URIRef:
    first, second = sorted((a, b))
    return iris.mint("comparisons", short_hash(first, second, length=16))


def comparison_quads(iris: Minter, verdicts: Iterable[Verdict],
                     now: dt.datetime) -> list[tuple]:
    stamp = Literal(now.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    quads = []
    for v in verdicts:
        node = comparison_iri(iris, v.a, v.b)
        quads += [
            (node, RDF.type, CKB.Comparison, COMPARISONS),
            (node, CKB.compares, URIRef(v.a), COMPARISONS),
            (node, CKB.compares, URIRef(v.b), COMPARISONS),
            (node, CKB.verdict, VERDICT_IRI[v.verdict], COMPARISONS),
            (node, CKB.reason, Literal(v.reason), COMPARISONS),
            (node, PROV.generatedAtTime, stamp, COMPARISONS),
        ]
        if v.severity:
            quads.append((node, CKB.severity, SEVERITY_IRI[v.severity], COMPARISONS))
        for flag in v.flags:
            quads.append((node, CKB.flag, FLAG_IRI[flag], COMPARISONS))
        if v.absolute is not None:
            quads.append((node, CKB.absoluteDifference,
                          Literal(plain_number(v.absolute), datatype=XSD.decimal), COMPARISONS))
        if v.relative is not None:
            quads.append((node, CKB.relativeDifference,
                          Literal(plain_number(v.relative), datatype=XSD.decimal), COMPARISONS))
    return quads


def _nq_literal(text: str) -> str:
    return '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r")) + '"'


def _nquads(iris: Minter, rows: Iterable[tuple], stamp: str) -> str:
    """N-Quads of stored verdicts (rows of CompareIndex.all_verdicts): the same quads
    as comparison_quads, written directly (no rdflib terms)."""
    g = f"<{COMPARISONS}>"
    t = {name: f"<{iri}>" for name, iri in VERDICT_IRI.items()}
    sev = {name: f"<{iri}>" for name, iri in SEVERITY_IRI.items()}
    p = {k: f"<{v}>" for k, v in (("type", RDF.type), ("compares", CKB.compares),
                                  ("verdict", CKB.verdict), ("reason", CKB.reason),
                                  ("at", PROV.generatedAtTime), ("severity", CKB.severity),
                                  ("abs", CKB.absoluteDifference), ("rel", CKB.relativeDifference),
                                  ("flag", CKB.flag))}
    fl = {name: f"<{iri}>" for name, iri in FLAG_IRI.items()}
    cls = f"<{CKB.Comparison}>"
    dec = f"^^<{XSD.decimal}>"
    at = f'"{stamp}"^^<{XSD.dateTime}>'
    lines = []
    for a, b, code, severity, absolute, relative, reason, flags in rows:
        n = f"<{comparison_iri(iris, a, b)}>"
        lines += [f"{n} {p['type']} {cls} {g} .", f"{n} {p['compares']} <{a}> {g} .",
                  f"{n} {p['compares']} <{b}> {g} .",
                  f"{n} {p['verdict']} {t[NAME[code]]} {g} .",
                  f"{n} {p['reason']} {_nq_literal(reason)} {g} .", f"{n} {p['at']} {at} {g} ."]
        if severity:
            lines.append(f"{n} {p['severity']} {sev[severity]} {g} .")
        for flag in (flags or "").split():
            lines.append(f"{n} {p['flag']} {fl[flag]} {g} .")
        if absolute is not None:
            lines.append(f'{n} {p["abs"]} "{plain_number(Decimal(absolute))}"{dec} {g} .')
        if relative is not None:
            lines.append(f'{n} {p["rel"]} "{plain_number(Decimal(relative))}"{dec} {g} .')
    lines.append("")
    return "\n".join(lines)


class ComparisonGraph:
    """The comparison graph of one store, filled from its comparison index."""

    def __init__(self, store: Store, iris: Minter, index: CompareIndex,
                 clock: Callable[[], dt.datetime] = _now):
        self.store = store
        self.iris = iris
        self.index = index
        self.clock = clock

    def exists(self) -> bool:
        """Whether verdicts were materialised (``claimkb compare --materialise``)."""
        return self.store.query(sparql.load("comparisons_exist.rq")).boolean

    def materialise(self) -> int:
        """Store every verdict of the report (from the comparison index) in the
        comparison graph, replacing what was there. Returns the number of comparisons.

        The graph is cleared, then filled from the index's verdicts written as N-Quads
        in batches of MATERIALISE_BATCH verdicts (bounded memory), with the store's bulk
        load (kb.store.base.Store.bulk_load). The graph is derived data: a failure
        part-way leaves a partial graph that the next run replaces. Raises StoreError."""
        self.index.ensure()
        stamp = self.clock().isoformat(timespec="seconds")
        self.store.update(f"CLEAR SILENT GRAPH <{COMPARISONS}>")
        count = 0

        def batches():
            nonlocal count
            rows = self.index.all_verdicts()
            while True:
                batch = list(itertools.islice(rows, MATERIALISE_BATCH))
                if not batch:
                    return
                count += len(batch)
                yield _nquads(self.iris, batch, stamp).encode("utf-8")

        self.store.bulk_load(batches(), "nquads", where="comparisons")
        return count

    def refresh(self, verdicts: list[Verdict], replaced: list[str]) -> None:
        """Replace the materialised comparisons of the claims ``replaced`` with
        ``verdicts`` (what the comparison index's refresh returned). Raises StoreError."""
        if not replaced:
            return
        if len(replaced) <= REFRESH_ONE_UPDATE:
            parts = [sparql.render("delete_comparisons.ru", claim=[URIRef(c) for c in replaced])]
            if verdicts:
                parts.append(sparql.insert_data(comparison_quads(self.iris, verdicts, self.clock())))
            self.store.update(sparql.join_updates(parts))
            return
        # a large write: bounded updates (the graph is derived data)
        stamp = self.clock().isoformat(timespec="seconds")
        for chunk in chunked(replaced, REFRESH_ONE_UPDATE):
            self.store.update(sparql.render("delete_comparisons.ru",
                                            claim=[URIRef(c) for c in chunk]))
        for chunk in chunked(verdicts, MATERIALISE_BATCH):
            rows = [(v.a, v.b, CODE[v.verdict], v.severity,
                     None if v.absolute is None else str(v.absolute),
                     None if v.relative is None else str(v.relative), v.reason,
                     " ".join(v.flags)) for v in chunk]
            self.store.load(_nquads(self.iris, rows, stamp).encode("utf-8"), "nquads",
                            where="comparisons")


__all__ = ["ComparisonGraph", "comparison_iri", "comparison_quads", "MATERIALISE_BATCH"]
