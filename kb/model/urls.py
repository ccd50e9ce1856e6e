"""Which URLs and IRIs are safe to follow: the one policy for links and for imports.

Stored data comes from files, feeds and articles written by others. A source URL, an
evidence URL or an annotation's link body of ``javascript:alert(1)`` must never become
a clickable link, and should not get into the knowledge base at all.

Two questions, two functions:

- ``link_target(value)`` (web): may this value be put in an ``href``? Only http, https
  and mailto URLs, and the app's own relative paths (``/claims/x``, ``?page=2``,
  ``#text``); anything else is shown as text by the templates (web/filters.py ``link``).
- ``check_url(value, what, where)`` / ``check_iri(value, what, where)`` (imports):
  a URL someone may follow (an article's address, a ``via``, evidence, a link body)
  must be http or https (``mailto`` too where ``mail=True``); an IRI that only names
  something (an entity, a speaker, ``same_as``) may use any scheme except those a
  browser would execute or read locally (javascript, vbscript, data, file, blob, …).

Browsers strip ASCII tab, LF and CR anywhere in a URL and C0 controls and spaces at its
ends before they read the scheme (WHATWG URL standard), so ``java\\tscript:`` and
`` javascript:`` are ``javascript:`` to them: the scheme is read the same way here.
"""
from __future__ import annotations

import re

from kb.errors import InputError

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# schemes a browser runs, renders inline or reads from the local machine
UNSAFE_IRI_SCHEMES = frozenset({"javascript", "vbscript", "data", "file", "blob", "about",
                                "filesystem", "view-source", "chrome", "jar"})

_STRIPPED = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))   # stripped at both ends by browsers
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def _as_browser_reads(value: str) -> str:
    return _STRIPPED.sub("", str(value)).strip(_C0_AND_SPACE)


def scheme(value: str) -> str | None:
    """The URL's scheme in lower case, as a browser reads it; None for a relative one."""
    match = _SCHEME.match(_as_browser_reads(value))
    return match.group(1).lower() if match else None


def link_target(value) -> str | None:
    """``value`` when it is safe in an ``href``, else None.

    Safe: an absolute http(s) URL with a host, a mailto: URL, or a path of this site
    (``/…`` but not ``//host`` or ``/\\host``, which browsers read as another host),
    a query (``?…``) or a fragment (``#…``). Never raises."""
    if value is None:
        return None
    text = str(value)
    if not text or text != text.strip() or any(c < " " for c in text):
        return None  # controls or surrounding spaces: never a link, whatever they hide
    found = scheme(text)
    if found is None:
        if text.startswith(("//", "/\\")):
            return None
        return text if text.startswith(("/", "?", "#")) else None
    if found not in LINK_SCHEMES:
        return None
    if found in ("http", "https") and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/\\?#\s]+", text):
        return None  # http:evil or http:/x: no host
    return text


def check_url(value, what: str, where: str | None = None, *, mail: bool = False) -> str:
    """``value`` as a URL people may follow: http(s) with a host (or mailto: with
    ``mail``). Returns it unchanged. Raises InputError naming ``what`` and ``where``."""
    text = "" if value is None else str(value)
    found = scheme(text)
    allowed = ("http", "https", "mailto") if mail else ("http", "https")
    if found not in allowed or link_target(text) is None:
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise InputError(f"{what} {shown!r} is not a safe link: only "
                         f"{', '.join(s + ':' for s in allowed)} URLs are accepted", where=where)
    return text


def check_iri(value, what: str, where: str | None = None) -> str:
    """``value`` as an absolute IRI that names something: any scheme except those a
    browser executes or reads locally (UNSAFE_IRI_SCHEMES). Returns it unchanged.
    Raises InputError naming ``what`` and ``where``."""
    text = "" if value is None else str(value)
    found = scheme(text)
    if found is None or found in UNSAFE_IRI_SCHEMES or text != _as_browser_reads(text):
        shown = text if len(text) <= 80 else text[:77] + "..."
        reason = "not an absolute IRI" if found is None else f"the {found}: scheme is not accepted"
        raise InputError(f"{what} {shown!r}: {reason}", where=where)
    return text


__all__ = ["LINK_SCHEMES", "UNSAFE_IRI_SCHEMES", "scheme", "link_target", "check_url", "check_iri"]
