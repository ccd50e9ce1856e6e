"""/compare's filters take names as people type them (issue #17 item 5): a label or an
alias, whatever its case, accents or dashes, or a publisher's name, gives the same facts
as the resource's id."""
from __future__ import annotations

import pytest


def total(client, query: str) -> int:
    response = client.get(f"/compare.json?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:200]
    return response.get_json()["total"]


@pytest.mark.parametrize("typed", ["Afghanistan–Tajikistan border", "afghanistan tajikistan border",
                                   "Afghan-Tajik border", "AFGHAN TAJIK BORDER"])
def test_a_subject_by_its_label_or_alias(demo_client, typed):
    by_id = total(demo_client, "subject=afghan-tajik-border")
    assert by_id > 0
    assert total(demo_client, f"subject={typed}") == by_id


def test_a_property_and_a_publisher_by_name(demo_client):
    assert total(demo_client, "subject=Afghan-Tajik border&property=Length") == \
        total(demo_client, "subject=afghan-tajik-border&property=length") == 1
    assert total(demo_client, "source=The Times") == total(demo_client, "source=the-times") > 0


def test_an_unknown_name_matches_nothing_and_the_form_keeps_what_was_typed(demo_client):
    assert total(demo_client, "subject=no such place") == 0
    html = demo_client.get("/compare?subject=Afghan-Tajik border&property=length").get_data(as_text=True)
    assert 'value="Afghan-Tajik border"' in html and 'name="property" value="length"' in html
