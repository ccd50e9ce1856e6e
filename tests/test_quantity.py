from decimal import Decimal

import pytest

from kb.errors import InputError
from kb.quantity import parse_number_words, parse_quantity, qualifier_named, qualifiers
from kb.vocab import CKB

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
                          CKB.LessThan, CKB.AtMost}
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
    ("1,000 soldiers", "unknown unit 'soldiers'"),
    ("many", "not a quantity"),
    ("", "not a quantity"),
    ("over", "not a quantity"),
    ("12 parsecs", "unknown unit"),
])
def test_bad_quantities(text, message):
    with pytest.raises(InputError, match=message):
        parse_quantity(text, where="claim #3")


def test_unit_override_must_agree():
    assert parse_quantity("more than 300", unit="C62").unit.code == "C62"
    assert parse_quantity("1,344", unit="km").unit.code == "KMT"
    with pytest.raises(InputError, match="unit given"):
        parse_quantity("1,344 km", unit="%")
