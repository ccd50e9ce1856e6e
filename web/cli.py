"""The ``claimkb`` command: kb's commands (kb/cli/) plus the web ones (``serve``).

kb/ never imports Flask, so the commands that need the web app are added here and the
console script points at this module.
"""
from __future__ import annotations

import logging
import threading

import click
from waitress import serve as waitress_serve

from kb.cli import Context, main
from kb.errors import StoreError
from web import create_app


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=5000, show_default=True, type=int, help="port to listen on")
@click.option("--threads", default=4, show_default=True, type=int,
              help="worker threads (the embedded store allows one process: scale with threads; "
                   "more threads overlap more disk waits but queue more Python work behind "
                   "one interpreter lock: docs/benchmarks.md, Web UI)")
@click.pass_obj
def serve(obj: Context, host: str, port: int, threads: int) -> None:
    """Serve the web UI, the Linked Data resources and /sparql with waitress."""
    kb = obj.kb()
    settings = kb.settings
    app = create_app(kb=kb)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    threading.Thread(target=_prewarm, args=(kb,), name="claimkb-prewarm", daemon=True).start()
    click.echo(f"claimkb: serving {settings.data_dir} on http://{host}:{port}/ "
               f"({threads} threads; base IRI {settings.base_iri})")
    waitress_serve(app, host=host, port=port, threads=threads, ident="claimkb")


def _prewarm(kb) -> None:
    """Read the claims index's per-claim facet rows while the server starts (see
    ClaimIndex.prewarm); the server answers meanwhile."""
    log = logging.getLogger("claimkb.serve")
    try:
        log.info("claims index read into memory in %.2f s", kb.index.prewarm())
    except StoreError as exc:
        log.warning("%s", exc)


if __name__ == "__main__":  # pragma: no cover
    main()
