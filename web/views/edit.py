"""Adding a claim from an article's text, and editing a claim (editors).

On an article page an editor selects words of the text; web/static/edit/select.js
computes the quote's selectors (TextQuote: exact, 32 characters of prefix and suffix;
TextPosition: start and end, in code points of the stored text) and opens the form of
templates/edit/_add_claim.html. Without JavaScript, ``GET /articles/<id>/claims/new``
renders the same form (``?start=&end=`` prefill the quote from the stored text;
``?suggestion=<id>``, a suggested claim's "Add as claim", prefills everything it read:
quote, modality, speaker, subject, property, value and time about).

``POST /articles/<id>/claims`` builds the ClaimRecord exactly as a claims file does
(web/forms/claim.py, on kb.ingest.claimsfile.parse_claim), after checking the
selectors against the stored text: the quote must be the text at [start, end)
(whitespace may differ); otherwise it is located again with kb.model.anchoring (prefix
and suffix choose among repeats), and a quote that is not in the text is refused. The
record is written with ``KnowledgeBase.write_claims`` (one atomic update), then the
browser goes to /claims/<id> (API clients get 201 and JSON). A problem re-renders the
form with the message and everything typed, and writes nothing.

``GET/POST /claims/<id>/edit`` rewrites a claim the same way; its id stays, and
write_claims replaces the old version atomically. The quote stays anchored in the text
version it was anchored in. The form is filled from the stored claim
(web/presenters/claim_form.py); metadata nodes the form does not know (a ClaimReview
and its rating) are carried over unchanged.

Names. As an editor types a subject, property, scope, speaker or entity value,
web/static/edit/names.js offers the existing resources (``GET /names/suggest?kind=&q=``,
JSON, public like every read page); without JavaScript each field's "find existing" link
opens the index page's search (/entities?q=…). Before writing, both POSTs resolve the
record's names (``KnowledgeBase.resolve_names``): an ambiguous name is a 400 listing the
candidates; a new name close to existing ones (a near-duplicate) writes nothing and
answers 409 — the form again, everything typed kept, each warning under its field with
a "Use this one" button per candidate (``use=<field>:<id>``: the form is submitted again
with the field naming that resource) and "Create it anyway" (``confirm_new``); API
clients get the warnings (``near_duplicates``) in the error body. 409 and not 200: the
request conflicts with what the KB holds, as a claim entered twice does, and a client that
only looks at the status must not take "nothing written" for success. After a save the
names resolved to existing resources are reported (a flash message; ``resolved`` in JSON).
"""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from rdflib import URIRef

from kb.errors import InputError, NotFound
from kb.model.claim import ClaimRecord
from kb.model.names import KINDS
from kb.model.vocab import MODALITIES
from kb.services.names import Resolution

from ..auth import current_user, requires
from ..context import get_kb
from ..errors import error_body
from ..forms import read_form
from ..forms.claim import (FIELDS, MAX_LONG, MODALITY_CHOICES, VALUE_KINDS,
                           build_record, confirm_token, confirmed, named_fields, use_candidate)
from ..forms.selection import anchor_at
from ..presenters.claim_form import claim_fields, created_anyway, name_warnings, suggestions
from ..presenters.suggestions import suggestion_fields
from ..render import wants_data
from .names import page_of

bp = Blueprint("edit", __name__)

SUGGESTIONS = 10        # at most this many suggestions for a name
MAX_SUGGEST_QUERY = 200


@bp.get("/articles/<article_id>/claims/new")
@requires("editor")
def new(article_id: str):
    """The claim form for an article; ``?start=&end=`` (or ``?quote=``) prefill the quote,
    ``?suggestion=<id>`` everything a suggested claim read (web/views/suggestions.py)."""
    kb = get_kb()
    article, meta = _article(article_id)
    version, text = kb.current_text(article)
    form = {"modality": "factual", "value_kind": "quantity"}
    error, status = None, 200
    args = request.args
    if args.get("suggestion"):
        # NotFound (→ 404) for an id the current text does not suggest
        result, suggested = kb.suggestion(str(article), args["suggestion"].strip())
        anchor = anchor_at(text, suggested.start, suggested.end)
        fields, notes = suggestion_fields(result, suggested, kb.iris.local_id)
        form.update(fields, quote=anchor.exact, quote_prefix=anchor.prefix,
                    quote_suffix=anchor.suffix, start=str(anchor.start), end=str(anchor.end))
        if not wants_data():
            for note in ["Prefilled from a suggested claim: check every field.", *notes]:
                flash(note)
    elif args.get("start") or args.get("end"):
        try:
            anchor = anchor_at(text, args.get("start"), args.get("end"))
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
        form = use_candidate(kb, read_form(FIELDS))
        record = build_record(kb, article, form, version=(version, text))
    except InputError as exc:
        return _render(article, meta, form, error=exc.message, status=400, has_text=bool(text))
    if kb.select("claim_exists.rq", claim=record.iri):
        # ids derive from the source, words, content and time: this claim is entered already
        ident = kb.iris.local_id(record.iri)
        return _render(article, meta, form, status=409, has_text=bool(text),
                       error=f"this claim is in the knowledge base already as {ident}: "
                             f"edit it at /claims/{ident}/edit")
    return _save(record, form, created=True,
                 again=lambda **kw: _render(article, meta, form, has_text=bool(text), **kw))


@bp.route("/claims/<claim_id>/edit", methods=["GET", "POST"])
@requires("editor")
def edit(claim_id: str):
    """The form for an existing claim; POST rewrites it (same id, one atomic update)."""
    kb = get_kb()
    claim = kb.claim_iri(claim_id)
    if kb.is_retracted(claim):
        raise InputError(f"claim {claim_id} was retracted; a retracted claim is kept as it was")
    stored_record = kb.reader.record(claim_id)
    article = stored_record.source
    meta = kb.article_metadata(article)
    if meta is None:
        raise NotFound(f"the source of claim {claim_id!r} is not an article in the KB")
    stored, version = claim_fields(stored_record, language=meta.language,
                                   local_id=kb.iris.local_id)
    text = kb.version_text(version) if version is not None else None
    if request.method == "GET":
        return _render(article, meta, stored, claim=claim, has_text=bool(text))
    form = stored
    try:
        form = use_candidate(kb, read_form(FIELDS))
        record = build_record(kb, article, form, version=(version, text),
                              claim_id=kb.iris.local_id(claim))
    except InputError as exc:
        return _render(article, meta, form, claim=claim, error=exc.message, status=400,
                       has_text=bool(text))
    record.extra = stored_record.extra
    return _save(record, form, created=False,
                 again=lambda **kw: _render(article, meta, form, claim=claim,
                                            has_text=bool(text), **kw))


@bp.get("/names/suggest")
def suggest():
    """Up to SUGGESTIONS existing resources of ``kind`` whose key, label or alias contains
    ``q`` (case, accents and dashes ignored), for the claim form's autocomplete: a JSON
    list of {id, label, aliases, wikidata, claims}. Bad input: 400, the one error shape,
    as JSON whatever the Accept header (this URL only ever answers data)."""
    kind = request.args.get("kind", "")
    query = request.args.get("q", "")
    if kind not in KINDS:
        return error_body(400, f"kind must be one of {', '.join(KINDS)}"), 400
    if len(query) > MAX_SUGGEST_QUERY:
        return error_body(400, f"q is longer than {MAX_SUGGEST_QUERY} characters"), 400
    listing = get_kb().entities.listing(kind, query=query.strip() or None, limit=SUGGESTIONS)
    return suggestions(listing["items"])


# ---------------------------------------------------------------------- names, then write

def _save(record: ClaimRecord, form: dict, *, created: bool, again):
    """Resolve ``record``'s names, then write it — unless a name is ambiguous (400) or a
    new one is a near-duplicate the form did not confirm (409): then ``again(**kw)``
    renders the form again, with the message or the warnings, and nothing is written."""
    kb = get_kb()
    fields = named_fields(record)
    try:
        resolution = kb.resolve_names([record])
    except InputError as exc:
        return again(error=exc.message, status=400)
    warnings = resolution.warnings
    if any(not confirmed(form, w.kind, w.name) for w in warnings):
        # all of them again (those confirmed before too): "Create it anyway" confirms
        # what the editor sees, no more and no less
        return again(status=409, resolution=resolution,
                     warnings=name_warnings(warnings, fields, kb.iris),
                     confirm="\n".join(confirm_token(w.kind, w.name) for w in warnings))
    (written,) = resolution.records
    kb.write_claims([written], user=current_user().name, resolved=True)
    return _done(written, created=created, resolution=resolution)


# ---------------------------------------------------------------------- responses

def _article(article_id: str) -> tuple[URIRef, object]:
    kb = get_kb()
    article = kb.iris.resolve("articles", article_id)
    meta = kb.article_metadata(article)
    if meta is None:
        raise NotFound(f"no article {article_id!r}")
    return article, meta


def _render(article: URIRef, meta, form: dict, *, claim: URIRef | None = None,
            error: str | None = None, status: int = 200, has_text: bool = True,
            warnings: list[dict] = (), confirm: str = "", resolution: Resolution | None = None):
    kb = get_kb()
    article_id = kb.iris.local_id(article)
    resolved = [r.message(kb.iris) for r in resolution.resolved] if resolution else []
    if warnings and error is None:
        said = "; ".join(w["text"] for w in warnings)
        error = (f"nothing was written: {said} — use the existing one (send its id as "
                 f"<field>_id), or create the new one anyway (confirm_new=1)" if wants_data()
                 else f"Nothing was saved yet: {said}. Use the existing one (“Use this one”), "
                      f"or “Create it anyway”.")
    if wants_data():
        if error is None:
            return {"ok": True, "form": form}, status
        body = error_body(status, error)
        if warnings:
            body.update(near_duplicates=warnings, resolved=resolved)
        return body, status
    action = (url_for("edit.edit", claim_id=kb.iris.local_id(claim))
              if claim is not None else url_for("edit.create", article_id=article_id))
    return render_template(
        "edit/form.html", claim_form=form, error=error, article=meta, article_id=article_id,
        article_iri=str(article), claim=str(claim) if claim else None,
        claim_id=kb.iris.local_id(claim) if claim else None,
        action=action, has_text=has_text, name_warnings=list(warnings), confirm_new=confirm,
        resolved_notes=resolved), status


def _done(record: ClaimRecord, *, created: bool, resolution: Resolution):
    kb = get_kb()
    claim_id = kb.iris.local_id(record.iri)
    location = f"/claims/{claim_id}"
    notes = [r.message(kb.iris) for r in resolution.resolved]
    if wants_data():
        body = {"ok": True, "id": claim_id, "claim": str(record.iri), "url": location,
                "resolved": notes,
                "near_duplicates": [w.as_dict(kb.iris) for w in resolution.warnings]}
        if record.anchor is not None:
            a = record.anchor
            body["quote"] = {"exact": a.exact, "prefix": a.prefix, "suffix": a.suffix,
                             "start": a.start, "end": a.end}
        return body, 201 if created else 200, {"Location": location}
    flash(f"Claim {claim_id} {'added' if created else 'saved'}.")
    for note in notes + created_anyway(resolution.warnings, kb.iris):
        flash(note)
    return redirect(location, 303)


def name_search(kind: str, text: str = "") -> str:
    """The index page of ``kind`` searched for ``text`` (a field's "find existing" link)."""
    return url_for("names.index", kind=kind, q=" ".join(text.split()) or None)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["claim_modalities"] = MODALITY_CHOICES
    app.jinja_env.globals["claim_value_kinds"] = VALUE_KINDS
    app.jinja_env.globals["name_search"] = name_search
    app.jinja_env.globals["name_page"] = page_of


assert set(MODALITIES) == {k for k, _ in MODALITY_CHOICES}
