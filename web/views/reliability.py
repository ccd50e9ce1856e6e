"""Publisher reliability ratings in the web UI (kb/services/reliability.py, docs/reliability.md).

* ``POST /publishers/<id>/ratings`` (annotator role, CSRF token): record the logged-in
  user's rating — form fields ``value`` (1–5), ``reason``, ``evidence`` (an http(s)
  URL), or the same as a JSON object. A browser is sent back (303) to the publisher
  page's ratings; an API client gets 201 and the rating as JSON. Bad input: the form
  again with the message and what was typed (400), or the app's JSON error.
* ``POST /publishers/<id>/ratings/withdraw`` (annotator, CSRF): withdraw the user's
  own current rating (kept in the history, marked withdrawn).
* ``GET /publishers/<id>/ratings.json``: every assessor's current rating and history
  (the data twin); ``GET /publishers/<id>/ratings`` without a suffix sends a browser
  to the ratings section of the publisher page.

The publisher page (templates/reliability/_ratings.html) and the claim page
(templates/reliability/_claim_ratings.html) show the ratings that their views
(web/views/entities.py, web/views/claims.py) read with ``publisher_ratings(iri)`` and
``claim_ratings(view)`` below and pass to the template as ``ratings``: templates do not
call the kb.
"""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, url_for

from kb.services import reliability
from kb.errors import InputError, KBError

from ..auth import current_user, requires
from ..context import get_kb
from ..forms import read_form
from ..render import choose, wants_data

bp = Blueprint("reliability", __name__)

FIELDS = ("value", "reason", "evidence")


def _publisher(publisher_id: str):
    """(IRI, name, local id) of the publisher in the URL. Raises NotFound."""
    kb = get_kb()
    iri, name = kb.reliability.publisher_iri(kb.iris.resolve("publishers", publisher_id))
    return iri, name, kb.iris.local_id(iri) or publisher_id


@bp.get("/publishers/<publisher_id>/ratings", defaults={"fmt": None})
@bp.get("/publishers/<publisher_id>/ratings.<fmt>")
def index(publisher_id: str, fmt):
    fmt = choose(fmt)
    iri, _name, ident = _publisher(publisher_id)
    if fmt == "json":
        return get_kb().reliability.assessments(iri).as_dict()
    return redirect(url_for("entities.publisher", ident=ident) + "#ratings")


@bp.post("/publishers/<publisher_id>/ratings")
@requires("annotator")
def create(publisher_id: str):
    """Record the user's rating of the publisher (form fields or a JSON object)."""
    iri, name, ident = _publisher(publisher_id)
    form: dict = {}
    try:
        form = read_form(FIELDS, numbers=True)
        done = get_kb().reliability.rate(iri, user=current_user(), value=form.get("value", ""),
                                reason=form.get("reason", ""), evidence=form.get("evidence", ""))
    except InputError as exc:
        if wants_data():
            raise
        return render_template("reliability/form.html", error=exc.message, rating_form=form,
                               publisher_name=name or ident, publisher_id=ident), 400
    location = url_for("reliability.index", publisher_id=ident, fmt="json")
    if wants_data():
        return {"ok": True, "rating": done.as_dict(), "url": location}, 201, {"Location": location}
    flash(f"your rating of {name or ident} is recorded: {done.value}/{done.best} ({done.level})")
    return redirect(url_for("entities.publisher", ident=ident) + "#ratings", 303)


@bp.post("/publishers/<publisher_id>/ratings/withdraw")
@requires("annotator")
def withdraw(publisher_id: str):
    """Withdraw the user's own current rating of the publisher."""
    kb = get_kb()
    iri, name, ident = _publisher(publisher_id)
    found = kb.reliability.current(iri, current_user())
    if found is None:
        raise InputError(f"you have no current rating of {name or ident} to withdraw")
    done = kb.reliability.withdraw(found.iri, user=current_user())
    if wants_data():
        return {"ok": True, "rating": done.as_dict()}, 200
    flash(f"your rating of {name or ident} is withdrawn (it stays in the history)")
    return redirect(url_for("entities.publisher", ident=ident) + "#ratings", 303)


# ---------------------------------------------------------------------- for other pages

def publisher_ratings(publisher: str | None):
    """kb.reliability.Ratings of a publisher IRI, for its page; None when unknown."""
    if not publisher:
        return None
    try:
        return get_kb().reliability.assessments(publisher)
    except KBError:
        return None


def claim_ratings(view: dict | None):
    """The ratings of a claim's publisher, for the claim's page, from the claim's view
    (KnowledgeBase.claim_view: its ``publisher_iri`` and name); None when it has none."""
    if not view or not view.get("publisher_iri"):
        return None
    try:
        return get_kb().reliability.for_publisher(view["publisher_iri"], view.get("publisher"))
    except KBError:
        return None


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(reliability_scale=reliability.scale)


__all__ = ["bp", "init_app", "publisher_ratings", "claim_ratings"]
