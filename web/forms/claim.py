"""The claim form (web/views/edit.py) → a ClaimRecord, exactly as a claims file makes
one (kb.ingest.claimsfile.parse_claim: value parsing, modality, speaker, dates, ids),
after checking the quote's selectors against the stored text (selection.py).

Names typed in the form (subject, property, scope, speaker, an entity value) reuse the
existing entity, property or person with exactly that label; else a new one is minted
from the label, as in a claims file. Every function raises InputError for what the form
cannot say.
"""
from __future__ import annotations

from rdflib import Literal, URIRef

from kb.errors import InputError
from kb.ingest.claimsfile import parse_claim
from kb.model.claim import ClaimRecord
from kb.model.iris import slugify
from kb.model.vocab import CKB, SCHEMA

from .selection import verified_anchor

MODALITY_CHOICES = (("factual", "factual"), ("event", "event"),
                    ("reported-speech", "reported speech"), ("opinion", "opinion"),
                    ("prediction", "prediction"))
VALUE_KINDS = (("quantity", "quantity (1,344 km · over 70% · more than a thousand)"),
               ("entity", "entity"), ("entities", "several entities (France; Germany; Italy)"),
               ("date", "date"), ("text", "text"))
# name → the rdf:type an existing resource of that name must have to be reused
NAMED_FIELDS = {"subject": CKB.Entity, "property": CKB.ClaimProperty, "scope": CKB.Entity,
                "speaker": SCHEMA.Person, "value": CKB.Entity}
FIELDS = ("quote", "quote_prefix", "quote_suffix", "start", "end", "statement",
          "subject", "subject_wikidata", "property", "property_wikidata",
          "value", "value_kind", "value_wikidata", "unit",
          "modality", "speaker", "about", "published", "scope",
          *(f"{n}_id" for n in NAMED_FIELDS), *(f"{n}_was" for n in NAMED_FIELDS))
LONG_FIELDS = {"quote", "statement", "quote_prefix", "quote_suffix"}
MAX_LONG = 20_000
MAX_SHORT = 500


def build_record(kb, article: URIRef, form: dict, *, version: tuple,
                 claim_id: str | None = None) -> ClaimRecord:
    """The ClaimRecord the form describes, on ``article``'s text ``version`` (its IRI
    and text). Raises InputError."""
    _check_lengths(form)
    version_iri, text = version
    where = "claim"
    quote = form.get("quote", "").strip()
    anchor = None
    if quote and text:
        anchor = verified_anchor(text, form)
    item: dict = {"article": str(article)}
    if quote:
        item["quote"] = quote
    if claim_id:
        item["id"] = claim_id
    for key in ("statement", "about", "published", "modality"):
        if form.get(key, "").strip():
            item[key] = form[key].strip()
    for key in ("subject", "property", "scope", "speaker"):
        spec = _named_spec(kb, form, key)
        if spec is not None:
            item[key] = spec
    value = _value_spec(kb, form)
    if value is not None:
        item["value"] = value
        if form.get("unit", "").strip() and (form.get("value_kind") or "quantity") == "quantity":
            item["unit"] = form["unit"].strip()
    return parse_claim(kb, item, where=where, anchor=anchor, version=(version_iri, text))


def _named_spec(kb, form: dict, name: str):
    """{"label":, "id":, "wikidata":} for a subject/property/scope/speaker/entity value;
    the bare label when that is all (then the derived claim id is the one the same claim
    gets from a claims file)."""
    label = " ".join(form.get(name, "").split())
    if not label:
        return None
    spec: dict = {"label": label}
    qid = form.get(f"{name}_wikidata", "").strip().upper()
    if qid:
        spec["wikidata"] = qid
    ident = form.get(f"{name}_id", "").strip()
    was = " ".join(form.get(f"{name}_was", "").split())
    if ident and (not was or was == label):
        # an explicit id (API), or the edit form's current resource, label unchanged
        spec["id"] = ident
    else:
        local = _existing_id(kb, label, NAMED_FIELDS[name])
        if local:
            spec["id"] = local
    if spec.get("id") == slugify(label):
        del spec["id"]  # the IRI the label mints anyway
    return spec if len(spec) > 1 else label


def _value_spec(kb, form: dict):
    text = form.get("value", "").strip()
    if not text:
        return None
    kind = form.get("value_kind") or "quantity"
    if kind == "quantity":
        return text
    if kind == "entity":
        return {"entity": _named_spec(kb, form, "value")}
    if kind == "entities":
        return {"entities": [_label_spec(kb, x) for x in text.split(";") if x.strip()]}
    if kind == "date":
        return {"date": text}
    if kind == "text":
        return {"text": text}
    raise InputError(f"unknown value kind {kind!r} (known: {', '.join(k for k, _ in VALUE_KINDS)})")


def _existing_id(kb, label: str, rdf_type) -> str | None:
    """The local id of a resource of that type that already has that label, if any."""
    existing = kb.select("named_by_label.rq", label=Literal(label), type=rdf_type, limit=1)
    return kb.iris.local_id(existing[0]["resource"]) if existing else None


def _label_spec(kb, label: str):
    """One member of a set of entities: its label, with the id of the entity that
    already has that label (so that saving a set again keeps its members' IRIs)."""
    label = " ".join(label.split())
    local = _existing_id(kb, label, CKB.Entity)
    return {"label": label, "id": local} if local and local != slugify(label) else label


def _check_lengths(form: dict) -> None:
    for key, value in form.items():
        limit = MAX_LONG if key in LONG_FIELDS else MAX_SHORT
        if len(value) > limit:
            raise InputError(f"{key} is longer than {limit} characters")
