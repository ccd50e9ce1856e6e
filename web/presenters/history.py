"""A claim's history as its page shows it."""
from __future__ import annotations

from flask import url_for


def change_rows(changes: list, ident: str, local_id) -> list[dict]:
    """kb.claim_history's changes (newest first), numbered, each with the URL of the
    earlier version it kept (named by the change's id: ``local_id(change.iri)``)."""
    rows = []
    for n, change in enumerate(changes, 1):
        row = change.as_dict()
        row["number"] = n
        row["before_url"] = (url_for("history.earlier_version", ident=ident,
                                     change=local_id(change.iri) or "")
                             if change.before is not None else None)
        rows.append(row)
    return rows
