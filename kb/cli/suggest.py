"""``claimkb suggest``: the check-worthy claims of an article, pre-structured
(kb.services.suggestions; docs/extraction.md)."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import click

from kb.cli.app import Context
from kb.ingest.articles import read_file
from kb.ingest.claims_draft import draft
from kb.errors import InputError
from kb.model.dates import parse_date
from kb.services.suggestions import ArticleSuggestions


@click.command("suggest")
@click.argument("article")
@click.option("--yaml", "yaml_out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write a claims file draft to this file ('-': standard output).")
@click.option("--json", "as_json", is_flag=True, help="Print the suggestions as JSON.")
@click.option("--dismissed", is_flag=True,
              help="The dismissed suggestions too (listed, in --json, and in the --yaml draft).")
@click.option("--published", help="A file's publication date (YYYY-MM-DD): relative times "
              "(\"on Thursday\") are resolved against it.")
@click.option("--language", help="A file's language (BCP-47, e.g. en).")
@click.option("--type", "kind", help="A file's type: news, opinion, report, article, webpage.")
@click.option("--format", "fmt", type=click.Choice(["html", "text"]),
              help="A file's format (default: by extension).")
@click.pass_obj
def suggest(obj: Context, article, yaml_out, as_json, dismissed, published, language, kind, fmt):
    """Suggest the check-worthy claims of ARTICLE: an article in the KB (id, IRI, URL or
    headline) or an HTML or text file.

    Each suggestion comes with its quote, a modality guess, the speaker of reported
    speech, its figures and times (resolved against the publication date), candidate
    subject and property, and a check-worthiness score with its reasons. --yaml writes
    a claims file draft: edit it, then `claimkb import` it.
    """
    kb = obj.kb()
    path = Path(article)
    if _is_file(article):
        data = read_file(path, obj.settings.max_article_bytes, fmt)
        data = data.with_overrides(
            published=parse_date(published, "--published") if published else None,
            language=language, kind=kind)
        result = kb.suggest_claims_in(data)
        where = {"file": path, "meta": {"title": data.title, "published": data.published,
                                         "language": data.language, "type": data.kind,
                                         "url": data.url}}
    else:
        given = [name for name, value in (("--published", published), ("--language", language),
                                           ("--type", kind), ("--format", fmt)) if value]
        if given:
            raise InputError(f"{', '.join(given)} describe a file; {article!r} is an article "
                             "in the KB, read with its own metadata", where="claimkb suggest")
        result = kb.suggest_claims(article)
        where = None
    if yaml_out:
        _write_draft(result, where, yaml_out, article, dismissed)
        return
    if as_json:
        click.echo(json.dumps(result.as_dict(dismissed=dismissed), indent=2, ensure_ascii=False))
        return
    _print(result, dismissed)


def _is_file(article: str) -> bool:
    if article.startswith(("http://", "https://")):
        return False
    try:
        return Path(article).is_file()
    except (OSError, ValueError):      # a headline too long (or odd) to be a file name
        return False


def _write_draft(result: ArticleSuggestions, where, yaml_out: str, article: str,
                 dismissed: bool) -> None:
    chosen = list(result.suggestions) + (list(result.dismissed) if dismissed else [])
    if not chosen:
        click.echo(f"no suggested claims in {result.id or article}: nothing written"
                   + (f" ({len(result.dismissed)} dismissed: --dismissed adds them)"
                      if result.dismissed else ""))
        return
    today = dt.date.today().isoformat()
    header = (f"Claims suggested by `claimkb suggest` for {result.id or article} on {today}.\n"
              "Keep the claims worth recording, correct what the assistant read wrong,\n"
              "delete the rest, then: claimkb import THIS-FILE")
    if where is None:
        text = draft(chosen, result.text, article_ref=result.id or str(result.article),
                     labels=result.labels, header=header)
    else:
        file = where["file"].resolve()
        if yaml_out != "-":
            file = Path(os.path.relpath(file, Path(yaml_out).resolve().parent))
        text = draft(chosen, result.text, article_file=file,
                     article_meta={k: v for k, v in where["meta"].items() if v},
                     labels=result.labels, header=header)
    if yaml_out == "-":
        click.echo(text, nl=False)
    else:
        Path(yaml_out).write_text(text, encoding="utf-8")
        written = text.count("\n  - article: ")
        left = len(chosen) - written
        click.echo(f"{written} suggested claims written to {yaml_out}"
                   + (f" ({left} left as comments: their words and 200 characters around them "
                      "stand several times in the text)" if left else ""))


def _print(result: ArticleSuggestions, dismissed: bool) -> None:
    click.echo(f"{result.id or 'file'}: {len(result.suggestions)} suggested claims in "
               f"{result.sentences} sentences"
               + (f" ({len(result.dismissed)} dismissed)" if result.dismissed else ""))
    for note in result.notes:
        click.echo(f"note: {note}")
    shown = list(result.suggestions) + (list(result.dismissed) if dismissed else [])
    for n, s in enumerate(shown, 1):
        mark = " (dismissed)" if s in result.dismissed else ""
        click.echo(f"\n{n}. [{s.modality}, score {s.score:g}] {s.id}{mark}")
        click.echo(f"   “{s.quote}”")
        if s.speaker:
            click.echo(f"   speaker: {s.speaker}")
        for q in s.quantities:
            click.echo(f"   figure: {q.surface} → {q.quantity.value} {q.quantity.unit.code or ''} "
                       f"({q.quantity.qualifier.label})")
        for t in s.times:
            click.echo(f"   time: {t.surface} → {t.value or 'not resolved: ' + (t.problem or '')}")
        if s.subjects:
            click.echo("   subject: " + ", ".join(_shown(h, result.labels) for h in s.subjects[:3]))
        if s.properties:
            click.echo("   property: " + ", ".join(_shown(h, result.labels) for h in s.properties[:3]))
        click.echo(f"   why: {'; '.join(s.reasons)}")
        for note in s.notes:
            click.echo(f"   note: {note}")


def _shown(hit, labels) -> str:
    if hit.owners:
        return f"{labels.get(hit.owners[0], hit.text)} (in the KB)"
    return f"{hit.text} (new)"


COMMANDS = [suggest]
