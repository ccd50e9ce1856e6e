"""A selection of an article's text, as a form sends it (the claim form and the
annotation form): the quote with its TextQuote selectors (prefix, suffix) and its
TextPosition (start, end, in code points of the stored text) — web/static/selection.js
computes them in the browser — checked here against the stored text."""
from __future__ import annotations

from kb.errors import InputError
from kb.model.anchoring import CONTEXT, Anchor, locate


def whole_number(raw, name: str) -> int:
    """``raw`` as an int. Raises InputError naming the field ``name``."""
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a whole number, got {str(raw)[:40]!r}") from None


def anchor_at(text: str | None, start_raw, end_raw) -> Anchor:
    """The selectors of text[start:end]. Raises InputError when they are not usable."""
    if not text:
        raise InputError("this article has no stored text to quote from; write the claim "
                         "in 'statement' instead")
    if start_raw in (None, "") or end_raw in (None, ""):
        raise InputError("give both start and end of the selection")
    start, end = whole_number(start_raw, "start"), whole_number(end_raw, "end")
    if not 0 <= start < end <= len(text):
        raise InputError(f"the selection {start}–{end} is outside the article text "
                         f"(0–{len(text)} characters) or empty")
    return Anchor(exact=text[start:end], prefix=text[max(0, start - CONTEXT):start],
                  suffix=text[end:end + CONTEXT], start=start, end=end)


def verified_anchor(text: str, form: dict) -> Anchor:
    """The quote's selectors, checked against ``text``.

    With start/end: the text there must be the quote (whitespace may differ); if it is
    not (the selection went stale, or was made on other text), the quote is located
    again. Without: the quote is located (prefix/suffix choose among repeats).
    Raises InputError for a selection outside the text, or a quote not in it.
    """
    quote = form["quote"].strip()
    if form.get("start", "").strip() or form.get("end", "").strip():
        anchor = anchor_at(text, form.get("start"), form.get("end"))
        if anchor.exact == quote or anchor.exact.split() == quote.split():
            return anchor
    return locate(text, quote, prefix=form.get("quote_prefix") or None,
                  suffix=form.get("quote_suffix") or None)
