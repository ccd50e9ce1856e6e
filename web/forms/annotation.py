"""The annotation form (web/views/annotate.py) → a W3C Web Annotation document.

A passage of an article's text (the quote and its selectors, checked against the
current text: selection.py), or a claim or publisher as a whole; a motivation of
``MOTIVATIONS``, a comment and tags. Every function raises InputError for what the
form cannot say.
"""
from __future__ import annotations

from kb.errors import InputError

from ..vocabulary import MOTIVATIONS
from .selection import verified_anchor

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# motivations that need no comment (the highlight or the tags are the annotation)
NO_COMMENT_NEEDED = {"highlighting", "bookmarking", "tagging"}
MAX_COMMENT = 20_000
MAX_QUOTE = 20_000
MAX_TAGS = 20
MAX_TAG = 100
QUOTE_FIELDS = ("quote", "quote_prefix", "quote_suffix", "start", "end")
FIELDS = (*QUOTE_FIELDS, "motivation", "comment", "tags", "etag", "next")


def build_doc(target: str, form: dict, *, text: str | None) -> dict:
    """The W3C Web Annotation (JSON-LD dict) the form describes. With ``text`` (an
    article's current text) the quote is checked against it and becomes the target's
    TextQuote + TextPosition selectors. Raises InputError."""
    motivation = _motivation(form)
    comment = (form.get("comment") or "").strip()
    tags = parse_tags(form.get("tags") or "")
    check_comment(comment, required=motivation not in NO_COMMENT_NEEDED)
    if motivation == "tagging" and not tags:
        raise InputError("give at least one tag")
    body = []
    if comment:
        body.append(text_body(comment, motivation if motivation not in NO_COMMENT_NEEDED
                              else "commenting"))
    body.extend(text_body(tag, "tagging") for tag in tags)
    doc: dict = {"@context": ANNO_CONTEXT, "type": "Annotation", "motivation": motivation}
    if body:
        doc["body"] = body
    if text is None:
        doc["target"] = target
        return doc
    quote = (form.get("quote") or "").strip()
    if not quote:
        raise InputError("select (or type) the words of the text to annotate")
    if len(quote) > MAX_QUOTE:
        raise InputError(f"the quote is longer than {MAX_QUOTE} characters")
    if not text:
        raise InputError("this article has no stored text to annotate")
    anchor = verified_anchor(text, {k: form.get(k) or "" for k in QUOTE_FIELDS} | {"quote": quote})
    doc["target"] = {"source": target, "selector": [
        {"type": "TextQuoteSelector", "exact": anchor.exact, "prefix": anchor.prefix,
         "suffix": anchor.suffix},
        {"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end}]}
    return doc


def reply_doc(parent_iri: str, comment: str) -> dict:
    """A reply to the annotation ``parent_iri``. Raises InputError for no comment."""
    check_comment(comment, required=True)
    return {"@context": ANNO_CONTEXT, "type": "Annotation", "motivation": "replying",
            "body": [text_body(comment, "replying")], "target": parent_iri}


def edited_doc(old, form: dict) -> dict:
    """``old``'s document with the comment, tags and motivation of ``form`` (the target
    and any body the form does not show are kept). Raises InputError."""
    # the form shows the text bodies (and bodyValue): those are replaced; everything
    # else the document says (link bodies, its own creator, generator…) is kept
    doc = {k: v for k, v in old.doc.items() if k not in ("body", "bodyValue", "id", "modified")}
    old_motivation = old.motivations[0] if old.motivations else "commenting"
    if old_motivation == "replying":
        motivation = "replying"
    else:
        motivation = _motivation(form, default=old_motivation)
    comment = (form.get("comment") or "").strip()
    tags = parse_tags(form.get("tags") or "") if "tags" in form else list(old.tags)
    check_comment(comment, required=motivation not in NO_COMMENT_NEEDED)
    if motivation == "tagging" and not tags:
        raise InputError("give at least one tag")
    kept = [b for b in _bodies(old.doc) if not _is_text_body(b)]
    body = []
    if comment:
        purpose = motivation if motivation not in NO_COMMENT_NEEDED else "commenting"
        body.append(text_body(comment, purpose))
    body.extend(text_body(tag, "tagging") for tag in tags)
    body.extend(kept)
    doc["motivation"] = motivation
    doc.setdefault("@context", ANNO_CONTEXT)
    doc.setdefault("type", "Annotation")
    if body:
        doc["body"] = body
    return doc


def parse_tags(raw: str) -> list[str]:
    """"border, Tajikistan,, border" → ["border", "Tajikistan"]. Raises InputError."""
    tags: list[str] = []
    for part in raw.split(","):
        tag = " ".join(part.split())
        if not tag or tag.lower() in (t.lower() for t in tags):
            continue
        if len(tag) > MAX_TAG:
            raise InputError(f"a tag is longer than {MAX_TAG} characters: {tag[:40]!r}…")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InputError(f"at most {MAX_TAGS} tags")
    return tags


def _motivation(form: dict, default: str = "commenting") -> str:
    motivation = (form.get("motivation") or default).strip()
    if motivation not in dict(MOTIVATIONS):
        raise InputError(f"unknown motivation {motivation[:40]!r} (known: "
                         f"{', '.join(m for m, _ in MOTIVATIONS)})")
    return motivation


def check_comment(comment: str, *, required: bool) -> None:
    if required and not comment:
        raise InputError("write a comment")
    if len(comment) > MAX_COMMENT:
        raise InputError(f"the comment is longer than {MAX_COMMENT} characters")


def text_body(value: str, purpose: str) -> dict:
    return {"type": "TextualBody", "value": value, "purpose": purpose, "format": "text/plain"}


def _bodies(doc: dict) -> list:
    body = doc.get("body")
    if body is None:
        return []
    return body if isinstance(body, list) else [body]


def _is_text_body(body) -> bool:
    # a body that is a string is an IRI (a linked resource), not text
    return isinstance(body, dict) and body.get("type") == "TextualBody"
