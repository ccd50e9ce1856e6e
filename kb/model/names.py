"""Names of the things claims are about: how a key, a label or an alias is normalised
before it is compared, and how close two names are (docs/entities.md).

Four kinds of named resources (``KINDS``): entities (subjects, scopes, entity values),
properties, people (speakers, authors) and publishers. Two names are *the same* when
their normalised forms are equal (``normalise``): case folded, accents removed, dashes,
hyphens, underscores and slashes read as spaces, quotes, dots and other punctuation dropped,
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
from collections import defaultdict
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
# …but one name's words all in the other only count when the shorter name has this
# many words (one shared word, "border", is not a near-duplicate), and the longer one at
# most MAX_EXTRA_WORDS more, each taking EXTRA_WORD_COST off the score
MIN_OVERLAP_WORDS = 2
MAX_EXTRA_WORDS = 2
EXTRA_WORD_COST = 4
# a word in more names than this is not used to find names made of the query's words
MAX_POSTING = 5000
# dedupe: a block of more names than this is passed over
MAX_BLOCK = 1000

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
    * one name's words all in the other, at least ``MIN_OVERLAP_WORDS`` of them, and at
      most ``MAX_EXTRA_WORDS`` more ("Tajik border", "Afghan Tajik border"): 100 less
      ``EXTRA_WORD_COST`` a word more, "shared words" ("Sao Tome" is not close to
      "Commission of Culture of Sao Tome");
    * otherwise the words that differ must pair off as misspellings of each other
      (each pair at least ``WORD_TYPO`` by rapidfuzz's ratio: "Organisation" /
      "Organization", "bordr" / "border"); then the ratio of the whole names,
      "spelling". Names that differ by a real word ("soldiers" / "civilians") score 0.
    """
    if not a or not b:
        return 0, ""
    sa, sb = set(a.split()), set(b.split())
    only_a, only_b = sorted(sa - sb), sorted(sb - sa)
    if not only_a and not only_b:
        return 100, "same words"
    if not only_a or not only_b:
        extra = len(only_a) + len(only_b)
        if min(len(sa), len(sb)) < MIN_OVERLAP_WORDS or extra > MAX_EXTRA_WORDS:
            return 0, ""
        return 100 - EXTRA_WORD_COST * extra, "shared words"
    if len(only_a) != len(only_b):
        return 0, ""
    left = list(only_b)
    for word in only_a:
        best = max(left, key=lambda other: fuzz.ratio(word, other))
        if fuzz.ratio(word, best) < WORD_TYPO:
            return 0, ""
        left.remove(best)
    return round(fuzz.ratio(a, b)), "spelling"


class NameSet:
    """Normalised names (distinct) and the resources each belongs to, with a word
    index, for finding the names close to another one (``near``) without comparing it
    with every name word by word."""

    def __init__(self, pairs):
        """``pairs``: (normalised name, owner) — an owner is any string, an IRI."""
        owners: dict[str, dict[str, None]] = {}
        for norm, owner in pairs:
            if norm:
                owners.setdefault(norm, {})[owner] = None
        self.names = list(owners)
        self.owners = [tuple(owners[n]) for n in self.names]
        self.words: dict[str, list[int]] = {}
        self.sizes: list[int] = []
        self.wordsets: list[frozenset[str]] = []
        self.position: dict[str, int] = {}
        for norm in self.names:
            self._index(norm)

    def _index(self, norm: str) -> None:
        index = self.position[norm] = len(self.wordsets)
        words = frozenset(norm.split())
        self.wordsets.append(words)
        self.sizes.append(len(words))
        for word in words:
            self.words.setdefault(word, []).append(index)

    def add(self, norm: str, owner: str) -> None:
        """Add a name of ``owner``, in place (for a NameSet no other thread reads)."""
        if not norm:
            return
        if norm not in self.position:
            self.names.append(norm)
            self.owners.append(())
            self._index(norm)
        index = self.position[norm]
        if owner not in self.owners[index]:
            self.owners[index] = (*self.owners[index], owner)

    def patched(self, gone: set[str], added) -> "NameSet":
        """A new NameSet: this one without the owners ``gone``, with the (normalised
        name, owner) pairs ``added``. Shares what did not change with this one (which
        stays as it was: readers in other threads may be using it)."""
        new = NameSet(())
        new.names, new.sizes, new.wordsets = list(self.names), list(self.sizes), list(self.wordsets)
        new.position, new.words = dict(self.position), dict(self.words)
        new.owners = [tuple(o for o in owners if o not in gone) if gone & set(owners) else owners
                      for owners in self.owners]
        for norm, owner in added:
            if not norm:
                continue
            if norm not in new.position:
                new.names.append(norm)
                new.owners.append(())
                for word in set(norm.split()):    # copy the postings this name changes
                    new.words[word] = list(new.words.get(word, ()))
                new._index(norm)
            index = new.position[norm]
            if owner not in new.owners[index]:
                new.owners[index] = (*new.owners[index], owner)
        return new

    def near(self, query: str, limit: int = 5) -> list[tuple[int, int, str]]:
        """The names close to ``query`` (normalised), as (index in ``names``, score,
        reason), best first, at most ``limit``; the same name is left out. Misspellings
        are found by rapidfuzz's ratio over every name (one C++ pass); names with
        words in common by the word index. ``closeness`` decides. Never raises."""
        if not query or not self.names:
            return []
        candidates = {index for _, _, index in process.extract(
            query, self.names, scorer=fuzz.ratio, score_cutoff=PREFILTER, limit=limit * 4)}
        candidates |= self._sharing_words(query)
        found = []
        for index in candidates:
            if self.names[index] == query or not self.owners[index]:
                continue
            score, reason = closeness(query, self.names[index])
            if score >= NEAR_DUPLICATE:
                found.append((index, score, reason))
        found.sort(key=lambda item: (-item[1], self.names[item[0]]))
        return found[:limit]

    def close_pairs(self, threshold: int):
        """(i, j, score, reason) for the pairs of names at least ``threshold`` close.

        Not every pair is compared: each name only with those in a block it shares. Blocks
        are its words of four letters or more and each of them with one letter left out
        (a misspelt word meets its right spelling: "khhocha" and "khocha" share "khocha"),
        then rapidfuzz's ratio picks the likely misspellings out of them; blocks of over
        ``MAX_BLOCK`` names are passed over (a word such as "hospital"
        or "province" is in too many names to say anything). Names sharing words are
        found by the word index of ``NameSet.near`` all the same."""
        blocks: dict[str, list[int]] = defaultdict(list)
        keys: list[set[str]] = []
        for i, norm in enumerate(self.names):
            mine = set()
            for word in norm.split():
                if len(word) >= 4:
                    mine.add(word)
                    mine.update(word[:k] + word[k + 1:] for k in range(len(word)))
            if not mine:
                mine.add(norm)
            keys.append(mine)
            for key in mine:
                blocks[key].append(i)
        for i, norm in enumerate(self.names):
            block = set()
            for key in keys[i]:
                if len(blocks[key]) <= MAX_BLOCK:
                    block.update(j for j in blocks[key] if j > i)
            block = sorted(block)
            # misspellings: rapidfuzz's ratio picks them out of the blocks (one C++ pass)
            candidates = {block[k] for _, _, k in process.extract(
                norm, [self.names[j] for j in block], scorer=fuzz.ratio,
                score_cutoff=PREFILTER, limit=None)} if block else set()
            # a name with all of another's words is found from the shorter one
            candidates |= {j for j in self._sharing_words(norm, supersets_only=True) if j != i}
            for j in candidates:
                if not self.owners[i] or not self.owners[j]:
                    continue
                score, reason = closeness(norm, self.names[j])
                if score >= threshold:
                    yield i, j, score, reason

    def _sharing_words(self, query: str, *, supersets_only: bool = False) -> set[int]:
        """The names that have all of the query's words, and (unless ``supersets_only``)
        those whose words are all in the query, with at most MAX_EXTRA_WORDS words
        between them (the "shared words" rule)."""
        words = set(query.split())
        if len(words) < MIN_OVERLAP_WORDS:
            return set()
        postings = sorted((self.words.get(w, ()) for w in words), key=len)
        # names with every word of the query: the rarest word's names that have them all
        found = {i for i in postings[0] if words <= self.wordsets[i]
                 and self.sizes[i] - len(words) <= MAX_EXTRA_WORDS}
        if supersets_only:
            return found
        counts: dict[int, int] = {}    # names made only of the query's words
        for posting in postings:
            if len(posting) > MAX_POSTING:
                continue         # a word in very many names ("of"): those names share
            for i in posting:    # a rarer word with the query too, or are not close
                counts[i] = counts.get(i, 0) + 1
        found |= {i for i, n in counts.items() if n == self.sizes[i] >= MIN_OVERLAP_WORDS
                  and len(words) - n <= MAX_EXTRA_WORDS}
        return found


def near(query: str, choices: list[str], limit: int = 5) -> list[tuple[int, int, str]]:
    """``NameSet.near`` over a plain list of names (indexes into ``choices``)."""
    found = NameSet((c, str(i)) for i, c in enumerate(choices))
    return [(int(found.owners[i][0]), score, reason) for i, score, reason in found.near(query, limit)]


__all__ = ["KINDS", "KIND_OF_TYPE", "NEAR_DUPLICATE", "NameKind", "NameSet", "closeness", "near", "normalise"]
