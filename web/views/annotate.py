"""Annotating in the web UI (issue #5): the HTML side of W3C Web Annotations.

On an article page a user with the annotator role selects words of the text;
static/selection.js computes the selectors (TextQuote: exact, 32 characters of prefix
and suffix; TextPosition: start, end, in code points of the stored text) and
static/annotate/annotate.js fills them into the "Annotate" form of
templates/annotate/_panel.html. Without JavaScript the same form is there, open: type
(or paste) the quote and the server finds it in the text.

Routes (all POST forms with a CSRF token; API clients may send the same fields as
JSON and get JSON back; the W3C protocol itself is web/views/annotations_api.py):

* ``POST /articles/<id>/annotations``: annotate a passage of the article's current text
  (quote, quote_prefix, quote_suffix, start, end, motivation, comment, tags);
* ``POST /claims/<id>/annotations``, ``POST /publishers/<id>/annotations``: a note
  on a claim or a publisher as a whole (motivation, comment, tags);
* ``POST /annotations/<id>/reply`` (comment), ``/edit`` (comment, tags, motivation,
  etag), ``/delete`` (etag).

Every route needs the annotator role (web/auth.py); kb.annotations checks that only an
annotation's creator (or an admin) edits or deletes it (PermissionDenied → 403). A
browser is sent back (303) to the page it came from (``next``, a path on this site) with
a flash message; a problem with the input re-renders the form with the message and
what was typed (400) and writes nothing. The form's fields become an annotation in
web/forms/annotation.py.

The article, claim and publisher pages get their annotations from
web/presenters/annotations.py (``article_panel``, ``notes_on``): the annotations
anchored in the current text (highlighted in it by web/filters.highlight_spans, as
<mark class="anno-span">), the ones that could not be re-anchored after the text
changed (orphans), replies threaded under each, and filters by motivation, tag and
author as query parameters (``?motivation=&tag=&author=``).
"""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for

from kb.errors import InputError, NotFound

from ..auth import current_user, requires, safe_next
from ..context import get_kb
from ..errors import error_body
from ..forms import read_form
from ..forms.annotation import FIELDS, build_doc, edited_doc, reply_doc
from ..presenters.annotations import MOTIVATION_LABELS, card, page_of
from ..render import wants_data
from ..vocabulary import MOTIVATIONS

bp = Blueprint("annotate", __name__)


@bp.post("/articles/<article_id>/annotations")
@requires("annotator")
def create(article_id: str):
    """Annotate a passage of the article's current text."""
    kb = get_kb()
    article = _article(article_id)
    _version, text = kb.current_text(article)
    form = read_form(FIELDS)
    back = _next(form, url_for("articles.show", ident=article_id))
    try:
        doc = build_doc(str(article), form, text=text)
    except InputError as exc:
        return _form_error(exc.message, form, action=request.path, back=back,
                           title=f"Annotate {article_id}", with_quote=True)
    annotation = kb.annotations.create(doc, user=current_user().name)
    return _done(annotation, back, "annotation added", created=True)


@bp.post("/claims/<claim_id>/annotations")
@requires("annotator")
def create_on_claim(claim_id: str):
    """A note on a claim as a whole."""
    claim = get_kb().claim_iri(claim_id)     # NotFound → 404
    return _create_on(str(claim), url_for("claims.show", ident=claim_id), f"claim {claim_id}")


@bp.post("/publishers/<publisher_id>/annotations")
@requires("annotator")
def create_on_publisher(publisher_id: str):
    """A note on a publisher as a whole."""
    kb = get_kb()
    publisher = kb.iris.resolve("publishers", publisher_id)
    try:
        kb.describe(publisher)
    except NotFound:
        raise NotFound(f"no publisher {publisher_id!r}") from None
    return _create_on(str(publisher), url_for("entities.publisher", ident=publisher_id),
                      f"publisher {publisher_id}")


@bp.post("/annotations/<annotation_id>/reply")
@requires("annotator")
def reply(annotation_id: str):
    """Reply to an annotation (or to a reply)."""
    kb = get_kb()
    parent = kb.annotations.get(annotation_id)        # NotFound/Gone → 404/410
    form = read_form(FIELDS)
    back = _next(form, _page_of(parent))
    try:
        doc = reply_doc(str(parent.iri), (form.get("comment") or "").strip())
    except InputError as exc:
        return _form_error(exc.message, form, action=request.path, back=back,
                           title="Reply to an annotation", reply_to=_card(parent))
    annotation = kb.annotations.create(doc, user=current_user().name)
    return _done(annotation, back, "reply added", created=True)


@bp.post("/annotations/<annotation_id>/edit")
@requires("annotator")
def edit(annotation_id: str):
    """Change the comment, tags or motivation of one's own annotation (its target
    stays). ``etag`` (the one the form was made from) refuses a stale edit (412)."""
    kb = get_kb()
    old = kb.annotations.get(annotation_id)
    form = read_form(FIELDS)
    back = _next(form, _page_of(old))
    try:
        doc = edited_doc(old, form)
    except InputError as exc:
        return _form_error(exc.message, form, action=request.path, back=back,
                           title="Edit an annotation", editing=_card(old))
    user = current_user()
    annotation = kb.annotations.update(annotation_id, doc, user=user.name,
                                       is_admin=user.can("admin"),
                                       if_match=form.get("etag") or None)
    return _done(annotation, back, "annotation changed", created=False)


@bp.post("/annotations/<annotation_id>/delete")
@requires("annotator")
def delete(annotation_id: str):
    """Delete one's own annotation (its history is kept)."""
    kb = get_kb()
    old = kb.annotations.get(annotation_id)
    form = read_form(FIELDS)
    back = _next(form, _page_of(old))
    user = current_user()
    kb.annotations.delete(annotation_id, user=user.name, is_admin=user.can("admin"),
                          if_match=form.get("etag") or None)
    if wants_data():
        return {"ok": True, "id": annotation_id, "deleted": True}
    flash("annotation deleted")
    return redirect(_strip_fragment(back), 303)


def _create_on(target: str, page: str, what: str):
    form = read_form(FIELDS)
    back = _next(form, page)
    try:
        doc = build_doc(target, form, text=None)
    except InputError as exc:
        return _form_error(exc.message, form, action=request.path, back=back,
                           title=f"A note on {what}")
    annotation = get_kb().annotations.create(doc, user=current_user().name)
    return _done(annotation, back, "annotation added", created=True)


# ---------------------------------------------------------------------- responses

def _article(article_id: str):
    kb = get_kb()
    article = kb.iris.resolve("articles", article_id)
    if kb.article_metadata(article) is None:
        raise NotFound(f"no article {article_id!r}")
    return article


def _page_of(annotation) -> str:
    kb = get_kb()
    return page_of(annotation, kb.annotations, base_iri=kb.settings.base_iri)


def _card(annotation) -> dict:
    return card(annotation, base_iri=get_kb().settings.base_iri, user=current_user())


def _next(form: dict, default: str) -> str:
    target = form.get("next")
    return safe_next(target) if target else default


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _done(annotation, back: str, message: str, *, created: bool):
    if wants_data():
        body = {"ok": True, "id": annotation.id, "annotation": str(annotation.iri),
                "url": f"/annotations/{annotation.id}", "etag": annotation.etag}
        return body, 201 if created else 200, {"Location": f"/annotations/{annotation.id}"}
    flash(message)
    return redirect(f"{_strip_fragment(back)}#annotation-{annotation.id}", 303)


def _form_error(message: str, form: dict, *, action: str, back: str, title: str,
                with_quote: bool = False, reply_to: dict | None = None,
                editing: dict | None = None):
    """400: the form again, with the message and what was typed."""
    if wants_data():
        return error_body(400, message), 400
    return render_template("annotate/form.html", error=message, form=form, action=action,
                           back=_strip_fragment(back), title=title, with_quote=with_quote,
                           reply_to=reply_to, editing=editing), 400


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["annotation_motivations"] = MOTIVATIONS
    app.jinja_env.globals["annotation_motivation_labels"] = MOTIVATION_LABELS
