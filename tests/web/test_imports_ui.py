"""Importing from the browser (web/views/imports.py, issue #17 item 4): articles by URL
(from a page served on 127.0.0.1 in a thread) and by upload, claims files in each
format, and what is refused — a URL to a local address unless the setting allows it,
other schemes, redirects to local addresses, bad files (nothing written), too-large
bodies, a missing CSRF token, readers — through the Flask test client."""
from __future__ import annotations

import http.server
import io
import json
import re
import threading
from contextlib import contextmanager
from html import unescape

import pytest

from kb import KnowledgeBase, load_settings
from web import create_app

from tests.web.test_auth import PASSWORD, csrf_from, login

PROSE = ("The Lindenmoor reservoir held 23 percent of its capacity on Wednesday, the lowest "
         "level since measurements began in 1952, the regional water authority said. Engineers "
         "said the level had fallen by 11 percentage points in six weeks of drought.")


def article_html(title: str, extra: str = "") -> bytes:
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}"
            f"</title><meta property=\"og:site_name\" content=\"The Valley Courier\"></head>"
            f"<body><article><h1>{title}</h1><p>{PROSE}</p><p>{PROSE} {extra}</p>"
            f"</article></body></html>").encode("utf-8")


TEXT = f"Reservoir at a record low\n\n{PROSE}\n".encode("utf-8")


# ---------------------------------------------------------------------- helpers

class Pages:
    """An http.server on 127.0.0.x, port 0, in a thread; ``routes``: path → (status,
    headers, body); ``requests``: the paths asked for."""

    def __init__(self, host: str = "127.0.0.1", routes: dict | None = None):
        self.requests: list[str] = []
        self.routes = routes or {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                owner.requests.append(self.path)
                status, headers, body = owner.routes.get(self.path, (404, {}, b"not here"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@contextmanager
def serving(routes: dict, host: str = "127.0.0.1"):
    pages = Pages(host, routes)
    try:
        yield pages
    finally:
        pages.close()


def html_page(body: bytes) -> tuple:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body


@pytest.fixture
def no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_app(tmp_path):
    """An app over a fresh KB with ``settings`` (and Flask ``config``), with an editor
    eddie."""
    opened: list[KnowledgeBase] = []

    def make(config: dict | None = None, **settings):
        kb = KnowledgeBase.open(load_settings(env={}, data_dir=tmp_path / f"kb{len(opened)}",
                                              **settings))
        opened.append(kb)
        app = create_app(kb=kb, config={"TESTING": True, **(config or {})})
        app.extensions["claimkb_users"].add_user("eddie", PASSWORD, "editor")
        return app

    yield make
    for kb in opened:
        kb.close()


def editor(app):
    client = app.test_client()
    login(client, "eddie")
    return client


@pytest.fixture
def app_(make_app):
    return make_app()


@pytest.fixture
def local_app(make_app):
    """Downloads may reach 127.0.0.1 (the setting fetch_local_addresses)."""
    return make_app(fetch_local_addresses=True)


def token(client) -> str:
    return csrf_from(client.get("/import").get_data(as_text=True))


def post_article(client, *, file: tuple[bytes, str] | None = None, **fields):
    data = {"csrf_token": token(client), **fields}
    if file is not None:
        data["file"] = (io.BytesIO(file[0]), file[1])
    return client.post("/import/article", data=data, content_type="multipart/form-data")


def post_claims(client, body: bytes, name: str, **fields):
    data = {"csrf_token": token(client), "file": (io.BytesIO(body), name), **fields}
    return client.post("/import/claims", data=data, content_type="multipart/form-data")


def flashes(client, location: str) -> list[str]:
    html = client.get(location).get_data(as_text=True)
    return re.findall(r'<p class="flash[^"]*">(.*?)</p>', html)


def page_error(response) -> str:
    match = re.search(r'<p class="error-message" role="alert"[^>]*>(.*?)</p>',
                      response.get_data(as_text=True), re.S)
    assert match, response.get_data(as_text=True)[:3000]
    return unescape(match.group(1))


def quads(app) -> int:
    return app.extensions["claimkb"].store.quad_count()


def claim_ids(client) -> list[str]:
    return [row["id"] for row in client.get("/claims.json").get_json()["claims"]]


# ---------------------------------------------------------------------- the page

def test_the_page_is_for_editors_and_the_nav_links_it(app_):
    anonymous = app_.test_client()
    response = anonymous.get("/import")
    assert response.status_code == 302 and "/login?next=/import" in response.headers["Location"]
    assert 'href="/import"' not in anonymous.get("/claims").get_data(as_text=True)

    app_.extensions["claimkb_users"].add_user("rita", PASSWORD, "reader")
    reader = app_.test_client()
    login(reader, "rita")
    assert reader.get("/import").status_code == 403
    assert 'href="/import"' not in reader.get("/claims").get_data(as_text=True)
    refused = reader.post("/import/article", data={"csrf_token": csrf_from(
        reader.get("/claims").get_data(as_text=True)), "source_url": "https://example.org/a"})
    assert refused.status_code == 403 and "editor role" in refused.get_data(as_text=True)

    client = editor(app_)
    html = client.get("/import").get_data(as_text=True)
    assert 'href="/import"' in client.get("/claims").get_data(as_text=True)
    assert html.count('enctype="multipart/form-data"') == 2
    assert html.count('name="csrf_token"') >= 2
    for field in ("source_url", "file", "publisher", "title", "published", "authors",
                  "language", "strict", "format"):
        assert f'name="{field}"' in html, field
    data = client.get("/import.json").get_json()
    assert data["max_upload_bytes"] == app_.extensions["claimkb"].settings.max_request_bytes
    assert [f["id"] for f in data["formats"]] == ["claims", "trig", "nquads", "claimreview"]


# ---------------------------------------------------------------------- articles by upload

def test_an_uploaded_text_then_the_same_then_a_changed_one(app_):
    client = editor(app_)
    kb = app_.extensions["claimkb"]
    first = post_article(client, file=(TEXT, "reservoir-note.txt"), publisher="Daily Planet",
                         published="2021-07-08", authors="Jane Doe; John Roe", language="en")
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    location = first.headers["Location"]
    assert location == "/articles/reservoir-note"
    (message,) = flashes(client, location)
    assert message.startswith("Article imported: “Reservoir at a record low”.")
    assert '<a href="/articles/reservoir-note/suggestions">' in message
    meta = kb.article_metadata(kb.find_article("reservoir-note"))
    assert (meta.publisher, str(meta.published), meta.authors, meta.language) == \
        ("Daily Planet", "2021-07-08", ["Jane Doe", "John Roe"], "en")
    assert client.get("/articles/reservoir-note/suggestions").status_code == 200
    view = kb.article_view("reservoir-note")
    assert view["text"] == TEXT.decode("utf-8") and len(view["versions"]) == 1
    stored = quads(app_)

    again = post_article(client, file=(TEXT, "reservoir-note.txt"))
    assert again.headers["Location"] == location
    assert "unchanged: the same text is stored already" in flashes(client, location)[0]
    assert quads(app_) == stored

    changed = TEXT.replace(b"23 percent", b"22 percent")
    third = post_article(client, file=(changed, "reservoir-note.txt"))
    assert third.headers["Location"] == location
    assert flashes(client, location)[0].startswith("New version of “Reservoir at a record low”")
    view = kb.article_view("reservoir-note")
    assert "22 percent" in view["text"] and len(view["versions"]) == 2


def test_an_uploaded_html_page_and_the_api_answer(app_):
    client = editor(app_)
    body = {"csrf_token": token(client), "url": "https://valley.example/dam",
            "file": (io.BytesIO(article_html("Dam report")), "dam.html")}
    answer = client.post("/import/article", data=body, content_type="multipart/form-data",
                         headers={"Accept": "application/json"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    result = answer.get_json()
    assert result["state"] == "created" and result["url"] == f"/articles/{result['id']}"
    assert result["suggestions"] == f"/articles/{result['id']}/suggestions"
    kb = app_.extensions["claimkb"]
    meta = kb.article_metadata(kb.find_article("https://valley.example/dam"))
    assert meta.title == "Dam report" and meta.publisher == "The Valley Courier"


@pytest.mark.parametrize("file,error", [
    ((b"", "empty.txt"), "empty.txt: the file is empty"),
    ((b"   \n", "blank.html"), "blank.html: the file is empty"),
    ((TEXT, "note.pdf"), "note.pdf: an article file is .html, .htm, .xhtml, .txt"),
    ((b"caf\xe9 au lait, " * 20, "latin.txt"), "latin.txt: not UTF-8 text (invalid continuation"),
    ((b"no markup here at all " * 20, "plain.html"), "plain.html: not HTML (no markup found)"),
    ((b"<html><body><p>Too short.</p></body></html>", "short.html"), "short.html: "),
], ids=["empty", "blank", "extension", "not-utf8", "not-html", "no-text"])
def test_a_bad_article_file_is_400_and_writes_nothing(app_, file, error):
    client = editor(app_)
    response = post_article(client, file=file, publisher="Kept Publisher")
    assert response.status_code == 400
    assert page_error(response).startswith(error)
    assert 'value="Kept Publisher"' in response.get_data(as_text=True)   # the form is kept
    assert quads(app_) == 0


@pytest.mark.parametrize("fields,error", [
    ({}, "give the URL of an article, or choose an .html or .txt file"),
    ({"source_url": "https://example.org/a", "file": (TEXT, "a.txt")},
     "give the article's URL or choose a file, not both"),
    ({"file": (TEXT, "a.txt"), "published": "last Tuesday-ish"}, "published: "),
    ({"file": (TEXT, "a.txt"), "url": "javascript:alert(1)"}, "url: the URL 'javascript:alert(1)' is not a safe link"),
    ({"file": (TEXT, "a.txt"), "type": "poem"}, "unknown article type 'poem'"),
], ids=["nothing", "both", "bad-date", "bad-url", "bad-type"])
def test_bad_article_fields_are_400(app_, fields, error):
    client = editor(app_)
    fields = dict(fields)
    file = fields.pop("file", None)
    response = post_article(client, file=file, **fields)
    assert response.status_code == 400
    assert page_error(response).startswith(error), page_error(response)
    assert quads(app_) == 0


# ---------------------------------------------------------------------- articles by URL

def test_an_article_by_url_from_a_local_server_when_the_setting_allows(local_app, no_proxy):
    client = editor(local_app)
    with serving({"/news/dam.html": html_page(article_html("Dam at a record low"))}) as site:
        url = f"{site.base}/news/dam.html"
        response = post_article(client, source_url=url, language="en")
        assert site.requests == ["/news/dam.html"]
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    assert location.startswith("/articles/127-0-0-1-")
    assert flashes(client, location)[0].startswith("Article imported: “Dam at a record low”.")
    kb = local_app.extensions["claimkb"]
    meta = kb.article_metadata(kb.find_article(url))
    assert meta.url == url and meta.publisher == "The Valley Courier" and meta.language == "en"
    page = client.get(location).get_data(as_text=True)
    assert "Dam at a record low" in page and "1952" in page


def test_a_local_url_is_refused_when_the_setting_is_off(app_, no_proxy):
    client = editor(app_)
    with serving({"/dam.html": html_page(article_html("Dam"))}) as site:
        url = f"{site.base}/dam.html"
        response = post_article(client, source_url=url)
        assert site.requests == [], "a refused address must get no request"
    assert response.status_code == 400
    error = page_error(response)
    assert error.startswith(f"{url}: refusing to connect to 127.0.0.1, a loopback address")
    assert "fetch_local_addresses" in error
    assert f'value="{url}"' in response.get_data(as_text=True)   # the URL typed is kept
    assert quads(app_) == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.html",
                                 "javascript:alert(1)", "gopher://example.org/"])
def test_other_schemes_are_refused(local_app, url):
    client = editor(local_app)
    response = post_article(client, source_url=url)
    assert response.status_code == 400
    assert page_error(response) == f"{url}: only http:// and https:// URLs can be fetched"
    assert quads(local_app) == 0


def test_a_redirect_to_a_private_host_or_another_scheme_is_refused(make_app, no_proxy):
    with serving({"/other.html": html_page(article_html("Other"))}, host="127.0.0.2") as other:
        routes = {"/to-private": (302, {"Location": "http://10.1.2.3/a.html"}, b""),
                  "/to-loopback": (301, {"Location": f"{other.base}/other.html"}, b""),
                  "/to-file": (302, {"Location": "file:///etc/passwd"}, b"")}
        with serving(routes) as first:
            # the setting is off; the first hop is reachable through the tests' seam only
            app = make_app(config={"FETCH_ALLOW": [f"127.0.0.1:{first.port}"]})
            client = editor(app)
            errors = {}
            for path in routes:
                response = post_article(client, source_url=f"{first.base}{path}")
                assert response.status_code == 400
                errors[path] = page_error(response)
            assert first.requests == list(routes)
        assert other.requests == []
    assert "refusing to connect to 10.1.2.3, a private address" in errors["/to-private"]
    assert "refusing to connect to 127.0.0.2" in errors["/to-loopback"]
    assert "only http:// and https:// redirects are followed" in errors["/to-file"]
    assert quads(app) == 0


def test_a_page_over_the_size_limit_stops_the_download(make_app, no_proxy):
    app = make_app(fetch_local_addresses=True, max_article_bytes=1000)
    client = editor(app)
    with serving({"/big.html": html_page(article_html("Big", "word " * 2000))}) as site:
        response = post_article(client, source_url=f"{site.base}/big.html")
    assert response.status_code == 400
    assert "the page is larger than 4000 bytes; stopped reading" in page_error(response)
    assert quads(app) == 0


# ---------------------------------------------------------------------- claims files

CLAIMS = """claimkb: 1
articles:
  planet:
    title: Reservoir at a record low
    publisher: Daily Planet
    published: 2021-07-08
    text: |
      {prose}
claims:
  - article: planet
    quote: held 23 percent of its capacity on Wednesday
    subject: Lindenmoor reservoir
    property: share of capacity filled
    value: 23 %
    about: 2021-07-07
  - article: planet
    quote: the lowest level since measurements began in 1952
    subject: Lindenmoor reservoir
    property: {second_property}
    value: {second_value}
    about: 2021-07-07
"""


def claims_yaml(second_property: str = "lowest level since", second_value: str = "1952") -> bytes:
    return CLAIMS.format(prose=PROSE, second_property=second_property,
                         second_value=second_value).encode("utf-8")


def test_a_claims_yaml_upload_writes_its_claims(app_):
    client = editor(app_)
    response = post_claims(client, claims_yaml(), "reservoir.yaml")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    html = response.get_data(as_text=True)
    assert "Imported reservoir.yaml" in html
    assert "2 claims written (2 new, 0 already in the knowledge base), 1 source" in html
    ids = claim_ids(client)
    assert len(ids) == 2
    kb = app_.extensions["claimkb"]
    changes = kb.claim_history(ids[0])
    assert [(c.action, c.who) for c in changes] == [("created", "eddie")]

    again = post_claims(client, claims_yaml(), "reservoir.yaml")
    assert "2 claims written (0 new, 2 already in the knowledge base)" in again.get_data(as_text=True)
    assert sorted(claim_ids(client)) == sorted(ids)


def test_the_json_answer_is_the_report(app_):
    client = editor(app_)
    answer = client.post("/import/claims", data={
        "csrf_token": token(client), "file": (io.BytesIO(claims_yaml()), "r.yml")},
        content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert answer.status_code == 200
    report = answer.get_json()["report"]
    assert (report["file"], report["format"], report["claims"], report["new"]) == \
        ("r.yml", "claims", 2, 2)


@pytest.mark.parametrize("body,name,error", [
    (claims_yaml(second_value="not a number at all"), "bad.yaml", "bad.yaml:16 claim #2: not a quantity"),
    (b"claimkb: 1\nclaims: [\n", "broken.yaml", "broken.yaml:3: malformed YAML"),
    (b"", "empty.yaml", "empty.yaml: the file is empty"),
    (b"claims:\n  - quote: caf\xe9\n", "latin.yaml", "latin.yaml: not UTF-8 text"),
    (claims_yaml(), "claims.txt", "claims.txt: cannot tell the format from the extension '.txt'"),
    (b"claimkb: 1\narticles:\n  a:\n    file: /etc/passwd\nclaims:\n  - article: a\n"
     b"    statement: x\n", "reads.yaml",
     "reads.yaml:4 articles.a: an uploaded claims file cannot read article files"),
    (b"<http://x.example/a> { <http://x.example/b> ", "broken.trig", "broken.trig"),
], ids=["bad-claim", "malformed-yaml", "empty", "not-utf8", "extension", "reads-files",
        "malformed-trig"])
def test_a_bad_claims_file_is_400_names_the_problem_and_writes_nothing(app_, body, name, error):
    client = editor(app_)
    response = post_claims(client, body, name, strict="1", format="")
    assert response.status_code == 400
    message = page_error(response)
    assert message.startswith(error), message
    assert "claimkb-upload-" not in message and "/tmp/" not in message
    assert "Nothing was written" in response.get_data(as_text=True)
    assert 'name="strict" value="1" checked' in response.get_data(as_text=True)   # form kept
    assert quads(app_) == 0
    assert claim_ids(client) == []


def test_a_bad_claims_file_as_json_is_the_one_error_shape(app_):
    client = editor(app_)
    answer = client.post("/import/claims", data={
        "csrf_token": token(client), "file": (io.BytesIO(claims_yaml(second_value="??")), "x.yaml")},
        content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["ok"] is False and body["status"] == 400 and body["error"].startswith("x.yaml:16 claim #2: not a quantity")


def test_strict_refuses_a_near_duplicate(app_):
    client = editor(app_)
    assert post_claims(client, claims_yaml(), "first.yaml").status_code == 200
    before = quads(app_)
    near = claims_yaml().replace(b"Lindenmoor reservoir", b"Lindenmor reservoir")
    response = post_claims(client, near, "second.yaml", strict="on")
    assert response.status_code == 400
    assert page_error(response).startswith("second.yaml"), page_error(response)
    assert "Lindenmoor reservoir" in page_error(response)
    assert quads(app_) == before
    # without strict, the same file is written, with the near-duplicate listed
    response = post_claims(client, near, "second.yaml")
    assert response.status_code == 200
    assert "Near-duplicates" in response.get_data(as_text=True)


TRIG = b"""@prefix schema: <http://schema.org/> .
<http://localhost:5000/graphs/upload-test> {
  <http://localhost:5000/entities/lindenmoor> schema:name "Lindenmoor reservoir" .
}
"""


def test_a_trig_upload_is_loaded(app_):
    client = editor(app_)
    response = post_claims(client, TRIG, "data.trig")
    assert response.status_code == 200, page_error(response)
    assert "1 quads loaded" in response.get_data(as_text=True)
    kb = app_.extensions["claimkb"]
    assert kb.query('ASK { GRAPH <http://localhost:5000/graphs/upload-test> '
                    '{ ?s <http://schema.org/name> "Lindenmoor reservoir" } }').boolean
    nquads = (b'<http://localhost:5000/entities/x> <http://schema.org/name> "X" '
              b'<http://localhost:5000/graphs/upload-nq> .\n')
    response = post_claims(client, nquads, "data.nq")
    assert response.status_code == 200 and "1 quads loaded" in response.get_data(as_text=True)


REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://factcheck.example.org/2021/07/reservoir",
    "datePublished": "2021-07-12",
    "author": {"@type": "Organization", "name": "Example Fact Check",
               "url": "https://factcheck.example.org/"},
    "claimReviewed": "The Lindenmoor reservoir is at its lowest level since 1952.",
    "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "Jane Doe"},
                     "appearance": [{"@type": "CreativeWork",
                                     "url": "https://valley.example/dam"}]},
    "reviewRating": {"@type": "Rating", "ratingValue": 4, "alternateName": "Mostly True"},
}


def test_a_claimreview_upload_writes_a_claim(app_):
    client = editor(app_)
    response = post_claims(client, json.dumps(REVIEW).encode("utf-8"), "review.jsonld")
    assert response.status_code == 200, page_error(response)
    assert "1 claim written (1 new" in response.get_data(as_text=True)
    (ident,) = claim_ids(client)
    view = app_.extensions["claimkb"].claim_view(ident)
    assert view["statement"] == REVIEW["claimReviewed"]
    # the format chosen in the form wins over the extension
    other = dict(REVIEW, claimReviewed="Another reviewed sentence about the reservoir.",
                 url="https://factcheck.example.org/2021/07/other")
    response = post_claims(client, json.dumps(other).encode("utf-8"), "feed.txt",
                           format="claimreview")
    assert response.status_code == 200, page_error(response)
    assert len(claim_ids(client)) == 2


# ---------------------------------------------------------------------- limits and tokens

def test_a_too_large_upload_is_413_in_the_one_error_shape(make_app):
    app = make_app(max_request_bytes=5000)
    client = editor(app)
    big = b"x" * 6000
    response = post_claims(client, big, "big.yaml")
    assert response.status_code == 413
    assert "larger than the 5,000-byte limit" in response.get_data(as_text=True)
    answer = client.post("/import/article", data={"csrf_token": token(client),
                                                  "file": (io.BytesIO(big), "big.txt")},
                         content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert answer.status_code == 413
    assert answer.get_json() == {"ok": False, "status": 413, "title": "Request Entity Too Large",
                                 "error": "the request body is larger than the 5,000-byte limit"}
    assert quads(app) == 0


def test_a_missing_csrf_token_is_refused(app_):
    client = editor(app_)
    response = client.post("/import/claims", data={"file": (io.BytesIO(claims_yaml()), "c.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "CSRF token missing or invalid" in response.get_data(as_text=True)
    response = client.post("/import/article", data={"file": (io.BytesIO(TEXT), "t.txt"),
                                                    "csrf_token": "forged"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert quads(app_) == 0


def test_an_api_token_imports_without_csrf(app_):
    users = app_.extensions["claimkb_users"]
    secret = users.create_token("eddie")
    client = app_.test_client()
    answer = client.post("/import/claims", data={"file": (io.BytesIO(claims_yaml()), "c.yaml")},
                         content_type="multipart/form-data",
                         headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 200 and answer.get_json()["report"]["claims"] == 2
