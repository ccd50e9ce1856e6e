"""Publisher reliability: rate (an assessor's rating) and ratings (the ratings of a
publisher)."""
from __future__ import annotations

import json

import click

from kb.cli.accounts import users_of
from kb.cli.app import Context
from kb.cli.output import echo_table
from kb.errors import InputError


def _assessor(obj: Context, name: str):
    """The web account NAME (its role is checked by kb.reliability)."""
    return users_of(obj).get_user(name)


@click.command()
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


@click.command()
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
    echo_table(["assessor", "rating", "level", "date", "reason", "evidence"], rows)



COMMANDS = (rate, ratings)
