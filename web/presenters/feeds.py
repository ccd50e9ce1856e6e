"""Atom feeds (RFC 4287) of new claims and of new conflicts (web/views/feeds.py), built
with ElementTree, which escapes every text and attribute: a claim's words can never
break the XML. Entries are dated by when claimkb recorded the claim (for a conflict, the
later of its two claims: when the conflict appeared)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Iterable

from flask import url_for

from kb.model.text_normalisation import clip

from ..params import short

ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("", ATOM)


def _el(parent, tag: str, text: str | None = None, **attrs) -> ET.Element:
    e = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        e.text = text
    return e


def atom(*, title: str, feed_id: str, self_url: str, page_url: str, entries: list[dict],
         updated: str) -> bytes:
    """The feed's XML: ``entries`` of {id, title, updated, url, summary, author,
    categories}."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _el(feed, "title", title)
    _el(feed, "id", feed_id)
    _el(feed, "updated", updated)
    _el(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _el(feed, "link", rel="alternate", type="text/html", href=page_url)
    _el(feed, "generator", "claimkb")
    author = _el(feed, "author")
    _el(author, "name", "claimkb")
    for item in entries:
        entry = _el(feed, "entry")
        _el(entry, "id", item["id"])
        _el(entry, "title", item["title"])
        _el(entry, "updated", item["updated"])
        _el(entry, "link", rel="alternate", type="text/html", href=item["url"])
        if item.get("author"):
            _el(_el(entry, "author"), "name", item["author"])
        for term in item.get("categories", ()):
            _el(entry, "category", term=term)
        _el(entry, "summary", item["summary"], type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


def claim_entry(row: dict, url: str) -> dict:
    """A row of the claims index as an entry."""
    words = row.get("statement") or row.get("quote") or short(row["iri"])
    said = f" — {row['speaker_name']}" if row.get("speaker_name") else ""
    content = ""
    if row.get("subject_label") and row.get("property_label"):
        content = f"{row['subject_label']} · {row['property_label']}: {row.get('value_text') or ''}\n"
    summary = (f"{content}{words}\n{row.get('publisher_name') or 'unknown publisher'}, "
               f"{row.get('article_title') or ''}, published {row.get('published') or 'no date'}"
               f"; {row['modality']}{said}")
    return {"id": row["iri"], "title": clip(words, 140), "updated": row["recorded"], "url": url,
            "summary": summary, "author": row.get("publisher_name"),
            "categories": [row["modality"]] + ([row["verdict"].lower()] if row.get("verdict") else [])}


def conflict_entry(verdict: dict, a: dict, b: dict, url: str) -> dict:
    """A CONFLICT verdict between claims ``a`` and ``b`` (claims index rows) as an
    entry, dated by the later of the two."""
    label = " · ".join(x for x in (a.get("subject_label"), a.get("property_label")) if x)
    title = (f"Conflict: {label}: {a.get('value_text') or '?'} ({a.get('publisher_name') or '?'}) "
             f"vs {b.get('value_text') or '?'} ({b.get('publisher_name') or '?'})")
    summary = (f"{verdict.get('reason') or ''}\nseverity: {verdict.get('severity') or 'unknown'}\n"
               f"{a.get('publisher_name') or '?'}: {clip(a.get('statement') or a.get('quote'), 300)}\n"
               f"{b.get('publisher_name') or '?'}: {clip(b.get('statement') or b.get('quote'), 300)}")
    return {"id": f"{a['iri']}#conflict-with-{short(b['iri'])}", "title": clip(title, 200),
            "updated": max(a["recorded"], b["recorded"]), "url": url, "summary": summary,
            "categories": ["conflict", verdict.get("severity") or "unknown"]}


def newest(entries: Iterable[dict], limit: int) -> list[dict]:
    return sorted(entries, key=lambda e: e["updated"], reverse=True)[:limit]


def feed_links(**scope: str) -> list[dict]:
    """The feeds a page offers (its ``<link rel="alternate">`` and "Follow" links):
    ``scope`` is ``entity=<id>``, ``publisher=<id>`` or nothing (the whole KB)."""
    what = next((f" about {v}" if k == "entity" else f" from {v}" for k, v in scope.items()), "")
    return [{"title": f"New claims{what} (Atom)", "label": "new claims",
             "url": url_for("feeds.claims", **scope)},
            {"title": f"New conflicts{what} (Atom)", "label": "new conflicts",
             "url": url_for("feeds.conflicts", **scope)}]
