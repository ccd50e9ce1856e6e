"""Issue 11, item 4: annotations under hostile or unusual input, through the real Flask
test client (and a real `claimkb serve`).

1. An annotation on a whole article (target ``{"source": <article>}`` with no selector,
   or the article IRI itself) is accepted, listed, served, shown on the article page as
   a note on the article as a whole, never orphaned by re-anchoring, and exported.
2. A comment with ``<script>`` is stored as given and shown escaped on every page that
   shows it; link bodies with an unsafe scheme are refused, and link bodies are printed
   with ``link()`` (a link only for http/https/mailto).
3. The ``Location`` of a created annotation is reachable at the address the client used.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rdflib import URIRef

from kb import KnowledgeBase
from kb.accounts.users import USERS_FILE, Users

from tests.web.test_annotate_ui import QUOTE, import_sample
from tests.web.test_auth import PASSWORD, client_for, csrf_from

CTX = "http://www.w3.org/ns/anno.jsonld"
PROFILE = f'application/ld+json; profile="{CTX}"'
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
HOSTILE = f"{SCRIPT} and {IMG}"
UNSAFE = ("javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
          "vbscript:msgbox(1)", "file:///etc/passwd")


# ---------------------------------------------------------------------- helpers

@pytest.fixture
def tokens(app) -> dict:
    users = app.extensions["claimkb_users"]
    out = {}
    for name, role in (("alice", "annotator"), ("bob", "annotator")):
        users.add_user(name, PASSWORD, role)
        out[name] = {"Authorization": f"Bearer {users.create_token(name)}"}
    return out


@pytest.fixture
def article(kb) -> tuple[str, str, str]:
    """(article id, article IRI, its current text): the Globinsider article."""
    ident, text = import_sample(kb)
    return ident, str(kb.find_article(ident)), text


@pytest.fixture
def claim(kb, article) -> str:
    from kb.ingest.claimsfile import parse_claim

    _, iri, _ = article
    record = parse_claim(kb, {"article": iri, "quote": QUOTE, "statement": QUOTE}, where="test",
                         anchor=None, version=kb.current_text(URIRef(iri)))
    kb.write_claims([record])
    return kb.iris.local_id(record.iri)


def note(target, text="a note", **extra) -> dict:
    return {"@context": CTX, "type": "Annotation", "motivation": "commenting",
            "body": {"type": "TextualBody", "value": text, "format": "text/plain"},
            "target": target, **extra}


def post(client, doc, headers, **kwargs):
    body = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    return client.post("/annotations/", data=body, content_type=PROFILE, headers=headers, **kwargs)


def created(response) -> dict:
    assert response.status_code == 201, response.get_data(as_text=True)[:2000]
    return response.get_json(force=True)


def path_of(iri: str) -> str:
    return "/" + iri.split("/", 3)[3]


def html_of(client, path: str, **headers) -> str:
    response = client.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:2000])
    assert response.mimetype == "text/html", path
    return response.get_data(as_text=True)


def assert_escaped(html: str, where: str) -> None:
    """No hostile markup of HOSTILE unescaped in ``html`` (the page's own scripts are
    <script src=…>, never an inline alert)."""
    assert SCRIPT not in html, where
    assert "<img src=x" not in html and "onerror=alert(1)>" not in html.replace("&gt;", ""), where
    assert not re.search(r"<script>\s*alert", html), where


def section(html: str, start: str, end: str | None = None) -> str:
    at = html.index(start)
    rest = html[at:]
    if end is not None and end in rest[len(start):]:
        rest = rest[:rest.index(end, len(start))]
    return rest


# ---------------------------------------------------------------------- 1. a whole article

@pytest.mark.parametrize("shape", ["source-only", "plain-iri"])
def test_annotation_on_a_whole_article(app, kb, client, tokens, article, shape):
    ident, iri, text = article
    target = {"source": iri} if shape == "source-only" else iri
    body = created(post(client, note(target, "The whole piece is an opinion column."), tokens["alice"]))
    ann_id = body["id"].rsplit("/", 1)[1]
    served = client.get(path_of(body["id"])).get_json(force=True)
    assert served == body
    assert (served["target"] == iri) if shape == "plain-iri" else (served["target"] == {"source": iri})
    assert "selector" not in json.dumps(served["target"])
    # listed: by source (the article), in the container, in the index
    listed = client.get(f"/annotations/?page=1&source={iri}").get_json(force=True)
    assert [i["id"] for i in listed["items"]] == [body["id"]]
    assert kb.annotations.list(source=iri).total == 1
    assert body["id"] in kb.annotations.all_iris()
    # on the article page: in the panel, as a note on the article as a whole, not an orphan
    html = html_of(client, f"/articles/{ident}")
    panel = section(html, 'id="annotations"', "</aside>")
    assert f'id="annotation-{ann_id}"' in panel
    assert "The whole piece is an opinion column." in panel
    whole = section(panel, 'id="annotations-whole"')
    assert f'id="annotation-{ann_id}"' in whole
    assert 'id="orphans"' not in panel and "Could not be re-anchored" not in panel
    mine = kb.annotations.for_article(iri)
    assert [a.orphan for a in mine] == [False] and mine[0].whole
    # a new text version: re-anchoring leaves it alone (never an orphan)
    report = kb.annotations.reanchor_article(iri)
    assert report.orphaned == [] and report.reanchored == 0
    import_sample(kb, text="A different text.\n\n" + text.replace(QUOTE, "Something else."))
    assert kb.annotations.orphans() == []
    after = kb.annotations.get(ann_id)
    assert not after.orphan and after.doc["target"] == served["target"]
    assert [c.action for c in kb.annotations.history(ann_id)] == ["created"]
    html = html_of(client, f"/articles/{ident}")
    assert f'id="annotation-{ann_id}"' in section(html, 'id="annotations-whole"', "</aside>")
    assert "Could not be re-anchored" not in html


def test_whole_article_on_a_text_version_and_unknown_article(client, kb, tokens, article):
    _, iri, _ = article
    version = str(kb.current_text(URIRef(iri))[0])
    body = created(post(client, note({"source": version}), tokens["alice"]))
    # stored like a span: the source is the article, the version its state
    assert body["target"]["source"] == iri and body["target"]["state"]["cached"] == version
    assert kb.annotations.get(body["id"]).whole
    for bad in ({"source": iri.rsplit("/", 1)[0] + "/no-such-article"},
                iri.rsplit("/", 1)[0] + "/no-such-article"):
        refused = post(client, note(bad), tokens["alice"])
        assert refused.status_code == 400 and "not an article" in refused.get_json()["error"]


def test_whole_article_annotations_are_exported(cli):
    from kb import load_settings

    assert cli("init").exit_code == 0
    data_dir = cli.data_dir
    with KnowledgeBase.open(load_settings(env={}, data_dir=data_dir)) as kb:
        import_sample(kb)
        iri = str(kb.find_article("globinsider"))
        made = kb.annotations.create(note({"source": iri}, HOSTILE), user="alice")
    out = cli("annotations", "export")
    assert out.exit_code == 0, out.output
    exported = json.loads(out.output)
    item = next(i for i in exported["first"]["items"] if i["id"] == made.iri)
    assert item["target"] == {"source": iri} and item["body"]["value"] == HOSTILE
    nquads = cli("annotations", "export", "--format", "nquads").output
    assert f"<{iri}> <{made.iri}> ." in nquads


# ---------------------------------------------------------------------- 2. <script> stays text

def test_script_in_comments_is_stored_as_given_and_escaped_everywhere(app, kb, tokens, article, claim):
    ident, iri, text = article
    alice = client_for(app, "alice")
    api = app.test_client()
    start = text.index(QUOTE)
    docs = {
        "span": note({"source": iri, "selector": [
            {"type": "TextQuoteSelector", "exact": QUOTE},
            {"type": "TextPositionSelector", "start": start, "end": start + len(QUOTE)}]}, HOSTILE),
        "claim": note(str(kb.claim_iri(claim)), HOSTILE),
        "publisher": note(str(kb.iris.resolve("publishers", "globinsider")), HOSTILE),
        "whole": note({"source": iri}, HOSTILE),
    }
    made = {name: created(post(api, doc, tokens["alice"])) for name, doc in docs.items()}
    made["reply"] = created(post(api, {
        "@context": CTX, "type": "Annotation", "motivation": "replying",
        "body": {"type": "TextualBody", "value": HOSTILE}, "target": made["span"]["id"]},
        tokens["alice"]))
    # a tag and an edit through the UI too (the history keeps the earlier version)
    edit_id = made["claim"]["id"].rsplit("/", 1)[1]
    token = csrf_from(alice.get(f"/claims/{claim}").get_data(as_text=True))
    edited = alice.post(f"/annotations/{edit_id}/edit",
                        data={"csrf_token": token, "comment": HOSTILE + " (edited)",
                              "tags": IMG, "motivation": "commenting",
                              "etag": api.get(path_of(made["claim"]["id"])).headers["ETag"]})
    assert edited.status_code == 303, edited.get_data(as_text=True)[:2000]

    for name, body in made.items():
        got = api.get(path_of(body["id"]), headers={"Accept": PROFILE})
        assert got.status_code == 200
        value = got.get_json(force=True)["body"]
        values = [b["value"] for b in (value if isinstance(value, list) else [value])]
        assert (HOSTILE + " (edited)" if name == "claim" else HOSTILE) in values, name
        raw = got.get_data(as_text=True)
        assert json.loads(raw)["id"] == body["id"]          # JSON text, exact after parsing
    ids = {name: b["id"].rsplit("/", 1)[1] for name, b in made.items()}

    pages = {f"/articles/{ident}": ("span", "whole", "reply"),
             f"/claims/{claim}": ("claim",),
             "/publishers/globinsider": ("publisher",),
             "/annotations/": tuple(made)}
    for viewer in (alice, app.test_client()):              # logged in (forms) and anonymous
        for path, shown in pages.items():
            html = html_of(viewer, path)
            assert_escaped(html, path)
            for name in shown:
                assert f"annotation-{ids[name]}" in html or ids[name] in html, (path, name)
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
            assert "&lt;img src=x onerror=alert(1)&gt;" in html, path
    for name, ann_id in ids.items():
        for path in (f"/annotations/{ann_id}", f"/annotations/{ann_id}/history"):
            html = html_of(app.test_client(), path)
            assert_escaped(html, path)
            if not path.endswith("/history") or name == "claim":   # the earlier version
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    history = api.get(f"/annotations/{ids['claim']}/history.json").get_json(force=True)
    before = json.loads(history["changes"][0]["before"])["body"]
    assert HOSTILE in [b["value"] for b in (before if isinstance(before, list) else [before])]
    # the JSON listing has the exact text too
    listing = api.get("/annotations/?page=1", headers={"Accept": PROFILE}).get_json(force=True)
    assert sum(json.dumps(i).count(json.dumps(HOSTILE)[1:-1]) for i in listing["items"]) >= 4


def test_the_ui_forms_store_script_as_given(app, tokens, article):
    ident, iri, text = article
    alice = client_for(app, "alice")
    token = csrf_from(alice.get(f"/articles/{ident}").get_data(as_text=True))
    response = alice.post(f"/articles/{ident}/annotations",
                          data={"csrf_token": token, "quote": QUOTE, "comment": HOSTILE},
                          headers={"Accept": "application/json"})
    assert response.status_code == 201, response.get_data(as_text=True)
    served = app.test_client().get(response.get_json()["url"]).get_json(force=True)
    assert served["body"]["value"] == HOSTILE


@pytest.mark.parametrize("unsafe", UNSAFE)
def test_unsafe_link_bodies_are_refused(client, kb, tokens, unsafe):
    shapes = [unsafe, {"id": unsafe, "type": "Text"}, {"id": unsafe, "type": "Video"},
              {"id": unsafe, "type": "https://www.w3.org/ns/activitystreams#Link"},
              {"type": "SpecificResource", "source": unsafe},
              {"type": "Choice", "items": [{"type": "TextualBody", "value": "x"}, unsafe]},
              [{"type": "TextualBody", "value": "see"}, {"id": unsafe}]]
    for body in shapes:
        doc = {"@context": CTX, "type": "Annotation", "body": body,
               "target": "http://example.org/page"}
        refused = post(client, doc, tokens["alice"])
        assert refused.status_code == 400, (body, refused.get_data(as_text=True))
        error = refused.get_json()["error"]
        assert "scheme is not accepted" in error and unsafe.split(":")[0].lower() in error.lower(), error
    assert client.get("/annotations/").get_json(force=True)["total"] == 0
    ok = created(post(client, {"@context": CTX, "type": "Annotation",
                               "body": "http://example.org/post1",
                               "target": "http://example.org/page"}, tokens["alice"]))
    etag = client.get(path_of(ok["id"])).headers["ETag"]
    put = client.put(path_of(ok["id"]), data=json.dumps({**ok, "body": {"id": unsafe}}),
                     content_type=PROFILE, headers={**tokens["alice"], "If-Match": etag})
    assert put.status_code == 400 and "scheme is not accepted" in put.get_json()["error"]
    assert client.get(path_of(ok["id"])).headers["ETag"] == etag           # nothing changed
    for where in ("via", "canonical"):
        refused = post(client, {**note("http://example.org/page"), where: unsafe}, tokens["alice"])
        assert refused.status_code == 400 and "scheme is not accepted" in refused.get_json()["error"]
    refused = post(client, note(unsafe), tokens["alice"])
    assert refused.status_code == 400 and "scheme is not accepted" in refused.get_json()["error"]


def test_link_bodies_are_printed_with_link(app, kb, client, tokens, article, claim):
    """A safe link body is a link; one stored behind the API's back (straight into the
    store) with a javascript: IRI is shown as text, never as an href."""
    ident, iri, _ = article
    docs = [note({"source": iri}), note(str(kb.claim_iri(claim)))]
    made = []
    for doc in docs:
        doc["body"] = [doc["body"], "https://example.org/evidence?a=1&b=2"]
        made.append(created(post(client, doc, tokens["alice"]))["id"])
    for path in (f"/articles/{ident}", f"/claims/{claim}", f"/annotations/{made[0].rsplit('/', 1)[1]}",
                 "/annotations/"):
        html = html_of(client, path)
        assert 'href="https://example.org/evidence?a=1&amp;b=2"' in html, path
    # behind the API's back: the body becomes a javascript: IRI in the store
    for ann in made:
        kb.store.update(f"DELETE {{ GRAPH <{ann}> {{ ?a ?p <https://example.org/evidence?a=1&b=2> }} }} "
                        f"INSERT {{ GRAPH <{ann}> {{ ?a ?p <javascript:alert(1)> }} }} "
                        f"WHERE {{ GRAPH <{ann}> {{ ?a ?p <https://example.org/evidence?a=1&b=2> }} }}")
    for path in (f"/articles/{ident}", f"/claims/{claim}", f"/annotations/{made[0].rsplit('/', 1)[1]}",
                 "/annotations/"):
        html = html_of(client, path)
        assert "javascript:alert(1)" in html, path                     # shown, as text
        assert not re.search(r"""href=["']?\s*javascript:""", html, re.I), path


# ---------------------------------------------------------------------- 3. Location

def test_location_is_reachable_at_the_address_the_client_used(app, kb, tokens):
    base = kb.settings.base_iri
    assert base == "http://localhost:5000/"
    there = app.test_client()
    response = post(there, note("http://example.org/page"), tokens["alice"],
                    base_url="http://127.0.0.1:8123/")
    body = created(response)
    ann_id = body["id"].rsplit("/", 1)[1]
    assert body["id"] == f"{base}annotations/{ann_id}"                  # the stored IRI
    assert response.headers["Location"] == f"http://127.0.0.1:8123/annotations/{ann_id}"
    got = there.get(response.headers["Location"], headers={"Accept": PROFILE})
    assert got.status_code == 200 and got.get_json(force=True) == body
    # the address as the client used it names the annotation on PUT too
    put = there.put(response.headers["Location"],
                    data=json.dumps({**body, "id": response.headers["Location"], "target": "http://example.org/b"}),
                    content_type=PROFILE, headers={**tokens["alice"], "If-Match": got.headers["ETag"]})
    assert put.status_code == 200, put.get_data(as_text=True)
    assert put.get_json(force=True)["id"] == body["id"]
    # the container's links are followable from there too
    container = there.get("http://127.0.0.1:8123/annotations/").get_json(force=True)
    assert container["id"] == "http://127.0.0.1:8123/annotations/"
    assert container["last"].startswith("http://127.0.0.1:8123/annotations/?")
    assert there.get(container["last"]).status_code == 200
    # at the base IRI's own address, Location is the annotation's IRI
    home = post(app.test_client(), note("http://example.org/page"), tokens["alice"],
                base_url="http://localhost:5000/")
    assert home.headers["Location"] == created(home)["id"]
    # and behind a proxy that keeps the Host (no port), e.g. https://localhost/
    proxied = post(app.test_client(), note("http://example.org/page"), tokens["alice"],
                   base_url="http://localhost/")
    assert proxied.headers["Location"] == created(proxied)["id"]
    # another port of the same host is another address
    other = post(app.test_client(), note("http://example.org/page"), tokens["alice"],
                 base_url="http://localhost:8123/")
    assert other.headers["Location"].startswith("http://localhost:8123/annotations/")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(method: str, url: str, body: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read()


def test_location_from_a_real_server_on_another_port(settings):
    """`claimkb serve` on 127.0.0.1 and a random port, base IRI left at its default
    (http://localhost:5000/): the Location a POST gets back answers a GET."""
    with KnowledgeBase.open(settings):
        pass
    users = Users(settings.data_dir / USERS_FILE)
    users.add_user("alice", PASSWORD, "annotator")
    token = users.create_token("alice")
    port = _free_port()
    claimkb = shutil.which("claimkb") or str(Path(sys.executable).parent / "claimkb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMKB_")}
    proc = subprocess.Popen([claimkb, "--data-dir", str(settings.data_dir), "serve",
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, _ = _request("GET", f"{root}/annotations/")
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        assert status == 200
        status, headers, raw = _request(
            "POST", f"{root}/annotations/", json.dumps(note("http://example.org/page", SCRIPT)).encode(),
            {"Content-Type": PROFILE, "Authorization": f"Bearer {token}"})
        assert status == 201, raw
        body = json.loads(raw)
        assert body["id"].startswith("http://localhost:5000/annotations/")
        location = headers["Location"]
        assert location == f"{root}/annotations/{body['id'].rsplit('/', 1)[1]}"
        status, _, raw = _request("GET", location, headers={"Accept": PROFILE})
        assert status == 200 and json.loads(raw) == body
        assert json.loads(raw)["body"]["value"] == SCRIPT
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
