"""Fixtures for the browser tests: the demo KB served by a real WSGI server (waitress)
on 127.0.0.1 in a background thread, and a headless Chromium driven by Playwright's
sync API. tests/web/test_browser.py imports them; their functions are named ``*_fixture``
so that the tests' parameters do not shadow the imports.

Chromium is Debian's /usr/bin/chromium (`make test` installs it with apt through the
Makefile's `chromium` target); Playwright never downloads a browser here.
"""
from __future__ import annotations

import asyncio
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kb import KnowledgeBase, load_settings

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# axe-core, the accessibility checker (package.json devDependency; `make test` installs it
# into node_modules/ through the Makefile's $(AXE) target; never served to users)
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("CLAIMKB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
IGNORED_PATHS = {"/favicon.ico"}
PAGE_SIZE = 20
VIEWPORT = {"width": 1280, "height": 900}

EDITOR = "eddie"
EDITOR_PASSWORD = "correct horse battery staple"


@dataclass
class Site:
    """The running app: its base URL and the KB it serves (shared by all browser tests;
    the one test that writes adds a claim of its own and changes nothing else)."""

    url: str
    kb: KnowledgeBase
    editor: tuple[str, str] = (EDITOR, EDITOR_PASSWORD)

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="session", name="site")
def site_fixture(tmp_path_factory):
    """The demo KB (built in a tmp dir of its own: an embedded store opens in one
    process only) with an editor account, served by waitress on a free port."""
    import kb.demo
    from web import create_app

    data_dir = tmp_path_factory.mktemp("browser") / "kb"
    # pages of 20 rows, so that a search has several pages too
    knowledge_base = KnowledgeBase.open(load_settings(env={}, data_dir=data_dir, page_size=PAGE_SIZE))
    try:
        kb.demo.build(knowledge_base, force=True)
        app = create_app(kb=knowledge_base)
        app.extensions["claimkb_users"].add_user(EDITOR, EDITOR_PASSWORD, "editor")
        with serving(app, threads=8) as url:
            yield Site(url, knowledge_base)
    finally:
        knowledge_base.close()


@contextmanager
def serving(app, *, threads: int = 4, name: str = "waitress"):
    """``app`` served by waitress on a free port of 127.0.0.1 in a thread; yields its
    base URL and stops the server (and checks its loop has ended) on the way out."""
    import waitress  # here, not at the top: only the browser tests' fixtures need it (43 ms, -X importtime)

    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        # the loop ends when its last channel is closed (the browser has gone by now)
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()
        assert not thread.is_alive(), "the waitress loop did not stop"


@pytest.fixture(scope="session", name="browser")
def browser_fixture(site):
    """A headless Chromium for the session (it depends on ``site`` so that it closes,
    with its keep-alive connections, before the server does)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium; "
                    "`make test` installs it (the Makefile's `chromium` target: "
                    "apt-get install chromium)", pytrace=False)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:  # Playwright's sync API refuses to run inside an asyncio loop
        pytest.fail("the browser tests must not run inside an asyncio event loop")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@dataclass
class Problems:
    """What went wrong in a page behind the test's back: uncaught script errors,
    console errors, and responses from our server with an error status."""

    items: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)

    def watch(self, page, base_url: str) -> None:
        page.on("pageerror", lambda exc: self.items.append(f"script error: {exc}"))
        def console(msg):
            where = msg.location.get("url") or page.url
            # Chromium asks every site for /favicon.ico; the app has none (yet)
            if msg.type == "error" and urlsplit(where).path not in IGNORED_PATHS:
                self.items.append(f"console error: {msg.text} ({where})")

        page.on("console", console)
        page.on("response", lambda r: r.url.startswith(base_url) and r.status >= 400
                and r.status not in self.expected_statuses
                and urlsplit(r.url).path not in IGNORED_PATHS
                and self.items.append(f"HTTP {r.status} for {r.url}"))

    def check(self) -> None:
        assert not self.items, "problems in the browser:\n" + "\n".join(self.items)


def new_page(browser, site: Site, *, javascript: bool = True, viewport: dict = VIEWPORT, **options):
    """A fresh context (its own cookies) and page, watched for problems."""
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript,
                                  accept_downloads=True, **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = Problems()
    page.problems.watch(page, site.url)
    return page


@pytest.fixture(name="page")
def page_fixture(browser, site):
    page = new_page(browser, site)
    yield page
    page.context.close()


@pytest.fixture(name="page_without_js")
def page_without_js_fixture(browser, site):
    page = new_page(browser, site, javascript=False)
    yield page
    page.context.close()


def screenshot(page, name: str) -> Path:
    """test-artifacts/screenshots/<name>.png, the whole page (git-ignored; every run)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def settle(page) -> None:
    """Wait until a smooth scroll of the page has stopped."""
    page.wait_for_function(
        """() => new Promise(done => {
             const panel = document.getElementById("annotations");
             const at = () => [window.scrollY, panel ? panel.scrollTop : 0].join();
             const first = at();
             setTimeout(() => done(at() === first), 250);
           })""")


def drag_select(page, phrase: str, root: str = "#article-text") -> dict:
    """Select ``phrase`` in ``root`` with the mouse, as a reader would (again when a
    late smooth scroll moved the text under the mouse). Returns where it dragged, and
    ``inMark``: whether the phrase starts inside a highlight (a <mark>)."""
    for _attempt in range(3):
        settle(page)
        box = page.evaluate(
            """([root, phrase]) => {
                 const el = document.querySelector(root);
                 const text = el.textContent;
                 const at = text.indexOf(phrase);
                 if (at < 0) return null;
                 // the text nodes and offsets where the phrase starts and ends
                 const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                 let seen = 0, start = null, end = null;
                 for (let n = walker.nextNode(); n; n = walker.nextNode()) {
                   const len = n.data.length;
                   if (start === null && at < seen + len) start = [n, at - seen];
                   if (end === null && at + phrase.length <= seen + len) { end = [n, at + phrase.length - seen]; break; }
                   seen += len;
                 }
                 const range = document.createRange();
                 range.setStart(...start); range.setEnd(...end);
                 window.scrollBy(0, range.getBoundingClientRect().top - window.innerHeight / 2);
                 const rects = Array.from(range.getClientRects()).filter(r => r.width > 0);
                 const first = rects[0], last = rects[rects.length - 1];
                 return {x1: first.left + 1, y1: first.top + first.height / 2,
                         x2: last.right - 1, y2: last.top + last.height / 2,
                         inMark: start[0].parentElement !== el};
               }""", [root, phrase])
        assert box is not None, f"{phrase!r} is not in the text"
        page.mouse.move(box["x1"], box["y1"])
        page.mouse.down()
        page.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=5)
        page.mouse.move(box["x2"], box["y2"], steps=5)
        page.mouse.up()
        if page.evaluate("window.getSelection().toString()").strip() == phrase:
            return box
    assert page.evaluate("window.getSelection().toString()").strip() == phrase
    return box


def expect_quote_fields(form, stored: str, phrase: str) -> None:
    """The claim or annotation form holds ``phrase``'s selectors in the stored text
    (quote, start, end, 32 characters of prefix) and shows it in its context."""
    from playwright.sync_api import expect

    start = stored.index(phrase)
    expect(form.locator('textarea[name="quote"]')).to_have_value(phrase)
    expect(form.locator('input[name="start"]')).to_have_value(str(start))
    expect(form.locator('input[name="end"]')).to_have_value(str(start + len(phrase)))
    expect(form.locator('input[name="quote_prefix"]')).to_have_value(stored[start - 32:start])
    expect(form.locator('[data-role="context"] mark')).to_have_text(phrase)


def axe_violations(page, impact=("serious", "critical"), *, exclude=()) -> list[dict]:
    """axe-core's violations of ``impact`` in the page as it is now: each a dict of
    ``id``, ``impact``, ``help`` and ``nodes`` (each node's CSS ``target`` and its
    ``summary``). Injects node_modules/axe-core/axe.min.js (Playwright's add_script_tag
    reads the file and inlines it: nothing is served); ``exclude``: CSS selectors of
    parts axe leaves out (third-party widgets we do not control)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE.relative_to(ROOT)} is missing: the accessibility checks inject "
                    "axe-core from npm; run `make test` (it installs the package.json "
                    "devDependencies with npm ci)", pytrace=False)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async (exclude) => {
             const context = exclude.length ? {exclude: exclude.map(s => [s])} : document;
             const result = await axe.run(context, {resultTypes: ["violations"]});
             return result.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(n => ({target: n.target.join(" "),
                                          summary: n.failureSummary}))}));
           }""", list(exclude))
    return [v for v in found if v["impact"] in impact]


def describe_violations(violations: list[dict]) -> str:
    """axe_violations' result as lines a failing assertion can print."""
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']}: {v['help']}")
        lines.extend(f"    {n['target']}: {(n['summary'] or '').splitlines()[-1].strip()}"
                     for n in v["nodes"][:8])
    return "\n".join(lines)


def sideways_overflow(page) -> dict:
    """How the page fits its viewport's width: ``scrollWidth`` of the document and
    ``innerWidth`` of the window, and ``wide``: the elements in <main> that reach past the
    viewport's right (or left) edge and are not inside a box of their own that scrolls or
    clips sideways (a code block or YASGUI's editor with overflow-x: auto may be wider
    than the screen; the page may not). Each as "tag.class (left–right)"."""
    return page.evaluate(
        """() => {
             const width = window.innerWidth;
             const main = document.querySelector("main");
             const wide = [];
             for (const el of main ? main.querySelectorAll("*") : []) {
               const box = el.getBoundingClientRect();
               if (box.width === 0 || box.height === 0) continue;
               if (box.right <= width + 1 && box.left >= -1) continue;
               let boxed = false;
               for (let up = el.parentElement; up && up !== main; up = up.parentElement) {
                 if (getComputedStyle(up).overflowX !== "visible") { boxed = true; break; }
               }
               if (!boxed && getComputedStyle(el).position !== "fixed") {
                 wide.push(`${el.tagName.toLowerCase()}.${String(el.className.baseVal ?? el.className).trim().replace(/\\s+/g, ".")}`
                           + ` (${Math.round(box.left)}–${Math.round(box.right)})`);
               }
             }
             return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width,
                     wide: wide.slice(0, 12)};
           }""")
