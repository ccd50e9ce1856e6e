"""The commands on the claims and the KB as a whole: init, import, import-article,
list, show, retract, history, query, export, validate, reindex, demo.

Why one module (~420 lines): each command is a thin wrapper over the facade, and they
share the output helpers and the way a claim's row is printed (``_about``, the list's
columns); split by command, the pieces would import each other's private helpers.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from kb.cli.app import Context
from kb.cli.output import FORMATS_OUT, clip, echo_csv, echo_table
from kb.config import load_settings
from kb.demo import build as build_demo
from kb.derived.claims_index import ClaimFilter
from kb.errors import InputError
from kb.ingest.articles import fetch, read_file
from kb.knowledgebase import KnowledgeBase
from kb.model.dates import parse_date
from kb.model.urls import check_url
from kb.model.vocab import MODALITIES
from kb.services.imports import IMPORT_FORMATS


@click.command()
@click.pass_obj
def init(obj: Context):
    """Create an empty knowledge base in the data directory."""
    kb = obj.kb()
    click.echo(f"knowledge base ready ({kb.store.name} store"
               + (f" in {obj.settings.store_dir}" if kb.store.name == "embedded" else "")
               + f", {kb.store.quad_count()} quads)")


@click.command("import-article")
@click.argument("source")
@click.option("--format", "fmt", type=click.Choice(["html", "text"]),
              help="File format (default: by extension).")
@click.option("--url", help="The article's URL (for a file), used as its identity.")
@click.option("--id", "ident", help="Identity of an article that has no URL.")
@click.option("--title")
@click.option("--publisher")
@click.option("--author", "authors", multiple=True, help="Repeat for several authors.")
@click.option("--published", help="Publication date (YYYY-MM-DD).")
@click.option("--language")
@click.option("--type", "kind", help="news, opinion, report, article, webpage.")
@click.pass_obj
def import_article(obj: Context, source, fmt, url, ident, title, publisher, authors,
                   published, language, kind):
    """Import an article from a URL, an HTML file or a text file.

    Main text and metadata are extracted with trafilatura; the options override any
    field. The same text again changes nothing; a changed text is a new version.
    """
    settings = obj.settings
    if url is not None:
        check_url(url, "the URL", where="--url")
    if source.startswith(("http://", "https://")):
        data = fetch(source, settings.http_timeout, settings.max_article_bytes,
                     local_addresses=settings.fetch_local_addresses)
    else:
        data = read_file(Path(source), settings.max_article_bytes, fmt, url=url)
    data = data.with_overrides(
        url=url, key=ident, title=title, publisher=publisher, authors=list(authors),
        published=parse_date(published, "--published") if published else None,
        language=language, kind=kind)
    stored = obj.kb().import_article(data)
    state = ("new article" if stored.created else
             "new version" if stored.new_version else "unchanged (same text already stored)")
    click.echo(f"{stored.iri}  {state}")
    if stored.sha256:
        click.echo(f"  text sha256 {stored.sha256}  version {stored.version}")


@click.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS),
              help="claims (YAML), trig, nquads or claimreview (JSON-LD); default by extension.")
@click.option("--strict", is_flag=True,
              help="Refuse a file that would create an entity, property, person or publisher "
                   "whose name is close to an existing one (a near-duplicate).")
@click.pass_obj
def import_(obj: Context, files, fmt, strict):
    """Import claims YAML, TriG, N-Quads or ClaimReview JSON-LD files.

    Each file is checked completely and written in one transaction: a file with an
    error writes nothing. TriG and N-Quads files from bulk_import_bytes up are checked
    as a stream while they are bulk-loaded into a copy of the store, which replaces it
    only when the file passed (bounded memory; a killed import leaves the store as it
    was). Names are resolved to the KB's entities, properties, people
    and publishers (same key, label, alias or Wikidata id: docs/entities.md); what was
    resolved is listed, and a new name close to an existing one is a warning.
    """
    kb = obj.kb()
    for path in files:
        with click.progressbar(length=1, label=f"checking {path.name}", file=sys.stderr,
                               show_pos=True, hidden=not sys.stderr.isatty()) as bar:
            def progress(done, total, bar=bar):
                if total != bar.length:      # a new stage (bytes checked, claims indexed)
                    bar.length, bar.pos, bar.finished = total, 0, False
                bar.update(done - bar.pos)

            def status(line, bar=bar):
                bar.label = line
                bar.render_progress()

            r = kb.import_file(path, fmt, progress, strict=strict, status=status)
        what = f"{r.quads} quads, {r.claims} claims" if r.format in ("trig", "nquads") else \
               f"{r.claims} claims, {r.articles} sources"
        click.echo(f"{r.path}: {r.format}, {what}")
        for note in r.notes:
            click.echo(f"  note: {note}", err=True)
        for note in r.resolved:
            click.echo(f"  {note}", err=True)
        for warning in r.warnings:
            click.echo(f"  warning: {warning}", err=True)


# `claimkb list --sort` → the claims index's sort (kb/derived/claims_query.py)
LIST_SORTS = {"id": "id", "date": "published", "about": "about", "recorded": "recorded",
              "relevance": "relevance", "severity": "severity"}
# its rows' names (the store's, as it has always printed them) → the claims index's columns
LIST_COLUMNS = {
    "claim": "iri", "modality": "modality", "text": "statement", "article": "article",
    "headline": "article_title", "publisher": "publisher", "publisherName": "publisher_name",
    "published": "published", "subject": "subject", "subjectLabel": "subject_label",
    "property": "property", "propertyLabel": "property_label", "earliest": "about_earliest",
    "latest": "about_latest", "recorded": "recorded", "verdict": "verdict"}


@click.command("list")
@click.option("--source", "sources", multiple=True,
              help="Article (id, IRI, URL, headline) or publisher (name, IRI); repeat for any of several.")
@click.option("--entity", "entities", multiple=True,
              help="Entity id or IRI (subject, scope, speaker or value); repeat for any of several.")
@click.option("--modality", "modalities", multiple=True,
              help="factual, event, reported-speech, opinion, prediction; repeat for any of several.")
@click.option("--search", "q", help="Full-text words, as in the web list's search box.")
@click.option("--since", help="Published on or after this date.")
@click.option("--until", help="Published on or before this date.")
@click.option("--about-from", help="Time-about ends on or after this date.")
@click.option("--about-to", help="Time-about starts on or before this date.")
@click.option("--sort", type=click.Choice(list(LIST_SORTS)), default="id", show_default=True,
              help="id order; newest source, time about or record first; best match of "
                   "--search first; severity: conflicts first, then partial, compatible, agree.")
@click.option("--after", help="Keyset pagination: the claims after this claim id, in the --sort order.")
@click.option("--limit", type=click.IntRange(1, 10000), default=100, show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS_OUT), default="table", show_default=True)
@click.pass_obj
def list_(obj: Context, sources, entities, modalities, q, since, until, about_from, about_to,
          sort, after, limit, fmt):
    """List claims with their source and dates, from the claims index (the web list's:
    the same filters, search and sorts). A filter repeated matches any of its values;
    different filters must all match."""
    kb = obj.kb()
    kb.ensure_index()
    f = _list_filter(kb, sources, entities, modalities, q, since, until, about_from, about_to)
    sort = LIST_SORTS[sort]
    cursor = kb.index.cursor_at(kb.claim_iri(after), f, sort) if after else None
    page = kb.index.search(f, sort=sort, after=cursor, limit=limit)
    rows = [_list_row(kb, r) for r in page.rows]
    columns = ["id", "modality", "publisherName", "published", "earliest", "latest",
               "subjectLabel", "propertyLabel", "text", "verdict"]
    if page.note:
        click.echo(f"note: {page.note}", err=True)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        echo_csv(columns, [[r.get(c) for c in columns] for r in rows])
    else:
        headers = ["id", "modality", "publisher", "published", "about", "subject",
                   "property", "verdict", "statement"]
        table = [[r["id"], r["modality"], r["publisherName"], r["published"],
                  _about(r), r["subjectLabel"], r["propertyLabel"],
                  (r["verdict"] or "").lower(), clip(r["text"], 60)]
                 for r in rows]
        echo_table(headers, table)
        click.echo(f"{len(rows)} claim(s)" + (f"; next page: --after {rows[-1]['id']}"
                                               if page.next_cursor else ""), err=True)


def _list_filter(kb: KnowledgeBase, sources, entities, modalities, q, since, until,
                 about_from, about_to) -> ClaimFilter:
    """`claimkb list`'s options as the claims index's filter. Raises InputError for an
    unknown modality or a bad date, NotFound for an unknown source."""
    keys = [m.lower().replace(" ", "-").replace("_", "-") for m in modalities]
    for given, key in zip(modalities, keys):
        if key not in MODALITIES:
            raise InputError(f"unknown modality {given!r} (known: {', '.join(MODALITIES)})")
    return ClaimFilter(
        q=q or None,
        source=tuple(str(kb.articles.source_iri(s)) for s in sources),
        entity=tuple(e if e.startswith(("http://", "https://")) else str(kb.iris.resolve("entities", e))
                     for e in entities),
        modality=tuple(keys),
        published_from=parse_date(since, "--since").isoformat() if since else None,
        published_to=parse_date(until, "--until").isoformat() if until else None,
        about_from=parse_date(about_from, "--about-from").isoformat() if about_from else None,
        about_to=parse_date(about_to, "--about-to").isoformat() if about_to else None)


def _list_row(kb: KnowledgeBase, r: dict) -> dict:
    """A claims index row as `claimkb list` has always printed it (the store's names;
    ``recorded`` in one spelling whatever the backend gave: "…+00:00", not "…Z")."""
    row = {name: r[column] or None for name, column in LIST_COLUMNS.items()}
    if row["recorded"]:
        with contextlib.suppress(ValueError):      # not ISO 8601: as stored
            row["recorded"] = dt.datetime.fromisoformat(row["recorded"]).isoformat()
    row["id"] = kb.iris.local_id(r["iri"])
    return row


@click.command()
@click.argument("claim")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonld", "trig"]),
              default="text", show_default=True)
@click.pass_obj
def show(obj: Context, claim, fmt):
    """Show one claim (id or IRI): source, dates, quote, content."""
    kb = obj.kb()
    if fmt == "jsonld":
        click.echo(kb.claim_jsonld(claim))
        return
    if fmt == "trig":
        click.echo(kb.claim_dataset(kb.claim_iri(claim)).serialize(format="trig"))
        return
    view = kb.claim_view(claim)
    if fmt == "json":
        click.echo(json.dumps(view, indent=2, ensure_ascii=False))
        return
    click.echo(f"claim      {view['claim']}")
    click.echo(f"modality   {view['modality']}")
    click.echo(f"statement  {view['statement']}")
    click.echo(f"source     {view['source_title'] or ''} <{view['source']}>")
    click.echo(f"publisher  {view['publisher'] or '-'}")
    if view["speaker"]:
        click.echo(f"speaker    {view['speaker']}")
    click.echo(f"published  {view['published'] or '-'}   (when the source published it)")
    about = view["about"]
    click.echo(f"about      {_about(about) if about else '-'}   (the time the claim is about)")
    click.echo(f"recorded   {view['recorded']}   (when claimkb recorded it)")
    if view["quote"]:
        q = view["quote"]
        click.echo(f"quote      …{q.get('prefix', '')}[{q.get('exact')}]{q.get('suffix', '')}…"
                   .replace("\n", " "))
        click.echo(f"           chars {q.get('start')}–{q.get('end')} of {q.get('source')}")
    for c in view["content"]:
        value = c["value"]
        if isinstance(value, dict):
            value = f"{value.get('surfaceText')} → {value.get('value')} {value.get('unitCode')} " \
                    f"{_interval(value)} ({value.get('bound', '').rsplit('#', 1)[-1]})"
        click.echo(f"content    <{c['subject']}> <{c['property']}> {value}")


@click.command()
@click.argument("claim")
@click.option("--reason", required=True, help="Why the claim is retracted (shown with it).")
@click.pass_obj
def retract(obj: Context, claim, reason):
    """Retract a claim: it stays in the KB, shown as retracted with the reason, and takes
    no part in comparisons any more."""
    change = obj.kb().retract_claim(claim, reason)
    click.echo(f"retracted {claim} ({change.when})")


@click.command()
@click.argument("claim")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--version", "version", type=int, metavar="N",
              help="Print the earlier version kept by change N (1 = newest) as N-Quads.")
@click.pass_obj
def history(obj: Context, claim, fmt, version):
    """The changes recorded for a claim, newest first: who, when, what changed."""
    changes = obj.kb().claim_history(claim)
    if version is not None:
        if not 1 <= version <= len(changes) or changes[version - 1].before is None:
            raise InputError(f"change {version} keeps no earlier version "
                             f"({len(changes)} change(s); creations keep none)")
        click.echo(changes[version - 1].before, nl=False)
        return
    if fmt == "json":
        click.echo(json.dumps([c.as_dict() for c in changes], indent=2, ensure_ascii=False))
        return
    echo_table(["#", "when", "action", "who", "what changed"],
           [[i, c.when, c.action, c.who or "-", c.summary or ""]
            for i, c in enumerate(changes, 1)])


@click.command()
@click.argument("sparql_text", metavar="SPARQL")
@click.option("--endpoint", help="Query this remote SPARQL endpoint instead of the KB.")
@click.option("--format", "fmt", type=click.Choice(FORMATS_OUT), default="table", show_default=True)
@click.pass_obj
def query(obj: Context, sparql_text, endpoint, fmt):
    """Run a read-only SPARQL query (a file path or '-' for stdin is also accepted)."""
    if sparql_text == "-":
        sparql_text = sys.stdin.read()
    elif Path(sparql_text).suffix in (".rq", ".sparql") and Path(sparql_text).is_file():
        sparql_text = Path(sparql_text).read_text(encoding="utf-8")
    if endpoint:
        # any endpoint, read only: the remote backend chosen for this one command; the
        # KB's own endpoint credentials are not sent to another endpoint
        settings = load_settings(**{**obj.options, "backend": "remote",
                                    "query_endpoint": endpoint, "update_endpoint": endpoint})
        kb = KnowledgeBase.open(replace(settings, endpoint_user=None, endpoint_password=None,
                                        endpoint_dialect="auto"))
    else:
        kb = obj.kb()
    result = kb.query(sparql_text)
    if result.kind == "ask":
        click.echo(json.dumps({"boolean": result.boolean}) if fmt == "json" else
                   str(result.boolean).lower())
        return
    if result.kind == "graph":
        click.echo(result.graph.serialize(format="json-ld" if fmt == "json" else "turtle"))
        return
    rows = [[None if v is None else str(v) for v in row] for row in result.rows]
    if fmt == "json":
        click.echo(json.dumps([dict(zip(result.vars, r)) for r in rows], indent=2,
                              ensure_ascii=False))
    elif fmt == "csv":
        echo_csv(result.vars, rows)
    else:
        echo_table(result.vars, rows)
        click.echo(f"{len(rows)} row(s)", err=True)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["trig", "nquads", "jsonld", "claimreview"]),
              default="trig", show_default=True,
              help="trig/nquads: the whole KB; claimreview: the verdicts and imported "
                   "ClaimReviews as schema.org ClaimReview JSON-LD (with --claim: one claim's); "
                   "jsonld: one claim (--claim).")
@click.option("--claim", help="With --format jsonld: the claim to export.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
@click.pass_obj
def export(obj: Context, fmt, claim, output):
    """Export the whole KB (TriG, N-Quads), its verdicts as ClaimReview, or one claim (JSON-LD)."""
    kb = obj.kb()
    if fmt == "jsonld" or (fmt == "claimreview" and claim):
        if not claim:
            raise click.UsageError("--format jsonld exports one claim: give --claim ID")
        one = kb.claim_jsonld if fmt == "jsonld" else kb.claim_review_jsonld
        data = one(claim).encode("utf-8")
        if output:
            output.write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
        return
    if output:
        tmp = output.with_name(output.name + ".part")
        with open(tmp, "wb") as out:
            kb.export(out, fmt)
        tmp.replace(output)
    else:
        buffer = io.BytesIO()
        kb.export(buffer, fmt)
        sys.stdout.buffer.write(buffer.getvalue())


@click.command()
@click.pass_obj
def validate(obj: Context):
    """Check the whole KB against the SHACL shapes; exit 6 with a report on violations."""
    report = obj.kb().validate()
    click.echo(report.summary())


@click.command()
@click.pass_obj
def reindex(obj: Context):
    """Rebuild the claims index (list, facets, full-text search) and the annotations index
    from the store."""
    kb = obj.kb()
    show = sys.stderr.isatty()

    def progress(done, total):
        if show:
            click.echo(f"\rindexed {done:,}/{total:,} claims", nl=False, err=True)

    count = kb.reindex(progress)
    if show:
        click.echo("", err=True)
    click.echo(f"claims index rebuilt: {count:,} claims")


@click.command()
@click.option("--force", is_flag=True, help="Rebuild even if the KB already has claims.")
@click.pass_obj
def demo(obj: Context, force):
    """Build the demo KB: the Globinsider article of July 2021 and claims from other
    outlets about the same facts."""
    kb = obj.kb()
    report = build_demo(kb, force=force)
    click.echo(report)



def _interval(value: dict) -> str:
    """"(350, ∞)" / "[1344, 1344]": brackets say whether an end belongs to the interval."""
    low, high = value.get("minValue"), value.get("maxValue")
    left = "(" if low is None or value.get("minExclusive") == "true" else "["
    right = ")" if high is None or value.get("maxExclusive") == "true" else "]"
    return f"{left}{low if low is not None else '-∞'}, {high if high is not None else '∞'}{right}"


def _about(row) -> str:
    if not row or not row.get("earliest"):
        return "-"
    if row["earliest"] == row["latest"]:
        return row["earliest"]
    return f"{row['earliest']}/{row['latest']}"


COMMANDS = (init, import_article, import_, list_, show, retract, history, query, export,
            validate, reindex, demo)
