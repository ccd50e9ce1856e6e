"""The claim model is written in one place (kb.model.claim.claim_quads) and read in one
place (kb.model.claim_read.read_record, through ClaimReader.record): for every claim of
the demo, the analyst sets and the ClaimReview samples, reading its quads back gives a
record that writes the same quads."""
from __future__ import annotations

from importlib.resources import as_file, files

import pytest
import yaml
from dataclasses import replace

from rdflib import RDF, Literal, URIRef

from kb.errors import InputError, NotFound
from kb.ingest import claimreview, claimsfile
from kb.model.claim import ClaimRecord, DateValue, EntitySetValue, claim_quads
from kb.model.claim_read import read_record
from kb.model.iris import META
from kb.model.vocab import CKB, SCHEMA
from tests.conftest import TEST_DATA
from tests.kb.model.test_analyst_set import CASES, _claims_file


def owned(claim: URIRef, quads) -> tuple[list, list, list]:
    """(metadata the claim owns, its content, the descriptions of what it names)."""
    prefix = f"{claim}#"
    meta, content, shared = [], [], []
    for s, p, o, g in quads:
        if g == claim:
            content.append((s, p, o))
        elif g == META and (s == claim or str(s).startswith(prefix)):
            meta.append((s, p, o))
        else:
            shared.append((s, p, o))
    return meta, content, shared


def round_trip(rec: ClaimRecord) -> ClaimRecord:
    """The claim's own quads and content come back exactly, every one of them read into
    a field: the record read back, written again without ``extra``, gives them all
    (only a ClaimReview's review and rating come back as ``extra``). What a claims file
    re-declares of other entities stays theirs (shared), not the claim's."""
    written = claim_quads(rec)
    meta, content, shared = owned(rec.iri, written)
    back = read_record(rec.iri, meta, content, shared)
    mine = {q for q in rec.extra if q[0] == rec.iri or str(q[0]).startswith(f"{rec.iri}#")}
    assert set(back.extra) == mine, rec.iri
    again = owned(rec.iri, claim_quads(replace(back, extra=[])))
    expected = owned(rec.iri, claim_quads(replace(rec, extra=[])))
    assert (set(again[0]), set(again[1])) == (set(expected[0]), set(expected[1])), rec.iri
    assert (back.anchor, back.modality, back.source, back.statement, back.value) == \
        (rec.anchor, rec.modality, rec.source, rec.statement, _comparable(rec.value)), rec.iri
    if rec.about is not None:   # a horizon that writes nothing is not read back
        assert (back.about.earliest, back.about.latest, back.about.text) == \
            (rec.about.earliest, rec.about.latest, rec.about.text), rec.iri
    return back


def _comparable(value):
    """A value as it reads back: a date value's words are its ISO form."""
    if isinstance(value, DateValue):
        return DateValue(value.date, value.date.isoformat())
    if isinstance(value, EntitySetValue):          # members in IRI order
        return EntitySetValue(tuple(sorted(value.entities, key=lambda n: n.iri)))
    return value


def records_of(kb, path) -> list[ClaimRecord]:
    return claimsfile.parse(kb, path).records


def test_every_demo_claim_reads_back_into_the_same_quads(demo_kb):
    count = 0
    for name in sorted(p.name for p in files("kb.demo").iterdir() if p.name.endswith(".yaml")):
        with as_file(files("kb.demo") / name) as path:
            for rec in records_of(demo_kb, path):
                round_trip(rec)
                count += 1
    assert count == demo_kb.stats()["claims"]


def test_every_analyst_claim_reads_back(kb, tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text(yaml.safe_dump(_claims_file(CASES), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    records = records_of(kb, path)
    assert len(records) == 2 * len(CASES)
    kinds = set()
    for rec in records:
        round_trip(rec)
        kinds.add(type(rec.value).__name__)
    assert {"Quantity", "EntityValue", "EntitySetValue"} <= kinds


def test_claimreview_claims_read_back_with_their_review_as_extra(kb):
    articles, records = claimreview.parse(kb.iris, TEST_DATA / "claimreview" / "graph.jsonld")
    assert records
    for rec in records:
        back = round_trip(rec)
        assert back.extra and all(str(q[0]).startswith(f"{rec.iri}#") for q in back.extra)


def test_the_store_gives_back_what_was_written(demo_kb):
    """ClaimReader.record on the stored demo: the claim's own quads and content as
    written (its entities as the metadata graph now describes them)."""
    rows = demo_kb.list_claims(limit=1000)
    assert len(rows) > 20
    for row in rows:
        iri = URIRef(row["claim"])
        rec = demo_kb.reader.record(row["id"])
        stored = demo_kb.claim_dataset(iri)
        mine = {(s, p, o) for s, p, o in stored.graph(META)} | \
            {(s, p, o) for s, p, o in stored.graph(iri)}
        meta, content, _ = owned(iri, claim_quads(rec))
        assert set(meta) | set(content) == mine, row["id"]
        assert not rec.extra or rec.source.startswith("http")
        if rec.subject is not None:
            assert rec.subject.label is not None and rec.predicate.label is not None


def test_not_a_claim_is_refused(kb):
    with pytest.raises(NotFound):
        kb.reader.record("no-such-claim")
    with pytest.raises(InputError, match="not a claim"):
        read_record(URIRef("https://example.org/x"), [], [])
    claim = URIRef("https://example.org/c")
    broken = [(claim, RDF.type, SCHEMA.Claim), (claim, CKB.subject, URIRef("https://e/s")),
              (claim, CKB.property, URIRef("https://e/p")), (claim, CKB.valueKind, Literal("quantity"))]
    body = [(URIRef("https://e/s"), URIRef("https://e/p"), URIRef(f"{claim}#value")),
            (URIRef(f"{claim}#value"), SCHEMA.unitCode, Literal("C62")),
            (URIRef(f"{claim}#value"), SCHEMA.value, Literal("not a number"))]
    with pytest.raises(InputError, match="cannot be read back"):   # never a crash (a 500)
        read_record(claim, broken, body)
    rec = read_record(claim, broken[:1], [])          # no modality, no source: None
    assert rec.modality is None and rec.source is None and rec.value is None
