"""Articles (the sources) as their list and their page show them."""
from __future__ import annotations

from flask import url_for

from ..params import short


def article_rows(rows: list[dict]) -> list[dict]:
    """kb.list_articles rows, each with the URL of its page."""
    for r in rows:
        r["url_page"] = url_for("articles.show", ident=r["id"] or r["article"])
    return rows


def article_page(view: dict, claim_rows: list[dict]) -> dict:
    """The article page's data: kb.article_view's, its claim spans given their claim's
    URL, statement and verdict, and its claims (``claim_rows``: kb.index rows)."""
    rows = {r["iri"]: r for r in claim_rows}
    for span in view["spans"]:
        row = rows.get(span["claim"])
        span["url"] = url_for("claims.show", ident=span["id"] or span["claim"])
        span["statement"] = row["statement"] if row else None
        span["verdict"] = (row["verdict"] or None) if row else None
    data = dict(view)
    data["claims"] = [{"id": short(r["iri"]), "url": url_for("claims.show", ident=short(r["iri"])),
                       "statement": r["statement"], "quote": r["quote"], "modality": r["modality"],
                       "value": r["value_text"], "verdict": r["verdict"] or None}
                      for r in rows.values()]
    return data


def claim_spans(view: dict) -> list[tuple]:
    """The claim spans to highlight in the article's text (web/filters.highlight_spans),
    after ``article_page`` gave them their verdict: a passage in conflict with another
    source is marked by its class (a double underline and a "≠", style.css) and its
    title, without JavaScript too (web/static/article.js adds the keyboard)."""
    out = []
    for s in view["spans"]:
        verdict = (s.get("verdict") or "").lower().replace("_", "-")
        title = s["statement"] or s["exact"] or ""
        if verdict == "conflict":
            title = (title + " — " if title else "") + "in conflict with another source"
        out.append((s["start"], s["end"], {
            "class": "claim-span" + (f" verdict-{verdict}" if verdict else ""),
            "data-claim": s["id"] or s["claim"], "title": title}))
    return out


def publisher_of(claim_rows: list[dict]) -> str | None:
    """The publisher IRI of an article, from its claims' rows."""
    return next((r["publisher"] for r in claim_rows if r["publisher"]), None)
