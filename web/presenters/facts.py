"""A fact's dossier as its page shows it (kb.services.dossier): the groups of equal
values side by side, each claim with its links (claim, source, publisher, speaker,
scope), the discrepancies between them with their kind in words, and the fact's chart
(web/presenters/chart.py's ``series`` and ``svg``, as the entity page draws it)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import url_for

from kb.services.dossier import KINDS

from ..params import short
from . import chart

# a verdict's kind in a few words (the headings of the discrepancies table)
KIND_TEXT = {"conflict": "conflict", "changed_over_time": "changed over time",
             "different_time": "another time",
             "different_scope": "different scope", "scope_not_stated": "scope or time not stated",
             "partial": "partial", "compatible": "compatible", "not_comparable": "not comparable",
             "agree": "agree"}
WORST = ("CONFLICT", "PARTIAL", "COMPATIBLE", "AGREE")     # a claim's worst verdict, in order


def dossier_url(subject: str, prop: str, *, scope: str | None = None, time: str | None = None,
                fmt: str | None = None) -> str:
    """The dossier's URL: /facts/<subject id>/<property id> for our own IRIs, else
    /facts?subject=<IRI>&property=<IRI> (an IRI does not fit in one path segment)."""
    s, p = short(subject), short(prop)
    args = {k: v for k, v in (("scope", short(scope) if scope else None), ("time", time)) if v}
    if "/" in s + p or ":" in s + p:
        return url_for("facts.lookup", subject=s, property=p, **args,
                       **({"fmt": fmt} if fmt else {}))
    return url_for("facts.show", subject=s, prop=f"{p}.{fmt}" if fmt else p, **args)


def fact_check_list(own: dict, imported: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Claim IRI → its fact-checks, as the dossier lists them: the desk's current verdict
    (kb.fact_checks.current_for: a Verdict) first, then the ClaimReviews imported with
    it (kb.fact_checks.imported)."""
    out: dict[str, list[dict]] = {}
    for claim, v in own.items():
        out.setdefault(claim, []).append({
            "rating": v.alternate_name, "value": v.value, "best": v.best, "level": v.level,
            "by": "our verdict", "date": v.created[:10], "own": True,
            "url": url_for("fact_checks.show", ident=short(claim))})
    for claim, reviews in imported.items():
        for r in reviews:
            out.setdefault(claim, []).append({
                "rating": r["alternate_name"] or (str(r["rating_value"]) if r["rating_value"] is not None else "no rating"),
                "value": r["rating_value"], "best": r["best"], "level": None,
                "by": ", ".join(a["name"] for a in r["authors"]) or "a fact-checker",
                "date": r["date"], "own": False, "url": r["url"]})
    return out


def dossier_page(d, *, pairs_shown: int, fact_checks: dict[str, list[dict]] | None = None) -> dict:
    """The page's data: ``d`` (kb.fact_dossier) with links, the first ``pairs_shown``
    verdicts (conflicts first) with both claims named, the chart's points, and each
    claim's fact-checks (``fact_checks``: claim IRI → fact_check_list's entries)."""
    fact_checks = fact_checks or {}
    claims = {c["claim"]: c for c in d.claims}
    verdicts = d.verdicts
    worst: dict[str, str] = {}
    for v in verdicts:
        if not v["same_source"] and v["verdict"] in WORST:
            for iri in (v["a"], v["b"]):
                if iri not in worst or WORST.index(v["verdict"]) < WORST.index(worst[iri]):
                    worst[iri] = v["verdict"]
    groups = []
    for g in d.groups:
        members = [_claim(c, worst.get(c["claim"]), fact_checks.get(c["claim"], []))
                   for c in g["claims"]]
        groups.append({**g, "claims": members, "id": f"value-{len(groups) + 1}",
                       "in_conflict": any(m["dossier_verdict"] == "CONFLICT" for m in members)})
    group_id = {g["key"]: g["id"] for g in groups}
    shown = [_verdict(v, claims, group_id) for v in verdicts[:pairs_shown]]
    counts = d.counts()
    filters = {"scope": d.scope, "scope_label": d.scope_label, "time": d.time}
    return {
        "subject": d.subject, "subject_label": d.subject_label,
        "subject_url": url_for("entities.entity", ident=short(d.subject)),
        "property": d.property, "property_label": d.property_label,
        "property_url": url_for("names.index", kind="properties", q=short(d.property)),
        "url": dossier_url(d.subject, d.property, scope=d.scope, time=d.time),
        "filters": filters,
        "all_times_and_scopes": dossier_url(d.subject, d.property) if d.scope or d.time else None,
        "scopes": [{**s, "id": short(s["scope"]),
                    "url": dossier_url(d.subject, d.property, scope=s["scope"], time=d.time)}
                   for s in d.scopes],
        "compare": url_for("compare.index", subject=short(d.subject), property=short(d.property)),
        "status": d.status, "sources": d.sources,
        "claims_total": d.claims_total, "claims_shown": d.claims_shown,
        "claims_listed": len(d.claims),
        "groups": groups,
        "verdicts": shown, "pairs_total": len(verdicts), "pairs_complete": d.pairs_complete,
        "discrepancies_total": len(verdicts) - counts["kinds"]["agree"],
        "counts": counts, "kinds": {k: {"text": KIND_TEXT[k], "means": KINDS[k]} for k in KINDS},
        "timeline": _timeline(d.rows, worst),
    }


def fact_charts(data: dict) -> list[tuple]:
    """(timeline entry, its SVG) for the dossier's chart (one per property: a property
    and its owl:equivalentProperty are one fact)."""
    return [(e, chart.svg(e, lambda c: url_for("claims.show", ident=short(c))))
            for e in data["timeline"]]


def _claim(c: dict, verdict: str | None, fact_checks: list[dict]) -> dict:
    ident = short(c["claim"])
    publisher = c["publisher"]
    return {
        **c, "id": ident, "url": url_for("claims.show", ident=ident),
        "publisher_url": url_for("entities.publisher", ident=short(publisher)) if publisher else None,
        "article_url": url_for("articles.show", ident=short(c["article"])),
        "speaker_url": (url_for("names.index", kind="people", q=short(c["speaker"]))
                        if c["speaker"] else None),
        "scope_url": url_for("entities.entity", ident=short(c["scope"])) if c["scope"] else None,
        "ratings_url": (url_for("entities.publisher", ident=short(publisher)) + "#ratings"
                        if publisher else None),
        "dossier_verdict": verdict,
        "fact_checks": fact_checks,      # the desk's verdict and imported ClaimReviews
    }


def _verdict(v: dict, claims: dict, group_id: dict) -> dict:
    def side(iri: str, group: str | None) -> dict:
        c = claims.get(iri) or {}
        return {"claim": iri, "id": short(iri), "url": url_for("claims.show", ident=short(iri)),
                "value": c.get("value"), "said_by": (c.get("said_by") or {}).get("name"),
                "reported": c.get("reported"), "source_name": c.get("source_name"),
                "when": (c.get("about") or {}).get("when"), "scope_label": c.get("scope_label"),
                "group": group_id.get(group)}

    unit = ((claims.get(v["a"]) or {}).get("normalised") or {}).get("unit")
    return {**v, "kind_text": KIND_TEXT[v["kind"]],
            "difference": _difference(v["absolute_difference"], v["relative_difference"], unit),
            "a_claim": side(v["a"], v["a_group"]), "b_claim": side(v["b"], v["b_group"])}


def _difference(absolute: str | None, relative: str | None, unit: str | None) -> str | None:
    """"13 km apart (1.0%)" from a conflict's gap."""
    if absolute is None:
        return None
    text = f"{absolute}{' ' + unit if unit and unit != '%' else unit or ''} apart"
    try:
        return text + (f" ({Decimal(relative) * 100:.1f}%)" if relative is not None else "")
    except InvalidOperation:
        return text


def _timeline(rows: list[dict], worst: dict) -> list[dict]:
    """The chart's series (chart.series) of the dossier's claims, each point marked
    with its worst verdict among the dossier's pairs (a ring for a conflict)."""
    marked = [{**r, "verdict": worst.get(r["iri"])} for r in rows]
    return [{"property": p, **e} for p, e in chart.series(marked).items()]
