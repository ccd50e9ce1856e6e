"""The demo KB (kb/demo/*.yaml): it builds, conforms to the shapes, anchors every quote
of the sample article, is stable across rebuilds, and holds real cross-source
comparison material (agreement, compatibility, conflict, and pairs that are not
comparable) for the comparison engine."""
from __future__ import annotations

import itertools
from decimal import Decimal
from importlib.resources import files

import pytest
import yaml
from rdflib import URIRef

from kb.demo import build, claim_files
from kb.errors import InputError

SEED_TEXT = "globinsider-2021-07-escalation-in-afghanistan.txt"
PREFIXES = """
PREFIX ckb: <https://w3id.org/claimkb/ns#>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX meta: <https://w3id.org/claimkb/graph/>
"""


def _yaml(name: str) -> dict:
    return yaml.safe_load((files("kb.demo") / name).read_text(encoding="utf-8"))


def _all_yaml() -> list[dict]:
    return [_yaml(name) for name in claim_files()]


@pytest.fixture
def demo(kb):
    build(kb)
    return kb


def _ids(kb) -> list[str]:
    return [row["id"] for row in kb.list_claims(limit=1000)]


def _norm(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- build and counts


def test_the_sample_article_is_imported_first():
    assert claim_files()[:2] == ["10-globinsider.yaml", "20-other-sources.yaml"]


def test_counts_match_the_files(demo):
    docs = _all_yaml()
    claims = sum(len(d["claims"]) for d in docs)
    articles = sum(len(d["articles"]) for d in docs)
    publishers = {a["publisher"] for d in docs for a in d["articles"].values()}
    stats = demo.stats()
    assert stats["claims"] == claims == len(_ids(demo))
    assert claims >= 50
    assert stats["sources"] == articles
    assert stats["publishers"] == len(publishers) >= 7
    # the other sources are at least six outlets besides Globinsider
    assert len(publishers - {"Globinsider"}) >= 6


def test_build_refuses_a_kb_with_claims_unless_forced(demo):
    with pytest.raises(InputError):
        build(demo)


def test_rebuilding_gives_the_same_claim_ids(demo):
    first = _ids(demo)
    # some ids are given in the files, the others are derived from the content
    assert any(len(i) == 12 and all(c in "0123456789abcdef" for c in i) for i in first)
    assert "gi-border-length" in first
    summary = build(demo, force=True)
    assert _ids(demo) == first
    assert f"{len(first)} claims" in summary


# ---------------------------------------------------------------- validation


def test_the_demo_conforms_to_the_shapes(demo):
    report = demo.validate()
    assert report.conforms and report.violations == 0
    assert report.quads > 1000


def test_claimkb_validate_on_the_demo(cli):
    built = cli("demo")
    assert built.exit_code == 0, built.output
    assert "demo KB built" in built.output
    checked = cli("validate")
    assert checked.exit_code == 0, checked.output
    assert "conforms" in checked.output


# ---------------------------------------------------------------- the sample article


def _globinsider_claims(kb) -> list[str]:
    return [row["id"] for row in kb.list_claims(limit=1000)
            if row["publisherName"] == "Globinsider"]


def test_every_globinsider_claim_quotes_the_text_at_the_right_place(demo):
    original = (files("kb.demo") / SEED_TEXT).read_text(encoding="utf-8")
    ids = _globinsider_claims(demo)
    quotes = [c["quote"] for c in _yaml("10-globinsider.yaml")["claims"]]
    assert len(ids) == len(quotes) >= 20
    exacts = []
    for ident in ids:
        quote = demo.claim_view(ident)["quote"]
        assert quote is not None, f"{ident} has no quote"
        text = demo.version_text(URIRef(quote["source"]))
        assert text.startswith(original.rstrip())
        assert 0 <= quote["start"] < quote["end"] <= len(text)
        assert text[quote["start"]:quote["end"]] == quote["exact"], ident
        assert text[:quote["start"]].endswith(quote["prefix"])
        assert text[quote["end"]:].startswith(quote["suffix"])
        exacts.append(_norm(quote["exact"]))
    # what is stored is what the file quotes (whitespace aside)
    assert sorted(exacts) == sorted(_norm(q) for q in quotes)


def test_the_article_is_an_opinion_piece_of_globinsider(demo):
    article = demo.find_article("globinsider")
    meta = demo.article_metadata(article)
    assert meta.publisher == "Globinsider"
    assert demo.store.query(PREFIXES + f"""
        ASK {{ GRAPH meta:metadata {{ <{article}> a schema:OpinionNewsArticle }} }}""").boolean
    assert str(meta.published) >= "2021-07-08"   # it reports the 8 July consultations


def _by_statement(kb, start: str) -> dict:
    rows = [r for r in kb.list_claims(limit=1000) if (r["text"] or "").startswith(start)]
    assert len(rows) == 1, f"{len(rows)} claims start with {start!r}"
    return kb.claim_view(rows[0]["id"])


@pytest.mark.parametrize("start, modality", [
    ("The Russian approach is now seen as very productive", "opinion"),
    ("The US operation in Afghanistan ended in complete failure", "opinion"),
    ("Moscow cannot abandon the secular regimes", "opinion"),
    ("Tajikistan will hardly be able to control the border", "prediction"),
    ("The question of the return of Russian border guards", "prediction"),
    ("The Taliban assured Russia", "reported-speech"),
    ("Twenty years of the US and NATO campaign", "reported-speech"),
    ("Afghanistan lost control of 13 regions", "event"),
    ("On July 8, consultations were held in Moscow", "event"),
    ("The Tajik government asked the CSTO for help", "event"),
    ("Today the Taliban controls over 70%", "factual"),
])
def test_globinsider_claims_are_marked_with_their_modality(demo, start, modality):
    view = _by_statement(demo, start)
    assert view["modality"] == modality
    assert view["publisher"] == "Globinsider"


def test_opinions_and_predictions_exist_and_are_marked(demo):
    opinions = demo.list_claims(modality="opinion", limit=1000)
    predictions = demo.list_claims(modality="prediction", limit=1000)
    assert len(opinions) >= 5 and len(predictions) >= 2
    assert {r["publisherName"] for r in opinions + predictions} == {"Globinsider"}
    for row in opinions + predictions:
        assert demo.claim_view(row["id"])["modality"] in ("opinion", "prediction")


def test_reported_speech_names_its_speaker(demo):
    speech = demo.list_claims(modality="reported-speech", limit=1000)
    assert len(speech) >= 10
    for row in speech:
        assert demo.claim_view(row["id"])["speaker"], row["id"]
    assurance = demo.claim_view("gi-taliban-border-assurance")
    assert assurance["speaker"].endswith("/people/taliban-representatives")
    envoy = _by_statement(demo, "Twenty years of the US and NATO campaign")
    assert envoy["speaker"].endswith("/people/russian-special-envoy")


@pytest.mark.parametrize("ident, surface, earliest, latest", [
    ("gi-districts-13", "13", "2021-07-03", "2021-07-03"),
    ("gi-soldiers-crossed", "more than a thousand", "2021-07-04", "2021-07-05"),
    ("gi-border-share", "over 70%", "2021-07-09", "2021-07-09"),
    ("gi-border-length", "1,344 km", "2021-07-01", "2021-07-31"),
])
def test_globinsider_figures(demo, ident, surface, earliest, latest):
    view = demo.claim_view(ident)
    assert view["about"] == {"earliest": earliest, "latest": latest}
    (content,) = view["content"]
    assert content["value"]["surfaceText"] == surface


def test_the_moscow_consultations_are_an_event_of_8_july(demo):
    view = demo.claim_view("gi-moscow-consultations")
    assert view["modality"] == "event"
    assert view["about"] == {"earliest": "2021-07-08", "latest": "2021-07-08"}
    (content,) = view["content"]
    assert content["value"].endswith("/entities/moscow")


# ---------------------------------------------------------------- shared entities


def test_both_files_share_entities_and_properties(demo):
    rows = demo.store.query(PREFIXES + """
        SELECT ?s ?p (COUNT(DISTINCT ?pub) AS ?publishers) WHERE {
          GRAPH meta:metadata {
            ?c ckb:subject ?s ; ckb:property ?p ; schema:appearance/schema:publisher ?pub .
          }
        } GROUP BY ?s ?p HAVING (COUNT(DISTINCT ?pub) > 1)""").dicts()
    shared = {(str(r["s"]).rsplit("/", 1)[1], str(r["p"]).rsplit("/", 1)[1]) for r in rows}
    assert {("afghan-tajik-border", "length"),
            ("afghan-tajik-border", "share-of-border-controlled-by-taliban"),
            ("afghan-tajik-border", "afghan-soldiers-crossed-into-tajikistan"),
            ("afghanistan", "districts-captured-by-taliban"),
            ("taliban", "held-consultations-in"),
            ("taliban", "intends-to-violate-tajik-border"),
            ("tajikistan", "asked-for-help-from")} <= shared


def test_every_resource_has_one_label(demo):
    # the same key in both files must carry the same label, or a resource gets two
    rows = demo.store.query(PREFIXES + """
        SELECT ?x (COUNT(DISTINCT ?label) AS ?n) WHERE {
          GRAPH meta:metadata { ?x rdfs:label ?label }
        } GROUP BY ?x HAVING (COUNT(DISTINCT ?label) > 1)""").dicts()
    assert rows == []


# ---------------------------------------------------------------- comparison material
#
# A small reference implementation of the comparison rules, over the store: claims with
# the same subject and property, from different publishers, are compared when their
# `about` times overlap and their scope is the same; quantities by their intervals.


PAIRS = PREFIXES + """
SELECT ?a ?b ?aScope ?bScope
       (?aEarliest <= ?bLatest && ?bEarliest <= ?aLatest AS ?overlap)
WHERE {
  GRAPH meta:metadata {
    ?a ckb:subject ?s ; ckb:property ?p ; schema:appearance/schema:publisher ?pa ;
       ckb:timeAbout [ ckb:earliest ?aEarliest ; ckb:latest ?aLatest ] .
    ?b ckb:subject ?s ; ckb:property ?p ; schema:appearance/schema:publisher ?pb ;
       ckb:timeAbout [ ckb:earliest ?bEarliest ; ckb:latest ?bLatest ] .
    OPTIONAL { ?a ckb:scope ?aScope }
    OPTIONAL { ?b ckb:scope ?bScope }
  }
  FILTER (STR(?a) < STR(?b))
}"""

VALUES = PREFIXES + """
SELECT ?c ?o ?kind ?unit ?min ?max ?minEx ?maxEx WHERE {
  GRAPH meta:metadata { ?c ckb:subject ?s ; ckb:property ?p ; ckb:valueKind ?kind }
  GRAPH ?c {
    ?s ?p ?o .
    OPTIONAL { ?o schema:unitCode ?unit }
    OPTIONAL { ?o schema:minValue ?min }
    OPTIONAL { ?o schema:maxValue ?max }
    OPTIONAL { ?o ckb:minExclusive ?minEx }
    OPTIONAL { ?o ckb:maxExclusive ?maxEx }
  }
}"""


def _num(term):
    return None if term is None else Decimal(str(term))


def _flag(term) -> bool:
    return term is not None and bool(term.toPython())


def _values(kb) -> dict:
    out = {}
    for r in kb.store.query(VALUES).dicts():
        ident = kb.iris.local_id(r["c"])
        if str(r["kind"]) == "quantity":
            out[ident] = ("quantity", str(r["unit"]), _num(r["min"]), _flag(r["minEx"]),
                          _num(r["max"]), _flag(r["maxEx"]))
        else:
            out[ident] = (str(r["kind"]), str(r["o"]))
    return out


def _intervals_meet(x, y) -> bool:
    _, _, xlo, xlo_ex, xhi, xhi_ex = x
    _, _, ylo, ylo_ex, yhi, yhi_ex = y
    lows = [(v, ex) for v, ex in ((xlo, xlo_ex), (ylo, ylo_ex)) if v is not None]
    highs = [(v, ex) for v, ex in ((xhi, xhi_ex), (yhi, yhi_ex)) if v is not None]
    if not lows or not highs:
        return True
    lo = max(v for v, _ in lows)
    lo_ex = any(ex for v, ex in lows if v == lo)
    hi = min(v for v, _ in highs)
    hi_ex = any(ex for v, ex in highs if v == hi)
    return lo < hi or (lo == hi and not lo_ex and not hi_ex)


def _classify(kb) -> dict[str, set[frozenset]]:
    values = _values(kb)
    pubs = {r["id"]: r["publisherName"] for r in kb.list_claims(limit=1000)}
    classes: dict[str, set[frozenset]] = {k: set() for k in
                                          ("AGREE", "COMPATIBLE", "CONFLICT", "NOT_COMPARABLE")}
    for r in kb.store.query(PAIRS).dicts():
        a, b = kb.iris.local_id(r["a"]), kb.iris.local_id(r["b"])
        if pubs[a] == pubs[b] and r["aScope"] == r["bScope"]:
            continue
        pair = frozenset((a, b))
        if not r["overlap"].toPython() or r["aScope"] != r["bScope"]:
            classes["NOT_COMPARABLE"].add(pair)
            continue
        va, vb = values[a], values[b]
        if va[0] == vb[0] == "quantity":
            assert va[1] == vb[1], f"{a} and {b} are in different units"
            verdict = ("AGREE" if va == vb else
                       "COMPATIBLE" if _intervals_meet(va, vb) else "CONFLICT")
        else:
            verdict = "AGREE" if va == vb else "CONFLICT"
        classes[verdict].add(pair)
    return classes


def _pairs(*pairs: tuple[str, str]) -> set[frozenset]:
    return {frozenset(p) for p in pairs}


def test_the_demo_holds_every_kind_of_comparison(demo):
    classes = _classify(demo)
    assert all(classes.values()), {k: len(v) for k, v in classes.items()}
    assert _pairs(
        ("gi-border-length", "tass-border-length"),
        ("gi-soldiers-crossed", "bbc-soldiers-crossed"),
        ("ap-soldiers-crossed", "sputnik-soldiers-crossed"),
        ("khovar-civilians-crossed", "afp-civilians-crossed"),
        ("aljazeera-badakhshan-districts", "asiaplus-badakhshan-districts"),
        ("france24-territory-share", "times-territory-share"),
        ("reuters-reservists", "afghanistantimes-reservists"),
        ("gi-csto-appeal", "armenpress-csto-appeal"),
        ("gi-csto-appeal", "reuters-csto-appeal"),
        ("gi-moscow-consultations", "rferl-moscow-consultations"),
        ("gi-taliban-border-assurance", "tass-shaheen-no-attack"),
        ("gi-taliban-border-assurance", "rferl-mfa-assurance"),
    ) <= classes["AGREE"]
    assert _pairs(
        ("gi-soldiers-crossed", "aljazeera-soldiers-crossed"),
        ("gi-soldiers-crossed", "asiaplus-soldiers-crossed"),
        ("aljazeera-soldiers-crossed", "asiaplus-soldiers-crossed"),
        ("bbc-total-crossed", "asiaplus-total-crossed"),
        ("gi-border-share", "mehr-border-share"),
    ) <= classes["COMPATIBLE"]
    assert _pairs(
        ("gi-border-length", "eurasianet-border-length"),
        ("tass-border-length", "eurasianet-border-length"),
        ("gi-border-length", "afghanistantimes-border-length"),
        ("straitstimes-civilians-crossed", "khovar-civilians-crossed"),
        ("straitstimes-civilians-crossed", "afp-civilians-crossed"),
    ) <= classes["CONFLICT"]
    assert _pairs(
        ("ap-soldiers-crossed", "aljazeera-soldiers-crossed"),
        ("sputnik-soldiers-crossed", "asiaplus-soldiers-crossed"),
        ("gi-soldiers-crossed", "ap-soldiers-crossed"),
        ("gi-border-share", "sputnik-border-share"),
        ("tass-border-share", "mehr-border-share"),
        ("bbc-territory-share", "france24-territory-share"),
        ("kursiv-total-crossed", "asiaplus-total-crossed"),
        ("gi-districts-13", "dw-districts"),
        ("asiaplus-shughnon-crossed", "asiaplus-soldiers-crossed"),   # different scope
        ("asiaplus-shughnon-crossed", "bbc-soldiers-crossed"),
    ) <= classes["NOT_COMPARABLE"]


def test_every_globinsider_figure_has_a_counterpart_from_another_outlet(demo):
    rows = demo.store.query(PREFIXES + """
        SELECT DISTINCT ?a WHERE {
          GRAPH meta:metadata {
            ?a ckb:subject ?s ; ckb:property ?p ; schema:appearance/schema:publisher ?pa .
            ?pa schema:name "Globinsider" .
            ?b ckb:subject ?s ; ckb:property ?p ; schema:appearance/schema:publisher ?pb .
            FILTER (?pa != ?pb)
          }
        }""").dicts()
    assert {demo.iris.local_id(r["a"]) for r in rows} == {
        "gi-districts-13", "gi-soldiers-crossed", "gi-border-share", "gi-border-length",
        "gi-moscow-consultations", "gi-taliban-border-assurance", "gi-csto-appeal"}


def test_the_shared_data_items_agree_with_the_demo(shared_data):
    # the outlets the portal cites, on the dates it gives, say what the demo says
    import json

    items = [json.loads(line) for line in
             (shared_data / "afghanistan-july-2021" /
              "afghanistan_items_2021-06-15_2021-08-31.jsonl").read_text().splitlines()]

    def item(date: str, outlet: str, words: str) -> bool:
        return any(i["date"] == date and outlet in i["cited_outlets"] and words in i["text"]
                   for i in items)

    assert item("2021-07-04", "AP", "more than 300 Afghan troops")
    assert item("2021-07-05", "Al Jazeera", "at least 1,037 Afghan troops")
    assert item("2021-07-05", "Al Jazeera", "six districts in Badakhshan")
    assert item("2021-07-06", "Reuters", "20,000 military reservists")
    assert item("2021-07-08", "TASS", "does not plan to attack the Afghan–Tajik border")
    assert item("2021-07-09", "France 24", "85% of the territory")
    assert item("2021-07-14", "Straits Times", "over 350 citizens")
    assert item("2021-06-19", "DW", "six more districts")
    sources = _yaml("20-other-sources.yaml")["articles"]
    via_portal = [a for a in sources.values() if "Portal:Current_events" in a.get("via", "")]
    assert len({a["publisher"] for a in via_portal}) >= 6
    for a in via_portal:
        assert a["via"].endswith(_portal_day(str(a["published"])))


def _portal_day(iso: str) -> str:
    import datetime as dt

    day = dt.date.fromisoformat(iso)
    return f"{day.year}_{day:%B}_{day.day}"


def test_pairs_are_between_different_publishers_or_scopes(demo):
    """The product's own report judges only pairs from different publishers (or of
    different scopes); the reference classification's classes are disjoint."""
    pubs = {r["claim"]: r["publisherName"] for r in demo.list_claims(limit=1000)}
    facts = demo.comparison_report()
    judged = [(f, v) for f in facts for v in f.verdicts]
    assert len(judged) > 10
    for fact, v in judged:
        assert pubs[v.a] != pubs[v.b] or fact.scope, (v.verdict, v.a, v.b)
    classes = _classify(demo)
    assert sum(len(c) for c in classes.values()) > 10
    for first, second in itertools.combinations(classes, 2):
        assert not classes[first] & classes[second], (first, second)
