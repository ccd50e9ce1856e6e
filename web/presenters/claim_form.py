"""A stored claim as the claim form's fields (web/views/edit.py, the edit form): the
ClaimRecord the claim was written from (kb.records.claims.ClaimReader.record, the one
reader of the claim model), put back into the words an editor typed. And the form's
names: the autocomplete's suggestions, and the near-duplicate warnings shown before
anything is saved."""
from __future__ import annotations

from typing import Callable

from rdflib import URIRef

from kb.errors import InputError
from kb.model.claim import ClaimRecord, DateValue, EntitySetValue, EntityValue, Named, TextValue
from kb.model.dates import PDate
from kb.model.iris import Minter
from kb.model.names import KINDS
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


# ---------------------------------------------------------------------- names

def suggestions(items: list[dict]) -> list[dict]:
    """The autocomplete's answer (GET /names/suggest): kb.entities.listing's items as
    {id, label, aliases, wikidata, claims} (the label is the id when there is none)."""
    return [{"id": i["id"], "label": i["label"] or i["id"], "aliases": list(i["aliases"]),
             "wikidata": list(i["wikidata"]), "claims": i["claims"]} for i in items]


def name_warnings(warnings, fields_by_iri: dict[str, list[str]], iris: Minter) -> list[dict]:
    """kb.services.names.NearDuplicate warnings as the form shows them: one per field the
    name was typed in (``fields_by_iri``: web.forms.claim.named_fields), with its kind's
    singular ("entity") and the candidates (id, label, score, reason)."""
    out = []
    for w in warnings:
        data = w.as_dict(iris)
        for field in dict.fromkeys(fields_by_iri.get(w.iri) or [None]):
            out.append({**data, "field": field, "singular": KINDS[w.kind].singular,
                        "text": near_text(data, KINDS[w.kind].singular)})
    return out


def near_text(warning: dict, singular: str) -> str:
    """"new entity ‘afghan-tajik-bordr’ looks like existing: Afghanistan–Tajikistan border
    (afghan-tajik-border)"."""
    return f"new {singular} ‘{warning['name']}’ looks like existing: {_existing(warning)}"


def created_anyway(warnings, iris: Minter) -> list[str]:
    """What a save that confirmed near-duplicates created: "created the new entity 'x'
    anyway (it looks like existing: …)"."""
    return [f"created the new {KINDS[w.kind].singular} ‘{w.name}’ anyway (it looks like "
            f"existing: {_existing(w.as_dict(iris))})" for w in warnings]


def _existing(warning: dict) -> str:
    return "; ".join(f"{c['label'] or c['id']} ({c['id']})" for c in warning["candidates"])
