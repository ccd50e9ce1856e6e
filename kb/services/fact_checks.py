"""Fact-checkers' verdicts on claims, published as schema.org ClaimReview (issue #17;
docs/fact-checks.md).

An editor records the desk's verdict on a claim: a level of claimkb's five-point truth
scale (``ckb:TruthLevel``, data in ontologies/claimkb.ttl: 1 False … 5 True), the
organisation's own wording of it (``alternateName``, e.g. "Mostly false", "Unproven"),
a summary and the evidence: URLs and claims of the KB. Each verdict is a
``schema:ClaimReview`` in the metadata graph::

    <base>annotations/verdict-<16 hex> a schema:ClaimReview ;
        schema:itemReviewed <claim> ;
        schema:claimReviewed "the claim's words" ;     # its quote, else its statement
        schema:author <base>users/<name> ;             # who recorded it
        schema:reviewBody "summary" ;
        schema:citation <https://…>, <base>claims/<other> ;
        schema:dateCreated "…"^^xsd:dateTime ;
        schema:reviewRating <…#rating> ;
        prov:wasRevisionOf <the claim's previous verdict> ;   # when there is one
        prov:invalidatedAtTime "…"^^xsd:dateTime .            # when withdrawn
    <…#rating> a schema:Rating ; schema:ratingValue 2 ; schema:worstRating 1 ;
        schema:bestRating 5 ; schema:alternateName "Mostly false" ;
        ckb:truthLevel ckb:RatedMostlyFalse .

A claim has one current verdict, the desk's: a new one revises the last
(``prov:wasRevisionOf``), whoever recorded it, and nothing is overwritten, so the
history says who said what and when. A verdict is not part of the claim it reviews
(editing or re-importing the claim keeps it): the claim owns only the ClaimReview
imported with it, ``<claim>#review`` (kb/ingest/claimreview.py).

Export (kb/services/claimreviews.py): the current verdicts and the imported
ClaimReviews as schema.org ClaimReview JSON-LD (kb/model/claimreview_markup.py), which
``claimkb import`` reads back into the same markup (tests/kb/services/test_fact_checks.py).

Errors: InputError (a level off the scale, an empty or too long summary or wording, no
evidence, evidence that is neither an http(s) URL nor a claim of the KB), NotFound (no
such claim or verdict, nothing to export for a claim), PermissionDenied (below the
editor role). All SPARQL is in kb/queries/fact_check*.rq and claimreview*.rq.

Why one module (~420 lines): the truth scale, the checks of a verdict's level, wording,
summary and evidence, the revision chain and the reading of imported reviews are one
rule set (docs/fact-checks.md), read and changed together, as in reliability.py; the
export, which only reads, is kb/services/claimreviews.py.
"""
from __future__ import annotations

import datetime as dt
import threading
import uuid
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, XSD

from kb.errors import InputError, NotFound
from kb.model.iris import META, Minter
from kb.model.vocab import CKB, SCHEMA
from kb.records.claims import ClaimReader
from kb.records.history import History
from kb.services.reliability import check_evidence
from kb.services.revisions import Level, check_role, load_scale, newest_first, user_name
from kb.store import sparql
from kb.store.base import Store

ROLE = "editor"              # the least role that may record a verdict
VERDICT_PREFIX = "verdict-"  # verdict ids: annotations/verdict-<16 hex>
MAX_SUMMARY = 5_000
MAX_WORDING = 200
MAX_EVIDENCE = 50
_WRITE_LOCK = threading.Lock()   # one writer at a time decides which verdict a new one revises


@lru_cache(maxsize=1)
def scale() -> tuple[Level, ...]:
    """The truth scale, false first, as ontologies/claimkb.ttl defines it."""
    return load_scale(CKB.TruthLevel)


def level(value) -> Level:
    """The level with this number (an int or its digits). Raises InputError."""
    lo, hi = scale()[0].value, scale()[-1].value
    text = str(value).strip() if not isinstance(value, bool) else ""
    if text.lstrip("+-").isdigit() and len(text) <= 3:
        for lv in scale():
            if lv.value == int(text):
                return lv
    raise InputError(f"the verdict must be a level from {lo} ({scale()[0].label}) to "
                     f"{hi} ({scale()[-1].label}), got {str(value)[:20]!r}")


@dataclass(frozen=True)
class Verdict:
    """One verdict on a claim, as stored."""

    iri: str
    id: str
    claim: str
    author: str               # the user's IRI
    who: str                  # the user name
    value: int
    worst: int
    best: int
    level: str                # the scale level's label
    alternate_name: str       # the organisation's wording
    summary: str
    statement: str            # the claim's words the verdict reviewed
    created: str              # xsd:dateTime, UTC
    evidence: tuple[str, ...] = ()
    previous: str | None = None
    superseded_by: str | None = None
    withdrawn: str | None = None

    @property
    def status(self) -> str:
        """"current", "superseded" or "withdrawn"."""
        if self.superseded_by:
            return "superseded"
        return "withdrawn" if self.withdrawn else "current"

    def as_dict(self) -> dict:
        return asdict(self) | {"status": self.status, "evidence": list(self.evidence)}


@dataclass
class ClaimVerdicts:
    """The verdicts on one claim: the current one (None when there is none or it was
    withdrawn), every verdict newest first, and the ClaimReviews imported with it."""

    claim: str
    current: Verdict | None
    history: list[Verdict] = field(default_factory=list)
    imported: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"claim": self.claim, "scale": [asdict(lv) for lv in scale()],
                "current": self.current.as_dict() if self.current else None,
                "history": [v.as_dict() for v in self.history], "imported": self.imported}


def check_summary(text) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InputError("give a summary of the verdict: what the evidence shows")
    text = text.strip()
    if len(text) > MAX_SUMMARY:
        raise InputError(f"the summary is longer than {MAX_SUMMARY} characters")
    return text


def check_wording(text, lv: Level) -> str:
    """The organisation's wording of the verdict; the level's label when none is given."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if len(text) > MAX_WORDING:
        raise InputError(f"the verdict's wording is longer than {MAX_WORDING} characters")
    if any(ord(c) < 32 for c in text):
        raise InputError("the verdict's wording must be one line of text")
    return text or lv.label


def split_evidence(evidence) -> list[str]:
    """Evidence as given: a list, or text with one item per line (or comma-separated)."""
    if evidence is None:
        return []
    if isinstance(evidence, str):
        evidence = evidence.replace(",", "\n").splitlines()
    if not isinstance(evidence, (list, tuple)):
        raise InputError("the evidence is a list of URLs and claim ids")
    return [e.strip() for e in evidence if isinstance(e, str) and e.strip()]


class FactChecks:
    """Verdicts on the claims of one knowledge base, and its ClaimReview export."""

    def __init__(self, store: Store, iris: Minter, reader: ClaimReader, changelog: History,
                 indexes, organisation: str):
        self.store = store
        self.iris = iris
        self.reader = reader
        self.changelog = changelog
        self.indexes = indexes
        self.organisation = organisation

    # ------------------------------------------------------------------ reading

    def _select(self, name: str, **params) -> list[dict]:
        return sparql.select(self.store, name, **params)

    def _citations(self, **params) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for row in self._select("fact_check_citations.rq", **params):
            out.setdefault(str(row["review"]), []).append(str(row["citation"]))
        return out

    def _verdicts(self, cited: dict | None = None, **params) -> list[Verdict]:
        cited = self._citations(**params) if cited is None else cited
        seen: dict[str, Verdict] = {}
        for row in self._select("fact_checks.rq", **params):
            iri = str(row["review"])
            if iri in seen:
                continue
            value = int(row["value"].toPython())
            lv = next((x for x in scale() if x.value == value), None)
            seen[iri] = Verdict(
                iri=iri, id=self.iris.local_id(row["review"]) or iri, claim=str(row["claim"]),
                author=str(row["author"]), who=self.changelog.user_name(row["author"]) or "",
                value=value,
                worst=int(row["worst"].toPython()) if row["worst"] is not None else scale()[0].value,
                best=int(row["best"].toPython()) if row["best"] is not None else scale()[-1].value,
                level=lv.label if lv else str(value),
                alternate_name=str(row["alt"]) if row["alt"] is not None else (lv.label if lv else ""),
                summary=str(row["summary"] or ""), statement=str(row["statement"] or ""),
                created=str(row["created"]), evidence=tuple(cited.get(iri, ())),
                previous=str(row["previous"]) if row["previous"] is not None else None,
                superseded_by=str(row["supersededBy"]) if row["supersededBy"] is not None else None,
                withdrawn=str(row["withdrawn"]) if row["withdrawn"] is not None else None)
        return list(seen.values())

    def for_claim(self, ref: str) -> ClaimVerdicts:
        """The verdicts on a claim (id or IRI) and its imported ClaimReviews. Raises NotFound."""
        claim = self.reader.iri(str(ref))
        cited = self._citations(claim=claim)      # of its verdicts and imported reviews alike
        history = newest_first(self._verdicts(cited, claim=claim))
        head = history[0] if history else None
        return ClaimVerdicts(claim=str(claim), history=history,
                             current=head if head is not None and not head.withdrawn else None,
                             imported=self.imported([claim], cited).get(str(claim), []))

    def on_claims(self, claims=None) -> tuple[dict[str, Verdict], dict[str, list[dict]]]:
        """(``current_for(claims)``, ``imported(claims)``), reading the citations once."""
        params = _claim_params(claims)
        if params is None:
            return {}, {}
        cited = self._citations(**params)
        return self.current_for(claims, cited), self.imported(claims, cited)

    def current_for(self, claims=None, cited: dict | None = None) -> dict[str, Verdict]:
        """The current verdict of each claim in ``claims`` (IRIs; every claim when None)
        that has one."""
        params = _claim_params(claims)
        if params is None:
            return {}
        out: dict[str, Verdict] = {}
        by_claim: dict[str, list[Verdict]] = {}
        for v in self._verdicts(cited, **params):
            by_claim.setdefault(v.claim, []).append(v)
        for claim, items in by_claim.items():
            head = newest_first(items)[0]
            if not head.withdrawn:
                out[claim] = head
        return out

    def get(self, ref: str) -> Verdict:
        """One verdict by id (``verdict-…``) or IRI. Raises NotFound."""
        text = str(ref).strip()
        iri = self.iris.resolve("annotations", text)
        local = self.iris.local_id(iri) or ""
        found = self._verdicts(review=iri) if local.startswith(VERDICT_PREFIX) else []
        if not found:
            raise NotFound(f"no verdict {text!r}")
        return found[0]

    def imported(self, claims=None, cited: dict | None = None) -> dict[str, list[dict]]:
        """The ClaimReviews imported with ``claims`` (IRIs; all when None): claim IRI →
        [{url, date, author, author_person, rating_value, best, worst, alternate_name,
        summary, appearances, citations}]. ``cited``: the citations read already."""
        params = _claim_params(claims)
        if params is None:
            return {}
        rows = self._select("claimreviews_imported.rq", **params)
        cited = self._citations(**params) if cited is None else cited
        out: dict[str, dict[str, dict]] = {}
        for row in rows:
            review = str(row["review"])
            item = out.setdefault(str(row["claim"]), {}).setdefault(review, {
                "review": review, "url": str(row["url"]),
                "date": str(row["date"]) if row["date"] is not None else None,
                "authors": [], "rating_value": plain(row["value"]), "best": plain(row["best"]),
                "worst": plain(row["worst"]), "alternate_name": plain(row["alt"]),
                "summary": plain(row["summary"]), "appearances": [],
                "citations": cited.get(review, [])})
            if row["author"] is not None:
                who = {"name": str(row["authorName"] or row["author"]),
                       "person": row["authorPerson"] is not None}
                if who not in item["authors"]:
                    item["authors"].append(who)
            if row["appearance"] is not None and str(row["appearance"]) not in item["appearances"]:
                item["appearances"].append(str(row["appearance"]))
        return {claim: list(reviews.values()) for claim, reviews in out.items()}

    # ------------------------------------------------------------------ writing

    def _statement(self, claim: URIRef) -> str:
        """The claim's words as a ClaimReview's claimReviewed: its quote, else its
        statement, else subject, property and value as the index labels them."""
        view = self.reader.view(str(claim))
        if view.get("quote") and view["quote"].get("exact"):
            return " ".join(str(view["quote"]["exact"]).split())
        if view.get("statement"):
            return " ".join(str(view["statement"]).split())
        row = self.indexes.claims_index.get(str(claim)) or {}
        words = [row.get("subject_label") or row.get("subject"),
                 row.get("property_label") or row.get("property"),
                 row.get("value_text") or row.get("object_label") or row.get("object")]
        return " ".join(str(w) for w in words if w) or str(claim)

    def _evidence(self, evidence) -> list[URIRef]:
        items = split_evidence(evidence)
        if not items:
            raise InputError("give the evidence: at least one URL or claim id")
        if len(items) > MAX_EVIDENCE:
            raise InputError(f"at most {MAX_EVIDENCE} pieces of evidence")
        out: list[URIRef] = []
        for item in items:
            if item.lower().startswith(("http://", "https://")) and not item.startswith(
                    f"{self.iris.base}claims/"):
                out.append(URIRef(check_evidence(item)))
                continue
            try:
                claim = self.reader.iri(item)
            except NotFound:
                raise InputError(f"evidence {item[:80]!r} is neither an http(s) URL nor a "
                                 "claim of this knowledge base") from None
            if not self.reader.exists(claim):
                raise InputError(f"evidence: no claim {item[:80]!r}")
            out.append(claim)
        return list(dict.fromkeys(out))

    def record(self, ref: str, *, user, value, summary: str, evidence,
               alternate_name: str | None = None, now: dt.datetime | None = None) -> Verdict:
        """Record the desk's verdict on a claim (id or IRI): ``value`` on the truth
        scale, the organisation's wording (default: the level's label), a ``summary``
        and the ``evidence`` (URLs and claim ids: a list, or one per line). It revises
        the claim's previous verdict, which stays in the history. ``user`` is a
        kb.users.User (its role is checked) or a user name (a trusted caller's).

        Raises InputError, NotFound (claim), PermissionDenied (role)."""
        _check_role(user)
        lv = level(value)
        wording = check_wording(alternate_name, lv)
        summary = check_summary(summary)
        claim = self.reader.iri(str(ref))
        if not self.reader.exists(claim):
            raise NotFound(f"no claim {ref!r}")
        cites = self._evidence(evidence)
        author = self.iris.user(_name(user))
        now = now or dt.datetime.now(dt.timezone.utc)
        created = Literal(now.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
                          datatype=XSD.dateTime)
        review = self.iris.mint("annotations", VERDICT_PREFIX + uuid.uuid4().hex[:16])
        rating = URIRef(f"{review}#rating")
        quads = [
            (review, RDF.type, SCHEMA.ClaimReview, META),
            (review, SCHEMA.itemReviewed, claim, META),
            (review, SCHEMA.claimReviewed, Literal(self._statement(claim)), META),
            (review, SCHEMA.author, author, META),
            (review, SCHEMA.reviewBody, Literal(summary), META),
            (review, SCHEMA.dateCreated, created, META),
            (review, SCHEMA.reviewRating, rating, META),
            (rating, RDF.type, SCHEMA.Rating, META),
            (rating, SCHEMA.ratingValue, Literal(lv.value), META),
            (rating, SCHEMA.worstRating, Literal(scale()[0].value), META),
            (rating, SCHEMA.bestRating, Literal(scale()[-1].value), META),
            (rating, SCHEMA.alternateName, Literal(wording), META),
            (rating, CKB.truthLevel, URIRef(lv.iri), META),
        ] + [(review, SCHEMA.citation, c, META) for c in cites]
        with _WRITE_LOCK:
            history = newest_first(self._verdicts(claim=claim))
            if history:
                quads.append((review, PROV.wasRevisionOf, URIRef(history[0].iri), META))
            self.store.update(sparql.insert_data(quads))
        return self.get(review)

    def withdraw(self, ref: str, *, user, now: dt.datetime | None = None) -> Verdict:
        """Withdraw the claim's current verdict: it stays in the history, marked
        withdrawn, and the claim has no verdict until one is recorded again.
        Raises NotFound (claim), InputError (no current verdict), PermissionDenied."""
        _check_role(user)
        claim = self.reader.iri(str(ref))
        now = now or dt.datetime.now(dt.timezone.utc)
        when = Literal(now.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
                       datatype=XSD.dateTime)
        with _WRITE_LOCK:
            current = self.for_claim(str(claim)).current
            if current is None:
                raise InputError(f"claim {self.iris.local_id(claim)} has no current verdict to withdraw")
            self.store.update(sparql.render("fact_check_withdraw.ru", review=URIRef(current.iri),
                                            when=when))
        return self.get(current.iri)

    def review_url(self, claim: str) -> str:
        """The page of a claim's verdict, the ClaimReview's ``url``."""
        return f"{claim}/review"


def _claim_params(claims) -> dict | None:
    """The query parameters for ``claims`` (IRIs; None: every claim); None for no claim."""
    if claims is None:
        return {}
    iris = [URIRef(str(c)) for c in claims]
    return {"claim": iris} if iris else None


def plain(term):
    """A literal as JSON wants it: a number stays a number, anything else its text."""
    if term is None:
        return None
    value = term.toPython() if isinstance(term, Literal) else str(term)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(term)
    return value


def _name(user) -> str:
    return user_name(user, "record a verdict")


def _check_role(user) -> None:
    check_role(user, ROLE, "recording a verdict")


__all__ = ["ClaimVerdicts", "FactChecks", "Level", "Verdict", "level", "plain", "scale",
           "split_evidence"]
