"""claimkb: a fact-claim knowledge base.

>>> from kb import open_kb
>>> with open_kb(data_dir="/tmp/kb") as kb:      # doctest: +SKIP
...     kb.import_file("claims.yaml")

Public API: ``open_kb``, ``KnowledgeBase``, ``Settings``/``load_settings`` and the
errors in ``kb.errors``. kb never imports Flask.
"""
from __future__ import annotations

from kb.config import Settings, load_settings
from kb.errors import (InputError, KBError, NotFound, QueryError, StoreError, StoreLocked,
                     ValidationFailed)
from kb.knowledgebase import ImportReport, KnowledgeBase

__version__ = "0.1.0"


def open_kb(settings: Settings | None = None, **overrides) -> KnowledgeBase:
    """Open the knowledge base the settings name (defaults → instance file → env →
    ``overrides``). Raises InputError (bad settings), StoreLocked, StoreError."""
    return KnowledgeBase.open(settings or load_settings(**overrides))


__all__ = ["open_kb", "KnowledgeBase", "ImportReport", "Settings", "load_settings",
           "KBError", "InputError", "NotFound", "QueryError", "StoreError", "StoreLocked",
           "ValidationFailed", "__version__"]
