"""What publisher ratings (kb/services/reliability.py) and fact-checkers' verdicts
(kb/services/fact_checks.py) share: a scale of levels defined as data in the ontology,
a history where each new item revises the last and nothing is overwritten, and the
check of who may write one.

Errors: InputError (no user name), PermissionDenied (a role below the one needed)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from kb.errors import InputError, PermissionDenied
from kb.model.vocab import SCHEMA
from ontologies import VOCABULARY


@dataclass(frozen=True)
class Level:
    """One level of a scale: its number, IRI, label and definition."""

    value: int
    iri: str
    label: str
    definition: str


def load_scale(level_class: URIRef) -> tuple[Level, ...]:
    """The individuals of ``level_class`` in ontologies/claimkb.ttl (each with
    schema:ratingValue, rdfs:label and rdfs:comment), lowest first."""
    g = Graph().parse(data=VOCABULARY.read_text(encoding="utf-8"), format="turtle")
    levels = [Level(int(g.value(s, SCHEMA.ratingValue)), str(s), str(g.value(s, RDFS.label)),
                    str(g.value(s, RDFS.comment)))
              for s in g.subjects(RDF.type, level_class)]
    return tuple(sorted(levels, key=lambda level: level.value))


class Revised(Protocol):
    iri: str
    created: str
    previous: str | None
    superseded_by: str | None


R = TypeVar("R", bound=Revised)


def newest_first(items: list[R]) -> list[R]:
    """A history newest first, following the revision chain from its head (``previous``
    links); a fork left by concurrent writers is kept, each head with its chain, and
    anything off every chain comes last, newest first."""
    by_iri = {x.iri: x for x in items}
    heads = sorted((x for x in items if not x.superseded_by),
                   key=lambda x: (x.created, x.iri), reverse=True)
    out: list[R] = []
    for head in heads:
        node = head
        while node is not None and node not in out:
            out.append(node)
            node = by_iri.get(node.previous) if node.previous else None
    return out + sorted((x for x in items if x not in out),
                        key=lambda x: (x.created, x.iri), reverse=True)


def user_name(user, what: str) -> str:
    """The name of a kb.users.User, or a bare name (a trusted caller's). Raises InputError."""
    name = getattr(user, "name", user)
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"a user name is needed to {what}")
    return name.strip()


def check_role(user, role: str, what: str) -> None:
    """A kb.users.User must have ``role`` (or a higher one) to do ``what``; a bare name is
    a trusted caller's. Raises PermissionDenied."""
    can = getattr(user, "can", None)
    if can is not None and not can(role):
        raise PermissionDenied(f"{what} needs the {role} role; {user.name} is a {user.role}")


__all__ = ["Level", "check_role", "load_scale", "newest_first", "user_name"]
