"""Query-string parameters → IRIs. Short ids ("globinsider") and full IRIs are both
accepted for resources; our own IRIs are written back as short ids so that permalinks
stay readable."""
from __future__ import annotations

from kb.errors import NotFound

from .context import get_kb

# the claims list's filters (web/views/claims.py): name → the kind of resource its value
# names (None: a plain value)
CLAIM_FILTERS = {
    "q": None, "publisher": "publishers", "article": "articles", "entity": "entities",
    "property": "properties", "modality": None, "verdict": None, "published": None,
    "about": None, "published_from": None, "published_to": None, "about_from": None,
    "about_to": None,
}


def resolve(kind: str, value: str) -> str:
    """A short id or an IRI → the IRI (a malformed id resolves to a no-match IRI)."""
    try:
        return str(get_kb().iris.resolve(kind, value))
    except NotFound:
        return "urn:claimkb:no-such-" + kind


def resolve_name(kind: str, value: str) -> str:
    """A name as people type it (a key, IRI, label or alias, whatever its case, accents
    or dashes), an id or an IRI → the IRI of the resource it names, the survivor of a
    merged one (``Comparisons.resolve_ref``); a name that names nothing resolves to a
    no-match IRI, as ``resolve``. Raises InputError for a name two resources share."""
    try:
        return str(get_kb().comparisons.resolve_ref(kind, value))
    except NotFound:
        return "urn:claimkb:no-such-" + kind


def short(iri: str | None) -> str:
    """Our IRI → its short id ("globinsider"); anything else stays a full IRI."""
    if not iri:
        return ""
    local = get_kb().iris.local_id(iri)
    return local if local is not None else str(iri)
