"""Downloading a page for ``import-article URL`` and the web's /import: the one place
claimkb connects to a URL a person typed, with the guard against server-side request
forgery (SSRF) that every such download goes through (docs/article-extraction.md).

``download(url, …)`` accepts only http:// and https:// URLs; resolves the host and
refuses, before connecting, a loopback, private, link-local, multicast, unspecified or
otherwise non-public address (``address_refusal``, on the ipaddress module; IPv6 forms
that carry an IPv4 address are judged as that address); connects only to the addresses
it checked and checks the connected peer again (DNS rebinding); follows at most
FETCH_MAX_REDIRECTS redirects, each checked the same way (a redirect to file:, ftp:,
javascript: or a refused address ends the download); uses no proxy (the address checked
is the address connected to); gives up after ``timeout`` seconds in all (not only per
read, so a server that trickles bytes cannot hold the download), and stops reading
beyond ``limit`` bytes.

Why one guard for the CLI and the web alike, rather than a web-only one: the two take
URLs from the same kind of source (a page an editor wants in the KB) and run on the
same machine, next to the same internal services, and the CLI is often run on the
server that holds the store (``claimkb serve`` cannot share the embedded store, so
imports are run there). The one opt-out is the ``fetch_local_addresses`` setting
(default false): it lets both import from a server on the local network or this machine
(the tests' servers on 127.0.0.1), and the scheme and redirect-scheme checks stay.
``allow`` ("ip:port" addresses reachable anyway) is the tests' seam for a first hop on
127.0.0.1 whose redirect is then checked.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Collection
from dataclasses import dataclass

from kb.errors import InputError
from kb.model.urls import check_url


# at most this many redirects are followed, each hop checked like the first (urllib's
# default is 10; a news page redirects once or twice: http → https, a trailing slash)
FETCH_MAX_REDIRECTS = 5
# the body is read in chunks of this size, so that the size and time limits stop it early
CHUNK = 64 * 1024


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
        self.sockets: list[socket.socket] = []   # every connection made, for ``expire``
        self.expired = False

    def expire(self) -> None:
        """The whole download's time is up: shut every connection, so that a read
        blocked on a server that trickles its headers or body returns at once."""
        self.expired = True
        for sock in list(self.sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

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
            self.sockets.append(sock)
            if self.expired:
                sock.close()
                raise OSError("out of time")
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


@dataclass
class Download:
    """What ``download`` read: the media type and charset of the ``Content-Type``
    header, and the body (at most the limit)."""

    content_type: str
    charset: str | None
    body: bytes


def download(url: str, timeout: float, limit: int, *, local_addresses: bool = False,
             allow: Collection[str] = ()) -> Download:
    """The page at ``url``, through the guard above. Raises InputError (naming ``url``)
    for a URL that is not http(s), a refused address, a redirect to either, an HTTP
    error status, a failed connection, a body over ``limit`` bytes (reading stops
    there) or a download that takes over ``timeout`` seconds in all.

    ``local_addresses`` (the ``fetch_local_addresses`` setting) turns the address
    checks off; ``allow``: "ip:port" addresses reachable anyway."""
    if not url.lower().startswith(("http://", "https://")):
        raise InputError("only http:// and https:// URLs can be fetched", where=url)
    parts = urllib.parse.urlsplit(url)
    if "@" in parts.netloc:    # never sent, never echoed: the password stays out of errors
        raise InputError("a URL with a user name or password is not fetched; give the page's "
                         "public URL", where=f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[1]}{parts.path}")
    check_url(url, "the URL", where=url)
    guard = _FetchGuard(url, local_addresses, allow)
    request = urllib.request.Request(url, headers={"User-Agent": "claimkb/0.1"})
    deadline = time.monotonic() + timeout
    # the time limit is for the whole download (connecting, every redirect, headers and
    # body): a timer shuts the connections when it is up (each socket read has its own
    # ``timeout`` too, which alone would let a trickling server go on for ever)
    timer = threading.Timer(timeout, guard.expire)
    timer.daemon = True
    timer.start()
    try:
        with _opener(guard).open(request, timeout=timeout) as response:
            ctype = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            chunks, size = [], 0
            while chunk := response.read1(CHUNK):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    raise InputError(f"the page is larger than {limit} bytes; stopped reading "
                                     "(setting max_article_bytes)", where=url)
                if time.monotonic() > deadline:
                    raise InputError(f"the download took over {timeout:g} seconds (setting "
                                     "http_timeout); stopped", where=url)
    except urllib.error.HTTPError as exc:
        exc.close()  # its response holds the socket
        raise InputError(f"download failed: HTTP {exc.code}", where=url) from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        if guard.expired:
            raise InputError(f"the download took over {timeout:g} seconds (setting "
                             "http_timeout); stopped", where=url) from None
        raise InputError(f"download failed: {getattr(exc, 'reason', exc)}", where=url) from None
    finally:
        timer.cancel()
        for sock in guard.sockets:
            sock.close()
    if guard.expired:   # a shut connection reads as the end of the body: not a whole page
        raise InputError(f"the download took over {timeout:g} seconds (setting "
                         "http_timeout); stopped", where=url)
    return Download(ctype, charset, b"".join(chunks))


__all__ = ["Download", "FETCH_MAX_REDIRECTS", "address_refusal", "download"]
