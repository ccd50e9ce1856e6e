"""The contract suite: every test runs on the embedded store and on a real `oxigraph
serve` reached through SPARQLWrapper (fixture ``any_kb``)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.compare import isomorphic

from kb.store import sparql
from kb.model.article import ArticleData
from kb.errors import InputError, NotFound, QueryError
from kb.model.iris import META

from tests.conftest import SEED_ARTICLE

CLAIMS = """
claimkb: 1
articles:
  seed:
    file: {seed}
    publisher: Globinsider
    published: 2021-07-10
    type: opinion
  ap:
    publisher: Associated Press
    published: 2021-07-04
    title: Afghan troops flee into Tajikistan
entities:
  border: {{label: Afghanistan–Tajikistan border}}
properties:
  length: {{label: length}}
  crossed: {{label: number of Afghan soldiers who crossed into Tajikistan}}
claims:
  - id: border-length
    article: seed
    quote: the 1,344 km long Afghan-Tajik border
    subject: border
    property: length
    value: 1,344 km
    about: 2021-07
  - id: crossed-ap
    article: ap
    statement: More than 300 Afghan soldiers crossed into Tajikistan.
    subject: {{label: Afghan National Army}}
    property: crossed
    value: more than 300
    modality: reported-speech
    speaker: {{label: Tajik State Committee for National Security}}
    about: 2021-07-04
  - id: opinion-1
    article: seed
    quote: The Russian approach is now seen as very productive
    modality: opinion
"""


def write_claims_file(tmp_path: Path, text: str = CLAIMS) -> Path:
    path = tmp_path / "claims.yaml"
    path.write_text(text.format(seed=SEED_ARTICLE), encoding="utf-8")
    return path


def quads_of(kb) -> set[tuple]:
    buffer = io.BytesIO()
    kb.export(buffer, "nquads")
    ds = Dataset()
    ds.parse(data=buffer.getvalue(), format="nquads")
    return set(ds.quads((None, None, None, None)))


def test_claims_round_trip_through_store(any_kb, tmp_path):
    report = any_kb.import_file(write_claims_file(tmp_path))
    assert (report.claims, report.articles) == (3, 2)
    rows = {r["id"]: r for r in any_kb.list_claims()}
    assert set(rows) == {"border-length", "crossed-ap", "opinion-1"}
    assert rows["crossed-ap"]["modality"] == "reported-speech"
    assert rows["crossed-ap"]["publisherName"] == "Associated Press"
    assert rows["border-length"]["earliest"] == "2021-07-01"
    assert rows["border-length"]["latest"] == "2021-07-31"
    assert rows["border-length"]["published"] == "2021-07-10"

    view = any_kb.claim_view("border-length")
    quote = view["quote"]
    text = any_kb.version_text(URIRef(quote["source"]))
    assert text[quote["start"]:quote["end"]] == quote["exact"] == "the 1,344 km long Afghan-Tajik border"
    assert text[:quote["start"]].endswith(quote["prefix"])
    assert text[quote["end"]:].startswith(quote["suffix"])
    (content,) = view["content"]
    assert content["value"]["value"] == "1344" and content["value"]["unitCode"] == "KMT"


def test_content_lives_in_the_claims_graph_not_in_metadata(any_kb, tmp_path):
    any_kb.import_file(write_claims_file(tmp_path))
    claim = any_kb.claim_iri("border-length")
    asserted = any_kb.store.query(
        "ASK { GRAPH <%s> { ?s <http://localhost:5000/properties/length> ?v } }" % META).boolean
    in_claim = any_kb.store.query(
        "ASK { GRAPH <%s> { ?s <http://localhost:5000/properties/length> ?v } }" % claim).boolean
    assert in_claim and not asserted


def test_reimport_is_idempotent(any_kb, tmp_path):
    path = write_claims_file(tmp_path)
    any_kb.import_file(path)
    before = any_kb.store.quad_count()
    any_kb.import_file(path)
    assert any_kb.store.quad_count() == before


def test_changed_claim_replaces_the_old_one(any_kb, tmp_path):
    any_kb.import_file(write_claims_file(tmp_path))
    changed = CLAIMS.replace("value: more than 300", "value: at least 1,037")
    any_kb.import_file(write_claims_file(tmp_path, changed))
    view = any_kb.claim_view("crossed-ap")
    assert view["content"][0]["value"]["surfaceText"] == "at least 1,037"
    values = any_kb.store.query(
        "SELECT ?v WHERE { GRAPH <%s> { ?s ?p ?n . ?n <http://schema.org/value> ?v } }"
        % any_kb.claim_iri("crossed-ap")).rows
    assert [str(v[0]) for v in values] == ["1037"]


def test_write_is_atomic(any_kb, tmp_path):
    any_kb.import_file(write_claims_file(tmp_path))
    before = quads_of(any_kb)
    good = sparql.insert_data([(URIRef("http://example.org/a"), URIRef("http://example.org/p"),
                                Literal("x"), META)])
    with pytest.raises(QueryError):
        any_kb.store.update(sparql.join_updates([good, "INSERT DATA { <http://e/x> <http://e/p> ."]))
    assert quads_of(any_kb) == before


def test_bad_claims_file_writes_nothing(any_kb, tmp_path):
    bad = CLAIMS.replace("quote: The Russian approach is now seen as very productive",
                         "quote: words that are not in the article")
    with pytest.raises(InputError) as err:
        any_kb.import_file(write_claims_file(tmp_path, bad))
    assert "opinion-1" in str(err.value) and "quote not found" in str(err.value)
    assert any_kb.store.quad_count() == 0


def test_export_import_round_trip_is_isomorphic(any_kb, tmp_path, kb):
    any_kb.import_file(write_claims_file(tmp_path))
    expected = quads_of(any_kb)     # kept apart: on [embedded], kb and any_kb are one store
    assert len(expected) > 20
    for fmt, ext in (("trig", "trig"), ("nquads", "nq")):
        buffer = io.BytesIO()
        any_kb.export(buffer, fmt)
        path = tmp_path / f"export.{ext}"
        path.write_bytes(buffer.getvalue())
        kb.clear()
        assert not quads_of(kb)
        kb.import_file(path)
        assert quads_of(kb) == expected


def test_trig_with_blank_nodes_round_trips_isomorphically(any_kb, tmp_path):
    trig = b"""@prefix ex: <http://example.org/> .
    ex:g { ex:a ex:p [ ex:q "1" ; ex:r [ ex:s "2" ] ] . }
    ex:a ex:label "default graph" .
    """
    path = tmp_path / "b.trig"
    path.write_bytes(trig)
    any_kb.import_file(path)
    buffer = io.BytesIO()
    any_kb.export(buffer, "trig")
    original, exported = Dataset(), Dataset()
    original.parse(data=trig, format="trig")
    exported.parse(data=buffer.getvalue(), format="trig")
    for name in (URIRef("http://example.org/g"),):
        assert isomorphic(original.graph(name), exported.graph(name))
    assert isomorphic(original.default_graph, exported.default_graph)


@pytest.mark.parametrize("fmt,ext,data,line", [
    ("nquads", "nq", b'<http://e/a> <http://e/b> "ok" .\n<http://e/a> <http://e/b> "broken .\n', 2),
    ("trig", "trig", b'@prefix e: <http://e/> .\ne:g { e:a e:b e:c .\n e:a e:b }\n', 3),
])
def test_malformed_rdf_names_the_line_and_writes_nothing(any_kb, tmp_path, fmt, ext, data, line):
    path = tmp_path / f"bad.{ext}"
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        any_kb.import_file(path)
    assert str(path) in str(err.value)
    assert f"line {line}" in str(err.value) or f"{line}:" in str(err.value)
    assert any_kb.store.quad_count() == 0


def test_articles_are_versioned_by_text(any_kb):
    first = any_kb.import_article(ArticleData(text="One.\n", key="story", publisher="Daily"))
    again = any_kb.import_article(ArticleData(text="One.\n", key="story", publisher="Daily"))
    assert first.created and first.new_version
    assert not again.created and not again.new_version and again.version == first.version
    changed = any_kb.import_article(ArticleData(text="One, corrected.\n", key="story"))
    assert changed.new_version and changed.version != first.version
    versions = any_kb.articles.versions(first.iri)
    assert len(versions) == 2
    newest = next(v for v in versions if str(v["isCurrent"]) == "true")
    assert newest["version"] == changed.version and newest["previous"] == first.version
    assert any_kb.current_text(first.iri)[1] == "One, corrected.\n"
    assert any_kb.article_metadata(first.iri).publisher == "Daily"


def test_unknown_claim_is_not_found(any_kb):
    with pytest.raises(NotFound):
        any_kb.claim_view("no-such-claim")
    with pytest.raises(NotFound):
        any_kb.claim_view("../../etc/passwd")


def test_user_queries_are_read_only_and_guarded(any_kb, tmp_path):
    any_kb.import_file(write_claims_file(tmp_path))
    result = any_kb.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert int(result.rows[0][0]) > 0
    assert any_kb.query("ASK { GRAPH ?g { ?s ?p ?o } }").boolean is True
    graph = any_kb.query("CONSTRUCT { ?c a <http://schema.org/Claim> } WHERE "
                         "{ GRAPH ?g { ?c a <http://schema.org/Claim> } }").graph
    assert len(graph) == 3
    for update in ("INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
                   "PREFIX e: <http://e/> DELETE WHERE { ?s ?p ?o }", "DROP ALL",
                   "LOAD <http://example.org/x>"):
        with pytest.raises(QueryError):
            any_kb.query(update)
    with pytest.raises(QueryError, match="deeper"):
        any_kb.query("SELECT * WHERE " + "{" * 5000 + "}" * 5000)
    with pytest.raises(QueryError, match="characters"):
        any_kb.query("SELECT * WHERE { ?s ?p ?o } #" + "x" * 200_000)
    with pytest.raises(QueryError):
        any_kb.query("SELECT * WHERE { ?s ?p }")


def test_list_filters(any_kb, tmp_path):
    any_kb.import_file(write_claims_file(tmp_path))
    ids = lambda **f: sorted(r["id"] for r in any_kb.list_claims(**f))  # noqa: E731
    assert ids(modality="opinion") == ["opinion-1"]
    assert ids(source="Associated Press") == ["crossed-ap"]
    assert ids(source="seed") == ["border-length", "opinion-1"]
    assert ids(entity="border") == ["border-length"]
    assert ids(since="2021-07-05") == ["border-length", "opinion-1"]
    assert ids(until="2021-07-04") == ["crossed-ap"]
    assert ids(about_from="2021-07-05") == ["border-length"]
    assert ids(about_to="2021-07-04") == ["border-length", "crossed-ap"]
    page1 = any_kb.list_claims(limit=2)
    page2 = any_kb.list_claims(limit=2, after=page1[-1]["id"])
    assert [r["id"] for r in page1 + page2] == ["border-length", "crossed-ap", "opinion-1"]
    with pytest.raises(InputError):
        any_kb.list_claims(modality="rumour")
    with pytest.raises(NotFound):
        any_kb.list_claims(source="Nobody Press")


def test_claim_jsonld_has_both_graphs(any_kb, tmp_path):
    any_kb.import_file(write_claims_file(tmp_path))
    text = any_kb.claim_jsonld("border-length")
    ds = Dataset()
    ds.parse(data=text, format="json-ld")
    claim = any_kb.claim_iri("border-length")
    assert len(ds.graph(claim)) > 0
    assert (claim, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            URIRef("http://schema.org/Claim")) in ds.graph(META)


def test_comments_and_words_do_not_change_the_operation(any_kb):
    """SPARQLWrapper sniffs the operation from the text; comments must not fool it."""
    any_kb.store.update("# selectors, construct, ask\nINSERT DATA { GRAPH <http://e/g> "
                        "{ <http://e/a> <http://e/selected> \"insert\" } }")
    rows = any_kb.store.query("# delete insert\nSELECT ?o WHERE { GRAPH ?g { ?s <http://e/selected> ?o } }").rows
    assert [str(r[0]) for r in rows] == ["insert"]
    any_kb.store.update("WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert any_kb.store.quad_count() == 0


def test_validation_catches_a_quote_that_is_not_where_it_says(any_kb, tmp_path):
    """On every backend (`validate` crashed on Virtuoso's own blank node ids), with
    blank nodes in the store too."""
    from kb.errors import ValidationFailed

    kb = any_kb
    kb.import_file(write_claims_file(tmp_path))
    (tmp_path / "b.trig").write_bytes(b"@prefix ex: <http://example.org/> . "
                                      b"ex:g { ex:a ex:p [ ex:q [ ex:s \"2\" ] ] . }")
    kb.import_file(tmp_path / "b.trig")
    assert kb.validate().conforms
    pos = f"<{kb.claim_iri('border-length')}#quote-position>"
    kb.store.update(f"""PREFIX oa: <http://www.w3.org/ns/oa#>
        DELETE {{ GRAPH ?g {{ {pos} oa:start ?s }} }} INSERT {{ GRAPH ?g {{ {pos} oa:start 3 }} }}
        WHERE {{ GRAPH ?g {{ {pos} oa:start ?s }} }}""")
    with pytest.raises(ValidationFailed) as err:
        kb.validate()
    assert "not at its position in the stored article text" in err.value.report


def test_insert_data_blank_nodes_fresh_per_write(any_kb):
    """kb.sparql.insert_data(blank_nodes=True): each rdflib blank node one fresh node,
    never merged with another, never with an earlier write's; without the flag a blank
    node is refused. With the store's ``skolem`` prefix (a server that refuses blank
    nodes in INSERT DATA: Virtuoso), they are written as IRIs and read back as blank
    nodes."""
    from rdflib import BNode, Literal, URIRef

    from kb.errors import QueryError

    g, p, v = URIRef("http://example.org/g"), URIRef("http://example.org/p"), URIRef("http://example.org/v")
    a, b = BNode("a-1"), BNode("a1")
    quads = [(a, p, Literal("one"), g), (b, p, Literal("two"), g), (a, v, Literal(412), g)]
    for _ in range(2):
        any_kb.store.update(sparql.insert_data(quads, blank_nodes=True, skolem=any_kb.store.skolem))
    rows = any_kb.store.query("SELECT ?s ?o WHERE { GRAPH <http://example.org/g> "
                              "{ ?s <http://example.org/p> ?o } }").dicts()
    assert len({str(r["s"]) for r in rows}) == 4
    assert all(isinstance(r["s"], BNode) for r in rows)
    assert any_kb.store.query("ASK { GRAPH <http://example.org/g> { ?s <http://example.org/p> "
                              "\"one\" ; <http://example.org/v> 412 } }").boolean
    with pytest.raises(QueryError):
        sparql.insert_data(quads)


def test_values_and_query_give_the_same_terms_read_either_way(any_kb, tmp_path):
    """values() in one piece and row by row (many=True) give the same plain strings,
    and query() the same terms: IRIs, typed, language-tagged and plain literals, blank
    nodes, unbound variables."""
    any_kb.import_file(write_claims_file(tmp_path))
    s, p = URIRef("urn:test:s"), URIRef("urn:test:p")
    objects = [Literal("plain"), Literal("x", lang="en"), Literal(3), Literal('tab\there "quoted"'), BNode()]
    any_kb.store.update(sparql.insert_data([(s, p, o, URIRef("urn:test:g")) for o in objects],
                                           blank_nodes=True, skolem=any_kb.store.skolem))
    text = ("SELECT ?s ?p ?o ?missing WHERE { { GRAPH ?g { ?s ?p ?o } } "
            "OPTIONAL { ?s <urn:test:none> ?missing } } ORDER BY ?s ?p ?o")
    names, rows = any_kb.store.values(text)
    assert names == ["s", "p", "o", "missing"]
    assert any_kb.store.values(text, many=True) == (names, rows)
    result = any_kb.store.query(text)
    assert result.vars == names and len(result.rows) == len(rows) > 20
    mine = {r[2] for r in rows if r[0] == "urn:test:s"}
    assert {"plain", "x", "3", 'tab\there "quoted"'} <= mine and all(r[3] is None for r in rows)
    terms = {r[2] for r in result.rows if r[0] == URIRef("urn:test:s")}
    assert {Literal("plain"), Literal("x", lang="en"), Literal(3)} <= terms
    # the same terms in the same rows (rdflib rewrites some typed literals' lexical
    # forms, "…Z" as "…+00:00": compared where it does not)
    for row, term_row in zip(rows, result.rows):
        for value, term in zip(row, term_row):
            if not (isinstance(term, Literal) and term.datatype):
                assert value == (None if term is None else str(term))


# ---------------------------------------------------------------- what broke on Virtuoso (#16)

ONE_MORE = """
claimkb: 1
articles:
  wire: {publisher: Other Wire, published: 2021-07-20, title: Border}
claims:
  - id: length-other
    article: wire
    statement: The border is 1,357 km long.
    subject: {label: Afghanistan–Tajikistan border, id: border}
    property: {label: length, id: length}
    value: 1,357 km
    about: 2021-07
"""


def owned_counts(kb) -> dict[str, int]:
    """Per claim: the metadata triples it owns (claim_owned.rq) and its content triples."""
    out = {}
    for row in kb.list_claims():
        dataset = kb.reader.dataset(URIRef(row["claim"]))
        out[row["id"]] = len(dataset)
    return out


def test_a_one_claim_write_beside_others_keeps_them(any_kb, tmp_path):
    """Virtuoso read a one-row VALUES before a property path closure as unbound: importing
    a one-claim file erased every other claim's metadata (exit 0)."""
    any_kb.import_file(write_claims_file(tmp_path))
    before = owned_counts(any_kb)
    assert len(before) == 3 and all(n > 5 for n in before.values())
    extra = tmp_path / "one.yaml"
    extra.write_text(ONE_MORE, encoding="utf-8")
    any_kb.import_file(extra)
    after = owned_counts(any_kb)
    assert {k: after[k] for k in before} == before and after["length-other"] > 5
    any_kb.import_file(extra)          # the same claim again: replaced, nothing else moves
    assert owned_counts(any_kb) == after
    any_kb.claims.delete([any_kb.reader.iri("opinion-1")])
    left = owned_counts(any_kb)
    assert set(left) == set(after) - {"opinion-1"}
    assert all(left[k] == after[k] for k in left)


def test_construct_reads_back_on_every_backend(any_kb, tmp_path):
    """CONSTRUCT and the claim's RDF twin (Virtuoso answered every CONSTRUCT with 406)."""
    any_kb.import_file(write_claims_file(tmp_path))
    result = any_kb.store.query(sparql.load("claim_owned.rq").replace(
        "VALUES ?claim { UNDEF }", f"VALUES ?claim {{ <{any_kb.reader.iri('border-length')}> }}"))
    assert result.kind == "graph" and len(result.graph) > 5
    assert Literal("the 1,344 km long Afghan-Tajik border") in set(result.graph.objects())


def test_clear_and_export_touch_only_claimkbs_graphs(any_kb, tmp_path):
    """On a server, a graph claimkb did not write (another application's, or the server's
    own) is neither exported nor cleared; claimkb's own are both."""
    foreign = URIRef("urn:other-application:graph")
    if any_kb.store.name == "remote":
        any_kb.store.update(f'INSERT DATA {{ GRAPH <{foreign}> {{ <urn:x> <urn:y> "kept" }} }}')
    any_kb.import_file(write_claims_file(tmp_path))
    buffer = io.BytesIO()
    any_kb.export(buffer, "nquads")
    assert b"other-application" not in buffer.getvalue()
    assert b"openlinksw" not in buffer.getvalue()        # Virtuoso's system graphs
    any_kb.clear()
    assert any_kb.store.quad_count() == 0 and not any_kb.list_claims()
    if any_kb.store.name == "remote":
        assert any_kb.store.query(f"ASK {{ GRAPH <{foreign}> {{ <urn:x> <urn:y> \"kept\" }} }}").boolean
        any_kb.store.update(f"DROP SILENT GRAPH <{foreign}>")


def test_public_sparql_never_shows_claim_content_as_asserted(any_kb, tmp_path):
    """The default graph is never claim content: empty on Oxigraph; on Virtuoso (where it
    is the union of every graph) a query reading it is refused, with the reason."""
    from web import create_app

    any_kb.import_file(write_claims_file(tmp_path))
    client = create_app(kb=any_kb, config={"TESTING": True}).test_client()
    response = client.get("/sparql", query_string={
        "query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 100"},
        headers={"Accept": "application/sparql-results+json"})
    if getattr(any_kb.store, "dialect", "standard") == "virtuoso":
        assert response.status_code == 400 and "union" in response.get_json()["error"]
    else:
        assert response.status_code == 200 and response.get_json()["results"]["bindings"] == []
    named = client.get("/sparql", query_string={
        "query": "PREFIX ckb: <https://w3id.org/claimkb/ns#> PREFIX oa: <http://www.w3.org/ns/oa#> "
                 "SELECT ?q WHERE { GRAPH <https://w3id.org/claimkb/graph/metadata> "
                 "{ ?c ckb:quote ?x . ?x oa:hasSelector/oa:exact ?q } }"},
        headers={"Accept": "application/sparql-results+json"})
    assert named.status_code == 200, named.get_data(as_text=True)
    assert len(named.get_json()["results"]["bindings"]) >= 2


def test_pages_and_rdf_twins_on_every_backend(any_kb, tmp_path):
    """Claim, entity and publisher pages and their RDF twins (DESCRIBE/CONSTRUCT on a
    server: Virtuoso answered them all with HTTP 406), the same on every backend."""
    from rdflib import Dataset as RDFDataset, Graph

    from web import create_app

    any_kb.import_file(write_claims_file(tmp_path))
    client = create_app(kb=any_kb, config={"TESTING": True}).test_client()
    for url in ("/claims/border-length", "/entities/border", "/publishers/globinsider",
                "/claims/border-length/history"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
    article = client.get("/articles/seed.json").get_json()
    # Virtuoso answers a boolean expression as 1/0
    assert [v["isCurrent"] for v in article["versions"]] == ["true"]
    claim = client.get("/claims/border-length.trig")
    assert claim.status_code == 200
    dataset = RDFDataset()
    dataset.parse(data=claim.data, format="trig")
    assert len(dataset) > 20
    for url in ("/entities/border.ttl", "/publishers/globinsider.ttl"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(Graph().parse(data=response.data, format="turtle")) >= 2, url


def test_retract_on_every_backend(any_kb, tmp_path):
    any_kb.import_file(write_claims_file(tmp_path))
    change = any_kb.claims.retract("crossed-ap", "the agency corrected its count")
    assert change is not None
    assert any_kb.reader.is_retracted(any_kb.reader.iri("crossed-ap"))
    assert not any_kb.reader.is_retracted(any_kb.reader.iri("border-length"))
    assert len(any_kb.claims.history("crossed-ap")) >= 2


def test_suggested_claims_are_dismissed_and_restored_alike(any_kb, tmp_path):
    """Suggestions of the seed article; a dismissal is kept in the store (it survives
    reopening the indexes and stays out of the claims), and restore undoes it."""
    any_kb.import_file(write_claims_file(tmp_path))
    ref = next(r["id"] for r in any_kb.list_articles() if r["id"] != "ap")
    first = any_kb.suggest_claims(ref)
    assert len(first.suggestions) >= 10 and not first.dismissed
    target = next(s for s in first.suggestions if s.quantities)
    any_kb.dismiss_suggestion(ref, target.id, user="ed")
    any_kb.dismiss_suggestion(ref, target.id, user="ed")          # again: one dismissal
    again = any_kb.suggest_claims(ref)
    assert target.id not in {s.id for s in again.suggestions}
    assert [s.id for s in again.dismissed] == [target.id]
    assert len(again.suggestions) == len(first.suggestions) - 1
    rows = any_kb.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?d a "
                        "<https://w3id.org/claimkb/ns#DismissedSuggestion> } }").rows
    assert int(rows[0][0]) == 1
    assert len(any_kb.list_claims()) == 3                          # no claim written
    any_kb.restore_suggestion(ref, target.id)
    assert target.id in {s.id for s in any_kb.suggest_claims(ref).suggestions}
    with pytest.raises(InputError, match="not dismissed"):
        any_kb.restore_suggestion(ref, target.id)
    with pytest.raises(NotFound):
        any_kb.dismiss_suggestion(ref, "000000000000", user="ed")


CLAIMREVIEW = {
    "@context": "https://schema.org", "@type": "ClaimReview",
    "url": "https://factcheck.example/border", "claimReviewed": "The border is 1,400 km long.",
    "datePublished": "2021-07-12", "author": {"@type": "Organization", "name": "Fact Desk"},
    "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1,
                     "alternateName": "False"},
    "reviewBody": "It is 1,344 km.", "citation": ["https://example.org/survey"],
    "itemReviewed": {"@type": "Claim", "author": {"@type": "Organization", "name": "Daily Planet"},
                     "datePublished": "2021-07-05",
                     "appearance": [{"@type": "CreativeWork", "url": "https://dailyplanet.example/b"}]}}


def test_verdicts_and_claimreviews_alike_on_every_backend(any_kb, tmp_path):
    """A verdict survives an edit of its claim (it is not the claim's); an imported
    ClaimReview is the claim's and goes with it; the export reads the same everywhere
    (the queries use FILTER(STRSTARTS(...)) inside UNIONs, which Virtuoso must read too)."""
    import json

    any_kb.import_file(write_claims_file(tmp_path))
    done = any_kb.fact_checks.record("crossed-ap", user="ed", value=2, summary="Other counts.",
                                     evidence=["https://example.org/x", "border-length"])
    any_kb.import_file(write_claims_file(tmp_path, CLAIMS.replace("More than 300", "Over 300")))
    assert any_kb.fact_checks.for_claim("crossed-ap").current.iri == done.iri
    view = any_kb.claim_view("crossed-ap")
    assert view["statement"] == "Over 300 Afghan soldiers crossed into Tajikistan."
    review = tmp_path / "review.jsonld"
    review.write_text(json.dumps(CLAIMREVIEW), encoding="utf-8")
    any_kb.import_file(review)
    exported = json.loads(any_kb.claim_review_jsonld(next(iter(any_kb.fact_checks.imported()))))
    assert exported == CLAIMREVIEW
    everything = json.loads(io.BytesIO(_export_claimreview(any_kb)).read())
    assert sorted(r["url"] for r in everything["@graph"]) == sorted([
        "https://factcheck.example/border", f"{any_kb.claim_iri('crossed-ap')}/review"])
    claim = next(iter(any_kb.fact_checks.imported()))
    any_kb.delete_claims([URIRef(claim)])
    assert any_kb.fact_checks.imported() == {}
    assert any_kb.fact_checks.for_claim("crossed-ap").current.iri == done.iri


def _export_claimreview(kb) -> bytes:
    out = io.BytesIO()
    kb.export(out, "claimreview")
    return out.getvalue()
