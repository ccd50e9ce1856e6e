"""The ``claimkb`` group itself: its global options, the per-invocation `Context`
(settings and the lazily opened knowledge base) and `KBGroup`, which turns kb errors
into one line ``error: <where>: <message>`` and the error's exit code (see
kb/errors.py). The commands are added by kb/cli/__init__.py."""
from __future__ import annotations

import getpass
from pathlib import Path

import click

from kb.config import load_settings
from kb.errors import KBError
from kb.knowledgebase import KnowledgeBase


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
