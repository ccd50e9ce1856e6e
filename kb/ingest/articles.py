"""Reading articles: fetching a page safely, extracting its main text and metadata
(trafilatura), reading an HTML or text file, into an ArticleData (kb.model.article).

An article (schema:NewsArticle or another schema:CreativeWork type) is identified by
its URL, or by a name when it has none. Each distinct text is a ckb:ArticleText
version stamped with its SHA-256; importing the same text again changes nothing, a
changed text becomes a new version that prov:wasRevisionOf the previous one.
"""
from __future__ import annotations

import codecs
import http.client
import ipaddress
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Collection
from pathlib import Path

from rdflib import URIRef

from kb.errors import InputError, NotFound
from kb.model.article import ArticleData
from kb.model.dates import parse_date
from kb.model.urls import check_url, link_target


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


# fetch: where an article download may connect (SSRF guard, docs/article-extraction.md)
FETCH_MAX_REDIRECTS = 10


NAT64 = ipaddress.ip_network("64:ff9b::/96")        # RFC 6052: the last 32 bits
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215


def _carried_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries, which is where it can lead: mapped
    (::ffff:a.b.c.d), compatible (::a.b.c.d), 6to4 (2002:…), Teredo (the client), or
    NAT64 (64:ff9b::/96, 64:ff9b:1::/48)."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if addr in NAT64 or addr in NAT64_LOCAL or (int(addr) >> 32 == 0 and int(addr) > 1):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def address_refusal(ip: str) -> str | None:
    """Why an article fetch must not connect to the address ``ip`` (None: a public
    address): loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7, ...),
    link-local (169.254/16, fe80::/10), unspecified (0.0.0.0, ::), multicast, or any
    other address that is not globally routable (shared, reserved, documentation...).
    An IPv6 address that carries an IPv4 one (mapped, compatible, 6to4, Teredo,
    NAT64) is judged as that IPv4 address."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if addr.version == 6:
        carried = _carried_ipv4(addr)
        if carried is not None:
            addr = carried
    for test, what in (("is_unspecified", "an unspecified address"),
                       ("is_loopback", "a loopback address"),
                       ("is_multicast", "a multicast address"),
                       ("is_link_local", "a link-local address"),
                       ("is_private", "a private address")):
        if getattr(addr, test):
            return what
    if not addr.is_global:
        return "not a public address"
    return None


class _FetchGuard:
    """The addresses a fetch may connect to: public ones, or any with ``local``;
    ``allow`` lists "ip:port" ("[ip]:port" for IPv6) reachable even when local."""

    def __init__(self, url: str, local: bool, allow: Collection[str]):
        self.url, self.local, self.allow = url, local, frozenset(allow)

    def refuse(self, message: str):
        return InputError(f"{message}; set fetch_local_addresses (CLAIMKB_FETCH_LOCAL_ADDRESSES"
                          "=true) to fetch from local addresses", where=self.url)

    def check(self, host: str, ip: str, port: int) -> None:
        shown = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
        if self.local or shown in self.allow:
            return
        why = address_refusal(ip)
        if why:
            raise self.refuse(f"refusing to connect to {ip}, {why}" if host == ip else
                              f"refusing to connect to {host} ({ip}, {why})")

    def connect(self, address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
        """socket.create_connection, connecting only to checked addresses: every
        address the host resolves to is checked before any connection is tried, and
        the peer address after it (DNS rebinding cannot swap a checked name)."""
        host, port = address
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        for *_, sockaddr in infos:
            self.check(host, sockaddr[0], port)
        error = None
        for family, kind, proto, _, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            try:
                if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(sockaddr)
                self.check(host, sock.getpeername()[0], port)
                return sock
            except OSError as exc:
                error = exc
                sock.close()
            except BaseException:
                sock.close()
                raise
        raise error if error is not None else OSError(f"cannot resolve {host}")

    def check_redirect(self, newurl: str) -> None:
        """Refuse a redirect to a URL that is not http(s), or whose host is an IP
        literal this guard refuses (host names are checked when connecting)."""
        if not newurl.lower().startswith(("http://", "https://")):
            shown = newurl if len(newurl) <= 80 else newurl[:77] + "..."
            raise InputError(f"the page redirects to {shown!r}: only http:// and https:// "
                             "redirects are followed", where=self.url)
        parts = urllib.parse.urlsplit(newurl)
        try:
            ipaddress.ip_address((parts.hostname or "").split("%", 1)[0])
        except ValueError:
            return
        self.check(parts.hostname, parts.hostname, parts.port or
                   (443 if parts.scheme.lower() == "https" else 80))


def _opener(guard: _FetchGuard) -> urllib.request.OpenerDirector:
    """urllib without proxies (the guard must see the real peer), with connections
    through ``guard.connect`` and every redirect hop checked."""

    class Connection(http.client.HTTPConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = guard.connect

    class SecureConnection(http.client.HTTPSConnection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._create_connection = guard.connect

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(Connection, req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(SecureConnection, req, context=self._context)

    class Redirects(urllib.request.HTTPRedirectHandler):
        max_redirections = FETCH_MAX_REDIRECTS

        def http_error_302(self, req, fp, code, msg, headers):
            location = headers.get("location") or headers.get("uri")
            if location:
                try:
                    guard.check_redirect(urllib.parse.urljoin(req.full_url, location.strip()))
                except InputError:
                    fp.close()
                    raise
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    return urllib.request.build_opener(urllib.request.ProxyHandler({}), HTTP(), HTTPS(),
                                       Redirects())


def fetch(url: str, timeout: float, max_bytes: int, *, local_addresses: bool = False,
          allow: Collection[str] = ()) -> ArticleData:
    """Download ``url`` and extract it. Raises InputError for a non-HTML/text page, a
    failed download, a URL that is not http(s), or a redirect to one.

    With ``local_addresses`` false (the CLI passes the ``fetch_local_addresses``
    setting, default false) the download connects only to public addresses: a URL or
    redirect whose host is or resolves to a loopback, private, link-local, multicast
    or unspecified address is refused before any connection is made (and the peer is
    checked again once connected). ``allow``: "ip:port" addresses reachable anyway
    (a seam for tests that serve from 127.0.0.1). No proxy is used."""
    if not url.startswith(("http://", "https://")):
        raise InputError("only http:// and https:// URLs can be fetched", where=url)
    check_url(url, "the URL", where=url)
    guard = _FetchGuard(url, local_addresses, allow)
    request = urllib.request.Request(url, headers={"User-Agent": "claimkb/0.1"})
    try:
        with _opener(guard).open(request, timeout=timeout) as response:
            ctype = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            body = response.read(max_bytes * 4 + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # its response holds the socket
        raise InputError(f"download failed: HTTP {exc.code}", where=url) from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        raise InputError(f"download failed: {getattr(exc, 'reason', exc)}", where=url) from None
    if ctype in ("text/html", "application/xhtml+xml"):
        if charset:  # the HTTP header's charset wins over the page's own declaration
            try:
                body = body.decode(charset, errors="replace")
            except LookupError:
                pass
        return from_html(body, url, max_bytes, url=url)
    if ctype == "text/plain":
        data = from_text(body, url, max_bytes)
        data.url = url
        return data
    raise InputError(f"not an HTML page (Content-Type: {ctype})", where=url)


def read_file(path: Path, max_bytes: int, fmt: str | None = None,
              url: str | None = None) -> ArticleData:
    """An article from a .html/.htm or .txt file (``fmt`` "html"/"text" overrides);
    ``url`` is where the page came from (it helps trafilatura find the publisher).
    Raises InputError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
    kind = fmt or ("html" if path.suffix.lower() in (".html", ".htm", ".xhtml") else "text")
    if kind == "html":
        data = from_html(raw, str(path), max_bytes, url=url)
    elif kind == "text":
        data = from_text(raw, str(path), max_bytes)
    else:
        raise InputError(f"unknown article format {fmt!r} (html or text)", where=str(path))
    data.key = data.key or path.stem
    return data


def require_text(text: str | None, article: URIRef) -> str:
    if text is None:
        raise NotFound(f"article {article} has no stored text")
    return text
