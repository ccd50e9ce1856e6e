"""What the remote backend promises on real servers beyond the contract suite: every
query of claimkb names its graphs, credentials work and never show, and a server's
refusal is a clear error."""
from __future__ import annotations

import base64
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files

import pytest

from kb import KnowledgeBase, load_settings
from kb.errors import StoreError
from kb.store import sparql, virtuoso

QUERIES = sorted(p.name for p in files("kb.queries").iterdir() if p.name.endswith(".rq")
                 and not p.name.startswith("_"))


@pytest.mark.parametrize("name", QUERIES)
def test_every_query_names_the_graphs_it_reads(name):
    """On Virtuoso the default graph is the union of all graphs: a claimkb query that
    read it would take claim content for asserted fact."""
    assert not virtuoso.reads_default_graph(sparql.load(name)), name


def test_reads_default_graph_sees_every_way_in():
    reads = virtuoso.reads_default_graph
    assert reads("SELECT * { ?s ?p ?o }")
    assert reads("SELECT * { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s a ?t } }")
    assert reads("SELECT * { { SELECT ?s { ?s ?p ?o } } GRAPH ?g { ?s ?p ?o } }")
    assert reads("SELECT * { ?s <http://x/a>* ?o }")
    assert reads("DESCRIBE <http://x/a>")
    assert reads("not sparql at all")
    assert not reads("SELECT * { GRAPH ?g { ?s ?p ?o } FILTER EXISTS { GRAPH ?g { ?s a ?t } } }")
    assert not reads("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <http://x/g> { ?s ?p ?o } }")
    assert not reads("SELECT (1 AS ?x) {}")


def test_credentials_are_used_and_never_shown(virtuoso_server, tmp_path):
    good = virtuoso_server.settings()
    settings = load_settings(env={}, data_dir=tmp_path / "kb", **good)
    assert good["endpoint_password"] not in repr(settings)
    with KnowledgeBase.open(settings) as kb:
        kb.store.update('INSERT DATA { GRAPH <https://w3id.org/claimkb/graph/metadata> '
                        '{ <urn:t:s> <urn:t:p> "written with digest" } }')
        assert good["endpoint_password"] not in repr(kb.store)
        kb.clear()
    wrong = load_settings(env={}, data_dir=tmp_path / "kb2",
                          **{**good, "endpoint_password": "not-the-password-42"})
    with KnowledgeBase.open(wrong) as kb, pytest.raises(StoreError) as err:
        kb.store.update('INSERT DATA { GRAPH <urn:t:g> { <urn:t:s> <urn:t:p> "x" } }')
    assert "401" in str(err.value) and "not-the-password-42" not in str(err.value)
    # the anonymous endpoint stays read-only: an update there is refused, clearly
    anonymous = load_settings(env={}, data_dir=tmp_path / "kb3", backend="remote",
                              query_endpoint=virtuoso_server.query_endpoint)
    with KnowledgeBase.open(anonymous) as kb, pytest.raises(StoreError) as err:
        kb.store.update('INSERT DATA { GRAPH <urn:t:g> { <urn:t:s> <urn:t:p> "x" } }')
    assert "failed" in str(err.value) or "refused" in str(err.value)


def test_credentials_in_an_endpoint_url_are_refused(tmp_path):
    """urllib would take "user:password@host" for a host name (and send it to DNS): the
    settings refuse it, and the message does not repeat the password."""
    from kb.errors import InputError

    with pytest.raises(InputError) as err:
        load_settings(env={}, data_dir=tmp_path / "kb", backend="remote",
                      query_endpoint="http://someone:hunter2@127.0.0.1:9/sparql")
    assert "endpoint_user" in str(err.value) and "hunter2" not in str(err.value)


def test_an_unreachable_endpoint_is_a_clear_error_without_the_password(tmp_path):
    settings = load_settings(env={}, data_dir=tmp_path / "kb", backend="remote",
                             query_endpoint="http://127.0.0.1:9/sparql",
                             endpoint_user="u", endpoint_password="p4ss-word")
    with KnowledgeBase.open(settings) as kb, pytest.raises(StoreError) as err:
        kb.store.query("ASK {}")
    assert "p4ss-word" not in str(err.value) and "127.0.0.1:9" in str(err.value)


def _cli(runner, data_dir, *args, env=None):
    from kb.cli import main

    result = runner.invoke(main, ["--data-dir", str(data_dir), *map(str, args)],
                           env=env or {}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _virtuoso_cli(virtuoso_server):
    s = virtuoso_server.settings()
    args = ["--backend", "remote", "--query-endpoint", s["query_endpoint"],
            "--update-endpoint", s["update_endpoint"]]
    env = {"CLAIMKB_ENDPOINT_USER": s["endpoint_user"],
           "CLAIMKB_ENDPOINT_PASSWORD": s["endpoint_password"],
           "CLAIMKB_ENDPOINT_AUTH": s["endpoint_auth"]}
    return args, env


def test_demo_on_virtuoso_compares_as_on_the_embedded_store(virtuoso_server, runner, tmp_path):
    """`claimkb demo` then `claimkb compare --format json` give the same report on
    Virtuoso as on the embedded store; and a KB moved with `claimkb export` /
    `claimkb import` (docs/deployment.md) keeps its claims, comparisons and annotations."""
    import json

    embedded = tmp_path / "embedded"
    _cli(runner, embedded, "demo", "--force")
    expected = json.loads(_cli(runner, embedded, "compare", "--format", "json"))
    assert len(expected) > 10
    args, env = _virtuoso_cli(virtuoso_server)
    remote = tmp_path / "virtuoso"
    _cli(runner, remote, *args, "demo", "--force", env=env)
    assert json.loads(_cli(runner, remote, *args, "compare", "--format", "json", env=env)) == expected

    # move: export from the embedded store, import into an emptied Virtuoso
    dump = tmp_path / "kb.trig"
    _cli(runner, embedded, "export", "--format", "trig", "--output", dump)
    with KnowledgeBase.open(load_settings(env={}, data_dir=remote, **virtuoso_server.settings())) as kb:
        kb.clear()
    _cli(runner, remote, *args, "import", dump, env=env)
    assert json.loads(_cli(runner, remote, *args, "compare", "--format", "json", env=env)) == expected
    listing = ["list", "--format", "json"]
    assert (json.loads(_cli(runner, remote, *args, *listing, env=env))
            == json.loads(_cli(runner, embedded, *listing)))
    with KnowledgeBase.open(load_settings(env={}, data_dir=embedded)) as kb:
        stats, quads = kb.stats(), kb.store.quad_count()
    with KnowledgeBase.open(load_settings(env={}, data_dir=remote, **virtuoso_server.settings())) as kb:
        assert (kb.stats(), kb.store.quad_count()) == (stats, quads)
        kb.clear()


def test_an_answer_cut_short_by_the_server_is_an_error(tmp_path):
    """Virtuoso's ResultSetMaxRows (10,000 in Debian's own virtuoso.ini) cuts longer
    answers without an error: claimkb says so instead of reading fewer claims."""
    from tests.virtuoso_support import start_virtuoso

    server = start_virtuoso(tmp_path / "db", max_rows=5)
    try:
        settings = load_settings(env={}, data_dir=tmp_path / "kb", **server.settings())
        with KnowledgeBase.open(settings) as kb:
            kb.store.update("INSERT DATA { GRAPH <https://w3id.org/claimkb/graph/metadata> { "
                            + " ".join(f'<urn:t:s{i}> <urn:t:p> "{i}" .' for i in range(10)) + " } }")
            with pytest.raises(StoreError) as err:
                kb.store.query("SELECT ?s WHERE { GRAPH <https://w3id.org/claimkb/graph/metadata> "
                               "{ ?s <urn:t:p> ?o } }")
            assert "ResultSetMaxRows" in str(err.value) and "5 rows" in str(err.value)
    finally:
        server.stop()


@contextmanager
def json_endpoint(check=lambda authorization: True, delay: float = 0.0, server_header: bool = True):
    """A real HTTP server on 127.0.0.1 answering every POST with a SPARQL JSON ``true``,
    or 401 when ``check(Authorization header)`` is false; yields (its URL, the
    Authorization headers it saw)."""
    seen: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            seen.append(self.headers.get("Authorization"))
            time.sleep(delay)
            if not check(self.headers.get("Authorization")):
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="sparql"')
                self.end_headers()
                return
            body = b'{"head": {"vars": ["x"]}, "results": {"bindings": []}}' if delay else \
                b'{"head": {}, "boolean": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

        def version_string(self):      # the Server header (empty: as a proxy may send it)
            return super().version_string() if server_header else ""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sparql", seen
    finally:
        server.shutdown()
        server.server_close()


def test_basic_credentials_are_sent_to_an_endpoint_that_asks(tmp_path):
    """HTTP Basic, as a proxy in front of `oxigraph serve` asks for it: sent with the
    first request (no extra round trip), for queries and updates alike."""
    expected = "Basic " + base64.b64encode(b"editor:s3cret-basic").decode()
    with json_endpoint(lambda header: header == expected) as (url, seen):
        settings = load_settings(env={}, data_dir=tmp_path / "kb", backend="remote",
                                 query_endpoint=url, endpoint_user="editor",
                                 endpoint_password="s3cret-basic", endpoint_auth="basic",
                                 endpoint_dialect="standard")
        with KnowledgeBase.open(settings) as kb:
            assert kb.store.query("ASK {}").boolean is True
            kb.store.update('INSERT DATA { GRAPH <urn:t:g> { <urn:t:s> <urn:t:p> "x" } }')
        assert seen == [expected, expected]
        wrong = load_settings(env={}, data_dir=tmp_path / "kb2", backend="remote",
                              query_endpoint=url, endpoint_user="editor",
                              endpoint_password="wrong", endpoint_dialect="standard")
        with KnowledgeBase.open(wrong) as kb, pytest.raises(StoreError, match="401"):
            kb.store.query("ASK {}")


def test_a_whole_kb_read_may_take_longer_than_one_request(tmp_path):
    """An index rebuild's whole-KB reads (``values(many=True)``) get
    ``endpoint_bulk_timeout``; every other request ``http_timeout`` (at 100k claims a
    rebuild's read took over 30 s on Virtuoso)."""
    with json_endpoint(delay=1.5) as (url, seen):
        settings = load_settings(env={}, data_dir=tmp_path / "kb", backend="remote",
                                 query_endpoint=url, endpoint_dialect="standard",
                                 http_timeout=1, endpoint_bulk_timeout=10)
        with KnowledgeBase.open(settings) as kb:
            with pytest.raises(StoreError):
                kb.store.values("SELECT ?x WHERE { GRAPH ?g { ?x ?p ?o } }")
            assert kb.store.values("SELECT ?x WHERE { GRAPH ?g { ?x ?p ?o } }", many=True) == (["x"], [])


def test_query_on_another_endpoint_does_not_send_the_kbs_credentials(tmp_path, runner):
    """`claimkb query --endpoint URL` reads someone else's endpoint: the KB's own
    endpoint password must not go there."""
    from kb.cli import main

    with json_endpoint() as (url, seen):
        result = runner.invoke(main, ["--data-dir", str(tmp_path / "kb"), "query", "--endpoint", url,
                                      "ASK {}"], catch_exceptions=False,
                               env={"CLAIMKB_ENDPOINT_USER": "kb-user",
                                    "CLAIMKB_ENDPOINT_PASSWORD": "kb-secret"})
        assert result.exit_code == 0 and "true" in result.output
        assert seen and all(h is None for h in seen)


# ---------------------------------------------------------------- every query, every server

def _rows(store, text: str):
    """A query's answer on ``store`` in a form that can be compared across servers:
    SELECT rows (and ASK) as a sorted list of tuples of strings, CONSTRUCT as a sorted
    list of triples; blank nodes as "_:" (their labels are the server's own)."""
    from rdflib import BNode

    def plain(term):
        return None if term is None else "_:" if isinstance(term, BNode) else str(term)

    def virtuosos_own(row) -> bool:
        # Virtuoso's system graphs, reached by a template run unbound over GRAPH ?g
        return any(v and v.startswith(VIRTUOSO_SYSTEM) for v in row)

    result = store.query(text)
    if result.kind == "ask":
        return result.boolean
    if result.kind == "graph":
        rows = [tuple(plain(t) for t in triple) for triple in result.graph]
    else:
        rows = [tuple(plain(t) for t in row) for row in result.rows]
    return sorted((row for row in rows if not virtuosos_own(row)), key=repr)


VIRTUOSO_SYSTEM = ("http://www.openlinksw.com/", "http://localuriqaserver/", "http://www.w3.org/ns/ldp#",
                   "http://www.w2.org/ns/ldp#")


@pytest.fixture(scope="module")
def twin_kbs(tmp_path_factory):
    """The demo KB with an annotation (blank nodes included) on the embedded store, and
    the same KB moved into Virtuoso with `export` / `import`: a Virtuoso of its own, as
    the other tests empty the session's one before each test."""
    from kb.demo import build

    from tests.kb.services.test_annotations import note
    from tests.virtuoso_support import start_virtuoso

    root = tmp_path_factory.mktemp("twins")
    virtuoso_server = start_virtuoso(root / "virtuoso-db")
    with KnowledgeBase.open(load_settings(env={}, data_dir=root / "embedded")) as embedded:
        build(embedded, force=True)
        claim = embedded.reader.iri("eurasianet-border-length")
        doc = note(str(claim), "Which survey is this figure from?")
        doc["body"] = [doc["body"], {"type": "SpecificResource", "source": "http://example.com/s",
                                     "purpose": "tagging"}]
        embedded.annotations.create(doc, user="alice")
        dump = root / "kb.trig"
        with dump.open("wb") as out:
            embedded.export(out, "trig")
        with KnowledgeBase.open(load_settings(env={}, data_dir=root / "virtuoso",
                                              **virtuoso_server.settings())) as remote:
            remote.clear()
            remote.import_file(dump)
            try:
                yield embedded, remote, claim
            finally:
                virtuoso_server.stop()


def _bindings(kb, claim):
    """One value for each parameter the templates take, from the demo KB."""
    from rdflib import Literal

    record = kb.reader.record(str(claim))
    article = record.source
    publisher = kb.store.query(f"SELECT ?p WHERE {{ GRAPH <https://w3id.org/claimkb/graph/metadata> "
                               f"{{ <{article}> <http://schema.org/publisher> ?p }} }}").rows[0][0]
    return {"claim": claim, "subject": record.subject.iri, "s": claim, "resource": claim,
            "article": article, "g": claim, "publisher": publisher, "ofPublisher": publisher,
            "source": publisher, "entity": record.subject.iri, "modality": Literal("factual"),
            "label": Literal("length"), "key": Literal("eurasianet"),
            "container": Literal(kb.annotations.container)}


# Unbound, these templates mean something the code never asks; bound, they are compared.
NEVER_UNBOUND = {"labels.rq": "always given the resources to label (OPTIONALs only: "
                              "Virtuoso joins them differently from an unbound start)"}


@pytest.mark.remote
@pytest.mark.parametrize("name", QUERIES)
def test_every_query_answers_alike_on_embedded_and_virtuoso(twin_kbs, name):
    """Each query of kb/queries, with a one-value binding of each of its parameters (the
    form Virtuoso got wrong before a path closure), two claims at once, and unbound,
    gives the same answer on the embedded store and on Virtuoso holding the same KB.
    Unbound is left out where a path closure starts from the parameter: there ``*``
    reaches every node of the graph, which the code never asks (Virtuoso's zero-length
    paths from an unbound start differ)."""
    embedded, remote, claim = twin_kbs
    declared, has_limit = sparql.parameters(name)
    limit = {"limit": 100_000} if has_limit else {}
    values = {k: v for k, v in _bindings(embedded, claim).items() if k in declared and v is not None}
    unbound = ")*" not in sparql.load(name) and name not in NEVER_UNBOUND
    renderings = [sparql.render(name, **limit)] if unbound else []
    renderings += [sparql.render(name, **limit, **{k: v}) for k, v in values.items()]
    if "claim" in declared:
        renderings.append(sparql.render(name, **limit, claim=[claim, embedded.reader.iri(
            "afghanistantimes-border-length")]))
    for text in renderings:
        expected = _rows(embedded.store, text)
        assert _rows(remote.store, text) == expected, text[-600:]


def test_a_union_default_graph_behind_a_proxy_is_still_seen(tmp_path):
    """With ``endpoint_dialect = auto`` and no Server header (a proxy hid it), a default
    graph with anything in it (claimkb never writes there) is read as Virtuoso's union,
    so the public endpoint's guard stays on."""
    with json_endpoint(server_header=False) as (url, seen):
        settings = load_settings(env={}, data_dir=tmp_path / "kb", backend="remote",
                                 query_endpoint=url)
        with KnowledgeBase.open(settings) as kb:
            assert kb.store.dialect == "virtuoso"
    with json_endpoint() as (url, seen):
        settings = load_settings(env={}, data_dir=tmp_path / "kb2", backend="remote",
                                 query_endpoint=url)
        with KnowledgeBase.open(settings) as kb:
            assert kb.store.dialect == "standard"     # a Server header that is not Virtuoso


@pytest.mark.parametrize("query, params, why", [
    ('DEFINE get:soft "replace" SELECT * FROM <http://169.254.169.254/> { ?s ?p ?o }', {},
     "Virtuoso's own language"),
    ('SELECT (bif:http_get("http://127.0.0.1/") AS ?x) FROM <urn:x> {}', {}, "Virtuoso's own language"),
    ('PREFIX b: <bif:> SELECT (b:sys_stat("st_dbms_name") AS ?x) {}', {}, "Virtuoso's own language"),
    ("SELECT * FROM NAMED <urn:x> WHERE { ?s ?p ?o } LIMIT 5", {}, "union"),
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 5", {"named-graph-uri": "urn:x"}, "union"),
    ("DESCRIBE <http://localhost:5000/claims/x>", {}, "union"),
])
def test_the_public_endpoint_on_virtuoso_refuses_what_would_mislead_or_reach_out(
        virtuoso_kb, query, params, why):
    from web import create_app

    client = create_app(kb=virtuoso_kb, config={"TESTING": True}).test_client()
    response = client.get("/sparql", query_string={"query": query, **params},
                          headers={"Accept": "application/sparql-results+json, text/turtle;q=0.5"})
    assert response.status_code == 400 and why in response.get_json()["error"], response.get_data(as_text=True)
