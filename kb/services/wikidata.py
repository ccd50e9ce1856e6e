"""Wikidata linking: candidates for an entity or a property on a Wikidata-compatible
SPARQL endpoint, the facts of the one a person picks, and the quads that store the link
(docs/wikidata.md).

A lookup is an explicit action, never part of a write, so the network never blocks one.
The endpoint (setting ``wikidata_endpoint``; "" turns lookups off) is asked through
SPARQLWrapper within ``wikidata_timeout``; whatever goes wrong on the way (nothing
listening, no answer in time, an HTTP error, an answer that is not SPARQL JSON) is a
StoreError naming the endpoint and what happened.

The Wikidata Query Service finds an exact language-tagged label at once and times out
on a FILTER over all labels, so ``candidates`` asks for the spellings a person means
(``spellings``) in the asked language, English and "mul", as label or alias, bound
through VALUES. The queries live in kb/queries/wikidata/, apart from the KB's own:
they read the endpoint's default graph, which is Wikidata there.
"""
from __future__ import annotations

import json
import math
import re
import time
import urllib.error
import urllib.parse
from dataclasses import dataclass, field
from http.client import HTTPException, RemoteDisconnected

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL
from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (EndPointInternalError, EndPointNotFound,
                                            QueryBadFormed, SPARQLWrapperException,
                                            Unauthorized, URITooLong)

from kb.config import WIKIDATA_ENDPOINT
from kb.errors import InputError, NotFound, StoreError
from kb.model.iris import META
from kb.model.vocab import PREFIXES, SCHEMA, WD
from kb.store.sparql import render

DEFAULT_ENDPOINT = WIKIDATA_ENDPOINT
TURNED_OFF = "Wikidata lookups are turned off (setting wikidata_endpoint is empty)"
WDT = Namespace(PREFIXES["wdt"])
WIKIBASE = Namespace("http://wikiba.se/ontology#")
PART_OF_CLAIMS = ("P361", "P131", "P17")
MAX_LIMIT = 50
MAX_TEXT = 250                      # characters of a lookup text
MAX_BODY = 20_000_000               # bytes of an answer
_NAMESPACES = {"item": str(WD) + "Q", "property": str(WD) + "P"}
_ID = re.compile(r"(?:wd:|wdt:|https?://www\.wikidata\.org/(?:entity/|wiki/(?:Property:)?|"
                 r"prop/direct/))?([QP][1-9][0-9]{0,11})", re.IGNORECASE)
_BARE_ID = re.compile(r"[QP][1-9][0-9]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*", re.IGNORECASE)
_SEPARATORS = re.compile(r"([\s\-\u2010-\u2014'\u2019]+)")
# Words a title keeps in lower case unless first ("United States of America",
# "Mazar-i-Sharif", "Bosnia and Herzegovina").
_SMALL_WORDS = frozenset("a al an and at bin d de del der des di du e el en et for i ibn "
                         "in la le les of on or the to und van von y".split())
_JSON_TYPES = ("application/sparql-results+json", "application/json")
_HTTP_ERRORS = {QueryBadFormed: "400 (it refused the query)", Unauthorized: "401",
                EndPointNotFound: "404 (is this its SPARQL endpoint's URL?)",
                URITooLong: "414", EndPointInternalError: "500 (an internal error)"}


@dataclass(frozen=True)
class Candidate:
    """One item or property a lookup found, with what a person needs to choose."""

    qid: str                 # "Q863" or "P2043"
    label: str | None        # in the asked language, else English, else "mul", else any
    description: str | None
    types: tuple[str, ...]   # labels of its P31 classes (their ids when unlabelled)
    matched: str             # the label or alias that matched


@dataclass(frozen=True)
class ItemFacts:
    """What linking stores of one Wikidata item or property (``link_quads``)."""

    qid: str
    label: str | None
    description: str | None
    aliases: tuple[str, ...]                 # in the asked language
    instance_of: tuple[str, ...]             # QIDs (P31)
    part_of: tuple[str, ...]                 # QIDs of P361
    located_in: tuple[str, ...]              # QIDs of P131
    country: tuple[str, ...]                 # QIDs of P17
    property_type: str | None                # properties: wikibase:propertyType local name
    units: tuple[str, ...] = ()              # properties: QIDs of P2237 (units used)
    label_language: str | None = None        # the language tags of label and description
    description_language: str | None = None


@dataclass
class _Read:
    """What item.rq said of one id, by field."""

    exists: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, set[str]] = field(default_factory=dict)
    claims: dict[str, set[str]] = field(default_factory=dict)
    type_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    any_label: tuple[str, str] | None = None
    property_type: str | None = None
    redirect: str | None = None


def parse_id(text: str) -> str:
    """The Wikidata id in ``text``: "Q863", "q863", "wd:Q863", an entity IRI or a
    wikidata.org page URL give "Q863". Raises InputError for anything else."""
    match = _ID.fullmatch(str(text).strip())
    if not match:
        raise InputError(f"not a Wikidata item or property id (Q123, P123): {str(text)[:80]!r}")
    return match.group(1).upper()


def spellings(text: str) -> list[str]:
    """The spellings of ``text`` a lookup asks for: as typed, lower case, capitalised,
    each word capitalised but small ones ("mazar-i-sharif" → "Mazar-i-Sharif"), and a
    short word in upper case ("nato" → "NATO")."""
    typed = " ".join(str(text).split())
    lower = typed.lower()
    titled = "".join(part if i % 2 or (i and part in _SMALL_WORDS) else part[:1].upper() + part[1:]
                     for i, part in enumerate(_SEPARATORS.split(lower)))
    found = [typed, lower, lower[:1].upper() + lower[1:], titled]
    if len(typed) <= 6 and " " not in typed:
        found.append(typed.upper())
    return list(dict.fromkeys(s for s in found if s))


class WikidataLookup:
    """Lookups on a Wikidata-compatible SPARQL endpoint ("": turned off, each lookup
    raises InputError), each request within ``timeout`` seconds. Raises InputError for
    an endpoint that is not an http(s) URL, a timeout that is not a positive number."""

    def __init__(self, endpoint: str, *, timeout: float = 10.0,
                 user_agent: str = "claimkb (https://w3id.org/claimkb)"):
        self.endpoint = (endpoint or "").strip()
        if self.endpoint:
            parts = urllib.parse.urlsplit(self.endpoint)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise InputError(f"wikidata_endpoint is not an http(s) URL: {_public(self.endpoint)!r}")
        if not isinstance(timeout, (int, float)) or timeout <= 0:
            raise InputError(f"wikidata_timeout must be a positive number of seconds, not {timeout!r}")
        self.timeout = float(timeout)
        self.user_agent = user_agent

    def candidates(self, text: str, *, language: str = "en", kind: str = "item",
                   limit: int = 10) -> list[Candidate]:
        """Items (``kind`` "item") or properties ("property") whose label or alias in
        ``language`` (or English, or "mul") is one of ``spellings(text)``: at most
        ``limit``, labels before aliases, then by id. Empty when nothing matches.

        Raises InputError (empty or too long text, bad language, kind or limit; lookups
        turned off), StoreError (the endpoint failed: unreachable, too slow, an HTTP
        error, an answer that is not SPARQL results).
        """
        typed = " ".join(str(text or "").split())
        if not typed:
            raise InputError("nothing to look up: the text is empty")
        if len(typed) > MAX_TEXT:
            raise InputError(f"a lookup text is at most {MAX_TEXT} characters ({len(typed)} given)")
        if kind not in _NAMESPACES:
            raise InputError(f"kind must be 'item' or 'property', not {kind!r}")
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InputError(f"limit must be between 1 and {MAX_LIMIT}, not {limit!r}")
        languages = _languages(language)
        names = [Literal(s, lang=lang) for lang in languages for s in spellings(typed)]
        rows = self._select(render("wikidata/search.rq", limit=limit * len(names) * 2,
                                   spelling=names, namespace=Literal(_NAMESPACES[kind])))
        ranked = sorted((_value(r, "rank") != "0", _order(q), q, _value(r, "spelling") or "")
                        for r in rows if (q := _qid(_value(r, "item"))))   # labels first
        found: dict[str, str] = {}
        for *_, qid, matched in ranked:
            found.setdefault(qid, matched)
        chosen = dict(list(found.items())[:limit])
        read = self._read(list(chosen), languages) if chosen else {}
        return [Candidate(qid, _label(item := read.get(qid, _Read()), languages)[0],
                          _pick(item.descriptions, languages)[0], _type_labels(item, languages),
                          matched) for qid, matched in chosen.items()]

    def facts(self, qid: str, *, language: str = "en") -> ItemFacts:
        """What Wikidata says of ``qid`` (an item or a property; a merged item's
        redirect followed): label and description in ``language`` (else English, "mul",
        any), aliases in ``language``, P31, P361, P131, P17, a property's type and units.

        Raises InputError (not an id like Q123 or P123, bad language, lookups turned
        off), NotFound (no triple on the endpoint has it as subject), StoreError (the
        endpoint failed).
        """
        qid = parse_id(qid)
        languages = _languages(language)
        item = self._read([qid], languages).get(qid)
        if item is not None and item.redirect and not item.labels and not item.any_label:
            target = _qid(item.redirect)
            if target:
                qid, item = target, self._read([target], languages).get(target)
        if item is None or not item.exists:
            raise NotFound(f"Wikidata has no {qid} (nothing of it on {_public(self.endpoint)})")
        label, description = _label(item, languages), _pick(item.descriptions, languages)
        claims = {p: tuple(sorted(item.claims.get(p, ()), key=_order)) for p in
                  ("P31", "P2237", *PART_OF_CLAIMS)}
        return ItemFacts(
            qid=qid, label=label[0], description=description[0],
            aliases=tuple(sorted(item.aliases.get(languages[0], ()), key=str.casefold)),
            instance_of=claims["P31"], part_of=claims["P361"], located_in=claims["P131"],
            country=claims["P17"], property_type=item.property_type, units=claims["P2237"],
            label_language=label[1], description_language=description[1])

    def _read(self, qids: list[str], languages: tuple[str, ...]) -> dict[str, _Read]:
        """What item.rq says of ``qids``, per id. Raises InputError, StoreError."""
        rows = self._select(render("wikidata/item.rq", item=[WD[q] for q in qids],
                                   lang=[Literal(lang) for lang in languages]))
        read: dict[str, _Read] = {}
        for row in rows:
            qid = _qid(_value(row, "item"))
            name, cell = _value(row, "field"), row.get("value") or {}
            if not qid or not name:
                continue
            item = read.setdefault(qid, _Read())
            value, lang = cell.get("value"), str(cell.get("xml:lang") or "").lower()
            if name == "exists":
                item.exists = True
            elif value is None:
                continue
            elif name == "label":
                item.labels.setdefault(lang, value)
            elif name == "description":
                item.descriptions.setdefault(lang, value)
            elif name == "alias":
                item.aliases.setdefault(lang, set()).add(value)
            elif name == "anyLabel":
                item.any_label = min(item.any_label or (value, lang), (value, lang))
            elif name == "typeLabel" and (of := _qid(_value(row, "of"))):
                item.type_labels.setdefault(of, {}).setdefault(lang, value)
            elif name == "propertyType":
                item.property_type = value.rsplit("#", 1)[-1]
            elif name == "redirect":
                item.redirect = value
            elif target := _qid(value):
                item.claims.setdefault(name, set()).add(target)
        return read

    def _select(self, query: str) -> list[dict]:
        """The bindings of a SELECT on the endpoint, within the timeout (give or take
        one read of the socket). Raises InputError (lookups turned off), StoreError."""
        if not self.endpoint:
            raise InputError(TURNED_OFF)
        wrapper = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)          # no format= parameter; the Accept header asks
        wrapper.setReturnFormat(JSON)
        wrapper.setTimeout(max(1, math.ceil(self.timeout)))   # SPARQLWrapper takes whole seconds
        wrapper.setQuery(query)
        deadline = time.monotonic() + self.timeout
        try:
            with wrapper.query().response as response:
                content_type = response.headers.get_content_type()
                body = _read_body(response, deadline)
        except (SPARQLWrapperException, HTTPException, OSError, ValueError) as exc:
            # OSError: urllib's URLError and HTTPError, refused, reset, timed out
            raise self._failure(exc) from None
        if body is None:
            raise self._says(f"answered more than {MAX_BODY} bytes")
        if content_type not in _JSON_TYPES:
            raise self._says(f"answered something that is not SPARQL results ({content_type})")
        try:
            bindings = json.loads(body.decode("utf-8"))["results"]["bindings"]
            if not all(isinstance(cell, dict) and isinstance(cell.get("value", ""), str)
                       for row in bindings for cell in row.values()):
                raise TypeError("a cell that is not an RDF term")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise self._says(f"answered something that is not SPARQL results ({content_type}: "
                             f"{type(exc).__name__})") from None
        return bindings

    def _says(self, what: str) -> StoreError:
        return StoreError(f"the Wikidata endpoint {_public(self.endpoint)} {what}")

    def _failure(self, exc: Exception) -> StoreError:
        """The StoreError saying what ``exc``, raised by a request, means."""
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(exc, urllib.error.HTTPError):
            exc.close()
            return self._says(f"answered HTTP {exc.code} {exc.reason}")
        if isinstance(exc, SPARQLWrapperException):
            return self._says("answered HTTP " + next(
                (m for kind, m in _HTTP_ERRORS.items() if isinstance(exc, kind)), "an error"))
        if isinstance(reason, TimeoutError):
            return self._says(f"did not answer within {self.timeout:g} s")
        if isinstance(reason, RemoteDisconnected):
            return self._says("closed the connection without answering")
        if isinstance(reason, HTTPException):
            return self._says(f"answered something that is not HTTP ({type(reason).__name__})")
        text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
        return StoreError(f"cannot reach the Wikidata endpoint {_public(self.endpoint)}: {text}")


def link_quads(resource: URIRef, facts: ItemFacts, *, graph: URIRef = META) -> list[tuple]:
    """The quads linking ``resource`` (a KB entity or property) to the item or property
    of ``facts``, in ``graph``: ``owl:sameAs wd:Q…`` (a property: ``owl:equivalentProperty
    wdt:P…``, its ``wikibase:propertyType`` and ``wdt:P2237`` units), ``dct:isPartOf
    wd:Q…`` for each P131, P17 and P361 but itself (the comparison's "lies within"),
    ``wdt:P31`` per class, and language-tagged ``schema:description`` and the label as
    ``schema:alternateName`` (the KB's own rdfs:label stays its one label). Raises nothing.
    """
    if facts.qid.startswith("P"):
        quads = [(resource, OWL.equivalentProperty, WDT[facts.qid], graph)]
        if facts.property_type:
            quads.append((resource, WIKIBASE.propertyType, WIKIBASE[facts.property_type], graph))
        quads += [(resource, WDT.P2237, WD[unit], graph) for unit in facts.units]
    else:
        quads = [(resource, OWL.sameAs, WD[facts.qid], graph)]
    for whole in dict.fromkeys((*facts.located_in, *facts.country, *facts.part_of)):
        if whole != facts.qid:              # a country is its own P17
            quads.append((resource, DCTERMS.isPartOf, WD[whole], graph))
    quads += [(resource, WDT.P31, WD[kind], graph) for kind in facts.instance_of]
    if facts.label:
        quads.append((resource, SCHEMA.alternateName,
                      Literal(facts.label, lang=facts.label_language or None), graph))
    if facts.description:
        quads.append((resource, SCHEMA.description,
                      Literal(facts.description, lang=facts.description_language or None), graph))
    return quads


# ---------------------------------------------------------------- helpers

def _languages(language: str) -> tuple[str, ...]:
    """The asked language, then English and "mul". Raises InputError."""
    code = str(language or "").strip().lower()
    if not _LANGUAGE.fullmatch(code):
        raise InputError(f"not a language code (en, de, ru, zh-hans, ...): {str(language)[:40]!r}")
    return tuple(dict.fromkeys((code, "en", "mul")))


def _label(item: _Read, languages: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(label, language): in ``languages`` order, else the one in any language."""
    found = _pick(item.labels, languages)
    return found if found[0] is not None else item.any_label or (None, None)


def _pick(by_language: dict[str, str], languages: tuple[str, ...]) -> tuple[str | None, str | None]:
    for lang in languages:
        if lang in by_language:
            return by_language[lang], lang
    return None, None


def _type_labels(item: _Read, languages: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_pick(item.type_labels.get(of, {}), languages)[0] or of
                 for of in sorted(item.claims.get("P31", ()), key=_order))


def _value(row: dict, name: str) -> str | None:
    cell = row.get(name)
    return cell.get("value") if isinstance(cell, dict) else None


def _qid(iri: str | None) -> str | None:
    """"Q863" for wd:Q863 (and wdt:P… gives "P…"); None for any other IRI."""
    for namespace in (str(WD), str(WDT)):
        if iri and iri.startswith(namespace) and _BARE_ID.fullmatch(iri[len(namespace):]):
            return iri[len(namespace):]
    return None


def _order(qid: str) -> tuple[str, int]:
    return qid[0], int(qid[1:])


def _read_body(response, deadline: float) -> bytes | None:
    """The whole body, read as it comes; None when it is longer than MAX_BODY bytes.
    Raises TimeoutError past ``deadline`` (checked after each read)."""
    chunks, size = [], 0
    while chunk := response.read1(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY:
            return None
        if time.monotonic() > deadline:
            raise TimeoutError("the answer did not arrive in time")
    return b"".join(chunks)


def _public(url: str) -> str:
    """``url`` without user:password@ (never shown in a message)."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
