"""JSON-LD for W3C Web Annotations, offline: the anno.jsonld context from a local file,
parsing a posted document into an rdflib graph, and compacting a graph back into the
spec-shaped JSON the Web Annotation Protocol serves.

The context ``http://www.w3.org/ns/anno.jsonld`` is never fetched. ``make assets``
extracts it from the npm package ``@dokieli/web-annotation`` (which embeds the W3C
document, plus the ``assessing`` term the W3C file lacks) into
``kb/model/contexts/anno.jsonld``; ``parse`` swaps every reference to it for that file's
content before rdflib sees the document, and refuses every other remote context (a
string ``@context``, or an ``@import``), so rdflib's JSON-LD parser has nothing to
fetch. Documents are also checked for size and nesting before they are parsed.

Why one module (~430 lines): parsing a posted document (limits, contexts, relative
IRIs) and compacting a graph back into the Protocol's JSON are the two directions of
one mapping, and each is checked against the other (a document read and served again
must be the same annotation).
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.plugins.parsers.jsonld import to_rdf

from kb.errors import InputError, StoreError

CONTEXT_URL = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_ALIASES = {CONTEXT_URL, "https://www.w3.org/ns/anno.jsonld"}
LDP_CONTEXT_URL = "http://www.w3.org/ns/ldp.jsonld"
PROFILE = f'application/ld+json; profile="{CONTEXT_URL}"'
# package data of kb (made by `make assets` from the npm package; gitignored)
CONTEXT_PATH = Path(__file__).resolve().parent / "contexts" / "anno.jsonld"

# Relative IRIs in a document resolve against this base, so that they can be found and
# refused (JSON-LD without a base would drop them silently).
RELATIVE_BASE = "urn:x-claimkb-relative:/"

MAX_DOC_BYTES = 512 * 1024   # one annotation; the app refuses requests over 10 MB before this
MAX_DEPTH = 32               # nested objects and arrays
MAX_NODES = 20_000           # JSON values in the document

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_BAD_IRI = re.compile(r'[<>"{}|^`\\\x00-\x20]')
INTEGER_TYPES = {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.int, XSD.long}

# Classes of the OA vocabulary that anno.jsonld has no term for (a known gap of the W3C
# context: Data Model examples 42-44 use them). Without a term, JSON-LD drops a bare
# "type": "List" silently, so these three are added to the local context, and a
# document that uses them is served with them as an inline context after anno.jsonld.
EXTRA_TERMS = {"Composite": "http://www.w3.org/ns/oa#Composite",
               "List": "http://www.w3.org/ns/oa#List",
               "Independents": "http://www.w3.org/ns/oa#Independents"}


@lru_cache(maxsize=1)
def context_document() -> dict:
    """The anno.jsonld document ({"@context": {...}}). Raises StoreError when the file
    ``make assets`` writes is missing or broken."""
    try:
        doc = json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"the Web Annotation JSON-LD context {CONTEXT_PATH} is missing or "
                         f"unreadable ({exc}); run `make assets`") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("@context"), dict):
        raise StoreError(f"{CONTEXT_PATH} is not a JSON-LD context document; run `make assets`")
    return doc


def context() -> dict:
    """The term definitions of anno.jsonld (and EXTRA_TERMS) as rdflib gets them."""
    return {**context_document()["@context"], **EXTRA_TERMS}


# ---------------------------------------------------------------------- parsing

def load_json(data: dict | str | bytes) -> dict:
    """The posted document as a JSON object, after the size and nesting checks.
    Raises InputError for malformed JSON, a non-object, or an oversized document."""
    if isinstance(data, (bytes, bytearray)):
        if len(data) > MAX_DOC_BYTES:
            raise InputError(f"the annotation is {len(data):,} bytes; the limit is {MAX_DOC_BYTES:,}")
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("the annotation is not UTF-8 text") from None
    if isinstance(data, str):
        if len(data.encode("utf-8")) > MAX_DOC_BYTES:
            raise InputError(f"the annotation is over {MAX_DOC_BYTES:,} bytes")
        _check_brackets(data)
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise InputError(f"malformed JSON: {exc}") from None
        except RecursionError:  # pragma: no cover - _check_brackets catches it first
            raise InputError(f"the JSON nests deeper than {MAX_DEPTH} levels") from None
    if not isinstance(data, dict):
        raise InputError("an annotation must be a JSON object")
    _check_shape(data)
    return data


def _check_brackets(text: str) -> None:
    """Refuse deeply nested JSON text before json.loads recurses into it."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(f"the JSON nests deeper than {MAX_DEPTH} levels")
        elif char in "]}":
            depth -= 1


def _check_shape(doc: Any) -> None:
    nodes = 0
    stack = [(doc, 1)]
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise InputError(f"the annotation has more than {MAX_NODES:,} JSON values")
        if depth > MAX_DEPTH:
            raise InputError(f"the JSON nests deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def localise_contexts(doc: dict) -> dict:
    """A copy of ``doc`` whose anno.jsonld references are the local context. The top
    level must name anno.jsonld (Web Annotation Data Model §3.1). Raises InputError for
    any other remote context, which is never fetched."""
    top = doc.get("@context")
    names = top if isinstance(top, list) else [top]
    if top is None:
        raise InputError(f'the annotation has no "@context"; it must include "{CONTEXT_URL}"')
    if not any(isinstance(n, str) and n in CONTEXT_ALIASES for n in names):
        raise InputError(f'"@context" must include "{CONTEXT_URL}"')

    def fix_context(value):
        if isinstance(value, list):
            return [fix_context(v) for v in value]
        if value is None:
            return None
        if isinstance(value, str):
            if value in CONTEXT_ALIASES:
                return context()
            raise InputError(f"remote JSON-LD context {value[:200]!r} refused: only "
                             f"{CONTEXT_URL} (served locally) and inline contexts are accepted")
        if isinstance(value, dict):
            if "@import" in value:
                raise InputError("@import in a JSON-LD context is refused (it would be fetched)")
            return {k: walk(v) for k, v in value.items()}
        raise InputError(f'"@context" must be an IRI, an object or an array, not {value!r:.80}')

    terms = context()

    def check_types(node: dict):
        if "@value" in node:
            return
        for key in ("type", "@type"):
            values = node.get(key)
            for v in values if isinstance(values, list) else [values]:
                if v is None:
                    continue
                if not isinstance(v, str):
                    raise InputError(f'"type" must be a string or strings, not {v!r:.80}')
                if v not in terms and ":" not in v:
                    raise InputError(f"unknown type {v[:80]!r}: not a term of {CONTEXT_URL} "
                                     "nor an absolute IRI")

    def walk(value):
        if isinstance(value, dict):
            check_types(value)
            return {k: (fix_context(v) if k == "@context" else walk(v)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(doc)


def to_graph(doc: dict) -> Graph:
    """The triples of ``doc`` (its contexts already local; relative IRIs resolved
    against RELATIVE_BASE). Raises InputError when rdflib cannot read it as JSON-LD."""
    graph = Graph()
    try:
        to_rdf(doc, graph, base=RELATIVE_BASE)
    except InputError:
        raise
    except Exception as exc:  # rdflib raises many types for bad JSON-LD
        raise InputError(f"not valid JSON-LD: {type(exc).__name__}: {str(exc)[:200]}") from None
    return graph


def valid_iri(term) -> bool:
    text = str(term)
    return bool(_SCHEME.match(text)) and not _BAD_IRI.search(text)


# ---------------------------------------------------------------------- compacting

class Compactor:
    """Turns an annotation graph into compacted, embedded JSON against anno.jsonld (a
    small JSON-LD compaction + framing for the shapes annotations take): terms for
    properties, classes and vocabulary values; blank nodes and described IRIs embedded
    where first referenced; RDF lists as JSON arrays."""

    def __init__(self, ctx: dict):
        self.prefixes = {k: v for k, v in ctx.items()
                         if isinstance(v, str) and v.endswith(("#", "/")) and ":" not in k}
        self.props: dict[str, list[tuple[str, str | None, str | None]]] = {}
        self.names: dict[str, str] = {}   # IRI → term (classes, motivations, …)
        for term, definition in ctx.items():
            if term.startswith("@") or term in self.prefixes:
                continue
            if isinstance(definition, str):
                iri = self.expand(definition)
                self.names.setdefault(iri, term)
                self.props.setdefault(iri, []).append((term, None, None))
            elif isinstance(definition, dict) and "@id" in definition:
                iri = self.expand(definition["@id"])
                if iri.startswith("@"):
                    continue
                kind = definition.get("@type")
                kind = kind if kind in (None, "@id", "@vocab") else self.expand(kind)
                self.props.setdefault(iri, []).append((term, kind, definition.get("@container")))

    def expand(self, value: str) -> str:
        prefix, colon, rest = value.partition(":")
        if colon and prefix in self.prefixes and not rest.startswith("//"):
            return self.prefixes[prefix] + rest
        return value

    def compact(self, graph: Graph, root: URIRef, context_value: Any = CONTEXT_URL) -> dict:
        refs: dict = {}
        for s, p, o in graph:
            if isinstance(o, BNode):
                refs[o] = refs.get(o, 0) + 1
        self._graph = graph
        self._refs = refs
        self._done: set = {root}
        self._labels: dict = {}
        node = self._node(root)
        out = {"@context": context_value} if context_value is not None else {}
        out.update(node)
        return out

    _ORDER = ("id", "type", "motivation", "created", "modified", "creator", "generator",
              "generated", "bodyValue", "body", "target", "source", "selector", "state")

    def _node(self, subject) -> dict:
        graph = self._graph
        node: dict = {}
        if isinstance(subject, URIRef):
            node["id"] = str(subject)
        elif self._refs.get(subject, 0) > 1:
            node["id"] = self._label(subject)
        types = sorted(self.names.get(str(o), str(o)) for o in graph.objects(subject, RDF.type))
        if types:
            node["type"] = types[0] if len(types) == 1 else types
        by_pred: dict = {}
        for p, o in graph.predicate_objects(subject):
            if p != RDF.type:
                by_pred.setdefault(p, []).append(o)
        for p in sorted(by_pred, key=str):
            for key, value in self._property(p, by_pred[p]):
                if key in node:
                    existing = node[key] if isinstance(node[key], list) else [node[key]]
                    node[key] = existing + (value if isinstance(value, list) else [value])
                else:
                    node[key] = value
        order = {k: i for i, k in enumerate(self._ORDER)}
        return dict(sorted(node.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))

    def _label(self, bnode) -> str:
        if bnode not in self._labels:
            self._labels[bnode] = f"_:b{len(self._labels)}"
        return self._labels[bnode]

    def _is_list(self, o) -> bool:
        return o == RDF.nil or (isinstance(o, BNode) and (o, RDF.first, None) in self._graph)

    def _list_items(self, head) -> list:
        items, seen = [], set()
        while head != RDF.nil and head not in seen:
            seen.add(head)
            self._done.add(head)
            first = self._graph.value(head, RDF.first)
            if first is not None:
                items.append(first)
            head = self._graph.value(head, RDF.rest)
            if head is None:
                break
        return items

    def _property(self, p, objects: list) -> list[tuple[str, Any]]:
        """(key, compacted value) pairs for the objects of ``p``: grouped by the term
        that fits each object (or the absolute IRI when none does)."""
        candidates = self.props.get(str(p), [])
        groups: dict[str, list] = {}
        for o in sorted(objects, key=lambda t: (type(t).__name__, str(t))):
            key, value = self._value(p, o, candidates)
            groups.setdefault(key, []).append(value)
        out = []
        for key, values in groups.items():
            container = next((c for t, _, c in candidates if t == key), None)
            if container == "@list":
                out.append((key, values[0] if len(values) == 1 else values))
            else:
                out.append((key, values[0] if len(values) == 1 else values))
        return out

    def _value(self, p, o, candidates) -> tuple[str, Any]:
        if isinstance(o, Literal):
            dt = o.datatype
            for term, kind, container in candidates:
                if container == "@list":
                    continue
                if kind is not None and kind not in ("@id", "@vocab") and dt is not None \
                        and o.language is None and (str(dt) == kind or _integers(dt, kind, o)):
                    return term, self._scalar(o)
            for term, kind, container in candidates:
                if container is None and kind is None and dt is None and o.language is None:
                    return term, str(o)
            for term, kind, container in candidates:
                if container is None and kind is None:
                    return term, self._literal(o)
            return str(p), self._literal(o)
        if self._is_list(o):
            items = [self._embedded(i) for i in self._list_items(o)]
            for term, kind, container in candidates:
                if container == "@list":
                    return term, items
            return str(p), {"@list": items}
        for term, kind, container in candidates:
            if container == "@list":
                continue
            if kind == "@vocab" and isinstance(o, URIRef):
                embedded = self._embedded(o)
                return term, (self.names.get(str(o), str(o)) if isinstance(embedded, str) else embedded)
            if kind == "@id":
                return term, self._embedded(o)
        for term, kind, container in candidates:
            if container is None and kind is None:
                value = self._embedded(o)
                return term, ({"id": value} if isinstance(value, str) else value)
        value = self._embedded(o)
        return str(p), ({"id": value} if isinstance(value, str) else value)

    def _embedded(self, o):
        """A node object for ``o`` when it is described here and not yet embedded;
        else its IRI (or blank node label)."""
        if isinstance(o, Literal):
            return self._literal(o)
        if o in self._done or (o, None, None) not in self._graph:
            if isinstance(o, BNode):
                return self._label(o) if (o, None, None) in self._graph or self._refs.get(o, 0) > 1 \
                    else {}
            return str(o)
        self._done.add(o)
        return self._node(o)

    @staticmethod
    def _scalar(o: Literal):
        if o.datatype == XSD.dateTime and str(o).endswith("+00:00"):
            return str(o)[:-6] + "Z"
        if o.datatype in INTEGER_TYPES:
            try:
                return int(str(o))
            except ValueError:
                return str(o)
        return str(o)

    @staticmethod
    def _literal(o: Literal):
        if o.language:
            return {"@value": str(o), "@language": o.language}
        if o.datatype is not None and o.datatype != XSD.string:
            return {"@value": str(o), "@type": str(o.datatype)}
        return str(o)


def _integers(dt, kind: str, o: Literal) -> bool:
    """An integer literal for a term typed with another integer type: Oxigraph stores
    xsd:nonNegativeInteger (oa:start, oa:end) as xsd:integer, so a stored 412 is served
    as "start": 412 again (the term's type applies when it is read)."""
    if dt not in INTEGER_TYPES or URIRef(kind) not in INTEGER_TYPES:
        return False
    try:
        value = int(str(o))
    except ValueError:
        return False
    return value >= 0 or URIRef(kind) in (XSD.integer, XSD.int, XSD.long)


@lru_cache(maxsize=1)
def compactor() -> Compactor:
    return Compactor(context())


def context_value_for(graph: Graph) -> Any:
    """The "@context" to serve ``graph`` with: anno.jsonld, followed by the EXTRA_TERMS
    it uses, inline."""
    used = {t: iri for t, iri in EXTRA_TERMS.items() if (None, RDF.type, URIRef(iri)) in graph}
    return [CONTEXT_URL, used] if used else CONTEXT_URL


def compact(graph: Graph, root: URIRef, context_value: Any = "auto") -> dict:
    """``graph`` as the JSON the protocol serves for ``root`` (with ``"@context"`` set to
    ``context_value``, by default anno.jsonld (context_value_for); None leaves it out,
    for items embedded in a page)."""
    if context_value == "auto":
        context_value = context_value_for(graph)
    return compactor().compact(graph, root, context_value)


def graph_of(doc: dict) -> Graph:
    """The triples of a document as served (used by tests and by clients of this
    module): its anno.jsonld references resolved locally."""
    return to_graph(localise_contexts(doc))
