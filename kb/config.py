"""Settings: defaults → instance file (``<data_dir>/claimkb.toml``) → ``CLAIMKB_*`` env → explicit.

| setting            | env                        | default                    | meaning |
|--------------------|----------------------------|----------------------------|---------|
| data_dir           | CLAIMKB_DATA_DIR           | ./instance/kb              | where the embedded store (``store/``) and the instance file live |
| backend            | CLAIMKB_BACKEND            | embedded                   | ``embedded`` (Oxigraph on disk) or ``remote`` (SPARQL 1.1 endpoint) |
| query_endpoint     | CLAIMKB_QUERY_ENDPOINT     | (none)                     | remote backend: SPARQL query URL |
| update_endpoint    | CLAIMKB_UPDATE_ENDPOINT    | query_endpoint             | remote backend: SPARQL update URL |
| endpoint_user      | CLAIMKB_ENDPOINT_USER      | (none)                     | remote backend: user name for the query and update endpoints (HTTP authentication) |
| endpoint_password  | CLAIMKB_ENDPOINT_PASSWORD  | (none)                     | remote backend: its password; never printed, in logs or errors (an endpoint URL with ``user:password@`` is refused) |
| endpoint_auth      | CLAIMKB_ENDPOINT_AUTH      | basic                      | remote backend: ``basic`` or ``digest`` (Virtuoso's ``/sparql-auth`` asks for digest) |
| endpoint_dialect   | CLAIMKB_ENDPOINT_DIALECT   | auto                       | remote backend: ``virtuoso``, ``standard`` (any other SPARQL 1.1 server) or ``auto`` (read from the server's ``Server`` header; a proxy may hide it) |
| endpoint_bulk_timeout | CLAIMKB_ENDPOINT_BULK_TIMEOUT | 1800             | remote backend: seconds a whole-KB read may take (rebuilding an index: ``claimkb reindex``, an import's rebuild); ``http_timeout`` bounds every other request |
| base_iri           | CLAIMKB_BASE_IRI           | http://localhost:5000/     | prefix of every IRI claimkb mints (claims/, articles/, ...) |
| max_article_bytes  | CLAIMKB_MAX_ARTICLE_BYTES  | 5000000                    | largest article text accepted |
| max_query_chars    | CLAIMKB_MAX_QUERY_CHARS    | 100000                     | longest SPARQL text accepted |
| max_query_depth    | CLAIMKB_MAX_QUERY_DEPTH    | 64                         | deepest nesting accepted in SPARQL: groups, brackets, parentheses, property lists, collections, paths and expressions, counted on the query's tokens |
| max_query_operators | CLAIMKB_MAX_QUERY_OPERATORS | 2000                     | most operators and patterns accepted in one SPARQL query (each adds a level to the engine's query tree) |
| http_timeout       | CLAIMKB_HTTP_TIMEOUT       | 30                         | seconds, remote endpoint and article fetches |
| secret_key         | CLAIMKB_SECRET_KEY         | (generated)                | web: signs sessions and CSRF tokens; by default a random key kept in ``<data_dir>/secret_key`` |
| page_size          | CLAIMKB_PAGE_SIZE          | 50                         | web: rows per page of lists |
| facet_time_limit_ms | CLAIMKB_FACET_TIME_LIMIT_MS | 200                      | web: milliseconds the claims list may spend counting the facets of a filtered view; facets not counted in time ask to narrow the filter |
| sparql_max_rows    | CLAIMKB_SPARQL_MAX_ROWS    | 10000                      | web: most rows (or triples) /sparql returns; more is cut off and flagged |
| sparql_timeout     | CLAIMKB_SPARQL_TIMEOUT     | 10                         | web: seconds a /sparql query may run before it is answered with an error |
| sparql_rate_limit  | CLAIMKB_SPARQL_RATE_LIMIT  | 120/minute                 | web: requests to /sparql per client address (Flask-Limiter syntax) |
| sparql_workers     | CLAIMKB_SPARQL_WORKERS     | 2                          | web: /sparql queries run at once (embedded store: worker processes, killed at the time budget); more get 503 |
| sparql_worker_memory_mb | CLAIMKB_SPARQL_WORKER_MEMORY_MB | 4096           | web: address space a SPARQL worker process may use (0: no limit); a query needing more gets an error |
| max_request_bytes  | CLAIMKB_MAX_REQUEST_BYTES  | 10000000                   | web: largest request body accepted (413 beyond), and so the largest file /import takes |
| max_import_bytes   | CLAIMKB_MAX_IMPORT_BYTES   | 1000000000                 | largest file ``claimkb import`` reads into memory (claims YAML, ClaimReview JSON-LD; TriG and N-Quads on a SPARQL server); refused before parsing. TriG and N-Quads on the embedded store are streamed: any size |
| bulk_import_bytes  | CLAIMKB_BULK_IMPORT_BYTES  | 64000000                   | embedded store: TriG or N-Quads files from this size up are checked as a stream and bulk-loaded into a copy of the store that replaces it at the end (all or nothing, bounded memory); claims YAML and ClaimReview files from this size up that only add claims are bulk-loaded the same way; smaller files are written in one transaction |
| wikidata_endpoint  | CLAIMKB_WIKIDATA_ENDPOINT  | https://query.wikidata.org/sparql | a Wikidata-compatible SPARQL endpoint for ``entities link`` and the web UI's "Find on Wikidata" (explicit lookups only, never during a write); empty turns lookups off |
| wikidata_timeout   | CLAIMKB_WIKIDATA_TIMEOUT   | 10                         | seconds a Wikidata lookup may take |
| fetch_local_addresses | CLAIMKB_FETCH_LOCAL_ADDRESSES | False              | ``import-article URL`` and the web's /import may connect to loopback, private, link-local and other non-public addresses (true/false); off, such a URL or a redirect to one is refused (kb.ingest.fetch) |
| organisation_name  | CLAIMKB_ORGANISATION_NAME  | claimkb                    | the fact-checking organisation named as the author of the verdicts claimkb exports as schema.org ClaimReview (``/claims/<id>/review.jsonld``, ``claimkb export --format claimreview``) |

docs/settings.md is this table; tests/contract/test_docs.py keeps the two in step.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from kb.errors import InputError

INSTANCE_FILE = "claimkb.toml"

# claimkb import: the deepest nesting (lists/mappings, JSON arrays/objects, TriG blank-node
# property lists/collections/graphs) accepted, checked before the parser recurses into it.
# PyYAML's loader dies of RecursionError near 250 levels, rdflib's JSON-LD processor near
# 330, json.loads near 1,000; no real input comes close to 100 (docs/claims-file.md).
MAX_IMPORT_DEPTH = 100

# The SPARQL servers the remote backend knows apart (kb/store/remote.py); "auto" asks.
WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"   # the public Wikidata Query Service
ENDPOINT_DIALECTS = ("auto", "standard", "virtuoso")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("instance/kb")
    backend: str = "embedded"
    query_endpoint: str | None = None
    update_endpoint: str | None = None
    endpoint_user: str | None = None
    endpoint_password: str | None = field(default=None, repr=False)
    endpoint_auth: str = "basic"
    endpoint_dialect: str = "auto"
    endpoint_bulk_timeout: float = 1800.0
    base_iri: str = "http://localhost:5000/"
    max_article_bytes: int = 5_000_000
    max_query_chars: int = 100_000
    max_query_depth: int = 64
    max_query_operators: int = 2000
    http_timeout: float = 30.0
    secret_key: str | None = None
    page_size: int = 50
    facet_time_limit_ms: int = 200
    sparql_max_rows: int = 10_000
    sparql_timeout: float = 10.0
    sparql_rate_limit: str = "120/minute"
    sparql_workers: int = 2
    sparql_worker_memory_mb: int = 4096
    max_request_bytes: int = 10_000_000
    max_import_bytes: int = 1_000_000_000
    bulk_import_bytes: int = 64_000_000
    wikidata_endpoint: str = WIKIDATA_ENDPOINT
    wikidata_timeout: float = 10.0
    fetch_local_addresses: bool = False
    organisation_name: str = "claimkb"

    @property
    def store_dir(self) -> Path:
        return Path(self.data_dir) / "store"


def _coerce(name: str, raw, where: str):
    kinds = {f.name: f.type for f in fields(Settings)}
    kind = kinds[name]
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            return _boolean(raw)
        if kind == "Path":
            return Path(raw).expanduser()
        return None if raw in (None, "") else str(raw)
    except (TypeError, ValueError):
        raise InputError(f"setting {name!r} must be {kind}, got {raw!r}", where=where) from None


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


def _boolean(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ValueError(raw)


def load_settings(env: dict[str, str] | None = None, **explicit) -> Settings:
    """Build Settings from defaults, the instance file, the environment, then ``explicit``.

    Raises InputError for an unknown backend, a malformed instance file or a bad value.
    """
    env = os.environ if env is None else env
    names = {f.name for f in fields(Settings)}
    values: dict = {}
    data_dir = explicit.get("data_dir") or env.get("CLAIMKB_DATA_DIR") or Settings.data_dir
    instance = Path(data_dir) / INSTANCE_FILE
    if instance.is_file():
        try:
            file_values = tomllib.loads(instance.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"malformed settings file: {exc}", where=str(instance)) from None
        for key, raw in file_values.items():
            if key not in names:
                raise InputError(f"unknown setting {key!r}", where=str(instance))
            values[key] = _coerce(key, raw, str(instance))
    for name in names:
        raw = env.get(f"CLAIMKB_{name.upper()}")
        if raw is not None:
            values[name] = _coerce(name, raw, f"CLAIMKB_{name.upper()}")
    for name, raw in explicit.items():
        if raw is not None:
            values[name] = _coerce(name, raw, f"--{name.replace('_', '-')}")
    settings = replace(Settings(), **values)
    if settings.backend not in ("embedded", "remote"):
        raise InputError(f"backend must be 'embedded' or 'remote', got {settings.backend!r}")
    if settings.backend == "remote" and not settings.query_endpoint:
        raise InputError("the remote backend needs query_endpoint (CLAIMKB_QUERY_ENDPOINT)")
    for name in ("query_endpoint", "update_endpoint"):
        url = getattr(settings, name)
        if url and "@" in urlsplit(url).netloc:
            # urllib would take "user:password@host" for a host name and send it to DNS
            raise InputError(f"{name} must not carry a user name or password: set "
                             "endpoint_user and endpoint_password instead")
    if settings.endpoint_auth not in ("basic", "digest"):
        raise InputError(f"endpoint_auth must be 'basic' or 'digest', got {settings.endpoint_auth!r}")
    if settings.endpoint_dialect not in ENDPOINT_DIALECTS:
        raise InputError(f"endpoint_dialect must be one of {', '.join(ENDPOINT_DIALECTS)}, "
                         f"got {settings.endpoint_dialect!r}")
    if bool(settings.endpoint_user) != bool(settings.endpoint_password):
        raise InputError("endpoint_user and endpoint_password go together: set both or neither")
    wikidata = settings.wikidata_endpoint
    if wikidata and (urlsplit(wikidata).scheme not in ("http", "https") or not urlsplit(wikidata).netloc):
        raise InputError(f"wikidata_endpoint must be an http(s) URL (or empty: lookups off), "
                         f"got {wikidata!r}")
    if not settings.wikidata_timeout > 0:
        raise InputError(f"wikidata_timeout must be a number of seconds above 0, "
                         f"got {settings.wikidata_timeout!r}")
    if not settings.base_iri.endswith(("/", "#")):
        settings = replace(settings, base_iri=settings.base_iri + "/")
    return settings
