"""Annotations as the pages show them: cards with their threaded replies, the article
page's panel (highlights, filters, orphans) and the notes on a claim or publisher.

The view hands over the annotation service (``kb.annotations``) that replies and
parents are followed with, the KB's base IRI (creators are user IRIs under it) and the
user looking (who may edit which card).
"""
from __future__ import annotations

import json
from urllib.parse import unquote

from flask import url_for

from kb.errors import NotFound

from ..vocabulary import MOTIVATIONS

MOTIVATION_LABELS = dict(MOTIVATIONS) | {"replying": "reply", "describing": "description",
                                         "classifying": "classification",
                                         "identifying": "identification",
                                         "linking": "link", "moderating": "moderation"}
FILTERS = ("motivation", "tag", "author")
MAX_REPLY_DEPTH = 6
MAX_NOTES = 100            # notes shown on a claim or publisher page (the newest)


def author_name(creator, base_iri: str) -> str:
    """The account name of an annotation's creator (a user IRI or a name)."""
    if not creator:
        return "unknown"
    text = str(creator)
    prefix = f"{base_iri}users/"
    if text.startswith(prefix):
        return unquote(text[len(prefix):])
    return text


def _mine(annotation, base_iri: str, user) -> bool:
    if user is None or not user.can("annotator"):
        return False
    return user.can("admin") or author_name(annotation.creator, base_iri).lower() == user.name.lower()


def card(a, replies: list | None = None, *, base_iri: str, user) -> dict:
    """What the templates show of one annotation."""
    motivations = list(a.motivations) or ["commenting"]
    return {
        "id": a.id, "iri": str(a.iri), "author": author_name(a.creator, base_iri),
        "created": _day(a.created), "modified": _day(a.modified) if a.modified != a.created else None,
        "motivation": motivations[0], "motivations": motivations,
        "label": MOTIVATION_LABELS.get(motivations[0], motivations[0]),
        "text": "\n\n".join(a.bodies_text), "tags": sorted(a.tags, key=str.lower),
        "exact": a.exact, "start": a.start, "end": a.end, "orphan": bool(a.orphan),
        "links": list(a.links), "etag": a.etag, "mine": _mine(a, base_iri, user),
        "replies": replies or [],
    }


def _day(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:16].replace("T", " ")


def threads(items: list, service, *, base_iri: str, user, depth: int = 0) -> list[dict]:
    """Cards of ``items`` with their replies (and theirs), oldest reply first: one
    ``service.replies`` per level of the threads, whatever the number of annotations."""
    if not items:
        return []
    replies = (service.replies([str(p.iri) for p in items])
               if depth < MAX_REPLY_DEPTH else {})
    children = [r for found in replies.values() for r in found]
    cards_of = dict(zip((c.iri for c in children),
                        threads(children, service, base_iri=base_iri, user=user, depth=depth + 1)))
    return [card(a, [cards_of[r.iri] for r in replies.get(a.iri, [])], base_iri=base_iri, user=user)
            for a in items]


def _filters(args) -> dict:
    return {name: (args.get(name) or "").strip() for name in FILTERS}


def _keep(a, filters: dict, base_iri: str) -> bool:
    if filters["motivation"] and filters["motivation"] not in a.motivations:
        return False
    if filters["tag"] and filters["tag"].lower() not in (t.lower() for t in a.tags):
        return False
    if filters["author"] and filters["author"].lower() != author_name(a.creator, base_iri).lower():
        return False
    return True


def article_panel(service, article_iri: str, args, *, base_iri: str, user) -> dict | None:
    """The article page's annotations: ``items`` anchored in the current text (in text
    order), ``whole`` (on the article as a whole: no selector, never re-anchored),
    ``orphans`` (could not be re-anchored), ``spans`` to highlight (for
    web/filters.highlight_spans), the active ``filters`` (from the query ``args``) and
    the values to filter by. None for a KB without annotation support."""
    if service is None:
        return None
    everything = service.for_article(article_iri)
    everything = [a for a in everything if "replying" not in a.motivations]
    filters = _filters(args)
    shown = [a for a in everything if _keep(a, filters, base_iri)]
    anchored = sorted((a for a in shown if not a.orphan and a.start is not None),
                      key=lambda a: (a.start, a.end, str(a.created)))
    whole = sorted((a for a in shown if _on_the_whole(a)), key=lambda a: (str(a.created), a.iri))
    orphans = sorted((a for a in shown if (a.orphan or a.start is None) and not _on_the_whole(a)),
                     key=lambda a: str(a.created))
    spans = [_span(a, base_iri) for a in anchored]
    context = {"base_iri": base_iri, "user": user}
    return {
        "items": threads(anchored, service, **context),
        "whole": threads(whole, service, **context),
        "orphans": threads(orphans, service, **context),
        "spans": spans,
        "total": len(everything), "shown": len(shown), "filters": filters,
        "active": any(filters.values()),
        "choices": {
            "motivation": sorted({m for a in everything for m in a.motivations}),
            "tag": sorted({t for a in everything for t in a.tags}, key=str.lower),
            "author": sorted({author_name(a.creator, base_iri) for a in everything}, key=str.lower),
        },
    }


def _on_the_whole(a) -> bool:
    """An annotation on the article as a whole (its target has no selector)."""
    return a.whole and not a.orphan and a.start is None and not a.exact


def _span(a, base_iri: str) -> tuple:
    """(start, end, attributes) of an annotation's highlight (web/filters.highlight_spans
    escapes the attributes)."""
    motivation = (a.motivations or ["commenting"])[0]
    summary = a.bodies_text[0] if a.bodies_text else ", ".join(a.tags)
    return (a.start, a.end, {"class": f"anno-span motivation-{motivation}",
                             "data-annotation": a.id,
                             "title": f"{author_name(a.creator, base_iri)}: {summary[:120]}"})


def notes_on(service, target: str, *, base_iri: str, user) -> list[dict]:
    """Cards of the annotations on a claim or publisher as a whole (newest first)."""
    if service is None:      # a KB without annotation support
        return []
    # on the target index, not a scan of every annotation; the newest 100
    items = [a for a in service.on(str(target)) if "replying" not in a.motivations]
    items.sort(key=lambda a: (str(a.created), a.iri), reverse=True)
    return threads(items[:MAX_NOTES], service, base_iri=base_iri, user=user)


def page_of(annotation, service, *, base_iri: str, _depth: int = 0) -> str:
    """The page an annotation is shown on: its article's, claim's or publisher's (a
    reply: its thread's, found through ``service``), with the card's fragment."""
    if annotation.replies_to and _depth < 20:
        try:
            parent = service.get(annotation.replies_to)
        except NotFound:
            parent = None
        if parent is not None:
            page = page_of(parent, service, base_iri=base_iri, _depth=_depth + 1)
            return page.split("#")[0] + f"#annotation-{annotation.id}"
    target = str(annotation.target_source or "")
    fragment = f"#annotation-{annotation.id}"
    for kind, endpoint in (("articles", "articles.show"), ("claims", "claims.show"),
                           ("publishers", "entities.publisher")):
        if target.startswith(f"{base_iri}{kind}/"):
            ident = target[len(base_iri) + len(kind) + 1:]
            if kind == "articles":
                ident = ident.split("/versions/", 1)[0]   # a text version: its article
            return url_for(endpoint, ident=ident) + fragment
    return url_for("home.index")


def change_view(change) -> dict:
    """One change for the page: what happened in words (a server-side "updated" is a
    re-anchoring or an orphaning, told by its summary) and the earlier version as
    indented JSON text (escaped by the template)."""
    what = change.action
    summary = change.summary or ""
    if what == "updated" and change.who is None:
        if summary.startswith("orphaned"):
            what = "orphaned"
        elif summary.startswith("re-anchored"):
            what = "re-anchored"
    before = change.before
    if before is not None and change.before_format == "application/ld+json":
        try:
            before = json.dumps(json.loads(before), ensure_ascii=False, indent=2)
        except ValueError:
            pass
    return change.as_dict() | {"what": what, "before": before}
