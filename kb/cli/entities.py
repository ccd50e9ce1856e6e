"""Entities, properties, people and publishers: ``claimkb entities`` (and ``properties``,
``people``, ``publishers``) lists them with their claims; ``… list --search TEXT``
searches keys, labels and aliases; ``… merge KEEP OTHER`` merges OTHER into KEEP,
``… split OTHER`` undoes it; ``… dedupe`` proposes merges (``--apply`` merges those at
or above ``--threshold``); ``entities link`` / ``properties link`` look a resource up on
Wikidata and store the chosen link (docs/entities.md)."""
from __future__ import annotations

import json

import click

from kb.cli.app import Context
from kb.cli.output import echo_table
from kb.model.names import KINDS
from kb.services.entities import DEDUPE_THRESHOLD


def _list_command(kind: str):
    @click.command("list")
    @click.option("--search", "query", help="Only those whose key, label or alias contains this.")
    @click.option("--after", help="Keyset pagination: the cursor printed after the last page.")
    @click.option("--limit", type=click.IntRange(1, 10000), default=100, show_default=True)
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                  show_default=True)
    @click.pass_obj
    def list_(obj: Context, query, after, limit, fmt):
        """List them (label order), with the number of claims naming each."""
        page = obj.kb().entities.listing(kind, query, after, limit)
        if fmt == "json":
            click.echo(json.dumps(page, indent=2, ensure_ascii=False))
            return
        echo_table(["id", "label", "claims", "aliases", "wikidata"],
                   [(i["id"], i["label"], i["claims"], "; ".join(i["aliases"]),
                     " ".join(i["wikidata"])) for i in page["items"]])
        if page["next"]:
            click.echo(f"more: --after '{page['next']}'", err=True)

    list_.help = f"List the {kind} (label order), with the number of claims naming each."
    return list_


def _merge_command(kind: str):
    singular = KINDS[kind].singular

    @click.command("merge")
    @click.argument("keep")
    @click.argument("others", nargs=-1, required=True)
    @click.pass_obj
    def merge(obj: Context, keep, others):
        kb = obj.kb()
        for other in others:
            done = kb.entities.merge(kind, keep, other)
            click.echo(f"merged {kb.iris.local_id(done.other) or done.other} into "
                       f"{kb.iris.local_id(done.survivor) or done.survivor}: "
                       f"{len(done.claims)} claim(s) moved")

    merge.help = (f"Merge each OTHER {singular} into KEEP (key, IRI, label or alias): KEEP "
                  f"keeps every label and alias, OTHER's claims move to it, OTHER's IRI "
                  f"resolves to it. Undo with `split OTHER`.")
    return merge


def _split_command(kind: str):
    singular = KINDS[kind].singular

    @click.command("split")
    @click.argument("other")
    @click.pass_obj
    def split(obj: Context, other):
        kb = obj.kb()
        done = kb.entities.split(kind, other)
        click.echo(f"split {kb.iris.local_id(done.other) or done.other} from "
                   f"{kb.iris.local_id(done.survivor) or done.survivor}: "
                   f"{len(done.claims)} claim(s) moved back")

    split.help = f"Undo the merge of OTHER (a {singular} merged into another): its claims move back."
    return split


def _dedupe_command(kind: str):
    @click.command("dedupe")
    @click.option("--threshold", type=click.IntRange(50, 100), default=DEDUPE_THRESHOLD,
                  show_default=True, help="Propose pairs at least this close (0-100).")
    @click.option("--apply", "apply_", is_flag=True,
                  help="Merge every proposal at or above --threshold (the survivor: more claims).")
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
                  show_default=True)
    @click.pass_obj
    def dedupe(obj: Context, threshold, apply_, fmt):
        kb = obj.kb()
        proposals = kb.entities.dedupe(kind, threshold)
        ident = kb.iris.local_id
        if fmt == "json" and not apply_:
            click.echo(json.dumps([{"keep": ident(p.survivor.iri) or p.survivor.iri,
                                    "keep_label": p.survivor.label,
                                    "merge": ident(p.other.iri) or p.other.iri,
                                    "merge_label": p.other.label, "score": p.score,
                                    "reasons": list(p.reasons)} for p in proposals],
                                  indent=2, ensure_ascii=False))
            return
        if not proposals:
            click.echo(f"no near-duplicate {kind} at or above {threshold}")
            return
        if not apply_:
            echo_table(["score", "keep", "merge", "why"],
                       [(p.score, f"{ident(p.survivor.iri)} ({p.survivor.label})",
                         f"{ident(p.other.iri)} ({p.other.label})", "; ".join(p.reasons))
                        for p in proposals])
            click.echo(f"to merge one: claimkb {kind} merge KEEP MERGE; all of them: "
                       f"claimkb {kind} dedupe --apply --threshold {threshold}", err=True)
            return
        merged = set()
        for p in proposals:
            if p.survivor.iri in merged or p.other.iri in merged:
                continue     # one side was merged by an earlier proposal: ask again
            done = kb.entities.merge(kind, p.survivor.iri, p.other.iri)
            merged.add(p.other.iri)
            click.echo(f"merged {ident(done.other)} into {ident(done.survivor)} "
                       f"(score {p.score}): {len(done.claims)} claim(s) moved")

    dedupe.help = (f"Propose merges of near-duplicate {kind} across the KB, with scores and "
                   f"reasons; --apply merges those at or above --threshold.")
    return dedupe


def _link_command(kind: str):
    singular = KINDS[kind].singular

    @click.command("link")
    @click.argument("ref")
    @click.option("--choose", "qid", help="Link to this Wikidata id (Q… or P…); without it, "
                  "list the candidates to choose from.")
    @click.option("--search", "text", help="Look up these words instead of the label.")
    @click.option("--language", default="en", show_default=True,
                  help="The language of the labels looked up and stored.")
    @click.option("--replace", is_flag=True, help="Replace a link to another Wikidata id.")
    @click.pass_obj
    def link(obj: Context, ref, qid, text, language, replace):
        kb = obj.kb()
        if qid is None:
            found = kb.links.candidates(kind, ref, text=text, language=language)
            if not found:
                click.echo(f"no Wikidata candidates for {text or ref!r}")
                return
            echo_table(["id", "label", "description", "instance of", "matched"],
                       [(c.qid, c.label, c.description, ", ".join(c.types), c.matched)
                        for c in found])
            click.echo(f"to link one: claimkb {kind} link {ref} --choose ID", err=True)
            return
        iri, facts = kb.links.link(kind, ref, qid, language=language, replace=replace)
        within = [*facts.located_in, *facts.country, *facts.part_of]
        click.echo(f"linked {kb.iris.local_id(iri) or iri} to Wikidata {facts.qid}"
                   + (f" ({facts.label})" if facts.label else "")
                   + (f"; lies within {', '.join(dict.fromkeys(within))}" if within else ""))

    link.help = (f"Find the Wikidata {'property' if kind == 'properties' else 'item'} of a "
                 f"{singular} (REF: key, label or alias) on the endpoint setting "
                 f"wikidata_endpoint names, and with --choose ID store the link (owl:sameAs, "
                 f"description, part-of / located-in / country, instance-of).")
    return link


def _group(kind: str) -> click.Group:
    @click.group(kind, invoke_without_command=True)
    @click.pass_context
    def group(ctx):
        if ctx.invoked_subcommand is None:
            ctx.invoke(listing)

    group.help = (f"The KB's {kind}: list and search them, merge and split them, find "
                  f"near-duplicates (docs/entities.md). Without a command: list.")
    listing = _list_command(kind)
    for command in (listing, _merge_command(kind), _split_command(kind), _dedupe_command(kind)):
        group.add_command(command)
    if kind in ("entities", "properties"):
        group.add_command(_link_command(kind))
    return group


GROUPS = {kind: _group(kind) for kind in KINDS}
COMMANDS = list(GROUPS.values())
