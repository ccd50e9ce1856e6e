"""The ``user`` group: the web accounts (in <data-dir>/users.sqlite) and their API
tokens."""
from __future__ import annotations

import json
import sys

import click

from kb.accounts.users import Users, check_name
from kb.cli.app import Context
from kb.cli.output import echo_table
from kb.errors import InputError, NotFound


def users_of(obj: Context):
    return Users.for_settings(obj.settings)


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
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
    users = users_of(obj)
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
    users = users_of(obj).list_users()
    if fmt == "json":
        click.echo(json.dumps([{"name": u.name, "role": u.role, "created": u.created}
                               for u in users], indent=2))
        return
    echo_table(["name", "role", "created"], [[u.name, u.role, u.created] for u in users])


@user.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(["reader", "annotator", "editor", "admin"]))
@click.pass_obj
def user_set_role(obj: Context, name, role):
    """Give a user another role (effective on their next request)."""
    changed = users_of(obj).set_role(name, role)
    click.echo(f"user {changed.name} is now {changed.role}")


@user.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin instead of prompting.")
@click.pass_obj
def user_set_password(obj: Context, name, password_stdin):
    """Change a user's password (their other web sessions are logged out)."""
    users = users_of(obj)
    users.get_user(name)
    users.set_password(name, _read_password(password_stdin))
    click.echo(f"password of {name} changed")


@user.command("remove")
@click.argument("name")
@click.pass_obj
def user_remove(obj: Context, name):
    """Remove a user and their API tokens."""
    users_of(obj).remove_user(name)
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
    users = users_of(obj)
    if list_:
        echo_table(["id", "label", "created", "last used"],
               [[t.id, t.label, t.created, t.last_used] for t in users.list_tokens(name)])
        return
    if revoke is not None or revoke_all:
        count = users.revoke_tokens(name, None if revoke_all else revoke)
        click.echo(f"{count} token(s) of {name} revoked")
        return
    click.echo(users.create_token(name, label))
    click.echo("Store this token now: it is not shown again.", err=True)



COMMANDS = (user,)
