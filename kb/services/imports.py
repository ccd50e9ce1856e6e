"""Importing files: a claims YAML file, TriG, N-Quads or schema.org ClaimReview JSON-LD,
by extension or by name. Everything is parsed and checked first and written in one
atomic update: on any error (InputError naming file, line or claim) nothing is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kb.config import MAX_IMPORT_DEPTH, Settings
from kb.derived.registry import DerivedIndexes
from kb.errors import InputError
from kb.ingest import claimreview, claimsfile
from kb.model.iris import Minter
from kb.services.claims import Claims
from kb.services.names import Names
from kb.store.base import Store
from kb.store.convert import check_links, check_nesting
from kb.records.articles import Articles

RDF_EXTENSIONS = {".trig": "trig", ".nq": "nquads", ".nquads": "nquads"}
JSONLD_EXTENSIONS = {".jsonld", ".json"}
YAML_EXTENSIONS = {".yaml", ".yml"}
IMPORT_FORMATS = ("claims", "trig", "nquads", "claimreview")


@dataclass
class ImportReport:
    path: str
    format: str
    claims: int = 0
    articles: int = 0
    quads: int = 0
    notes: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)      # names resolved to existing ones
    warnings: list[str] = field(default_factory=list)      # near-duplicates


def _progress_noop(_done: int, _total: int) -> None:
    return None


def detect_format(path: Path) -> str:
    """The import format of ``path`` by its extension. Raises InputError."""
    suffix = path.suffix.lower()
    if suffix in YAML_EXTENSIONS:
        return "claims"
    if suffix in RDF_EXTENSIONS:
        return RDF_EXTENSIONS[suffix]
    if suffix in JSONLD_EXTENSIONS:
        return "claimreview"
    raise InputError(f"cannot tell the format from the extension {suffix!r}; give --format "
                     f"({', '.join(IMPORT_FORMATS)})", where=str(path))


class Importer:
    """Importing files into one knowledge base: parsed with the IRI minter, the settings
    and the stored articles, written through ``claims`` (or, for RDF, loaded into the
    store and the derived indexes rebuilt)."""

    def __init__(self, store: Store, iris: Minter, settings: Settings, articles: Articles,
                 claims: Claims, indexes: DerivedIndexes, names: Names):
        self.store = store
        self.iris = iris
        self.settings = settings
        self.articles = articles
        self.claims = claims
        self.indexes = indexes
        self.names = names

    def import_file(self, path: Path, fmt: str | None = None,
                    progress: Callable[[int, int], None] | None = None, *,
                    strict: bool = False) -> ImportReport:
        """Import a claims YAML, TriG, N-Quads or ClaimReview JSON-LD file, by extension
        or ``fmt``; ``progress(done, total)`` is called as claims are checked. Names are
        resolved to the KB's resources (kb.services.names; the report lists what was
        resolved and the near-duplicates; ``strict`` refuses a file with any). RDF is
        loaded as it is. Raises InputError (naming file, line or claim: nothing is
        written), StoreError."""
        path = Path(path)
        progress = progress or _progress_noop
        fmt = fmt or detect_format(path)
        if fmt not in IMPORT_FORMATS:
            raise InputError(f"unknown import format {fmt!r} (known: {', '.join(IMPORT_FORMATS)})",
                             where=str(path))
        report = ImportReport(str(path), fmt)
        try:   # refused before reading and parsing (settings.max_import_bytes)
            size = path.stat().st_size
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
        if size > self.settings.max_import_bytes:
            raise InputError(f"the file is {size} bytes; the limit is "
                             f"{self.settings.max_import_bytes} (setting max_import_bytes)",
                             where=str(path))
        if fmt in ("trig", "nquads"):
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
            check_nesting(data, str(path), MAX_IMPORT_DEPTH)   # N-Quads nest too: << >>
            # unsafe links refuse the file on the quads the store parses: nothing is written
            report.quads = self.store.load(data, fmt, where=str(path),
                                           check=lambda quads: check_links(quads, str(path)))
            self.indexes.after_write(self.indexes.rebuild)   # stale marker if it fails
            return report
        if fmt == "claims":
            parsed = claimsfile.parse(self, path, progress)
            articles, records = list(parsed.articles.values()), parsed.records
        else:
            articles, records = claimreview.parse(self.iris, path, notes=report.notes)
        try:
            resolution = self.names.resolve(records, articles, strict=strict)
        except InputError as exc:
            raise InputError(exc.message, where=exc.where or str(path)) from None
        report.resolved = [r.message(self.iris) for r in resolution.resolved]
        report.warnings = [w.message(self.iris) for w in resolution.warnings]
        report.articles, report.claims = len(articles), len(records)
        self.claims.write(resolution.records, resolution.articles, resolved=True)
        return report


__all__ = ["Importer", "ImportReport", "detect_format", "IMPORT_FORMATS"]
