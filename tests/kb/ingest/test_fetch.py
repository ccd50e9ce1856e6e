"""The download guard (kb.ingest.fetch): schemes, redirect count, the size limit that
stops reading, the time limit for the whole download, and the address checks with the
``allow`` seam — against real http.server instances on 127.0.0.1. (The address rules
themselves, address by address, are tests/kb/ingest/test_ingest_safety.py's.)"""
from __future__ import annotations

import http.server
import threading
import time

import pytest

from kb.errors import InputError
from kb.ingest.fetch import FETCH_MAX_REDIRECTS, address_refusal, download


class Server:
    """``handle(handler)`` answers every GET; ``requests``: the paths asked for."""

    def __init__(self, handle):
        self.requests: list[str] = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                owner.requests.append(self.path)
                handle(self)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.allow = {f"127.0.0.1:{self.port}"}
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def answer(handler, body: bytes, status: int = 200, ctype: str = "text/plain",
           headers: dict | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_a_page_is_downloaded_with_its_type_and_charset():
    with Server(lambda h: answer(h, "Grüße".encode("latin-1"),
                                 ctype="text/plain; charset=ISO-8859-1")) as server:
        page = download(f"{server.base}/a", 5, 1000, allow=server.allow)
    assert (page.content_type, page.charset, page.body) == \
        ("text/plain", "iso-8859-1", "Grüße".encode("latin-1"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a",
                                 "javascript:alert(1)", "data:text/html,<b>x</b>",
                                 "//example.org/a", "example.org/a"])
def test_only_http_and_https_urls(url):
    with pytest.raises(InputError) as err:
        download(url, 5, 1000, local_addresses=True)
    assert err.value.message == "only http:// and https:// URLs can be fetched"
    assert err.value.where == url


def test_a_loopback_address_is_refused_unless_allowed_or_local_addresses():
    with Server(lambda h: answer(h, b"hello")) as server:
        with pytest.raises(InputError, match="127.0.0.1, a loopback address"):
            download(f"{server.base}/a", 5, 1000)
        assert server.requests == []
        assert download(f"{server.base}/a", 5, 1000, allow=server.allow).body == b"hello"
        assert download(f"{server.base}/b", 5, 1000, local_addresses=True).body == b"hello"
        assert server.requests == ["/a", "/b"]


def test_reading_stops_beyond_the_limit():
    sent = []

    def big(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.end_headers()
        try:
            for _ in range(200):             # up to 12.8 MB, if nobody stops reading
                handler.wfile.write(b"x" * 65536)
                sent.append(1)
        except OSError:
            pass                             # the client hung up: what the test expects

    with Server(big) as server:
        with pytest.raises(InputError) as err:
            download(f"{server.base}/big", 10, 100_000, allow=server.allow)
    assert err.value.message == ("the page is larger than 100000 bytes; stopped reading "
                                 "(setting max_article_bytes)")
    assert len(sent) < 200, "the client read the whole body"


def test_the_timeout_bounds_the_whole_download_not_each_read():
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        try:
            for _ in range(1000):            # one byte every 50 ms: each read is quick
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    with Server(trickle) as server:
        started = time.monotonic()
        with pytest.raises(InputError) as err:
            download(f"{server.base}/slow", 0.5, 100_000, allow=server.allow)
        took = time.monotonic() - started
    assert err.value.message == "the download took over 0.5 seconds (setting http_timeout); stopped"
    assert took < 5


def test_at_most_a_few_redirects_are_followed():
    def hops(handler):
        step = int(handler.path.strip("/") or 0)
        answer(handler, b"", 302, headers={"Location": f"/{step + 1}"})

    with Server(hops) as server:
        with pytest.raises(InputError) as err:
            download(f"{server.base}/0", 5, 1000, allow=server.allow)
    assert err.value.message.startswith("download failed: HTTP 302")
    assert len(server.requests) == FETCH_MAX_REDIRECTS + 1 <= 6


def test_each_redirect_is_checked_again():
    def to_private(handler):
        answer(handler, b"", 301, headers={"Location": "http://192.168.1.10/admin"})

    with Server(to_private) as server:
        with pytest.raises(InputError) as err:
            download(f"{server.base}/go", 5, 1000, allow=server.allow)
    assert "refusing to connect to 192.168.1.10, a private address" in err.value.message
    assert server.requests == ["/go"]


def test_an_http_error_status_is_an_input_error():
    with Server(lambda h: answer(h, b"gone", 410)) as server:
        with pytest.raises(InputError, match="download failed: HTTP 410"):
            download(f"{server.base}/gone", 5, 1000, allow=server.allow)


def test_the_guard_refuses_link_local_and_passes_public_addresses():
    assert address_refusal("169.254.169.254") == "a link-local address"
    assert address_refusal("8.8.8.8") is None


def test_the_time_limit_is_for_the_whole_download_even_while_headers_trickle():
    """A server that sends its headers a byte at a time, each within the per-read
    timeout, is stopped at the download's time limit (it once went on for 8 s of 2)."""
    import socket
    import threading
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def trickle():
        conn, _ = listener.accept()
        conn.recv(4096)
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Slow: ")
            for _ in range(16):
                time.sleep(0.5)
                conn.sendall(b"a")
            conn.sendall(b"\r\nContent-Length: 2\r\n\r\nhi")
        except OSError:
            pass
        finally:
            conn.close()
            listener.close()

    threading.Thread(target=trickle, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(InputError, match="took over 2 seconds"):
        download(f"http://127.0.0.1:{port}/", 2, 10**6, allow={f"127.0.0.1:{port}"})
    assert time.monotonic() - started < 4


def test_scheme_case_and_credentials_in_urls():
    with Server(lambda h: answer(h, b"<p>hello</p>", ctype="text/html")) as server:
        page = download(server.base.replace("http://", "HTTP://") + "/", 5, 1000, allow=server.allow)
        assert page.body == b"<p>hello</p>"
    with pytest.raises(InputError, match="user name or password") as refused:
        download("http://user:secret@example.org/page", 5, 1000)
    assert "secret" not in str(refused.value)
