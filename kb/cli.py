"""The ``claimkb`` command line. Every command has --help; errors print one line
``error: <where>: <message>`` and exit with the error's code (see kb/errors.py)."""
from __future__ import annotations

import csv
import getpass
import io
import json
import sys
from pathlib import Path

import click
from rdflib import URIRef

from kb.config import load_settings
from kb.errors import InputError, KBError
from kb.accounts.users import Users, check_name
from kb.demo import build as build_demo
from kb.errors import NotFound
from kb.ingest.articles import fetch, read_file
from kb.knowledgebase import KnowledgeBase
from kb.model.dates import parse_date
from kb.model.iris import COMPARISONS
from kb.model.urls import check_url
from kb.model.verdicts import parse_verdict
from kb.services.imports import IMPORT_FORMATS
from kb.services.matching import DEFAULT_THRESHOLD

FORMATS_OUT = ("table", "json", "csv")


class Context:
    def __init__(self, **options):
        self.options = options
        self._kb: KnowledgeBase | None = None

    @property
    def settings(self):
        return load_settings(**self.options)

    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            self._kb = KnowledgeBase.open(self.settings)
            self._kb.actor = f"cli:{_login()}"   # who the history records for CLI writes
        return self._kb

    def close(self) -> None:
        if self._kb is not None:
            self._kb.close()
            self._kb = None


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):   # no login name (some containers)
        return "unknown"


class KBGroup(click.Group):
    """Turns kb errors into one readable line and the error's exit code."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KBError as exc:
            click.echo(f"error: {exc}", err=True)
            report = getattr(exc, "report", None)
            if report:
                click.echo(report, err=True)
            ctx.exit(exc.exit_code)
        finally:
            obj = ctx.find_object(Context)
            if obj is not None:
                obj.close()


@click.group(cls=KBGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Data directory of the embedded store (env CLAIMKB_DATA_DIR).")
@click.option("--backend", type=click.Choice(["embedded", "remote"]),
              help="Store backend (env CLAIMKB_BACKEND).")
@click.option("--query-endpoint", help="Remote backend: SPARQL query URL.")
@click.option("--update-endpoint", help="Remote backend: SPARQL update URL.")
@click.option("--base-iri", help="Base of the IRIs claimkb mints (env CLAIMKB_BASE_IRI).")
@click.version_option(package_name="claimkb")
@click.pass_context
def main(ctx, data_dir, backend, query_endpoint, update_endpoint, base_iri):
    """claimkb: claims with their sources and dates, as RDF named graphs."""
    ctx.obj = Context(data_dir=data_dir, backend=backend, query_endpoint=query_endpoint,
                      update_endpoint=update_endpoint, base_iri=base_iri)


@main.command()
@click.pass_obj
def init(obj: Context):
    """Create an empty knowledge base in the data directory."""
    kb = obj.kb()
    click.echo(f"knowledge base ready ({kb.store.name} store"
               + (f" in {obj.settings.store_dir}" if kb.store.name == "embedded" else "")
               + f", {kb.store.quad_count()} quads)")


@main.command("import-article")
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


@main.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(IMPORT_FORMATS),
              help="claims (YAML), trig, nquads or claimreview (JSON-LD); default by extension.")
@click.pass_obj
def import_(obj: Context, files, fmt):
    """Import claims YAML, TriG, N-Quads or ClaimReview JSON-LD files.

    Each file is checked completely and written in one transaction: a file with an
    error writes nothing.
    """
    kb = obj.kb()
    for path in files:
        with click.progressbar(length=1, label=f"checking {path.name}", file=sys.stderr,
                               show_pos=True, hidden=not sys.stderr.isatty()) as bar:
            def progress(done, total, bar=bar):
                bar.length = total
                bar.update(done - bar.pos)

            r = kb.import_file(path, fmt, progress)
        what = f"{r.quads} quads" if r.format in ("trig", "nquads") else \
               f"{r.claims} claims, {r.articles} sources"
        click.echo(f"{r.path}: {r.format}, {what}")
        for note in r.notes:
            click.echo(f"  note: {note}", err=True)


@main.command("list")
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
        _csv(columns, [[r.get(c) for c in columns] for r in rows])
    else:
        headers = ["id", "modality", "publisher", "published", "about", "subject",
                   "property", "statement"]
        table = [[r["id"], r["modality"], r["publisherName"], r["published"],
                  _about(r), r["subjectLabel"], r["propertyLabel"], _clip(r["text"], 60)]
                 for r in rows]
        _table(headers, table)
        click.echo(f"{len(rows)} claim(s)" + (f"; next page: --after {rows[-1]['id']}"
                                               if len(rows) == limit else ""), err=True)


@main.command()
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


@main.command()
@click.argument("claim")
@click.option("--reason", required=True, help="Why the claim is retracted (shown with it).")
@click.pass_obj
def retract(obj: Context, claim, reason):
    """Retract a claim: it stays in the KB, shown as retracted with the reason, and takes
    no part in comparisons any more."""
    change = obj.kb().retract_claim(claim, reason)
    click.echo(f"retracted {claim} ({change.when})")


@main.command()
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
    _table(["#", "when", "action", "who", "what changed"],
           [[i, c.when, c.action, c.who or "-", c.summary or ""]
            for i, c in enumerate(changes, 1)])


@main.command()
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
        # any endpoint, read only: the remote backend chosen for this one command
        kb = KnowledgeBase.open(load_settings(**{**obj.options, "backend": "remote",
                                                 "query_endpoint": endpoint,
                                                 "update_endpoint": endpoint}))
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
        _csv(result.vars, rows)
    else:
        _table(result.vars, rows)
        click.echo(f"{len(rows)} row(s)", err=True)


@main.command()
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


@main.command()
@click.pass_obj
def validate(obj: Context):
    """Check the whole KB against the SHACL shapes; exit 6 with a report on violations."""
    report = obj.kb().validate()
    click.echo(report.summary())


@main.command()
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


@main.command()
@click.option("--force", is_flag=True, help="Rebuild even if the KB already has claims.")
@click.pass_obj
def demo(obj: Context, force):
    """Build the demo KB: the Globinsider article of July 2021 and claims from other
    outlets about the same facts."""
    kb = obj.kb()
    report = build_demo(kb, force=force)
    click.echo(report)


@main.command()
@click.option("--subject", help="Only facts about this entity (id or IRI; owl:sameAs followed).")
@click.option("--property", "prop", help="Only this property (id or IRI).")
@click.option("--source", help="Only facts this article or publisher takes part in.")
@click.option("--verdict", help="Only pairs with this verdict: CONFLICT, PARTIAL, COMPATIBLE, "
                                "AGREE, NOT_COMPARABLE (any case; not-comparable too).")
@click.option("--claim", help="Everything said about the same thing as this claim, each with "
                              "its verdict against it (not-comparable ones too, with why).")
@click.option("--pair", nargs=2, metavar="CLAIM CLAIM", help="The verdict on two claims.")
@click.option("--materialise", is_flag=True,
              help="Store every verdict in the comparison graph (kept current on later writes).")
@click.option("--reindex", is_flag=True,
              help="Rebuild the comparison index (<data-dir>/compare.sqlite) from the store "
                   "first (after writes that bypassed claimkb, e.g. to a remote endpoint).")
@click.option("--limit", type=click.IntRange(1), help="Only the first LIMIT facts of the report.")
@click.option("--format", "fmt", type=click.Choice(FORMATS_OUT), default="table", show_default=True)
@click.pass_obj
def compare(obj: Context, subject, prop, source, verdict, claim, pair, materialise, reindex, limit,
            fmt):
    """Compare what different sources say about the same thing: AGREE, COMPATIBLE,
    PARTIAL, CONFLICT (with the difference and a severity), or NOT_COMPARABLE (and why),
    each with its flags (attribution_change, modality_change, different_dates,
    scope_not_stated, rounded). --claim also gives the claim's status (CONTESTED,
    SUPPORTED, PARTLY_SUPPORTED, UNVERIFIED); report rows carry their fact's status
    (CONTESTED when its sources disagree)."""
    verdict = parse_verdict(verdict)
    kb = obj.kb()
    if reindex:
        counts = kb.compare_index.rebuild()
        click.echo(f"comparison index rebuilt: {counts['claims']} claim(s), {counts['facts']} "
                   f"fact(s), {counts['verdicts']} verdict(s)", err=True)
    if materialise:
        count = kb.comparisons.materialise()
        click.echo(f"{count} comparison(s) stored in <{COMPARISONS}>", err=True)
    rows = []
    status = None
    if pair:
        v = kb.comparisons.compare_two(*pair)
        rows.append({"subject": None, "property": None, "scope": None, **v.as_dict()})
    elif claim:
        this, verdicts, status = kb.comparisons.compare_claim_status(claim)
        if this is None:
            click.echo("this claim has no structured content, or nothing else is said "
                       "about its subject and property", err=True)
        for v in verdicts:
            if verdict is None or v.verdict == verdict:
                rows.append({"subject": this.subject, "property": this.property,
                             "scope": this.scope, **v.as_dict()})
    else:
        # streamed (Comparisons.report_rows: bounded memory)
        rows = kb.comparisons.report_rows(limit=limit, subject=subject, prop=prop,
                                          source=source, verdict=verdict)
    local = kb.iris.local_id

    def shorten(rows):
        for row in rows:
            row["a"], row["b"] = local(URIRef(row["a"])) or row["a"], local(URIRef(row["b"])) or row["b"]
            yield row

    rows = shorten(rows)
    if claim and fmt == "json":     # one claim: its status and its pairs
        iri = str(kb.claim_iri(claim))
        click.echo(json.dumps({"claim": local(URIRef(iri)) or iri, "status": status,
                               "pairs": list(rows)}, indent=2, ensure_ascii=False))
        return
    if claim and status:
        click.echo(f"status: {status}", err=True)
    if fmt == "json":         # streamed: a report can hold millions of verdicts
        first = True
        for row in rows:
            text = json.dumps(row, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            click.echo(("[\n  " if first else ",\n  ") + text, nl=False)
            first = False
        click.echo("[]" if first else "\n]")
    elif fmt == "csv":
        columns = ["subject", "property", "scope", "fact_status", "a", "b", "verdict",
                   "flags", "severity", "absolute_difference", "relative_difference", "reason"]
        _csv(columns, [])
        for chunk in _chunks(rows, 10_000):
            out = io.StringIO()
            csv.writer(out).writerows([[" ".join(r.get(c)) if isinstance(r.get(c), list)
                                        else "" if r.get(c) is None else r.get(c)
                                        for c in columns] for r in chunk])
            click.echo(out.getvalue(), nl=False)
    else:
        current = None
        count = 0
        for r in rows:
            count += 1
            key = (r["subject"], r["property"], r["scope"])
            if key != current and r["subject"]:
                current = key
                scope = f" (scope: {local(URIRef(r['scope'])) or r['scope']})" if r["scope"] else ""
                click.echo(f"\n{local(URIRef(r['subject'])) or r['subject']} · "
                           f"{local(URIRef(r['property'])) or r['property']}{scope}")
            badge = r["verdict"].replace("_", " ") + (f" ({r['severity']})" if r["severity"] else "")
            flags = f" [{', '.join(f.replace('_', ' ') for f in r['flags'])}]" if r.get("flags") else ""
            click.echo(f"  {badge:<22} {r['a']} ~ {r['b']}{flags}: {r['reason']}")
        click.echo(f"{count} verdict(s)", err=True)


def _chunks(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@main.command()
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="Score a pair needs (default: kb.matching.DEFAULT_THRESHOLD).")
@click.option("--publisher", help="Only pairs one of whose claims is by this publisher.")
@click.option("--since", help="Only claims published on or after this date.")
@click.option("--until", help="Only claims published on or before this date.")
@click.option("--limit", type=click.IntRange(1, 100000), default=100, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_obj
def match(obj: Context, threshold, publisher, since, until, limit, fmt):
    """Propose pairs of claims from different sources that state the same thing (for
    claims entered as text only, e.g. from ClaimReview feeds), best first, with why."""
    kb = obj.kb()
    found = kb.matches(DEFAULT_THRESHOLD if threshold is None else threshold,
                       publisher=publisher, since=since, until=until)[:limit]
    local = kb.iris.local_id
    if fmt == "json":
        click.echo(json.dumps([{
            "score": round(m.score, 4), "reasons": m.reasons,
            "a": {"id": local(URIRef(m.a.id)) or m.a.id, "text": m.a.text,
                  "publisher": m.a.publisher, "date": m.a.date and str(m.a.date)},
            "b": {"id": local(URIRef(m.b.id)) or m.b.id, "text": m.b.text,
                  "publisher": m.b.publisher, "date": m.b.date and str(m.b.date)},
        } for m in found], indent=2, ensure_ascii=False))
        return
    for m in found:
        click.echo(f"{m.score:.2f}  {local(URIRef(m.a.id))} ({m.a.publisher}, {m.a.date})  ↔  "
                   f"{local(URIRef(m.b.id))} ({m.b.publisher}, {m.b.date})")
        click.echo(f"      A: {_clip(m.a.text, 110)}")
        click.echo(f"      B: {_clip(m.b.text, 110)}")
        click.echo(f"      why: {'; '.join(m.reasons)}")
    click.echo(f"{len(found)} proposed pair(s)", err=True)


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


def _clip(text, width):
    if not text:
        return ""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(headers, rows) -> None:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [min(60, max([len(h)] + [len(r[i]) for r in cells])) for i, h in enumerate(headers)]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo("  ".join(_clip(v, w).ljust(w) for v, w in zip(row, widths)).rstrip())


def _csv(headers, rows) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows([["" if v is None else v for v in r] for r in rows])
    click.echo(out.getvalue(), nl=False)


# ---------------------------------------------------------------- web accounts

def _users(obj: Context):
    return Users.for_settings(obj.settings)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@main.group()
def user():
    """Web accounts (in <data-dir>/users.sqlite): roles reader < annotator < editor <
    admin; editors add and edit claims in the web UI; API clients send a token as
    ``Authorization: Bearer <token>``."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reader", "annotator", "editor", "admin"]),
              default="reader", show_default=True)
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin instead of prompting.")
@click.pass_obj
def user_add(obj: Context, name, role, password_stdin):
    """Create a user; the password is prompted for twice (or read with --password-stdin)."""
    users = _users(obj)
    check_name(name)
    try:
        users.get_user(name)
    except NotFound:
        pass
    else:
        raise InputError(f"user {name!r} exists already")
    created = users.add_user(name, _read_password(password_stdin), role)
    click.echo(f"user {created.name} added ({created.role})")


@user.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_obj
def user_list(obj: Context, fmt):
    """List the users and their roles."""
    users = _users(obj).list_users()
    if fmt == "json":
        click.echo(json.dumps([{"name": u.name, "role": u.role, "created": u.created}
                               for u in users], indent=2))
        return
    _table(["name", "role", "created"], [[u.name, u.role, u.created] for u in users])


@user.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(["reader", "annotator", "editor", "admin"]))
@click.pass_obj
def user_set_role(obj: Context, name, role):
    """Give a user another role (effective on their next request)."""
    changed = _users(obj).set_role(name, role)
    click.echo(f"user {changed.name} is now {changed.role}")


@user.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin instead of prompting.")
@click.pass_obj
def user_set_password(obj: Context, name, password_stdin):
    """Change a user's password (their other web sessions are logged out)."""
    users = _users(obj)
    users.get_user(name)
    users.set_password(name, _read_password(password_stdin))
    click.echo(f"password of {name} changed")


@user.command("remove")
@click.argument("name")
@click.pass_obj
def user_remove(obj: Context, name):
    """Remove a user and their API tokens."""
    _users(obj).remove_user(name)
    click.echo(f"user {name} removed")


@user.command("token")
@click.argument("name")
@click.option("--label", help="What the token is for (shown by --list).")
@click.option("--list", "list_", is_flag=True, help="List the user's tokens instead.")
@click.option("--revoke", "revoke", metavar="ID", type=int, help="Revoke one token by id.")
@click.option("--revoke-all", is_flag=True, help="Revoke all the user's tokens.")
@click.pass_obj
def user_token(obj: Context, name, label, list_, revoke, revoke_all):
    """Create an API token for NAME, printed once (only its hash is kept). API clients
    send it as ``Authorization: Bearer <token>``."""
    users = _users(obj)
    if list_:
        _table(["id", "label", "created", "last used"],
               [[t.id, t.label, t.created, t.last_used] for t in users.list_tokens(name)])
        return
    if revoke is not None or revoke_all:
        count = users.revoke_tokens(name, None if revoke_all else revoke)
        click.echo(f"{count} token(s) of {name} revoked")
        return
    click.echo(users.create_token(name, label))
    click.echo("Store this token now: it is not shown again.", err=True)


# ---------------------------------------------------------------- publisher reliability

def _assessor(obj: Context, name: str):
    """The web account NAME (its role is checked by kb.reliability)."""
    return _users(obj).get_user(name)


@main.command()
@click.argument("publisher")
@click.option("--user", "user_name", required=True, help="The assessor: a web account "
              "(claimkb user add NAME --role annotator) with the annotator role or higher.")
@click.option("--value", help="The rating, 1 (unreliable) to 5 (highly reliable); see "
              "docs/reliability.md.")
@click.option("--reason", help="Why: what the assessor observed (required).")
@click.option("--evidence", help="An http(s) URL of the evidence (required).")
@click.option("--withdraw", is_flag=True, help="Withdraw the user's current rating instead "
              "(it stays in the history, marked withdrawn).")
@click.pass_obj
def rate(obj: Context, publisher, user_name, value, reason, evidence, withdraw):
    """Rate the reliability of PUBLISHER (id, IRI or name) as assessor --user. A new
    rating supersedes the assessor's previous one, which stays in the history."""
    user = _assessor(obj, user_name)
    kb = obj.kb()
    if withdraw:
        if value or reason or evidence:
            raise InputError("--withdraw takes no --value, --reason or --evidence")
        iri, _ = kb.reliability.publisher_iri(publisher)
        found = kb.reliability.current(iri, user)
        if found is None:
            raise InputError(f"{user.name} has no current rating of {publisher!r} to withdraw")
        done = kb.reliability.withdraw(found.iri, user=user)
        click.echo(f"{done.id}  withdrawn: {done.assessor}'s rating {done.value} "
                   f"({done.level}) of {done.publisher}")
        return
    if value is None:
        raise InputError("give --value (1 to 5), --reason and --evidence")
    done = kb.reliability.rate(publisher, user=user, value=value, reason=reason or "",
                            evidence=evidence or "")
    click.echo(f"{done.id}  {done.assessor} rates {done.publisher} {done.value}/{done.best} "
               f"({done.level})" + (f", superseding {done.previous.rsplit('/', 1)[-1]}"
                                    if done.previous else ""))


@main.command()
@click.argument("publisher")
@click.option("--history", is_flag=True, help="Every rating, not only each assessor's current one.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_obj
def ratings(obj: Context, publisher, history, fmt):
    """The reliability ratings of PUBLISHER (id, IRI or name): each assessor's current
    rating (none when withdrawn) with reason and evidence; --history for all."""
    found = obj.kb().reliability.assessments(publisher)
    if fmt == "json":
        click.echo(json.dumps(found.as_dict(), indent=2, ensure_ascii=False))
        return
    rows = []
    for group in found.assessors:
        items = group.history if history else ([group.current] if group.current else [])
        if not items and not history:
            rows.append([group.assessor, "", "withdrawn", "", "", ""])
        for a in items:
            rows.append([a.assessor, f"{a.value}/{a.best}", a.level if a.status == "current"
                         else f"{a.level} ({a.status})", a.created[:19], a.reason, a.evidence])
    click.echo(f"{found.name or found.publisher}: {len(found.assessors)} assessor(s)")
    _table(["assessor", "rating", "level", "date", "reason", "evidence"], rows)


# ---------------------------------------------------------------- annotations (docs/annotations.md)

@main.group()
def annotations():
    """W3C Web Annotations (also served by the Web Annotation Protocol at /annotations/):
    list, show, export."""


@annotations.command("list")
@click.option("--source", help="Only annotations on this article, claim or publisher (IRI).")
@click.option("--target", help="Only annotations with this target IRI.")
@click.option("--motivation", help="commenting, questioning, assessing, tagging, … (or an IRI).")
@click.option("--tag", help="Only annotations with this tag.")
@click.option("--creator", help="Only annotations created by this user.")
@click.option("--orphans", is_flag=True, help="Only annotations that lost their anchor in the "
                                              "article's current text.")
@click.option("--after", help="Keyset pagination: the last id of the previous page.")
@click.option("--limit", type=int, default=100, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_obj
def annotations_list(obj: Context, source, target, motivation, tag, creator, orphans, after,
                     limit, fmt):
    """List annotations in id order, with filters."""
    service = obj.kb().annotations
    if source and not source.startswith(("http://", "https://")):
        source = str(obj.kb().find_article(source))
    page = service.list(source=source, target=target, motivation=motivation, tag=tag,
                        creator=creator, after=after, limit=limit, orphan=orphans or None)
    if fmt == "json":
        click.echo(json.dumps({"total": page.total, "next_after": page.next_after,
                               "items": [a.as_dict() for a in page.items]},
                              indent=2, ensure_ascii=False))
        return
    _table(["id", "creator", "motivation", "target", "text", "modified"],
           [[a.id, a.creator, ",".join(a.motivations), a.target_source,
             ("[orphan] " if a.orphan else "") + " | ".join(a.bodies_text + [f"#{t}" for t in a.tags]),
             a.modified] for a in page.items])
    click.echo(f"{len(page.items)} of {page.total}"
               + (f"; next page: --after {page.next_after}" if page.next_after else ""))


@annotations.command("show")
@click.argument("annotation")
@click.option("--format", "fmt", type=click.Choice(["jsonld", "json", "history"]), default="jsonld",
              show_default=True)
@click.pass_obj
def annotations_show(obj: Context, annotation, fmt):
    """One annotation (id or IRI) as served (JSON-LD), its summary (json), or its
    history (who changed what, when)."""
    service = obj.kb().annotations
    if fmt == "history":
        click.echo(json.dumps([c.as_dict() for c in service.history(annotation)], indent=2,
                              ensure_ascii=False))
        return
    found = service.get(annotation)
    click.echo(json.dumps(found.doc if fmt == "jsonld" else found.as_dict(), indent=2,
                          ensure_ascii=False))


@annotations.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonld", "nquads"]), default="jsonld",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def annotations_export(obj: Context, fmt, output):
    """Every annotation: a JSON-LD AnnotationCollection with one embedded page, or
    N-Quads (one named graph per annotation)."""
    service = obj.kb().annotations
    iris = service.all_iris()
    if fmt == "jsonld":
        items = [{k: v for k, v in service.get(i).doc.items() if k != "@context"} for i in iris]
        text = json.dumps({"@context": "http://www.w3.org/ns/anno.jsonld",
                           "id": service.container, "type": "AnnotationCollection",
                           "total": len(items),
                           "first": {"type": "AnnotationPage", "startIndex": 0, "items": items}},
                          indent=2, ensure_ascii=False)
    else:
        lines = []
        for iri in iris:
            for line in service.graph_of(iri).serialize(format="nt").splitlines():
                if line.strip():
                    lines.append(f"{line.rstrip().removesuffix('.').rstrip()} <{iri}> .")
        text = "\n".join(lines)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"{len(iris)} annotation(s) written to {output}", err=True)
    else:
        click.echo(text)
