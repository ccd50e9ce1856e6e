"""schema.org ClaimReview markup, as fact-checkers publish it (Google's ClaimReview
structured data, https://developers.google.com/search/docs/appearance/structured-data/factcheck)::

    {"@context": "https://schema.org", "@type": "ClaimReview",
     "url": "…", "claimReviewed": "…", "datePublished": "2026-12-08",
     "author": {"@type": "Organization", "name": "…"},
     "reviewRating": {"@type": "Rating", "ratingValue": 2, "bestRating": 5,
                      "worstRating": 1, "alternateName": "Mostly false"},
     "reviewBody": "…", "citation": ["https://…"],
     "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "…"},
                      "datePublished": "2021-07-08",
                      "appearance": [{"@type": "CreativeWork", "url": "…"}]}}

Keys are written only when there is a value, in this order, so that the same review
always gives the same text. kb/ingest/claimreview.py reads every field written here
back (``claimkb import``), so an export imported elsewhere exports the same markup.
Pure functions: no store, no network.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

CONTEXT = "https://schema.org"


@dataclass(frozen=True)
class Rating:
    value: int | float | str | None
    best: int | float | str | None
    worst: int | float | str | None
    alternate_name: str | None


@dataclass(frozen=True)
class Item:
    """The reviewed claim: its author ((name, is an organisation) or None), the date it
    was made (ISO) and the pages it appeared on."""

    author: tuple[str, bool] | None
    date: str | None
    appearances: list[str]


def _agent(name: str, organisation: bool) -> dict:
    return {"@type": "Organization" if organisation else "Person", "name": name}


def _item(item: Item) -> dict:
    out: dict = {"@type": "Claim"}
    if item.author:
        out["author"] = _agent(*item.author)
    if item.date:
        out["datePublished"] = item.date
    if item.appearances:
        out["appearance"] = [{"@type": "CreativeWork", "url": url} for url in item.appearances]
    return out


def _rating(rating: Rating) -> dict | None:
    out: dict = {"@type": "Rating"}
    for key, value in (("ratingValue", rating.value), ("bestRating", rating.best),
                       ("worstRating", rating.worst), ("alternateName", rating.alternate_name)):
        if value is not None:
            out[key] = value
    return out if len(out) > 1 else None


def review(*, url: str, statement: str, date: str | None, authors: list[tuple[str, bool]],
           rating: Rating | None, summary: str | None, citations: list[str],
           item: Item) -> dict:
    """One ClaimReview object (without ``@context``)."""
    out: dict = {"@type": "ClaimReview", "url": url, "claimReviewed": statement}
    if date:
        out["datePublished"] = date
    if authors:
        agents = [_agent(*a) for a in authors]
        out["author"] = agents[0] if len(agents) == 1 else agents
    shown = _rating(rating) if rating else None
    if shown:
        out["reviewRating"] = shown
    if summary:
        out["reviewBody"] = summary
    if citations:
        out["citation"] = sorted(citations)
    out["itemReviewed"] = _item(item)
    return out


def own_review(*, url: str, statement: str, organisation: str, date: str, rating: Rating,
               summary: str, citations: list[str], item: Item) -> dict:
    """A verdict recorded in claimkb: the organisation is its author."""
    return review(url=url, statement=statement, date=date, authors=[(organisation, True)],
                  rating=rating, summary=summary, citations=citations, item=item)


def imported_review(found: dict, *, statement: str, item: Item) -> dict:
    """A ClaimReview imported from a feed (FactChecks.imported's dict), as it came."""
    return review(url=found["url"], statement=statement, date=found["date"],
                  authors=[(a["name"], not a["person"]) for a in found["authors"]],
                  rating=Rating(found["rating_value"], found["best"], found["worst"],
                                found["alternate_name"]),
                  summary=found["summary"], citations=found["citations"], item=item)


def document(reviews: list[dict]) -> dict:
    """A JSON-LD document: one review with its context, or several in an ``@graph``."""
    if len(reviews) == 1:
        return {"@context": CONTEXT, **reviews[0]}
    return {"@context": CONTEXT, "@graph": reviews}


def dumps(reviews: list[dict]) -> str:
    return json.dumps(document(reviews), ensure_ascii=False, indent=2) + "\n"


__all__ = ["CONTEXT", "Item", "Rating", "document", "dumps", "imported_review", "own_review",
           "review"]
