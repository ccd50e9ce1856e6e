"""The fact-checker's desk in a real browser (issue #17): record a verdict and see it on
the claim page and in the exported ClaimReview; add a claim whose quote was typed with
straight quotes where the article has curly ones; follow a feed. Debian's Chromium
driven by Playwright against the demo KB (tests/browser_support.py); screenshots to
test-artifacts/screenshots/."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser_support import page_fixture, screenshot  # noqa: F401
from tests.web.test_browser import log_in_at

pytestmark = pytest.mark.browser

ARTICLE = "globinsider"
ATOM = "{http://www.w3.org/2005/Atom}"
# the article has "Biden’s" (a curly apostrophe); people type a straight one
TYPED = "only some weeks after Biden's administration made an official decision"
STORED = "only some weeks after Biden’s administration made an official decision"


def test_editor_records_a_verdict_and_sees_it_in_the_claimreview(page, site):
    claims = site.kb.list_claims(limit=200)
    claim = next(c["id"] for c in claims if not site.kb.fact_checks.for_claim(c["id"]).history)
    log_in_at(page, site, f"/claims/{claim}")
    section = page.locator("#fact-check")
    expect(section).to_contain_text("No verdict on this claim yet.")
    section.locator("summary", has_text="Record a verdict").click()
    form = section.locator("#verdict-form")
    form.get_by_label("Verdict").select_option("2")
    form.get_by_label(re.compile("organisation's wording")).fill("Misleading")
    form.get_by_label("Summary").fill("Other outlets give a different figure for the same week.")
    form.get_by_label(re.compile("^Evidence")).fill("https://example.org/evidence\n" + claims[-1]["id"])
    screenshot(page, "claim-verdict-form")
    form.get_by_role("button", name="Record verdict").click()

    expect(page).to_have_url(re.compile(re.escape(site(f"/claims/{claim}")) + "#fact-check$"))
    expect(page.locator(".flash").first).to_contain_text("Verdict recorded: Misleading (2/5).")
    expect(section.locator(".badge.truth")).to_have_text("Misleading")
    expect(section).to_contain_text("Other outlets give a different figure")
    expect(section.locator("ul.evidence a").first).to_be_visible()
    screenshot(page, "claim-verdict")

    link = section.get_by_role("link", name="ClaimReview JSON-LD")
    response = page.request.get(site(link.get_attribute("href")))
    assert response.status == 200 and response.headers["content-type"].startswith("application/ld+json")
    markup = json.loads(response.text())
    assert markup["@type"] == "ClaimReview"
    assert markup["reviewRating"] == {"@type": "Rating", "ratingValue": 2, "bestRating": 5,
                                      "worstRating": 1, "alternateName": "Misleading"}
    assert markup["reviewBody"] == "Other outlets give a different figure for the same week."
    assert markup["url"] == f"{site.kb.claim_iri(claim)}/review"

    section.get_by_role("link", name="Verdict page and history").click()
    expect(page.locator("table.verdict-history tbody tr")).to_have_count(1)
    screenshot(page, "verdict-page")
    page.problems.check()


def test_a_quote_typed_with_straight_quotes_is_found_in_the_curly_text(page, site):
    assert STORED in site.kb.article_view(ARTICLE)["text"], "the demo article changed"
    path = f"/articles/{ARTICLE}/claims/new"
    log_in_at(page, site, path)
    form = page.locator("form").filter(has=page.locator('textarea[name="quote"]'))
    form.locator('textarea[name="quote"]').fill(TYPED)
    statement = "The escalation began weeks after the US announced its withdrawal."
    form.locator('textarea[name="statement"]').fill(statement)
    form.locator('select[name="modality"]').select_option("opinion")
    form.locator('button[type="submit"]').last.click()

    expect(page).to_have_url(re.compile(re.escape(site("/claims/")) + r"[^/?#]+"))
    expect(page.locator("h1.statement")).to_have_text(statement)
    # the stored quote is the article's own words, curly apostrophe and all
    expect(page.locator("blockquote#quote")).to_have_text(f"“{STORED}”")
    expect(page.locator("#article-text mark#quote-in-text")).to_have_text(STORED)
    claim_id = urlsplit(page.url).path.rsplit("/", 1)[1]
    assert site.kb.claim_view(claim_id)["quote"]["exact"] == STORED
    screenshot(page, "claim-curly-quote")
    page.problems.check()


def test_following_a_feed(page, site):
    page.goto(site("/claims"))
    follow = page.locator(".follow a[type='application/atom+xml']").first
    expect(follow).to_be_visible()
    response = page.request.get(site(follow.get_attribute("href")))
    assert response.status == 200 and "atom" in response.headers["content-type"]
    feed = ET.fromstring(response.body())
    entries = feed.findall(f"{ATOM}entry")
    assert entries, "the feed has no entries"
    first = entries[0].find(f"{ATOM}link").get("href")
    assert first.startswith(site.kb.settings.base_iri) or first.startswith(site.url)
    # a reader opens the entry's claim page
    page.goto(site(urlsplit(first).path))
    expect(page.locator("h1.statement")).to_be_visible()
    # the conflicts feed, per entity, as linked from an entity page
    page.goto(site("/compare"))
    conflicts = page.request.get(site("/feeds/conflicts.atom"))
    assert conflicts.status == 200
    assert ET.fromstring(conflicts.body()).findall(f"{ATOM}entry")
    page.problems.check()


def test_opening_a_facts_dossier_from_compare(page, site):
    page.goto(site("/compare"))
    first = page.locator("a.dossier-link").first
    expect(first).to_be_visible()
    # the pairs stay behind "details"
    expect(page.locator("details.pairs").first).not_to_have_attribute("open", "")
    screenshot(page, "compare-facts")
    first.click()
    expect(page).to_have_url(re.compile(re.escape(site("/facts")) + r"[/?]"))
    expect(page.locator("h1")).to_be_visible()
    data = page.request.get(page.url.split("?")[0] + ".json" + (
        "?" + page.url.split("?", 1)[1] if "?" in page.url else "")).json()
    assert data["groups"] and data["sources"] >= 2
    # every group's value is on the page, with its sources
    for group in data["groups"][:3]:
        for claim in group["claims"][:2]:
            expect(page.locator(f'a[href="{claim["url"]}"]').first).to_be_attached()
    screenshot(page, "dossier")
    page.problems.check()
