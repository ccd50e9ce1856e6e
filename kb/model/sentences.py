"""Sentences of an article's text, as character spans: paragraphs (lines) split into
sentences by pysbd (rule-based "pragmatic sentence boundary disambiguation", MIT, pure
Python: abbreviations such as "U.S.", "Nov. 19" or "Mr." do not end a sentence). Chosen
over spaCy, whose English models are not on the package registries this machine
reaches, and over NLTK's punkt, whose data is a download.

A line with no sentence punctuation (a heading, a table row) is one span of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
import threading

MAX_SENTENCE = 1_000     # characters: a longer "sentence" (a table dump) is cut at spaces
# pysbd's time grows faster than its input ("Mr. " 12,500 times on one line: 61 s), so a
# longer line is given to it in pieces cut after a full stop and a space (else a space)
MAX_PIECE = 2_000
_LINE = re.compile(r"[^\n]+")


@dataclass(frozen=True)
class Sentence:
    start: int      # code-point offsets into the text
    end: int
    text: str


_LOCAL = threading.local()      # a pysbd Segmenter keeps the text it works on: one per thread


def _segmenter(language: str):
    import pysbd   # ~60 ms to import: only when an article is read, not for every command

    cache = _LOCAL.__dict__.setdefault("segmenters", {})
    if language not in cache:
        cache[language] = pysbd.Segmenter(language=language, clean=False)
    return cache[language]


def sentences(text: str, language: str | None = None) -> list[Sentence]:
    """The sentences of ``text`` in order, each with its offsets (``text[start:end] ==
    sentence.text``, stripped of surrounding whitespace). Never raises."""
    lang = (language or "en").split("-")[0].lower()
    try:
        seg = _segmenter(lang)
    except ValueError:          # a language pysbd has no rules for: English rules
        seg = _segmenter("en")
    out: list[Sentence] = []
    for line in _LINE.finditer(text):
        para = line.group(0)
        if not para.strip():
            continue
        cursor = 0
        parts = []
        for piece in _pieces(para):
            try:
                parts += seg.segment(piece) if len(piece) > 1 else [piece]
            except Exception:       # pysbd on text it cannot segment (seen: stray symbols)
                parts.append(piece)
        for part in parts:
            piece = part.strip()
            if not piece:
                continue
            at = para.find(piece, cursor)
            if at < 0:           # pysbd changed the text: keep the rest as one span
                piece, at = para[cursor:].strip(), para.find(para[cursor:].strip(), cursor)
            for start, end in _cut(at, at + len(piece), para):
                out.append(Sentence(line.start() + start, line.start() + end, para[start:end]))
            cursor = at + len(piece)
            if cursor >= len(para):
                break
    return out


def _pieces(para: str):
    """``para`` in pieces of at most MAX_PIECE characters, cut after ". " where there is
    one (else after a space, else anywhere)."""
    while len(para) > MAX_PIECE:
        cut = para.rfind(". ", MAX_PIECE // 2, MAX_PIECE)
        cut = cut + 2 if cut >= 0 else para.rfind(" ", MAX_PIECE // 2, MAX_PIECE) + 1
        cut = cut if cut > 0 else MAX_PIECE
        yield para[:cut]
        para = para[cut:]
    yield para


def _cut(start: int, end: int, para: str):
    """(start, end) pieces of at most MAX_SENTENCE characters, cut at a space."""
    while end - start > MAX_SENTENCE:
        cut = para.rfind(" ", start, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        yield start, cut
        start = cut + 1 if para[cut:cut + 1] == " " else cut
    if end > start:
        yield start, end
