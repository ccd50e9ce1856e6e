"""A stored claim as the claim form's fields (web/views/edit.py, the edit form): the
ClaimRecord the claim was written from (kb.records.claims.ClaimReader.record, the one
reader of the claim model), put back into the words an editor typed."""
from __future__ import annotations

from typing import Callable

from rdflib import URIRef

from kb.errors import InputError
from kb.model.claim import ClaimRecord, DateValue, EntitySetValue, EntityValue, Named, TextValue
from kb.model.dates import PDate
from kb.model.quantity import Quantity, parse_quantity
from kb.model.vocab import MODALITY_NAMES


def claim_fields(rec: ClaimRecord, *, language: str | None,
                 local_id: Callable[[URIRef], str | None]) -> tuple[dict, URIRef | None]:
    """(form fields, the text version its quote points into) of a stored claim:
    ``language`` is its article's (to read a quantity's unit as the editor would write
    it), ``local_id`` kb.iris.local_id. What the form does not show (a ClaimReview's
    review and rating) is ``rec.extra``, kept as it is when the claim is edited."""
    form: dict = {"modality": MODALITY_NAMES.get(rec.modality, "factual"),
                  "value_kind": "quantity"}
    if rec.published is not None:
        form["published"] = rec.published.isoformat()
    if rec.anchor is not None:
        a = rec.anchor
        form.update(quote=a.exact, quote_prefix=a.prefix, quote_suffix=a.suffix,
                    start=str(a.start), end=str(a.end))
    if rec.statement is not None and rec.statement != form.get("quote"):
        form["statement"] = rec.statement
    about = rec.about
    if about is not None:
        if about.text is not None:   # read from words ("since 1998", "yesterday"): the words
            form["about"] = about.text
        elif about.is_interval or about.open_start or about.open_end:
            form["about"] = f"{_iso(about.start)}/{_iso(about.end)}"
        else:
            form["about"] = _iso(about.start)
    named: dict[str, Named | None] = {"speaker": rec.speaker, "scope": rec.scope,
                                      "subject": rec.subject, "property": rec.predicate}
    value = rec.value
    if isinstance(value, EntitySetValue):
        form["value_kind"] = "entities"
        form["value"] = "; ".join(_label(m, local_id) for m in value.entities)
    elif isinstance(value, Quantity):
        form["value"] = value.surface
        try:
            same_unit = parse_quantity(value.surface, None, language=language).unit.code \
                == value.unit.code
        except InputError:
            same_unit = False
        if not same_unit:
            form["unit"] = value.unit.code
    elif isinstance(value, EntityValue):
        form["value_kind"] = "entity"
        named["value"] = value.entity
    elif isinstance(value, DateValue):
        form["value_kind"] = "date"
        form["value"] = value.date.isoformat()
    elif isinstance(value, TextValue):
        form["value_kind"] = "text"
        form["value"] = value.text
    for key, item in named.items():
        if item is None:
            continue
        form[key] = _label(item, local_id)
        form[f"{key}_was"] = form[key]
        local = local_id(item.iri)
        if local:
            form[f"{key}_id"] = local
        if item.wikidata and key in ("subject", "property", "value"):
            form[f"{key}_wikidata"] = item.wikidata
    return form, rec.source_version


def _label(item: Named, local_id: Callable[[URIRef], str | None]) -> str:
    return item.label or local_id(item.iri) or str(item.iri)


def _iso(date: PDate | None) -> str:
    return "" if date is None else date.isoformat()
