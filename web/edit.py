"""Adding a claim from an article's text, and editing a claim (editors).

On an article page an editor selects words of the text; web/static/edit/select.js
computes the quote's selectors (TextQuote: exact, 32 characters of prefix and suffix;
TextPosition: start and end, in code points of the stored text) and opens the form of
templates/edit/_add_claim.html. Without JavaScript, ``GET /articles/<id>/claims/new``
renders the same form (``?start=&end=`` prefill the quote from the stored text).

``POST /articles/<id>/claims`` builds the ClaimRecord exactly as a claims file does
(kb.claimsfile.parse_claim: value parsing, modality, speaker, dates, ids), after
checking the selectors against the stored text: the quote must be the text at
[start, end) (whitespace may differ); otherwise it is located again with kb.anchoring
(prefix and suffix choose among repeats), and a quote that is not in the text is
refused. The record is written with ``KnowledgeBase.write_claims`` (one atomic
update), then the browser goes to /claims/<id> (API clients get 201 and JSON). A
problem re-renders the form with the message and everything typed, and writes nothing.

``GET/POST /claims/<id>/edit`` rewrites a claim the same way; its id stays, and
write_claims replaces the old version atomically. The quote stays anchored in the text
version it was anchored in. Metadata nodes the form does not know (a ClaimReview and
its rating) are carried over unchanged.

Names typed in the form (subject, property, scope, speaker, an entity value) reuse the
existing entity, property or person with exactly that label; else a new one is minted
from the label, as in a claims file.
"""
from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from rdflib import Literal, URIRef
from werkzeug.http import HTTP_STATUS_CODES
from rdflib.namespace import RDF, TIME, XSD

from kb.model.anchoring import CONTEXT, Anchor, locate
from kb.ingest.claimsfile import parse_claim
from kb.errors import InputError, NotFound
from kb.model.iris import META, slugify
from kb.knowledgebase import MODALITY_NAMES
from kb.model.claim import ClaimRecord
from kb.model.quantity import parse_quantity
from kb.model.vocab import CKB, MODALITIES, OA, SCHEMA

from .auth import api_client, current_user, requires
from .context import get_kb
from .forms import read_form

bp = Blueprint("edit", __name__)

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

# the metadata nodes claim_quads writes for a claim; any other node the claim owns (a
# ClaimReview, its rating) is kept as it is when the claim is edited
_REGENERATED = ("", "#quote", "#quote-text", "#quote-position", "#about", "#about-start",
                "#about-end")


# ---------------------------------------------------------------------- routes

@bp.get("/articles/<article_id>/claims/new")
@requires("editor")
def new(article_id: str):
    """The claim form for an article; ``?start=&end=`` (or ``?quote=``) prefill the quote."""
    kb = get_kb()
    article, meta = _article(article_id)
    version, text = kb.current_text(article)
    form = {"modality": "factual", "value_kind": "quantity"}
    error, status = None, 200
    args = request.args
    if args.get("start") or args.get("end"):
        try:
            anchor = _anchor_at(text, args.get("start"), args.get("end"))
            form.update(quote=anchor.exact, quote_prefix=anchor.prefix,
                        quote_suffix=anchor.suffix, start=str(anchor.start), end=str(anchor.end))
        except InputError as exc:
            error, status = exc.message, 400
    elif args.get("quote"):
        form["quote"] = args["quote"][:MAX_LONG]
    return _render(article, meta, form, error=error, status=status, has_text=bool(text))


@bp.post("/articles/<article_id>/claims")
@requires("editor")
def create(article_id: str):
    """Create a claim from the form (or a JSON object with the same fields)."""
    kb = get_kb()
    article, meta = _article(article_id)
    version, text = kb.current_text(article)
    form: dict = {}
    try:
        form = read_form(FIELDS)
        record = build_record(article, form, version=(version, text))
    except InputError as exc:
        return _render(article, meta, form, error=exc.message, status=400, has_text=bool(text))
    if kb.select("claim_exists.rq", claim=record.iri):
        # ids derive from the source, words, content and time: this claim is entered already
        ident = kb.iris.local_id(record.iri)
        return _render(article, meta, form, status=409, has_text=bool(text),
                       error=f"this claim is in the knowledge base already as {ident}: "
                             f"edit it at /claims/{ident}/edit")
    kb.write_claims([record], user=current_user().name)
    return _done(record, created=True)


@bp.route("/claims/<claim_id>/edit", methods=["GET", "POST"])
@requires("editor")
def edit(claim_id: str):
    """The form for an existing claim; POST rewrites it (same id, one atomic update)."""
    kb = get_kb()
    claim = kb.claim_iri(claim_id)
    if kb.is_retracted(claim):
        raise InputError(f"claim {claim_id} was retracted; a retracted claim is kept as it was")
    stored, article, version, extra = _claim_form(claim)
    meta = kb.article_metadata(article) if article is not None else None
    if article is None or meta is None:
        raise NotFound(f"the source of claim {claim_id!r} is not an article in the KB")
    text = kb.version_text(version) if version is not None else None
    if request.method == "GET":
        return _render(article, meta, stored, claim=claim, has_text=bool(text))
    form = stored
    try:
        form = read_form(FIELDS)
        record = build_record(article, form, version=(version, text),
                              claim_id=kb.iris.local_id(claim))
    except InputError as exc:
        return _render(article, meta, form, claim=claim, error=exc.message, status=400,
                       has_text=bool(text))
    record.extra = extra
    kb.write_claims([record], user=current_user().name)
    return _done(record, created=False)


# ---------------------------------------------------------------------- building

def build_record(article: URIRef, form: dict, *, version: tuple, claim_id: str | None = None
                 ) -> ClaimRecord:
    """The ClaimRecord the form describes (kb.claimsfile.parse_claim). Raises InputError."""
    kb = get_kb()
    _check_lengths(form)
    version_iri, text = version
    where = "claim"
    quote = form.get("quote", "").strip()
    anchor = None
    if quote and text:
        anchor = _verified_anchor(text, form)
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
        # an explicit id (API), or the edit form's current resource, label unchanged
        spec["id"] = ident
    else:
        local = _existing_id(label, NAMED_FIELDS[name])
        if local:
            spec["id"] = local
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
        return {"entities": [_label_spec(x) for x in text.split(";") if x.strip()]}
    if kind == "date":
        return {"date": text}
    if kind == "text":
        return {"text": text}
    raise InputError(f"unknown value kind {kind!r} (known: {', '.join(k for k, _ in VALUE_KINDS)})")


def _existing_id(label: str, rdf_type) -> str | None:
    """The local id of a resource of that type that already has that label, if any."""
    existing = get_kb().select("named_by_label.rq", label=Literal(label), type=rdf_type, limit=1)
    return get_kb().iris.local_id(existing[0]["resource"]) if existing else None


def _label_spec(label: str):
    """One member of a set of entities: its label, with the id of the entity that
    already has that label (so that saving a set again keeps its members' IRIs)."""
    label = " ".join(label.split())
    local = _existing_id(label, CKB.Entity)
    return {"label": label, "id": local} if local and local != slugify(label) else label


def _int(raw, name: str) -> int:
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a whole number, got {str(raw)[:40]!r}") from None


def _anchor_at(text: str | None, start_raw, end_raw) -> Anchor:
    """The selectors of text[start:end]. Raises InputError when they are not usable."""
    if not text:
        raise InputError("this article has no stored text to quote from; write the claim "
                         "in 'statement' instead")
    if start_raw in (None, "") or end_raw in (None, ""):
        raise InputError("give both start and end of the selection")
    start, end = _int(start_raw, "start"), _int(end_raw, "end")
    if not 0 <= start < end <= len(text):
        raise InputError(f"the selection {start}–{end} is outside the article text "
                         f"(0–{len(text)} characters) or empty")
    return Anchor(exact=text[start:end], prefix=text[max(0, start - CONTEXT):start],
                  suffix=text[end:end + CONTEXT], start=start, end=end)


def _verified_anchor(text: str, form: dict) -> Anchor:
    """The quote's selectors, checked against ``text``.

    With start/end: the text there must be the quote (whitespace may differ); if it is
    not (the selection went stale, or was made on other text), the quote is located
    again. Without: the quote is located (prefix/suffix choose among repeats).
    Raises InputError for a selection outside the text, or a quote not in it.
    """
    quote = form["quote"].strip()
    if form.get("start", "").strip() or form.get("end", "").strip():
        anchor = _anchor_at(text, form.get("start"), form.get("end"))
        if anchor.exact == quote or anchor.exact.split() == quote.split():
            return anchor
    return locate(text, quote, prefix=form.get("quote_prefix") or None,
                  suffix=form.get("quote_suffix") or None)


def _check_lengths(form: dict) -> None:
    for key, value in form.items():
        limit = MAX_LONG if key in LONG_FIELDS else MAX_SHORT
        if len(value) > limit:
            raise InputError(f"{key} is longer than {limit} characters")


# ---------------------------------------------------------------------- reading a claim

def _claim_form(claim: URIRef) -> tuple[dict, URIRef | None, URIRef | None, list]:
    """(form fields, article, text version, metadata quads to keep) of a stored claim."""
    kb = get_kb()
    ds = kb.claim_dataset(claim)
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
        derived = val(claim, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
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
        labels = _labels(members)
        form["value"] = "; ".join(labels.get(m, (None, None))[0] or kb.iris.local_id(m) or str(m)
                                  for m in members)
    elif isinstance(value, URIRef) and (value, RDF.type, SCHEMA.QuantitativeValue) in content:
        surface = str(content.value(value, CKB.surfaceText) or "")
        form["value"] = surface
        code = content.value(value, SCHEMA.unitCode)
        language = kb.article_metadata(article).language if article is not None else None
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
    labels = _labels([iri for iri in named.values() if iri is not None])
    for key, iri in named.items():
        if iri is None:
            continue
        label, qid = labels.get(iri, (None, None))
        form[key] = label or kb.iris.local_id(iri) or str(iri)
        form[f"{key}_was"] = form[key]
        local = kb.iris.local_id(iri)
        if local:
            form[f"{key}_id"] = local
        if qid and key in ("subject", "property", "value"):
            form[f"{key}_wikidata"] = qid
    regenerated = {URIRef(f"{claim}{suffix}") for suffix in _REGENERATED}
    extra = [(s, p, o, META) for s, p, o in meta if s not in regenerated]
    return form, article, version, extra


def _instant(meta, node) -> str:
    for pred in (TIME.inXSDDate, TIME.inXSDgYearMonth, TIME.inXSDgYear):
        value = meta.value(node, pred)
        if value is not None:
            return str(value)
    return ""


def _labels(iris: list[URIRef]) -> dict[URIRef, tuple[str | None, str | None]]:
    if not iris:
        return {}
    out: dict = {}
    for row in get_kb().select("labels.rq", resource=iris):
        label, qid = out.get(row["resource"], (None, None))
        if row["label"] is not None and label is None:
            label = str(row["label"])
        same = str(row["same"]) if row["same"] is not None else ""
        if same.startswith(("http://www.wikidata.org/entity/", "http://www.wikidata.org/prop/direct/")):
            qid = same.rsplit("/", 1)[1]
        out[row["resource"]] = (label, qid)
    return out


# ---------------------------------------------------------------------- responses

def _article(article_id: str) -> tuple[URIRef, object]:
    kb = get_kb()
    article = kb.iris.resolve("articles", article_id)
    meta = kb.article_metadata(article)
    if meta is None:
        raise NotFound(f"no article {article_id!r}")
    return article, meta


def _render(article: URIRef, meta, form: dict, *, claim: URIRef | None = None,
            error: str | None = None, status: int = 200, has_text: bool = True):
    kb = get_kb()
    article_id = kb.iris.local_id(article)
    if api_client():
        if error is None:
            return {"ok": True, "form": form}, status
        return {"ok": False, "status": status, "title": HTTP_STATUS_CODES[status],
                "error": error}, status
    action = (url_for("edit.edit", claim_id=kb.iris.local_id(claim))
              if claim is not None else url_for("edit.create", article_id=article_id))
    return render_template(
        "edit/form.html", claim_form=form, error=error, article=meta, article_id=article_id,
        article_iri=str(article), claim=str(claim) if claim else None,
        claim_id=kb.iris.local_id(claim) if claim else None,
        action=action, has_text=has_text), status


def _done(record: ClaimRecord, *, created: bool):
    kb = get_kb()
    claim_id = kb.iris.local_id(record.iri)
    location = f"/claims/{claim_id}"
    if api_client():
        body = {"ok": True, "id": claim_id, "claim": str(record.iri), "url": location}
        if record.anchor is not None:
            a = record.anchor
            body["quote"] = {"exact": a.exact, "prefix": a.prefix, "suffix": a.suffix,
                             "start": a.start, "end": a.end}
        return body, 201 if created else 200, {"Location": location}
    return redirect(location, 303)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["claim_modalities"] = MODALITY_CHOICES
    app.jinja_env.globals["claim_value_kinds"] = VALUE_KINDS


assert set(MODALITIES) == {k for k, _ in MODALITY_CHOICES}
