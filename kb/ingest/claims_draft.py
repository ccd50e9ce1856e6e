"""A suggested claim as a claim to record: the one policy both the claims file draft
(``claimkb suggest ARTICLE --yaml FILE``) and the web's prefilled claim form follow
(docs/extraction.md), and the draft's YAML.

A suggestion a person does not touch is recorded as it stands (tested on the draft and
on the form):

- ``subject``, ``property`` and ``value`` are filled together or not at all (the claims
  file and the form refuse one without the others): otherwise the claim is its words
  only and what was read is a hint;
- reported speech with no speaker found is recorded as factual, with a hint asking for
  the speaker (both require one);
- a time is the dates it resolved to;
- in the draft, a quote that occurs more than once gets ``quote_prefix`` and
  ``quote_suffix`` long enough to tell it apart, and its own ``id`` (the same words at
  two places would otherwise be one claim); one that 200 characters of context cannot
  tell apart is left as a comment (a claims file cannot say which one it is).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kb.model.iris import slugify
from kb.model.suggestions import NameHit, Suggestion
from kb.model.quantity_spans import FoundQuantity
from kb.model.time_spans import FoundTime

CONTEXTS = (32, 64, 128, 200)      # prefix/suffix lengths tried, shortest first
# what YAML does not accept in a file, even in a double-quoted scalar (YAML 1.1 §5.1)
_NOT_YAML = re.compile("[\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


@dataclass
class DraftClaim:
    """What a suggestion fills in (``subject``/``property``/``value`` all or none)."""

    modality: str
    speaker: str | None = None
    subject: NameHit | None = None
    property: NameHit | None = None
    value: FoundQuantity | None = None
    about: FoundTime | None = None
    hints: list[str] = field(default_factory=list)


def draft_claim(s: Suggestion, name=lambda hit: hit.text) -> DraftClaim:
    """The claim ``s`` suggests, by the policy above; ``name`` shows a candidate in a
    hint."""
    claim = DraftClaim(modality=s.modality, speaker=s.speaker, about=s.time)
    if s.modality == "reported-speech" and not s.speaker:
        claim.modality, claim.speaker = "factual", None
        claim.hints.append("reported speech: no speaker found — name the speaker and set "
                           "the modality to reported speech")
    subject = s.subjects[0] if s.subjects else None
    prop = s.properties[0] if s.properties else None
    q = s.value
    if q is not None and subject is not None and prop is not None:
        claim.subject, claim.property, claim.value = subject, prop, q
    else:
        read = [f"{what} {shown}" for what, shown in (
            ("subject", subject and f"“{name(subject)}”"), ("property", prop and f"“{name(prop)}”"),
            ("value", q and f"“{q.text}”")) if shown]
        missing = [what for what, hit in (("subject", subject), ("property", prop), ("value", q))
                   if hit is None]
        if read:
            claim.hints.append(f"read {', '.join(read)} but no {' or '.join(missing)}: add "
                               f"{'it' if len(missing) == 1 else 'them'} to record the content")
    for extra in s.quantities[1:]:
        claim.hints.append(f"also a figure: “{extra.text}”")
    for other in s.times:
        if other.about is None:
            claim.hints.append(f"time “{other.surface}” not resolved: {other.problem}")
    return claim


def _s(value) -> str:
    """A YAML double-quoted scalar: JSON's escapes, and \\u escapes for the characters
    YAML does not accept raw (C1 controls, as scraped cp1252 text holds)."""
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(value, ensure_ascii=False))


def _name(hit: NameHit, labels: dict[str, str]) -> str:
    if hit.owners:
        label = labels.get(hit.owners[0])
        if label and len(hit.owners) == 1:
            return label
        return hit.owners[0]        # a name two resources share: the IRI says which
    return hit.text


def article_key(path: Path, text: str) -> str:
    """The key a draft declares a file's article under: its name and the first 8 hex of
    its text's SHA-256, so that two files' drafts never land on one article."""
    return f"{slugify(path.stem)[:40] or 'article'}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def draft(suggestions: list[Suggestion], text: str, *, article_ref: str | None = None,
          article_file: Path | None = None, article_meta: dict | None = None,
          labels: dict[str, str] | None = None, header: str = "") -> str:
    """The draft's YAML text. ``article_ref``: the article in the KB; else
    ``article_file`` (a path as the draft should name it) and ``article_meta``
    (published, language, type, url…) declare it under ``articles:``. Raises
    ValueError for no suggestions (a claims file needs a claim)."""
    if not suggestions:
        raise ValueError("no suggestions")
    labels = labels or {}
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += ["claimkb: 1", ""]
    ref = article_ref
    if ref is None:
        ref = article_key(Path(str(article_file)), text)
        lines += ["articles:", f"  {ref}:", f"    file: {_s(str(article_file))}"]
        for key, value in (article_meta or {}).items():
            if value:
                lines.append(f"    {key}: {_s(str(value))}")
        lines.append("")
    lines.append("claims:")
    squeezed = lru_cache(maxsize=1)(lambda: " ".join(text.split()))   # only if a quote repeats
    for s in suggestions:
        lines += _entry(s, text, squeezed, ref, labels)
    return "\n".join(lines) + "\n"


def _context(text: str, squeezed, s: Suggestion) -> int | None:
    """The prefix/suffix length that tells this occurrence of the quote apart (None:
    the quote occurs once; 0: nothing up to 200 characters around it does).
    ``squeezed()``: the text with its whitespace squeezed, made once per draft."""
    if text.count(s.quote) <= 1:
        return None
    squeezed = squeezed()
    for k in CONTEXTS:       # compared as the importer compares them: whitespace squeezed
        window = " ".join(text[max(0, s.start - k):s.end + k].split())
        if squeezed.count(window) == 1:
            return k
    return 0


def _entry(s: Suggestion, text: str, squeezed, ref: str, labels) -> list[str]:
    claim = draft_claim(s, lambda hit: _name(hit, labels))
    out = [f"  # {s.id} · score {s.score:g} · {'; '.join(s.reasons)}"]
    k = _context(text, squeezed, s)
    if k == 0:
        return out + [f"  # {_s(s.quote)}", "  #   the same words, with the same 200 characters "
                      "around them, stand several times in the text: a claims file cannot "
                      "say which; add it from the web form, which anchors by position"]
    out.append(f"  - article: {_s(ref)}")
    out.append(f"    quote: {_s(s.quote)}")
    if k is not None:
        out.append(f"    quote_prefix: {_s(text[max(0, s.start - k):s.start])}")
        out.append(f"    quote_suffix: {_s(text[s.end:s.end + k])}")
        out.append(f"    id: {_s('suggested-' + s.id)}   # the same words stand elsewhere too")
    out.append(f"    modality: {claim.modality}")
    if claim.modality == "reported-speech":
        out.append(f"    speaker: {_s(claim.speaker)}")
    if claim.value is not None:
        q = claim.value.quantity
        out.append(f"    subject: {_s(_name(claim.subject, labels))}"
                   + ("" if claim.subject.owners else "   # new: not in the KB"))
        out.append(f"    property: {_s(_name(claim.property, labels))}"
                   + ("" if claim.property.owners else "   # new: not in the KB"))
        out.append(f"    value: {_s(claim.value.text)}   # {q.value} {q.unit.code} {q.qualifier.label}")
    if claim.about is not None:
        out.append(f"    about: {_s(claim.about.value)}   # {claim.about.surface}")
    for note in (*s.notes, *claim.hints):
        out.append(f"    # {note}")
    return out
