"""Wikidata lookups (kb.services.wikidata, docs/wikidata.md) over real HTTP: against a
real `oxigraph serve-read-only` on 127.0.0.1 holding a small Wikidata-shaped extract
(tests/data/wikidata/extract.ttl; a server of this module's own, since the session's
shared one is emptied by other tests), and against endpoints that fail in each way a
network does: nothing listening, a server that never answers or answers too slowly,
HTML, broken JSON, HTTP errors, bytes that are not HTTP. Nothing here leaves 127.0.0.1.

The tests on the Oxigraph server are marked ``remote`` (they need the server binary);
the failing endpoints are small servers in this process and run everywhere.
"""
from __future__ import annotations

import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL
from rdflib.plugins.sparql import prepareQuery

from kb.errors import InputError, NotFound, StoreError
from kb.model.iris import META
from kb.model.vocab import SCHEMA, WD
from kb.services.wikidata import (TURNED_OFF, WDT, WIKIBASE, Candidate, ItemFacts,
                                  WikidataLookup, link_quads, parse_id, spellings)
from kb.store.sparql import render
from tests.conftest import (TEST_DATA, _free_port, _oxigraph_binary, stop_process,
                            wait_for_http)

EXTRACT = TEST_DATA / "wikidata" / "extract.ttl"
remote = pytest.mark.remote


# ---------------------------------------------------------------- the real endpoint

@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    """`oxigraph serve-read-only` over a store loaded with the extract; yields its
    query URL."""
    binary = _oxigraph_binary()
    location = tmp_path_factory.mktemp("wikidata-extract")
    loaded = subprocess.run([binary, "load", "--location", str(location), "--file", str(EXTRACT)],
                            capture_output=True, text=True, timeout=120)
    if loaded.returncode != 0:
        pytest.fail(f"oxigraph load failed: {loaded.stderr[-2000:]}")
    port = _free_port()
    proc = subprocess.Popen([binary, "serve-read-only", "--location", str(location),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    wait_for_http(f"{url}/query?query=ASK%7B%7D", proc, "oxigraph serve-read-only", timeout=30)
    yield f"{url}/query"
    stop_process(proc)


@pytest.fixture(scope="module")
def wikidata(endpoint):
    return WikidataLookup(endpoint, timeout=10)


def qids(found: list[Candidate]) -> list[str]:
    return [c.qid for c in found]


@remote
def test_candidates_by_english_label(wikidata):
    found = wikidata.candidates("Tajikistan")
    assert found == [Candidate("Q863", "Tajikistan", "country in Central Asia",
                               ("country", "sovereign state"), "Tajikistan")]


@remote
@pytest.mark.parametrize("typed, matched", [("Tadzhikistan", "Tadzhikistan"),
                                            ("republic of tajikistan", "Republic of Tajikistan"),
                                            ("TJK", "TJK")])
def test_candidates_by_alias(wikidata, typed, matched):
    [found] = wikidata.candidates(typed)
    assert (found.qid, found.label, found.matched) == ("Q863", "Tajikistan", matched)


@remote
@pytest.mark.parametrize("typed, language, label, description, types", [
    ("Tadschikistan", "de", "Tadschikistan", "Staat in Zentralasien", ("Staat", "souveräner Staat")),
    ("Таджикистан", "ru", "Таджикистан", "государство в Центральной Азии",
     ("страна", "суверенное государство")),
    ("Тоҷикистон", "tg", "Тоҷикистон", "country in Central Asia", ("country", "sovereign state")),
    ("تاجیکستان", "fa", "تاجیکستان", "country in Central Asia", ("country", "sovereign state")),
])
def test_candidates_in_other_languages(wikidata, typed, language, label, description, types):
    """Label, description and class labels in the asked language, else in English."""
    assert wikidata.candidates(typed, language=language) == [
        Candidate("Q863", label, description, types, typed)]


@remote
def test_english_is_searched_too_and_shown_in_the_asked_language(wikidata):
    [found] = wikidata.candidates("Tajikistan", language="de")
    assert (found.qid, found.label, found.matched) == ("Q863", "Tadschikistan", "Tajikistan")


@remote
@pytest.mark.parametrize("typed, qid", [
    ("tajikistan", "Q863"), ("TAJIKISTAN", "Q863"), ("  tajikistan ", "Q863"),
    ("mazar-i-sharif", "Q130469"), ("united states of america", "Q30"),
    ("badakhshan province", "Q165376"), ("nato", "Q7184"), ("csto", "Q990000302"),
    ("таджикистан", "Q863"),
])
def test_candidates_as_people_type(wikidata, typed, qid):
    assert qids(wikidata.candidates(typed, language="ru" if typed[0] == "т" else "en"))[:1] == [qid]


@remote
def test_a_property_by_label_and_an_item_of_the_same_label(wikidata):
    [prop] = wikidata.candidates("length", kind="property")
    assert (prop.qid, prop.label, prop.description) == ("P2043", "length",
                                                        "measured dimension of an object")
    assert qids(wikidata.candidates("length")) == ["Q36253"]
    assert qids(wikidata.candidates("Länge", language="de", kind="property")) == ["P2043"]
    assert qids(wikidata.candidates("located in", kind="property")) == ["P131"]


@remote
def test_an_ambiguous_label_gives_both_with_what_tells_them_apart(wikidata):
    found = wikidata.candidates("georgia")
    assert [(c.qid, c.label, c.description, c.types) for c in found] == [
        ("Q230", "Georgia", "country in the Caucasus", ("country", "sovereign state")),
        ("Q1428", "Georgia", "state of the United States of America", ("state of the United States",)),
    ]
    assert qids(wikidata.candidates("Georgia", limit=1)) == ["Q230"]


@remote
def test_labels_come_before_aliases_then_the_lower_id(wikidata):
    """"Kunduz" is the city's label and an alias of the province; "Islamic Emirate of
    Afghanistan" an alias of both Afghanistan and the Taliban."""
    assert [(c.qid, c.matched) for c in wikidata.candidates("Kunduz")] == [
        ("Q108155", "Kunduz"), ("Q186418", "Kunduz")]
    assert qids(wikidata.candidates("Islamic Emirate of Afghanistan")) == ["Q889", "Q990000301"]


@remote
def test_a_label_only_in_mul_is_found_and_shown(wikidata):
    [found] = wikidata.candidates("Khorugh", language="fr")
    assert (found.qid, found.label, found.types) == ("Q467501", "Khorugh", ("ville",))


@remote
@pytest.mark.parametrize("typed", ["Atlantis", "Tajikistan border", "Q863",
                                   '"} } DROP ALL ; SELECT * { ?s ?p ?o', "\\u0022 #"])
def test_an_unknown_label_gives_nothing(wikidata, typed):
    """Text never becomes SPARQL: quotes and braces are a label like any other."""
    assert wikidata.candidates(typed) == []


@remote
def test_facts_of_a_province(wikidata):
    facts = wikidata.facts("Q165376")
    assert facts == ItemFacts(
        qid="Q165376", label="Badakhshan Province", description="province of Afghanistan",
        aliases=("Badakhshan",), instance_of=("Q990000101",), part_of=(), located_in=("Q889",),
        country=("Q889",), property_type=None, units=(), label_language="en",
        description_language="en")


@remote
def test_facts_of_a_city_and_a_country(wikidata):
    kabul = wikidata.facts("wd:Q5838", language="de")
    assert (kabul.label, kabul.description, kabul.instance_of, kabul.located_in, kabul.country) == (
        "Kabul", "Hauptstadt Afghanistans", ("Q515", "Q5119"), ("Q188933",), ("Q889",))
    tajikistan = wikidata.facts("q863")
    assert tajikistan.part_of == ("Q27275",) and tajikistan.country == ("Q863",)
    assert tajikistan.aliases == ("Republic of Tajikistan", "Tadjikistan", "Tadzhikistan", "TJK")


@remote
def test_facts_of_a_border_give_both_countries(wikidata):
    facts = wikidata.facts("http://www.wikidata.org/entity/Q990000201", language="ru")
    assert facts.country == ("Q863", "Q889")
    assert facts.instance_of == ("Q12413618",)
    assert (facts.label, facts.label_language) == ("афгано-таджикская граница", "ru")
    assert facts.description_language == "en"      # no Russian description: English


@remote
def test_facts_of_a_property(wikidata):
    facts = wikidata.facts("P2043", language="fr")
    assert (facts.qid, facts.label, facts.property_type, facts.units) == (
        "P2043", "longueur", "Quantity", ("Q11573", "Q828224"))
    assert wikidata.facts("P463").property_type == "WikibaseItem"


@remote
def test_facts_fall_back_to_mul_and_follow_a_redirect(wikidata):
    khorugh = wikidata.facts("Q467501", language="de")
    assert (khorugh.label, khorugh.label_language) == ("Khorugh", "mul")
    assert wikidata.facts("Q990000900").qid == "Q863"       # merged into Tajikistan


@remote
@pytest.mark.parametrize("qid", ["Q990009999", "P99999", "Q12413618000"])
def test_facts_of_an_unknown_id_is_not_found(wikidata, qid):
    with pytest.raises(NotFound) as err:
        wikidata.facts(qid)
    assert qid in str(err.value)


@pytest.mark.parametrize("bad", ["X12", "Q", "Q0", "Q12abc", "L123", "", "Tajikistan",
                                 "http://example.org/entity/Q863"])
def test_facts_of_what_is_not_an_id_is_an_input_error(bad):
    """Refused before any request: the endpoint here listens nowhere."""
    with pytest.raises(InputError):
        WikidataLookup(f"http://127.0.0.1:{_free_port()}/sparql").facts(bad)


def test_ids_are_read_from_what_people_paste():
    for text in ("Q863", "q863", " wd:Q863 ", "http://www.wikidata.org/entity/Q863",
                 "https://www.wikidata.org/wiki/Q863"):
        assert parse_id(text) == "Q863"
    assert parse_id("https://www.wikidata.org/wiki/Property:P2043") == "P2043"


def test_spellings():
    assert spellings("mazar-i-sharif") == ["mazar-i-sharif", "Mazar-i-sharif", "Mazar-i-Sharif"]
    assert spellings("united  states of america")[-1] == "United States of America"
    assert spellings("nato") == ["nato", "Nato", "NATO"]
    assert spellings("Tajikistan") == ["Tajikistan", "tajikistan"]      # no acronym


@pytest.mark.parametrize("kwargs", [{"text": ""}, {"text": "   "}, {"text": "x" * 300},
                                    {"kind": "lexeme"}, {"limit": 0}, {"limit": 51},
                                    {"language": "e n"}, {"language": ""}])
def test_bad_lookup_arguments_are_input_errors(kwargs):
    lookup = WikidataLookup(f"http://127.0.0.1:{_free_port()}/sparql")
    with pytest.raises(InputError):
        lookup.candidates(**{"text": "Tajikistan", **kwargs})


# ---------------------------------------------------------------- failing endpoints

def test_an_empty_endpoint_turns_lookups_off():
    lookup = WikidataLookup("")
    for call in (lambda: lookup.candidates("Tajikistan"), lambda: lookup.facts("Q863")):
        with pytest.raises(InputError) as err:
            call()
        assert str(err.value) == TURNED_OFF == (
            "Wikidata lookups are turned off (setting wikidata_endpoint is empty)")


@pytest.mark.parametrize("bad", ["ftp://example.org/sparql", "query.wikidata.org/sparql",
                                 "http:///sparql"])
def test_an_endpoint_that_is_not_an_http_url_is_refused(bad):
    with pytest.raises(InputError):
        WikidataLookup(bad)
    with pytest.raises(InputError):
        WikidataLookup("http://127.0.0.1/sparql", timeout=0)


def test_nothing_listening_is_a_quick_store_error():
    url = f"http://127.0.0.1:{_free_port()}/sparql"
    started = time.monotonic()
    with pytest.raises(StoreError) as err:
        WikidataLookup(url, timeout=5).candidates("Tajikistan")
    assert time.monotonic() - started < 3
    assert str(err.value) == f"cannot reach the Wikidata endpoint {url}: Connection refused"


@contextmanager
def raw_server(reply: bytes | None):
    """A TCP server on 127.0.0.1 that accepts connections and sends ``reply`` then
    closes, or (None) never answers. Yields its URL; everything is closed after."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)
            if reply is not None:
                conn.recv(65536)
                conn.sendall(reply)
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        listener.close()


def test_an_endpoint_that_never_answers_is_a_store_error_after_the_timeout():
    with raw_server(None) as url:
        started = time.monotonic()
        with pytest.raises(StoreError) as err:
            WikidataLookup(url, timeout=1).facts("Q863")
        took = time.monotonic() - started
    assert str(err.value) == f"the Wikidata endpoint {url} did not answer within 1 s"
    assert 0.9 < took < 3


@pytest.mark.parametrize("reply, says", [
    (b"SSH-2.0-OpenSSH_9.2\r\n", "answered something that is not HTTP (BadStatusLine)"),
    (b"", "closed the connection without answering"),
])
def test_bytes_that_are_not_http_are_a_store_error(reply, says):
    with raw_server(reply) as url, pytest.raises(StoreError) as err:
        WikidataLookup(url, timeout=5).candidates("Tajikistan")
    assert str(err.value) == f"the Wikidata endpoint {url} {says}"


# (status, content type, body) per path of the HTTP server below
ANSWERS = {
    "/html": (200, "text/html; charset=utf-8", b"<!DOCTYPE html><html><body>Hello</body></html>"),
    "/broken": (200, "application/sparql-results+json", b'{"head": {"vars": ["item"]}, "res'),
    "/ask": (200, "application/sparql-results+json", b'{"head": {}, "boolean": true}'),
    "/cells": (200, "application/sparql-results+json",
               b'{"head": {"vars": ["item"]}, "results": {"bindings": [{"item": 3}]}}'),
    "/latin1": (200, "application/json", b'{"results": {"bindings": [{"x": "\xe9"}]}}'),
    "/busy": (503, "text/html", b"<html>Service Unavailable</html>"),
    "/limited": (429, "text/plain", b"Too Many Requests"),
    "/error": (500, "text/plain", b"java.lang.NullPointerException"),
    "/missing": (404, "text/html", b"<html>Not Found</html>"),
    "/refused": (400, "text/plain", b"Parse error"),
}


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(dict(self.headers))
        if self.path == "/trickle":        # headers at once, then a byte every 0.2 s
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            try:
                for _ in range(25):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
            return
        status, content_type, body = ANSWERS[self.path]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def bad_http():
    """An HTTP server on 127.0.0.1 answering what ANSWERS says; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize("path, says", [
    ("/html", "answered something that is not SPARQL results (text/html)"),
    ("/broken", "answered something that is not SPARQL results (application/sparql-results+json: "
                "JSONDecodeError)"),
    ("/ask", "answered something that is not SPARQL results (application/sparql-results+json: "
             "KeyError)"),
    ("/cells", "answered something that is not SPARQL results (application/sparql-results+json: "
               "TypeError)"),
    ("/latin1", "answered something that is not SPARQL results (application/json: "
                "UnicodeDecodeError)"),
    ("/busy", "answered HTTP 503 Service Unavailable"),
    ("/limited", "answered HTTP 429 Too Many Requests"),
    ("/error", "answered HTTP 500 (an internal error)"),
    ("/missing", "answered HTTP 404 (is this its SPARQL endpoint's URL?)"),
    ("/refused", "answered HTTP 400 (it refused the query)"),
])
def test_an_answer_that_is_not_sparql_results_is_a_store_error(bad_http, path, says):
    url = bad_http + path
    for call in (lambda w: w.candidates("Tajikistan"), lambda w: w.facts("Q863")):
        with pytest.raises(StoreError) as err:
            call(WikidataLookup(url, timeout=5))
        assert str(err.value) == f"the Wikidata endpoint {url} {says}"


def test_an_answer_slower_than_the_timeout_is_cut_off(bad_http):
    url = bad_http + "/trickle"
    started = time.monotonic()
    with pytest.raises(StoreError) as err:
        WikidataLookup(url, timeout=1).candidates("Tajikistan")
    assert str(err.value) == f"the Wikidata endpoint {url} did not answer within 1 s"
    assert time.monotonic() - started < 2.5


def test_requests_say_who_asks(bad_http):
    _Handler.seen.clear()
    with pytest.raises(StoreError):
        WikidataLookup(bad_http + "/html", user_agent="claimkb-test (mailto:x@example.org)").facts("Q1")
    [headers] = _Handler.seen
    assert headers["User-Agent"] == "claimkb-test (mailto:x@example.org)"
    assert "application/sparql-results+json" in headers["Accept"]


def test_credentials_in_the_endpoint_never_show(bad_http):
    url = bad_http.replace("http://", "http://someone:s3cret@") + "/html"
    with pytest.raises(StoreError) as err:
        WikidataLookup(url, timeout=5).facts("Q863")
    assert "s3cret" not in str(err.value) and bad_http + "/html" in str(err.value)


# ---------------------------------------------------------------- what linking stores

ENTITY = URIRef("http://localhost:5000/entities/badakhshan")
PROVINCE = ItemFacts(qid="Q165376", label="Badakhshan Province", description="province of Afghanistan",
                     aliases=("Badakhshan",), instance_of=("Q990000101",), part_of=(),
                     located_in=("Q889",), country=("Q889",), property_type=None,
                     label_language="en", description_language="en")


def test_link_quads_of_an_item():
    quads = link_quads(ENTITY, PROVINCE, graph=META)
    assert set(quads) == {
        (ENTITY, OWL.sameAs, WD.Q165376, META),
        (ENTITY, DCTERMS.isPartOf, WD.Q889, META),      # once, though both P131 and P17
        (ENTITY, WDT.P31, WD.Q990000101, META),
        (ENTITY, SCHEMA.alternateName, Literal("Badakhshan Province", lang="en"), META),
        (ENTITY, SCHEMA.description, Literal("province of Afghanistan", lang="en"), META),
    }
    assert len(quads) == len(set(quads)) == 5
    assert link_quads(ENTITY, PROVINCE) == quads                 # META is the default


def test_link_quads_never_put_a_country_inside_itself():
    country = ItemFacts(qid="Q863", label="Tajikistan", description=None, aliases=(),
                        instance_of=("Q6256",), part_of=("Q27275",), located_in=(),
                        country=("Q863",), property_type=None, label_language="en")
    quads = link_quads(ENTITY, country)
    assert (ENTITY, DCTERMS.isPartOf, WD.Q27275, META) in quads
    assert not any(p == DCTERMS.isPartOf and o == WD.Q863 for _, p, o, _ in quads)
    assert not any(p == SCHEMA.description for _, p, _, _ in quads)


def test_link_quads_of_a_property():
    prop = URIRef("http://localhost:5000/properties/border-length")
    facts = ItemFacts(qid="P2043", label="length", description="measured dimension of an object",
                      aliases=(), instance_of=(), part_of=(), located_in=(), country=(),
                      property_type="Quantity", units=("Q11573",), label_language="en",
                      description_language="en")
    quads = link_quads(prop, facts, graph=META)
    assert (prop, OWL.equivalentProperty, WDT.P2043, META) in quads
    assert (prop, WIKIBASE.propertyType, WIKIBASE.Quantity, META) in quads
    assert (prop, WDT.P2237, WD.Q11573, META) in quads
    assert not any(p == OWL.sameAs for _, p, _, _ in quads)


@remote
def test_what_a_lookup_reads_links_whole(wikidata):
    quads = link_quads(ENTITY, wikidata.facts("Q5838"))
    assert {(p, o) for _, p, o, _ in quads if p == DCTERMS.isPartOf} == {
        (DCTERMS.isPartOf, WD.Q188933), (DCTERMS.isPartOf, WD.Q889)}


def test_the_queries_parse_and_bind_text_as_literals():
    text = render("wikidata/search.rq", limit=7, namespace=Literal("http://www.wikidata.org/entity/Q"),
                  spelling=[Literal('"} DROP ALL #', lang="en")])
    assert '"\\"} DROP ALL #"@en' in text and text.rstrip().endswith("LIMIT 7")
    prepareQuery(text)
    prepareQuery(render("wikidata/item.rq", item=[WD.Q863], lang=[Literal("en")]))
