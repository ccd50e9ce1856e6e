"""Publisher reliability ratings, one assessor at a time (issue #5; docs/reliability.md).

An assessor (a user with the annotator role or higher) rates a publisher on claimkb's
five-point reliability scale (``ckb:ReliabilityLevel``, defined as data in
ontologies/claimkb.ttl: 1 unreliable … 5 highly reliable) with a reason and an evidence
URL: an observation with its evidence, as the W3C Credible Web signals put it. Each
assessment is a ``schema:Review`` in the metadata graph::

    <base>annotations/rating-<16 hex> a schema:Review ;
        schema:itemReviewed <publisher> ;
        schema:author <base>users/<name> ;
        schema:reviewBody "reason" ;
        schema:citation <evidence URL> ;
        schema:dateCreated "…"^^xsd:dateTime ;
        schema:reviewRating <…#rating> ;
        prov:wasRevisionOf <the same assessor's previous rating> ;   # when there is one
        prov:invalidatedAtTime "…"^^xsd:dateTime .                    # when withdrawn
    <…#rating> a schema:Rating ; schema:ratingValue 3 ; schema:worstRating 1 ;
        schema:bestRating 5 ; ckb:reliabilityLevel ckb:MixedReliability .

Ratings are never overwritten or merged: a new rating by the same assessor supersedes
(``prov:wasRevisionOf``) their previous one, and a withdrawn rating stays, marked
``prov:invalidatedAtTime``. :func:`assessments` gives, per assessor, the current
rating (none when withdrawn) and the whole history, newest first.

Errors: InputError (a value off the scale, an empty or too long reason, an evidence
URL that is not http(s), a user name that cannot be an IRI), NotFound (no such
publisher, claim or rating), PermissionDenied (a user below the annotator role, or
withdrawing another assessor's rating). All SPARQL is in kb/queries/reliability_*.

Why one module (~410 lines): the five-point scale, the checks of a rating's value,
reason and evidence, the records and the service that supersedes and withdraws are
one rule set (docs/reliability.md) read and changed together; split, each piece would
be a page that only makes sense beside the others.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kb.errors import InputError, NotFound, PermissionDenied
from kb.model.iris import Minter
from kb.model.vocab import CKB
from kb.store import sparql
from kb.store.base import Store
from kb.records.claims import ClaimReader
from kb.records.history import History
from kb.services.revisions import Level, check_role, load_scale, newest_first, user_name

ROLE = "annotator"          # the least role that may rate
RATING_PREFIX = "rating-"   # rating ids: annotations/rating-<16 hex>
MAX_REASON = 5_000
MAX_URL = 2_000

_BAD_URL_CHARS = re.compile(r'[\s<>"{}|^`\\\x00-\x1f\x7f]')
# one writer at a time decides which rating a new one supersedes (the embedded store
# lives in one process; its web server runs threads)
_WRITE_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def scale() -> tuple[Level, ...]:
    """The reliability scale, worst first, as ontologies/claimkb.ttl defines it."""
    return load_scale(CKB.ReliabilityLevel)


def worst() -> int:
    return scale()[0].value


def best() -> int:
    return scale()[-1].value


def level(value: int) -> Level:
    """The level with this value. Raises InputError for a value off the scale."""
    for lv in scale():
        if lv.value == value:
            return lv
    raise InputError(f"the rating must be a whole number from {worst()} to {best()}")


@dataclass(frozen=True)
class Assessment:
    """One rating of a publisher by one assessor, as stored."""

    iri: str
    id: str
    publisher: str
    assessor: str            # the user name
    author: str              # the user's IRI
    value: int
    worst: int
    best: int
    level: str               # the scale level's label
    level_iri: str | None
    reason: str
    evidence: str
    created: str             # xsd:dateTime, UTC
    previous: str | None = None        # the rating it supersedes
    superseded_by: str | None = None   # the rating that supersedes it
    withdrawn: str | None = None       # when it was withdrawn

    @property
    def status(self) -> str:
        """"current", "superseded" or "withdrawn"."""
        if self.superseded_by:
            return "superseded"
        return "withdrawn" if self.withdrawn else "current"

    def as_dict(self) -> dict:
        return asdict(self) | {"status": self.status}


@dataclass
class AssessorRatings:
    """One assessor's ratings of one publisher: the current one (None once withdrawn)
    and every rating they gave, newest first (the current one included)."""

    assessor: str
    author: str
    current: Assessment | None
    history: list[Assessment] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"assessor": self.assessor, "author": self.author,
                "current": self.current.as_dict() if self.current else None,
                "history": [a.as_dict() for a in self.history]}


@dataclass
class Ratings:
    """Every assessor's ratings of one publisher, by assessor name."""

    publisher: str
    name: str | None
    assessors: list[AssessorRatings] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"publisher": self.publisher, "name": self.name,
                "scale": [asdict(lv) for lv in scale()],
                "assessors": [a.as_dict() for a in self.assessors]}


# ---------------------------------------------------------------------- references

def _name(user) -> str:
    return user_name(user, "rate a publisher")


def _check_role(user) -> None:
    """A kb.users.User must have the annotator role; a bare name is a trusted caller's."""
    check_role(user, ROLE, "rating a publisher")


# ---------------------------------------------------------------------- validation

def check_value(value) -> int:
    """The rating as an int on the scale. Raises InputError."""
    if isinstance(value, bool):
        raise InputError(f"the rating must be a whole number from {worst()} to {best()}")
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"[+-]?\d{1,3}", value):
            raise InputError(f"the rating must be a whole number from {worst()} to {best()}, "
                             f"got {value[:20]!r}")
        value = int(value)
    if not isinstance(value, int):
        raise InputError(f"the rating must be a whole number from {worst()} to {best()}")
    return level(value).value


def check_reason(reason) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InputError("give a reason for the rating")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InputError(f"the reason is longer than {MAX_REASON} characters")
    return reason


def check_evidence(url) -> str:
    """An absolute http(s) URL with a host. Raises InputError."""
    if not isinstance(url, str) or not url.strip():
        raise InputError("give an evidence URL (http or https) for the rating")
    url = url.strip()
    if len(url) > MAX_URL:
        raise InputError(f"the evidence URL is longer than {MAX_URL} characters")
    if _BAD_URL_CHARS.search(url):
        raise InputError("the evidence URL contains spaces or characters not allowed in a URL")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InputError(f"not a valid URL: {url[:80]!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise InputError(f"the evidence must be an http or https URL, got {url[:80]!r}")
    return url


# ---------------------------------------------------------------------- reading

def _group(items: list[Assessment]) -> list[AssessorRatings]:
    by_author: dict[str, list[Assessment]] = {}
    for a in items:
        by_author.setdefault(a.author, []).append(a)
    out = []
    for author, ratings in by_author.items():
        history = newest_first(ratings)
        head = next((a for a in history if not a.superseded_by), None)
        current = head if head is not None and not head.withdrawn else None
        out.append(AssessorRatings(assessor=ratings[0].assessor, author=author,
                                   current=current, history=history))
    return sorted(out, key=lambda r: r.assessor.lower())


# ---------------------------------------------------------------------- writing


class Reliability:
    """Publisher reliability ratings in one knowledge base: its store, IRI minter,
    claims (for a claim's publisher) and change log (for user names) are given."""

    def __init__(self, store: Store, iris: Minter, reader: ClaimReader, changelog: History):
        self.store = store
        self.iris = iris
        self.reader = reader
        self.changelog = changelog

    def _select(self, name: str, **params) -> list[dict]:
        return sparql.select(self.store, name, **params)

    def publisher_iri(self, ref: str | URIRef) -> tuple[URIRef, str | None]:
        """(IRI, name) of a publisher given by IRI, id or name. Raises NotFound."""
        text = str(ref).strip()
        candidates = []
        try:
            candidates.append(self.iris.resolve("publishers", text))
        except NotFound:
            pass
        if text and not text.startswith(("http://", "https://", "urn:")):
            candidates.append(self.iris.publisher(text))
        for iri in candidates:
            rows = self._select("reliability_publisher.rq", publisher=iri)
            if rows:
                name = rows[0]["name"]
                return iri, str(name) if name is not None else None
        raise NotFound(f"no publisher {text!r}")

    def assessor_iri(self, user) -> URIRef:
        """``<base>users/<name>`` for a kb.users.User or a user name. Raises InputError."""
        return self.iris.user(_name(user))

    def _assessment(self, row: dict) -> Assessment:
        value = int(row["value"].toPython())
        lv = next((x for x in scale() if x.value == value), None)
        author = str(row["author"])
        return Assessment(
            iri=str(row["review"]), id=self.iris.local_id(row["review"]) or str(row["review"]),
            publisher=str(row["publisher"]),
            assessor=self.changelog.user_name(row["author"]) or author, author=author,
            value=value,
            worst=int(row["worst"].toPython()) if row["worst"] is not None else worst(),
            best=int(row["best"].toPython()) if row["best"] is not None else best(),
            level=lv.label if lv else str(value),
            level_iri=str(row["level"]) if row["level"] is not None else None,
            reason=str(row["reason"]), evidence=str(row["evidence"]), created=str(row["created"]),
            previous=str(row["previous"]) if row["previous"] is not None else None,
            superseded_by=str(row["supersededBy"]) if row["supersededBy"] is not None else None,
            withdrawn=str(row["withdrawn"]) if row["withdrawn"] is not None else None)

    def _rows(self, **params) -> list[Assessment]:
        seen: dict[str, Assessment] = {}
        for row in self._select("reliability_ratings.rq", **params):
            a = self._assessment(row)
            seen.setdefault(a.iri, a)   # one row per rating (first of any duplicates)
        return list(seen.values())

    def assessments(self, publisher: str | URIRef) -> Ratings:
        """Each assessor's current rating of ``publisher`` (IRI, id or name) and their
        history. Raises NotFound for an unknown publisher."""
        iri, name = self.publisher_iri(publisher)
        return Ratings(publisher=str(iri), name=name, assessors=_group(self._rows(publisher=iri)))

    def for_claim(self, claim: str | URIRef) -> Ratings | None:
        """The assessments of the publisher of ``claim``'s source article; None when the
        source has no publisher. Raises NotFound for an unknown claim."""
        iri = self.reader.iri(str(claim))
        rows = self._select("reliability_claim_publisher.rq", claim=iri)
        if not rows:
            return None
        name = str(rows[0]["name"]) if rows[0]["name"] is not None else None
        return self.for_publisher(rows[0]["publisher"], name)

    def for_publisher(self, publisher: str | URIRef, name: str | None = None) -> Ratings:
        """The assessments of the publisher IRI ``publisher``, taken as it is (no lookup:
        for callers that read it from the store, e.g. a claim page's view); ``name`` is
        shown with them."""
        iri = URIRef(str(publisher))
        return Ratings(publisher=str(iri), name=name, assessors=_group(self._rows(publisher=iri)))

    def get(self, rating: str | URIRef) -> Assessment:
        """One rating by id (``rating-…``) or IRI. Raises NotFound."""
        text = str(rating).strip()
        iri = self.iris.resolve("annotations", text)
        local = self.iris.local_id(iri) or ""
        found = self._rows(review=iri) if local.startswith(RATING_PREFIX) else []
        if not found:
            raise NotFound(f"no rating {text!r}")
        return found[0]

    def current(self, publisher: URIRef, user) -> Assessment | None:
        """``user``'s current (latest, not withdrawn) rating of ``publisher``, or None."""
        author = self.assessor_iri(user)
        for group in _group(self._rows(publisher=URIRef(str(publisher)), author=author)):
            return group.current
        return None

    def _head(self, publisher: URIRef, author: URIRef) -> Assessment | None:
        """The assessor's latest rating of the publisher, withdrawn or not."""
        groups = _group(self._rows(publisher=publisher, author=author))
        return groups[0].history[0] if groups and groups[0].history else None

    def rate(self, publisher: str | URIRef, *, user, value, reason: str, evidence: str,
             now: dt.datetime | None = None) -> Assessment:
        """Record ``user``'s rating of ``publisher`` (IRI, id or name): ``value`` on the
        scale, a ``reason`` and an ``evidence`` URL. It supersedes the user's previous
        rating of the publisher, which stays in the history. ``user`` is a kb.users.User
        (its role is checked) or a user name (a trusted caller's). One atomic update.

        Raises InputError, NotFound (publisher), PermissionDenied (role).
        """
        _check_role(user)
        value = check_value(value)
        reason = check_reason(reason)
        evidence = check_evidence(evidence)
        iri, _name_ = self.publisher_iri(publisher)
        author = self.assessor_iri(user)
        lv = level(value)
        now = now or dt.datetime.now(dt.timezone.utc)
        review = self.iris.mint("annotations", RATING_PREFIX + uuid.uuid4().hex[:16])
        created = Literal(now.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
                          datatype=XSD.dateTime)
        with _WRITE_LOCK:
            previous = self._head(iri, author)
            parts = [sparql.render(
                "reliability_insert.ru", review=review, rating=URIRef(f"{review}#rating"),
                publisher=iri, author=author, reason=Literal(reason), evidence=URIRef(evidence),
                created=created, value=Literal(value), worst=Literal(worst()), best=Literal(best()),
                level=URIRef(lv.iri))]
            if previous is not None:
                parts.append(sparql.render("reliability_revise.ru", review=review,
                                           previous=URIRef(previous.iri)))
            self.store.update(sparql.join_updates(parts))
        return self.get(review)

    def withdraw(self, rating: str | URIRef, *, user, now: dt.datetime | None = None) -> Assessment:
        """Withdraw ``user``'s current rating ``rating`` (id or IRI): it stays in the history,
        marked withdrawn, and the assessor has no current rating of the publisher until they
        rate again. Raises NotFound, PermissionDenied (not the user's own rating, or a role
        below annotator), InputError (already withdrawn, or superseded by a later rating)."""
        _check_role(user)
        found = self.get(rating)
        if found.author != str(self.assessor_iri(user)):
            raise PermissionDenied(f"rating {found.id} is {found.assessor}'s: only its assessor "
                                   f"may withdraw it")
        if found.withdrawn:
            raise InputError(f"rating {found.id} was withdrawn already ({found.withdrawn})")
        if found.superseded_by:
            raise InputError(f"rating {found.id} was superseded by a later rating; withdraw that one")
        now = now or dt.datetime.now(dt.timezone.utc)
        when = Literal(now.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
                       datatype=XSD.dateTime)
        with _WRITE_LOCK:
            self.store.update(sparql.render("reliability_withdraw.ru", review=URIRef(found.iri), when=when))
        return self.get(found.iri)


__all__ = ["Assessment", "AssessorRatings", "Level", "Ratings", "Reliability", "check_evidence",
           "check_reason", "check_value", "scale"]
