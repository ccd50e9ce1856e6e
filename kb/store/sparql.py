"""SPARQL text lives in kb/queries/*.rq (queries) and *.ru (updates).

Parameters are never pasted into SPARQL from user input. A query file declares each
parameter as a VALUES block whose only row is UNDEF::

    VALUES ?claim { UNDEF }

Every file is read with the PREFIX block of ``_prefixes.rq`` in front of it.
``render(name, claim=iri)`` replaces that row with the parameter's terms, each
serialised by rdflib (IRIs checked, literals escaped). A parameter left unset keeps
UNDEF, which constrains nothing — except in updates (*.ru), where every parameter
must be given, so that an unset parameter can never widen a DELETE to the whole store.
"""
from __future__ import annotations

import re
import secrets
from functools import lru_cache
from importlib.resources import files
from typing import Iterable, Iterator

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kb.errors import QueryError, QueryNotAllowed

_PARAM = re.compile(r"VALUES\s+\?(\w+)\s*\{\s*UNDEF\s*\}")
_BAD_IRI = re.compile(r'[<>"{}|^`\\\x00-\x20]')


_LIMIT = re.compile(r"\bLIMIT\s+\d+\s*$")
# A property path closure, ( … )* or ( … )+ (see ``bind``).
_CLOSURE = re.compile(r"\)[*+]")


@lru_cache(maxsize=None)
def load(name: str) -> str:
    """The text of kb/queries/<name> (with its .rq or .ru extension), prefixes included."""
    folder = files("kb.queries")
    return (folder / "_prefixes.rq").read_text(encoding="utf-8") + (folder / name).read_text(encoding="utf-8")


def term_sparql(term: Node) -> str:
    """A term in SPARQL syntax. Raises QueryError for an IRI that cannot be written safely."""
    if isinstance(term, URIRef):
        if _BAD_IRI.search(str(term)):
            raise QueryError(f"not a valid IRI: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise QueryError(f"cannot bind {term!r} in a query")


def bind(text: str, **params: Node | Iterable[Node] | None) -> str:
    """Fill the ``VALUES ?name { UNDEF }`` blocks of ``text`` with ``params``.

    In a text with a property path closure (``( … )*`` or ``( … )+``), one value is
    written ``BIND(<value> AS ?name)`` instead: Virtuoso 7 evaluates a closure that
    starts from a one-row VALUES as if the variable were unbound (a one-claim delete
    erased every claim's metadata). The two mean the same where our templates put their
    VALUES, at the start of a group.

    Raises QueryError for a parameter the text does not declare.
    """
    closure = bool(_CLOSURE.search(text))
    declared = set(_PARAM.findall(text))
    unknown = set(params) - declared
    if unknown:
        raise QueryError(f"query has no parameter {', '.join(sorted(unknown))}")

    def fill(match: re.Match) -> str:
        name = match.group(1)
        value = params.get(name)
        if value is None:
            return match.group(0)
        terms = [value] if isinstance(value, (URIRef, Literal)) else list(value)
        if not terms:
            # an empty list must match nothing, not everything
            return f"VALUES ?{name} {{ }}"
        if closure and len(terms) == 1:
            return f"BIND({term_sparql(terms[0])} AS ?{name})"
        return f"VALUES ?{name} {{ {' '.join(term_sparql(t) for t in terms)} }}"

    return _PARAM.sub(fill, text)


def parameters(name: str) -> tuple[set[str], bool]:
    """The parameters kb/queries/<name> declares (``VALUES ?p { UNDEF }``), and whether
    it ends with a LIMIT that ``render(limit=…)`` replaces."""
    text = load(name)
    return set(_PARAM.findall(text)), bool(_LIMIT.search(text))


def render(name: str, *, limit: int | None = None, **params) -> str:
    """kb/queries/<name> with its parameters bound (and its final LIMIT replaced).

    Raises QueryError for an unknown parameter, or a missing one in an update.
    """
    text = load(name)
    if name.endswith(".ru"):
        missing = set(_PARAM.findall(text)) - {k for k, v in params.items() if v is not None}
        if missing:
            raise QueryError(f"update {name} needs {', '.join(sorted(missing))}")
    text = bind(text, **params)
    if limit is not None:
        if not _LIMIT.search(text):
            raise QueryError(f"query {name} has no LIMIT to replace")
        text = _LIMIT.sub(f"LIMIT {int(limit)}", text)
    return text


def select(store, name: str, limit: int | None = None, **params) -> list[dict]:
    """Run the named query kb/queries/<name> on ``store`` (a kb.store.base.Store) with
    its parameters bound; one dict per row (rdflib terms, None when unbound). Raises
    StoreError, KeyError for an unknown parameter name (a programming error)."""
    return store.query(render(name, limit=limit, **params)).dicts()


def insert_data(quads: Iterable[tuple], *, blank_nodes: bool = False,
                skolem: str | None = None) -> str:
    """An ``INSERT DATA`` block for rdflib quads (s, p, o, graph-or-None). With
    ``blank_nodes``, blank nodes are written with fresh labels unique to this update
    (one per node: two nodes are never merged whatever their rdflib ids); without,
    a blank node is a QueryError. With ``skolem`` (an IRI prefix, the store's
    ``Store.skolem``), each such node is written as a fresh IRI under that prefix
    instead: for a server that refuses blank nodes in ``INSERT DATA`` (Virtuoso)."""
    labels: dict = {}
    prefix = secrets.token_hex(8 if skolem else 4)

    def term(t) -> str:
        if blank_nodes and isinstance(t, BNode):
            if t not in labels:
                labels[t] = (f"<{skolem}{prefix}n{len(labels)}>" if skolem
                             else f"_:b{prefix}n{len(labels)}")
            return labels[t]
        return term_sparql(t)

    return _data_block("INSERT DATA", quads, term)


# ---------------------------------------------------------------- reading user queries
#
# One tokenizer, written from the terminals of the SPARQL 1.1 grammar (section 19.8),
# reads every user query for the guard below: its nesting, its operators, its form and
# whether it uses SERVICE. It only needs to know where strings, IRIs, comments, names
# and variables begin and end; whatever else it meets is a token of one character. Where
# it cannot be sure, it errs towards seeing more code (an unterminated string is read
# as code; the brackets inside an <IRI> count), never less: the guard must never see
# less nesting than the engine parses. (Pygments' SPARQL lexer was tried first: it
# lets a triple-quoted string run to the end of the text, reads ex:a\' as the start of
# a string and <http://x/\u0041> as no IRI, each of which hid a crashing query.)

_HEX = "[0-9A-Fa-f]"
_PN_CHARS = "\\w\\-\u00B7\u0300-\u036F\u203F-\u2040\u00C0-\uFFFF"
_PLX = f"%{_HEX}{_HEX}|\\\\[_~.\\-!$&'()*+,;=/?#@%]"
_TOKEN = re.compile("|".join([
    r"(?P<ws>[\x20\t\r\n]+)",
    r"(?P<comment>#[^\r\n]*)",
    r"(?P<string>" + r"'''(?:[^'\\]|\\.|'(?!''))*'''"
    + r'|"""(?:[^"\\]|\\.|"(?!""))*"""'
    + r"|'(?:[^'\\\r\n]|\\.)*'"
    + r'|"(?:[^"\\\r\n]|\\.)*")',
    r'(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u' + _HEX + "{4}|\\\\U" + _HEX + "{8})*>)",
    f"(?P<var>[?$][{_PN_CHARS}]+)",
    f"(?P<bnode>_:[{_PN_CHARS}.]*)",
    f"(?P<pname>(?:[A-Za-z\u00C0-\uFFFF][{_PN_CHARS}.]*)?:(?:[{_PN_CHARS}:.]|{_PLX})*)",
    r"(?P<word>[A-Za-z_]\w*)",
    r"(?P<number>[0-9][0-9.eE+\-]*)",
    r"(?P<op><<\(|\)>>|<<|>>|\{\||\|\}|\|\||&&|!=|<=|>=|\^\^)",
    r"(?P<char>[\s\S])",
]))

_OPENERS = {"{": "}", "(": ")", "[": "]", "<<": ">>", "<<(": ")>>", "{|": "|}"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
# Brackets open a level of the query's parse tree; so do the operators and patterns
# below, which the engine folds into left-deep trees (measured with pyoxigraph 0.5 on an
# 8 MB stack: ~2,200 nested groups, ~4,500 nested parentheses, ~700 nested EXISTS,
# ~2,500 BINDs or MINUSes in a row, ~6,300 UNIONs, ~9,000 FILTERs or || crash the
# process; docs/sparql.md).
_OPERATOR_WORDS = frozenset({"BIND", "MINUS", "OPTIONAL", "UNION", "FILTER", "GRAPH", "SERVICE",
                             "VALUES", "EXISTS", "SELECT"})
_OPERATOR_SIGNS = frozenset({"||", "&&", "=", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/",
                             "|", "^", "!", "?", "^^"})
_TRIPLE_SEPARATORS = frozenset({".", ";", ","})
_UNARY = frozenset({"!", "^"})


def delete_data(quads: Iterable[tuple]) -> str:
    """A ``DELETE DATA`` block for rdflib quads (s, p, o, graph-or-None) without blank
    nodes (QueryError for one)."""
    return _data_block("DELETE DATA", quads, term_sparql)


def _data_block(keyword: str, quads: Iterable[tuple], term) -> str:
    """``INSERT DATA`` / ``DELETE DATA`` { quads grouped by graph }, each term written
    by ``term``."""
    graphs: dict = {}
    for s, p, o, g in quads:
        graphs.setdefault(g, []).append(f"{term(s)} {term(p)} {term(o)} .")
    parts = [f"{keyword} {{"]
    for g, triples in graphs.items():
        if g is not None:
            parts.append(f"GRAPH {term_sparql(g)} {{")
        parts.extend(triples)
        if g is not None:
            parts.append("}")
    parts.append("}")
    return "\n".join(parts)


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """(kind, text) of every token of a SPARQL query but white space and comments:
    kinds string, iri, var, bnode, pname, word, number, op (a sign of several
    characters) and char (any other single character)."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind not in ("ws", "comment"):
            yield kind, match.group()


def measure(text: str) -> tuple[int, int]:
    """(deepest nesting, number of operators) of a SPARQL text (``tokens``).

    Nesting counts every opening bracket — groups ``{}``, blank-node property lists
    ``[]``, parentheses (expressions, function calls, collections, nested paths,
    sub-select projections), quoted triples ``<< >>`` and annotations ``{| |}`` — and
    each unary ``!`` or ``^`` in a row (a level of the tree). A closing bracket closes
    only the kind of bracket open last. Brackets inside an ``<IRI>`` token count too
    (``<`` may be less-than to the engine). Operators: every bracket, binary and path
    operator, pattern keyword (BIND, OPTIONAL, UNION, FILTER, …) and triple-pattern
    separator ``. ; ,`` inside ``{}``/``[]`` (a comma between function arguments or in
    an IN list is not one: those are flat lists, as are VALUES data).
    """
    deepest = operators = unary_run = 0
    stack: list[str] = []

    def opened(bracket: str) -> None:
        nonlocal deepest, operators
        stack.append(bracket)
        deepest = max(deepest, len(stack) + unary_run)
        operators += 1

    def closed(bracket: str) -> None:
        if stack and stack[-1] == _CLOSERS[bracket]:
            stack.pop()

    for kind, token in tokens(text):
        if kind == "iri":
            for char in token:
                if char in "([":
                    opened(char)
                elif char in ")]":
                    closed(char)
        elif kind == "string":
            pass
        elif token in _OPENERS:
            opened(token)
        elif token in _CLOSERS:
            closed(token)
        elif token in _UNARY:
            unary_run += 1   # !!!!x and ^^^^p nest like brackets
            deepest = max(deepest, len(stack) + unary_run)
            operators += 1
            continue
        elif token in _OPERATOR_SIGNS or (kind == "word" and token.upper() in _OPERATOR_WORDS):
            operators += 1
        elif token in _TRIPLE_SEPARATORS and (not stack or stack[-1] in ("{", "[")):
            operators += 1
        unary_run = 0
    return deepest, operators


def check_limits(text: str, max_chars: int, max_depth: int, max_operators: int) -> None:
    """Refuse SPARQL that is too long, nested too deep or has too many operators before
    it reaches the store (``measure``).

    pyoxigraph overflows its stack and kills the process on queries with a few
    thousand nested groups, brackets or chained patterns, so this check must run
    before any user query is handed to it. Raises QueryError.
    """
    if len(text) > max_chars:
        raise QueryError(f"query is {len(text)} characters; the limit is {max_chars}")
    deepest, operators = measure(text)
    if deepest > max_depth:
        raise QueryError(f"query nests groups, brackets, parentheses or paths deeper than "
                         f"{max_depth} levels ({deepest})")
    if operators > max_operators:
        raise QueryError(f"query has {operators} operators and patterns; the limit is "
                         f"{max_operators}")


_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "INSERT", "DELETE", "LOAD", "CLEAR",
                    "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})


def query_form(text: str) -> str | None:
    """The first form keyword of the query (``tokens``: not in a string, IRI, comment
    or name): SELECT, ASK, CONSTRUCT, DESCRIBE, or an update keyword (INSERT, DELETE,
    LOAD, ...). None when there is none."""
    for kind, token in tokens(text):
        if kind == "word" and token.upper() in _FORMS:
            return token.upper()
    return None


def join_updates(parts: list[str]) -> str:
    """Several update operations as one request (one transaction).

    SPARQL allows a prologue before each operation, but Oxigraph only accepts one at
    the start, so the shared PREFIX block is written once.
    """
    prologue = (files("kb.queries") / "_prefixes.rq").read_text(encoding="utf-8")
    body = [p[len(prologue):] if p.startswith(prologue) else p for p in parts]
    return prologue + " ;\n".join(body)


READ_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def has_dataset_clause(text: str) -> bool:
    """Whether the query names its own dataset: the keyword FROM (``FROM`` or ``FROM
    NAMED``) outside a string, IRI, comment, variable or prefixed name (``tokens``)."""
    return any(kind == "word" and token.upper() == "FROM" for kind, token in tokens(text))


def uses_service(text: str) -> bool:
    """Whether the query has the keyword SERVICE (federation) anywhere outside a
    string, IRI, comment, variable or prefixed name (``tokens``): ``"service"``,
    ``<http://x/service>``, ``?service`` and ``ex:service`` are not it. The word alone
    is enough to refuse: SPARQL has no other use for it."""
    return any(kind == "word" and token.upper() == "SERVICE" for kind, token in tokens(text))


def check_read_query(text: str, max_chars: int, max_depth: int, max_operators: int) -> str:
    """Check a user's query before it reaches the store; returns its form (SELECT, ASK,
    CONSTRUCT or DESCRIBE).

    Raises QueryError for a query too long, too deeply nested or with no query form,
    QueryNotAllowed for an update (or LOAD) or a SERVICE pattern.
    """
    check_limits(text, max_chars, max_depth, max_operators)
    form = query_form(text)
    if form is None:
        raise QueryError("SPARQL syntax error: no SELECT, ASK, CONSTRUCT or DESCRIBE query here")
    if form not in READ_FORMS:
        raise QueryNotAllowed("read-only: only SELECT, ASK, CONSTRUCT and DESCRIBE queries are "
                              "allowed here (SPARQL Update and LOAD are not accepted)")
    if uses_service(text):
        raise QueryNotAllowed("SERVICE (federated query) is not allowed here")
    return form
