"""Import of schema.org ClaimReview JSON-LD (kb.claimreview): the mapping, each quirk of
real fact-check feeds in isolation, strict errors, no network, and the three real
ClaimReview blocks of ../shared/data/claimreview."""
from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from kb.ingest import claimreview
from kb.errors import InputError
from kb.model.iris import META
from kb.model.vocab import CKB, SCHEMA

from tests.conftest import TEST_DATA

DATA = TEST_DATA / "claimreview"
REAL = ("claimreview", "jsonld-from-fact-check-pages")


# ---------------------------------------------------------------- helpers

def parse(kb, name_or_path, notes=None):
    path = name_or_path if isinstance(name_or_path, Path) else DATA / name_or_path
    return claimreview.parse(kb.iris, path, notes)


def only(kb, name, notes=None):
    articles, records = parse(kb, name, notes)
    assert len(articles) == 1 and len(records) == 1
    return articles[0], records[0]


def extra(record) -> dict:
    """The review and rating extra quads as {(node suffix, local property): value}."""
    out = {}
    for s, p, o, g in record.extra:
        assert g == META
        if str(s).startswith(str(record.iri) + "#"):
            key = (str(s).rsplit("#", 1)[1], str(p).rsplit("/", 1)[-1].rsplit("#", 1)[-1])
            out[key] = o
    return out


def rating(record) -> dict:
    return {p: o for (node, p), o in extra(record).items()
            if node == "rating" and p != "type"}


def write(tmp_path, doc, name="doc.jsonld") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8")
    return path


def base_review(**overrides) -> dict:
    doc = json.loads((DATA / "minimal.jsonld").read_text(encoding="utf-8"))
    doc.update(overrides)
    return doc


def stored_review(kb, claim: URIRef) -> dict:
    """What the store holds for the claim's review and rating (via claim_owned.rq)."""
    meta = kb.claim_dataset(claim).graph(META)
    review = URIRef(f"{claim}#review")
    rating_node = meta.value(review, SCHEMA.reviewRating)
    out = {"itemReviewed": meta.value(review, SCHEMA.itemReviewed),
           "url": meta.value(review, SCHEMA.url),
           "author": meta.value(review, SCHEMA.author),
           "datePublished": meta.value(review, SCHEMA.datePublished),
           "types": set(meta.objects(review, RDF.type)),
           "rating": rating_node}
    if rating_node is not None:
        for prop in ("ratingValue", "bestRating", "worstRating", "alternateName"):
            out[prop] = meta.value(rating_node, SCHEMA[prop])
    return out


def claim_ids(kb) -> list[str]:
    return [row["id"] for row in kb.list_claims()]


# ---------------------------------------------------------------- the mapping

def test_minimal_claimreview_mapping(kb):
    article, rec = only(kb, "minimal.jsonld")
    url = "https://factcheck.example.org/2021/07/bridge-closed"
    assert article.url == url and article.text is None
    assert article.kind == "factcheck"
    assert article.title == "Was the old bridge closed for good in July 2021?"
    assert article.publisher == "Example Fact Check"
    assert str(article.published) == "2021-07-12"

    assert rec.statement == "The old bridge was closed for good on 8 July 2021."
    assert rec.source == kb.iris.article_for(url)
    assert rec.modality == CKB.ReportedSpeech
    assert rec.speaker.label == "Jane Doe" and rec.speaker.iri == kb.iris.person("Jane Doe")
    assert str(rec.about) == "2021-07-08"          # when the claim was made
    assert str(rec.published) == "2021-07-12"      # when the review was published
    assert not rec.has_content and rec.subject is None and rec.value is None
    assert kb.iris.local_id(rec.iri).startswith("cr-")

    e = extra(rec)
    assert e[("review", "itemReviewed")] == rec.iri
    assert e[("review", "url")] == Literal(url, datatype=XSD.anyURI)
    assert e[("review", "author")] == kb.iris.publisher("Example Fact Check")
    assert e[("review", "datePublished")] == Literal("2021-07-12", datatype=XSD.date)
    assert e[("review", "reviewRating")] == URIRef(f"{rec.iri}#rating")
    assert (URIRef(f"{rec.iri}#review"), RDF.type, SCHEMA.ClaimReview, META) in rec.extra
    assert (URIRef(f"{rec.iri}#rating"), RDF.type, SCHEMA.Rating, META) in rec.extra
    r = rating(rec)
    assert r["ratingValue"] == Literal(2) and r["bestRating"] == Literal(5)
    assert r["worstRating"] == Literal(1) and r["alternateName"] == Literal("Mostly False")


def test_claim_id_is_deterministic_and_depends_on_url_and_text(kb, tmp_path):
    _, first = only(kb, "minimal.jsonld")
    _, again = only(kb, "minimal.jsonld")
    assert first.iri == again.iri
    spaced = base_review(claimReviewed="  The old bridge was closed\n for good on 8 July 2021. ")
    _, same = only(kb, write(tmp_path, spaced))
    assert same.iri == first.iri                   # whitespace does not make a new claim
    _, other = only(kb, write(tmp_path, base_review(url="https://factcheck.example.org/other")))
    assert other.iri != first.iri


def test_import_writes_article_claim_review_and_rating(kb):
    report = kb.import_file(DATA / "minimal.jsonld", "claimreview")
    assert (report.claims, report.articles) == (1, 1)
    [claim_id] = claim_ids(kb)
    view = kb.claim_view(claim_id)
    assert view["modality"] == "reported-speech"
    assert view["publisher"] == "Example Fact Check"
    assert view["source_title"] == "Was the old bridge closed for good in July 2021?"
    assert view["published"] == "2021-07-12"
    assert view["about"] == {"earliest": "2021-07-08", "latest": "2021-07-08"}
    assert view["speaker"] == str(kb.iris.person("Jane Doe"))
    meta = kb.article_metadata(URIRef(view["source"]))
    assert meta.kind == "factcheck" and meta.url.endswith("bridge-closed")
    review = stored_review(kb, kb.claim_iri(claim_id))
    assert review["itemReviewed"] == kb.claim_iri(claim_id)
    assert review["types"] == {SCHEMA.ClaimReview}
    assert review["alternateName"] == Literal("Mostly False")
    assert review["ratingValue"].toPython() == 2
    kb.validate()


def test_delete_removes_the_review_and_rating(kb):
    kb.import_file(DATA / "minimal.jsonld", "claimreview")
    claim = kb.claim_iri(claim_ids(kb)[0])
    kb.delete_claims([claim])
    for node in (claim, URIRef(f"{claim}#review"), URIRef(f"{claim}#rating")):
        assert not kb.query(f"ASK {{ GRAPH ?g {{ <{node}> ?p ?o }} }}").boolean
    # shared resources stay: the fact-checker and the article
    assert kb.query(f"ASK {{ GRAPH ?g {{ <{kb.iris.publisher('Example Fact Check')}> ?p ?o }} }}").boolean
    kb.validate()


def test_no_claimant_is_factual_and_person_author_is_a_writer(kb):
    notes = []
    article, rec = only(kb, "no-claimant.jsonld", notes)
    assert rec.modality == CKB.Factual and rec.speaker is None
    assert article.publisher == "Example Fact Check"   # the publisher, not the Person author
    assert article.authors == ["Sam Writer"]
    assert extra(rec)[("review", "author")] == kb.iris.publisher("Example Fact Check")
    assert rating(rec) == {"alternateName": Literal("Miscaptioned")}
    assert any("no claimant" in n for n in notes)
    kb.import_file(DATA / "no-claimant.jsonld", "claimreview")
    kb.validate()


# ---------------------------------------------------------------- quirks, one at a time

def test_http_context(kb):
    _, rec = only(kb, "minimal.jsonld")             # "@context": "http://schema.org"
    assert rec.statement.startswith("The old bridge")


def test_https_context(kb):
    article, rec = only(kb, "https-context.jsonld")  # "https://schema.org/"
    assert rec.speaker.label == "City Watch Group"
    assert article.publisher == "Example Fact Check"
    assert rating(rec)["alternateName"] == Literal("False")
    assert rating(rec)["ratingValue"] == Literal("1")  # a string stays a string


def test_context_list_and_object_form_with_https_vocab(kb):
    _, rec = only(kb, "context-object.jsonld")
    assert rec.statement == "The stadium holds 90,000 people."
    assert rec.speaker.label == "John Roe"
    # every schema IRI is read as http://schema.org/
    assert all(not str(term).startswith("https://schema.org")
               for quad in rec.extra for term in quad)


@pytest.mark.parametrize("context", [
    "http://schema.org", "http://schema.org/", "https://schema.org", "https://schema.org/",
    "HTTPS://Schema.org/", "https://schema.org/docs/jsonldcontext.jsonld",
    ["https://schema.org"], ["http://schema.org/", {"claim": "claimReviewed"}],
    {"@vocab": "https://schema.org/"}, {"@vocab": "http://schema.org/"},
    {"@import": "https://schema.org/"},
])
def test_every_schema_org_context_form_is_local(kb, tmp_path, context):
    _, rec = only(kb, write(tmp_path, base_review(**{"@context": context})))
    assert rec.statement.startswith("The old bridge")
    assert rating(rec)["alternateName"] == Literal("Mostly False")


def test_no_context_means_schema_org(kb, tmp_path):
    doc = base_review()
    del doc["@context"]
    _, rec = only(kb, write(tmp_path, doc))
    assert rec.speaker.label == "Jane Doe"


def test_type_alias(kb):
    article, rec = only(kb, "type-alias.jsonld")     # "type" instead of "@type"
    assert rec.speaker.label == "Multiple Sources"
    assert rec.modality == CKB.ReportedSpeech
    assert article.publisher == "Example Fact Check"
    assert rating(rec) == {"ratingValue": Literal(-1), "bestRating": Literal(-1),
                           "worstRating": Literal(-1), "alternateName": Literal("Unproven")}


def test_lowercase_types(kb):
    article, rec = only(kb, "lowercase-types.jsonld")  # "claimreview", "rating", "person"
    assert rec.statement == "Ferries stopped running on 10 July 2021."
    assert rating(rec)["alternateName"] == Literal("False")
    assert article.publisher == "Example Fact Check"
    assert rec.speaker.label == "Jane Doe"


def test_placeholder_dates_are_dropped_with_a_note(kb):
    notes = []
    article, rec = only(kb, "placeholder-date.jsonld", notes)
    assert article.published is None and rec.published is None and rec.about is None
    assert ("review", "datePublished") not in extra(rec)
    assert sum("placeholder datePublished '0001-01-01" in n for n in notes) == 2
    kb.import_file(DATA / "placeholder-date.jsonld", "claimreview")
    kb.validate()


def test_unparseable_date_is_dropped_with_a_note(kb, tmp_path):
    notes = []
    _, rec = only(kb, write(tmp_path, base_review(datePublished="sometime last week")), notes)
    assert rec.published is None
    assert any("unparseable datePublished 'sometime last week'" in n for n in notes)


def test_space_separated_datetime(kb):
    article, rec = only(kb, "space-datetime.jsonld")
    assert str(article.published) == "2021-07-17" and str(rec.published) == "2021-07-17"
    assert str(rec.about) == "2021-07-09"


def test_list_of_reviews(kb):
    articles, records = parse(kb, "list.jsonld")
    assert sorted(a.publisher for a in articles) == ["Example Fact Check", "Other Checker"]
    assert len({r.iri for r in records}) == 2        # same claim text, two fact-checkers
    assert {str(rating(r)["alternateName"]) for r in records} == {"False", "Misleading"}
    report = kb.import_file(DATA / "list.jsonld", "claimreview")
    assert (report.claims, report.articles) == (2, 2)
    assert len(claim_ids(kb)) == 2


def test_graph_with_references_by_id(kb):
    article, rec = only(kb, "graph.jsonld")
    assert article.url == "https://factcheck.example.org/2021/07/graph"
    assert article.publisher == "Example Fact Check"  # author given by @id reference
    assert rec.speaker.label == "John Roe"             # itemReviewed given by @id reference
    assert str(rec.about) == "2021-07" and str(rec.published) == "2021-07-21"
    assert rating(rec)["alternateName"] == Literal("Mostly True")
    kb.import_file(DATA / "graph.jsonld", "claimreview")
    kb.validate()


def test_same_review_twice_is_imported_once(kb, tmp_path):
    notes = []
    doc = base_review()
    articles, records = parse(kb, write(tmp_path, [doc, doc]), notes)
    assert len(articles) == 1 and len(records) == 1
    assert any("appears twice" in n for n in notes)


def test_same_claim_with_conflicting_ratings_is_refused(kb, tmp_path):
    other = base_review(reviewRating={"@type": "Rating", "alternateName": "True"})
    with pytest.raises(InputError, match="disagree"):
        parse(kb, write(tmp_path, [base_review(), other]))


def test_url_falls_back_to_main_entity_of_page(kb, tmp_path):
    doc = base_review(mainEntityOfPage="https://factcheck.example.org/page")
    del doc["url"]
    notes = []
    article, _ = only(kb, write(tmp_path, doc), notes)
    assert article.url == "https://factcheck.example.org/page"
    assert any("mainEntityOfPage" in n for n in notes)


def test_claim_text_falls_back_to_item_reviewed(kb, tmp_path):
    doc = base_review(itemReviewed={"@type": "Claim", "text": "Said in the claim node."})
    del doc["claimReviewed"]
    _, rec = only(kb, write(tmp_path, doc))
    assert rec.statement == "Said in the claim node."


# ---------------------------------------------------------------- strict errors

def test_remote_context_is_refused_without_fetching(kb, monkeypatch):
    from rdflib.plugins.shared.jsonld.context import Context

    fetched = []
    monkeypatch.setattr(Context, "_fetch_context",
                        lambda self, source, *a: fetched.append(source) or {})
    with pytest.raises(InputError, match="contexts.example.org") as err:
        parse(kb, "remote-context.jsonld")
    assert "never fetched" in err.value.message
    assert err.value.where.endswith("remote-context.jsonld")
    assert fetched == []


@pytest.mark.parametrize("context", [
    "https://contexts.example.org/v1.jsonld", "context.jsonld",
    ["https://schema.org", "https://contexts.example.org/v1.jsonld"],
    {"@import": "https://contexts.example.org/v1.jsonld"},
    {"claim": {"@id": "schema:claimReviewed", "@context": "https://contexts.example.org/v1"}},
])
def test_any_non_schema_context_is_refused(kb, tmp_path, context):
    with pytest.raises(InputError, match="refusing the JSON-LD context"):
        parse(kb, write(tmp_path, base_review(**{"@context": context})))


def test_nested_remote_context_is_refused(kb, tmp_path):
    doc = base_review()
    doc["itemReviewed"]["@context"] = "https://contexts.example.org/claim.jsonld"
    with pytest.raises(InputError, match="refusing"):
        parse(kb, write(tmp_path, doc))


def test_malformed_json_names_file_line_and_column(kb):
    with pytest.raises(InputError) as err:
        parse(kb, "malformed.jsonld")
    assert err.value.where == f"{DATA / 'malformed.jsonld'}:5:3"
    assert "malformed JSON" in err.value.message and "line 5" in err.value.message


def test_no_claimreview_is_an_error(kb):
    with pytest.raises(InputError, match="no schema:ClaimReview") as err:
        parse(kb, "no-claimreview.jsonld")
    assert err.value.where == str(DATA / "no-claimreview.jsonld")


def test_claimreview_without_claim_text_is_an_error_naming_its_url(kb):
    with pytest.raises(InputError, match="no claim text") as err:
        kb.import_file(DATA / "no-claim-text.jsonld", "claimreview")
    assert "https://factcheck.example.org/2021/07/no-claim-text" in err.value.message
    assert kb.store.quad_count() == 0


def test_claimreview_without_url_is_an_error(kb, tmp_path):
    doc = base_review()
    del doc["url"]
    with pytest.raises(InputError, match="needs a url"):
        parse(kb, write(tmp_path, doc))


@pytest.mark.parametrize("text", ["42", '"a string"', "null", '{"a": NaN}'])
def test_json_that_is_not_a_document_is_an_error(kb, tmp_path, text):
    with pytest.raises(InputError):
        parse(kb, write(tmp_path, text))


def test_a_bad_review_in_a_list_writes_nothing(kb, tmp_path):
    bad = base_review(url="https://factcheck.example.org/bad")
    del bad["claimReviewed"]
    with pytest.raises(InputError, match="https://factcheck.example.org/bad"):
        kb.import_file(write(tmp_path, [base_review(), bad]), "claimreview")
    assert kb.store.quad_count() == 0


# ---------------------------------------------------------------- no network

@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a URL or a socket fails the test loudly."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    import rdflib._networking
    import rdflib.parser

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(rdflib._networking, "urlopen", refuse)
    monkeypatch.setattr(rdflib.parser, "_urlopen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


@pytest.mark.parametrize("name", ["minimal.jsonld", "https-context.jsonld", "context-object.jsonld",
                                  "type-alias.jsonld", "lowercase-types.jsonld", "list.jsonld",
                                  "graph.jsonld", "space-datetime.jsonld"])
def test_import_works_offline(kb, no_network, name):
    report = kb.import_file(DATA / name, "claimreview")
    assert report.claims >= 1
    assert no_network == []


def test_remote_context_is_refused_offline(kb, no_network):
    with pytest.raises(InputError, match="refusing"):
        kb.import_file(DATA / "remote-context.jsonld", "claimreview")
    assert no_network == []


# ---------------------------------------------------------------- the real feeds

REAL_EXPECTED = {
    "newsnation-oxygen-bar-2019-11-19.raw.jsonld": {
        "publisher": "News Nation Fact Check", "rating": "True", "published": "2019-11-19",
        "claimant": "News Nation", "about": "2019-11-19",
        "values": (Literal("1"), Literal("1"), Literal("0")),
        "statement": "Fact Check: Is An 'Oxygen Bar' In Delhi Offering Fresh Air For Rs 300?",
    },
    "polygraph-al-tanf-rukban-2019-11-18.raw.jsonld": {
        "publisher": "POLYGRAPH.info", "rating": "False", "published": "2019-11-18",
        "claimant": "The Russian and Syrian defense ministries", "about": "2019-11-18",
        "values": (Literal(1), Literal(5), Literal(1)),
        "title": "Russia and Syria: U.S.-backed Syrian Forces Blocking Refugee Return",
    },
    "snopes-yovanovitch-net-worth-2019-11-18.raw.jsonld": {
        "publisher": "Snopes", "rating": "Unproven", "published": "2019-11-18",
        "claimant": "Multiple Sources", "about": None,
        "values": (Literal(-1), Literal(-1), Literal(-1)),
        "statement": "Former U.S. ambassador to Ukraine Marie Yovanovitch has a net worth of $17 million.",
    },
}


@pytest.fixture
def real_dir(shared_data) -> Path:
    folder = shared_data.joinpath(*REAL)
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent from the shared data")
    return folder


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(REAL_EXPECTED))
def test_real_claimreview(kb, real_dir, name):
    want = REAL_EXPECTED[name]
    notes = []
    article, rec = only(kb, real_dir / name, notes)
    assert article.publisher == want["publisher"]
    assert str(article.published) == want["published"] == str(rec.published)
    assert rec.modality == CKB.ReportedSpeech and rec.speaker.label == want["claimant"]
    assert (str(rec.about) if rec.about else None) == want["about"]
    if "statement" in want:
        assert rec.statement == want["statement"]
    if "title" in want:
        assert article.title == want["title"]
    r = rating(rec)
    assert r["alternateName"] == Literal(want["rating"])
    assert (r["ratingValue"], r["bestRating"], r["worstRating"]) == want["values"]
    for n in notes:
        assert "en-Poly" in n                        # the only note: polygraph's language


@pytest.mark.shared
def test_real_polygraph_quirks(kb, real_dir):
    notes = []
    article, rec = only(kb, real_dir / "polygraph-al-tanf-rukban-2019-11-18.raw.jsonld", notes)
    assert article.language == "en"                  # "en-Poly" is not a language tag
    assert rec.statement.startswith("“A cause for serious concern")
    assert any("en-Poly" in n for n in notes)


@pytest.mark.shared
def test_real_files_import_idempotently_validate_and_export(kb, real_dir, no_network):
    files = sorted(real_dir.glob("*.raw.jsonld"))
    assert len(files) == 3
    for path in files:
        report = kb.import_file(path, "claimreview")
        assert (report.claims, report.articles) == (1, 1)
    count = kb.store.quad_count()
    assert kb.stats() == {"claims": 3, "sources": 3, "publishers": 3}
    for path in files:
        kb.import_file(path, "claimreview")
    assert kb.store.quad_count() == count
    assert kb.stats() == {"claims": 3, "sources": 3, "publishers": 3}
    assert kb.validate().conforms

    ratings = {}
    for claim_id in claim_ids(kb):
        claim = kb.claim_iri(claim_id)
        review = stored_review(kb, claim)
        assert review["itemReviewed"] == claim
        ratings[str(review["alternateName"])] = review
        exported = json.loads(kb.claim_jsonld(claim_id))
        nodes = {n["@id"]: n for n in exported["@graph"]}
        assert f"{claim}#review" in nodes and f"{claim}#rating" in nodes
        assert nodes[f"{claim}#review"]["@type"] == "schema:ClaimReview"
        assert nodes[f"{claim}#rating"]["schema:alternateName"] == str(review["alternateName"])
    assert set(ratings) == {"True", "False", "Unproven"}
    assert ratings["False"]["author"] == kb.iris.publisher("POLYGRAPH.info")
    assert ratings["False"]["datePublished"] == Literal("2019-11-18", datatype=XSD.date)
    assert ratings["True"]["datePublished"] == Literal("2019-11-19", datatype=XSD.date)
    assert ratings["Unproven"]["ratingValue"].toPython() == -1
    polygraph = next(c for c in kb.list_claims() if c["publisherName"] == "POLYGRAPH.info")
    view = kb.claim_view(polygraph["id"])
    assert view["speaker"] == str(kb.iris.person("The Russian and Syrian defense ministries"))
    assert view["source_title"] == "Russia and Syria: U.S.-backed Syrian Forces Blocking Refugee Return"


@pytest.mark.shared
def test_real_import_via_cli(cli, real_dir):
    path = real_dir / "polygraph-al-tanf-rukban-2019-11-18.raw.jsonld"
    result = cli("import", "--format", "claimreview", path)
    assert result.exit_code == 0, result.output
    assert "claimreview, 1 claims, 1 sources" in result.output
    listed = cli("list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert row["publisherName"] == "POLYGRAPH.info" and row["published"] == "2019-11-18"
    shown = cli("show", row["id"], "--format", "jsonld")
    assert shown.exit_code == 0, shown.output
    assert "#rating" in shown.output and '"False"' in shown.output


def test_cli_import_by_extension_and_error_exit(cli):
    ok = cli("import", DATA / "minimal.jsonld")
    assert ok.exit_code == 0, ok.output
    assert "claimreview, 1 claims, 1 sources" in ok.output
    bad = cli("import", DATA / "remote-context.jsonld")
    assert bad.exit_code == 2
    assert "refusing the JSON-LD context" in bad.output


@pytest.mark.remote
def test_reimport_and_delete_on_the_remote_backend(remote_kb):
    for _ in range(2):
        remote_kb.import_file(DATA / "graph.jsonld", "claimreview")
        remote_kb.import_file(DATA / "minimal.jsonld", "claimreview")
        count = remote_kb.store.quad_count()
    remote_kb.import_file(DATA / "minimal.jsonld", "claimreview")
    assert remote_kb.store.quad_count() == count
    claims = [remote_kb.claim_iri(i) for i in claim_ids(remote_kb)]
    assert len(claims) == 2
    assert stored_review(remote_kb, claims[0])["rating"] == URIRef(f"{claims[0]}#rating")
    remote_kb.delete_claims(claims)
    for claim in claims:
        for node in (URIRef(f"{claim}#review"), URIRef(f"{claim}#rating")):
            assert not remote_kb.query(f"ASK {{ GRAPH ?g {{ <{node}> ?p ?o }} }}").boolean
