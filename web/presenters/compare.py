"""The comparison report as its page shows it: one row per fact, with its values at a
glance (each with how many sources give it), its status and the link to its dossier
(web/presenters/facts.py); behind it, the claims of the pairs shown, their verdicts,
and the links to the fact's other pairs."""
from __future__ import annotations

from flask import url_for

from kb.services.compare import COUNTED
from kb.services.dossier import fact_span, value_groups

from ..params import short
from .facts import dossier_url


def shown_pairs(fact, *, start: int, per_fact: int) -> tuple[list, list]:
    """(verdicts, claims) of ``fact`` shown from pair ``start`` on: at most ``per_fact``
    verdicts (the most severe first), and the claims they name (else its first claim)."""
    verdicts = fact.verdicts[start:start + per_fact]
    named = {x for v in verdicts for x in (v.a, v.b)}
    claims = [c for c in fact.claims if c.claim in named] or fact.claims[:1]
    return verdicts, claims


def glance(fact) -> list[tuple[str, list]]:
    """The fact's claims grouped by normalised value (kb.services.dossier.value_groups),
    the values more sources give first."""
    return value_groups(fact.claims)


def fact_row(fact, verdicts: list, fact_claims: list, rows: dict, *, start: int,
             one_fact: bool, pairs_page: int, filters: dict, values: list) -> dict:
    """One fact of the report. ``rows``: the claims index rows of ``fact_claims`` and
    of the first claim of each of ``values`` (``glance(fact)``; kb.index.get_many);
    ``filters``: the report's, which the fact's own pages keep."""
    every = fact.verdicts
    first = (rows.get(fact_claims[0].claim) or {}) if fact_claims else {}
    claims = []
    for c in fact_claims:
        r = rows.get(c.claim) or {}
        claims.append({"claim": c.claim, "id": short(c.claim),
                       "url": url_for("claims.show", ident=short(c.claim)),
                       "source": r.get("publisher_name") or r.get("article_title") or short(c.source),
                       "value": r.get("value_text") or c.surface or c.object,
                       "when": c.when, "published": r.get("published") or None})
    by_id = {c["claim"]: c for c in claims}
    fact_args = {"subject": short(fact.subject), "property": short(fact.property)}
    kept = {k: v for k, v in filters.items() if v and k in ("source", "verdict")}
    more = start + len(verdicts) < len(every)
    return {
        "values": [_value(members, rows) for _, members in values],
        "dossier": dossier_url(fact.subject, fact.property, scope=fact.scope,
                               time=fact_span(fact.claims)),
        "subject": fact.subject, "subject_label": first.get("subject_label") or short(fact.subject),
        "subject_url": url_for("entities.entity", ident=short(fact.subject)),
        "property": fact.property, "property_label": first.get("property_label") or short(fact.property),
        "scope": fact.scope, "sources": fact.sources, "status": fact.status,
        "counts": {v: fact.count(v) for v in COUNTED},
        "claims": claims,
        "claims_total": len(fact.claims), "pairs_total": len(every),
        "pairs_from": start + 1 if verdicts else 0, "pairs_to": start + len(verdicts),
        "verdicts": [v.as_dict() | {"a_claim": by_id.get(v.a), "b_claim": by_id.get(v.b)}
                     for v in verdicts],
        "more_pairs": (url_for("compare.index", **fact_args, **kept,
                               pairs_page=(pairs_page + 1) if one_fact else 1)
                       if more else None),
        "earlier_pairs": (url_for("compare.index", **fact_args, **kept,
                                  pairs_page=pairs_page - 1)
                          if one_fact and pairs_page > 1 else None),
    }


def _value(members: list, rows: dict) -> dict:
    """One value of a fact at a glance: its words (the first claim's), how many sources
    and claims give it."""
    first = members[0]
    row = rows.get(first.claim) or {}
    return {"value": row.get("value_text") or first.surface or first.object,
            "sources": len({c.source for c in members}), "claims": len(members),
            "claim": first.claim}
