"""Jinja filters and globals: short labels for IRIs, dates, numbers, highlighted text.

Everything that puts markup around article text escapes the text first
(markupsafe.escape) and only then adds our own tags.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, g, request
from markupsafe import Markup, escape

from kb.model.urls import link_target

from .context import get_kb


def local_name(iri: str | None) -> str:
    if not iri:
        return ""
    text = str(iri)
    for sep in ("#", "/"):
        if sep in text.rstrip(sep):
            text = text.rstrip(sep).rsplit(sep, 1)[1]
    return text


ONCE = ("id", "tabindex")     # attributes of the first piece of a split span only


def highlight_spans(text: str, spans) -> Markup:
    """``text`` with each (start, end, attrs) span wrapped in <mark>; spans may nest or
    overlap (overlaps are split). Attrs: dict of attribute → value (escaped). A span
    split in pieces keeps its ``id`` and ``tabindex`` on its first piece only (an id
    is unique, a span is one stop of the Tab key)."""
    if not text:
        return Markup("")
    events = []
    for i, (start, end, attrs) in enumerate(spans):
        start, end = max(0, int(start)), min(len(text), int(end))
        if end <= start:
            continue
        events.append((start, end, attrs, i))
    cuts = sorted({0, len(text), *(e[0] for e in events), *(e[1] for e in events)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = escape(text[a:b])
        active = [e for e in events if e[0] <= a and e[1] >= b]
        for start, end, attrs, _ in reversed(active):
            first = start == a
            attr_text = "".join(f' {escape(k)}="{escape(v)}"' for k, v in attrs.items()
                                if first or k not in ONCE)
            piece = Markup(f"<mark{attr_text}>{piece}</mark>")
        out.append(piece)
    return Markup("").join(out)


def fts_highlight(text: str | None) -> Markup:
    """Text from the search index with \\x02…\\x03 around matches → escaped + <mark>."""
    if not text:
        return Markup("")
    escaped = str(escape(text))
    return Markup(escaped.replace("\x02", "<mark>").replace("\x03", "</mark>"))


def link(url, text=None, **attrs) -> Markup:
    """``<a href=url>text</a>`` when ``url`` is safe to follow (kb.urls.link_target:
    http, https, mailto or a path of this site), else ``text`` (or the URL) as plain,
    escaped text in ``<span class="not-a-link">``. Every URL or IRI that comes from
    stored data is printed with this (tests/web/test_link_safety.py checks the templates).
    ``attrs``: more attributes of the link (``class_`` for class), escaped."""
    label = url if text is None else text
    target = link_target(url)
    if target is None:
        shown = escape("" if label is None else label)
        return Markup(f'<span class="not-a-link" title="not a safe link">{shown}</span>')
    attr_text = "".join(f' {escape(k.rstrip("_").replace("_", "-"))}="{escape(v)}"'
                        for k, v in attrs.items() if v is not None)
    return Markup(f'<a href="{escape(target)}"{attr_text}>{escape(label)}</a>')


def href(url) -> str:
    """``url`` when it is safe in an href (kb.urls.link_target), else ``#``: for links
    whose text the template writes itself (internal URLs built with url_for)."""
    return link_target(url) or "#"


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one).

    Built from the request's own path rather than with url_for: a list page calls
    this for every facet value, and url_for was a third of its rendering time."""
    args = dict(_request_args())
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [value]
    query = urlencode([(k, v) for k, values in args.items() for v in values])
    path = request.script_root + request.path
    return f"{path}?{query}" if query else path


def _request_args() -> dict:
    cached = g.get("_url_with_args")
    if cached is None:
        cached = g._url_with_args = request.args.to_dict(flat=False)
    return cached


def verdict_class(name: str | None) -> str:
    """A verdict or status as a CSS class: CONFLICT → conflict, NOT_COMPARABLE →
    not-comparable."""
    return (name or "").lower().replace("_", "-")


def verdict_text(name: str | None) -> str:
    """A verdict, status or flag in words: NOT_COMPARABLE → not comparable."""
    return (name or "").lower().replace("_", " ")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["local_name"] = local_name
    app.jinja_env.filters["vclass"] = verdict_class
    app.jinja_env.filters["vtext"] = verdict_text
    app.jinja_env.filters["fts"] = fts_highlight
    app.jinja_env.filters["href"] = href
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.globals["link"] = link
    app.jinja_env.globals["highlight_spans"] = highlight_spans

    @app.context_processor
    def base_context():
        kb = get_kb()
        return {"base_iri": kb.settings.base_iri, "local_id": kb.iris.local_id}
