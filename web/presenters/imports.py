"""The import page (web/views/imports.py) as it shows: what the two forms accept, the
report of a claims file written, and what became of an imported article."""
from __future__ import annotations

from flask import url_for

from kb.config import Settings
from kb.model.article import StoredArticle
from kb.services.imports import IMPORT_FORMATS, ImportReport

# the article types the form offers (kb.model.article.ARTICLE_TYPES has more spellings)
ARTICLE_KINDS = (("news", "News article"), ("opinion", "Opinion"), ("report", "Reportage"),
                 ("article", "Article"), ("webpage", "Web page"), ("factcheck", "Fact check"))
FORMAT_NAMES = {"claims": "claims YAML", "trig": "TriG", "nquads": "N-Quads",
                "claimreview": "ClaimReview JSON-LD"}
assert set(FORMAT_NAMES) == set(IMPORT_FORMATS)


def import_page(settings: Settings) -> dict:
    """What the forms take: the formats, the article types and the size limits."""
    return {
        "formats": [{"id": f, "name": FORMAT_NAMES[f]} for f in IMPORT_FORMATS],
        "article_kinds": [{"id": k, "name": name} for k, name in ARTICLE_KINDS],
        "article_extensions": [".html", ".htm", ".xhtml", ".txt"],
        "claims_extensions": [".yaml", ".yml", ".trig", ".nq", ".nquads", ".jsonld", ".json"],
        "max_upload_bytes": settings.max_request_bytes,
        "max_article_bytes": settings.max_article_bytes,
        "fetch_local_addresses": settings.fetch_local_addresses,
        "actions": {"article": url_for("imports.article"), "claims": url_for("imports.claims")},
    }


def report_view(report: ImportReport) -> dict:
    """A claims file written: how many claims (new, already in the KB), sources or quads,
    and the notes (names resolved, near-duplicates, values dropped)."""
    rdf = report.format in ("trig", "nquads")
    existing = None if report.new is None else report.claims - report.new
    if rdf:
        summary = f"{report.quads} quads loaded"
    else:
        summary = (f"{report.claims} claim{'s' if report.claims != 1 else ''} written "
                   f"({report.new} new, {existing} already in the knowledge base), "
                   f"{report.articles} source{'s' if report.articles != 1 else ''}")
    return {"file": report.path, "format": report.format,
            "format_name": FORMAT_NAMES.get(report.format, report.format),
            "claims": report.claims, "new": report.new, "existing": existing,
            "articles": report.articles, "quads": report.quads, "summary": summary,
            "notes": list(report.notes), "resolved": list(report.resolved),
            "warnings": list(report.warnings), "claims_url": url_for("claims.index")}


def article_result(stored: StoredArticle, article_id: str, title: str | None) -> dict:
    """An imported article: new, a new version of its text, or unchanged; where it is."""
    state = "created" if stored.created else "new-version" if stored.new_version else "unchanged"
    name = f"“{title}”" if title else article_id
    message = {"created": f"Article imported: {name}.",
               "new-version": f"New version of {name} stored: its text changed.",
               "unchanged": f"Article {name} unchanged: the same text is stored already."}[state]
    return {"ok": True, "id": article_id, "article": str(stored.iri), "state": state,
            "message": message, "version": str(stored.version) if stored.version else None,
            "sha256": stored.sha256,
            "url": url_for("articles.show", ident=article_id),
            "suggestions": url_for("suggestions.index", article_id=article_id)}
