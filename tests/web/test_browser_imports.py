"""Importing from the browser (web/views/imports.py) in a real headless Chromium: an
editor logs in, imports an article by URL from a page served on 127.0.0.1 and another
by uploading a text file, and lands on each article's page; a bad claims file shows its
error on the import page.

The session's ``site`` serves the demo KB, whose settings keep downloads off local
addresses (as they should be); these tests run their own small app over an empty KB with
``fetch_local_addresses`` on, served by waitress like ``site``, in the same Chromium
(tests/browser_support.py)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kb import KnowledgeBase, load_settings
from web import create_app
from tests.browser_support import (  # noqa: F401
    EDITOR,
    EDITOR_PASSWORD,
    Site,
    axe_violations,
    describe_violations,
    new_page,
    screenshot,
    serving,
)
from tests.web.test_imports_ui import html_page, serving as pages_serving

pytestmark = pytest.mark.browser

TITLE = "Lindenmoor reservoir falls to a record low"
PROSE = ("The Lindenmoor reservoir held 23 percent of its capacity on Wednesday, the lowest "
         "level since measurements began in 1952, the regional water authority said. Engineers "
         "said the level had fallen by 11 percentage points in six weeks without rain.")
PAGE = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{TITLE}</title>"
        f"<meta property=\"og:site_name\" content=\"The Valley Courier\"></head><body><article>"
        f"<h1>{TITLE}</h1><p>{PROSE}</p><p>{PROSE}</p></article></body></html>").encode("utf-8")


@pytest.fixture(scope="module")
def import_site(tmp_path_factory, site):
    """An empty KB with an editor and fetch_local_addresses on, served by waitress
    (``site`` first: the session's browser closes before it, and so before this)."""
    data_dir = tmp_path_factory.mktemp("browser-imports") / "kb"
    knowledge_base = KnowledgeBase.open(load_settings(env={}, data_dir=data_dir,
                                                      fetch_local_addresses=True))
    try:
        app = create_app(kb=knowledge_base)
        app.extensions["claimkb_users"].add_user(EDITOR, EDITOR_PASSWORD, "editor")
        with serving(app, name="waitress-imports") as url:
            yield Site(url, knowledge_base)
    finally:
        knowledge_base.close()


@pytest.fixture
def articles():
    """One HTML page at /dam.html, served on 127.0.0.1 (tests/web/test_imports_ui.py)."""
    with pages_serving({"/dam.html": html_page(PAGE)}) as pages:
        yield pages


@pytest.fixture
def import_page(browser, import_site):
    page = new_page(browser, import_site)
    yield page
    page.context.close()


def log_in(page, site: Site) -> None:
    page.goto(site("/login?next=/claims"))
    page.get_by_label("User name").fill(EDITOR)
    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site("/claims"))


def test_editor_imports_articles_by_url_and_by_upload(import_page, import_site, articles,
                                                      tmp_path):
    page, site = import_page, import_site
    log_in(page, site)
    page.locator("header.site nav").get_by_role("link", name="Import").click()
    expect(page).to_have_url(site("/import"))
    expect(page.locator("h1")).to_have_text("Import")
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    screenshot(page, "import")

    # by URL, from the page served on 127.0.0.1
    form = page.locator("form.import-article")
    url = f"{articles.base}/dam.html"
    form.get_by_label("URL of the article").fill(url)
    form.get_by_role("button", name="Import the article").click()
    expect(page).to_have_url(re.compile(re.escape(site("/articles/127-0-0-1-")) + r"[^/?]+$"))
    assert articles.requests == ["/dam.html"]
    expect(page.locator("p.flash")).to_contain_text(f"Article imported: “{TITLE}”.")
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("#article-text")).to_contain_text("since measurements began in 1952")
    screenshot(page, "import-article-by-url")
    page.locator("p.flash").get_by_role("link", name="Its suggested claims").click()
    expect(page).to_have_url(re.compile(r"/articles/127-0-0-1-[^/]+/suggestions$"))

    # by upload: a text file, then the same file again (unchanged)
    note = tmp_path / "water-authority-note.txt"
    note.write_text(f"Water authority note\n\n{PROSE}\n", encoding="utf-8")
    for expected in ("Article imported: “Water authority note”.",
                     "Article “Water authority note” unchanged"):
        page.goto(site("/import"))
        form = page.locator("form.import-article")
        form.get_by_label("HTML or text file").set_input_files(str(note))
        form.locator("summary").click()
        form.get_by_label("Publisher").fill("Lindenmoor Water Authority")
        form.get_by_role("button", name="Import the article").click()
        expect(page).to_have_url(site("/articles/water-authority-note"))
        expect(page.locator("p.flash")).to_contain_text(expected)
    expect(page.locator("dl.meta")).to_contain_text("Lindenmoor Water Authority")
    expect(page.locator("#article-text")).to_contain_text("Water authority note")
    page.problems.check()


def test_a_bad_claims_file_shows_its_error_on_the_page(import_page, import_site, tmp_path):
    page, site = import_page, import_site
    page.problems.expected_statuses.add(400)
    log_in(page, site)
    bad = tmp_path / "claims.yaml"
    bad.write_text("claimkb: 1\nclaims:\n  - article: nowhere\n    statement: x\n",
                   encoding="utf-8")
    page.goto(site("/import"))
    form = page.locator("form.import-claims")
    form.get_by_label("Claims file", exact=True).set_input_files(str(bad))
    form.get_by_role("button", name="Import the claims").click()
    error = page.locator("#claims-error")
    expect(error).to_contain_text("claims.yaml:3 claim #1: unknown article 'nowhere'")
    expect(page.locator("#import-claims")).to_contain_text("Nothing was written")
    screenshot(page, "import-claims-error")
    assert site.kb.stats().get("claims", 0) == 0
    # the browser logs the 400 page load as a console error: expected here
    page.problems.items = [p for p in page.problems.items if "status of 400" not in p]
    page.problems.check()
