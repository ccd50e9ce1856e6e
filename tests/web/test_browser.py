"""The web UI in a real headless browser (issue #4): Debian's Chromium driven by
Playwright, against the demo KB served by waitress (tests/browser_support.py).

Every run saves a screenshot of each main page to test-artifacts/screenshots/.
"""
from __future__ import annotations

import csv
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser_support import (  # noqa: F401
    PAGE_SIZE,
    drag_select,
    expect_quote_fields,
    new_page,
    page_fixture,
    page_without_js_fixture,
    screenshot,
)

pytestmark = pytest.mark.browser

ARTICLE = "globinsider"
# a sentence of the Globinsider article that no demo claim quotes (unique in the text)
NEW_QUOTE = "The first signal came from Tajikistan."


def total(page) -> int:
    return int(page.locator("#results .total").inner_text())


def claim_links(page) -> list[str]:
    return page.locator("#results a.claim-link").evaluate_all("els => els.map(a => a.getAttribute('href'))")


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# ---------------------------------------------------------------------- claims list

def test_search_and_facets_update_the_list(page, site):
    page.goto(site("/claims"))
    expect(page.locator("h1")).to_have_text("Claims")
    everything = total(page)
    assert everything >= 50
    screenshot(page, "claims-list")
    page.evaluate("window.__notReloaded = true")

    # typing searches with htmx: the results are swapped in place, the URL follows
    with page.expect_response(lambda r: urlsplit(r.url).path == "/claims"
                              and r.request.headers.get("hx-request") == "true") as answer:
        page.locator("#q").fill("Taliban")
    assert answer.value.status == 200
    expect(page.locator("#results mark").first).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True, "the search reloaded the whole page"
    found = total(page)
    assert 0 < found < everything
    marks = page.locator("#results mark").all_inner_texts()
    assert marks and all(m.lower() == "taliban" for m in marks), marks
    assert query(page.url)["q"] == ["Taliban"]
    screenshot(page, "claims-search")

    # a facet narrows the search; the count and the active filter show it
    facet = page.locator('ul[data-facet="publisher"] li', has_text="BBC News")
    expected = int(facet.locator(".count").inner_text())
    assert 0 < expected < found
    facet.locator("a").click()
    expect(page.locator("#results .total")).to_have_text(str(expected))
    expect(page.locator("#results .active-filters")).to_contain_text("publisher: bbc-news")
    expect(page.locator("#results .active-filters")).to_contain_text("q: Taliban")
    expect(page.locator('ul[data-facet="publisher"] a.on')).to_have_text("BBC News")
    expect(page.locator("#q")).to_have_value("Taliban")
    rows = claim_links(page)
    assert len(rows) == expected
    marks = page.locator("#results mark").all_inner_texts()
    assert marks and all(m.lower() == "taliban" for m in marks), marks
    for source in page.locator("#results table.claims tbody tr td:nth-child(3)").all_inner_texts():
        assert source.startswith("BBC News"), source

    # the permalink reproduces the view in a fresh browser context
    permalink = page.locator("#results a.permalink").get_attribute("href")
    assert query(permalink)["q"] == ["Taliban"] and query(permalink)["publisher"] == ["bbc-news"]
    other = new_page(page.context.browser, site)
    try:
        other.goto(site(permalink))
        assert total(other) == expected
        assert claim_links(other) == rows
        assert other.locator("#results mark").all_inner_texts() == marks
        expect(other.locator("#results .active-filters")).to_contain_text("publisher: bbc-news")
        other.problems.check()
    finally:
        other.context.close()

    # removing the facet filter (its ✕ link) brings back every match of the search
    page.locator("#results .active-filters a", has_text="publisher: bbc-news").click()
    expect(page.locator("#results .total")).to_have_text(str(found))
    page.problems.check()


# ---------------------------------------------------------------------- one claim

def test_conflicting_claim_shows_its_quote_in_the_article(page, site):
    page.goto(site("/claims?verdict=conflict"))
    assert total(page) >= 2
    verdicts = page.locator("#results table.claims tbody tr td:nth-child(6)").all_inner_texts()
    assert verdicts and all(v.strip() == "conflict" for v in verdicts), verdicts
    # the Globinsider claim is the conflicting one whose article text claimkb stores
    row = page.locator("#results table.claims tbody tr", has_text="Globinsider")
    expect(row).to_have_count(1)
    row.locator("a.claim-link").click()
    expect(page).to_have_url(re.compile(r"/claims/[^/?]+$"))

    quote = page.locator("blockquote#quote").inner_text().strip().strip("“”")
    assert len(quote) > 10
    in_text = page.locator("#article-text mark#quote-in-text")
    in_text.scroll_into_view_if_needed()
    expect(in_text).to_be_visible()
    expect(in_text).to_have_text(quote)
    assert "current" in in_text.get_attribute("class")

    heading = page.locator("h2", has_text="What other sources say")
    expect(heading).to_be_visible()
    table = page.locator("table.comparison")
    conflict = table.locator("tr.verdict-row.conflict")
    assert conflict.count() >= 1
    expect(conflict.first.locator(".badge.conflict")).to_have_text("conflict")
    expect(conflict.first.locator(".badge.conflict")).to_be_visible()
    # the other source's claim is a link that works
    other_href = conflict.first.locator("td:nth-child(2) a").get_attribute("href")
    assert other_href.startswith("/claims/")
    screenshot(page, "claim")
    page.problems.check()


# ---------------------------------------------------------------------- entity, compare

def test_entity_timeline_and_compare_pages(page, site):
    page.goto(site("/entities/afghan-tajik-border"))
    expect(page.locator("h1")).to_have_text("Afghanistan–Tajikistan border")
    charts = page.locator("figure.chart")
    assert charts.count() >= 1
    svg = charts.first.locator("svg")
    expect(svg).to_be_visible()
    box = svg.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 150, box
    assert svg.locator("circle").count() >= 2
    screenshot(page, "entity")

    page.goto(site("/compare"))
    expect(page.locator("h1")).to_contain_text("agree")
    first_fact = page.locator("section.fact").first
    expect(first_fact.locator(".badge.conflict").first).to_be_visible()  # conflicts first
    screenshot(page, "compare")
    page.problems.check()


# ---------------------------------------------------------------------- adding a claim

def test_editor_adds_a_claim_from_selected_text(page, site):
    page.goto(site(f"/articles/{ARTICLE}"))
    expect(page.locator("#article-text")).to_be_visible()
    screenshot(page, "article")
    # anonymous: no add-claim form, a way to log in instead
    expect(page.locator("#add-claim-form")).to_have_count(0)

    page.goto(site(f"/login?next=/articles/{ARTICLE}"))
    screenshot(page, "login")
    name, password = site.editor
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site(f"/articles/{ARTICLE}"))
    expect(page.locator("header.site .account")).to_contain_text(f"{name} (editor)")

    # select the sentence with the mouse, as a reader would
    box = drag_select(page, NEW_QUOTE)
    # (a suggested claim's sentence is a <mark> too: only a claim's would be in the way)
    assert not page.locator("#article-text mark.claim-span", has_text=NEW_QUOTE).count(), \
        "the test's sentence is already a claim's quote"
    expect(page).to_have_url(site(f"/articles/{ARTICLE}"))  # a drag is not a click on a span

    button = page.locator("#add-claim-button")
    expect(button).to_be_visible()
    button.click()
    form = page.locator("#add-claim-form")
    expect(form).to_be_visible()
    expect_quote_fields(form, site.kb.article_view(ARTICLE)["text"], NEW_QUOTE)

    statement = "Tajikistan was the first country to feel the Taliban's advance."
    form.locator('textarea[name="statement"]').fill(statement)
    form.locator('select[name="modality"]').select_option("opinion")
    screenshot(page, "article-add-claim")
    form.get_by_role("button", name="Add the claim").click()

    expect(page).to_have_url(re.compile(re.escape(site("/claims/")) + r"[^/?]+$"))
    expect(page.locator("h1.statement")).to_have_text(statement)
    expect(page.locator("blockquote#quote")).to_have_text(f"“{NEW_QUOTE}”")
    in_text = page.locator("#article-text mark#quote-in-text")
    expect(in_text).to_have_text(NEW_QUOTE)
    expect(page.locator(".badge.modality").first).to_have_text("opinion")
    claim_id = urlsplit(page.url).path.rsplit("/", 1)[1]
    screenshot(page, "claim-new")

    # the article now highlights the new claim's words
    page.goto(site(f"/articles/{ARTICLE}"))
    expect(page.locator(f'#article-text mark.claim-span[data-claim="{claim_id}"]')).to_have_text(NEW_QUOTE)
    page.problems.check()


# ---------------------------------------------------------------------- the claim form's names

BORDER_LABEL = "Afghanistan–Tajikistan border"
# a property no demo claim has (the new claims compare with nothing, so that the other
# tests' counts of conflicts stay what they were)
WATCHTOWERS = "number of Tajik watchtowers"


def log_in_at(page, site, path: str) -> None:
    page.goto(site(f"/login?next={path}"))
    name, password = site.editor
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site(path))


def saved_subject(page, site) -> str:
    expect(page).to_have_url(re.compile(re.escape(site("/claims/")) + r"[^/?]+$"))
    ident = urlsplit(page.url).path.rsplit("/", 1)[1]
    (content,) = site.kb.claim_view(ident)["content"]
    return content["subject"]


def test_claim_form_suggests_names_and_warns_of_near_duplicates(page, site):
    form_path = f"/articles/{ARTICLE}/claims/new"
    log_in_at(page, site, form_path)
    form = page.locator("form.claim-form")

    # typing in the subject offers the existing entity; choosing it fills label and id
    form.locator('textarea[name="statement"]').fill("The Tajik side has 12 watchtowers.")
    subject = page.get_by_role("combobox", name="Subject", exact=True)
    subject.press_sequentially("Afghan", delay=40)
    listbox = page.get_by_role("listbox", name="Existing entities")
    expect(listbox).to_be_visible()
    option = listbox.get_by_role("option", name=re.compile("^" + BORDER_LABEL))
    expect(option).to_be_visible()
    expect(option).to_contain_text("afghan-tajik-border")
    expect(subject).to_have_attribute("aria-expanded", "true")
    screenshot(page, "form-suggestions")
    # the keyboard: down to the border, Enter chooses it (and does not submit the form)
    for _ in range(listbox.get_by_role("option").count()):
        subject.press("ArrowDown")
        if option.get_attribute("aria-selected") == "true":
            break
    expect(subject).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    subject.press("Enter")
    expect(listbox).to_be_hidden()
    expect(subject).to_have_value(BORDER_LABEL)
    expect(form.locator('input[name="subject_id"]')).to_have_value("afghan-tajik-border")
    expect(page).to_have_url(site(form_path))
    # "find existing" follows what is typed (the plain search without JavaScript)
    expect(form.locator(".combo a.find").first).to_have_attribute(
        "href", "/entities?q=Afghanistan%E2%80%93Tajikistan%20border")
    form.locator('input[name="property"]').fill(WATCHTOWERS)
    form.locator('input[name="value"]').fill("12")
    form.get_by_role("button", name="Add the claim").click()
    assert saved_subject(page, site).endswith("/entities/afghan-tajik-border")

    # a near-duplicate: nothing saved, the warning names the existing entity
    page.problems.expected_statuses.add(409)
    page.goto(site(form_path))
    form.locator('textarea[name="statement"]').fill("The Tajik side has 14 watchtowers.")
    form.locator('input[name="subject"]').fill("afghan-tajik-bordr")
    form.locator('input[name="property"]').fill(WATCHTOWERS)
    form.locator('input[name="value"]').fill("14")
    form.get_by_role("button", name="Add the claim").click()
    warning = form.locator('.name-warning[data-field="subject"]')
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("New entity ‘afghan-tajik-bordr’ looks like existing:")
    expect(warning.get_by_role("link", name=BORDER_LABEL)).to_be_visible()
    expect(page.locator(".error-message")).to_contain_text("Nothing was saved yet")
    expect(form.locator('input[name="subject"]')).to_have_value("afghan-tajik-bordr")  # kept
    expect(form.locator('input[name="value"]')).to_have_value("14")
    expect(form.get_by_role("button", name="Create it anyway")).to_be_visible()
    screenshot(page, "form-near-duplicate")
    # Enter in a field submits as "Add the claim" does, never "Use this one"
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator('input[name="value"]').press("Enter")
    assert answer.value.status == 409
    expect(warning).to_be_visible()
    assert site.kb.names.candidates("entities", "afghan-tajik-bordr")[0] is None

    warning.get_by_role("button", name="Use this one").click()
    assert saved_subject(page, site).endswith("/entities/afghan-tajik-border")
    assert site.kb.names.candidates("entities", "afghan-tajik-bordr")[0] is None
    # the browser logs each 409 page load as a console error: those are expected here
    page.problems.items = [p for p in page.problems.items if "status of 409" not in p]
    page.problems.check()


def test_claim_form_names_without_javascript(page_without_js, site):
    """Without JavaScript: "find existing" is a link to the index page's search, and the
    near-duplicate warning's "Use this one" is a plain submit button."""
    page = page_without_js
    page.problems.expected_statuses.add(409)
    form_path = f"/articles/{ARTICLE}/claims/new"
    log_in_at(page, site, form_path)
    form = page.locator("form.claim-form")
    expect(form.locator('input[name="subject"]')).not_to_have_attribute("role", "combobox")
    find = form.locator(".name-field", has=page.locator('input[name="subject"]')).get_by_role(
        "link", name="find existing")
    expect(find).to_have_attribute("href", "/entities")
    expect(find).to_have_attribute("target", "_blank")
    form.locator('textarea[name="statement"]').fill("The Tajik side has 16 watchtowers.")
    form.locator('input[name="subject"]').fill("afghan-tajik-bordr")
    form.locator('input[name="property"]').fill(WATCHTOWERS)
    form.locator('input[name="value"]').fill("16")
    form.get_by_role("button", name="Add the claim").click()
    warning = form.locator('.name-warning[data-field="subject"]')
    expect(warning).to_contain_text("looks like existing:")
    expect(find).to_have_attribute("href", "/entities?q=afghan-tajik-bordr")  # what was typed
    warning.get_by_role("button", name="Use this one").click()
    assert saved_subject(page, site).endswith("/entities/afghan-tajik-border")
    page.problems.items = [p for p in page.problems.items if "status of 409" not in p]
    page.problems.check()


# ---------------------------------------------------------------------- SPARQL (YASGUI)

CANNED = "Claims about an entity"
CANNED_COLUMNS = ["claim", "text", "property", "publisherName", "published", "modality"]


def csv_rows(download) -> list[list[str]]:
    with open(download.path(), encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_canned_query_in_yasgui_and_csv_download(page, site):
    response = page.goto(site("/sparql"))
    assert response.status == 200, f"/sparql answered {response.status}: the YASGUI page is not there"
    expect(page.locator("#yasgui .yasqe")).to_be_visible()
    expect(page.locator("#sparql-plain")).to_be_hidden()  # YASGUI replaces the plain form

    # the gallery: a canned query opens in the editor with its parameters bound
    entry = page.locator("#gallery li", has=page.locator("h3", has_text=CANNED))
    expect(entry).to_have_count(1)
    entity = entry.locator("input").first.input_value()
    assert entity.endswith("/entities/afghan-tajik-border"), entity
    entry.get_by_role("button", name="Open in the editor").click()
    expect(page).to_have_url(re.compile(r"/sparql\?query="))
    editor = page.locator("#yasgui .yasqe .CodeMirror")
    expect(editor).to_be_visible()
    editor_text = editor.evaluate("el => el.CodeMirror.getValue()")
    assert "?publisherName" in editor_text and f"<{entity}>" in editor_text, editor_text
    # what the reader sees before touching anything (checked at the end of the test)
    page.wait_for_timeout(300)
    shown_lines = editor.locator(".CodeMirror-line").count()
    shown_text = editor.locator(".CodeMirror-code").inner_text()

    page.locator("#yasgui .yasqe_queryButton").click()
    rows = page.locator("#yasgui .yasr_results table tbody tr")
    expect(rows.first).to_be_visible()
    expect(page.locator("#yasgui .yasr_results table")).to_contain_text("Globinsider")
    shown = rows.count()
    assert shown >= 3
    expect(page.locator("#server-results")).to_be_hidden()  # YASGUI shows its own results
    # a wide result table scrolls inside its box, not the whole page
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, "sparql")

    # YASR's download button: CSV of the results, built in the browser
    with page.expect_download() as download_info:
        page.locator("#yasgui .yasr_downloadIcon").click()
    assert download_info.value.suggested_filename.endswith(".csv")
    from_yasr = csv_rows(download_info.value)
    assert from_yasr[0] == CANNED_COLUMNS, from_yasr[0]
    assert len(from_yasr) - 1 >= shown
    assert all(r[0].startswith("http") for r in from_yasr[1:])

    # the page's own CSV link: the same rows, from the endpoint
    link = page.locator("#sparql-downloads a.download", has_text="CSV")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename == "results.csv"
    from_server = csv_rows(download_info.value)
    assert from_server[0] == CANNED_COLUMNS, from_server[0]
    assert sorted(map(tuple, from_server[1:])) == sorted(map(tuple, from_yasr[1:]))
    page.problems.check()
    assert shown_lines > 10 and "PREFIX" in shown_text, (
        f"the editor shows {shown_lines} line(s) of the query, {shown_text[:60]!r}, until it is "
        "clicked: CodeMirror was created inside the hidden #yasgui and never refreshed")


# ---------------------------------------------------------------------- without JavaScript

def test_search_and_pages_without_javascript(page_without_js, site):
    page = page_without_js
    page.goto(site("/claims"))
    everything = total(page)
    page.locator("#q").fill("border")
    page.locator("#q").press("Enter")  # a plain GET form
    expect(page).to_have_url(re.compile(r"[?&]q=border"))
    found = total(page)
    assert PAGE_SIZE < found < everything, "the search must give more than one page"
    assert page.locator("#results mark").count() >= 1
    first = claim_links(page)
    assert len(first) == PAGE_SIZE

    page.locator("a.next[rel=next]").click()
    expect(page).to_have_url(re.compile(r"[?&]after="))
    assert total(page) == found
    second = claim_links(page)
    assert second and not set(second) & set(first)
    assert query(page.url)["q"] == ["border"]

    page.get_by_role("link", name="« first page").click()
    assert claim_links(page) == first

    # a facet link works without JavaScript too
    page.locator('ul[data-facet="modality"] a', has_text="factual").click()
    expect(page.locator("#results .active-filters")).to_contain_text("modality: factual")
    assert total(page) < found
    page.problems.check()
