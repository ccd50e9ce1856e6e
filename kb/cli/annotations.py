"""The ``annotations`` group (docs/annotations.md): list, show and export the W3C Web
Annotations."""
from __future__ import annotations

import json
from pathlib import Path

import click

from kb.cli.app import Context
from kb.cli.output import echo_table


@click.group()
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
    echo_table(["id", "creator", "motivation", "target", "text", "modified"],
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


COMMANDS = (annotations,)
