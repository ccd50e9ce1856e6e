"""The commands on the claims and the KB as a whole: init, import, import-article,
list, show, retract, history, query, export, validate, reindex, demo."""
from __future__ import annotations

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
from kb.errors import InputError
from kb.ingest.articles import fetch, read_file
from kb.knowledgebase import KnowledgeBase
from kb.model.dates import parse_date
from kb.model.urls import check_url
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
    error writes nothing. Names are resolved to the KB's entities, properties, people
    and publishers (same key, label, alias or Wikidata id: docs/entities.md); what was
    resolved is listed, and a new name close to an existing one is a warning.
    """
    kb = obj.kb()
    for path in files:
        with click.progressbar(length=1, label=f"checking {path.name}", file=sys.stderr,
                               show_pos=True, hidden=not sys.stderr.isatty()) as bar:
            def progress(done, total, bar=bar):
                bar.length = total
                bar.update(done - bar.pos)

            r = kb.import_file(path, fmt, progress, strict=strict)
        what = f"{r.quads} quads" if r.format in ("trig", "nquads") else \
               f"{r.claims} claims, {r.articles} sources"
        click.echo(f"{r.path}: {r.format}, {what}")
        for note in r.notes:
            click.echo(f"  note: {note}", err=True)
        for note in r.resolved:
            click.echo(f"  {note}", err=True)
        for warning in r.warnings:
            click.echo(f"  warning: {warning}", err=True)


@click.command("list")
@click.option("--source", help="Article (id, IRI, URL, headline) or publisher (name, IRI).")
@click.option("--entity", help="Entity id or IRI (subject, scope, speaker or value).")
@click.option("--modality", help="factual, event, reported-speech, opinion, prediction.")
@click.option("--since", help="Published on or after this date.")
@click.option("--until", help="Published on or before this date.")
@click.option("--about-from", help="Time-about ends on or after this date.")
@click.option("--about-to", help="Time-about starts on or before this date.")
@click.option("--after", help="Keyset pagination: claims after this claim id.")
@click.option("--limit", type=click.IntRange(1, 10000), default=100, show_default=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS_OUT), default="table", show_default=True)
@click.pass_obj
def list_(obj: Context, source, entity, modality, since, until, about_from, about_to,
          after, limit, fmt):
    """List claims with their source and dates."""
    rows = obj.kb().list_claims(source=source, entity=entity, modality=modality, since=since,
                                until=until, about_from=about_from, about_to=about_to,
                                after=after, limit=limit)
    columns = ["id", "modality", "publisherName", "published", "earliest", "latest",
               "subjectLabel", "propertyLabel", "text"]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        echo_csv(columns, [[r.get(c) for c in columns] for r in rows])
    else:
        headers = ["id", "modality", "publisher", "published", "about", "subject",
                   "property", "statement"]
        table = [[r["id"], r["modality"], r["publisherName"], r["published"],
                  _about(r), r["subjectLabel"], r["propertyLabel"], clip(r["text"], 60)]
                 for r in rows]
        echo_table(headers, table)
        click.echo(f"{len(rows)} claim(s)" + (f"; next page: --after {rows[-1]['id']}"
                                               if len(rows) == limit else ""), err=True)


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
@click.option("--format", "fmt", type=click.Choice(["trig", "nquads", "jsonld"]),
              default="trig", show_default=True)
@click.option("--claim", help="With --format jsonld: the claim to export.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: standard output).")
@click.pass_obj
def export(obj: Context, fmt, claim, output):
    """Export the whole KB (TriG, N-Quads) or one claim (JSON-LD)."""
    kb = obj.kb()
    if fmt == "jsonld":
        if not claim:
            raise click.UsageError("--format jsonld exports one claim: give --claim ID")
        data = kb.claim_jsonld(claim).encode("utf-8")
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
