"""Names of the things claims are about: how a key, a label or an alias is normalised
before it is compared, and how close two names are (docs/entities.md).

Four kinds of named resources (``KINDS``): entities (subjects, scopes, entity values),
properties, people (speakers, authors) and publishers. Two names are *the same* when
their normalised forms are equal (``normalise``): case folded, accents removed, dashes,
hyphens, underscores and slashes read as spaces, quotes and trailing dots dropped,
whitespace collapsed, a leading article ("the") dropped. A key is a name too
(``afghan-tajik-border`` normalises to ``afghan tajik border``). Two names are *close*
(a near-duplicate worth a warning) when ``closeness`` scores them at or above
``NEAR_DUPLICATE``: an edit-distance ratio (rapidfuzz's ``fuzz.ratio``: one-letter
typos) or the overlap of their words (rapidfuzz's ``token_set_ratio``, for a name
that adds or drops words). The tables below are the rules; nothing else decides.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rdflib import URIRef

from kb.model.vocab import CKB, SCHEMA

# ----------------------------------------------------------------- the rules, as data

# characters read as a space: every dash and hyphen, underscore, slash
SPACE_LIKE = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d_/\\"
# characters dropped: quotes and apostrophes of every kind, and a few marks of punctuation
DROPPED = "'\"\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033\u00ab\u00bb`\u00b4.,;:!?()[]{}"
# leading words dropped ("The Times" is "Times"); English only, by design (a word
# such as "La" or "El" is part of many names)
LEADING_ARTICLES = ("the",)
# names closer than this (0-100) are near-duplicates
NEAR_DUPLICATE = 90
# …but a word-overlap score only counts when the shorter name has this many words
# (one shared word, "border", is not a near-duplicate)
MIN_OVERLAP_WORDS = 2

# two differing words are one misspelt when at least this close (rapidfuzz ratio)
WORD_TYPO = 75
# candidates are picked from names at least this close by edit ratio first
PREFILTER = 80

_TRANSLATE = str.maketrans({**{c: " " for c in SPACE_LIKE}, **{c: None for c in DROPPED}})
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class NameKind:
    """A kind of named resource: its name in URLs and the CLI, the singular, its
    rdf:type and the IRI path the minter puts it under."""

    name: str            # "entities"
    singular: str        # "entity"
    rdf_type: URIRef
    path: str            # Minter path: <base><path>/<id>


KINDS: dict[str, NameKind] = {k.name: k for k in (
    NameKind("entities", "entity", CKB.Entity, "entities"),
    NameKind("properties", "property", CKB.ClaimProperty, "properties"),
    NameKind("people", "person", SCHEMA.Person, "people"),
    NameKind("publishers", "publisher", SCHEMA.Organization, "publishers"),
)}
KIND_OF_TYPE = {str(k.rdf_type): k.name for k in KINDS.values()}


def normalise(text: str) -> str:
    """The form names are compared in (see the module docstring). Never raises."""
    folded = unicodedata.normalize("NFKD", str(text).casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = _SPACES.sub(" ", folded.translate(_TRANSLATE)).strip()
    for article in LEADING_ARTICLES:
        if folded.startswith(article + " ") and len(folded) > len(article) + 1:
            folded = folded[len(article) + 1:]
    return folded


def closeness(a: str, b: str) -> tuple[int, str]:
    """How close two *normalised* names are (0-100) and why. Never raises.

    * the same words in another order: 100, "same words";
    * one name's words all in the other ("Tajik border", "Afghan Tajik border"), at
      least ``MIN_OVERLAP_WORDS`` of them: rapidfuzz's token_set_ratio, "shared words";
    * otherwise the words that differ must pair off as misspellings of each other
      (each pair at least ``WORD_TYPO`` by rapidfuzz's ratio: "Organisation" /
      "Organization", "bordr" / "border"); then the ratio of the whole names,
      "spelling". Names that differ by a real word ("soldiers" / "civilians") score 0.
    """
    if not a or not b:
        return 0, ""
    wa, wb = a.split(), b.split()
    only_a, only_b = sorted(set(wa) - set(wb)), sorted(set(wb) - set(wa))
    if not only_a and not only_b:
        return 100, "same words"
    if not only_a or not only_b:
        if min(len(set(wa)), len(set(wb))) < MIN_OVERLAP_WORDS:
            return 0, ""
        return round(fuzz.token_set_ratio(a, b)), "shared words"
    if len(only_a) != len(only_b):
        return 0, ""
    left = list(only_b)
    for word in only_a:
        best = max(left, key=lambda other: fuzz.ratio(word, other))
        if fuzz.ratio(word, best) < WORD_TYPO:
            return 0, ""
        left.remove(best)
    return round(fuzz.ratio(a, b)), "spelling"


def near(query: str, choices: list[str], limit: int = 5) -> list[tuple[int, int, str]]:
    """The choices (normalised names) close to ``query`` (normalised), as (index in
    ``choices``, score, reason), best first, at most ``limit``; an equal name is left
    out (that is the same name, not a near one). rapidfuzz picks the candidates, then
    ``closeness`` decides. Never raises."""
    if not query or not choices:
        return []
    found: dict[int, tuple[int, str]] = {}
    for scorer, cutoff in ((fuzz.ratio, PREFILTER), (fuzz.token_set_ratio, NEAR_DUPLICATE)):
        for _, _, index in process.extract(query, choices, scorer=scorer, score_cutoff=cutoff,
                                           limit=limit * 4):
            if index in found or choices[index] == query:
                continue
            score, reason = closeness(query, choices[index])
            if score >= NEAR_DUPLICATE:
                found[index] = (score, reason)
    best = sorted(found.items(), key=lambda item: (-item[1][0], choices[item[0]]))
    return [(index, score, reason) for index, (score, reason) in best[:limit]]


__all__ = ["KINDS", "KIND_OF_TYPE", "NEAR_DUPLICATE", "NameKind", "closeness", "near", "normalise"]
