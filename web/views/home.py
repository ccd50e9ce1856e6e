"""The front page: what is in the KB, and where to start."""
from __future__ import annotations

from flask import Blueprint

from ..context import get_kb
from ..render import choose, respond

bp = Blueprint("home", __name__)


@bp.get("/")
@bp.get("/index.<fmt>")
def index(fmt: str | None = None):
    fmt = choose(fmt)
    kb = get_kb()
    data = {"stats": kb.index.stats(), "base_iri": kb.settings.base_iri}
    return respond(fmt, template="home.html", data=data,
                   twins={"json": "/index.json"})
