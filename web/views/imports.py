"""Importing from the browser (issue #17 item 4): what ``claimkb import-article`` and
``claimkb import`` do, for editors, without the command line — which cannot even run
while this process holds the embedded store, so the work is done here, in-process,
through the KnowledgeBase facade.

* ``GET /import`` (and ``.json``): the two forms, each a multipart POST with the CSRF
  token (API clients: ``Authorization: Bearer`` of an editor, the same fields).
* ``POST /import/article``: an article from a URL (``source_url``, downloaded through
  kb.ingest.fetch's SSRF guard: http(s) only, public addresses only unless the
  ``fetch_local_addresses`` setting says otherwise, every redirect checked, time and
  size limits) or an uploaded .html/.htm/.xhtml/.txt file (``file``), with the CLI's
  overrides (``url``, ``id``, ``title``, ``publisher``, ``authors`` separated by ``;``,
  ``published``, ``language``, ``type``, ``format``). The same text again changes
  nothing, a changed text becomes a new version. A browser is sent (303) to the
  article's page with a flash message that links to its suggested claims; API clients
  get JSON (201 for a new article, else 200).
* ``POST /import/claims``: an uploaded claims YAML, TriG, N-Quads or ClaimReview JSON-LD
  file (``file``; ``format``, else by extension; ``strict`` as ``claimkb import
  --strict``), checked completely and written in one transaction. The page shows what
  was written; API clients get the report as JSON.

A problem (bad input, a refused URL, a malformed file: kb's InputError) writes nothing
and shows the page again with the CLI's error text — ``<file:line or claim>: <what>``
— and everything typed (a browser cannot refill a file field), status 400; API clients
get the one error shape. A body over ``max_request_bytes`` is a 413 (web/errors.py).

``FETCH_ALLOW`` in the app's config ("ip:port" addresses a download may reach even
when they are local) is a seam for tests, as kb.ingest.articles.fetch's ``allow``:
nothing outside code sets it.
"""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from markupsafe import Markup

from kb.errors import InputError
from kb.model.dates import parse_date
from kb.model.urls import check_url

from ..auth import current_user, requires
from ..context import get_kb, get_settings
from ..forms import read_form
from ..presenters.imports import article_result, import_page, report_view
from ..render import PAGE_FORMATS, choose, respond, wants_data

bp = Blueprint("imports", __name__)

ARTICLE_FIELDS = ("source_url", "url", "id", "title", "publisher", "authors", "published",
                  "language", "type", "format")
CLAIMS_FIELDS = ("format", "strict")
MAX_FIELD = 2000          # characters of one typed field
YES = ("1", "on", "true", "yes")


@bp.get("/import", defaults={"fmt": None})
@bp.get("/import.<fmt>")
@requires("editor")
def index(fmt):
    return _page(choose(fmt, PAGE_FORMATS))


@bp.post("/import/article")
@requires("editor")
def article():
    """Import an article from a URL or an uploaded file (see the module docstring)."""
    kb = get_kb()
    form: dict = {}
    try:
        form = read_form(ARTICLE_FIELDS)
        source_url = form.get("source_url", "").strip()
        upload = request.files.get("file")
        if upload is not None and not upload.filename:
            upload = None
        if source_url and upload is not None:
            raise InputError("give the article's URL or choose a file, not both")
        if not source_url and upload is None:
            raise InputError("give the URL of an article, or choose an .html or .txt file")
        overrides = _overrides(form)
        if source_url:
            data = kb.fetch_article(source_url, allow=current_app.config.get("FETCH_ALLOW", ()))
        else:
            fmt = form.get("format") or None
            if fmt not in (None, "html", "text"):
                raise InputError(f"format must be html or text, got {fmt[:20]!r}")
            data = kb.read_article(upload.filename, upload.read(), fmt, url=overrides["url"])
        data = data.with_overrides(**overrides)
        stored = kb.import_article(data)
    except InputError as exc:
        return _refused(exc, "article", form)
    result = article_result(stored, kb.iris.local_id(stored.iri), data.title)
    if wants_data():
        return result, 201 if result["state"] == "created" else 200, {"Location": result["url"]}
    flash(Markup("{} <a href=\"{}\">Its suggested claims</a>.").format(result["message"],
                                                                       result["suggestions"]))
    return redirect(result["url"], 303)


@bp.post("/import/claims")
@requires("editor")
def claims():
    """Import an uploaded claims YAML / TriG / N-Quads / ClaimReview JSON-LD file."""
    form: dict = {}
    try:
        form = read_form(CLAIMS_FIELDS)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise InputError("choose a claims YAML, TriG, N-Quads or ClaimReview JSON-LD file")
        fmt = form.get("format") or None
        report = get_kb().import_upload(upload.filename, upload.read(), fmt,
                                        strict=form.get("strict", "").lower() in YES,
                                        user=current_user().name)
    except InputError as exc:
        return _refused(exc, "claims", form)
    result = report_view(report)
    if wants_data():
        return {"ok": True, "report": result}, 200
    return _page("html", report=result, claims_form=form)


# ---------------------------------------------------------------------- helpers

def _overrides(form: dict) -> dict:
    """The fields that override what was read from the page, as ArticleData fields, the
    way ``claimkb import-article``'s options do. Raises InputError."""
    for key, value in form.items():
        if len(value) > MAX_FIELD:
            raise InputError(f"{key} is longer than {MAX_FIELD} characters")
    text = {k: " ".join(form.get(k, "").split()) or None for k in ARTICLE_FIELDS}
    if text["url"]:
        check_url(text["url"], "the URL", where="url")
    authors = [" ".join(a.split()) for a in form.get("authors", "").replace("\n", ";").split(";")]
    return {"url": text["url"], "key": text["id"], "title": text["title"],
            "publisher": text["publisher"], "authors": [a for a in authors if a],
            "published": parse_date(text["published"], "published") if text["published"] else None,
            "language": text["language"], "kind": text["type"]}


def _refused(exc: InputError, which: str, form: dict):
    """Nothing was written: the page again with the error (the CLI's text) under the
    form ``which`` ("article" or "claims") and what was typed in it, 400; API clients
    get the one error shape (web/errors.py)."""
    if wants_data():
        raise exc
    return _page("html", status=400, error=str(exc), error_for=which,
                 **{f"{which}_form": form})


def _page(fmt: str, *, status: int = 200, **context):
    data = import_page(get_settings())
    return respond(fmt, template="imports/index.html", data=data, status=status,
                   twins={"json": url_for("imports.index", fmt="json")},
                   article_form=context.pop("article_form", {}),
                   claims_form=context.pop("claims_form", {}), **context)
