"""History: every change to a claim or an annotation (and every merge and split of an
entity, property, person or publisher), with the version before it.

A change is a ``ckb:Change`` (a prov:Activity) in the history graph
``<https://w3id.org/claimkb/graph/history>``::

    <base>versions/<id> a ckb:Change ;
        ckb:changed <the claim or annotation> ;
        ckb:changeKind ckb:Updated ;   # Created | Updated | Deleted | Retracted | Merged | Split
        prov:endedAtTime "2026-11-24T10:00:00Z"^^xsd:dateTime ;
        prov:wasAssociatedWith <base>users/<name> ;  # who (absent: unknown)
        ckb:changeSummary "value: 1,344 km → 1,357 km" ;
        ckb:earlierVersion "…N-Quads or JSON-LD…" ;  # the resource before the change
        dct:format "application/n-quads" .

The earlier version is kept as text, not as quads, so that it never shows up as a
current claim or annotation in queries over the live graphs. ``change_update`` returns
the update part that records a change; the caller joins it with the write itself
(``kb.sparql.join_updates``), so a change and its record land together or not at all.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import unquote

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from kb.model.iris import Minter
from kb.model.vocab import CKB
from kb.store import sparql
from kb.store.base import Store

HISTORY = URIRef("https://w3id.org/claimkb/graph/history")

KINDS = {"created": CKB.Created, "updated": CKB.Updated, "deleted": CKB.Deleted,
         "retracted": CKB.Retracted, "merged": CKB.Merged, "split": CKB.Split}
KIND_NAMES = {str(iri): name for name, iri in KINDS.items()}
MAX_SUMMARY = 2000


@dataclass(frozen=True)
class Change:
    """One recorded change: ``action`` is created/updated/deleted/retracted, ``who`` the
    user name (None when unknown), ``before`` the earlier version as text (None for a
    creation) in ``before_format``."""

    iri: str
    resource: str
    action: str
    who: str | None
    when: str
    summary: str | None
    before: str | None
    before_format: str | None

    def as_dict(self) -> dict:
        return {"change": self.iri, "resource": self.resource, "action": self.action,
                "who": self.who, "when": self.when, "summary": self.summary,
                "before_format": self.before_format, "has_before": self.before is not None}


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class History:
    """The change log of one store: change records written with each write, read back
    newest first. ``clock`` gives the time a change is stamped with."""

    def __init__(self, store: Store, iris: Minter, clock: Callable[[], dt.datetime] = now):
        self.store = store
        self.iris = iris
        self.clock = clock

    def change_quads(self, resource: URIRef, *, action: str, who: str | None,
                     summary: str | None = None, before: str | None = None,
                     before_format: str = "application/n-quads",
                     when: dt.datetime | None = None) -> tuple[URIRef, list[tuple]]:
        """The IRI of a new change record and its quads (see ``change_update``)."""
        if action not in KINDS:
            raise ValueError(action)
        change = self.iris.mint("versions", uuid.uuid4().hex)
        when = when or self.clock()
        quads = [(change, RDF.type, CKB.Change, HISTORY),
                 (change, CKB.changed, URIRef(resource), HISTORY),
                 (change, CKB.changeKind, KINDS[action], HISTORY),
                 (change, PROV.endedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime),
                  HISTORY)]
        if who:
            quads.append((change, PROV.wasAssociatedWith, self.iris.user(who), HISTORY))
        if summary:
            quads.append((change, CKB.changeSummary, Literal(summary[:MAX_SUMMARY]), HISTORY))
        if before is not None:
            quads.append((change, CKB.earlierVersion, Literal(before), HISTORY))
            quads.append((change, DCTERMS.format, Literal(before_format), HISTORY))
        return change, quads

    def change_update(self, resource: URIRef, *, action: str, who: str | None,
                      summary: str | None = None, before: str | None = None,
                      before_format: str = "application/n-quads",
                      when: dt.datetime | None = None) -> str:
        """A SPARQL update part recording one change of ``resource``: ``action`` is
        "created", "updated", "deleted" or "retracted"; ``who`` a user name; ``before``
        the resource as it was before (text in ``before_format``). Join it with the write
        itself (kb.store.sparql.join_updates) so both land atomically. Raises ValueError
        for an unknown action (a programming error, not user input)."""
        return sparql.insert_data(self.change_quads(
            resource, action=action, who=who, summary=summary, before=before,
            before_format=before_format, when=when)[1])

    def changes(self, resource: URIRef) -> list[Change]:
        """The changes recorded for ``resource``, newest first (empty when none).
        Raises StoreError."""
        return self.changes_of([resource]).get(str(resource), [])

    def changes_of(self, resources: Iterable[URIRef]) -> dict[str, list[Change]]:
        """The changes of several resources in one query: IRI → changes, newest first.
        Raises StoreError."""
        resources = [URIRef(r) for r in resources]
        out: dict[str, list[Change]] = {}
        if not resources:
            return out
        for row in sparql.select(self.store, "history_changes.rq", resource=resources):
            change = Change(
                iri=str(row["change"]), resource=str(row["resource"]),
                action=KIND_NAMES.get(str(row["kind"]), str(row["kind"])),
                who=self.user_name(row["who"]), when=str(row["when"]),
                summary=_str(row["summary"]), before=_str(row["before"]),
                before_format=_str(row["format"]))
            out.setdefault(change.resource, []).append(change)
        return out

    def deleted(self, resource: URIRef) -> Change | None:
        """The change that deleted ``resource``, if its newest change is a deletion (an
        IRI that should answer 410 Gone); None otherwise. Raises StoreError."""
        found = self.changes(resource)
        return found[0] if found and found[0].action == "deleted" else None

    def user_name(self, agent) -> str | None:
        """The claimkb user name of an agent IRI minted by ``Minter.user`` (else the IRI)."""
        if agent is None:
            return None
        text = str(agent)
        prefix = f"{self.iris.base}users/"
        return unquote(text[len(prefix):]) if text.startswith(prefix) else text


def _str(term) -> str | None:
    return None if term is None else str(term)


__all__ = ["HISTORY", "Change", "History", "KINDS", "MAX_SUMMARY", "now"]
