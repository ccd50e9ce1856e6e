"""Reading articles: fetching a page safely, extracting its main text and metadata
(trafilatura), reading an HTML or text file, into an ArticleData (kb.model.article).

An article (schema:NewsArticle or another schema:CreativeWork type) is identified by
its URL, or by a name when it has none. Each distinct text is a ckb:ArticleText
version stamped with its SHA-256; importing the same text again changes nothing, a
changed text becomes a new version that prov:wasRevisionOf the previous one.

Downloads go through kb.ingest.fetch (the SSRF guard, shared by the CLI and the web). ``read_upload`` reads a file a
browser uploaded (the web's /import), with the checks a file on disk does not need.
"""
from __future__ import annotations

import codecs
import re
from collections.abc import Collection
from pathlib import Path

from rdflib import URIRef

from kb.errors import InputError, NotFound
from kb.ingest.fetch import download
from kb.model.article import ArticleData
from kb.model.dates import parse_date
from kb.model.urls import link_target


# from_html: the charset a page declares (<meta charset=...> or http-equiv Content-Type),
# used when its bytes are not UTF-8; undeclared legacy pages fall back to windows-1252,
# which is also what browsers read "iso-8859-1"/"ascii" as.
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_LEGACY_DEFAULT = "cp1252"
# from_html: trafilatura sets a language only when asked to filter by one; the page's
# <html lang="en-GB"> gives its primary language subtag ("en").
_HTML_LANG = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?\s*([A-Za-z]{2,3})\b""", re.I)

# from_html: trafilatura's author field splits bylines on , ; | "and" and drops digits, so
# "Jeff Foust | Monday, November 18, 2019" becomes ["Jeff Foust Monday", "November"] and
# "By ROBERT BURNS, AP National Security Writer" becomes ["ROBERT BURNS", "AP National
# Security Writer"]. These would become schema:Person nodes. Weekday names and month
# names that are not also common given names/surnames (April, May, June, August are
# kept) are removed at the end of a name or dropped as a whole part; CMS placeholders
# are dropped; job titles and credentials are dropped when a real name remains.
_DATE_WORDS = ("monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february"
               "|march|july|september|october|november|december")
_AUTHOR_DATE_WORD = re.compile(rf"(?:^|\s+)(?:{_DATE_WORDS})$", re.I)
_AUTHOR_PLACEHOLDER = re.compile(r"no author|admin|administrator|unknown|anonymous|none|n/?a",
                                 re.I)
_AUTHOR_ROLE = re.compile(r"(?:.*\s)?(?:writer|reporter|correspondent|editor|columnist"
                          r"|contributor)s?|(?:ms|msc|ma|mba|mph|md|phd|rd|rdn|rn|jd|esq)\.?",
                          re.I)



# not_an_article: what a page that is not an article looks like (docs/article-extraction.md).
# Thresholds are on the extracted main text, whitespace collapsed, in characters; measured
# on ../shared/data/news-articles, the shortest real article extracts to 151 characters
# (a photo caption: trafilatura misses that page's body) and the shortest real page with
# a password field (a site-wide login box) to 661.
MIN_ARTICLE_TEXT_CHARS = 100     # below: "almost no running text"
LOGIN_PAGE_MAX_TEXT_CHARS = 500  # a password field and less text than this: a login form
_DIRECTORY_TITLE = re.compile(r"<title[^>]*>\s*(?:Index of|Directory listing for)\s+/", re.I)
# bounded: an unbounded [^>]* rescanned the page for every unclosed <input (28 s on 140 KB)
_PASSWORD_FIELD = re.compile(r"""<input\b[^<>]{0,1000}?\btype\s*=\s*["']?password\b""", re.I)


def not_an_article(html: str, text: str) -> str | None:
    """Why the page ``html``, whose extracted main text is ``text``, is not an article
    (None when it may be one): a server's directory listing ("Index of /…", "Directory
    listing for /…"), a login form (a password field and less than
    LOGIN_PAGE_MAX_TEXT_CHARS of text), or a page with less than MIN_ARTICLE_TEXT_CHARS
    of running text."""
    size = len(" ".join(text.split()))
    if _DIRECTORY_TITLE.search(html[:20000]):
        return "the page is a directory listing (\"Index of /…\"), not an article"
    if size < LOGIN_PAGE_MAX_TEXT_CHARS and _PASSWORD_FIELD.search(html):
        return (f"the page is a login form (a password field and {size} characters of "
                "text), not an article")
    if size < MIN_ARTICLE_TEXT_CHARS:
        return (f"the page has almost no running text ({size} characters; an article has "
                f"at least {MIN_ARTICLE_TEXT_CHARS}), not an article")
    return None


def _normalise_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return text.strip("\n") + "\n" if text.strip() else ""


def from_text(raw: bytes | str, where: str, max_bytes: int) -> ArticleData:
    """A plain-text article; its first line is taken as the title. Raises InputError."""
    if isinstance(raw, bytes):
        if len(raw) > max_bytes:
            raise InputError(f"text is {len(raw)} bytes; the limit is {max_bytes}", where=where)
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                             where=where) from None
    if "\x00" in raw:
        raise InputError("binary data, not text", where=where)
    text = _normalise_text(raw)
    if not text:
        raise InputError("the text is empty", where=where)
    first = text.split("\n", 1)[0].strip()
    return ArticleData(text=text, title=first if 0 < len(first) <= 300 else None)


def from_html(raw: bytes | str, where: str, max_bytes: int, url: str | None = None) -> ArticleData:
    """Main text and metadata of an HTML page, extracted with trafilatura.

    Raises InputError when the page is too big, not HTML, or has no article text.
    """
    import trafilatura  # ~280 ms to import (python -X importtime): only when a page is read

    if isinstance(raw, bytes):
        if len(raw) > max_bytes * 4:
            raise InputError(f"page is {len(raw)} bytes; the limit is {max_bytes * 4}",
                             where=where)
        if b"\x00" in raw[:4096]:
            raise InputError("binary data, not HTML", where=where)
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            # not UTF-8: the charset the page declares, else windows-1252
            declared = _META_CHARSET.search(raw[:4096])
            encoding = _LEGACY_DEFAULT
            if declared:
                try:
                    encoding = codecs.lookup(declared.group(1).decode("ascii")).name
                except LookupError:
                    pass
            if encoding in ("latin-1", "iso8859-1", "ascii", "utf-8"):
                encoding = _LEGACY_DEFAULT
            raw = raw.decode(encoding, errors="replace")
    if "<" not in raw[:10000]:
        raise InputError("not HTML (no markup found)", where=where)
    try:
        doc = trafilatura.bare_extraction(raw, url=url, with_metadata=True,
                                          include_comments=False, include_tables=False)
    except Exception as exc:  # trafilatura/lxml raise many types on broken markup
        raise InputError(f"cannot parse the HTML: {exc}", where=where) from None
    if doc is None or not (doc.text or "").strip():
        raise InputError("no article text found in the page", where=where)
    refusal = not_an_article(raw, doc.text)
    if refusal:
        raise InputError(refusal, where=where)
    published = None
    if doc.date:
        try:
            published = parse_date(doc.date)
        except InputError:
            published = None
    authors = []
    for name in (doc.author or "").split(";"):
        name = name.strip()
        while (shorter := _AUTHOR_DATE_WORD.sub("", name).strip()) != name:
            name = shorter    # "Jeff Foust Monday November" -> "Jeff Foust"
        if name and not _AUTHOR_PLACEHOLDER.fullmatch(name) and name not in authors:
            authors.append(name)
    if len(authors) > 1:  # ["Paul Takahashi", "Staff writer"], ["Ilana Muhlstein", "MS", "RDN"]
        authors = [a for a in authors if not _AUTHOR_ROLE.fullmatch(a)] or authors
    # trafilatura keeps the indentation of some layout tags as whitespace-only lines
    text = "\n".join(line.rstrip() for line in doc.text.splitlines() if line.strip())
    lang = _HTML_LANG.search(raw[:20000])
    page_url = doc.url if doc.url and str(doc.url).startswith(("http://", "https://")) \
        and link_target(doc.url) else None   # a canonical javascript: link is dropped
    return ArticleData(
        text=_normalise_text(text), title=doc.title or None, url=url or page_url,
        publisher=doc.sitename or doc.hostname or None, authors=authors, published=published,
        language=doc.language or (lang.group(1).lower() if lang else None),
    )


def fetch(url: str, timeout: float, max_bytes: int, *, local_addresses: bool = False,
          allow: Collection[str] = ()) -> ArticleData:
    """Download ``url`` (kb.ingest.fetch.download: the SSRF guard, the time and size
    limits) and extract it. Raises InputError for a non-HTML/text page, a failed or
    refused download, a URL that is not http(s), or a redirect to one.

    With ``local_addresses`` false (callers pass the ``fetch_local_addresses`` setting,
    default false) the download connects only to public addresses: a URL or redirect
    whose host is or resolves to a loopback, private, link-local, multicast or
    unspecified address is refused before any connection is made (and the peer is
    checked again once connected). ``allow``: "ip:port" addresses reachable anyway
    (a seam for tests that serve from 127.0.0.1). No proxy is used."""
    page = download(url, timeout, max_bytes * 4, local_addresses=local_addresses, allow=allow)
    ctype, body = page.content_type, page.body
    if ctype in ("text/html", "application/xhtml+xml"):
        if page.charset:  # the HTTP header's charset wins over the page's own declaration
            try:
                body = body.decode(page.charset, errors="replace")
            except LookupError:
                pass
        return from_html(body, url, max_bytes, url=url)
    if ctype == "text/plain":
        data = from_text(body, url, max_bytes)
        data.url = url
        return data
    raise InputError(f"not an HTML page (Content-Type: {ctype})", where=url)


HTML_EXTENSIONS = (".html", ".htm", ".xhtml")
# what the web's /import accepts as an uploaded article (the CLI reads any other file as text)
UPLOAD_EXTENSIONS = (*HTML_EXTENSIONS, ".txt")


def read_file(path: Path, max_bytes: int, fmt: str | None = None,
              url: str | None = None) -> ArticleData:
    """An article from a .html/.htm or .txt file (``fmt`` "html"/"text" overrides);
    ``url`` is where the page came from (it helps trafilatura find the publisher).
    Raises InputError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    return from_bytes(raw, str(path), max_bytes, fmt, url=url)


def from_bytes(raw: bytes, name: str, max_bytes: int, fmt: str | None = None,
               url: str | None = None) -> ArticleData:
    """An article from the bytes of the file ``name`` (read_file; an uploaded file),
    HTML by its extension (.html, .htm, .xhtml) else text, unless ``fmt`` ("html",
    "text") says; identified by the file's stem unless the data gives a key. Raises
    InputError naming ``name``."""
    kind = fmt or ("html" if Path(name).suffix.lower() in HTML_EXTENSIONS else "text")
    if kind == "html":
        data = from_html(raw, name, max_bytes, url=url)
    elif kind == "text":
        data = from_text(raw, name, max_bytes)
    else:
        raise InputError(f"unknown article format {fmt!r} (html or text)", where=name)
    data.key = data.key or Path(name).stem
    return data


def read_upload(raw: bytes, name: str, max_bytes: int, fmt: str | None = None,
                url: str | None = None) -> ArticleData:
    """An uploaded article file (the web's /import): as ``from_bytes``, after refusing
    a name without one of UPLOAD_EXTENSIONS and an empty file. Raises InputError."""
    if Path(name).suffix.lower() not in UPLOAD_EXTENSIONS:
        raise InputError(f"an article file is {', '.join(UPLOAD_EXTENSIONS)} (HTML or plain "
                         "text)", where=name)
    if not raw.strip():
        raise InputError("the file is empty", where=name)
    return from_bytes(raw, name, max_bytes, fmt, url=url)


def require_text(text: str | None, article: URIRef) -> str:
    if text is None:
        raise NotFound(f"article {article} has no stored text")
    return text
