"""The claim-extraction assistant's rules (kb.model.suggestions and the modules it
composes; rules as data in kb/model/suggest_rules.yaml, docs/extraction.md): one case
per rule, on sentences written for the test. The measurement on real labelled articles
is tests/kb/model/test_extraction_eval.py."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kb.model.claim_cues import attribution, rules
from kb.model.dates import PDate
from kb.model.names import NameSet, normalise
from kb.model.quantity_spans import quantities
from kb.model.sentences import sentences
from kb.model.suggestions import suggest, suggestion_id
from kb.model.time_spans import times

THURSDAY = PDate(2021, 7, 8)


def one(text: str, **kw):
    found = suggest(text, everything=True, **kw).suggestions
    assert len(found) == 1, [s.quote for s in found]
    return found[0]


# ------------------------------------------------------------------ sentences

def test_sentences_keep_offsets_and_do_not_end_at_abbreviations():
    text = "Mr. Smith arrived in the U.S. on Nov. 19.  He said so.\nA HEADLINE\n\nLast one!"
    found = sentences(text)
    assert [s.text for s in found] == ["Mr. Smith arrived in the U.S. on Nov. 19.", "He said so.",
                                      "A HEADLINE", "Last one!"]
    assert all(text[s.start:s.end] == s.text for s in found)


def test_a_very_long_line_is_cut_into_pieces_at_spaces():
    text = "word " * 2000
    found = sentences(text)
    assert len(found) > 1 and all(len(s.text) <= 1000 for s in found)
    assert all(text[s.start:s.end] == s.text for s in found)


# ------------------------------------------------------------------ modality and speakers

@pytest.mark.parametrize("text,speaker,words", [
    ("Sales rose 5 percent, Ford said.", "Ford", "said"),
    ("Pentagon officials said two soldiers died.", "Pentagon officials", "said"),
    ("More than 2,500 civilians were killed this year, according to the United Nations.",
     "the United Nations", "according to"),
    ("General Mark Milley, the top US military officer, told reporters troops would stay.",
     "General Mark Milley", "told"),
    ("“We will not leave,” said Zabihullah Mujahid, a Taliban spokesman.", "Zabihullah Mujahid", "said"),
    ("The ministry said that 300 soldiers crossed the border.", "The ministry", "said"),
    ("The dollar may weaken, said Juan Perez, a strategist at Tempus.", "Juan Perez", "said"),
    ("The US welcomed the exchange, saying the hostages had suffered.", "The US", "saying"),
    ("On Monday, the People’s Daily, the party's mouthpiece, warned that there is no room.",
     "the People’s Daily", "warned"),
])
def test_reported_speech_names_its_speaker(text, speaker, words):
    found = attribution(text)
    assert (found.speaker, found.words) == (speaker, words)
    assert one(text).modality == "reported-speech"


@pytest.mark.parametrize("text", [
    "The United States sent 300 more troops in May.",        # "States" is no verb
    "Spot gold added 0.1% to $1,472.19 an ounce.",           # "added" a figure, not speech
    "These sites offered no evidence, like the tweets, to support their estimates.",
    "China's leaders may still believe all this is a price worth paying.",   # a guess
])
def test_words_that_look_like_speech_but_are_not(text):
    assert attribution(text) is None


def test_a_pronoun_speaker_is_the_last_speaker_named_before():
    text = ("The ministry said 300 soldiers crossed the border on Monday. "
            "It said another 200 soldiers crossed on Tuesday.")
    first, second = suggest(text, published=THURSDAY).suggestions
    assert first.speaker == "The ministry"
    assert second.speaker == "The ministry"
    assert "taken as The ministry" in second.notes[0]


@pytest.mark.parametrize("text,modality,cue", [
    ("Analysts say the Taliban will take Kabul within six months.", "reported-speech", "say"),
    ("The Taliban is expected to take Kabul within six months.", "prediction", "is expected to"),
    ("The withdrawal was a reckless decision by the White House.", "opinion", "reckless"),
    ("Washington should have kept troops in Bagram.", "opinion", "should"),
    ("Two soldiers were killed in Kunduz on Tuesday.", "event", "killed"),
    ("The border between the two countries is 1,344 km long.", "factual", None),
])
def test_modality_follows_the_cues_in_order(text, modality, cue):
    s = one(text, published=THURSDAY)
    assert (s.modality, s.cue) == (modality, cue)


def test_an_opinion_article_makes_a_sentence_with_no_cue_an_opinion():
    text = "The authorities continue to pour fuel on the fire in Hong Kong."
    assert one(text).modality == "factual"
    assert one(text, article_type="opinion").modality == "opinion"


# ------------------------------------------------------------------ quantities

@pytest.mark.parametrize("text,surface,value,unit,qualifier", [
    ("The Taliban control over 70% of the border.", "over 70%", "70", "P1", "more than"),
    ("The border is 1,344 km long.", "1,344 km", "1344", "KMT", "exact"),
    ("Alibaba will raise up to $12.9 billion.", "up to $12.9 billion", "12900000000", "USD", "at most"),
    ("Between 300 and 400 soldiers fled.", "Between 300 and 400", "350", "C62", "between"),
    ("Roughly 13,000 US troops remain.", "Roughly 13,000", "13000", "C62", "about"),
    ("A 53-year-old man was arrested.", "53-year-old", "53", "ANN", "exact"),
    ("It ended a four-year high.", "four-year", "4", "ANN", "exact"),
    ("Tens of thousands marched.", "Tens of thousands", "20000", "C62", "at least"),
    ("A million or more people marched.", "A million or more", "1000000", "C62", "at least"),
    ("Nearly half of the voters stayed home.", "Nearly half", "50", "P1", "nearly"),
    ("Officials said $5m was spent.", "$5m", "5000000", "USD", "exact"),   # m = million after a currency
    ("Braun bought it for $300M in a deal.", "$300M", "300000000", "USD", "exact"),
    ("It cost $10m-$15m.", "$10m-$15m", "12500000", "USD", "between"),
    ("It cost USD 5 million.", "USD 5 million", "5000000", "USD", "exact"),
    ("It cost Rs 500 crore.", "Rs 500 crore", "5000000000", "INR", "exact"),
])
def test_a_figure_is_read_with_its_qualifier_and_unit(text, surface, value, unit, qualifier):
    q = quantities(text)[0]
    assert (q.surface, str(q.quantity.value), q.quantity.unit.code, q.quantity.qualifier.label) == \
        (surface, value, unit, qualifier)
    assert text[q.start:q.end] == q.surface


@pytest.mark.parametrize("text", [
    "It happened on Nov. 19, 2019, at 3 p.m.",      # a date and a clock time
    "In 2018 the war was in its 17th year.",          # a year and an ordinal
    "A Boeing 787 and an F-16 flew over during COVID-19.",   # names
    "One of the men left.",                           # "one" as a pronoun
    "Taiwan raised NT$5bn and Brazil R$10m.",         # currencies claimkb does not know
    "It took 30 minutes over 5 acres.",               # units not converted yet: not counts
])
def test_dates_years_times_ordinals_and_names_are_no_amounts(text):
    assert quantities(text) == []


def test_a_counted_noun_is_kept_for_the_property_label():
    s = one("Two United States service members were killed on Saturday.", published=THURSDAY)
    assert s.quantities[0].surface == "Two"
    assert s.properties[0].text.startswith("number of")


# ------------------------------------------------------------------ times

@pytest.mark.parametrize("words,about", [
    ("on Thursday", "2021-07-01"),             # the claims file's rule: the past, not the day itself
    ("last week", "2021-06-28/2021-07-04"),
    ("yesterday", "2021-07-07"),
    ("in just one day", "2021-07-07/2021-07-08"),
    ("in May 2020", "2020-05"),
    ("since 1998", "since 1998"),
    ("two days ago", "2021-07-06"),
])
def test_times_resolve_against_the_publication_date(words, about):
    found = times(f"Soldiers crossed the border {words}.", THURSDAY)
    assert [t.value for t in found] == [about]


@pytest.mark.parametrize("words", ["yesterday", "in just one day"])
def test_a_relative_time_without_a_publication_date_is_kept_unresolved_with_the_reason(words):
    (found,) = times(f"Soldiers crossed the border {words}.", None)
    assert found.about is None and found.needs_published and "publication" in found.problem
    (s,) = suggest(f"Soldiers crossed the border {words}.", everything=True).suggestions
    assert s.times == [found]


# ------------------------------------------------------------------ names, score, ids

def test_the_kbs_names_in_a_sentence_are_candidates_once_each():
    entities = NameSet([(normalise("Collective Security Treaty Organization"), "e:csto"),
                        (normalise("CSTO"), "e:csto"), (normalise("Tajikistan"), "e:tj")])
    s = one("Tajikistan asked the CSTO, the Collective Security Treaty Organization, for help.",
            names={"entities": entities})
    assert [h.owners for h in s.subjects] == [("e:tj",), ("e:csto",)]
    assert any(r.startswith("names:") for r in s.reasons)


def test_a_kb_property_is_found_by_most_of_its_words_written_in_any_form():
    properties = NameSet([(normalise("share controlled by the Taliban"), "p:share"),
                          (normalise("length"), "p:length")])
    s = one("Today the Taliban controls over 70% of the border.", names={"properties": properties})
    assert [h.owners for h in s.properties] == [("p:share",)]
    s = one("Over 70% of the border is held.", names={"properties": properties})
    assert [(h.text, h.owners) for h in s.properties] == [("share of the border", ())]


def test_the_score_adds_the_weights_of_the_features_that_fired():
    s = one("Sales fell 10 percent in October, Ford said.", published=THURSDAY)
    w = rules()["weights"]
    assert s.score == pytest.approx(w["quantity"] + w["time"] + w["proper_name"]
                                    + w["attribution"] + w["event"] + w["comparison"] + w["assertion"])
    assert suggest("Is it true?", everything=True).suggestions[0].score < rules()["threshold"]


def test_a_suggestion_id_depends_on_its_place_and_words():
    s = one("Sales fell 10 percent in October.")
    assert s.id == suggestion_id(0, len(s.quote), s.quote)
    assert s.id != suggestion_id(1, len(s.quote) + 1, s.quote)


# ------------------------------------------------------------------ bad input

def test_empty_text_is_a_clear_result():
    result = suggest("   \n\n")
    assert (result.suggestions, result.sentences) == ([], 0)
    assert "no sentences" in result.notes[0]


def test_a_table_dump_is_not_suggested_and_says_why():
    text = "\n".join(" | ".join(str(i * j) for j in range(8)) for i in range(50))
    result = suggest(text)
    assert result.suggestions == []
    assert "read as no sentence" in result.notes[0]


def test_another_language_gets_its_figures_read_and_a_note():
    text = ("Selon le ministère, plus de 1 500 soldats afghans ont fui au Tadjikistan. "
            "Le gouvernement a annoncé que 70 % de la frontière est contrôlée par les talibans.")
    result = suggest(text, language="fr")
    assert "not in English" in result.notes[0]
    values = [(q.surface, q.quantity.value) for s in result.suggestions for q in s.quantities]
    assert ("plus de 1 500", Decimal(1500)) in values
    assert all(s.modality == "factual" for s in result.suggestions)


def test_a_large_text_of_anything_never_raises():
    junk = "".join(chr(c) for c in range(32, 2000)) + "\u0000\ufffd" + "1,2,3 $ % ... “ ” —"
    text = (junk + "\n" + "The ministry said 300 soldiers crossed on Monday. ") * 40
    result = suggest(text, published=THURSDAY, language="xx")
    assert result.sentences > 40


def test_sentences_are_split_alike_in_threads_at_once():
    """pysbd's Segmenter keeps the text it works on: one per thread."""
    import threading

    texts = [" ".join(f"Mr. Smith{i} said {j} soldiers crossed on Nov. {j % 28 + 1}. "
                      f"The U.S. sent {j} more." for j in range(40)) for i in range(6)]
    serial = [[(s.start, s.end) for s in sentences(t)] for t in texts]
    wrong = []

    def work():
        for _ in range(3):
            for text, expected in zip(texts, serial):
                if [(s.start, s.end) for s in sentences(text)] != expected:
                    wrong.append(text)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_a_long_line_is_given_to_pysbd_in_pieces_and_keeps_its_offsets():
    text = "Mr. " * 3000 + "The ministry said 300 soldiers crossed. " * 200
    found = sentences(text)
    assert all(text[s.start:s.end] == s.text for s in found)
    assert sum(s.text == "The ministry said 300 soldiers crossed." for s in found) >= 190
