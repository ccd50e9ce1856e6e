"""Adding a claim from an article's text, and editing a claim (editors).

On an article page an editor selects words of the text; web/static/edit/select.js
computes the quote's selectors (TextQuote: exact, 32 characters of prefix and suffix;
TextPosition: start and end, in code points of the stored text) and opens the form of
templates/edit/_add_claim.html. Without JavaScript, ``GET /articles/<id>/claims/new``
renders the same form (``?start=&end=`` prefill the quote from the stored text).

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
"""
from __future__ import annotations

from flask import Blueprint, Flask, redirect, render_template, request, url_for
from rdflib import URIRef

from kb.errors import InputError, NotFound
from kb.model.claim import ClaimRecord
from kb.model.vocab import MODALITIES

from ..auth import current_user, requires
from ..context import get_kb
from ..errors import error_body
from ..forms import read_form
from ..forms.claim import FIELDS, MAX_LONG, MODALITY_CHOICES, VALUE_KINDS, build_record
from ..forms.selection import anchor_at
from ..presenters.claim_form import claim_fields
from ..render import wants_data

bp = Blueprint("edit", __name__)


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
        form = read_form(FIELDS)
        record = build_record(kb, article, form, version=(version, text))
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
        form = read_form(FIELDS)
        record = build_record(kb, article, form, version=(version, text),
                              claim_id=kb.iris.local_id(claim))
    except InputError as exc:
        return _render(article, meta, form, claim=claim, error=exc.message, status=400,
                       has_text=bool(text))
    record.extra = stored_record.extra
    kb.write_claims([record], user=current_user().name)
    return _done(record, created=False)


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
    if wants_data():
        if error is None:
            return {"ok": True, "form": form}, status
        return error_body(status, error), status
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
    if wants_data():
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
