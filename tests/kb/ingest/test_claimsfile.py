"""Claims YAML: every kind of bad input is a clear error naming file, line and claim,
and nothing is written."""
from __future__ import annotations

import pytest

from kb.errors import InputError

from tests.conftest import SEED_ARTICLE

HEAD = f"""claimkb: 1
articles:
  seed:
    file: {SEED_ARTICLE}
    publisher: Globinsider
    published: 2021-07-10
  wire:
    publisher: Wire Service
    published: 2021-07-05
claims:
"""

GOOD = """  - article: seed
    quote: Afghanistan lost control of 13 regions to the Taliban in just one day
    subject: {label: Afghan government}
    property: {label: number of districts lost in one day}
    value: thirteen
    modality: event
    about: 2021-07
"""


def run(kb, tmp_path, claims: str, head: str = HEAD):
    path = tmp_path / "c.yaml"
    path.write_text(head + GOOD + claims, encoding="utf-8")
    with pytest.raises(InputError) as err:
        kb.import_file(path)
    assert kb.store.quad_count() == 0, "a bad file must write nothing"
    message = str(err.value)
    assert str(path) in message
    return message


def test_good_file_imports(kb, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(HEAD + GOOD, encoding="utf-8")
    assert kb.import_file(path).claims == 1
    (row,) = kb.list_claims()
    assert row["modality"] == "event" and row["earliest"] == "2021-07-01"


@pytest.mark.parametrize("claim,expected", [
    ("  - article: seed\n    quote: not in the article at all\n", "claim #2"),
    ("  - article: seed\n    quote: not in the article at all\n", "quote not found"),
    ("  - article: nowhere\n    statement: x\n", "unknown article 'nowhere'"),
    ("  - article: wire\n    quote: anything\n", "no stored text to quote from"),
    ("  - article: wire\n    statement: x\n    subject: a\n    property: b\n    value: 12 km/s\n",
     "unknown unit 'km/s'"),
    ("  - article: wire\n    statement: x\n    subject: a\n    property: b\n    value: 3\n    about: when pigs fly\n",
     "unparseable date 'when pigs fly'"),
    ("  - article: wire\n    statement: x\n    modality: rumour\n", "unknown modality 'rumour'"),
    ("  - article: wire\n    statement: x\n    modality: reported-speech\n", "needs 'speaker'"),
    ("  - article: wire\n    statement: x\n    subject: a\n", "needs all of subject, property and value"),
    ("  - article: wire\n    statement: x\n    colour: red\n", "unknown field(s) colour"),
    ("  - article: wire\n", "needs 'quote' or 'statement'"),
    ("  - article: wire\n    statement: x\n    id: 'bad id/../x'\n", "not a valid claim id"),
    ("  - just a string\n", "a claim is a mapping"),
])
def test_bad_claims_name_the_claim(kb, tmp_path, claim, expected):
    message = run(kb, tmp_path, claim)
    assert expected in message
    assert ":11" in message or "claim #2" in message


def test_line_number_points_at_the_claim(kb, tmp_path):
    message = run(kb, tmp_path, "  - article: wire\n    statement: x\n    modality: rumour\n")
    assert "c.yaml:18 claim #2" in message  # HEAD is 10 lines, GOOD 7


def test_malformed_yaml_names_the_line(kb, tmp_path):
    message = run(kb, tmp_path, "  - article: [unclosed\n")
    assert "malformed YAML" in message and "c.yaml:" in message


def test_duplicate_ids_refused(kb, tmp_path):
    dup = "  - {article: wire, statement: a, id: same}\n  - {article: wire, statement: b, id: same}\n"
    assert "two claims in the file have the id same" in run(kb, tmp_path, dup)


def test_missing_article_file(kb, tmp_path):
    head = HEAD.replace(str(SEED_ARTICLE), "missing.txt")
    path = tmp_path / "c.yaml"
    path.write_text(head + "  - {article: wire, statement: x}\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read article file missing.txt"):
        kb.import_file(path)


def test_not_a_claims_file(kb, tmp_path):
    for text, message in (("- a\n- b\n", "a mapping"), ("claims: []\n", "no claims"),
                          ("claimkb: 2\nclaims: [x]\n", "version"),
                          ("claims: [x]\nextra: 1\n", r"unknown field\(s\) extra")):
        path = tmp_path / "x.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError, match=message):
            kb.import_file(path)


def test_claims_refer_to_articles_already_in_the_kb(kb, tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(HEAD + GOOD, encoding="utf-8")
    kb.import_file(path)
    second = tmp_path / "b.yaml"
    second.write_text("claims:\n  - article: seed\n    quote: The worst is the situation in the north\n"
                      "    modality: factual\n", encoding="utf-8")
    assert kb.import_file(second).claims == 1
    view = kb.claim_view(kb.list_claims(modality="factual")[0]["id"])
    assert view["quote"]["exact"] == "The worst is the situation in the north"
    assert view["published"] == "2021-07-10"


def test_unquoted_decimal_in_a_comma_language_is_refused(kb, tmp_path):
    head = HEAD.replace("    published: 2021-07-05\n", "    published: 2021-07-05\n    language: de\n", 1)
    path = tmp_path / "c.yaml"
    path.write_text(head.replace("  wire:", "  wire:", 1) + GOOD + "  - article: wire\n    statement: x\n"
                    "    subject: a\n    property: b\n    value: 1.500\n", encoding="utf-8")
    with pytest.raises(InputError, match="in quotes"):
        kb.import_file(path)
    path.write_text(head + GOOD + "  - article: wire\n    statement: x\n"
                    "    subject: a\n    property: b\n    value: '1.500'\n", encoding="utf-8")
    kb.import_file(path)
    (row,) = [r for r in kb.list_claims() if r["text"] == "x"]
    assert kb.claim_view(row["id"])["content"][0]["value"]["value"] == "1500"


def test_about_as_start_and_end_and_as_words_in_a_claims_file(kb, tmp_path):
    # the docs show about: {start:, end:}; the YAML line marker used to reach the parser
    path = tmp_path / "c.yaml"
    path.write_text(HEAD + """  - id: interval
    article: wire
    statement: 1,000 soldiers crossed.
    subject: {label: Afghan soldiers}
    property: {label: number who crossed}
    value: 1,000
    about:
      start: 2021-07-01
      end: 2021-07-05
  - id: relative
    article: wire
    statement: Yesterday 300 more crossed.
    subject: {label: Afghan soldiers}
    property: {label: number who crossed}
    value: 300
    about: yesterday
""", encoding="utf-8")
    kb.import_file(path)
    interval = kb.claim_view("interval")["about"]
    assert (str(interval["earliest"]), str(interval["latest"])) == ("2021-07-01", "2021-07-05")
    relative = kb.claim_view("relative")["about"]
    # the wire article was published 2021-07-05: "yesterday" is 2021-07-04, words kept
    assert str(relative["earliest"]) == str(relative["latest"]) == "2021-07-04"
    assert str(relative["text"]) == "yesterday"


def test_a_relative_about_in_an_undated_article_names_the_claim(kb, tmp_path):
    head = HEAD.replace("    published: 2021-07-05\n", "")
    message = run(kb, tmp_path, """  - id: when
    article: wire
    statement: x
    about: March 3
""", head=head)
    assert "claim #2 (when)" in message and "publication date" in message


def test_a_russian_article_s_figure_and_time_in_words(kb, tmp_path):
    # the article's language reads the qualifier, the number words and the relative time
    path = tmp_path / "ru.yaml"
    path.write_text("""claimkb: 1
articles:
  asia:
    publisher: Азия-Плюс
    published: 2021-07-06
    language: ru
claims:
  - id: crossed
    article: asia
    statement: Вчера около двух тысяч военных перешли границу.
    subject: {label: Afghan soldiers}
    property: {label: number who crossed}
    value: около двух тысяч
    about: вчера
""", encoding="utf-8")
    kb.import_file(path)
    view = kb.claim_view("crossed")
    assert str(view["about"]["earliest"]) == "2021-07-05" and str(view["about"]["text"]) == "вчера"
    value = view["content"][0]["value"]
    assert (value["value"], value["minValue"], value["maxValue"]) == ("2000", "1900", "2100")
    assert value["bound"].endswith("#About") and value["surfaceText"] == "около двух тысяч"
