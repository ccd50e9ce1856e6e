"""The demo KB: the sample article (Globinsider, July 2021) with its check-worthy claims,
and claims from other outlets about the same facts (kb/demo/*.yaml, in file-name order).
"""
from __future__ import annotations

from importlib.resources import as_file, files

from kb.errors import InputError
from kb.knowledgebase import KnowledgeBase


def claim_files() -> list[str]:
    """Names of the demo claims files, in the order they are imported."""
    return sorted(p.name for p in files(__name__).iterdir() if p.name.endswith(".yaml"))


def build(kb: KnowledgeBase, force: bool = False) -> str:
    """Import the demo files into ``kb``. Refuses a KB that already has claims unless
    ``force`` (which clears the store first). Returns a one-paragraph summary."""
    if kb.stats().get("claims", 0) and not force:
        raise InputError("the knowledge base already has claims; use --force to clear it "
                         "and rebuild the demo (or another --data-dir)")
    if force:
        kb.clear()
    total = 0
    for name in claim_files():
        with as_file(files(__name__) / name) as path:
            total += kb.import_file(path, "claims").claims
    stats = kb.stats()
    return (f"demo KB built: {stats['claims']} claims from {stats['sources']} sources "
            f"by {stats['publishers']} publishers")
