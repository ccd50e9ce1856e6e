"""Request-side access to the knowledge base and settings the app was created with."""
from __future__ import annotations

from flask import current_app

from kb import KnowledgeBase
from kb.config import Settings


def get_kb() -> KnowledgeBase:
    return current_app.extensions["claimkb"]


def get_settings() -> Settings:
    return current_app.config["CLAIMKB_SETTINGS"]
