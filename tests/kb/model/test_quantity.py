from decimal import Decimal

import pytest

from kb.errors import InputError
from kb.model.quantity import (
    DECIMAL_MARKS,
    Quantity,
    decimal_mark,
    parse_number_words,
    parse_quantity,
    qualifier_named,
    qualifiers,
)
from kb.model.vocab import CKB

D = Decimal


@pytest.mark.parametrize("text,value,unit,bound", [
    ("1,344 km", D(1344), "KMT", CKB.Exact),
    ("over 70%", D(70), "P1", CKB.MoreThan),
    ("more than a thousand", D(1000), "C62", CKB.MoreThan),
    ("at least 1,037", D(1037), "C62", CKB.AtLeast),
    ("some 3,000 km", D(3000), "KMT", CKB.About),
    ("nearly 20,000", D(20000), "C62", CKB.Nearly),
    ("almost 100%", D(100), "P1", CKB.Nearly),
    ("up to 650", D(650), "C62", CKB.AtMost),
    ("no more than 5 percent", D(5), "P1", CKB.AtMost),
    ("less than 2.5 km", D("2.5"), "KMT", CKB.LessThan),
    ("fewer than thirteen", D(13), "C62", CKB.LessThan),
    ("130,000", D(130000), "C62", CKB.Exact),
    ("2.5 million", D(2500000), "C62", CKB.Exact),
    ("exactly 85 %", D(85), "P1", CKB.Exact),
    ("1 344 km".replace(" ", ",", 1), D(1344), "KMT", CKB.Exact),
    ("1,400 miles", D(1400), "SMI", CKB.Exact),
    ("around 46", D(46), "C62", CKB.About),
])
def test_parse(text, value, unit, bound):
    q = parse_quantity(text)
    assert (q.value, q.unit.code, q.qualifier.iri) == (value, unit, bound)
    assert q.surface == " ".join(text.split())


@pytest.mark.parametrize("text,interval", [
    ("1,344 km", (D(1344), False, D(1344), False)),
    ("over 70%", (D(70), True, D(100), False)),
    ("at least 1,037", (D(1037), False, None, False)),
    ("less than 300", (D(0), False, D(300), True)),
    ("about 2,000", (D(1900), False, D(2100), False)),
    ("nearly 350", (D("332.5"), False, D(350), False)),
    ("almost 100%", (D(95), False, D(100), False)),
    ("about 98%", (D("93.1"), False, D(100), False)),
])
def test_interval_follows_the_qualifier_table(text, interval):
    low, low_ex, high, high_ex = parse_quantity(text).interval()
    assert (low, low_ex, high, high_ex) == interval


def test_qualifier_rules_are_data_from_the_ontology():
    table = qualifiers()
    assert set(table) == {CKB.Exact, CKB.About, CKB.Nearly, CKB.MoreThan, CKB.AtLeast,
                          CKB.LessThan, CKB.AtMost, CKB.Between}
    assert table[CKB.About].tolerance == D("0.05")
    assert "over" in table[CKB.MoreThan].forms
    assert qualifier_named("up to").iri == CKB.AtMost
    with pytest.raises(InputError, match="unknown bound qualifier"):
        qualifier_named("roughly-ish")


@pytest.mark.parametrize("words,value", [
    ("a thousand", 1000), ("thirteen", 13), ("one hundred and five", 105),
    ("twenty-five", 25), ("two thousand three hundred", 2300), ("a dozen", 12),
])
def test_number_words(words, value):
    assert parse_number_words(words.split()) == value


@pytest.mark.parametrize("text,message", [
    ("1,000 soldiers/day", "unknown unit"),
    ("many", "not a quantity"),
    ("", "not a quantity"),
    ("over", "not a quantity"),
    ("12 km/s", "unknown unit"),
])
def test_bad_quantities(text, message):
    with pytest.raises(InputError, match=message):
        parse_quantity(text, where="claim #3")


def test_unit_override_must_agree():
    assert parse_quantity("more than 300", unit="C62").unit.code == "C62"
    assert parse_quantity("1,344", unit="km").unit.code == "KMT"
    with pytest.raises(InputError, match="unit given"):
        parse_quantity("1,344 km", unit="%")


# ------------------------------------------------------------------ numerals and languages

@pytest.mark.parametrize("text,language,value,unit", [
    # thousands separators
    ("2,640", None, D(2640), "C62"),
    ("1,344 km", "en", D(1344), "KMT"),
    ("1,000,000", None, D(1000000), "C62"),
    ("1,344.5 km", None, D("1344.5"), "KMT"),
    ("12,345", "en-GB", D(12345), "C62"),
    # spaces, no-break, narrow no-break and thin spaces, apostrophes group thousands
    ("1 344 km", None, D(1344), "KMT"),
    ("1\u00a0344 km", None, D(1344), "KMT"),
    ("1\u202f344", None, D(1344), "C62"),
    ("1\u2009344 km", "fr", D(1344), "KMT"),
    ("2 500 000", "ru", D(2500000), "C62"),
    ("1\u202f344,5 km", "fr-FR", D("1344.5"), "KMT"),
    ("1 234.5 km", None, D("1234.5"), "KMT"),
    ("1'344 km", "de-CH", D(1344), "KMT"),
    ("1’000’000", None, D(1000000), "C62"),
    # decimal comma: 1-2 digits or more than 3 digits after a single comma
    ("2640,3", None, D("2640.3"), "C62"),
    ("1,5 km", None, D("1.5"), "KMT"),
    ("12,75%", "en", D("12.75"), "P1"),
    ("2,6403 km", None, D("2.6403"), "KMT"),
    ("2640,300 m", None, D("2640.3"), "MTR"),    # four digits before: not a thousands comma
    ("0,500", None, D("0.5"), "C62"),              # a leading 0 never starts a group
    ("0.500", "de", D("0.5"), "C62"),
    # both marks: the later one is the decimal mark, in any language
    ("2.640,3 m", None, D("2640.3"), "MTR"),
    ("2.640,3 m", "de", D("2640.3"), "MTR"),
    ("1.234.567,89", "es", D("1234567.89"), "C62"),
    ("1,234,567.89", "de", D("1234567.89"), "C62"),
    # one mark written several times groups thousands, in any language
    ("1.500.000", None, D(1500000), "C62"),
    ("1,000,000", "de", D(1000000), "C62"),
    # the ambiguous form: one mark, 1-3 digits, exactly three digits: the language decides
    ("1.500", None, D("1.5"), "C62"),
    ("1.500", "en", D("1.5"), "C62"),
    ("1,500", None, D(1500), "C62"),
    ("1.500", "de", D(1500), "C62"),
    ("1,500", "de", D("1.5"), "C62"),
    ("1.344 km", "de-DE", D(1344), "KMT"),
    ("1.500", "fr", D(1500), "C62"),
    ("1.500", "es", D(1500), "C62"),
    ("1.500", "it", D(1500), "C62"),
    ("1.500", "pt-BR", D(1500), "C62"),
    ("1.500", "nl", D(1500), "C62"),
    ("1.500", "tr", D(1500), "C62"),
    ("1,500", "ru", D("1.5"), "C62"),
    ("1.500", "de-CH", D("1.5"), "C62"),       # Swiss German writes a decimal point
    ("1.500", "es-MX", D("1.5"), "C62"),
    ("1,500", "ja", D(1500), "C62"),
    ("1.500", "DE_at", D(1500), "C62"),         # case and "_" do not matter; falls back to de
    ("1.5", "de", D("1.5"), "C62"),             # unambiguous forms ignore the language
    ("1,50 m", "en", D("1.5"), "MTR"),
    # Indian lakh grouping
    ("1,34,000", "en-IN", D(134000), "C62"),
    ("12,34,56,789", None, D(123456789), "C62"),
    # signs
    ("+5", None, D(5), "C62"),
    ("0 km", None, D(0), "KMT"),
    ("０.５ km", None, D("0.5"), "KMT"),           # full-width digits
])
def test_numerals_follow_the_language_conventions(text, language, value, unit):
    q = parse_quantity(text, language=language)
    assert (q.value, q.unit.code, q.qualifier.iri) == (value, unit, CKB.Exact)
    assert q.surface == " ".join(text.split())


@pytest.mark.parametrize("text,language,message", [
    ("1.500", "xx", r"ambiguous: language 'xx' .* could be 1500 or 1\.5"),
    ("1,500 km", "sux", "ambiguous"),
    ("1.2.3", None, "groups of three"),
    ("1,23,4", None, "groups of three"),
    ("12,3456,789", None, "groups of three"),
    ("1.234,5.6", None, "decimal mark '.' must come once"),
    ("1.234 567", None, "decimal mark"),
    ("1,000.000,5", None, "decimal mark"),
    ("1 34 km", None, "unknown unit '34 km'"),
    ("123456789012345678901", None, "more than 20 digits"),
])
def test_malformed_or_ambiguous_numerals_are_refused(text, language, message):
    with pytest.raises(InputError, match=message):
        parse_quantity(text, language=language, where="claim #1")


def test_unknown_language_still_reads_unambiguous_numerals():
    assert parse_quantity("1.5 km", language="xx").value == D("1.5")
    assert parse_quantity("2.640,3 m", language="xx").value == D("2640.3")
    assert parse_quantity("1.500.000", language="xx").value == D(1500000)
    assert parse_quantity("1 500", language="xx").value == D(1500)


@pytest.mark.parametrize("language,mark", [
    (None, "."), ("", "."), ("en", "."), ("en-US", "."), ("de", ","), ("de-CH", "."),
    ("de-CH-1996", "."), ("fr-FR", ","), ("zh-Hant-TW", "."), ("pt_BR", ","), ("xx", None),
])
def test_decimal_mark_table(language, mark):
    assert decimal_mark(language) == mark


def test_decimal_mark_table_is_small_and_only_dot_or_comma():
    assert set(DECIMAL_MARKS.values()) == {".", ","}
    assert all(tag == tag.lower() for tag in DECIMAL_MARKS)


# ------------------------------------------------------------------ scales and number words

@pytest.mark.parametrize("text,value,unit", [
    ("1.5 million", D(1500000), "C62"),
    ("2 billion", D(2000000000), "C62"),
    ("3bn", D(3000000000), "C62"),
    ("3.5 bn", D(3500000000), "C62"),
    ("2mn", D(2000000), "C62"),
    ("1.2 mln", D(1200000), "C62"),
    ("1.2 trillion", D("1.2E12"), "C62"),
    ("12 thousand", D(12000), "C62"),
    ("3 dozen", D(36), "C62"),
    ("12 lakh", D(1200000), "C62"),
    ("2 crore", D(20000000), "C62"),
    ("3m", D(3), "MTR"),               # "m" is metres, never million
    ("1.5m", D("1.5"), "MTR"),
    ("two million", D(2000000), "C62"),
    ("fifteen hundred km", D(1500), "KMT"),
    ("one million two hundred thousand", D(1200000), "C62"),
    ("a hundred thousand", D(100000), "C62"),
    ("two dozen", D(24), "C62"),
    ("two and a half million", D(2500000), "C62"),
    ("one and a half years", D("1.5"), "ANN"),
    ("3 and a quarter km", D("3.25"), "KMT"),
    ("half a million", D(500000), "C62"),
    ("a quarter of a million", D(250000), "C62"),
    ("half a dozen", D(6), "C62"),
    ("a half million", D(500000), "C62"),
    ("half an hour", D("0.5"), "HUR"),
    ("a quarter of a mile", D("0.25"), "SMI"),
    ("half a percent", D("0.5"), "P1"),
    ("zero", D(0), "C62"),
    ("zero percent", D(0), "P1"),
])
def test_scales_and_number_words(text, value, unit):
    q = parse_quantity(text)
    assert (q.value, q.unit.code, q.qualifier.iri) == (value, unit, CKB.Exact)


@pytest.mark.parametrize("words", [
    "five twenty", "thousand two", "one thousand fifteen hundred", "a", "an", "and",
    "twenty and", "a million thousand", "one zero",
])
def test_number_words_out_of_order_are_not_numbers(words):
    assert parse_number_words(words.split()) is None


@pytest.mark.parametrize("words,value", [
    ("fifteen hundred", 1500), ("one million two hundred thousand", 1200000),
    ("one thousand and five", 1005), ("ninety-nine", 99), ("three lakh", 300000),
    ("twenty five", 25), ("two dozen", 24), ("zero", 0),
])
def test_more_number_words(words, value):
    assert parse_number_words(words.split()) == value


# ------------------------------------------------------------------ fractions

@pytest.mark.parametrize("text,value,bound", [
    ("two-thirds", D("66.6667"), CKB.Exact),
    ("two thirds", D("66.6667"), CKB.Exact),
    ("a third", D("33.3333"), CKB.Exact),
    ("one third", D("33.3333"), CKB.Exact),
    ("one-third", D("33.3333"), CKB.Exact),
    ("half", D(50), CKB.Exact),
    ("a half", D(50), CKB.Exact),
    ("one half", D(50), CKB.Exact),
    ("a quarter", D(25), CKB.Exact),
    ("one fourth", D(25), CKB.Exact),
    ("three quarters", D(75), CKB.Exact),
    ("three-quarters", D(75), CKB.Exact),
    ("a fifth", D(20), CKB.Exact),
    ("two-fifths", D(40), CKB.Exact),
    ("an eighth", D("12.5"), CKB.Exact),
    ("a seventh", D("14.2857"), CKB.Exact),
    ("nine tenths", D(90), CKB.Exact),
    ("about two-fifths", D(40), CKB.About),
    ("about two-thirds", D("66.6667"), CKB.About),
    ("nearly two-thirds", D("66.6667"), CKB.Nearly),
    ("over half", D(50), CKB.MoreThan),
    ("more than a third", D("33.3333"), CKB.MoreThan),
    ("almost half", D(50), CKB.Nearly),
    ("less than a quarter", D(25), CKB.LessThan),
    ("roughly a third", D("33.3333"), CKB.About),
    ("just over half", D(50), CKB.MoreThan),
    ("some three-quarters", D(75), CKB.About),
])
def test_fractions_are_shares_in_percent(text, value, bound):
    q = parse_quantity(text)
    assert (q.value, q.unit.code, q.qualifier.iri) == (value, "P1", bound)
    assert parse_quantity(text, unit="%").unit.code == "P1"


def test_a_fraction_keeps_six_places_of_its_ratio():
    assert parse_quantity("two-thirds").value == (D(2) / D(3) * 100).quantize(D("0.0001"))
    low, _, high, _ = parse_quantity("about two-thirds").interval()
    assert D("63.3") < low < D("63.4") and D("69.9") < high < D("70.1")


@pytest.mark.parametrize("text,message", [
    ("half of the border", "fraction is a share"),
    ("two-thirds of the 1,344 km border", "fraction is a share"),
    ("two-third", "not a quantity"),             # number and denominator must agree
    ("a thirds", "not a quantity"),
    ("four quarters", "unknown unit"),           # not a proper fraction
    ("two halves", "unknown unit"),
])
def test_bad_fractions(text, message):
    with pytest.raises(InputError, match=message):
        parse_quantity(text)


def test_a_fraction_is_not_a_count_or_a_length():
    with pytest.raises(InputError, match="unit given"):
        parse_quantity("two-thirds", unit="km")


# ------------------------------------------------------------------ vague plurals

@pytest.mark.parametrize("text,value,unit", [
    ("dozens", D(24), "C62"),
    ("scores", D(40), "C62"),
    ("hundreds", D(200), "C62"),
    ("thousands", D(2000), "C62"),
    ("thousands of kilometres", D(2000), "KMT"),
    ("tens of thousands", D(20000), "C62"),
    ("hundreds of thousands", D(200000), "C62"),
    ("millions", D(2000000), "C62"),
    ("tens of millions", D(20000000), "C62"),
])
def test_vague_plurals_mean_at_least_two_of_them(text, value, unit):
    q = parse_quantity(text)
    assert (q.value, q.unit.code, q.qualifier.iri) == (value, unit, CKB.AtLeast)
    assert q.interval() == (value, False, None, False)


@pytest.mark.parametrize("text", ["some thousands", "over hundreds", "up to thousands",
                                  "thousands or more"])
def test_vague_plurals_take_no_other_qualifier(text):
    with pytest.raises(InputError, match="qualifier|vague"):
        parse_quantity(text)


@pytest.mark.parametrize("text", ["several thousand", "a few hundred", "many", "thousand",
                                  "hundreds of dozens of"])
def test_other_vague_amounts_are_refused(text):
    with pytest.raises(InputError):
        parse_quantity(text)


# ------------------------------------------------------------------ qualifier phrases

@pytest.mark.parametrize("text,bound", [
    ("over 300", CKB.MoreThan), ("more than 300", CKB.MoreThan), ("above 300", CKB.MoreThan),
    ("just over 300", CKB.MoreThan), ("well over 300", CKB.MoreThan),
    ("upwards of 300", CKB.MoreThan), ("in excess of 300", CKB.MoreThan),
    ("slightly more than 300", CKB.MoreThan), ("a little over 300", CKB.MoreThan),
    ("> 300", CKB.MoreThan),
    ("at least 300", CKB.AtLeast), ("no fewer than 300", CKB.AtLeast),
    ("not less than 300", CKB.AtLeast), ("as few as 300", CKB.AtLeast),
    ("≥ 300", CKB.AtLeast), ("300 or more", CKB.AtLeast), ("1,000-plus", CKB.AtLeast),
    ("300+", CKB.AtLeast), ("70% or more", CKB.AtLeast), ("a minimum of 300", CKB.AtLeast),
    ("nearly 300", CKB.Nearly), ("almost 300", CKB.Nearly), ("just under 300", CKB.Nearly),
    ("just shy of 300", CKB.Nearly), ("not quite 300", CKB.Nearly),
    ("slightly less than 300", CKB.Nearly),
    ("about 300", CKB.About), ("some 300", CKB.About), ("around 300", CKB.About),
    ("roughly 300", CKB.About), ("approximately 300", CKB.About), ("approx. 300", CKB.About),
    ("an estimated 300", CKB.About), ("circa 300", CKB.About), ("ca. 300", CKB.About),
    ("c. 300", CKB.About), ("~300", CKB.About), ("≈ 300", CKB.About),
    ("close to 300", CKB.About), ("more or less 300", CKB.About),
    ("in the region of 300", CKB.About), ("300 or so", CKB.About),
    ("a dozen or so", CKB.About),
    ("up to 300", CKB.AtMost), ("no more than 300", CKB.AtMost), ("at most 300", CKB.AtMost),
    ("not more than 300", CKB.AtMost), ("as many as 300", CKB.AtMost),
    ("as much as 30%", CKB.AtMost), ("≤ 300", CKB.AtMost), ("300 or fewer", CKB.AtMost),
    ("300 or less", CKB.AtMost), ("a maximum of 300", CKB.AtMost),
    ("less than 300", CKB.LessThan), ("fewer than 300", CKB.LessThan),
    ("under 300", CKB.LessThan), ("below 300", CKB.LessThan), ("well under 300", CKB.LessThan),
    ("< 300", CKB.LessThan),
    ("exactly 300", CKB.Exact), ("precisely 300", CKB.Exact), ("300", CKB.Exact),
    ("Over 300", CKB.MoreThan), ("ABOUT  300", CKB.About),
])
def test_qualifier_phrases_as_sources_write_them(text, bound):
    assert parse_quantity(text).qualifier.iri == bound


def test_suffix_forms_are_marked_in_the_ontology():
    table = qualifiers()
    assert "or more" in table[CKB.AtLeast].suffixes
    assert "or more" not in table[CKB.AtLeast].forms
    assert qualifier_named("or more").iri == CKB.AtLeast
    assert qualifier_named("as many as").iri == CKB.AtMost
    assert qualifier_named("between").iri == CKB.Between


@pytest.mark.parametrize("text,message", [
    ("roughly-ish 300", "unknown bound qualifier 'roughly-ish'"),
    ("allegedly 300 km", "unknown bound qualifier 'allegedly'"),
    ("the 300", "unknown bound qualifier 'the'"),
    ("a mere 300", "unknown bound qualifier 'a mere'"),
    ("reportedly over 300", "unknown bound qualifier 'reportedly over'"),
    ("about over 300", "two bound qualifiers"),
    ("over 300 or more", "two bound qualifiers"),
    ("exactly about 300", "two bound qualifiers"),
])
def test_unknown_or_doubled_qualifiers_are_refused(text, message):
    with pytest.raises(InputError, match=message):
        parse_quantity(text, where="claim #7")


# ------------------------------------------------------------------ ranges

@pytest.mark.parametrize("text,low,high,value,unit", [
    ("between 300 and 400", D(300), D(400), D(350), "C62"),
    ("between 300 to 400", D(300), D(400), D(350), "C62"),
    ("from 300 to 400", D(300), D(400), D(350), "C62"),
    ("300 to 400", D(300), D(400), D(350), "C62"),
    ("300–400", D(300), D(400), D(350), "C62"),
    ("300 – 400", D(300), D(400), D(350), "C62"),
    ("300-400", D(300), D(400), D(350), "C62"),
    ("300—400", D(300), D(400), D(350), "C62"),
    ("10-15%", D(10), D(15), D("12.5"), "P1"),
    ("10%–15%", D(10), D(15), D("12.5"), "P1"),
    ("10 to 15 per cent", D(10), D(15), D("12.5"), "P1"),
    ("between 1,000 and 1,500 km", D(1000), D(1500), D(1250), "KMT"),
    ("300 km to 400 km", D(300), D(400), D(350), "KMT"),
    ("2 to 3 million", D(2000000), D(3000000), D(2500000), "C62"),
    ("1.5–2 billion", D(1500000000), D(2000000000), D(1750000000), "C62"),
    ("between two and three million", D(2000000), D(3000000), D(2500000), "C62"),
    ("two to three hundred", D(200), D(300), D(250), "C62"),
    ("ninety to one hundred", D(90), D(100), D(95), "C62"),    # scaled 9,000 is not below 100
    ("between 500 and 2 million", D(500), D(2000000), D(1000250), "C62"),
    ("between one hundred and five and two hundred", D(105), D(200), D("152.5"), "C62"),
    ("between a third and a half", D("33.3333"), D(50), D("41.66665"), "P1"),
    ("1.000–1.500", D(1000), D(1500), D(1250), "C62"),
])
def test_ranges(text, low, high, value, unit):
    lang = "de" if text == "1.000–1.500" else None
    q = parse_quantity(text, language=lang)
    assert (q.low, q.high, q.value, q.unit.code, q.qualifier.iri) == \
           (low, high, value, unit, CKB.Between)
    assert q.is_range
    assert q.interval() == (low, False, high, False)


def test_about_widens_a_range():
    q = parse_quantity("about 300-400")
    assert q.qualifier.iri == CKB.About and (q.low, q.high) == (D(300), D(400))
    assert q.interval() == (D(285), False, D(420), False)
    assert parse_quantity("roughly between 300 and 400").interval() == q.interval()
    assert parse_quantity("some 90–98%").interval() == (D("85.5"), False, D(100), False)


@pytest.mark.parametrize("text,message", [
    ("between 300", "needs two figures"),
    ("between 300 and", "needs two figures"),
    ("from 300", "needs two figures"),
    ("between 400 and 300", "must be below"),
    ("400-300", "must be below"),
    ("between 300 and 300", "must be below"),
    ("more than 300-400", "takes no 'more than' qualifier"),
    ("up to 10-15%", "takes no 'at most' qualifier"),
    ("300 km to 400 mi", "different units"),
    ("10% to 15 km", "different units"),
    ("hundreds to thousands", "unknown unit|not a quantity"),
])
def test_bad_ranges(text, message):
    with pytest.raises(InputError, match=message):
        parse_quantity(text)


def test_a_quantity_range_needs_both_ends_in_order():
    q = parse_quantity("300")
    with pytest.raises(ValueError):
        Quantity(q.surface, q.value, q.unit, q.qualifier, low=D(1))
    with pytest.raises(ValueError):
        Quantity(q.surface, q.value, q.unit, q.qualifier, low=D(5), high=D(1))
    assert not q.is_range and q.low is None and q.high is None


# ------------------------------------------------------------------ units, zero, negatives, junk

@pytest.mark.parametrize("text,value,unit", [
    ("70%", D(70), "P1"), ("70 %", D(70), "P1"), ("70 percent", D(70), "P1"),
    ("70 per cent", D(70), "P1"), ("70 per-cent", D(70), "P1"), ("70 pct", D(70), "P1"),
    ("70percent", D(70), "P1"), ("%70", D(70), "P1"), ("0%", D(0), "P1"),
    ("100%", D(100), "P1"), ("0 km", D(0), "KMT"), ("1,344 KM", D(1344), "KMT"),
])
def test_percent_and_zero(text, value, unit):
    q = parse_quantity(text)
    assert (q.value, q.unit.code) == (value, unit)


@pytest.mark.parametrize("text,value,unit,interval", [
    ("-5 %", D(-5), "P1", (D(-5), False, D(-5), False)),
    ("−5 %", D(-5), "P1", (D(-5), False, D(-5), False)),      # unicode minus
    ("-5", D(-5), "C62", (D(-5), False, D(-5), False)),
    ("-1,344.5 km", D("-1344.5"), "KMT", (D("-1344.5"), False, D("-1344.5"), False)),
    ("about -20%", D(-20), "P1", (D(-21), False, D(-19), False)),
    ("less than -5%", D(-5), "P1", (None, False, D(-5), True)),
    ("150%", D(150), "P1", (D(150), False, D(150), False)),
    ("over 150%", D(150), "P1", (D(150), True, None, False)),
    ("-5 to 5", D(0), "C62", (D(-5), False, D(5), False)),
    ("50-150%", D(100), "P1", (D(50), False, D(150), False)),
    ("-0", D(0), "C62", (D(0), False, D(0), False)),
])
def test_figures_outside_the_natural_range_stand_as_stated(text, value, unit, interval):
    """A negative or over-100% figure is a change, not a share or a count: kept, not clipped."""
    q = parse_quantity(text)
    assert (q.value, q.unit.code, q.interval()) == (value, unit, interval)
    assert str(q.value) != "-0"


def test_zero_with_a_qualifier_has_a_defined_interval():
    assert parse_quantity("over 0%").interval() == (D(0), True, D(100), False)
    assert parse_quantity("about 0").interval() == (D(0), False, D(0), False)
    assert parse_quantity("at most 0 km").interval() == (D(0), False, D(0), False)


@pytest.mark.parametrize("text,message", [
    ("over 100%", "leaves no possible value"),
    ("more than 100 per cent", "leaves no possible value"),
    ("less than 0 km", "leaves no possible value"),
    ("under 0%", "leaves no possible value"),
    ("nan", "not a quantity"),
    ("NaN", "not a quantity"),
    ("inf", "not a quantity"),
    ("infinity", "not a quantity"),
    ("-inf", "not a quantity"),
    ("∞", "not a quantity"),
    ("   ", "not a quantity"),
    ("%", "not a quantity"),
    ("km", "not a quantity"),
    ("-", "not a quantity"),
    ("–", "not a quantity"),
    ("about", "not a quantity"),
    ("1e6", "unknown unit 'e6'"),
    ("£", "not a quantity"),
    ("%70 km", "unexpected 'km'"),
    ("1,000 soldiers per day", "unknown unit"),
    ("x" * 201, "too long"),
    ("1" + " " * 300, "too long"),
    ("⅔", "unknown unit"),
])
def test_bad_input_is_a_clear_error(text, message):
    with pytest.raises(InputError, match=message) as err:
        parse_quantity(text, where="claim #9")
    assert err.value.where == "claim #9"


def test_at_most_200_characters_are_read():
    text = "about " + "0" * 14 + "1" + " " * (200 - 21)
    assert len(text) == 200
    assert parse_quantity(text).value == 1


@pytest.mark.parametrize("text", [
    "1.2.3.4.5", "1,,000", "..5", ",5", "5.", "5,", "1 000 000 0000", "between and",
    "from to", "- 5 - 5", "between 1 and 2 and 3", "two-thirds-of", "a a a", "%%", "~~300",
    "1.5.", "½ km", "1½", "10-", "10–", "–10", "and a half", "half and", "'300'", "\x00",
    "between -", "over 1,5,00", "a half of", "of a million", "1/2", "9/11", "1:2", "0x10",
])
def test_junk_never_crashes(text):
    for language in (None, "de", "xx"):
        try:
            q = parse_quantity(text, language=language)
        except InputError:
            continue
        assert q.interval()


# ------------------------------------------------------------------ the claims file: language, storage

def test_claims_file_reads_values_in_the_article_language(kb, tmp_path):
    from kb.ingest.claimsfile import parse

    path = tmp_path / "c.yaml"
    path.write_text("""claimkb: 1
articles:
  faz:
    url: https://example.de/a
    publisher: FAZ
    language: de
  bbc:
    url: https://example.co.uk/a
    publisher: BBC
    language: en-GB
  anon:
    url: https://example.org/a
    publisher: Someone
claims:
  - {article: faz, statement: a, subject: x, property: p, value: "1.344 km"}
  - {article: faz, statement: b, subject: x, property: p, value: "2.640,3 m"}
  - {article: faz, statement: c, subject: x, property: p, value: {quantity: "1,5", unit: km}}
  - {article: bbc, statement: d, subject: x, property: p, value: "1.344 km"}
  - {article: anon, statement: e, subject: x, property: p, value: "1,344 km"}
""", encoding="utf-8")
    values = [r.value.value for r in parse(kb, path).records]
    assert values == [D(1344), D("2640.3"), D("1.5"), D("1.344"), D(1344)]


def test_ranges_and_fractions_are_stored_as_valid_data(kb, tmp_path):

    path = tmp_path / "c.yaml"
    path.write_text("""claimkb: 1
articles:
  wire:
    url: https://example.org/w
    publisher: Wire
claims:
  - {article: wire, statement: a, subject: x, property: p, value: "between 300 and 400 km"}
  - {article: wire, statement: b, subject: x, property: q, value: "about two-thirds"}
  - {article: wire, statement: c, subject: x, property: r, value: "thousands"}
  - {article: wire, statement: d, subject: x, property: s, value: "roughly 10-15%"}
""", encoding="utf-8")
    assert kb.import_file(path).claims == 4
    assert kb.validate().conforms
    rows = kb.query("""
        PREFIX schema: <http://schema.org/>
        PREFIX ckb: <https://w3id.org/claimkb/ns#>
        SELECT ?text ?v ?lo ?hi ?bound WHERE { GRAPH ?g {
            ?n ckb:surfaceText ?text ; schema:value ?v ; ckb:bound ?bound .
            OPTIONAL { ?n schema:minValue ?lo } OPTIONAL { ?n schema:maxValue ?hi } } }""").dicts()
    got = {str(r["text"]): (D(str(r["v"])), r.get("lo") and D(str(r["lo"])),
                            r.get("hi") and D(str(r["hi"])), str(r["bound"]).rsplit("#")[-1])
           for r in rows}
    assert got["between 300 and 400 km"] == (D(350), D(300), D(400), "Between")
    assert got["about two-thirds"][0] == D("66.6667") and got["about two-thirds"][3] == "About"
    assert got["thousands"] == (D(2000), D(2000), None, "AtLeast")
    assert got["roughly 10-15%"] == (D("12.5"), D("9.5"), D("15.75"), "About")


# ---------------------------------------------------------------- other languages (issue 12, item 7, part)

@pytest.mark.parametrize("text,language,value,unit,qualifier", [
    ("свыше 500", "ru", "500", "C62", "more than"),
    ("не менее 300", "ru", "300", "C62", "at least"),
    ("около 2 000", "ru", "2000", "C62", "about"),
    ("2640, 3 m", "ru", "2640.3", "MTR", "exact"),      # a space after the decimal comma
    ("prawie 40%", "pl", "40", "P1", "nearly"),
    ("mais de 2000", "pt", "2000", "C62", "more than"),
    ("más de 1.500", "es", "1500", "C62", "more than"),
    ("près de 2000", "fr", "2000", "C62", "nearly"),
    ("rund 1.200 km", "de", "1200", "KMT", "about"),
    ("über 70%", "de", "70", "P1", "more than"),
    ("بیش از ۳۰۰", "fa", "300", "C62", "more than"),    # Persian digits
    ("أكثر من ١٠٠٠", "ar", "1000", "C62", "more than"),  # Arabic-Indic digits
    ("1٬344 km", "ar", "1344", "KMT", "exact"),          # Arabic thousands separator
    ("2٫5%", "fa", "2.5", "P1", "exact"),                # Arabic decimal separator
])
def test_qualifiers_digits_and_marks_of_other_languages(text, language, value, unit, qualifier):
    q = parse_quantity(text, language=language)
    assert (str(q.value), q.unit.code, q.qualifier.label) == (value, unit, qualifier)
    assert q.surface == text


def test_a_spaced_decimal_comma_is_joined_only_where_the_comma_is_decimal():
    with pytest.raises(InputError):
        parse_quantity("2640, 3 m", language="en")


@pytest.mark.parametrize("text,value", [
    ("12 villages", "12"), ("2,400 workers", "2400"), ("more than 1,000 Afghan soldiers", "1000"),
    ("au moins 12 villages", "12"),
])
def test_a_counted_noun_after_a_figure_is_a_count_kept_in_the_text(text, value):
    q = parse_quantity(text, language="fr" if text.startswith("au") else None)
    assert (str(q.value), q.unit.code) == (value, "C62")
    assert q.surface == text   # the noun stays in the surface text


@pytest.mark.parametrize("text,expected", [
    ("1,344 kilomters", "did you mean 'kilometers'"),   # a misspelt unit is never a count
    ("1,000 soldiers per day", "unknown unit"),         # a rate is not a count
    ("four quarters", "unknown unit|fraction"),
    ("300 furlongs", "unknown unit 'furlongs'"),        # a unit not converted yet
    ("2,000 gallons", "unknown unit 'gallons'"),
])
def test_what_is_not_a_counted_noun(text, expected):
    with pytest.raises(InputError, match=expected):
        parse_quantity(text)


@pytest.mark.parametrize("text,language,value,unit,qualifier", [
    ("около двух тысяч", "ru", "2000", "C62", "about"),      # declined: number-parser
    ("свыше 5 тыс.", "ru", "5000", "C62", "more than"),      # a scale word after digits
    ("две трети", "ru", "66.6667", "P1", "exact"),
    ("mais de 2 mil", "pt", "2000", "C62", "more than"),
    ("près de deux tiers", "fr", "66.6667", "P1", "nearly"),  # text2num and a fraction word
    ("deux mille cinq cents", "fr", "2500", "C62", "exact"),
    ("casi la mitad", "es", "50", "P1", "nearly"),
    ("1,5 Mio.", "de", "1500000", "C62", "exact"),
    ("أكثر من ألف", "ar", "1000", "C62", "more than"),       # tables: neither library reads ar
    ("بیش از ۳ هزار", "fa", "3000", "C62", "more than"),
    ("ponad tysiąc", "pl", "1000", "C62", "more than"),
])
def test_number_words_of_other_languages(text, language, value, unit, qualifier):
    q = parse_quantity(text, language=language)
    assert (str(q.value.normalize() if q.value != q.value.to_integral_value() else q.value),
            q.unit.code, q.qualifier.label) == (value, unit, qualifier)


def test_number_words_are_read_in_the_articles_language_only():
    # "mil" is a thousand in Portuguese; in an English article it is no scale (and so
    # close to "mile" that it is refused rather than read as a count of "mil")
    assert parse_quantity("2 mil", language="pt").value == 2000
    with pytest.raises(InputError, match="did you mean 'mile'"):
        parse_quantity("2 mil", language="en")
    with pytest.raises(InputError):
        parse_quantity("deux mille")   # French words in an English article


@pytest.mark.parametrize("text,value,unit,qualifier,low,high", [
    ("$1.2 billion", "1200000000", "USD", "exact", None, None),
    ("more than $1.2bn", "1200000000", "USD", "more than", None, None),
    ("US$ 500", "500", "USD", "exact", None, None),
    ("€30m", "30000000", "EUR", "exact", None, None),         # after a currency, m = million
    ("about £5bn", "5000000000", "GBP", "about", None, None),
    ("50 million euros", "50000000", "EUR", "exact", None, None),
    ("2,000 dollars", "2000", "USD", "exact", None, None),
    ("HK$12.9 billion", "12900000000", "HKD", "exact", None, None),
    ("between $10 million and $15 million", "12500000", "USD", "between", "10000000", "15000000"),
    ("$10m-$15m", "12500000", "USD", "between", "10000000", "15000000"),
    ("Rs 500 crore", "5000000000", "INR", "exact", None, None),
])
def test_money_is_a_quantity_in_its_currency(text, value, unit, qualifier, low, high):
    q = parse_quantity(text)
    assert (str(q.value), q.unit.code, q.qualifier.label) == (value, unit, qualifier)
    assert (low, high) == (None if q.low is None else str(q.low), None if q.high is None else str(q.high))
    assert q.unit.dimension == f"money {unit}"      # no exchange rates: currencies never compare


def test_a_currency_must_agree_with_the_unit_given_and_metres_stay_metres():
    with pytest.raises(InputError, match="is in USD"):
        parse_quantity("$5", unit="EUR")
    assert parse_quantity("3m").unit.code == "MTR"
