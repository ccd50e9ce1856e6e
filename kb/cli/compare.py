"""Comparing what sources say: compare (verdicts on structured claims) and match
(pairs of text-only claims that state the same thing)."""
from __future__ import annotations

import csv
import io
import json

import click
from rdflib import URIRef

from kb.cli.app import Context
from kb.cli.output import FORMATS_OUT, clip, echo_csv
from kb.model.iris import COMPARISONS
from kb.model.verdicts import parse_verdict
from kb.services.matching import DEFAULT_THRESHOLD


@click.command()
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
        echo_csv(columns, [])
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


@click.command()
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
        click.echo(f"      A: {clip(m.a.text, 110)}")
        click.echo(f"      B: {clip(m.b.text, 110)}")
        click.echo(f"      why: {'; '.join(m.reasons)}")
    click.echo(f"{len(found)} proposed pair(s)", err=True)



COMMANDS = (compare, match)
