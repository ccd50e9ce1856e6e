"""Minting IRIs. Every resource claimkb creates lives under the configured base IRI,
so that, once the server's base IRI is set, the IRIs in the data dereference."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote, urlsplit

from rdflib import URIRef

from kb.errors import InputError, NotFound

# The graph that holds everything the KB itself asserts: claim metadata, articles,
# publishers, people, entity and property declarations. Claim content is elsewhere:
# one named graph per claim, named by the claim IRI.
META = URIRef("https://w3id.org/claimkb/graph/metadata")

# Comparisons materialised by kb.compare (verdicts between claims), in their own graph.
COMPARISONS = URIRef("https://w3id.org/claimkb/graph/comparisons")

KINDS = ("claims", "articles", "entities", "properties", "publishers", "people", "comparisons",
         "annotations", "users", "versions")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def slugify(text: str, limit: int = 80) -> str:
    """"Afghan–Tajik border" → "afghan-tajik-border"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:limit].strip("-")
    if not slug:
        slug = "x" + hashlib.sha256(text.encode()).hexdigest()[:12]
    return slug


def short_hash(*parts: str, length: int = 12) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


class Minter:
    """IRIs under ``base`` (which ends with / or #)."""

    def __init__(self, base: str):
        self.base = base

    def mint(self, kind: str, ident: str) -> URIRef:
        if kind not in KINDS:
            raise ValueError(kind)
        if not _ID.match(ident):
            raise InputError(f"not a valid {kind[:-1]} id: {ident!r} (letters, digits, . _ -)")
        return URIRef(f"{self.base}{kind}/{ident}")

    def claim(self, ident: str) -> URIRef:
        return self.mint("claims", ident)

    def article_for(self, key: str) -> URIRef:
        """Article IRI from its identity key: a URL, or a name when there is no URL."""
        if re.match(r"^https?://", key):
            host = urlsplit(key).hostname or "web"
            return self.mint("articles", f"{slugify(host, 40)}-{short_hash(key, length=10)}")
        return self.mint("articles", slugify(key, 60))

    def version(self, article: URIRef, sha256: str) -> URIRef:
        return URIRef(f"{article}/versions/{sha256[:16]}")

    def entity(self, key: str) -> URIRef:
        return self.mint("entities", slugify(key))

    def property(self, key: str) -> URIRef:
        return self.mint("properties", slugify(key))

    def publisher(self, name: str) -> URIRef:
        return self.mint("publishers", slugify(name))

    def user(self, name: str) -> URIRef:
        """The agent IRI of a claimkb account (kb.users names may hold '@', kept
        percent-encoded)."""
        return URIRef(f"{self.base}users/{quote(name, safe='._-')}")

    def person(self, name: str) -> URIRef:
        return self.mint("people", slugify(name))

    def resolve(self, kind: str, ref: str) -> URIRef:
        """An IRI, or a bare id of ``kind`` ("abc123" → <base>claims/abc123).

        Raises NotFound for a malformed reference.
        """
        ref = ref.strip()
        if ref.startswith(("http://", "https://", "urn:")):
            return URIRef(ref)
        if ref.startswith(f"{kind}/"):
            ref = ref[len(kind) + 1:]
        if not _ID.match(ref):
            raise NotFound(f"no {kind[:-1]} {ref!r}")
        return URIRef(f"{self.base}{kind}/{ref}")

    def local_id(self, iri: URIRef) -> str | None:
        """"http://base/claims/abc" → "abc" when the IRI is ours."""
        text = str(iri)
        if not text.startswith(self.base):
            return None
        kind, _, rest = text[len(self.base):].partition("/")
        return rest if kind in KINDS and rest else None
