"""The W3C SPARQL 1.1 Protocol tests (../shared/data/w3c-sparql-tests, protocol/manifest.ttl)
replayed against /sparql through Flask's test client.

Each mf:ProtocolTest is one or more HTTP requests (ht:Request: method, path, headers,
body) with the expected status class, result format and ASK answer. Paths start with
``/sparql/``; ours is ``/sparql``. The graphs the dataset tests read (data1..3.nt, named
by their rdfs:label) are loaded into the KB first.

/sparql is read-only by design, so the tests that perform a SPARQL Update and expect it
to succeed (update_post_form, update_post_direct, update_dataset_*, update_base_uri) are
asserted to be *refused clearly* — 403 with the read-only message in the app's error
shape — rather than skipped; later requests of such a test (the ASK that checks the
update's effect) are not sent. Every other test must pass. ``test_w3c_summary`` prints
the per-test table (``pytest -s``) and checks the counts docs/sparql.md reports.
"""
from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from kb import KnowledgeBase, load_settings

from tests.conftest import SHARED

MANIFEST = Path("w3c-sparql-tests/sparql/sparql11/protocol/manifest.ttl")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

STATUS_CLASSES = {HTS.StatusCode2xx: range(200, 300), HTS.StatusCode3xx: range(300, 400),
                  HTS.StatusCode4xx: range(400, 500), HTS.StatusCode5xx: range(500, 600)}
RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt",
             "application/rdf+xml": "xml", "application/ld+json": "json-ld"}
READ_ONLY = "read-only"
# the tests that need SPARQL Update to succeed, which /sparql refuses by design
UPDATE_TESTS = {"update_dataset_default_graph", "update_dataset_default_graphs",
                "update_dataset_named_graphs", "update_dataset_full", "update_post_form",
                "update_post_direct", "update_base_uri"}
EXPECTED_PASSES = 27


@dataclass
class Step:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: list[range]
    format: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    steps: list[Step]
    graphs: dict[str, Path] = field(default_factory=dict)

    @property
    def updates(self) -> bool:
        first = self.steps[0]
        ctype = first.headers.get("content-type", "")
        return ctype.startswith("application/sparql-update") or (
            first.body is not None and first.body.startswith(b"update="))


def load_manifest(path: Path) -> list[ProtocolTest]:
    graph = Graph().parse(path, format="turtle")
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(graph, graph.value(manifest, MF.entries)):
        name = str(entry).rsplit("#", 1)[1]
        graphs = {}
        for data in graph.objects(entry, UT.graphData):
            graphs[str(graph.value(data, RDFS.label))] = Path(str(graph.value(data, UT.graph))
                                                              .removeprefix("file://"))
        action = graph.value(entry, MF.action)
        steps = []
        for req in Collection(graph, graph.value(action, HT.requests)):
            headers = {}
            header_list = graph.value(req, HT.headers)
            if header_list is not None:
                for header in Collection(graph, header_list):
                    headers[str(graph.value(header, HT.fieldName)).lower()] = str(
                        graph.value(header, HT.fieldValue))
            body = None
            body_node = graph.value(req, HT.body)
            if body_node is not None:
                encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(graph.value(body_node, CNT.chars)).encode(encoding.lower())
            resp = graph.value(req, HT.resp)
            statuses = [STATUS_CLASSES[s] for s in graph.objects(resp, MF.expectedStatus)]
            fmt = graph.value(resp, MF.expectedFormat)
            boolean = graph.value(resp, MF.expectedBoolean)
            steps.append(Step(str(graph.value(req, HT.methodName)),
                              str(graph.value(req, HT.absolutePath)), headers, body, statuses,
                              None if fmt is None else str(fmt),
                              None if boolean is None else boolean.toPython()))
        tests.append(ProtocolTest(name, str(graph.value(entry, MF.name)), steps, graphs))
    return tests


def _names() -> list[str]:
    path = SHARED / MANIFEST
    if not path.is_file():
        return ["(manifest absent)"]
    return [t.name for t in load_manifest(path)]


@pytest.fixture(scope="module")
def protocol(tmp_path_factory):
    """(client, tests by name): an app over a KB holding the tests' graphs."""
    path = SHARED / MANIFEST
    if not path.is_file():
        pytest.skip(f"{SHARED} is absent: the shared test data is only beside the "
                    "project's own checkout")
    tests = {t.name: t for t in load_manifest(path)}
    settings = load_settings(env={}, data_dir=tmp_path_factory.mktemp("w3c") / "kb",
                             sparql_rate_limit="100000/minute")
    from web import create_app

    with KnowledgeBase.open(settings) as kb:
        graphs: dict[str, Path] = {}
        for test in tests.values():
            graphs.update(test.graphs)
        lines = []
        for iri, data in sorted(graphs.items()):
            for line in (path.parent / data.name).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    lines.append(line.rstrip().removesuffix(".").rstrip() + f" <{iri}> .")
        kb.store.load("\n".join(lines).encode(), "nquads")
        app = create_app(kb=kb, config={"TESTING": True})
        yield app.test_client(), tests


def check_step(response, step: Step) -> str | None:
    """What is wrong with ``response`` for ``step`` (None: nothing)."""
    if not any(response.status_code in r for r in step.statuses):
        wanted = "/".join(f"{r.start // 100}xx" for r in step.statuses)
        return f"status {response.status_code}, expected {wanted}: {response.get_data(as_text=True)[:200]}"
    ctype = response.mimetype
    if step.format == "boolean" or step.boolean is not None:
        if ctype == "application/sparql-results+json":
            value = json.loads(response.data)["boolean"]
        elif ctype == "application/sparql-results+xml":
            node = ET.fromstring(response.data).find("{http://www.w3.org/2005/sparql-results#}boolean")
            value = node.text == "true"
        else:
            return f"an ASK answer as {ctype}"
        if step.boolean is not None and value != step.boolean:
            return f"ASK answered {value}, expected {step.boolean}"
    elif step.format == "tabular":
        if ctype not in RESULT_TYPES:
            return f"SELECT results as {ctype}"
        import pyoxigraph as ox

        fmt = ox.QueryResultsFormat.from_media_type(ctype)
        list(ox.parse_query_results(io.BytesIO(response.data), fmt))
    elif step.format == "RDF":
        if ctype not in RDF_TYPES:
            return f"RDF as {ctype}"
        Graph().parse(data=response.data, format=RDF_TYPES[ctype])
    return None


def run(client, test: ProtocolTest) -> tuple[str, str]:
    """("pass" | "refused" | "fail", detail) for one protocol test."""
    seen = []
    for i, step in enumerate(test.steps):
        path = step.path.replace("/sparql/", "/sparql", 1)
        headers = {k: v for k, v in step.headers.items() if k != "content-type"}
        response = client.open(path, method=step.method, data=step.body, headers=headers,
                               content_type=step.headers.get("content-type"),
                               base_url="http://www.example")
        if test.name in UPDATE_TESTS and i == 0:
            body = response.get_json(silent=True) or {}
            if (response.status_code == 403 and body.get("ok") is False
                    and READ_ONLY in body.get("error", "")):
                return "refused", f"403: {body['error']}"
            return "fail", f"an update was not refused clearly: {response.status_code}"
        problem = check_step(response, step)
        if problem:
            return "fail", f"request {i + 1}: {problem}"
        seen.append(f"{response.status_code} {response.mimetype}")
    return "pass", "; ".join(seen)


@pytest.mark.shared
@pytest.mark.parametrize("name", _names())
def test_w3c_protocol(shared_data, protocol, name):
    client, tests = protocol
    test = tests[name]
    outcome, detail = run(client, test)
    if name in UPDATE_TESTS:
        assert test.updates
        assert outcome == "refused", detail
    else:
        assert outcome == "pass", f"{name} ({test.title}): {detail}"


@pytest.mark.shared
def test_w3c_summary(shared_data, protocol, capsys):
    client, tests = protocol
    results = {name: run(client, test) for name, test in tests.items()}
    with capsys.disabled():
        print("\nW3C SPARQL 1.1 Protocol tests against /sparql:")
        for name, (outcome, detail) in results.items():
            print(f"  {outcome:8} {name}: {detail}")
    outcomes = [o for o, _ in results.values()]
    assert len(tests) == 34
    assert outcomes.count("pass") == EXPECTED_PASSES
    assert outcomes.count("refused") == len(UPDATE_TESTS)
    assert {n for n, (o, _) in results.items() if o == "refused"} == UPDATE_TESTS
