"""Linking the KB's entities and properties to Wikidata (docs/wikidata.md,
docs/entities.md): look up candidates, then store the one a person chose.

``EntityLinks(...)`` takes the store, the IRI minter, the Entities service (to find the
resource and what names it), the change log, the derived indexes and ``lookup()``, which
makes the WikidataLookup the settings name (kb.services.wikidata). A lookup is always an
explicit call: nothing here runs during a write. Linking stores ``link_quads`` in one
update with a change record, then refreshes the names index and the comparisons of the
claims that name the resource (a place's part-of links change what they say).
"""
from __future__ import annotations

from typing import Callable

from rdflib import URIRef

from kb.derived.registry import DerivedIndexes
from kb.errors import InputError
from kb.model.names import KINDS
from kb.records.history import History
from kb.services.entities import Entities
from kb.services.wikidata import Candidate, ItemFacts, WikidataLookup, link_quads, parse_id
from kb.store import sparql
from kb.store.base import Store

LINKABLE = {"entities": "item", "properties": "property"}


class EntityLinks:
    """Wikidata lookups and links for the KB's entities and properties."""

    def __init__(self, store: Store, entities: Entities, changelog: History,
                 indexes: DerivedIndexes, lookup: Callable[[], WikidataLookup]):
        self.store = store
        self.entities = entities
        self.changelog = changelog
        self.indexes = indexes
        self.lookup = lookup
        self.actor: str | None = None

    def candidates(self, kind: str, ref: str, *, text: str | None = None,
                   language: str = "en", limit: int = 10) -> list[Candidate]:
        """Wikidata candidates for a resource of ``kind`` (by its label, or ``text``).
        Raises InputError (a kind that cannot be linked, lookups turned off), NotFound,
        StoreError (the endpoint is unreachable, slow or answers garbage)."""
        row = self.entities.find(_linkable(kind), ref)
        return self.lookup().candidates(text or row.label or ref, language=language,
                                        kind=LINKABLE[kind], limit=limit)

    def link(self, kind: str, ref: str, qid: str, *, language: str = "en",
             replace: bool = False, user: str | None = None) -> tuple[str, ItemFacts]:
        """Link a resource of ``kind`` to the Wikidata item or property ``qid``; returns
        the resource's IRI and what was stored. Raises InputError (a kind that cannot be
        linked, a P id for an entity or a Q id for a property, already linked to another
        id without ``replace``, another resource already linked to it: merge them),
        NotFound (no such resource, no such Wikidata id), StoreError."""
        row = self.entities.find(_linkable(kind), ref)
        wanted = parse_id(qid)
        if (wanted[0] == "P") != (kind == "properties"):
            raise InputError(f"a {KINDS[kind].singular} links to a Wikidata "
                             f"{'property (P…)' if kind == 'properties' else 'item (Q…)'}, "
                             f"not {wanted}")
        mine = row.wikidata
        if mine and wanted not in mine and not replace:
            raise InputError(f"{self.entities.ident(row.iri)} is linked to {', '.join(mine)} "
                             f"already: replace that link to link it to {wanted} "
                             f"(--replace, or replace=1)")
        others = [r for r in self.entities.linked_to(kind, wanted)
                  if r.iri != row.iri and not r.merged_into]     # merged ones are row's
        if others:
            raise InputError(f"{', '.join(self.entities.ident(r.iri) for r in others)} is linked "
                             f"to {wanted} already: merge it with {self.entities.ident(row.iri)} "
                             f"instead (claimkb {kind} merge)")
        facts = self.lookup().facts(wanted, language=language)   # before anything is written
        resource = URIRef(row.iri)
        parts = [sparql.render("unlink_wikidata.ru", resource=resource)] if mine else []
        parts.append(sparql.insert_data(link_quads(resource, facts)))
        parts.append(self.changelog.change_update(
            resource, action="updated", who=user or self.actor,
            summary=f"linked to Wikidata {facts.qid}" + (f" ({facts.label})" if facts.label else "")))
        self.store.update(sparql.join_updates(parts))
        self.indexes.names_changed([row.iri], claims=self.entities.claims_naming(row.iri))
        return row.iri, facts


def _linkable(kind: str) -> str:
    if kind not in LINKABLE:
        raise InputError(f"only entities and properties link to Wikidata, not {kind}")
    return kind


__all__ = ["EntityLinks", "LINKABLE"]
