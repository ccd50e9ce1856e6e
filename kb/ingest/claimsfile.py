"""The claims file: YAML for entering claims by hand or in bulk (docs/claims-file.md).

Parsing builds every article and claim record in memory first; a problem anywhere is
an InputError naming the file, line and claim, and nothing is written.

Why one module (~490 lines): the file's sections (articles, entities, properties,
people, claims) refer to one another by key, and the checks that name a file, line and
claim share one set of tables while the file is read; docs/claims-file.md is its
specification, section by section in the same order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml
from rdflib import URIRef
from rdflib.namespace import OWL

from kb.model.anchoring import Anchor, locate
from kb.ingest.articles import from_html, from_text
from kb.model.article import ArticleData, sha256_text
from kb.config import MAX_IMPORT_DEPTH, Settings
from kb.model.dates import parse_date, parse_time_about
from kb.errors import InputError, NotFound
from kb.model.iris import Minter, short_hash
from kb.model.claim import (ClaimRecord, DateValue, EntitySetValue, EntityValue, Named,
                            TextValue)
from kb.model.quantity import decimal_mark, parse_quantity
from kb.model.urls import UNSAFE_IRI_SCHEMES, check_iri, check_url, scheme
from kb.model.vocab import CKB, MODALITIES
from kb.records.articles import Articles



class Context(Protocol):
    """What parsing a claims file reads besides the file: the IRI minter, the settings
    (article size limit) and the stored articles (``kb.records.articles.Articles``:
    claims may quote an article already in the KB). A KnowledgeBase is one."""

    iris: Minter
    settings: Settings
    articles: Articles

LINE = "__line__"
ARTICLE_KEYS = {"file", "html", "text", "url", "title", "publisher", "author", "authors",
                "published", "language", "type", "via", LINE}
NAMED_KEYS = {"label", "aliases", "wikidata", "id", "same_as", LINE}
PROPERTY_KEYS = NAMED_KEYS | {"time_invariant", "single_valued", "kind", "tolerance_days"}
ENTITY_KEYS = NAMED_KEYS | {"part_of"}
# a property's kind (docs/comparison.md "Time"): how claims about different times compare
PROPERTY_KINDS = {"state": CKB.StateProperty, "event": CKB.EventCountProperty,
                  "cumulative": CKB.CumulativeProperty, "time_invariant": CKB.TimeInvariantProperty}
CLAIM_KEYS = {"id", "article", "quote", "quote_prefix", "quote_suffix", "statement",
              "subject", "property", "value", "unit", "modality", "speaker", "about",
              "scope", "published", LINE}
TOP_KEYS = {"claimkb", "articles", "entities", "properties", "people", "claims", LINE}


class _TooDeep(yaml.YAMLError):
    def __init__(self, mark):
        super().__init__(f"nested more than {MAX_IMPORT_DEPTH} levels deep")
        self.mark = mark


class _Alias(yaml.YAMLError):
    def __init__(self, mark):
        super().__init__("YAML aliases (*name) are not accepted in a claims file")
        self.mark = mark


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records the line of every mapping under the key __line__, and
    refuses nesting deeper than MAX_IMPORT_DEPTH as the composer reads the parser's
    events (before it recurses into them: PyYAML's recursive composer and constructor
    die of RecursionError near 250 levels)."""

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            # an alias repeats a node without composing it again: a chain of them nests
            # as deep as it likes under the depth count (3,000 levels from 3,000 lines)
            raise _Alias(self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_IMPORT_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class ParsedFile:
    articles: dict[str, ArticleData] = field(default_factory=dict)
    records: list[ClaimRecord] = field(default_factory=list)


def load_yaml(text: str, where: str) -> dict:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except _TooDeep as exc:
        raise InputError(f"nested more than {MAX_IMPORT_DEPTH} levels deep (lists or mappings "
                         "inside each other); refused before parsing further",
                         where=f"{where}:{exc.mark.line + 1}") from None
    except _Alias as exc:
        raise InputError("YAML aliases (*name) are not accepted in a claims file: write the "
                         "value out", where=f"{where}:{exc.mark.line + 1}") from None
    except RecursionError:  # not expected below MAX_IMPORT_DEPTH; never a traceback
        raise InputError("nested too deeply", where=where) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"malformed YAML: {problem}", where=f"{where}{line}") from None
    if not isinstance(data, dict):
        raise InputError("a claims file is a mapping with a 'claims' list", where=where)
    return data


def _at(where: str, item: Any, what: str = "") -> str:
    line = item.get(LINE) if isinstance(item, dict) else None
    return f"{where}:{line}{' ' + what if what else ''}" if line else f"{where}{' ' + what if what else ''}"


def _check_keys(item: dict, allowed: set[str], where: str) -> None:
    unknown = set(item) - allowed
    if unknown:
        raise InputError(f"unknown field(s) {', '.join(sorted(unknown))} "
                         f"(allowed: {', '.join(sorted(allowed - {LINE}))})", where=where)


def _text(value: Any, name: str, where: str) -> str:
    if value is None or isinstance(value, (dict, list)):
        raise InputError(f"{name} must be text", where=where)
    return str(value)


def parse(ctx: Context, path: Path, progress=None, *, article_files: bool = True) -> ParsedFile:
    """Read a claims file into article data and claim records (nothing is written).
    ``article_files`` false refuses articles read from files (``file``, ``html``): an
    uploaded claims file (the web's /import) must not read the server's files.

    Raises InputError naming the file, line and claim for any problem.
    """
    where = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", where=where) from None
    data = load_yaml(raw, where)
    _check_keys(data, TOP_KEYS, where)
    version = data.get("claimkb", 1)
    if version != 1:
        raise InputError(f"unsupported claims file version {version!r} (this claimkb reads 1)",
                         where=where)
    parsed = ParsedFile()
    base_dir = path.parent if article_files else None

    tables: dict[str, dict[str, Named]] = {}
    for section, minter in (("entities", ctx.iris.entity), ("properties", ctx.iris.property),
                            ("people", ctx.iris.person)):
        tables[section] = {}
        for key, spec in (data.get(section) or {}).items():
            if key == LINE:
                continue
            loc = _at(where, spec if isinstance(spec, dict) else data, f"{section}.{key}")
            allowed = {"properties": PROPERTY_KEYS, "entities": ENTITY_KEYS}.get(section, NAMED_KEYS)
            tables[section][str(key)] = _named(spec, str(key), minter, loc, allowed)
    _check_part_of_cycles(tables["entities"], where)

    for key, spec in (data.get("articles") or {}).items():
        if key == LINE:
            continue
        loc = _at(where, spec, f"articles.{key}")
        if not isinstance(spec, dict):
            raise InputError("an article is a mapping (file, url, title, publisher, ...)", where=loc)
        _check_keys(spec, ARTICLE_KEYS, loc)
        parsed.articles[str(key)] = _article(spec, str(key), base_dir, ctx, loc)

    claims = data.get("claims")
    if not isinstance(claims, list) or not claims:
        raise InputError("no claims: the file needs a non-empty 'claims' list", where=where)
    texts: dict = {}
    for index, item in enumerate(claims, 1):
        loc = _at(where, item, f"claim #{index}" + (f" ({item['id']})" if isinstance(item, dict) and "id" in item else ""))
        if not isinstance(item, dict):
            raise InputError("a claim is a mapping (article, quote, subject, ...)", where=loc)
        _check_keys(item, CLAIM_KEYS, loc)
        parsed.records.append(_claim(ctx, item, parsed.articles, tables, texts, loc))
        if progress is not None:
            progress(index, len(claims))
    # part-of links of every declared entity, used by a claim or not (a district's claim
    # names the district; the region between it and the country is only declared):
    # shared declarations, written with the first claim (re-declaring adds nothing)
    wholes = {w for n in tables["entities"].values() for w in n.part_of}
    parsed.records[0].declared.extend(n for n in tables["entities"].values()
                                      if n.part_of or n.iri in wholes)
    seen: dict = {}
    for rec in parsed.records:
        if rec.iri in seen:
            raise InputError(f"two claims in the file have the id {ctx.iris.local_id(rec.iri)}",
                             where=where)
        seen[rec.iri] = True
    return parsed


def _named(spec: Any, key: str, minter, loc: str, allowed: set[str] = NAMED_KEYS) -> Named:
    if isinstance(spec, str):
        return Named(minter(key), spec)
    if not isinstance(spec, dict):
        raise InputError("expected a label or a mapping with label and wikidata", where=loc)
    _check_keys(spec, allowed, loc)
    qid = spec.get("wikidata")
    if qid is not None and not (isinstance(qid, str) and qid[:1] in ("Q", "P") and qid[1:].isdigit()):
        raise InputError(f"wikidata must be an id like Q123 or P123, got {qid!r}", where=loc)
    same = _links(spec, "same_as", loc)
    part_of = _links(spec, "part_of", loc)
    aliases = spec.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, (str, int)) and str(a).strip()
                                                for a in aliases):
        raise InputError("aliases must be a name or a list of names", where=loc)
    types = []
    for flag, rdf_type in (("time_invariant", CKB.TimeInvariantProperty),
                           ("single_valued", OWL.FunctionalProperty)):
        value = spec.get(flag, False)
        if not isinstance(value, bool):
            raise InputError(f"{flag} must be true or false", where=loc)
        if value:
            types.append(rdf_type)
    if spec.get("kind") is not None:
        kind = str(spec["kind"]).strip().lower().replace("-", "_").replace(" ", "_")
        if kind not in PROPERTY_KINDS:
            raise InputError(f"unknown property kind {spec['kind']!r} (known: "
                             f"{', '.join(PROPERTY_KINDS)})", where=loc)
        if spec.get("time_invariant") and kind != "time_invariant":
            raise InputError(f"a property is of one kind: time_invariant: true and kind: {kind}",
                             where=loc)
        if PROPERTY_KINDS[kind] not in types:
            types.append(PROPERTY_KINDS[kind])
    tolerance = spec.get("tolerance_days")
    if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance, int)
                                  or not 0 <= tolerance <= 36_500):
        raise InputError(f"tolerance_days must be a whole number of days from 0 to 36500, "
                         f"got {tolerance!r}", where=loc)

    def iri(x: str) -> URIRef:
        return URIRef(x) if x.startswith(("http://", "https://")) else minter(x)

    me = minter(str(spec.get("id", key)))
    if me in {iri(x) for x in part_of}:
        raise InputError(f"{key} cannot be part of itself", where=loc)
    return Named(me, str(spec.get("label", key)), qid, types=tuple(types),
                 same_as=tuple(iri(x) for x in same), part_of=tuple(iri(x) for x in part_of),
                 tolerance_days=tolerance,
                 aliases=tuple(dict.fromkeys(" ".join(str(a).split()) for a in aliases)))


def _links(spec: dict, name: str, loc: str) -> list[str]:
    """same_as / part_of: a key or a list of keys of the file's tables (or IRIs)."""
    links = spec.get(name) or []
    if isinstance(links, str):
        links = [links]
    if not isinstance(links, list) or not all(isinstance(x, str) and x for x in links):
        raise InputError(f"{name} must be a key or a list of keys (or IRIs)", where=loc)
    for x in links:
        if x.startswith(("http://", "https://")) or scheme(x) in UNSAFE_IRI_SCHEMES:
            check_iri(x, f"{name} IRI", where=loc)
    return links


def _check_part_of_cycles(entities: dict[str, Named], where: str) -> None:
    """A part_of chain that comes back to where it started is an error naming it (the
    comparison stays safe with cycles that arise across files: docs/comparison.md)."""
    parents = {n.iri: n.part_of for n in entities.values()}
    label = {n.iri: key for key, n in entities.items()}
    state: dict = {}

    def visit(node, path):
        state[node] = 1
        for up in parents.get(node, ()):
            if state.get(up) == 1:
                cycle = path[path.index(up):] + [up] if up in path else [node, up]
                raise InputError("part_of goes round in a circle: " + " → ".join(
                    label.get(x, str(x)) for x in cycle), where=f"{where} entities")
            if state.get(up) is None:
                visit(up, path + [up])
        state[node] = 2

    for node in parents:
        if state.get(node) is None:
            visit(node, [node])


def _article(spec: dict, key: str, base_dir: Path | None, ctx: Context, loc: str) -> ArticleData:
    limit = ctx.settings.max_article_bytes
    for name, what in (("url", "the article URL"), ("via", "the via URL")):
        if spec.get(name) is not None:
            check_url(spec[name], what, where=f"{loc} {name}")
    sources = [k for k in ("file", "html", "text") if k in spec]
    if len(sources) > 1:
        raise InputError(f"give one of file, html, text (got {', '.join(sources)})", where=loc)
    if ("file" in spec or "html" in spec) and base_dir is None:
        raise InputError("an uploaded claims file cannot read article files (file, html): "
                         "import the article first and name it in the claims' article, "
                         "or give its text", where=loc)
    if "file" in spec or "html" in spec:
        name = spec.get("file") or spec.get("html")
        file = (base_dir / str(name))
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read article file {name}: {exc.strerror}", where=loc) from None
        is_html = "html" in spec or file.suffix.lower() in (".html", ".htm")
        data = from_html(raw, str(file), limit, url=spec.get("url")) if is_html else from_text(raw, str(file), limit)
    elif "text" in spec:
        data = from_text(_text(spec["text"], "text", loc), loc, limit)
        data.title = None
    else:
        data = ArticleData()
    authors = spec.get("authors") or ([spec["author"]] if spec.get("author") else [])
    if not isinstance(authors, list):
        raise InputError("authors must be a list of names", where=loc)
    published = parse_date(spec["published"], loc) if spec.get("published") is not None else None
    return data.with_overrides(
        title=spec.get("title"), url=spec.get("url"), publisher=spec.get("publisher"),
        authors=[str(a) for a in authors], published=published, language=spec.get("language"),
        kind=spec.get("type"), via=spec.get("via"), key=data.key or (None if spec.get("url") else key),
    )


def _ref(value: Any, table: dict[str, Named], minter, what: str, loc: str) -> Named:
    if isinstance(value, dict):
        allowed = ENTITY_KEYS if what in ("subject", "scope", "entity") else NAMED_KEYS
        return _named(value, str(value.get("id") or value.get("label") or ""), minter, loc, allowed)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} must be a key of the file's '{what}s' table, or a mapping "
                         "with label (and wikidata)", where=loc)
    if value in table:
        return table[value]
    return Named(minter(value), value)


def parse_claim(ctx: Context, item: dict, *, where: str = "claim",
                anchor: Anchor | None = None,
                version: tuple[URIRef | None, str | None] | None = None) -> ClaimRecord:
    """One claim from a mapping shaped like an entry of a claims file's ``claims`` list,
    about an article already in the KB (``article``: its id, IRI, URL or headline).
    Subject, property, scope, speaker and entity values are labels or mappings with
    label (and wikidata, id): there are no tables to refer to. Used by the web form.

    ``anchor``: the quote's selectors when the caller has verified them against the text
    already (the quote is then not searched for); ``version``: (version IRI, text) to
    anchor in, instead of the article's current text. Nothing is written.
    Raises InputError.
    """
    if not isinstance(item, dict):
        raise InputError("a claim is a mapping (article, quote, subject, ...)", where=where)
    _check_keys(item, CLAIM_KEYS, where)
    texts: dict = {}
    if version is not None and "article" in item:
        try:
            texts[ctx.articles.find(_text(item["article"], "article", where))] = version
        except NotFound:
            pass  # _claim reports the unknown article
    tables = {"entities": {}, "properties": {}, "people": {}}
    return _claim(ctx, item, {}, tables, texts, where, anchor=anchor)


def _claim(ctx: Context, item: dict, articles: dict[str, ArticleData],
           tables: dict, texts: dict, loc: str, anchor: Anchor | None = None) -> ClaimRecord:
    if "article" not in item:
        raise InputError("a claim needs 'article' (a key of 'articles', or an article in the KB)",
                         where=loc)
    ref = _text(item["article"], "article", loc)
    if ref in articles:
        data = articles[ref]
        article = ctx.iris.article_for(data.identity)
        text = data.text
        version = ctx.iris.version(article, _sha(data.text)) if data.text else None
        published = data.published
        language = data.language
    else:
        try:
            article = ctx.articles.find(ref)
        except NotFound:
            raise InputError(f"unknown article {ref!r}: not in the file's 'articles' nor in the KB",
                             where=loc) from None
        if article not in texts:
            texts[article] = ctx.articles.current_text(article)
        version, text = texts[article]
        meta = ctx.articles.metadata(article)
        published = meta.published if meta else None
        language = meta.language if meta else None

    modality_name = str(item.get("modality", "factual")).lower().replace(" ", "-").replace("_", "-")
    if modality_name not in MODALITIES:
        raise InputError(f"unknown modality {item.get('modality')!r} "
                         f"(known: {', '.join(MODALITIES)})", where=loc)
    modality = MODALITIES[modality_name]
    speaker = None
    if item.get("speaker") is not None:
        speaker = _ref(item["speaker"], tables["people"], ctx.iris.person, "speaker", loc)
    if modality == CKB.ReportedSpeech and speaker is None:
        raise InputError("a reported-speech claim needs 'speaker'", where=loc)

    if anchor is None and item.get("quote") is not None:
        if not text:
            raise InputError(f"article {ref!r} has no stored text to quote from; put the "
                             "words in 'statement' instead", where=loc)
        anchor = locate(text, _text(item["quote"], "quote", loc),
                        prefix=item.get("quote_prefix"), suffix=item.get("quote_suffix"), where=loc)
    statement = item.get("statement")
    statement = _text(statement, "statement", loc) if statement is not None else (anchor.exact if anchor else None)
    if statement is None:
        raise InputError("a claim needs 'quote' or 'statement'", where=loc)

    parts = [item.get(k) for k in ("subject", "property", "value")]
    subject = prop = value = None
    if any(p is not None for p in parts):
        if any(p is None for p in parts):
            raise InputError("content needs all of subject, property and value", where=loc)
        subject = _ref(item["subject"], tables["entities"], ctx.iris.entity, "subject", loc)
        prop = _ref(item["property"], tables["properties"], ctx.iris.property, "property", loc)
        value = _value(item["value"], item.get("unit"), tables, ctx, loc, language)
    scope = _ref(item["scope"], tables["entities"], ctx.iris.entity, "scope", loc) if item.get("scope") else None
    if item.get("published") is not None:
        published = parse_date(item["published"], loc)
    about = (parse_time_about(item["about"], loc, published=published, language=language)
             if item.get("about") is not None else None)

    ident = item.get("id")
    if ident is None:
        ident = short_hash(str(article), statement, *(str(p) for p in parts), str(item.get("about")))
    try:
        iri = ctx.iris.claim(str(ident))
    except InputError as exc:
        raise InputError(exc.message, where=loc) from None
    return ClaimRecord(iri=iri, modality=modality, source=article, statement=statement,
                       source_version=version, anchor=anchor, subject=subject, predicate=prop,
                       value=value, scope=scope, speaker=speaker, about=about, published=published)


def _value(value: Any, unit: Any, tables: dict, ctx: Context, loc: str,
           language: str | None = None):
    """A claim's value; quantities are read with the article's number conventions."""
    if isinstance(value, dict):
        kinds = [k for k in ("quantity", "entity", "entities", "date", "text") if k in value]
        extra = set(value) - {"quantity", "entity", "entities", "date", "text", "unit", LINE}
        if len(kinds) != 1 or extra:
            raise InputError("value is a quantity string, or a mapping with exactly one of "
                             "quantity, entity, entities, date, text", where=loc)
        kind = kinds[0]
        if kind == "quantity":
            return parse_quantity(_text(value["quantity"], "quantity", loc), value.get("unit", unit), loc,
                                  language=language)
        if kind == "entity":
            return EntityValue(_ref(value["entity"], tables["entities"], ctx.iris.entity, "entity", loc))
        if kind == "entities":
            return _entity_set(value["entities"], tables, ctx, loc)
        if kind == "date":
            return DateValue(parse_date(value["date"], loc), str(value["date"]))
        return TextValue(_text(value["text"], "text", loc))
    if isinstance(value, list):
        return _entity_set(value, tables, ctx, loc)
    if isinstance(value, bool) or value is None:
        raise InputError(f"unusable value {value!r}", where=loc)
    if isinstance(value, float) and decimal_mark(language) != ".":
        # YAML read 1.500 as the float 1.5 before we could see how it was written
        raise InputError(f"in a {language!r} article, write figures with a dot or comma in "
                         f"quotes (value: \"{value}\" was read by YAML as a decimal number)",
                         where=loc)
    return parse_quantity(str(value), None if unit is None else str(unit), loc, language=language)


MAX_SET_MEMBERS = 200


def _entity_set(items: Any, tables: dict, ctx: Context, loc: str):
    """A list of entities ("France, Germany and Italy"): one member is that entity."""
    if not isinstance(items, list) or not items:
        raise InputError("a set of entities is a non-empty list of entity keys or labels",
                         where=loc)
    if len(items) > MAX_SET_MEMBERS:
        raise InputError(f"a set of entities has at most {MAX_SET_MEMBERS} members", where=loc)
    members: dict = {}
    for item in items:
        named = _ref(item, tables["entities"], ctx.iris.entity, "entity", loc)
        members.setdefault(named.iri, named)
    if len(members) == 1:
        return EntityValue(next(iter(members.values())))
    return EntitySetValue(tuple(members.values()))


def _sha(text: str) -> str:
    return sha256_text(text)
