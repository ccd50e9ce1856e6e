"""The Web Annotation Protocol at /annotations/ (web/views/annotations_api.py) through the
Flask test client: the LDP container, paging and Prefer, create/read/update/delete with
ETags and If-Match, permissions on every write route, bad input, and — with
../shared — every Data Model example and sample posted and read back."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from kb.model import annotation_jsonld as jsonld
from kb.model.article import ArticleData

from tests.web.test_auth import PASSWORD, login

CTX = "http://www.w3.org/ns/anno.jsonld"
PROFILE = f'application/ld+json; profile="{CTX}"'
TEXT = "Headline\n\nThe border is 1,344 km long. More than a thousand soldiers fled."
MODEL = Path("web-annotation/spec-examples/model")
PROTOCOL = Path("web-annotation/spec-examples/protocol")
INCORRECT = (Path("web-annotation/w3c-web-annotation/model/wd2/examples/incorrect"),
             Path("web-annotation/web-annotation-tests/tools/samples/incorrect"))
COLLECTION_EXAMPLES = {38, 39, 40}   # AnnotationCollection / AnnotationPage, not Annotations


def note(target="http://www.example.com/index.html", text="I like this page!", **extra) -> dict:
    return {"@context": CTX, "type": "Annotation",
            "body": {"type": "TextualBody", "value": text}, "target": target, **extra}


@pytest.fixture
def users(app):
    return app.extensions["claimkb_users"]


@pytest.fixture
def tokens(users) -> dict:
    """API tokens of alice and bob (annotators), rita (reader) and root (admin)."""
    out = {}
    for name, role in (("alice", "annotator"), ("bob", "annotator"), ("rita", "reader"),
                       ("root", "admin")):
        users.add_user(name, PASSWORD, role)
        out[name] = {"Authorization": f"Bearer {users.create_token(name)}"}
    return out


def post(client, doc, headers, **extra):
    body = doc if isinstance(doc, (str, bytes)) else json.dumps(doc)
    return client.post("/annotations/", data=body, content_type=PROFILE,
                       headers={**headers, **extra})


def path_of(iri: str) -> str:
    return "/" + iri.split("/", 3)[3]


# ---------------------------------------------------------------------- the container

def test_container_headers_and_body(client, tokens):
    post(client, note(), tokens["alice"])
    response = client.get("/annotations/", headers={"Accept": PROFILE})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == PROFILE
    for method in ("GET", "HEAD", "OPTIONS", "POST"):
        assert method in response.headers["Allow"]
    links = response.headers["Link"]
    assert '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"' in links
    assert '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"' in links
    assert response.headers["ETag"] and "Accept" in response.headers["Vary"]
    body = response.get_json(force=True)
    assert body["id"].endswith("/annotations/") and response.headers["Content-Location"] == body["id"]
    assert {"BasicContainer", "AnnotationCollection"} <= set(body["type"])
    assert CTX in body["@context"] and body["total"] == 1
    assert body["first"]["type"] == "AnnotationPage" and len(body["first"]["items"]) == 1
    assert body["first"]["items"][0]["body"]["value"] == "I like this page!"
    assert client.head("/annotations/").status_code == 200
    options = client.options("/annotations/")
    assert options.status_code == 200 and "POST" in options.headers["Allow"]
    assert options.headers["Accept-Post"] == PROFILE
    again = client.get("/annotations/", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_paging_and_prefer(client, tokens):
    made = [post(client, note(text=f"n{i}"), tokens["alice"], Slug=f"n{i:02d}").get_json(force=True)["id"]
            for i in range(25)]
    container = client.get("/annotations/").get_json(force=True)
    assert container["total"] == 25 and len(container["first"]["items"]) == 20
    first = client.get(container["first"]["id"].split("localhost:5000")[1]).get_json(force=True)
    assert first["partOf"]["id"] == container["id"] and first["partOf"]["total"] == 25
    assert "prev" not in first and [i["id"] for i in first["items"]] == made[:20]
    nxt = client.get(path_of(first["next"])).get_json(force=True)
    assert [i["id"] for i in nxt["items"]] == made[20:] and "next" not in nxt and "prev" in nxt
    last = client.get(path_of(container["last"])).get_json(force=True)
    assert [i["id"] for i in last["items"]] == made[5:] and "prev" in last
    prev = client.get(path_of(last["prev"])).get_json(force=True)
    assert [i["id"] for i in prev["items"]] == made[:5]

    iris = client.get("/annotations/", headers={
        "Prefer": 'return=representation;include="http://www.w3.org/ns/oa#PreferContainedIRIs"'})
    body = iris.get_json(force=True)
    assert body["first"]["items"][:2] == made[:2] and body["id"].endswith("?iris=1")
    assert iris.headers["Preference-Applied"] == "return=representation"
    minimal = client.get("/annotations/", headers={
        "Prefer": 'return=representation;include="http://www.w3.org/ns/ldp#PreferMinimalContainer"'})
    assert isinstance(minimal.get_json(force=True)["first"], str)
    filtered = client.get("/annotations/?page=1&tag=nothing").get_json(force=True)
    assert filtered["items"] == [] and filtered["partOf"]["total"] == 0


def test_context_is_served_locally(client):
    response = client.get("/annotations/context.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    ctx = response.get_json(force=True)["@context"]
    assert ctx["Annotation"] == "oa:Annotation" and "assessing" in ctx


def test_browser_gets_a_page(client, tokens):
    created = post(client, note(text="<script>alert(1)</script>"), tokens["alice"]).get_json(force=True)
    html = client.get("/annotations/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    one = client.get(path_of(created["id"]), headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in one and "<script>alert(1)" not in one
    assert re.search(r"by\s+alice,", one)                 # the creator
    assert "· created by alice" in one                         # the history


# ---------------------------------------------------------------------- create, read, update, delete

def test_create_read_update_delete(client, tokens):
    doc = note(canonical="urn:uuid:7d3a4a45-53a2-4b7b-8ce4-3c4b50e4b8b1")
    created = post(client, doc, tokens["alice"])
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json(force=True)
    assert body["id"].startswith("http://localhost:5000/annotations/")
    assert created.headers["Location"] == body["id"]
    assert body["canonical"] == doc["canonical"]
    assert created.headers["ETag"] and created.headers["Content-Type"] == PROFILE
    path = path_of(body["id"])

    got = client.get(path, headers={"Accept": PROFILE})
    assert got.status_code == 200 and got.headers["ETag"] == created.headers["ETag"]
    assert '<http://www.w3.org/ns/ldp#Resource>; rel="type"' in got.headers["Link"]
    assert '<http://www.w3.org/ns/oa#Annotation>; rel="type"' in got.headers["Link"]
    for method in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE"):
        assert method in got.headers["Allow"]
    assert "Accept" in got.headers["Vary"] and got.get_json(force=True) == body
    assert client.head(path).status_code == 200 and client.head(path).data == b""
    assert client.options(path).status_code == 200
    assert client.get(path, headers={"If-None-Match": got.headers["ETag"]}).status_code == 304

    changed = {**body, "target": "http://other.example/"}
    put = client.put(path, data=json.dumps(changed), content_type=PROFILE,
                     headers={**tokens["alice"], "If-Match": got.headers["ETag"]})
    assert put.status_code == 200, put.get_data(as_text=True)
    assert put.get_json(force=True)["target"] == "http://other.example/"
    assert put.headers["ETag"] != got.headers["ETag"]

    stale = client.delete(path, headers={**tokens["alice"], "If-Match": got.headers["ETag"]})
    assert stale.status_code == 412 and stale.get_json()["ok"] is False
    deleted = client.delete(path, headers={**tokens["alice"], "If-Match": put.headers["ETag"]})
    assert deleted.status_code == 204
    gone = client.get(path)
    assert gone.status_code == 410 and "deleted by alice" in gone.get_json()["error"]
    assert client.put(path, data=json.dumps(body), content_type=PROFILE,
                      headers={**tokens["alice"], "If-Match": "*"}).status_code == 410
    assert client.get("/annotations/never-was").status_code == 404
    history = client.get(f"{path}/history").get_json()
    assert [c["action"] for c in history["changes"]] == ["deleted", "updated", "created"]
    assert all(c["who"] == "alice" for c in history["changes"])


def test_if_match_rules(client, tokens):
    body = post(client, note(), tokens["alice"]).get_json(force=True)
    path = path_of(body["id"])
    etag = client.get(path).headers["ETag"]
    missing = client.put(path, data=json.dumps(body), content_type=PROFILE, headers=tokens["alice"])
    assert missing.status_code == 428
    assert client.delete(path, headers=tokens["alice"]).status_code == 428
    stale = client.put(path, data=json.dumps({**body, "target": "http://x.example/"}),
                       content_type=PROFILE, headers={**tokens["alice"], "If-Match": '"0000"'})
    assert stale.status_code == 412
    after = client.get(path)
    assert after.headers["ETag"] == etag and after.get_json(force=True)["target"] == body["target"]


def test_slug_names_the_annotation(client, tokens):
    created = post(client, note(), tokens["alice"], Slug='"my_first_annotation"')
    assert created.headers["Location"] == "http://localhost:5000/annotations/my_first_annotation"
    reserved = post(client, note(), tokens["alice"], Slug="context.jsonld")
    assert not reserved.headers["Location"].endswith("/context.jsonld")


# ---------------------------------------------------------------------- permissions

def test_every_write_route_needs_the_annotator_role(client, tokens):
    body = post(client, note(), tokens["alice"]).get_json(force=True)
    path = path_of(body["id"])
    etag = client.get(path).headers["ETag"]
    doc = json.dumps({**body, "target": "http://changed.example/"})
    routes = [("post", "/annotations/", json.dumps(note())), ("put", path, doc), ("delete", path, None)]
    for method, url, data in routes:
        call = getattr(client, method)
        kwargs = {"data": data, "content_type": PROFILE} if data else {}
        anonymous = call(url, headers={"If-Match": etag}, **kwargs)
        assert anonymous.status_code in (401, 403), (method, anonymous.status_code)
        assert "annotator" in anonymous.get_json()["error"]
        bad_token = call(url, headers={"If-Match": etag, "Authorization": "Bearer ckb_nope"}, **kwargs)
        assert bad_token.status_code == 401
        reader = call(url, headers={"If-Match": etag, **tokens["rita"]}, **kwargs)
        assert reader.status_code == 403 and "annotator" in reader.get_json()["error"]
    for method, url, data in routes[1:]:
        call = getattr(client, method)
        kwargs = {"data": data, "content_type": PROFILE} if data else {}
        other = call(url, headers={"If-Match": etag, **tokens["bob"]}, **kwargs)
        assert other.status_code == 403 and "only its creator" in other.get_json()["error"]
    assert client.get(path).headers["ETag"] == etag                  # nothing changed
    by_admin = client.put(path, data=doc, content_type=PROFILE,
                          headers={"If-Match": etag, **tokens["root"]})
    assert by_admin.status_code == 200
    assert client.delete(path, headers={"If-Match": by_admin.headers["ETag"], **tokens["root"]}
                         ).status_code == 204


def test_browser_writes_need_the_csrf_token(client, tokens):
    login(client, "alice")
    refused = client.post("/annotations/", data=json.dumps(note()), content_type=PROFILE)
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["error"]
    with client.session_transaction() as session:
        token = session.get("_csrf")
    accepted = client.post("/annotations/", data=json.dumps(note()), content_type=PROFILE,
                           headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201
    assert accepted.get_json(force=True)["creator"].endswith("/users/alice")


# ---------------------------------------------------------------------- bad input

@pytest.fixture
def article(kb):
    return kb.import_article(ArticleData(text=TEXT, title="Story", publisher="Daily Planet")).iri


def test_bad_input_is_refused_and_changes_nothing(app, client, tokens, article):
    alice = tokens["alice"]
    cases = [
        ("{not json", 400, "malformed JSON"),
        (json.dumps(note(target={"source": str(article),
                                 "selector": {"type": "TextPositionSelector", "start": 10, "end": 9999}})),
         400, "selector points outside the text"),
        (json.dumps(note(target={"source": str(article),
                                 "selector": {"type": "TextQuoteSelector", "exact": "not there"}})),
         400, "selector points outside the text"),
        (json.dumps({**note(), "@context": "http://example.org/other.jsonld"}), 400, "@context"),
        (json.dumps({**note(), "@context": [CTX, "http://example.org/other.jsonld"]}), 400,
         "remote JSON-LD context"),
    ]
    for data, status, message in cases:
        response = post(client, data, alice)
        assert response.status_code == status, (data[:80], response.get_data(as_text=True))
        assert message in response.get_json()["error"]
    huge = json.dumps(note(text="x" * (10 * 1024 * 1024 + 10)))
    too_big = post(client, huge, alice)
    assert too_big.status_code == 413 and "limit" in too_big.get_json()["error"]
    wrong_type = client.post("/annotations/", data="hello", content_type="text/plain", headers=alice)
    assert wrong_type.status_code == 415
    assert client.get("/annotations/").get_json(force=True)["total"] == 0

    ok = post(client, note(target={"source": str(article), "selector": [
        {"type": "TextQuoteSelector", "exact": "1,344 km"},
        {"type": "TextPositionSelector", "start": TEXT.index("1,344"), "end": TEXT.index("1,344") + 8}]},
        text='<script>alert("x")</script>'), alice)
    assert ok.status_code == 201
    served = client.get(path_of(ok.get_json(force=True)["id"]))
    assert served.get_json(force=True)["body"]["value"] == '<script>alert("x")</script>'
    assert served.mimetype == "application/ld+json"


# ---------------------------------------------------------------------- ../shared: the W3C examples

def _served_graph(doc: dict, iri: str, posted: dict):
    """The served annotation as RDF, less what the server adds (its creator account,
    and created and modified when the posted document had none)."""
    graph = jsonld.graph_of(doc)
    subject = URIRef(iri)
    if "modified" not in posted:
        graph.remove((subject, DCTERMS.modified, None))
    for creator in list(graph.objects(subject, DCTERMS.creator)):
        if "/users/" in str(creator):
            graph.remove((subject, DCTERMS.creator, creator))
    if "created" not in posted:
        graph.remove((subject, DCTERMS.created, None))
    return graph


def test_all_model_examples_round_trip(shared_data, client, tokens):
    files = sorted((shared_data / MODEL).glob("example*.jsonld"))
    assert len(files) == 44
    passed, refused = [], []
    for path in files:
        number = int(re.search(r"\d+", path.name).group())
        posted = json.loads(path.read_text(encoding="utf-8"))
        created = post(client, path.read_bytes(), tokens["alice"])
        if number in COLLECTION_EXAMPLES:
            assert created.status_code == 400, path.name
            assert "not an Annotation" in created.get_json()["error"]
            refused.append(number)
            continue
        assert created.status_code == 201, (path.name, created.get_data(as_text=True))
        iri = created.headers["Location"]
        served = client.get(path_of(iri)).get_json(force=True)
        expected = jsonld.graph_of({**posted, "id": iri})
        assert isomorphic(_served_graph(served, iri, posted), expected), path.name
        passed.append(number)
    assert len(passed) == 41 and refused == [38, 39, 40]
    assert {42, 43, 44} <= set(passed)          # Composite, List, Independents are accepted
    listed = client.get("/annotations/?page=1").get_json(force=True)
    assert listed["partOf"]["total"] == 41


def test_composite_list_independents_keep_their_type(shared_data, client, tokens):
    for number, kind in ((42, "Composite"), (43, "List"), (44, "Independents")):
        data = (shared_data / MODEL / f"example{number}.jsonld").read_bytes()
        served = client.get(path_of(post(client, data, tokens["alice"]).headers["Location"])).get_json(force=True)
        assert served["target"]["type"] == kind
        assert served["@context"][0] == CTX and served["@context"][1][kind].endswith(f"oa#{kind}")


def test_incorrect_samples_are_refused(shared_data, client, tokens):
    files = [p for folder in INCORRECT for p in sorted((shared_data / folder).glob("*.json"))]
    assert len(files) >= 70
    for path in files:
        response = post(client, path.read_bytes(), tokens["alice"])
        assert response.status_code == 400, (path.name, response.get_data(as_text=True))
        assert response.get_json()["error"]
    assert client.get("/annotations/").get_json(force=True)["total"] == 0


def test_correct_samples_are_accepted(shared_data, client, tokens):
    folder = shared_data / "web-annotation/web-annotation-tests/tools/samples/correct"
    accepted = 0
    for path in sorted(folder.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        response = post(client, path.read_bytes(), tokens["alice"])
        if doc.get("type") in ("AnnotationCollection", "AnnotationPage"):
            assert response.status_code == 400
        else:
            assert response.status_code == 201, (path.name, response.get_data(as_text=True))
            accepted += 1
    assert accepted >= 40


def _http_body(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n\n", 1)[1]


def test_protocol_examples(shared_data, client, tokens):
    folder = shared_data / PROTOCOL
    created = post(client, _http_body(folder / "example16.txt"), tokens["alice"],
                   Accept=PROFILE)
    assert created.status_code == 201
    assert created.get_json(force=True)["body"]["value"] == "I like this page!"
    slug = re.search(r'^Slug: (.*)$', (folder / "example18.txt").read_text(), re.M).group(1)
    named = post(client, _http_body(folder / "example18.txt"), tokens["alice"], Slug=slug)
    assert named.headers["Location"].endswith("/annotations/my_first_annotation")
    update = json.loads(_http_body(folder / "example20.txt"))
    update["id"] = named.headers["Location"]
    put = client.put(path_of(update["id"]), data=json.dumps(update), content_type=PROFILE,
                     headers={**tokens["alice"], "If-Match": named.headers["ETag"]})
    assert put.status_code == 200
    body = put.get_json(force=True)
    assert body["body"]["value"] == "I REALLY like this page!" and body["created"] == "2015-02-01T10:13:40Z"
    assert body["modified"] != body["created"]
    deleted = client.delete(path_of(update["id"]), headers={**tokens["alice"], "If-Match": put.headers["ETag"]})
    assert deleted.status_code == 204 and deleted.data == b""
