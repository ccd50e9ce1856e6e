"""Phones and accessibility (issue #17, item 8) in a real headless Chromium: every main
page at 1366 px and at 390 px wide has no serious or critical violation by axe-core
(from npm, injected by tests/browser_support.axe_violations), and at 390 px the page does
not scroll sideways (tables of data become cards: style.css, the ``/* phone */``
section); the claims' passages in an article are keyboard stops, a conflicting one
marked by more than colour; the SPARQL results show short labels that link to the server
that answered.

Every run saves each page at both widths to test-artifacts/screenshots/<page>-<width>.png.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import (  # noqa: F401
    axe_violations,
    describe_violations,
    drag_select,
    new_page,
    page_fixture,
    screenshot,
    sideways_overflow,
)

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)
PHONE = 390
ARTICLE = "globinsider"
CONFLICTING = "gi-border-length"     # a claim of the article that another source conflicts with
PAGES = {
    "home": "/",
    "claims": "/claims",
    "claim": f"/claims/{CONFLICTING}",
    "article": f"/articles/{ARTICLE}",
    "entity": "/entities/afghan-tajik-border",
    "publisher": "/publishers/bbc-news",
    "compare": "/compare",
    "sparql": "/sparql",
    "entities": "/entities",
    "login": "/login",
    "edit": f"/claims/{CONFLICTING}/edit",     # as the editor
    "dossier": "/facts/afghan-tajik-border/length",
    "verdict": f"/claims/{CONFLICTING}/review",   # as the editor: with the verdict form
    "import": "/import",                         # as the editor
}
AS_EDITOR = {"edit", "verdict", "import"}


@pytest.fixture(scope="module", name="editor_state")
def editor_state_fixture(browser, site):
    """The cookies of a logged-in editor (a Playwright storage state)."""
    page = new_page(browser, site)
    try:
        page.goto(site("/login"))
        name, password = site.editor
        page.get_by_label("User name").fill(name)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("header.site .account")).to_contain_text(f"{name} (editor)")
        return page.context.storage_state()
    finally:
        page.context.close()


def run_in_yasgui(page) -> None:
    """Run the editor's query and wait for YASGUI's results table."""
    expect(page.locator("#yasgui .yasqe")).to_be_visible()
    page.locator("#yasgui .yasqe_queryButton").click()
    expect(page.locator("#yasgui .yasr_results table tbody tr").first).to_be_visible()


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_and_fits_a_phone(browser, site, editor_state, name):
    failures = []
    for width in WIDTHS:
        page = new_page(browser, site, viewport={"width": width, "height": 900},
                        storage_state=editor_state if name in AS_EDITOR else None)
        try:
            response = page.goto(site(PAGES[name]))
            assert response.status == 200, f"{PAGES[name]} answered {response.status}"
            if name == "sparql":   # YASGUI's results table too
                run_in_yasgui(page)
            screenshot(page, f"{name}-{width}")
            found = axe_violations(page)
            if found:
                failures.append(f"axe at {width} px:\n{describe_violations(found)}")
            if width == PHONE:
                fit = sideways_overflow(page)
                if fit["scrollWidth"] > fit["innerWidth"] + 1 or fit["wide"]:
                    failures.append(f"at {width} px the page scrolls sideways: {fit}")
            page.problems.check()
        finally:
            page.context.close()
    assert not failures, f"{PAGES[name]}:\n" + "\n".join(failures)


# ---------------------------------------------------------------------- the article's passages

def test_conflicting_passage_is_a_keyboard_stop_marked_beyond_colour(page, site):
    page.goto(site(f"/articles/{ARTICLE}"))
    passage = page.locator(f'#article-text mark.claim-span.claim-start[data-claim="{CONFLICTING}"]')
    expect(passage).to_have_count(1)
    expect(passage).to_have_class(re.compile(r"\bverdict-conflict\b"))
    expect(passage).to_have_attribute("tabindex", "0")
    expect(passage).to_have_attribute("role", "link")
    # its name is its words, after the marker's alternative text "conflict: "
    expect(page.get_by_role("link", name="conflict: the 1,344 km long Afghan-Tajik border")).to_have_count(1)
    expect(passage).to_have_attribute("title", re.compile(r"in conflict with another source$"))
    # more than colour: a "≠" before it and a double underline; a passage without a
    # conflict has neither
    assert "≠" in passage.evaluate("el => getComputedStyle(el, '::before').content")
    assert passage.evaluate("el => getComputedStyle(el).borderBottomStyle") == "double"
    calm = page.locator("#article-text mark.claim-span.claim-start:not(.verdict-conflict)").first
    assert calm.evaluate("el => getComputedStyle(el, '::before').content") in ("none", "normal")
    assert calm.evaluate("el => getComputedStyle(el).borderBottomStyle") == "solid"
    # each passage is one Tab stop, however many pieces overlapping highlights cut it in
    stops = page.locator("#article-text mark.claim-span[tabindex='0']")
    ids = stops.evaluate_all("els => els.map(el => el.dataset.claim)")
    assert len(ids) == len(set(ids)) >= 20, ids

    # the keyboard reaches it with Tab, and Enter opens its claim
    page.locator("body").focus()
    for _ in range(250):
        page.keyboard.press("Tab")
        if passage.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the conflicting passage")
    assert passage.evaluate("el => getComputedStyle(el).outlineStyle") != "none"  # it shows focus
    screenshot(page, "article-passage-focused")
    page.keyboard.press("Enter")
    expect(page).to_have_url(site(f"/claims/{CONFLICTING}"))

    # a focusable passage must not stop the mouse selecting words that start inside it
    page.go_back()
    box = drag_select(page, "the 1,344 km")
    assert box["inMark"]
    expect(page).to_have_url(site(f"/articles/{ARTICLE}"))
    page.problems.check()


# ---------------------------------------------------------------------- SPARQL labels

def test_sparql_results_show_short_labels_linking_to_this_server(page, site):
    """The site serves the KB at 127.0.0.1:<port>, its base IRI is http://localhost:5000/:
    the KB's IRIs link here, in YASGUI's table and in the server's."""
    base = site.kb.settings.base_iri
    assert not site.url.startswith(base.rstrip("/"))
    page.goto(site("/sparql/gallery/claims-about-entity"))   # its permalink: claims, properties, modalities
    expect(page).to_have_url(re.compile(r"/sparql\?query="))
    run_in_yasgui(page)
    table = page.locator("#yasgui .yasr_results table")
    expect(table.locator("tbody tr")).not_to_have_count(0)

    def links(scope) -> list[dict]:
        return scope.locator("a.iri").evaluate_all(
            "els => els.map(a => ({label: a.textContent, title: a.title, href: a.getAttribute('href')}))")

    for where, found in (("YASGUI", links(table)), ("server", links(page.locator("#server-results")))):
        claims = [c for c in found if c["title"].startswith(base + "claims/")]
        modalities = [c for c in found if c["title"].startswith("https://w3id.org/claimkb/ns#")]
        assert len(claims) >= 3 and modalities, (where, found[:6])
        for c in claims:
            assert c["label"] == c["title"].rsplit("/", 1)[1], (where, c)
            assert c["href"] == site(f"/claims/{c['label']}"), (where, c)
        for m in modalities:
            assert re.fullmatch(r"ckb:[A-Z]\w+", m["label"]) and m["href"] == m["title"], (where, m)
        assert not [c for c in found if c["href"].startswith(base)], where
    # the link works
    href = links(table)[0]["href"]
    assert page.request.get(href, headers={"Accept": "text/html"}).status == 200
    page.problems.check()
