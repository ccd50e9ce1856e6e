"""The Web Annotation Protocol at /annotations/ (docs/annotations.md).

``/annotations/`` is an LDP Basic Container and an AnnotationCollection: GET/HEAD (its
pages, keyset-paged, with the Prefer header choosing contained IRIs, descriptions or a
minimal container), OPTIONS, and POST (create; ``Slug`` optional) for annotators.
``/annotations/<id>``: GET/HEAD/OPTIONS for everyone, PUT and DELETE for its creator
or an admin, each with ``If-Match`` (428 when missing, 412 when stale). Deleted
annotations answer 410. The JSON-LD context is served at /annotations/context.jsonld.
Views stay thin: kb.annotations does the work, web/errors.py turns its errors into
the app's JSON error shape. The annotation UI's forms are web/views/annotate.py.

Annotation IRIs live under the ``base_iri`` setting. The URLs handed out to follow —
``Location`` of a created annotation, the container's and its pages' links — are at the
address the client used when that is not the base IRI's host (``_public``), so they
answer even when base_iri names another host or port; GET/PUT/DELETE of that address
is the annotation (docs/annotations.md, "Addresses").
"""
from __future__ import annotations

import hashlib
import json
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, g, render_template, request, url_for
from werkzeug.exceptions import PreconditionRequired, UnsupportedMediaType

from kb.model import annotation_jsonld as jsonld
from kb.errors import NotFound

from ..auth import requires
from ..context import get_kb
from ..presenters.annotations import change_view, page_of
from ..render import choose, respond

bp = Blueprint("annotations_api", __name__)

LDP = "http://www.w3.org/ns/ldp#"
OA_NS = "http://www.w3.org/ns/oa#"
PREFER_IRIS = f"{OA_NS}PreferContainedIRIs"
PREFER_DESCRIPTIONS = f"{OA_NS}PreferContainedDescriptions"
PREFER_MINIMAL = f"{LDP}PreferMinimalContainer"
CONTAINER_ALLOW = "GET, HEAD, OPTIONS, POST"
RESOURCE_ALLOW = "GET, HEAD, OPTIONS, PUT, DELETE"
CONTAINER_LINKS = (f'<{LDP}BasicContainer>; rel="type", '
                   '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"')
RESOURCE_LINKS = f'<{LDP}Resource>; rel="type", <{OA_NS}Annotation>; rel="type"'
ACCEPTED_TYPES = ("application/ld+json", "application/json")
FILTERS = ("target", "source", "motivation", "tag", "creator", "replies_to")
PAGE_SIZE = 20


def _service():
    return get_kb().annotations


def _json(body, status: int = 200, headers: dict | None = None, *, head: bool = False) -> Response:
    text = json.dumps(body, ensure_ascii=False, indent=2)
    response = Response("" if head else text, status, content_type=jsonld.PROFILE)
    if head:
        response.headers["Content-Length"] = str(len(text.encode("utf-8")))
    response.headers["Vary"] = "Accept, Prefer"
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def _public(iri: str) -> str:
    """``iri`` (an IRI under base_iri) as an address the client can follow: ``iri``
    itself when the request came to the base IRI's host (same host name, and the same
    port or none named in ``Host``: a reverse proxy on the default port), else the same
    path below the request's own root URL (``request.url_root``). IRIs not under
    base_iri are returned as they are."""
    base = get_kb().settings.base_iri
    if not iri.startswith(base) or _at_base(base):
        return iri
    return request.url_root + iri[len(base):]


def _at_base(base: str) -> bool:
    want = urlsplit(base)
    try:
        asked = urlsplit(f"//{request.host}")
        port = asked.port
        want_port = want.port or {"http": 80, "https": 443}.get(want.scheme)
    except ValueError:                       # a malformed Host or port
        return False
    if (asked.hostname or "").lower() != (want.hostname or "").lower():
        return False
    return port is None or port == want_port


def _stored_id(data: bytes, iri: str) -> bytes | dict:
    """The PUT body with its ``id`` given as the annotation's public address
    (``_public``) replaced by its IRI; unchanged when it names the IRI itself."""
    alias = _public(iri)
    if alias == iri:
        return data
    doc = jsonld.load_json(data)          # size and nesting checked first (InputError)
    return {**doc, **{k: iri for k in ("id", "@id") if doc.get(k) == alias}}


def _wants_html() -> bool:
    """A browser's page rather than the protocol's JSON-LD (which wins ties)."""
    return choose(None, ("jsonld", "json", "html"), default="jsonld") == "html"


def _user():
    user = g.get("user")
    return (user.name, user.can("admin")) if user is not None else (None, False)


def _body() -> bytes:
    if request.mimetype and request.mimetype not in ACCEPTED_TYPES:
        raise UnsupportedMediaType(f"send the annotation as {jsonld.PROFILE} (not {request.mimetype})")
    return request.get_data(cache=False)


def _if_match() -> str:
    value = request.headers.get("If-Match")
    if not value:
        raise PreconditionRequired("send If-Match with the annotation's current ETag (GET it first)")
    return value


# ---------------------------------------------------------------------- the context

@bp.get("/annotations/context.jsonld")
def context():
    body = json.dumps(jsonld.context_document(), ensure_ascii=False, indent=2)
    response = Response(body, 200, content_type="application/ld+json")
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# ---------------------------------------------------------------------- the container

def _prefer() -> tuple[str, bool]:
    """("iris" | "descriptions", minimal) from the Prefer header (and ?iris=1)."""
    header = request.headers.get("Prefer", "")
    include = ""
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "include":
            include = value.strip().strip('"')
    kinds = include.split()
    minimal = PREFER_MINIMAL in kinds
    iris = PREFER_IRIS in kinds or request.args.get("iris") == "1"
    if PREFER_DESCRIPTIONS in kinds:
        iris = False
    return ("iris" if iris else "descriptions"), minimal


def _filters() -> dict:
    return {k: request.args[k] for k in FILTERS if request.args.get(k)}


def _url(**params) -> str:
    container = _public(_service().container)
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return container + ("?" + urlencode(query) if query else "")


def _page(kind: str, filters: dict, *, after=None, before=None, last=False, embedded=False) -> dict:
    service = _service()
    page = service.list(**filters, after=after, before=before, last=last, limit=PAGE_SIZE)
    iris = {"iris": "1"} if kind == "iris" else {}
    here = {"page": "1", **iris, **filters}
    if after:
        here["after"] = after
    if before:
        here["before"] = before
    if last:
        here["last"] = "1"
    body: dict = {} if embedded else {"@context": jsonld.CONTEXT_URL}
    body.update({"id": _url(**here), "type": "AnnotationPage"})
    if not embedded:
        body["partOf"] = {"id": _url(**iris, **filters), "total": page.total}
        if page.modified:
            body["partOf"]["modified"] = page.modified
    if page.items:
        # next_after / prev_before come from LIMIT 1 probes in the annotations index
        if page.next_after is not None:
            body["next"] = _url(page="1", **iris, **filters, after=page.items[-1].id)
        if page.prev_before is not None:
            body["prev"] = _url(page="1", **iris, **filters, before=page.items[0].id)
    if kind == "iris":
        body["items"] = [a.iri for a in page.items]
    else:
        body["items"] = [{k: v for k, v in a.doc.items() if k != "@context"} for a in page.items]
    body["_total"] = page.total
    body["_modified"] = page.modified
    return body


@bp.route("/annotations/", methods=["GET", "HEAD"], provide_automatic_options=False)
def container():
    filters = _filters()
    kind, minimal = _prefer()
    if _wants_html() and "page" not in request.args:
        page = _service().list(**filters, after=request.args.get("after"), limit=PAGE_SIZE)
        html = render_template("annotations_api/index.html", page=page, filters=filters,
                               next_url=_url(after=page.next_after, **filters) if page.next_after else None)
        response = Response(html, 200, mimetype="text/html")
        response.headers["Vary"] = "Accept, Prefer"
        response.headers["Link"] = CONTAINER_LINKS
        return response
    after, before = request.args.get("after"), request.args.get("before")
    last = request.args.get("last") == "1"
    if "page" in request.args:
        body = _page(kind, filters, after=after, before=before, last=last)
        body.pop("_total"), body.pop("_modified")
        return _resource_like(body, CONTAINER_LINKS, CONTAINER_ALLOW)
    iris = {"iris": "1"} if kind == "iris" else {}
    first = _page(kind, filters, embedded=True)
    total, modified = first.pop("_total"), first.pop("_modified")
    body = {"@context": [jsonld.CONTEXT_URL, jsonld.LDP_CONTEXT_URL],
            "id": _url(**iris, **filters),
            "type": ["BasicContainer", "AnnotationCollection"],
            "label": "claimkb annotations", "total": total}
    if modified:
        body["modified"] = modified
    if total:
        body["first"] = _url(page="1", **iris, **filters) if minimal else first
        body["last"] = _url(page="1", **iris, **filters, last="1")
    headers = {"Preference-Applied": "return=representation"} if request.headers.get("Prefer") else {}
    return _resource_like(body, CONTAINER_LINKS, CONTAINER_ALLOW, headers)


def _resource_like(body: dict, links: str, allow: str, headers: dict | None = None) -> Response:
    text = json.dumps(body, sort_keys=True)
    tag = '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'
    if tag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = Response(status=304)
        response.headers["ETag"] = tag
        response.headers["Vary"] = "Accept, Prefer"
        return response
    return _json(body, 200, {"ETag": tag, "Link": links, "Allow": allow,
                             "Accept-Post": jsonld.PROFILE, "Content-Location": body["id"],
                             **(headers or {})}, head=request.method == "HEAD")


@bp.route("/annotations/", methods=["OPTIONS"])
def container_options():
    response = Response(status=200)
    response.headers.update({"Allow": CONTAINER_ALLOW, "Accept-Post": jsonld.PROFILE,
                             "Link": CONTAINER_LINKS, "Vary": "Accept, Prefer"})
    return response


@bp.post("/annotations/")
@requires("annotator")
def create():
    name, _ = _user()
    slug = request.headers.get("Slug")
    annotation = _service().create(_body(), user=name, slug=slug)
    # Location: where this client can GET it (the body's id is the annotation's IRI)
    return _annotation_response(annotation, 201, {"Location": _public(annotation.iri)})


# ---------------------------------------------------------------------- one annotation

def _annotation_response(annotation, status: int = 200, headers: dict | None = None) -> Response:
    return _json(annotation.doc, status, {"ETag": annotation.etag, "Link": RESOURCE_LINKS,
                                          "Allow": RESOURCE_ALLOW, **(headers or {})},
                 head=request.method == "HEAD")


@bp.route("/annotations/<ann_id>", methods=["GET", "HEAD"], provide_automatic_options=False)
def show(ann_id):
    annotation = _service().get(ann_id)      # NotFound → 404, Gone → 410
    if annotation.etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = Response(status=304)
        response.headers["ETag"] = annotation.etag
        return response
    if _wants_html():
        html = render_template("annotations_api/show.html", annotation=annotation,
                               doc=json.dumps(annotation.doc, ensure_ascii=False, indent=2),
                               changes=_service().history(ann_id), shown_on=_shown_on(annotation))
        response = Response(html, 200, mimetype="text/html")
        response.headers.update({"Vary": "Accept", "Link": RESOURCE_LINKS, "ETag": annotation.etag})
        return response
    return _annotation_response(annotation)


@bp.route("/annotations/<ann_id>", methods=["OPTIONS"])
def options(ann_id):
    _service().get(ann_id)
    response = Response(status=200)
    response.headers.update({"Allow": RESOURCE_ALLOW, "Link": RESOURCE_LINKS, "Vary": "Accept"})
    return response


@bp.put("/annotations/<ann_id>")
@requires("annotator")
def replace(ann_id):
    name, admin = _user()
    service = _service()
    old = service.get(ann_id)
    service.check_owner(old, name, admin)                  # 404/410, then 403, then 428
    if_match = _if_match()
    annotation = service.update(ann_id, _stored_id(_body(), old.iri), user=name, is_admin=admin,
                                if_match=if_match)
    return _annotation_response(annotation)


@bp.delete("/annotations/<ann_id>")
@requires("annotator")
def delete(ann_id):
    name, admin = _user()
    service = _service()
    service.check_owner(service.get(ann_id), name, admin)
    service.delete(ann_id, user=name, is_admin=admin, if_match=_if_match())
    return Response(status=204)


@bp.get("/annotations/<ann_id>/history", defaults={"fmt": None})
@bp.get("/annotations/<ann_id>/history.<any(json):fmt>")
def changes(ann_id, fmt):
    """The recorded changes of an annotation (also of a deleted one), newest first: a
    page for browsers (templates/annotations_api/history.html), JSON for API clients
    and for an Accept that prefers JSON or JSON-LD (errors stay JSON: web/errors.py)."""
    found = _service().history(ann_id)      # NotFound → 404
    body = {"id": _service().container + ann_id,
            "changes": [c.as_dict() | {"before": c.before} for c in found]}
    if fmt is None and _wants_html() and not request.headers.get("Authorization"):
        return respond("html", template="annotations_api/history.html", data=body,
                       twins={"json": url_for("annotations_api.changes", ann_id=ann_id, fmt="json")},
                       ann_id=ann_id, changes=[change_view(c) for c in found],
                       exists=_exists(ann_id))
    return _json(body)


def _shown_on(annotation) -> str | None:
    """The page of this site that shows the annotation (its article's, claim's or
    publisher's), or None for one on another resource."""
    page = page_of(annotation, _service(), base_iri=get_kb().settings.base_iri)
    return None if page.split("#")[0] == url_for("home.index") else page


def _exists(ann_id: str) -> bool:
    try:
        _service().get(ann_id)
    except NotFound:                         # Gone too: a deleted annotation
        return False
    return True

