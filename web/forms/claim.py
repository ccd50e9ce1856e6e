"""The claim form (web/views/edit.py) → a ClaimRecord, exactly as a claims file makes
one (kb.ingest.claimsfile.parse_claim: value parsing, modality, speaker, dates, ids),
after checking the quote's selectors against the stored text (selection.py).

Names typed in the form (subject, property, scope, speaker, an entity value) are written
as labels, as in a claims file, and resolved when the view resolves the record
(kb.services.names: the same key, label or alias after normalisation is the existing
resource). An explicit ``<name>_id`` names the resource itself: the edit form's current
one while its label is unchanged (``<name>_was``), one chosen from the suggestions, or the
candidate of a near-duplicate warning the editor chose with "Use this one"
(``use=<field>:<id>``, ``use_candidate``). ``confirm_new`` ("1", or the warned names'
``confirm_token``s) lets near-duplicates be created anyway. Every function raises
InputError for what the form cannot say.
"""
from __future__ import annotations

from rdflib import URIRef

from kb.errors import InputError
from kb.ingest.claimsfile import parse_claim
from kb.model.claim import ClaimRecord, EntitySetValue, EntityValue
from kb.model.iris import slugify
from kb.model.names import KINDS

from .selection import verified_anchor

MODALITY_CHOICES = (("factual", "factual"), ("event", "event"),
                    ("reported-speech", "reported speech"), ("opinion", "opinion"),
                    ("prediction", "prediction"))
VALUE_KINDS = (("quantity", "quantity (1,344 km · over 70% · more than a thousand)"),
               ("entity", "entity"), ("entities", "several entities (France; Germany; Italy)"),
               ("date", "date"), ("text", "text"))
# a named field → the kind of resource it names (kb.model.names.KINDS)
NAMED_FIELDS = {"subject": "entities", "property": "properties", "scope": "entities",
                "speaker": "people", "value": "entities"}
FIELDS = ("quote", "quote_prefix", "quote_suffix", "start", "end", "statement",
          "subject", "subject_wikidata", "property", "property_wikidata",
          "value", "value_kind", "value_wikidata", "unit",
          "modality", "speaker", "about", "published", "scope",
          *(f"{n}_id" for n in NAMED_FIELDS), *(f"{n}_was" for n in NAMED_FIELDS),
          "use", "confirm_new")
LONG_FIELDS = {"quote", "statement", "quote_prefix", "quote_suffix", "confirm_new"}
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
        spec = _named_spec(form, key)
        if spec is not None:
            item[key] = spec
    value = _value_spec(form)
    if value is not None:
        item["value"] = value
        if form.get("unit", "").strip() and (form.get("value_kind") or "quantity") == "quantity":
            item["unit"] = form["unit"].strip()
    return parse_claim(kb, item, where=where, anchor=anchor, version=(version_iri, text))


def _named_spec(form: dict, name: str):
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
        # an explicit id (API, a suggestion, "Use this one"), or the edit form's current
        # resource while its label is unchanged
        spec["id"] = ident
    if spec.get("id") == slugify(label):
        del spec["id"]  # the IRI the label mints anyway
    return spec if len(spec) > 1 else label


def _value_spec(form: dict):
    text = form.get("value", "").strip()
    if not text:
        return None
    kind = form.get("value_kind") or "quantity"
    if kind == "quantity":
        return text
    if kind == "entity":
        return {"entity": _named_spec(form, "value")}
    if kind == "entities":
        return {"entities": members(text)}
    if kind == "date":
        return {"date": text}
    if kind == "text":
        return {"text": text}
    raise InputError(f"unknown value kind {kind!r} (known: {', '.join(k for k, _ in VALUE_KINDS)})")


def members(text: str) -> list[str]:
    """The members of a set of entities ("France; Germany; Italy"), whitespace tidied."""
    return [" ".join(x.split()) for x in text.split(";") if x.strip()]


# ---------------------------------------------------------------------- names

def named_fields(record: ClaimRecord) -> dict[str, list[str]]:
    """The IRI each named field of ``record`` (as built, before its names are resolved)
    minted → the fields that named it: which field a near-duplicate warning is about."""
    named = {"subject": record.subject, "property": record.predicate, "scope": record.scope,
             "speaker": record.speaker}
    if isinstance(record.value, EntityValue):
        named["value"] = record.value.entity
    out: dict[str, list[str]] = {}
    for name, item in named.items():
        if item is not None:
            out.setdefault(str(item.iri), []).append(name)
    if isinstance(record.value, EntitySetValue):
        for member in record.value.entities:
            out.setdefault(str(member.iri), []).append("value")
    return out


def confirm_token(kind: str, name: str) -> str:
    """What ``confirm_new`` carries to create the new ``kind`` named ``name`` anyway."""
    return f"{kind}:{' '.join(name.split()).casefold()}"


def confirmed(form: dict, kind: str, name: str) -> bool:
    """Whether the form confirms creating the new ``kind`` ``name`` despite its
    near-duplicates: ``confirm_new`` is "1" (all of them), or lists its token (the
    "Create it anyway" button lists the names it was shown next to, one a line, so that a
    name typed after the warning is not confirmed unseen)."""
    value = form.get("confirm_new", "").strip()
    return value == "1" or confirm_token(kind, name) in value.splitlines()


def use_candidate(kb, form: dict) -> dict:
    """The form with ``use`` ("<field>:<id>[:<name>]", a "Use this one" button) applied:
    the field names the existing resource <id> (its label, and its id in ``<field>_id``);
    in a set of entities the member <name> is replaced by the resource's label. Raises
    InputError for an unknown field or resource, NotFound never."""
    use = form.get("use", "").strip()
    if not use:
        return form
    field, _, rest = use.partition(":")
    ident, _, name = rest.partition(":")
    if field not in NAMED_FIELDS or not ident.strip():
        raise InputError(f"use must be <field>:<id> with a field among {', '.join(NAMED_FIELDS)}")
    kind = NAMED_FIELDS[field]
    row, _ = kb.names.candidates(kind, ident.strip())
    if row is None:
        raise InputError(f"no {KINDS[kind].singular} {ident.strip()!r} to use")
    label = row.label or kb.iris.local_id(URIRef(row.iri)) or row.iri
    local = kb.iris.local_id(URIRef(row.iri)) or row.iri
    form = {k: v for k, v in form.items() if k != "use"}
    if field == "value" and form.get("value_kind") == "entities":
        name = " ".join(name.split())
        form["value"] = "; ".join(label if m == name else m for m in members(form.get("value", "")))
        return form
    form.update({field: label, f"{field}_id": local, f"{field}_was": label})
    return form


def _check_lengths(form: dict) -> None:
    for key, value in form.items():
        limit = MAX_LONG if key in LONG_FIELDS else MAX_SHORT
        if len(value) > limit:
            raise InputError(f"{key} is longer than {limit} characters")
