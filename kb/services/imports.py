"""Importing files: a claims YAML file, TriG, N-Quads or schema.org ClaimReview JSON-LD,
by extension or by name. Everything is parsed and checked first and written in one
atomic update: on any error (InputError naming file, line or claim) nothing is written.

The web's /import uses the same path for a file a browser uploaded (``import_upload``:
the bytes are checked as text, put in a private temporary folder under the file's own
name, imported with ``import_file``, and every message names the file as uploaded; a
claims file there may not read article files from the server's disk), and reads
articles as ``claimkb import-article`` does (``fetch_article``: kb.ingest.fetch's guard
with the settings; ``read_article``: an uploaded .html/.htm/.txt file).
"""
from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kb.config import MAX_IMPORT_DEPTH, Settings
from kb.derived.registry import DerivedIndexes
from kb.errors import InputError
from kb.ingest import claimreview, claimsfile
from kb.ingest.articles import fetch, read_upload
from kb.model.article import ArticleData
from kb.model.iris import Minter
from kb.services.claims import Claims
from kb.services.names import Names
from kb.store.base import Store
from kb.store.convert import check_nesting
from kb.store.quad_checks import Checked, check_file, check_quads
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
    new: int | None = None        # claims not in the KB before (None for TriG, N-Quads)


def _progress_noop(_done: int, _total: int) -> None:
    return None


def _status_noop(_line: str) -> None:
    return None


def _clock(seconds: float) -> str:
    """0:42, 12:05, 1:02:05."""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours
            else f"{rest // 60}:{rest % 60:02d}")


def upload_name(name: str) -> str:
    """A file name a browser sent, as a name safe to create in a folder of our own: its
    last path part, characters other than letters, digits, ``.``, ``-`` and ``_``
    replaced, at most 100 characters ("upload" when nothing is left)."""
    base = re.sub(r"[^\w.-]", "_", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = base.lstrip(".")[-100:]
    return base or "upload"


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
                    strict: bool = False, article_files: bool = True,
                    user: str | None = None,
                    status: Callable[[str], None] | None = None,
                    staged: bool = True) -> ImportReport:
        """Import a claims YAML, TriG, N-Quads or ClaimReview JSON-LD file, by extension
        or ``fmt``; ``progress(done, total)`` is called as claims are checked. Names are
        resolved to the KB's resources (kb.services.names; the report lists what was
        resolved and the near-duplicates; ``strict`` refuses a file with any;
        ``article_files`` false: a claims file may not read article files; ``user``:
        who the claims' history names, else the KB's actor). RDF is loaded as it is,
        once its links and its claims (kb/store/quad_checks.py) pass; from
        settings.bulk_import_bytes up, on the embedded store, as a stream in bounded memory
        at the bulk loader's speed (``status(line)`` says how far it is). That path closes
        the store for a moment: ``staged`` false keeps a caller that serves other
        threads (the web's uploads) on the one-transaction path whatever the size.
        Raises InputError (naming file, line or claim: nothing is written), StoreError."""
        path = Path(path)
        progress = progress or _progress_noop
        status = status or _status_noop
        fmt = fmt or detect_format(path)
        if fmt not in IMPORT_FORMATS:
            raise InputError(f"unknown import format {fmt!r} (known: {', '.join(IMPORT_FORMATS)})",
                             where=str(path))
        report = ImportReport(str(path), fmt)
        try:   # refused before reading and parsing (settings.max_import_bytes)
            size = path.stat().st_size
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from None
        bulk = staged and size >= self.settings.bulk_import_bytes and self.store.streams_files
        if fmt in ("trig", "nquads") and bulk:
            return self._import_rdf_stream(path, fmt, report, progress, status)
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

            def check(quads):   # unsafe links and broken claims refuse the file: nothing written
                report.claims = check_quads(quads, str(path))

            report.quads = self.store.load(data, fmt, where=str(path), check=check)
            self.indexes.after_write(self.indexes.rebuild)   # stale marker if it fails
            return report
        if fmt == "claims":
            parsed = claimsfile.parse(self, path, progress, article_files=article_files)
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
        before = self.claims.reader.existing([r.iri for r in resolution.records])
        report.new = sum(str(r.iri) not in before for r in resolution.records)
        self.claims.write(resolution.records, resolution.articles, user=user, resolved=True,
                          bulk=bulk)
        return report

    def _import_rdf_stream(self, path: Path, fmt: str, report: ImportReport,
                           progress: Callable[[int, int], None],
                           status: Callable[[str], None]) -> ImportReport:
        """A big TriG or N-Quads file: checked as a stream (kb/store/quad_checks.py) while
        the store bulk-loads it into a copy of itself that replaces it only if the file
        passed (``Store.load_file``); then every index rebuilt. ``progress`` gets the
        bytes checked, then the claims indexed; ``status`` a line saying where it is."""
        where = str(path)
        started = time.monotonic()

        def checking(done: int, total: int, quads: int, claims: int) -> None:
            progress(done, total)
            took = time.monotonic() - started
            rate = quads / took if took > 0 else 0.0
            left = (total - done) * took / done if done else None
            status(f"checking and loading: {quads:,} quads, {claims:,} claims, "
                   f"{rate:,.0f} quads/s" + (f", about {_clock(left)} left" if left else ""))

        def check() -> Checked:
            checked = check_file(path, fmt, where, MAX_IMPORT_DEPTH, checking)
            status(f"checked {checked.quads:,} quads, {checked.claims:,} claims in "
                   f"{_clock(time.monotonic() - started)}; loading into the store…")
            return checked

        def before_swap() -> None:   # from here the import is decided: indexes rebuilt
            self.indexes.stale_marker.write_text(f"import of {where}\n", encoding="utf-8")

        def waiting() -> None:
            status(f"checked; loading into the store… {_clock(time.monotonic() - started)}")

        checked = self.store.load_file(path, fmt, check, before_swap, waiting)
        report.quads, report.claims = checked.quads, checked.claims
        status(f"loaded in {_clock(time.monotonic() - started)}; indexing…")
        self.indexes.after_write(lambda: self.indexes.rebuild(progress))
        status(f"done in {_clock(time.monotonic() - started)}")
        return report

    def import_upload(self, name: str, raw: bytes, fmt: str | None = None, *,
                      strict: bool = False, user: str | None = None) -> ImportReport:
        """Import the bytes of an uploaded file called ``name`` as ``import_file`` does
        (by its extension or ``fmt``), after refusing an empty file, one that is not
        UTF-8 text and one over max_import_bytes; a claims file may not read article
        files (``file``, ``html``). Messages and the report name the file as uploaded.
        Raises InputError (nothing is written), StoreError."""
        name = upload_name(name)
        if fmt is None:
            suffix = Path(name).suffix.lower()
            if suffix not in (*YAML_EXTENSIONS, *RDF_EXTENSIONS, *JSONLD_EXTENSIONS):
                raise InputError(f"cannot tell the format from the extension {suffix!r} (.yaml "
                                 ".yml: claims, .trig, .nq .nquads, .jsonld .json: ClaimReview); "
                                 f"name the format ({', '.join(IMPORT_FORMATS)})", where=name)
        if len(raw) > self.settings.max_import_bytes:
            raise InputError(f"the file is {len(raw)} bytes; the limit is "
                             f"{self.settings.max_import_bytes} (setting max_import_bytes)",
                             where=name)
        if not raw.strip():
            raise InputError("the file is empty", where=name)
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                             where=name) from None
        if b"\x00" in raw:
            raise InputError("binary data, not text", where=name)
        with tempfile.TemporaryDirectory(prefix="claimkb-upload-") as folder:
            path = Path(folder) / name
            path.write_bytes(raw)
            here = f"{folder}/"

            def named(text: str | None) -> str | None:
                return text.replace(here, "") if text else text

            try:
                report = self.import_file(path, fmt, strict=strict, article_files=False,
                                          user=user, staged=False)
            except InputError as exc:
                raise InputError(named(exc.message), where=named(exc.where)) from None
        report.path = name
        report.notes = [named(n) for n in report.notes]
        return report

    def fetch_article(self, url: str, *, allow: Collection[str] = ()) -> ArticleData:
        """The article at ``url``, downloaded as ``claimkb import-article URL`` does
        (kb.ingest.articles.fetch, with the settings http_timeout, max_article_bytes and
        fetch_local_addresses; ``allow``: "ip:port" addresses reachable anyway, a seam
        for tests). Nothing is stored. Raises InputError."""
        s = self.settings
        return fetch(url, s.http_timeout, s.max_article_bytes,
                     local_addresses=s.fetch_local_addresses, allow=allow)

    def read_article(self, name: str, raw: bytes, fmt: str | None = None,
                     url: str | None = None) -> ArticleData:
        """The article in an uploaded .html/.htm/.xhtml/.txt file called ``name``
        (kb.ingest.articles.read_upload; ``fmt`` "html"/"text" overrides the extension,
        ``url`` helps trafilatura). Nothing is stored. Raises InputError."""
        return read_upload(raw, upload_name(name), self.settings.max_article_bytes, fmt, url)


__all__ = ["Importer", "ImportReport", "detect_format", "upload_name", "IMPORT_FORMATS"]
