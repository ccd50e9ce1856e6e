"""A stored claim as the claim form's fields (web/views/edit.py, the edit form): what a
claim's metadata and content graphs say, read back into the words an editor typed."""
from __future__ import annotations

from typing import Callable

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, TIME, XSD

from kb.errors import InputError
from kb.model.iris import META
from kb.model.quantity import parse_quantity
from kb.model.vocab import CKB, MODALITY_NAMES, OA, SCHEMA

PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")
# the metadata nodes claim_quads writes for a claim; any other node the claim owns (a
# ClaimReview, its rating) is kept as it is when the claim is edited
REGENERATED = ("", "#quote", "#quote-text", "#quote-position", "#about", "#about-start",
               "#about-end")


def claim_article(claim: URIRef, ds) -> URIRef | None:
    """The article a claim appears in (``ds``: kb.claim_dataset)."""
    return ds.graph(META).value(claim, SCHEMA.appearance)


def claim_fields(claim: URIRef, ds, *, language: str | None,
                 labels_of: Callable[[list], list], local_id: Callable
                 ) -> tuple[dict, URIRef | None, list]:
    """(form fields, text version, metadata quads to keep) of a stored claim: ``ds`` is
    kb.claim_dataset(claim), ``language`` its article's (to read a quantity's unit as the
    editor would write it), ``labels_of(iris)`` the rows of labels.rq for resources (a
    label, a sameAs), ``local_id`` kb.iris.local_id."""
    meta, content = ds.graph(META), ds.graph(claim)
    val = lambda s, p: meta.value(s, p)  # noqa: E731
    article = val(claim, SCHEMA.appearance)
    form: dict = {"modality": MODALITY_NAMES.get(val(claim, CKB.modality), "factual"),
                  "value_kind": "quantity"}
    statement = val(claim, SCHEMA.text)
    published = val(claim, SCHEMA.datePublished)
    if published is not None:
        form["published"] = str(published)
    version = None
    quote = val(claim, CKB.quote)
    if quote is not None:
        version = val(quote, OA.hasSource)
        for selector in meta.objects(quote, OA.hasSelector):
            for pred, key in ((OA.exact, "quote"), (OA.prefix, "quote_prefix"),
                              (OA.suffix, "quote_suffix"), (OA.start, "start"), (OA.end, "end")):
                if val(selector, pred) is not None:
                    form[key] = str(val(selector, pred))
    else:
        derived = val(claim, PROV_DERIVED)
        if derived is not None and derived != article:
            version = derived
    if statement is not None and str(statement) != form.get("quote"):
        form["statement"] = str(statement)
    about = val(claim, CKB.timeAbout)
    if about is not None:
        words = val(about, CKB.surfaceText)
        if words is not None:       # read from words ("since 1998", "yesterday"): the words
            form["about"] = str(words)
        elif (about, RDF.type, TIME.ProperInterval) in meta:
            form["about"] = f"{_instant(meta, val(about, TIME.hasBeginning))}/" \
                            f"{_instant(meta, val(about, TIME.hasEnd))}"
        else:
            form["about"] = _instant(meta, about)
    named = {"speaker": val(claim, CKB.speaker), "scope": val(claim, CKB.scope),
             "subject": val(claim, CKB.subject), "property": val(claim, CKB.property)}
    value = None
    members: list = []
    if named["subject"] is not None and named["property"] is not None:
        members = sorted(content.objects(named["subject"], named["property"]))
        value = members[0] if members else None
    if len(members) > 1:            # a set of entities
        form["value_kind"] = "entities"
        labels = _labels(members, labels_of)
        form["value"] = "; ".join(labels.get(m, (None, None))[0] or local_id(m) or str(m)
                                  for m in members)
    elif isinstance(value, URIRef) and (value, RDF.type, SCHEMA.QuantitativeValue) in content:
        surface = str(content.value(value, CKB.surfaceText) or "")
        form["value"] = surface
        code = content.value(value, SCHEMA.unitCode)
        try:
            same_unit = parse_quantity(surface, None, language=language).unit.code == str(code)
        except InputError:
            same_unit = False
        if code is not None and not same_unit:
            form["unit"] = str(code)
    elif isinstance(value, URIRef):
        form["value_kind"] = "entity"
        named["value"] = value
    elif isinstance(value, Literal):
        is_date = value.datatype in (XSD.date, XSD.gYearMonth, XSD.gYear)
        form["value_kind"] = "date" if is_date else "text"
        form["value"] = str(value)
    labels = _labels([iri for iri in named.values() if iri is not None], labels_of)
    for key, iri in named.items():
        if iri is None:
            continue
        label, qid = labels.get(iri, (None, None))
        form[key] = label or local_id(iri) or str(iri)
        form[f"{key}_was"] = form[key]
        local = local_id(iri)
        if local:
            form[f"{key}_id"] = local
        if qid and key in ("subject", "property", "value"):
            form[f"{key}_wikidata"] = qid
    regenerated = {URIRef(f"{claim}{suffix}") for suffix in REGENERATED}
    extra = [(s, p, o, META) for s, p, o in meta if s not in regenerated]
    return form, version, extra


def _instant(meta, node) -> str:
    for pred in (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear):
        value = meta.value(node, pred)
        if value is not None:
            return str(value)
    return ""


def _labels(iris: list[URIRef], labels_of) -> dict[URIRef, tuple[str | None, str | None]]:
    """IRI → (its label, its Wikidata id) from labels.rq's rows."""
    if not iris:
        return {}
    out: dict = {}
    for row in labels_of(iris):
        label, qid = out.get(row["resource"], (None, None))
        if row["label"] is not None and label is None:
            label = str(row["label"])
        same = str(row["same"]) if row["same"] is not None else ""
        if same.startswith(("http://www.wikidata.org/entity/", "http://www.wikidata.org/prop/direct/")):
            qid = same.rsplit("/", 1)[1]
        out[row["resource"]] = (label, qid)
    return out
