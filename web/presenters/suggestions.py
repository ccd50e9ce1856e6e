"""Suggested claims (kb.services.suggestions; docs/extraction.md) as the web shows them:
the article page's panel and highlights, the suggestions page and its ``.json`` twin,
and one suggestion as the claim form's prefilled fields.

The JSON is the CLI's (``ArticleSuggestions.as_dict``, kb/services/suggestions.py: one shape for
``claimkb suggest --json`` and the twin) with the page's links added to each suggestion:
``in_text`` (its highlight on the article page), ``claim_form`` (the claim form
prefilled from it), ``dismiss`` / ``restore`` (the editors' POST URLs), ``claims``
(claims already anchored in its words), each figure's unit ``symbol`` as printed
(``unit`` is its UN/CEFACT code), and for each KB name ``url`` (the name's page)
and ``new`` (a label taken from the sentence, not a resource of the KB).
"""
from __future__ import annotations

from typing import Callable

from flask import url_for

from kb.model.suggestions import Suggestion
from kb.ingest.claims_draft import draft_claim
from kb.services.suggestions import ArticleSuggestions

# a name candidate's kind of resource (kb.model.names.KINDS), by the JSON key it is under
NAME_KINDS = {"subjects": "entities", "properties": "properties"}
SPAN_TITLE = 160         # characters of a suggestion's title in the highlighted text


def suggestions_page(result: ArticleSuggestions, *, article_id: str, dismissed: bool = False,
                     claim_spans: list[dict] = (),
                     page_of: Callable[[str, str], str] | None = None) -> dict:
    """The suggestions of an article (``kb.suggest_claims``) with their links;
    ``dismissed``: the dismissed ones too (``dismissed``), else their number
    (``dismissed_count``); ``claim_spans``: kb.article_view's ``spans`` (which claims are
    anchored where); ``page_of(kind, iri)``: the page of a KB name (no ``url`` without)."""
    data = result.as_dict(dismissed=dismissed)
    data["title"] = result.title
    data["url"] = url_for("suggestions.index", article_id=article_id)
    data["article_url"] = url_for("articles.show", ident=article_id)
    data["dismissed_url"] = url_for("suggestions.index", article_id=article_id, dismissed="1")
    for item, s in zip(data["suggestions"], result.suggestions):
        _links(item, s, article_id, claim_spans, page_of, dismissed=False)
    for item, s in zip(data.get("dismissed", ()), result.dismissed):
        _links(item, s, article_id, claim_spans, page_of, dismissed=True)
    return data


def _links(item: dict, s: Suggestion, article_id: str, claim_spans, page_of, *,
           dismissed: bool) -> None:
    sid = item["id"]
    for shown, found in zip(item["quantities"], s.quantities):
        shown["symbol"] = found.quantity.unit.symbol     # "km", "%"; "" for a count
    item["dismissed"] = dismissed
    item["anchor"] = f"#sg-{sid}"
    item["in_text"] = url_for("articles.show", ident=article_id, _anchor=f"sg-{sid}")
    item["claim_form"] = url_for("edit.new", article_id=article_id, suggestion=sid)
    action = "suggestions.restore" if dismissed else "suggestions.dismiss"
    item["restore" if dismissed else "dismiss"] = url_for(action, article_id=article_id, sid=sid)
    item["claims"] = [{"id": span["id"] or span["claim"],
                       "url": url_for("claims.show", ident=span["id"] or span["claim"])}
                      for span in claim_spans
                      if span["start"] < item["end"] and item["start"] < span["end"]]
    for key, kind in NAME_KINDS.items():
        for name in item[key]:
            name["new"] = name["iri"] is None
            name["url"] = page_of(kind, name["iri"]) if page_of and name["iri"] else None


def suggestion_spans(result: ArticleSuggestions) -> list[tuple]:
    """The suggested sentences to highlight in the article's text
    (web/filters.highlight_spans): their own kind of mark (``suggest-span``), each with
    the id the panel links to (``sg-<id>``; its item is ``suggestion-<id>``). Not
    focusable themselves — a mousedown on a focusable mark stops Chromium from selecting
    text across it — web/static/article.js puts an empty link to the item in each."""
    return [(s.start, s.end, {"class": "suggest-span", "id": f"sg-{s.id}",
                              "data-suggestion": s.id, "title": _span_title(s)})
            for s in result.suggestions]


def _span_title(s: Suggestion) -> str:
    figures = ", ".join(q.surface for q in s.quantities[:3])
    said = f" ({s.speaker})" if s.speaker else ""
    return (f"Suggested claim: {s.modality}{said}" + (f" · {figures}" if figures else "")
            + f" · score {s.score:g}")[:SPAN_TITLE]


def suggestion_fields(result: ArticleSuggestions, s: Suggestion,
                      local_id: Callable[[str], str | None]) -> tuple[dict, list[str]]:
    """The claim form's fields (web/forms/claim.py FIELDS) a suggestion fills in — all
    but the quote's selectors, which the view takes from the stored text — and notes on
    what the editor may still give. The policy is the claims file draft's
    (kb.ingest.claims_draft.draft_claim): saved untouched, the form records the claim as
    the draft would. A KB name fills ``<field>_id`` and ``<field>_was`` too (the form
    keeps the id while the label is unchanged)."""
    claim = draft_claim(s, lambda hit: result.labels.get(hit.owners[0], hit.text)
                        if hit.owners else hit.text)
    form = {"modality": claim.modality, "value_kind": "quantity"}
    if claim.speaker:
        form["speaker"] = claim.speaker
    for field, hit in (("subject", claim.subject), ("property", claim.property)):
        if hit is None:
            continue
        if len(hit.owners) == 1:
            iri = hit.owners[0]
            label = result.labels.get(iri) or hit.text
            form.update({field: label, f"{field}_was": label, f"{field}_id": local_id(iri) or iri})
        else:
            form[field] = result.labels.get(hit.owners[0], hit.text) if hit.owners else hit.text
    if claim.value is not None:
        form["value"] = claim.value.text
    if claim.about is not None:
        form["about"] = claim.about.value
    return form, list(claim.hints)

