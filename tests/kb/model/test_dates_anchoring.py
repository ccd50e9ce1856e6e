import datetime as dt

import pytest

from kb.model.anchoring import locate
from kb.model.dates import parse_date, parse_time_about
from kb.errors import InputError


@pytest.mark.parametrize("text,iso,precision,earliest,latest", [
    ("2021-07-08", "2021-07-08", "day", "2021-07-08", "2021-07-08"),
    ("2021-07", "2021-07", "month", "2021-07-01", "2021-07-31"),
    ("2021", "2021", "year", "2021-01-01", "2021-12-31"),
    ("8 July 2021", "2021-07-08", "day", "2021-07-08", "2021-07-08"),
    ("July 8, 2021", "2021-07-08", "day", "2021-07-08", "2021-07-08"),
    ("Sept 2021", "2021-09", "month", "2021-09-01", "2021-09-30"),
    ("2020-02", "2020-02", "month", "2020-02-01", "2020-02-29"),
    ("2021-07-08T10:00:00Z", "2021-07-08", "day", "2021-07-08", "2021-07-08"),
])
def test_dates_keep_their_precision(text, iso, precision, earliest, latest):
    d = parse_date(text)
    assert (d.isoformat(), d.precision, str(d.earliest), str(d.latest)) == \
        (iso, precision, earliest, latest)


def test_yaml_date_objects():
    assert parse_date(dt.date(2021, 7, 8)).isoformat() == "2021-07-08"
    assert parse_date(2021).precision == "year"


@pytest.mark.parametrize("text", ["2021-02-30", "yesterday", "13/07/2021", "0000", "2021-13"])
def test_unparseable_dates(text):
    with pytest.raises(InputError):
        parse_date(text, where="claims.yaml:4")


def test_time_about_interval():
    t = parse_time_about("2021-07-01/2021-07-08")
    assert t.is_interval and str(t.earliest) == "2021-07-01" and str(t.latest) == "2021-07-08"
    t = parse_time_about({"start": "2021-07", "end": "2021-08"})
    assert str(t.latest) == "2021-08-31"
    with pytest.raises(InputError, match="before it starts"):
        parse_time_about("2021-07-08/2021-07-01")
    with pytest.raises(InputError):
        parse_time_about({"from": "2021"})


TEXT = "The border is 1,344 km long.\nThe border\nis closed. The border is quiet."


def test_locate_tolerates_whitespace_and_returns_selectors():
    a = locate(TEXT, "The border is closed.")
    assert TEXT[a.start:a.end] == a.exact == "The border\nis closed."
    assert TEXT[:a.start].endswith(a.prefix) and TEXT[a.end:].startswith(a.suffix)


def test_locate_ambiguous_needs_context():
    with pytest.raises(InputError, match="occurs 3 times"):
        locate(TEXT, "The border is")
    a = locate(TEXT, "The border is", suffix="quiet")
    assert TEXT[a.end:].startswith(" quiet")
    a = locate(TEXT, "The border is", prefix="closed.")
    assert a.start == TEXT.rindex("The border is")


@pytest.mark.parametrize("typed", [
    '"the Taliban\'s forces control over 70% of the 1,344 km long Afghan-Tajik border"',
    "“the Taliban’s forces control over 70% of the 1,344 km long Afghan–Tajik border”",
    '"the Taliban\'s forces control over 70% of the 1,344 km long Afghan—Tajik  border"',
])
def test_locate_takes_a_quote_as_people_type_it_and_keeps_the_texts_characters(typed):
    text = ("He said \u201cthe Taliban\u2019s forces control over 70% of the 1,344\u00a0km long "
            "Afghan\u2013Tajik bor\u00adder\u201d on Monday.")
    a = locate(text, typed)
    assert a.exact == text[a.start:a.end]
    assert a.exact.startswith("\u201cthe Taliban\u2019s") and a.exact.endswith("bor\u00adder\u201d")
    assert text[:a.start].endswith(a.prefix) and text[a.end:].startswith(a.suffix)


def test_locate_reads_an_ellipsis_typed_as_three_dots():
    a = locate("Wait\u2026 then it rose.", "Wait... then")
    assert a.exact == "Wait\u2026 then"


def test_a_quote_not_found_names_the_nearest_passage():
    text = "Officials said the Taliban forces control over 70% of the border on Monday."
    with pytest.raises(InputError, match=r"nearest passage \(\d+% alike\) is 'the Taliban forces "
                                         r"control over 70% of the border"):
        locate(text, "the Taliban forces control about 70% of the border")
    with pytest.raises(InputError) as err:
        locate(text, "an entirely different sentence about fish")
    assert "nearest" not in err.value.message


def test_locate_missing_or_empty():
    with pytest.raises(InputError, match="quote not found"):
        locate(TEXT, "The border is open", where="claim #2")
    with pytest.raises(InputError, match="empty"):
        locate(TEXT, "  ")


# ---------------------------------------------------------------- relative and year-less times (issue 12, item 2)

PUBLISHED = parse_date("2021-07-08")   # a Thursday


@pytest.mark.parametrize("words,language,earliest,latest", [
    ("yesterday", None, "2021-07-07", "2021-07-07"),
    ("on Friday", None, "2021-07-02", "2021-07-02"),        # the last Friday before
    ("two days ago", None, "2021-07-06", "2021-07-06"),
    ("last week", None, "2021-06-28", "2021-07-04"),        # Monday to Sunday
    ("last month", None, "2021-06-01", "2021-06-30"),
    ("March 3", None, "2021-03-03", "2021-03-03"),          # never the year 3
    ("3 March", None, "2021-03-03", "2021-03-03"),
    ("вчера", "ru", "2021-07-07", "2021-07-07"),
    ("le 3 mars", "fr", "2021-03-03", "2021-03-03"),
    ("gestern", "de", "2021-07-07", "2021-07-07"),
    ("yesterday", "xx-unknown", "2021-07-07", "2021-07-07"),  # an unknown language: English
    ("yesterday", "ru", "2021-07-07", "2021-07-07"),          # English beside the article's
])
def test_relative_times_resolve_against_the_publication_date(words, language, earliest, latest):
    t = parse_time_about(words, "c.yaml:9", published=PUBLISHED, language=language)
    assert (str(t.earliest), str(t.latest)) == (earliest, latest)
    assert t.text == words   # the surface text is kept


def test_absolute_times_keep_no_surface_text():
    assert parse_time_about("2021-07", published=PUBLISHED).text is None


@pytest.mark.parametrize("words", ["March 3", "3 March", "yesterday", "last week"])
def test_a_relative_time_without_a_publication_date_is_a_clear_error(words):
    with pytest.raises(InputError, match="publication date") as err:
        parse_time_about(words, "claims.yaml:4 claim #2")
    assert err.value.where == "claims.yaml:4 claim #2"
    with pytest.raises(InputError, match="known only to the month"):
        parse_time_about(words, "w", published=parse_date("2021-07"))


def test_a_month_and_day_alone_is_never_read_as_a_year():
    with pytest.raises(InputError, match="has no year"):
        parse_date("March 3")
    assert parse_date("March 2021").isoformat() == "2021-03"


def test_unreadable_words_stay_an_error():
    with pytest.raises(InputError, match="unparseable date"):
        parse_time_about("when the moon is blue", "w", published=PUBLISHED)


def test_the_yaml_line_marker_is_not_a_key_of_an_interval():
    t = parse_time_about({"start": "2021-07-01", "end": "2021-07-05", "__line__": 12})
    assert (str(t.earliest), str(t.latest)) == ("2021-07-01", "2021-07-05")
