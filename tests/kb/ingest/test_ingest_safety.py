"""Hardening of the ingest side (issue 11): unsafe URLs refused at every import point,
deeply nested input refused before parsing, imports that never fetch, import-article's
SSRF guard, and pages that are not articles."""
from __future__ import annotations

import gzip
import http.server
import json
import socket
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb import KnowledgeBase, load_settings
from kb.ingest.articles import LOGIN_PAGE_MAX_TEXT_CHARS, MIN_ARTICLE_TEXT_CHARS, fetch, from_html, not_an_article
from kb.ingest.fetch import address_refusal
from kb.model.article import ArticleData
from kb.cli import main
from kb.config import MAX_IMPORT_DEPTH
from kb.errors import InputError

from tests.conftest import SEED_ARTICLE, TEST_DATA

DATA = TEST_DATA / "ingest_safety"
ARTICLE_HTML = TEST_DATA / "articles" / "article.html"
LIMIT = 5_000_000
DEEP = 5000
META = "https://w3id.org/claimkb/graph/metadata"
BASE = "http://localhost:5000/"


# ---------------------------------------------------------------- helpers

def refused(kb, path: Path, *where: str) -> str:
    """Import ``path``: an InputError naming the file and each of ``where``, and not a
    single quad written."""
    with pytest.raises(InputError) as err:
        kb.import_file(path)
    message = str(err.value)
    assert str(path) in message
    for part in where:
        assert part in message, message
    assert kb.store.quad_count() == 0, "a file with an unsafe URL must write nothing"
    return message


def one_error_line(result, *parts: str) -> str:
    """The CLI failed with exit 2 and one line ``error: …`` holding each of ``parts``."""
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def quads_in(data_dir: Path) -> int:
    with KnowledgeBase.open(load_settings(env={}, data_dir=data_dir)) as kb:
        return kb.store.quad_count()


class _Server:
    """An http.server on 127.0.0.x, port 0, in a thread, counting the requests it gets.
    ``routes``: path → (status, headers, body)."""

    def __init__(self, host: str = "127.0.0.1", routes: dict | None = None):
        self.requests: list[str] = []
        self.routes = routes or {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                owner.requests.append(self.path)
                status, headers, body = owner.routes.get(
                    self.path, (200, {"Content-Type": "text/html"}, ARTICLE_HTML.read_bytes()))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_POST = do_GET  # noqa: N815

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        # a short poll: shutdown() waits for it (0.5 s by default, twice per test)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@contextmanager
def serving(host: str = "127.0.0.1", routes: dict | None = None):
    server = _Server(host, routes)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def connects(monkeypatch):
    """Every address a socket connects to during the test (the guard's sockets)."""
    seen: list = []
    real = socket.socket.connect

    def spy(self, address):
        seen.append(address)
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", spy)
    return seen


# ================================================================ 1. unsafe URLs at import

CLAIMS_HEAD = f"""claimkb: 1
articles:
  seed:
    file: {SEED_ARTICLE}
    url: https://globinsider.example/2021/07/escalation
    publisher: Globinsider
    published: 2021-07-10
"""
CLAIMS_TAIL = """claims:
  - article: seed
    quote: Afghanistan lost control of 13 regions to the Taliban in just one day
    subject: border
    property: {label: number of districts lost in one day}
    value: thirteen
    speaker: envoy
    modality: reported-speech
"""


@pytest.mark.parametrize("yaml_text,where,what", [
    (CLAIMS_HEAD.replace("https://globinsider.example/2021/07/escalation",
                         "javascript:alert(document.cookie)") + CLAIMS_TAIL,
     ":4 articles.seed url", "the article URL 'javascript:alert(document.cookie)'"),
    (CLAIMS_HEAD + "    via: data:text/html,<script>alert(1)</script>\n" + CLAIMS_TAIL,
     ":4 articles.seed via", "the via URL 'data:text/html"),
    (CLAIMS_HEAD + "    via: ' javascript:alert(1)'\n" + CLAIMS_TAIL,
     ":4 articles.seed via", "is not a safe link"),
    (CLAIMS_HEAD + "entities:\n  border:\n    label: Afghan-Tajik border\n"
     "    same_as: [https://www.wikidata.org/wiki/Q1, 'javascript:alert(1)']\n" + CLAIMS_TAIL,
     ":10 entities.border", "same_as IRI 'javascript:alert(1)': the javascript: scheme"),
    (CLAIMS_HEAD + "properties:\n  length:\n    label: length\n"
     "    same_as: file:///etc/passwd\n" + CLAIMS_TAIL,
     ":10 properties.length", "the file: scheme is not accepted"),
    (CLAIMS_HEAD + "people:\n  envoy:\n    label: The envoy\n"
     "    same_as: vbscript:msgbox(1)\n" + CLAIMS_TAIL,
     ":10 people.envoy", "the vbscript: scheme is not accepted"),
], ids=["article-url", "via-data", "via-spaced-javascript", "entity-same-as",
        "property-same-as", "person-same-as"])
def test_claims_file_unsafe_url_is_refused_naming_the_place(kb, tmp_path, yaml_text, where, what):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    refused(kb, path, f"{path}{where}", what)


def test_claims_file_with_safe_urls_imports(kb, tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS_HEAD + "    via: https://wire.example/story\n" + CLAIMS_TAIL,
                    encoding="utf-8")
    assert kb.import_file(path).claims == 1


REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://factcheck.example.org/2021/07/bridge",
    "datePublished": "2021-07-12",
    "author": {"@type": "Organization", "name": "Example Fact Check",
               "url": "https://factcheck.example.org/", "sameAs": ["https://x.example/efc"]},
    "claimReviewed": "The old bridge was closed for good on 8 July 2021.",
    "itemReviewed": {"@type": "Claim",
                     "author": {"@type": "Person", "name": "Jane Doe"},
                     "appearance": [{"@type": "CreativeWork",
                                     "url": "https://news.example/bridge"}]},
    "reviewRating": {"@type": "Rating", "ratingValue": 2, "alternateName": "Mostly False"},
}


def _review(change) -> dict:
    doc = json.loads(json.dumps(REVIEW))
    change(doc)
    return doc


@pytest.mark.parametrize("change,where,what", [
    (lambda d: d.update(url="javascript:alert(1)"), "$.url", "javascript: scheme"),
    (lambda d: d["itemReviewed"]["appearance"][0].update(url="data:text/html,<b>x</b>"),
     "$.itemReviewed.appearance[0].url", "data: scheme"),
    (lambda d: d["author"].update(url="file:///etc/passwd"), "$.author.url", "file: scheme"),
    (lambda d: d["author"]["sameAs"].append("javascript:alert(1)"), "$.author.sameAs[1]",
     "javascript: scheme"),
    (lambda d: d.update(publisher={"@type": "Organization", "name": "P",
                                   "sameAs": {"@id": "vbscript:msgbox(1)"}}),
     "$.publisher.sameAs.@id", "vbscript: scheme"),
    (lambda d: d["itemReviewed"].update({"@id": "javascript:alert(1)"}),
     "$.itemReviewed.@id", "javascript: scheme"),
    (lambda d: d["itemReviewed"].update(firstAppearance={"url": " JaVaScRiPt:alert(1)"}),
     "$.itemReviewed.firstAppearance.url", "javascript: scheme"),
], ids=["review-url", "appearance-url", "author-url", "author-same-as", "publisher-same-as-id",
        "item-reviewed-id", "first-appearance-spaced"])
def test_claimreview_unsafe_url_is_refused_naming_the_place(kb, tmp_path, change, where, what):
    path = tmp_path / "review.jsonld"
    path.write_text(json.dumps(_review(change)), encoding="utf-8")
    refused(kb, path, f"{path} {where}", what)


def test_claimreview_link_typed_by_the_files_context_is_refused(kb, tmp_path):
    doc = _review(lambda d: d.update({
        "@context": ["https://schema.org", {"evidence": {"@id": "http://schema.org/citation",
                                                         "@type": "@id"}}],
        "evidence": "javascript:alert(1)"}))
    path = tmp_path / "review.jsonld"
    path.write_text(json.dumps(doc), encoding="utf-8")
    refused(kb, path, "javascript: scheme is not accepted")


def test_claimreview_with_safe_urls_imports(kb, tmp_path):
    path = tmp_path / "review.jsonld"
    path.write_text(json.dumps(REVIEW), encoding="utf-8")
    assert kb.import_file(path).claims == 1


def test_import_article_url_override_is_refused(cli):
    result = cli("import-article", ARTICLE_HTML, "--url", "javascript:alert(1)")
    one_error_line(result, "error: --url: the URL 'javascript:alert(1)' is not a safe link")
    assert quads_in(cli.data_dir) == 0


def test_an_article_with_an_unsafe_url_is_never_stored(kb):
    """The last line, whatever the path (CLI, web, claims file): article_quads."""
    for fields in ({"url": "javascript:alert(1)"}, {"url": "https://ok.example/a",
                                                   "via": "data:text/html,x"}):
        with pytest.raises(InputError, match="is not a safe link"):
            kb.import_article(ArticleData(text="Some text.\n", title="T", **fields))
    assert kb.store.quad_count() == 0


ARTICLE_IRI = f"<{BASE}articles/a>"
CLAIM_IRI = f"<{BASE}claims/c>"


@pytest.mark.parametrize("fmt,line,what", [
    ("nquads", f'{ARTICLE_IRI} <http://schema.org/url> "javascript:alert(1)"'
               f'^^<http://www.w3.org/2001/XMLSchema#anyURI> <{META}> .',
     f"schema:url of {ARTICLE_IRI} 'javascript:alert(1)' is not a safe link"),
    ("nquads", f'{ARTICLE_IRI} <http://schema.org/url> "ftp://files.example/a"'
               f'^^<http://www.w3.org/2001/XMLSchema#anyURI> <{META}> .',
     "schema:url of"),
    ("nquads", f'{ARTICLE_IRI} <https://w3id.org/claimkb/ns#via> <data:text/html,x> <{META}> .',
     "data: scheme is not accepted"),
    ("trig", f'<{META}> {{ <{BASE}annotations/rating-1> <http://schema.org/citation> '
             f'<mailto:x@example.org> . }}',
     f"schema:citation of <{BASE}annotations/rating-1> 'mailto:x@example.org'"),
    ("trig", f'<{META}> {{ <{BASE}entities/e> <http://www.w3.org/2002/07/owl#sameAs> '
             f'"javascript:alert(1)" . }}',
     f"owl:sameAs of <{BASE}entities/e> 'javascript:alert(1)'"),
    ("trig", f'<{META}> {{ <{BASE}people/p> <http://schema.org/sameAs> <file:///etc/passwd> . }}',
     "file: scheme is not accepted"),
    ("trig", f'<{META}> {{ {CLAIM_IRI} <http://schema.org/author> <javascript:alert(1)> . }}',
     f"the IRI in a quad about {CLAIM_IRI} 'javascript:alert(1)'"),
    ("trig", f'{CLAIM_IRI} {{ <{BASE}entities/e> <{BASE}properties/p> <vbscript:msgbox(1)> . }}',
     "vbscript: scheme is not accepted"),
], ids=["url-javascript", "url-ftp", "via-data", "citation-mailto", "owl-same-as-literal",
        "schema-same-as-file", "object-iri-javascript", "content-graph-vbscript"])
def test_rdf_import_with_an_unsafe_link_is_refused(kb, tmp_path, fmt, line, what):
    good = (f'{CLAIM_IRI} <http://schema.org/text> "a claim" <{META}> .' if fmt == "nquads" else
            f'<{META}> {{ {CLAIM_IRI} <http://schema.org/text> "a claim" . }}')
    path = tmp_path / ("kb.nq" if fmt == "nquads" else "kb.trig")
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")
    refused(kb, path, what)


def test_an_exported_kb_round_trips_through_the_link_checks(kb, tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS_HEAD + "    via: https://wire.example/story\n" + CLAIMS_TAIL,
                    encoding="utf-8")
    kb.import_file(path)
    before = kb.store.quad_count()
    for fmt, name in (("trig", "kb.trig"), ("nquads", "kb.nq")):
        with open(tmp_path / name, "wb") as out:
            kb.export(out, fmt)
    kb.clear()
    assert kb.import_file(tmp_path / "kb.trig").quads == before


# ================================================================ 2. deeply nested input

def _deep_yaml() -> str:
    return ("claimkb: 1\nclaims:\n  - article: x\n    statement: y\n    value: "
            + "[" * DEEP + "]" * DEEP + "\n")


def _deep_jsonld() -> str:
    inner = '{"@type": "Thing", "name": "x"}'
    return ('{"@context": "https://schema.org", "@type": "ClaimReview", "url": '
            '"https://f.example/r", "claimReviewed": "c", "itemReviewed": '
            + '{"@type": "Claim", "subjectOf": ' * DEEP + inner + "}" * DEEP + "}")


def _deep_trig_property_lists() -> str:
    return (f"<{BASE}claims/c> {{ <{BASE}entities/e> <{BASE}properties/p> "
            + f"[ <{BASE}properties/p> " * DEEP + "1" + " ]" * DEEP + " . }\n")


def _deep_trig_collections() -> str:
    return (f"<{BASE}claims/c> {{ <{BASE}entities/e> <{BASE}properties/p> "
            + "( " * DEEP + "1" + " )" * DEEP + " . }\n")


def _deep_quoted_triples() -> str:
    return ("<< " * DEEP + "<http://x/s> <http://x/p> <http://x/o>" + " >>" * DEEP
            + " <http://x/p> <http://x/o> <http://x/g> .\n")


def _deep_trig_after_an_escape() -> str:
    # ex:a\' is a name with an escaped quote, not the start of a string
    return ("@prefix ex: <http://e/> .\nex:s ex:a\\' " + "[ ex:p " * DEEP + "ex:o"
            + " ]" * DEEP + " .\n")


@pytest.mark.parametrize("name,text,line", [
    ("deep.yaml", _deep_yaml, ":5"),
    ("star.nq", _deep_quoted_triples, ":1"),
    ("escape.trig", _deep_trig_after_an_escape, ":2"),
    ("deep.jsonld", _deep_jsonld, ":1"),
    ("deep.trig", _deep_trig_property_lists, ":1"),
    ("collections.trig", _deep_trig_collections, ":1"),
])
def test_deeply_nested_file_is_one_clear_error_through_the_cli(cli, tmp_path, name, text, line):
    """5,000 levels: exit 2, one line naming the file (and line), no RecursionError
    (catch_exceptions=False: a traceback would fail the test), nothing written."""
    path = tmp_path / name
    path.write_text(text(), encoding="utf-8")
    result = cli("import", path)
    one_error_line(result, f"error: {path}{line}: nested more than {MAX_IMPORT_DEPTH} levels deep")
    assert quads_in(cli.data_dir) == 0


def test_deep_yaml_through_the_real_console_script(tmp_path):
    """The installed `claimkb` in a subprocess: exit 2, one line, no traceback."""
    import subprocess
    import sys

    path = tmp_path / "deep.yaml"
    path.write_text(_deep_yaml(), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kb", "--data-dir", str(tmp_path / "kb"),
                           "import", str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        f"error: {path}:5: nested more than {MAX_IMPORT_DEPTH} levels deep (lists or "
        "mappings inside each other); refused before parsing further"]


def test_brackets_inside_strings_do_not_count_as_nesting(kb, tmp_path):
    """The depth is measured on the format's tokens, not by counting characters."""
    review = tmp_path / "brackets.jsonld"
    review.write_text(json.dumps(_review(lambda d: d.update(
        claimReviewed="[{(" * DEEP + " the bridge \\\" ]"))), encoding="utf-8")
    assert kb.import_file(review).claims == 1
    trig = tmp_path / "brackets.trig"
    trig.write_text(f'<{BASE}claims/c> {{ <{BASE}entities/e> <{BASE}properties/p> "{"[(" * DEEP}" ,'
                    f' """{"{[" * DEEP}\n""" , \'{"((" * DEEP}\' . }}  # {"[" * DEEP}\n'
                    f"<{BASE}claims/d> {{ <{BASE}entities/e> <{BASE}properties/p> "
                    + "[ <http://x.example/p> " * 50 + "1" + " ]" * 50 + " . }\n",
                    encoding="utf-8")
    assert kb.import_file(trig).quads == 3 + 51


def test_nesting_just_under_the_limit_is_accepted(kb, tmp_path):
    from kb.ingest.claimsfile import load_yaml
    from kb.ingest.schema_jsonld import check_json_depth

    levels = MAX_IMPORT_DEPTH - 1      # the document's mapping is one level
    assert load_yaml("a: " + "[" * levels + "]" * levels, "x.yaml")
    with pytest.raises(InputError, match="nested more than"):
        load_yaml("a: " + "[" * (levels + 1) + "]" * (levels + 1), "x.yaml")
    check_json_depth("[" * MAX_IMPORT_DEPTH + "]" * MAX_IMPORT_DEPTH, "x.json")
    with pytest.raises(InputError, match="x.json:1: nested more than"):
        check_json_depth("[" * (MAX_IMPORT_DEPTH + 1), "x.json")


def test_a_file_over_max_import_bytes_is_refused_before_parsing(tmp_path):
    settings = load_settings(env={"CLAIMKB_MAX_IMPORT_BYTES": "1000"}, data_dir=tmp_path / "kb")
    path = tmp_path / "big.nq"
    path.write_text(f'<{BASE}a> <{BASE}b> "{"x" * 2000}" .\n', encoding="utf-8")
    with KnowledgeBase.open(settings) as kb:
        with pytest.raises(InputError, match=r"big.nq: the file is 2\d\d\d bytes; the limit "
                                             r"is 1000 \(setting max_import_bytes\)"):
            kb.import_file(path)
        assert kb.store.quad_count() == 0


# ================================================================ 3. imports never fetch

def test_imports_never_fetch_the_urls_they_name(kb, tmp_path, no_proxy):
    with serving() as server:
        site = server.base
        claims = tmp_path / "claims.yaml"
        claims.write_text(
            CLAIMS_HEAD.replace("https://globinsider.example/2021/07/escalation",
                                f"{site}/escalation")
            + f"    via: {site}/via\n"
            + f"entities:\n  border:\n    label: border\n    same_as: {site}/entity\n"
            + CLAIMS_TAIL, encoding="utf-8")
        review = tmp_path / "review.jsonld"
        review.write_text(json.dumps(_review(lambda d: (
            d.update(url=f"{site}/review", image=f"{site}/image.png",
                     mainEntityOfPage=f"{site}/page", sameAs=f"{site}/same"),
            d["author"].update(url=f"{site}/author", sameAs=[f"{site}/author-same"]),
            d["itemReviewed"]["appearance"][0].update(url=f"{site}/appearance"),
            d["itemReviewed"].update(firstAppearance={"@id": f"{site}/first"})))),
            encoding="utf-8")
        remote_context = tmp_path / "context.jsonld"
        remote_context.write_text(json.dumps(_review(lambda d: d.update(
            {"@context": f"{site}/context.jsonld"}))), encoding="utf-8")

        assert kb.import_file(claims).claims == 1
        assert kb.import_file(review).claims == 1
        with pytest.raises(InputError, match="never fetched"):
            kb.import_file(remote_context)
        assert server.requests == [], "an import made a request to a URL it names"
    assert kb.article_metadata(kb.find_article(f"{site}/escalation")).via == f"{site}/via"


# ================================================================ 4. SSRF on import-article

def test_fetch_refuses_a_loopback_url_without_connecting(no_proxy, connects):
    with serving() as server:
        with pytest.raises(InputError) as err:
            fetch(f"{server.base}/article.html", 5, LIMIT, local_addresses=False)
        assert server.requests == []
    assert err.value.where == f"{server.base}/article.html"
    assert "refusing to connect to 127.0.0.1, a loopback address" in err.value.message
    assert "fetch_local_addresses" in err.value.message
    assert connects == []


@pytest.mark.parametrize("host,why", [
    ("10.0.0.1", "a private address"), ("172.16.5.4", "a private address"),
    ("192.168.1.1", "a private address"), ("169.254.169.254", "a link-local address"),
    ("0.0.0.0", "an unspecified address"), ("224.0.0.1", "a multicast address"),
    ("100.64.0.1", "not a public address"), ("127.8.9.10", "a loopback address"),
    ("[::1]", "a loopback address"), ("[fe80::1]", "a link-local address"),
    ("[fc00::1]", "a private address"), ("[::ffff:127.0.0.1]", "a loopback address"),
    ("[::]", "an unspecified address"), ("[ff02::1]", "a multicast address"),
    ("localhost", "a loopback address"),
])
def test_fetch_refuses_non_public_addresses_before_connecting(no_proxy, connects, host, why):
    with pytest.raises(InputError) as err:
        fetch(f"http://{host}:8080/article.html", 5, LIMIT, local_addresses=False)
    assert why in err.value.message and "refusing to connect" in err.value.message
    assert connects == [], "no packet may be sent to a refused address"


def test_address_refusal_public_addresses_pass():
    for ip in ("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"):
        assert address_refusal(ip) is None


@pytest.mark.parametrize("target", [
    "http://127.0.0.2:{port_b}/article.html", "http://[::1]:{port_b}/article.html",
    "file:///etc/passwd", "http://10.0.0.1/article.html", "ftp://127.0.0.1/x",
    "javascript:alert(1)", "//127.0.0.2:{port_b}/article.html",
    "http://localhost:{port_b}/article.html",
])
def test_a_redirect_to_a_local_address_or_scheme_is_refused(no_proxy, connects, target):
    """The first hop (127.0.0.1:A) is allowed through the test seam; the redirect it
    answers with is checked on its own and refused: B never gets a request."""
    with serving("127.0.0.2") as other:
        location = target.format(port_b=other.port)
        with serving(routes={"/go": (302, {"Location": location}, b"")}) as first:
            with pytest.raises(InputError) as err:
                fetch(f"{first.base}/go", 5, LIMIT, local_addresses=False,
                      allow={f"127.0.0.1:{first.port}"})
            assert first.requests == ["/go"]
        assert other.requests == []
    assert err.value.where == f"{first.base}/go"
    assert "refusing to connect" in err.value.message or \
        "only http:// and https:// redirects are followed" in err.value.message
    assert all(address[0] == "127.0.0.1" for address in connects), connects


def test_a_redirect_between_allowed_addresses_is_followed(no_proxy):
    with serving(routes={"/go": (301, {"Location": "/article.html"}, b"")}) as server:
        data = fetch(f"{server.base}/go", 5, LIMIT, local_addresses=False,
                     allow={f"127.0.0.1:{server.port}"})
    assert server.requests == ["/go", "/article.html"]
    assert data.title == "Reservoir falls to record low as drought deepens"


def test_the_connected_peer_is_checked_too(no_proxy, monkeypatch):
    """DNS rebinding, NAT, a hijacked resolver: the address actually connected to is
    checked after connect, not only what the name resolved to."""
    with serving() as server:
        real = socket.socket.getpeername

        def elsewhere(self):
            peer = real(self)
            return ("127.0.0.2", *peer[1:]) if peer[1] == server.port else peer

        monkeypatch.setattr(socket.socket, "getpeername", elsewhere)
        with pytest.raises(InputError, match=r"127\.0\.0\.2, a loopback address"):
            fetch(f"{server.base}/article.html", 5, LIMIT, local_addresses=False,
                  allow={f"127.0.0.1:{server.port}"})
        assert server.requests == []


def test_cli_import_article_refuses_local_urls_unless_the_setting_allows(tmp_path, no_proxy):
    runner = CliRunner()
    data_dir = tmp_path / "kb"
    with serving() as server:
        url = f"{server.base}/article.html"
        result = runner.invoke(main, ["--data-dir", str(data_dir), "import-article", url],
                               env={"CLAIMKB_FETCH_LOCAL_ADDRESSES": None},
                               catch_exceptions=False)
        one_error_line(result, f"error: {url}: refusing to connect to 127.0.0.1, a loopback "
                               "address", "CLAIMKB_FETCH_LOCAL_ADDRESSES=true")
        assert server.requests == []
        assert quads_in(data_dir) == 0
        result = runner.invoke(main, ["--data-dir", str(data_dir), "import-article", url],
                               env={"CLAIMKB_FETCH_LOCAL_ADDRESSES": "true"},
                               catch_exceptions=False)
        assert result.exit_code == 0 and "new article" in result.output, result.output
        assert server.requests == ["/article.html"]


# ================================================================ 5. not an article

@pytest.mark.parametrize("name,why", [
    ("apache-index.html", "a directory listing"),
    ("nginx-index.html", "a directory listing"),
    ("python-listing.html", "a directory listing"),
    ("login.html", "a login form"),
    ("almost-no-text.html", "almost no running text"),
])
def test_a_page_that_is_not_an_article_is_refused(cli, name, why):
    path = DATA / name
    with pytest.raises(InputError, match=why):
        from_html(path.read_bytes(), str(path), LIMIT)
    result = cli("import-article", path)
    one_error_line(result, f"error: {path}: the page ", why, "not an article")
    assert quads_in(cli.data_dir) == 0


def test_the_not_an_article_rule_and_its_thresholds():
    prose = "The reservoir held 23 percent of its capacity on Wednesday. " * 20
    page = "<html><head><title>Reservoir</title></head><body>{}</body></html>"
    password = '<form><input name=u><input type="password" name=p></form>'
    assert not_an_article(page.format(""), prose) is None
    assert not_an_article(page.format(password), prose[:LOGIN_PAGE_MAX_TEXT_CHARS]) is None
    assert "login form" in not_an_article(page.format(password),
                                          prose[:LOGIN_PAGE_MAX_TEXT_CHARS - 1])
    assert not_an_article(page.format(""), prose[:MIN_ARTICLE_TEXT_CHARS]) is None
    assert "almost no running text" in not_an_article(page.format(""),
                                                      prose[:MIN_ARTICLE_TEXT_CHARS - 1])
    listing = "<html><head><title>Index of /pub/</title></head><body>{}</body></html>"
    assert "directory listing" in not_an_article(listing, prose)


def test_a_fetched_directory_listing_is_refused(tmp_path, no_proxy):
    listing = (DATA / "nginx-index.html").read_bytes()
    with serving(routes={"/files/": (200, {"Content-Type": "text/html"}, listing)}) as server:
        with pytest.raises(InputError, match="directory listing"):
            fetch(f"{server.base}/files/", 5, LIMIT, local_addresses=True)


def test_real_articles_still_import(cli):
    for source in (ARTICLE_HTML, TEST_DATA / "articles" / "legacy-charset.html", SEED_ARTICLE):
        result = cli("import-article", source)
        assert result.exit_code == 0 and "new article" in result.output, (source, result.output)


@pytest.mark.shared
@pytest.mark.slow
def test_no_real_news_page_is_taken_for_a_non_article(shared_data):
    """Every page of ../shared/data/news-articles (209 real pages, some with a login
    box, one whose extraction is only a photo caption) passes the rule."""
    base = shared_data / "news-articles"
    pages = sorted((base / "scrapinghub-article-extraction-benchmark" / "html").glob("*.html.gz"))
    pages += sorted((base / "trafilatura-eval" / "html").glob("*.html"))
    assert len(pages) > 200
    for page in pages:
        raw = page.read_bytes()
        raw = gzip.decompress(raw) if page.suffix == ".gz" else raw
        assert from_html(raw, page.name, LIMIT).text   # no InputError: not refused



def test_yaml_aliases_are_refused(cli, tmp_path):
    # an alias adds no depth to the composer: a chain of 3,000 built a list 3,000 deep
    # and died of RecursionError
    path = tmp_path / "alias.yaml"
    path.write_text("claimkb: [&a0 []" + "".join(f", &a{i} [*a{i - 1}]" for i in range(1, 3000))
                    + "]\n", encoding="utf-8")
    result = cli("import", path)
    one_error_line(result, f"error: {path}:1: YAML aliases")
    assert quads_in(cli.data_dir) == 0


def test_many_unclosed_inputs_do_not_hang_the_article_check():
    # the password-field pattern rescanned the page for every unclosed <input: 28 s on
    # 140 KB; bounded, it is one pass (a generous bound: this guards a hang, not speed)
    import time

    html = "<p>short</p>" + "<input " * 20000
    started = time.monotonic()
    assert not_an_article(html, "short") is not None
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("ip,why", [
    ("::7f00:1", "loopback"), ("::a00:1", "private"), ("64:ff9b::a00:1", "private"),
    ("64:ff9b:1::7f00:1", "loopback"), ("2002:7f00:1::1", "loopback"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),   # Teredo: its client is 10.0.0.1
])
def test_ipv6_forms_that_carry_an_ipv4_address_are_judged_by_it(ip, why):
    assert why in (address_refusal(ip) or "")
