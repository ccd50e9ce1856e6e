"""A claims file draft (docs/claims-file.md) from suggested claims: one entry per
suggestion, with everything the assistant read filled in and the rest as comments, for
a person to edit and import (``claimkb suggest ARTICLE --yaml FILE``; docs/extraction.md).

An entry a person does not touch imports cleanly: a quote that occurs more than once
gets ``quote_prefix``/``quote_suffix``; ``subject``, ``property`` and ``value`` are
written together or not at all (then the claim is text-only and the candidates are
comments); reported speech with no speaker found is written as factual with a comment
(the claims file requires the speaker); a time is written as the dates it resolved to.
"""
from __future__ import annotations

import json
from pathlib import Path

from kb.model.anchoring import CONTEXT
from kb.model.suggestions import NameHit, Suggestion


def _s(value) -> str:
    """A YAML scalar: JSON's double-quoted strings are YAML too."""
    return json.dumps(value, ensure_ascii=False)


def _name(hit: NameHit, labels: dict[str, str]) -> str:
    if hit.owners:
        iri = hit.owners[0]
        label = labels.get(iri)
        if label and len(hit.owners) == 1:
            return label
        return iri                  # a name two resources share: the IRI says which
    return hit.text


def draft(suggestions: list[Suggestion], text: str, *, article_ref: str | None = None,
          article_file: Path | None = None, article_meta: dict | None = None,
          labels: dict[str, str] | None = None, header: str = "") -> str:
    """The draft's YAML text. ``article_ref``: the article in the KB; else
    ``article_file`` (a path as the draft should name it) and ``article_meta``
    (published, language, type) declare it under ``articles:``."""
    labels = labels or {}
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += ["claimkb: 1", ""]
    ref = article_ref
    if ref is None:
        lines += ["articles:", "  article:", f"    file: {_s(str(article_file))}"]
        for key, value in (article_meta or {}).items():
            if value:
                lines.append(f"    {key}: {_s(str(value))}")
        lines.append("")
        ref = "article"
    lines.append("claims:" if suggestions else "claims: []")
    for s in suggestions:
        lines += _entry(s, text, ref, labels)
    return "\n".join(lines) + "\n"


def _entry(s: Suggestion, text: str, ref: str, labels) -> list[str]:
    why = "; ".join(s.reasons)
    out = [f"  # {s.id} · score {s.score:g} · {why}"]
    out.append(f"  - article: {_s(ref)}")
    out.append(f"    quote: {_s(s.quote)}")
    if text.count(s.quote) > 1:
        out.append(f"    quote_prefix: {_s(text[max(0, s.start - CONTEXT):s.start])}")
        out.append(f"    quote_suffix: {_s(text[s.end:s.end + CONTEXT])}")
    modality, speaker = s.modality, s.speaker
    if modality == "reported-speech" and not speaker:
        out.append("    # reported speech: no speaker found — add `speaker:` and set the modality")
        modality = "factual"
    out.append(f"    modality: {modality}")
    if modality == "reported-speech":
        out.append(f"    speaker: {_s(speaker)}")
    for note in s.notes:
        out.append(f"    # {note}")
    q = s.value
    subject = s.subjects[0] if s.subjects else None
    prop = s.properties[0] if s.properties else None
    if q is not None and subject is not None and prop is not None:
        out.append(f"    subject: {_s(_name(subject, labels))}"
                   + ("" if subject.owners else "   # new: not in the KB"))
        out.append(f"    property: {_s(_name(prop, labels))}"
                   + ("" if prop.owners else "   # new: not in the KB"))
        out.append(f"    value: {_s(q.text)}   # {q.quantity.value} {q.quantity.unit.code} "
                   f"{q.quantity.qualifier.label}")
    else:
        if q is not None:
            out.append(f"    # value: {_s(q.text)} ({q.quantity.value} {q.quantity.unit.code} "
                       f"{q.quantity.qualifier.label}) — add subject and property to record it")
        if subject is not None:
            out.append(f"    # subject: {_s(_name(subject, labels))}?")
    for extra in s.quantities[1:]:
        out.append(f"    # also: {_s(extra.text)}")
    t = s.time
    if t is not None:
        out.append(f"    about: {_s(t.value)}   # {t.surface}")
    for other in s.times:
        if other.about is None:
            out.append(f"    # time {_s(other.surface)} not resolved: {other.problem}")
    return out
