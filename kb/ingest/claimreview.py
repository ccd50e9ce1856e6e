"""Import of schema.org ClaimReview JSON-LD, the markup fact-checkers publish.

A file holds one JSON-LD object, a list of objects, or an ``@graph``; the
ClaimReviews may be nested anywhere in it (for example as a WebPage's mainEntity).
It is parsed with rdflib's JSON-LD parser after normalisation, never from the
network:

* **Contexts.** Every ``@context`` in the document (top level, nested nodes, scoped
  term definitions, ``@import``), whether a string, a list or an object, is
  rewritten first. A schema.org context (``http://schema.org``, ``https://schema.org/``,
  ``…/docs/jsonldcontext.jsonld``; any case, with or without trailing slash) becomes
  the local context ``LOCAL_CONTEXT``: ``@vocab`` schema.org plus the aliases
  ``type`` → ``@type`` and ``id`` → ``@id`` that the published schema.org context
  defines too (so Snopes' ``"type": "Organization"`` is a type, as schema.org
  means it). Any other context given by reference (a URL or a file name) is refused
  with InputError: it is never fetched. A document without a context gets the
  local one, a list of objects is wrapped in an ``@graph`` under it.
* **IRIs.** ``https://schema.org/…`` (and ``www.``) IRIs are read as
  ``http://schema.org/…``, and type names are matched without regard to case
  (``"rating"``, ``"claimreview"``).
* **Dates** may have a space instead of ``T`` and a time and zone, which are
  dropped (the date as the publisher wrote it is kept). Placeholder dates (year
  0001, as in ``"0001-01-01 00:00:00Z"``) and unparseable dates are dropped with a
  note, never an error.

Mapping. Each ``schema:ClaimReview`` node gives:

1. **An article** (``ArticleData``, kind ``"factcheck"`` → typed schema:ClaimReview,
   metadata only, no text): ``url`` = the review's ``url`` (else its
   ``mainEntityOfPage``, else its own http(s) ``@id`` without fragment); ``title`` =
   ``headline``, else ``name``; ``publisher`` = the fact-checking organisation: the
   name of the review's ``author`` when it is not a schema:Person (Google's
   ClaimReview guidelines put the fact-checker there), else of its ``publisher``;
   ``authors`` = names of ``author`` Persons; ``published`` = ``datePublished``;
   ``language`` = ``inLanguage`` when it is a language tag (``"en-Poly"`` → ``"en"``,
   with a note). Reviews of the same URL share one article.
2. **A claim** (``ClaimRecord``, text only: no subject/property/value):
   ``statement`` = ``claimReviewed`` (whitespace collapsed), else the
   ``itemReviewed``'s ``text``, else its ``name``; ``iri`` =
   ``claims/cr-<short_hash(review url, statement)>``, so re-importing the same
   review rewrites the same claim; ``source`` = the article; ``modality`` =
   ckb:ReportedSpeech with ``speaker`` = the name of the ``itemReviewed``'s
   ``author`` (the claimant, Person or Organization, kept as the feed gives it,
   e.g. Snopes' "Multiple Sources"), else ckb:Factual; ``about`` = the
   ``itemReviewed``'s ``datePublished`` (else ``dateCreated``): when the claim was
   made; ``published`` = the review's ``datePublished``.
3. **The review and its verdict**, as ``ClaimRecord.extra`` quads in the metadata
   graph, owned by the claim (removed with it on re-import or delete)::

       <claim>#review a schema:ClaimReview ;
           schema:itemReviewed <claim> ;
           schema:url "<review url>"^^xsd:anyURI ;
           schema:author <publishers/<fact-checker>> ;   # else the author Persons
           schema:datePublished "2019-11-18"^^xsd:date ;
           schema:reviewRating <claim>#rating .
       <claim>#rating a schema:Rating ;
           schema:ratingValue 1 ; schema:bestRating 5 ; schema:worstRating 1 ;
           schema:alternateName "False" .

   Rating values are kept as given: JSON numbers as numbers, strings as strings,
   Snopes' -1 ("no numeric rating") included. The review's ``reviewBody`` (as
   written), its ``citation`` URLs (schema:citation) and the ``itemReviewed``'s
   ``appearance``/``firstAppearance`` URLs (ckb:itemAppearance) are kept too, and a
   claimant the feed types as an Organization is typed so, so that claimkb's
   ClaimReview export (kb/services/claimreviews.py) gives the same markup back.

Strictness: malformed JSON is an InputError naming the file, line and column; a file
without any ClaimReview, a remote context, a ClaimReview without claim text or
without a URL are InputErrors naming the file and the review. What is only missing
or unusable (a placeholder date, no rating, no claimant) is a note: notes go to the
``notes`` list given to ``parse`` and to the ``kb.claimreview`` logger.

Why one module (~400 lines): the mapping above is one table read top to bottom; its
helpers (names, URLs, dates, languages of a schema.org graph) serve only it.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urldefrag

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from kb.model.article import ArticleData
from kb.model.dates import PDate, TimeAbout, parse_date
from kb.errors import InputError
from kb.model.iris import META, Minter, short_hash
from kb.model.claim import ClaimRecord, Named, date_literal, named_quads
from kb.model.urls import check_url
from kb.model.vocab import CKB, SCHEMA
from kb.ingest.schema_jsonld import load_graph


log = logging.getLogger(__name__)

_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{2}|\d{3}))?$")
_PRIMARY_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:-|_|$)")
_RATING_FIELDS = ("ratingValue", "bestRating", "worstRating", "alternateName")


def parse(iris: Minter, path: Path,
          notes: list[str] | None = None) -> tuple[list[ArticleData], list[ClaimRecord]]:
    """Read a ClaimReview JSON-LD file into article data and claim records (nothing is
    written). Notes about dropped values are appended to ``notes`` (and logged).

    Raises InputError naming the file (and line, or review URL) for any problem.
    """
    where = str(path)
    notes = notes if notes is not None else []
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=where) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", where=where) from None
    graph = load_graph(raw, where, base=path.resolve().as_uri())
    reviews = find_reviews(graph)
    if not reviews:
        raise InputError("no schema:ClaimReview found in the file", where=where)

    def note(text: str) -> None:
        notes.append(f"{where}: {text}")
        log.info("%s: %s", where, text)

    articles: dict[str, ArticleData] = {}
    records: dict[URIRef, ClaimRecord] = {}
    parsed = [_review(iris, graph, review, where, note) for review in reviews]
    parsed.sort(key=lambda pair: (pair[0].url, pair[1].statement))   # graph order is arbitrary
    for article, record in parsed:
        if article.url in articles:
            articles[article.url] = _merge_articles(articles[article.url], article, note)
        else:
            articles[article.url] = article
        if record.iri in records:
            if _signature(records[record.iri]) != _signature(record):
                raise InputError("two ClaimReviews of the same claim at the same URL disagree "
                                 f"(claim {record.statement[:60]!r})", where=f"{where} ({article.url})")
            note(f"the ClaimReview of {article.url} appears twice; imported once")
            continue
        records[record.iri] = record
    return list(articles.values()), list(records.values())


# ---------------------------------------------------------------- graph → records

def _is_type(graph: Graph, node, *names: str) -> bool:
    wanted = {n.lower() for n in names}
    for t in graph.objects(node, RDF.type):
        text = str(t)
        if text.startswith(str(SCHEMA)) and text[len(str(SCHEMA)):].lower() in wanted:
            return True
    return False


def find_reviews(graph: Graph) -> list:
    """The schema:ClaimReview nodes of ``graph`` (type matched without regard to case)."""
    return [s for s in set(graph.subjects(RDF.type, None)) if _is_type(graph, s, "ClaimReview")]


def _objects(graph: Graph, node, prop: str) -> list:
    return sorted(graph.objects(node, SCHEMA[prop]), key=lambda o: (isinstance(o, Literal), str(o)))


def _texts(graph: Graph, node, prop: str) -> list[str]:
    out = []
    for o in _objects(graph, node, prop):
        if isinstance(o, Literal):
            text = " ".join(str(o).split())
            if text and text not in out:
                out.append(text)
    return out


def _name(graph: Graph, node) -> str | None:
    """The name of a Person/Organization node, or a plain string given instead."""
    if isinstance(node, Literal):
        return " ".join(str(node).split()) or None
    for prop in ("name", "legalName", "alternateName"):
        texts = _texts(graph, node, prop)
        if texts:
            return texts[0]
    return None


def _http_urls(graph: Graph, node, prop: str) -> Iterator[str]:
    """The first http(s) URL of each value of ``prop``: the value itself (an IRI or a
    string), else the url of the node it names."""
    for o in _objects(graph, node, prop):
        candidates = [o] if not isinstance(o, BNode) else []
        if isinstance(o, (URIRef, BNode)):
            candidates += _objects(graph, o, "url")
        for c in candidates:
            text = str(c).strip()
            if re.match(r"^https?://", text, re.IGNORECASE):
                yield text
                break


def _url(graph: Graph, node, prop: str) -> str | None:
    return next(_http_urls(graph, node, prop), None)


def _urls(graph: Graph, node, prop: str, what: str, note) -> list[str]:
    """Every usable http(s) URL ``prop`` gives, once each; one that is not usable is a note."""
    out: list[str] = []
    for text in _http_urls(graph, node, prop):
        try:
            check_url(text, f"the {prop} URL")
        except InputError:
            note(f"{what}: {prop} {text[:80]!r} is not a usable URL; dropped")
            continue
        if text not in out:
            out.append(text)
    return out


def _review_url(graph: Graph, review) -> tuple[str | None, str | None]:
    url = _url(graph, review, "url")
    if url:
        return url, None
    url = _url(graph, review, "mainEntityOfPage")
    if url:
        return url, "mainEntityOfPage"
    if isinstance(review, URIRef) and re.match(r"^https?://", review, re.IGNORECASE):
        return urldefrag(str(review))[0], "@id"
    return None, None


def _date(graph: Graph, node, props: Iterable[str], what: str, note) -> PDate | None:
    for prop in props:
        for value in _objects(graph, node, prop):
            if not isinstance(value, Literal):
                continue
            try:
                date = parse_date(str(value))
            except InputError:
                note(f"{what}: unparseable {prop} {str(value)!r} dropped")
                continue
            if date.year <= 1:
                note(f"{what}: placeholder {prop} {str(value)!r} dropped")
                continue
            return date
    return None


def _language(graph: Graph, review, what: str, note) -> str | None:
    for value in _objects(graph, review, "inLanguage"):
        text = str(value).strip() if isinstance(value, Literal) else \
            next(iter(_texts(graph, value, "alternateName") + _texts(graph, value, "name")), "")
        m = _LANGUAGE.match(text)
        if m:
            return m.group(1).lower() + (f"-{m.group(2).upper()}" if m.group(2) else "")
        m = _PRIMARY_LANGUAGE.match(text)
        if m:
            note(f"{what}: inLanguage {text!r} is not a language tag; kept {m.group(1).lower()!r}")
            return m.group(1).lower()
        if text:
            note(f"{what}: inLanguage {text!r} is not a language tag; dropped")
    return None


def _rating_literal(value: Literal) -> Literal:
    """A rating value as given; an ill-typed one (e.g. "abc"^^xsd:integer) as its text."""
    if value.datatype is not None and getattr(value, "ill_typed", False):
        return Literal(str(value))
    return value


def _review(iris: Minter, graph: Graph, review, where: str,
            note) -> tuple[ArticleData, ClaimRecord]:
    url, fallback = _review_url(graph, review)
    items = _objects(graph, review, "itemReviewed")
    statements = _texts(graph, review, "claimReviewed")
    if not statements:
        for item in items:
            statements = _texts(graph, item, "text") or _texts(graph, item, "name")
            if statements:
                break
    title = next(iter(_texts(graph, review, "headline") + _texts(graph, review, "name")), None)
    label = url or title or (statements[0][:60] if statements else "a ClaimReview")
    what = f"ClaimReview {label}"
    if url is None:
        raise InputError("a ClaimReview needs a url (or mainEntityOfPage, or an http(s) @id) "
                         "to identify the fact-check" + (f": {label!r}" if label else ""),
                         where=where)
    check_url(url, "the ClaimReview URL", where=f"{where} ({what})")
    if fallback:
        note(f"{what}: no url; used its {fallback}")
    if not statements:
        raise InputError(f"the ClaimReview {url} has no claim text (claimReviewed, or "
                         "itemReviewed text or name)", where=where)
    if len(statements) > 1:
        note(f"{what}: {len(statements)} claimReviewed values; kept {statements[0][:60]!r}")
    statement = statements[0]

    # the fact-checker: a non-Person author, else the publisher; Person authors are writers
    authors = _objects(graph, review, "author")
    persons = [n for n in (_name(graph, a) for a in authors if _is_type(graph, a, "Person")) if n]
    orgs = [n for n in (_name(graph, a) for a in authors if not _is_type(graph, a, "Person")) if n]
    orgs += [n for n in (_name(graph, p) for p in _objects(graph, review, "publisher")) if n]
    publisher = orgs[0] if orgs else None
    if publisher is None:
        note(f"{what}: no fact-checker name (author or publisher organisation)")
    published = _date(graph, review, ("datePublished",), what, note)
    article = ArticleData(
        title=title, url=url, publisher=publisher, authors=sorted(set(persons)),
        published=published, language=_language(graph, review, what, note), kind="factcheck")
    source = iris.article_for(url)

    claimants: list[str] = []
    organisations: set[str] = set()
    about = None
    for item in items:
        for prop in ("author", "creator"):
            for agent in _objects(graph, item, prop):
                n = _name(graph, agent)
                if n:
                    claimants.append(n)
                    if _is_type(graph, agent, "Organization", "NewsMediaOrganization",
                                "GovernmentOrganization", "Corporation", "NGO"):
                        organisations.add(n)
        if about is None:
            made = _date(graph, item, ("datePublished", "dateCreated"), f"{what} itemReviewed", note)
            about = TimeAbout(made) if made else None
    claimants = list(dict.fromkeys(claimants))
    speaker = Named(iris.person(claimants[0]), claimants[0],
                    types=(SCHEMA.Organization,) if claimants[0] in organisations else ()) \
        if claimants else None
    if len(claimants) > 1:
        note(f"{what}: {len(claimants)} claimants; kept {claimants[0]!r} as the speaker")
    if speaker is None:
        note(f"{what}: no claimant (itemReviewed author); the claim is recorded as factual")

    iri = iris.claim(f"cr-{short_hash(url, statement)}")
    extra = _review_quads(iris, graph, review, iri, url, publisher, persons, published, what, note)
    record = ClaimRecord(
        iri=iri, modality=CKB.ReportedSpeech if speaker else CKB.Factual, source=source,
        statement=statement, speaker=speaker, about=about, published=published, extra=extra)
    return article, record


def _review_quads(iris: Minter, graph: Graph, review, claim: URIRef, url: str,
                  publisher: str | None, persons: list[str], published: PDate | None,
                  what: str, note) -> list[tuple]:
    node, rating = URIRef(f"{claim}#review"), URIRef(f"{claim}#rating")
    q: list[tuple] = [
        (node, RDF.type, SCHEMA.ClaimReview, META),
        (node, SCHEMA.itemReviewed, claim, META),
        (node, SCHEMA.url, Literal(url, datatype=XSD.anyURI), META),
    ]
    if publisher:
        org = Named(iris.publisher(publisher), publisher)
        q.append((node, SCHEMA.author, org.iri, META))
        q += named_quads(org, SCHEMA.Organization)
    else:
        for name in persons:
            person = Named(iris.person(name), name)
            q.append((node, SCHEMA.author, person.iri, META))
            q += named_quads(person, SCHEMA.Person)
    if published:
        q.append((node, SCHEMA.datePublished, date_literal(published), META))
    bodies = [str(o).strip() for o in _objects(graph, review, "reviewBody")
              if isinstance(o, Literal) and str(o).strip()]
    if bodies:   # kept as written (line breaks too): exported back unchanged
        q.append((node, SCHEMA.reviewBody, Literal(bodies[0]), META))
    for cited in _urls(graph, review, "citation", what, note):
        q.append((node, SCHEMA.citation, URIRef(cited), META))
    for item in _objects(graph, review, "itemReviewed"):
        for prop in ("appearance", "firstAppearance"):
            for seen in _urls(graph, item, prop, what, note):
                q.append((node, CKB.itemAppearance, Literal(seen, datatype=XSD.anyURI), META))
    ratings = _objects(graph, review, "reviewRating")
    if not ratings:
        note(f"{what}: no reviewRating")
        return q
    if len(ratings) > 1:
        note(f"{what}: {len(ratings)} reviewRatings; kept the first")
    given = ratings[0]
    q += [(node, SCHEMA.reviewRating, rating, META), (rating, RDF.type, SCHEMA.Rating, META)]
    if isinstance(given, Literal):   # a bare "False" instead of a Rating object
        q.append((rating, SCHEMA.alternateName, given, META))
        return q
    for prop in _RATING_FIELDS:
        values = [v for v in _objects(graph, given, prop) if isinstance(v, Literal)]
        if values:
            q.append((rating, SCHEMA[prop], _rating_literal(values[0]), META))
    return q


def _merge_articles(first: ArticleData, other: ArticleData, note) -> ArticleData:
    for key in ("title", "publisher", "published", "language"):
        a, b = getattr(first, key), getattr(other, key)
        if a is not None and b is not None and a != b:
            note(f"ClaimReviews of {first.url} disagree on {key} ({a} / {b}); kept {a}")
    merged = other.with_overrides(**{k: getattr(first, k) for k in
                                     ("title", "publisher", "published", "language")})
    merged.authors = sorted(set(first.authors) | set(other.authors))
    return merged


def _signature(rec: ClaimRecord) -> tuple:
    return (rec.statement, rec.modality, rec.speaker, rec.about, rec.published, frozenset(rec.extra))


__all__ = ["parse", "find_reviews"]
