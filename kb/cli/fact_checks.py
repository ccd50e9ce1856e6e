"""Fact-checkers' verdicts: ``verdict`` records, withdraws or shows the desk's verdict on
a claim (kb/services/fact_checks.py; docs/fact-checks.md)."""
from __future__ import annotations

import json

import click

from kb.cli.accounts import users_of
from kb.cli.app import Context
from kb.cli.output import echo_table
from kb.errors import InputError
from kb.services import fact_checks


@click.command()
@click.argument("claim")
@click.option("--user", "user_name", help="Who records it: a web account with the editor "
              "role (claimkb user add NAME --role editor). Needed to record or withdraw.")
@click.option("--value", help="The verdict on the truth scale: 1 False, 2 Mostly false, "
              "3 Half true, 4 Mostly true, 5 True (docs/fact-checks.md).")
@click.option("--wording", help="Your organisation's wording of it (default: the level's name).")
@click.option("--summary", help="What the evidence shows (required to record).")
@click.option("--evidence", multiple=True, help="A URL or a claim id of the KB; repeat it.")
@click.option("--withdraw", is_flag=True, help="Withdraw the claim's current verdict (it "
              "stays in the history, marked withdrawn).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.pass_obj
def verdict(obj: Context, claim, user_name, value, wording, summary, evidence, withdraw, fmt):
    """The verdict on CLAIM (id or IRI): with --value, --summary and --evidence, record
    the desk's verdict as --user (it revises the current one, kept in the history);
    --withdraw withdraws it; with neither, show the verdict, its history and the
    ClaimReviews imported with the claim."""
    kb = obj.kb()
    if withdraw or value is not None:
        if not user_name:
            raise InputError("give --user NAME (an editor's web account)")
        user = users_of(obj).get_user(user_name)
        if withdraw:
            if value or summary or evidence:
                raise InputError("--withdraw takes no --value, --summary or --evidence")
            done = kb.fact_checks.withdraw(claim, user=user)
            click.echo(f"{done.id}  withdrawn: {done.alternate_name} ({done.value}/{done.best})")
            return
        done = kb.fact_checks.record(claim, user=user, value=value, summary=summary or "",
                                     evidence=list(evidence), alternate_name=wording)
        click.echo(f"{done.id}  {done.who}: {done.alternate_name} ({done.value}/{done.best}, "
                   f"{done.level})" + (f", revising {done.previous.rsplit('/', 1)[-1]}"
                                       if done.previous else ""))
        return
    found = kb.fact_checks.for_claim(claim)
    if fmt == "json":
        click.echo(json.dumps(found.as_dict(), indent=2, ensure_ascii=False))
        return
    rows = [[v.created[:19], v.who, f"{v.value}/{v.best}", v.alternate_name, v.status, v.summary]
            for v in found.history]
    rows += [[r["date"] or "", ", ".join(a["name"] for a in r["authors"]),
              f"{r['rating_value']}/{r['best']}" if r["rating_value"] is not None else "",
              r["alternate_name"] or "", "imported", r["url"]] for r in found.imported]
    if not rows:
        click.echo(f"no verdict on {claim} (levels: "
                   f"{', '.join(f'{lv.value} {lv.label}' for lv in fact_checks.scale())})")
        return
    echo_table(["date", "who", "rating", "verdict", "status", "summary / url"], rows)


COMMANDS = [verdict]
