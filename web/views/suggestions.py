"""Suggested claims in the web UI (issue #18; kb.services.suggestions, docs/extraction.md).

* ``GET /articles/<id>/suggestions`` (and ``.json``): every suggestion of the article's
  current text — quote, modality and its cue words, speaker, figures, times, subject and
  property candidates (the KB's linked to their pages, new labels marked "new"), score
  and reasons — and the notes on the whole text. ``?dismissed=1`` lists the dismissed
  ones too, with a Restore button. Public, like every read page; an article known by its
  metadata only is a 400 (kb's InputError), an unknown one a 404.
* ``POST /articles/<id>/suggestions/<sid>/dismiss`` and ``…/restore`` (editors; a CSRF
  token, or an API token): the suggestion is not suggested again / is again. A browser is
  sent back (303) to ``next`` (a path of this site) or the article page's panel, with a
  flash message; API clients get JSON. An unknown suggestion is a 404 (the text changed).

The article page (web/views/articles.py) shows the same suggestions as a panel
(templates/suggestions/_panel.html) and highlights their sentences in the text; "Add as
claim" opens the claim form prefilled from one (``/articles/<id>/claims/new?suggestion=
<sid>``, web/views/edit.py).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for

from kb.errors import InputError
from kb.model.text_normalisation import clip

from ..auth import current_user, requires, safe_next
from ..context import get_kb
from ..forms import read_form
from ..presenters.suggestions import suggestions_page
from ..render import PAGE_FORMATS, choose, respond, wants_data
from .names import page_of

bp = Blueprint("suggestions", __name__)

FLAGS = {"": False, "0": False, "1": True}


@bp.get("/articles/<article_id>/suggestions", defaults={"fmt": None})
@bp.get("/articles/<article_id>/suggestions.<fmt>")
def index(article_id: str, fmt):
    fmt = choose(fmt, PAGE_FORMATS)
    raw = request.args.get("dismissed", "").strip()
    if raw not in FLAGS:
        raise InputError(f"dismissed must be 1 or 0 (got {raw[:20]!r})")
    dismissed = FLAGS[raw]
    kb = get_kb()
    view = kb.article_view(article_id)          # NotFound → 404
    result = kb.suggest_claims(view["article"])  # InputError (no stored text) → 400
    ident = view["id"] or article_id
    data = suggestions_page(result, article_id=ident, dismissed=dismissed,
                            claim_spans=view["spans"], page_of=page_of)
    twins = {"json": url_for("suggestions.index", article_id=ident, fmt="json",
                             **({"dismissed": "1"} if dismissed else {}))}
    return respond(fmt, template="suggestions/index.html", data=data, twins=twins,
                   show_dismissed=dismissed, article=view)


@bp.post("/articles/<article_id>/suggestions/<sid>/dismiss")
@requires("editor")
def dismiss(article_id: str, sid: str):
    """Dismiss a suggestion: it is not suggested again (until restored)."""
    form = read_form(("next",))
    done = get_kb().dismiss_suggestion(article_id, sid, user=current_user().name)  # NotFound → 404
    return _done(article_id, sid, form, dismissed=True, quote=done.quote)


@bp.post("/articles/<article_id>/suggestions/<sid>/restore")
@requires("editor")
def restore(article_id: str, sid: str):
    """Suggest a dismissed suggestion again."""
    form = read_form(("next",))
    done = get_kb().restore_suggestion(article_id, sid)     # NotFound → 404
    return _done(article_id, sid, form, dismissed=False, quote=done.quote)


def _done(article_id: str, sid: str, form: dict, *, dismissed: bool, quote: str):
    if wants_data():
        return {"ok": True, "article": article_id, "id": sid, "dismissed": dismissed,
                "quote": quote, "url": url_for("suggestions.index", article_id=article_id)}
    flash(f"Suggestion {'dismissed' if dismissed else 'restored'}: “{clip(quote, 80)}”")
    back = form.get("next")
    target = (safe_next(back) if back
              else url_for("articles.show", ident=article_id, _anchor="suggestions"))
    return redirect(target, 303)
