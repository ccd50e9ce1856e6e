"""Same-claim matching among the knowledge base's text claims: which claims from
different publishers state the same thing? (method and figures: docs/matching.md)

The method — normalisation, anchors, scoring, blocking, the threshold — is pure and
lives in kb.model (kb.model.text_match, with kb.model.text_normalisation and
kb.model.text_anchors); this module reads the KB's claims that have words
(``claims_in_kb``) and matches them (``matches_in_kb``). The names in ``__all__``
(``TextClaim``, ``propose_matches``, ``DEFAULT_THRESHOLD`` …) are importable from here.
"""
from __future__ import annotations

from rdflib import Literal, URIRef

from kb.model.dates import parse_date
from kb.model.iris import Minter
from kb.model.text_anchors import dates_in, names_in, numbers_in
from kb.model.text_match import (DEFAULT_THRESHOLD, Match, TextClaim, candidate_pairs,
                                 propose_matches, score_all)
from kb.model.text_normalisation import char_ngrams, normalise, stem, words
from kb.store import sparql
from kb.store.base import Store


# ---------------------------------------------------------------- from the store

KB_PAGE = 10_000


def claims_in_kb(store: Store, iris: Minter, *, publisher: str | None = None,
                 since=None, until=None) -> list[TextClaim]:
    """The KB's claims that have words (schema:text), one TextClaim each, in IRI order
    (named query claim_texts.rq, read in pages of ``KB_PAGE``).

    ``publisher`` (a name or IRI) and ``since``/``until`` (publication dates: ISO text
    or dates) filter. A TextClaim's id is the claim IRI; its publisher is the
    publisher's name (its IRI when it has none).
    """
    params: dict = {}
    if publisher:
        params["ofPublisher"] = URIRef(publisher) if publisher.startswith(("http://", "https://")) \
            else iris.publisher(publisher)
    if since is not None:
        params["since"] = Literal(parse_date(since).earliest.isoformat())
    if until is not None:
        params["until"] = Literal(parse_date(until).latest.isoformat())
    out: list[TextClaim] = []
    after = None
    while True:
        rows = sparql.select(store, "claim_texts.rq", limit=KB_PAGE, after=after, **params)
        for row in rows:
            out.append(TextClaim(
                id=str(row["claim"]), text=str(row["text"]),
                publisher=_text(row.get("publisherName")) or _text(row.get("publisher")),
                date=_text(row.get("published")), speaker=_text(row.get("speakerLabel"))))
        if len(rows) < KB_PAGE:
            return out
        after = Literal(out[-1].id)


def _text(term) -> str | None:
    return str(term) if term is not None else None


def matches_in_kb(store: Store, iris: Minter, threshold: float = DEFAULT_THRESHOLD, *,
                  publisher: str | None = None, since=None, until=None) -> list[Match]:
    """Same-claim pairs among the KB's claims (``propose_matches`` on ``claims_in_kb``).

    With ``publisher``, only pairs with at least one claim of that publisher are kept
    (the other side is searched in the whole KB).
    """
    claims = claims_in_kb(store, iris, since=since, until=until)
    matches = propose_matches(claims, threshold)
    if publisher:
        mine = {c.id for c in claims_in_kb(store, iris, publisher=publisher, since=since, until=until)}
        matches = [m for m in matches if m.a.id in mine or m.b.id in mine]
    return matches


__all__ = ["TextClaim", "Match", "DEFAULT_THRESHOLD", "propose_matches", "score_all",
           "matches_in_kb", "claims_in_kb", "normalise", "words", "stem", "char_ngrams",
           "numbers_in", "dates_in", "names_in", "candidate_pairs"]
