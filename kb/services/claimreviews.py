"""The ClaimReview export: a knowledge base's verdicts (kb/services/fact_checks.py) and
the ClaimReviews imported with its claims (kb/ingest/claimreview.py) as schema.org
ClaimReview JSON-LD (kb/model/claimreview_markup.py), and the check of such markup
against schema.org's definitions.

What the export says of the reviewed claim (``itemReviewed``): its author is the
speaker (a Person, or an Organization when the feed it came from said so), else the
publisher of its source; for a verdict recorded here, it appeared in its source
article on the source's date; for an imported review, where and when the feed said.
``claimkb import`` of the export gives back the same markup (a round trip:
tests/kb/services/test_fact_checks.py).

Errors: NotFound (an unknown claim, or one with neither a verdict nor an imported
review), InputError (``check_markup`` of text that is not JSON-LD).
"""
from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SDO

from kb.errors import NotFound
from kb.ingest.schema_jsonld import load_graph
from kb.model import claimreview_markup as markup
from kb.model.vocab import SCHEMA
from kb.services import validation
from kb.services.fact_checks import FactChecks
from kb.store import sparql
from ontologies import CLAIMREVIEW_SHAPES


def export(checks: FactChecks, ref: str | None = None) -> list[dict]:
    """ClaimReview objects (JSON-LD, no ``@context``): the current verdict of ``ref`` (a
    claim id or IRI) and the ClaimReviews imported with it, or of every claim when
    ``ref`` is None; ordered by review URL. Raises NotFound for an unknown claim or,
    for one claim, when it has neither."""
    if ref is not None:
        claim = checks.reader.iri(str(ref))
        if not checks.reader.exists(claim):
            raise NotFound(f"no claim {ref!r}")
        own, imported = checks.on_claims([claim])
    else:
        own, imported = checks.on_claims()
    claims = sorted(set(own) | set(imported))
    items: dict[str, dict] = {}
    for r in (sparql.select(checks.store, "claimreview_items.rq", claim=[URIRef(c) for c in claims])
              if claims else []):
        items.setdefault(str(r["claim"]), r)     # the first of a claim's rows (ordered)
    out = []
    for claim in claims:
        item = items.get(claim)
        if item is None:       # a verdict on a claim deleted since
            continue
        if claim in own:
            v = own[claim]
            out.append(markup.own_review(
                url=checks.review_url(claim), statement=v.statement or str(item["text"] or ""),
                organisation=checks.organisation, date=v.created[:10],
                rating=markup.Rating(v.value, v.best, v.worst, v.alternate_name),
                summary=v.summary, citations=list(v.evidence), item=_item(item)))
        for r in imported.get(claim, []):
            out.append(markup.imported_review(r, statement=str(item["text"] or ""),
                                              item=_item(item, imported=r)))
    out.sort(key=lambda r: (r["url"], r["claimReviewed"]))   # the same KB, the same text
    if ref is not None and not out:
        raise NotFound(f"claim {ref} has no verdict and no imported ClaimReview")
    return out


def _item(row: dict, imported: dict | None = None) -> markup.Item:
    """What the ClaimReview says of the reviewed claim, from claimreview_items.rq."""
    if row["speakerName"] is not None:
        author = (str(row["speakerName"]), _true(row["speakerOrg"]))
    elif row["publisherName"] is not None and not _true(row["factcheck"]):
        author = (str(row["publisherName"]), True)
    else:
        author = None
    if imported is not None:   # where the fact-checker saw it, and when it was made
        appearances = list(imported["appearances"])
        date = str(row["earliest"])[:10] if row["earliest"] is not None else None
    else:                      # our claim appeared in its source, on its date
        appearances = [str(row["sourceUrl"])] if row["sourceUrl"] is not None else []
        date = str(row["published"])[:10] if row["published"] is not None else None
    return markup.Item(author=author, date=date, appearances=appearances)


def _true(term) -> bool:
    """An OPTIONAL type match: bound means it has the type."""
    return term is not None


def check_markup(text: str) -> list[str]:
    """The problems of ClaimReview JSON-LD ``text`` against schema.org's definitions:
    every type and property must be a schema.org term (rdflib's ``SDO``, generated from
    schema.org's own vocabulary file), and the reviews must conform to
    ontologies/claimreview-shapes.ttl (schema.org's domains and expected types for the
    properties used, and Google's required ClaimReview fields), checked with pyshacl.
    An empty list means valid. Raises InputError for text that is not JSON-LD."""
    graph = load_graph(text, "ClaimReview markup")
    problems = []
    schema = str(SCHEMA)
    known = set(SDO.__annotations__)
    for _s, p, o in graph:
        for term in [p] + ([o] if p == RDF.type else []):
            if str(term).startswith(schema) and str(term)[len(schema):] not in known:
                problems.append(f"{str(term)[len(schema):]} is not a schema.org term")
            elif not str(term).startswith(schema) and term != RDF.type:
                problems.append(f"{term} is not schema.org vocabulary")
    if not list(graph.subjects(RDF.type, SCHEMA.ClaimReview)):
        problems.append("no ClaimReview in the markup")
    shapes = Graph().parse(data=CLAIMREVIEW_SHAPES.read_text(encoding="utf-8"), format="turtle")
    conforms, _count, report = validation.validate_graph(graph, shapes)
    if not conforms:
        messages = [line.strip()[len("Message:"):].strip() for line in report.splitlines()
                    if line.strip().startswith("Message:")]
        problems += messages or [report]
    return sorted(set(problems))


__all__ = ["check_markup", "export"]
