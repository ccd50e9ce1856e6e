"""Same-claim matching (kb.matching): normalisation, anchors, paraphrases that must match
and near misses that must not, the same-publisher rule, blocking, the KB query, and the
measurement on the shared ClaimReview feed (bench/matching_eval.py; docs/matching.md).

The example claims here are made up for these tests (Greenford, Portvale and the
people in them do not exist); none is copied from the shared data.
"""
from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from kb.services.matching import (DEFAULT_THRESHOLD, TextClaim, candidate_pairs, char_ngrams,
                         claims_in_kb, dates_in, names_in, normalise,
                         numbers_in, propose_matches, score_all, stem, words)

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(__file__).resolve().parents[2] / "data" / "matching"

# Unrelated claims, so that IDF in the test pools is like a real pool's (in a pool of
# two claims every shared word would weigh the same as every other).
BACKGROUND = [
    "The national minimum wage will rise next April.",
    "Eating carrots improves your eyesight at night.",
    "The new vaccine was tested on fewer than a hundred volunteers.",
    "Wind turbines kill more birds than cats do.",
    "The prime minister has cancelled the summer holidays for schools.",
    "A shark was photographed swimming on a flooded motorway.",
    "The football team refused to travel to the final.",
    "Petrol prices are the highest they have been in ten years.",
    "Tap water in the capital contains traces of cocaine.",
    "The museum sold a painting by mistake for five pounds.",
    "Hospitals are turning away patients over the age of eighty.",
    "A new law bans mobile phones in all secondary schools.",
    "The census shows the population has fallen for the first time.",
    "Scientists found a new species of frog in the rainforest.",
]


def pool(*pairs: tuple[str, str | None, str | None], background: bool = True) -> list[TextClaim]:
    """TextClaims x0, x1, … from (text, publisher, speaker), plus the background claims
    (publisher "Background Desk")."""
    claims = [TextClaim(f"x{i}", text, publisher, "2021-07-10", speaker)
              for i, (text, publisher, speaker) in enumerate(pairs)]
    if background:
        claims += [TextClaim(f"bg{i:02d}", text, "Background Desk", "2021-07-01")
                   for i, text in enumerate(BACKGROUND)]
    return claims


def pair_score(a: str, b: str, *, speakers=(None, None), publishers=("Checker A", "Checker B")):
    """The score of the pair (a, b) in a pool with the background claims; None when the
    pair was not even a candidate after blocking."""
    claims = pool((a, publishers[0], speakers[0]), (b, publishers[1], speakers[1]))
    for m in score_all(claims):
        if m.pair == ("x0", "x1"):
            return m
    return None


# ---------------------------------------------------------------- normalisation

def test_words_fold_case_unicode_quotes_accents_and_possessives():
    assert words("Café MÜLLER’s “Big” dog") == ["cafe", "muller", "big", "dog"]
    assert words("ﬁve Ｏｌｙｍｐｉｃｓ") == ["five", "olympics"]          # NFKC: ligature, full width
    assert words("1,000 people; 1.5 mm") == ["1000", "people", "1.5", "mm"]
    assert words("It won't, they can't, he didn't") == ["it", "will", "not", "they", "can",
                                                         "not", "he", "did", "not"]


def test_normalise_drops_stop_and_framing_words_and_stems():
    assert normalise("Did Joe Biden say the vaccines are “not safe”?") == \
        ["joe", "biden", "vaccin", "safe"]
    assert normalise("No, the pilots weren't banned from flying") == ["pilot", "ban", "fly"]
    # non-Latin scripts are kept as they are (no stemming, marks kept)
    assert normalise("कोरोना वैक्सीन") == ["कोरोना", "वैक्सीन"]


def test_stemmer_folds_inflections():
    assert stem("pilots") == stem("pilot") == "pilot"
    assert stem("vaccines") == stem("vaccine")
    assert stem("announced") == stem("announce") == stem("announcing")
    assert stem("stopped") == "stop"
    assert stem("bus") == "bus" and stem("virus") == "virus" and stem("crisis") == "crisis"


def test_char_ngrams_link_word_forms_the_stemmer_does_not():
    canada, canadian = set(char_ngrams(["canada"])), set(char_ngrams(["canadian"]))
    assert {"#can", "cana", "anad"} <= canada & canadian
    assert char_ngrams(["uk"]) == ["#uk#"]


# ---------------------------------------------------------------- anchors

@pytest.mark.parametrize("text, expected", [
    ("It cost 1,000 dollars", {1000}),
    ("It cost 1000 dollars", {1000}),
    ("It cost a thousand dollars", {1000}),
    ("Five pilots died", {5}),
    ("three hundred workers", {300}),
    ("twenty-five and 12", {25, 12}),
    ("1.5 million people", {1500000}),
    ("a 3bn deal", {3000000000}),
    ("99% of it", {99}),
    ("the 19th amendment", {19}),
    ("a 19-year-old student", {19}),
    ("COVID-19 and G7 and 5G", set()),               # glued to letters: names
    ("no one knows, a man said", set()),             # a lone "one"/"a" is not a count
    ("on 17 July 2021 in 2019", set()),              # dates are not numbers
])
def test_numbers_are_normalised(text, expected):
    assert numbers_in(text) == {Decimal(v) for v in expected}


@pytest.mark.parametrize("text, expected", [
    ("closed on 17 July 2021", {(2021, 7, 17)}),
    ("closed on 17th of July, 2021", {(2021, 7, 17)}),
    ("closed on July 17, 2021", {(2021, 7, 17)}),
    ("closed in July 2021", {(2021, 7, None)}),
    ("closed on July 17", {(None, 7, 17)}),
    ("closed in 2019", {(2019, None, None)}),
    ("from 2019 to 3 May 2021", {(2019, None, None), (2021, 5, 3)}),
    ("it may rain, 300 people", set()),
])
def test_dates_in_text(text, expected):
    assert dates_in(text) == expected


def test_names_come_from_sentence_case_text_only():
    found = dict(names_in("Says Kayleigh Moreno is the daughter of John F. Kennedy Jr."))
    assert {"kayleigh", "moreno", "john", "kennedy", "jr"} <= set(found)
    assert "say" not in found and "says" not in found                 # first word
    assert names_in("Does This Image Show A Flooded Airport In China?") == []   # Title Case
    assert dict(names_in("Pictures show snow in Cairo in July.")) == {"cairo": "Cairo"}


# ---------------------------------------------------------------- pairs

PARAPHRASES = [
    ("The city council voted to ban plastic bags in all Greenford supermarkets.",
     "Greenford's council has banned plastic bags from every supermarket in the city."),
    ("A glass of hot lemon water cures the flu within three days.",
     "Drinking hot lemon water will cure flu in 3 days."),
    ("Senator Maria Okafor said the new Greenford bridge cost $1,200,000.",
     "Maria Okafor claims the new bridge in Greenford cost 1.2 million dollars."),
    ("A photo shows snow covering the pyramids of Giza in January 2022.",
     "Image shows the Giza pyramids covered in snow in January 2022."),
    ("Is the Portvale mayor banning dogs from all public parks?",
     "The mayor of Portvale has banned dogs from public parks."),
]


@pytest.mark.parametrize("a, b", PARAPHRASES)
def test_paraphrases_from_different_publishers_match(a, b):
    m = pair_score(a, b)
    assert m is not None and m.score >= DEFAULT_THRESHOLD, (m.score if m else None, a, b)
    ids = {(p.a.id, p.b.id) for p in propose_matches(pool((a, "Checker A", None),
                                                          (b, "Checker B", None)))}
    assert ("x0", "x1") in ids


NEAR_MISSES = [
    # same topic, different numbers
    ("Crime in Greenford rose by 12% in 2020.", "Crime in Greenford rose by 40% in 2020."),
    ("Five firefighters were injured at the Portvale refinery fire.",
     "Twenty firefighters were injured at the Portvale refinery fire."),
    # same topic, different dates
    ("The Greenford dam burst in March 2019.", "The Greenford dam burst in March 2021."),
    # same names, a different claim
    ("Maria Okafor was arrested for tax fraud in Portvale.",
     "Maria Okafor opened a new hospital in Portvale."),
]


@pytest.mark.parametrize("a, b", NEAR_MISSES)
def test_near_misses_do_not_match(a, b):
    m = pair_score(a, b)
    assert m is None or m.score < DEFAULT_THRESHOLD, (m.score, m.reasons)


def test_same_words_different_claimant_do_not_match():
    text = "Unemployment in Greenford fell to 4% last month."
    assert pair_score(text, text, speakers=("Maria Okafor", "Tom Reyes")).score < DEFAULT_THRESHOLD
    # the same claimant (named more or less fully), or a generic one, is no obstacle
    same = pair_score(text, text, speakers=("Maria Okafor", "Senator Maria Okafor"))
    assert same.score >= DEFAULT_THRESHOLD and "same speaker: Maria Okafor" in same.reasons
    generic = pair_score(text, text, speakers=("Facebook posts", "Multiple Sources"))
    assert generic.score == 1.0


def test_reasons_say_why_in_words():
    m = pair_score("Police fined 1,000 drivers in Greenford on 3 June 2021.",
                   "Greenford police handed fines to 1000 drivers on June 3, 2021.")
    assert m.score >= DEFAULT_THRESHOLD
    assert m.reasons[0].startswith("text similarity ")
    assert "same numbers: 1,000" in m.reasons
    assert "same dates: 2021-06-03" in m.reasons
    assert "published 0 days apart" in m.reasons
    conflict = pair_score("Police fined 1,000 drivers in Greenford.", "Police fined 250 drivers in Greenford.")
    assert "different numbers: 1,000 vs 250" in conflict.reasons


def test_claims_of_the_same_publisher_are_never_proposed():
    text = "The Portvale ferry terminal will close for good next week."
    same = pool((text, "Coastal Verify", None), (text, "coastal  verify.", None),
                (text, "COASTAL-VERIFY", None))
    among = [m for m in score_all(same) if m.a.id.startswith("x") and m.b.id.startswith("x")]
    assert among == []
    assert propose_matches(same, threshold=0.0) == [m for m in propose_matches(same, threshold=0.0)
                                                     if "bg" in m.a.id + m.b.id]
    other = pool((text, "Coastal Verify", None), (text, "Bay Checkers", None),
                 (text, "Coastal Verify", None))
    matches = propose_matches(other)
    assert sorted(m.pair for m in matches) == [("x0", "x1"), ("x1", "x2")]
    assert all(m.score == 1.0 for m in matches)


def test_matches_are_ordered_best_first_with_a_before_b():
    claims = pool(("Five pilots died after the vaccine in Portvale.", "B", None),
                  ("Five Portvale pilots died after getting the vaccine.", "A", None),
                  ("Pilots in Portvale died after the vaccine.", "C", None))
    matches = propose_matches(claims, threshold=0.0)
    assert matches and all(m.a.id < m.b.id for m in matches)
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)


def test_blocking_scores_far_fewer_pairs_than_all_and_keeps_the_match():
    import random

    rng = random.Random(7)
    vocabulary = [f"w{n}" for n in range(3000)]
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]      # Zipf-like
    claims = [TextClaim(f"c{i:04d}", " ".join(rng.choices(vocabulary, weights, k=12)), f"pub{i % 9}")
              for i in range(1500)]
    planted = claims[123].text.split()
    claims.append(TextClaim("planted", " ".join(planted[:10] + ["elsewhere"]), "another publisher"))
    from kb.model.text_match import features as _features
    feats, _pool = _features(claims)
    pairs = candidate_pairs(feats)
    assert len(pairs) < len(claims) * (len(claims) - 1) // 2 // 20
    assert (123, len(claims) - 1) in pairs
    best = propose_matches(claims)[0]
    assert best.pair == ("c0123", "planted")


def test_empty_and_single_pools():
    assert propose_matches([]) == []
    assert propose_matches([TextClaim("a", "Anything at all", "P")]) == []
    assert propose_matches([TextClaim("a", "", "P"), TextClaim("b", "", "Q")]) == []


# ---------------------------------------------------------------- the knowledge base

def test_matches_in_kb_finds_the_cross_publisher_pair(kb):
    """tests/data/matching/harbour-reviews.jsonld: two checkers (one of them twice) on one
    claim, a third checker on a different claim (other number, other year)."""
    kb.import_file(DATA / "harbour-reviews.jsonld", "claimreview")
    claims = {c.text.split()[0]: c for c in claims_in_kb(kb.store, kb.iris)}
    assert len(claims) == 4
    first = claims["Three"]
    assert first.publisher == "Riverside Fact Check" and first.date == "2021-07-05"
    assert first.speaker == "Facebook posts" and first.id.startswith("http://localhost:5000/claims/cr-")
    assert claims["Did"].speaker is None

    matches = kb.matches()
    found = {frozenset((m.a.text.split()[0], m.b.text.split()[0])) for m in matches}
    assert found == {frozenset(("Says", "Three")), frozenset(("Says", "Did"))}
    for m in matches:
        assert m.a.publisher != m.b.publisher
        assert any(r == "same numbers: 300" for r in m.reasons)

    # filters: one publisher's pairs; publication dates
    assert len(kb.matches(publisher="Coastal Verify")) == 2
    assert kb.matches(publisher="Bay Checkers") == []
    assert len(claims_in_kb(kb.store, kb.iris, since="2021-07-08")) == 2
    assert len(claims_in_kb(kb.store, kb.iris, until="2021-07")) == 4
    assert [c.publisher for c in claims_in_kb(kb.store, kb.iris, publisher="Coastal Verify")] == ["Coastal Verify"]
    assert kb.matches(threshold=0.99) == []


def test_claims_in_kb_pages_through_the_store(kb, monkeypatch):
    import kb.services.matching as matching

    kb.import_file(DATA / "harbour-reviews.jsonld", "claimreview")
    monkeypatch.setattr(matching, "KB_PAGE", 1)
    assert len(claims_in_kb(kb.store, kb.iris)) == 4


def test_empty_kb_has_no_matches(kb):
    assert kb.matches() == []


# ---------------------------------------------------------------- the shared data

def _load_bench():
    """bench/matching_eval.py (bench/ is not a package)."""
    name = "claimkb_bench_matching_eval"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "matching_eval.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module      # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.mark.shared
def test_recall_and_strict_precision_on_the_gold_clusters(shared_data):
    bench = _load_bench()
    folder = bench.find_claimreview(shared_data.parent)
    assert folder is not None
    rows = bench.load_rows(folder)
    pool_ = [bench.row_claim(r) for r in rows]
    gold = bench.load_gold(folder)
    assert len(pool_) == 459 and len(gold.pairs) == 9 and len(gold.ignored) == 1

    # measured 2026-11-24 (docs/matching.md): at the default 0.40, 19 proposed, 1 of them
    # the ignored "related" pair, 8 of the 9 gold pairs: recall 8/9 = 0.889, strict
    # precision 8/18 = 0.444; at 0.35, 27 proposed: recall 9/9, strict precision
    # 9/26 = 0.346. Margin: one gold pair, a few points of precision.
    scored = score_all(pool_)
    default, low = bench.evaluate(scored, gold, [DEFAULT_THRESHOLD, 0.35])
    assert default.recall >= 7 / 9
    assert default.precision >= 0.38
    assert low.recall >= 8 / 9
    assert low.precision >= 0.28


@pytest.mark.shared
def test_the_default_threshold_is_the_calibration_rule_point(shared_data):
    """The documented rule (lowest threshold with calibration precision >= 0.90, on the
    claim-vs-own-headline set that leaves the gold reviews out) still gives 0.40."""
    bench = _load_bench()
    folder = bench.find_claimreview(shared_data.parent)
    gold = bench.load_gold(folder)
    cal_pool, positives = bench.calibration_set(bench.load_rows(folder), gold)
    assert len(positives) > 150
    assert not {c.id.split("|", 1)[1] for c in cal_pool} & gold.members
    grid = [round(0.05 * i, 2) for i in range(2, 19)]
    curve, _negatives = bench.calibration_curve(cal_pool, positives, grid)
    chosen = min(t for t, _tp, _fp, p, _r, _f1 in curve if p >= bench.PRECISION_TARGET)
    assert chosen == DEFAULT_THRESHOLD


def test_bench_exits_2_without_the_shared_folder(tmp_path, capsys):
    bench = _load_bench()
    assert bench.main(["--shared", str(tmp_path)]) == 2
    assert "no ClaimReview data" in capsys.readouterr().err
