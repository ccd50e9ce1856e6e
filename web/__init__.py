"""claimkb's web UI and Linked Data server.

``create_app()`` builds the Flask app (flaskr-style factory). The knowledge base is
opened once, at start-up, with the settings (defaults → ``<data_dir>/claimkb.toml`` →
``CLAIMKB_*`` env → the ``settings`` argument); the embedded store allows one process,
so serve it with threads (``claimkb serve``).

Layout: web/views/ (the blueprints, one per feature: parse the request, call ``kb``,
render), web/presenters/ (the data pages show, shaped from kb results), web/forms/
(what a request's fields mean to the kb); app-level plumbing here: render.py (HTML or
data: the one decision, and the responses), errors.py (the one table of kb errors →
HTTP statuses, the one error shape), auth.py and csrf.py (who is asking; CSRF),
filters.py (Jinja filters), params.py (query-string filters), vocabulary.py (the
words forms and presenters share), context.py (``get_kb``), cli.py (``claimkb serve``).
Views use forms and presenters; those two use neither each other nor the views.
"""
from __future__ import annotations

import importlib
import os
import secrets
from pathlib import Path

from flask import Flask

from kb import KnowledgeBase, load_settings
from kb.config import Settings

from . import errors, filters
from .views import BLUEPRINTS


def _secret_key(settings: Settings) -> str:
    """``secret_key``, or the key in ``<data_dir>/secret_key``, made on first use. Several
    processes starting at once on a new data folder get the same key (the first one
    written wins: a new file is linked into place, never overwritten), and the file is
    never readable by others, not even for a moment."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        mine = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(mine, path)
        except FileExistsError:
            pass                      # another process made it first: theirs is the key
        finally:
            os.unlink(mine)
    return path.read_text(encoding="utf-8").strip()


def create_app(settings: Settings | None = None, *, kb: KnowledgeBase | None = None,
               config: dict | None = None) -> Flask:
    """The claimkb web app over ``kb`` (or a KnowledgeBase opened from ``settings``,
    or from the environment). ``config`` overrides Flask config keys (tests).

    Raises StoreLocked when another process holds the embedded store, StoreError when
    it cannot be opened, InputError for bad settings.
    """
    if kb is None:
        settings = settings or load_settings()
        kb = KnowledgeBase.open(settings)
    settings = kb.settings
    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        CLAIMKB_SETTINGS=settings,
    )
    if config:
        app.config.update(config)
    app.extensions["claimkb"] = kb
    errors.init_app(app)
    filters.init_app(app)
    kb.ensure_index()   # a KB made before the claims index existed gets it built once
    for name in BLUEPRINTS:
        module = importlib.import_module(f"web.views.{name}")
        if hasattr(module, "init_app"):
            module.init_app(app)
        else:
            app.register_blueprint(module.bp)
    return app
