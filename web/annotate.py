"""Annotating in the web UI (issue #5): the HTML side of W3C Web Annotations.

On an article page a user with the annotator role selects words of the text;
static/selection.js computes the selectors (TextQuote: exact, 32 characters of prefix
and suffix; TextPosition: start, end, in code points of the stored text) and
static/annotate/annotate.js fills them into the "Annotate" form of
templates/annotate/_panel.html. Without JavaScript the same form is there, open: type
(or paste) the quote and the server finds it in the text.

Routes (all POST forms with a CSRF token; API clients may send the same fields as
JSON and get JSON back; the W3C protocol itself is web/annotations_api.py):

* ``POST /articles/<id>/annotations``: annotate a passage of the article's current text
  (quote, quote_prefix, quote_suffix, start, end, motivation, comment, tags);
* ``POST /claims/<id>/annotations``, ``POST /publishers/<id>/annotations``: a note
  on a claim or a publisher as a whole (motivation, comment, tags);
* ``POST /annotations/<id>/reply`` (comment), ``/edit`` (comment, tags, motivation,
  etag), ``/delete`` (etag).

Every route needs the annotator role (web/auth.py); kb.annotations checks that only an
annotation's creator (or an admin) edits or deletes it (PermissionDenied → 403). A
browser is sent back (303) to the page it came from (``next``, a path on this site) with
a flash message; a problem with the input re-renders the form with the message and
what was typed (400) and writes nothing.

The article page gets its annotation panel from ``article_panel()`` (called by
web/articles.py): the annotations anchored in the current text (highlighted in it by
web/filters.highlight_spans, as <mark class="anno-span">), the ones that could not be
re-anchored after the text changed (orphans), replies threaded under each, and filters
by motivation, tag and author as query parameters (``?motivation=&tag=&author=``).
"""
from __future__ import annotations

from urllib.parse import unquote

from flask import (Blueprint, Flask, flash, redirect, render_template, request,
                   url_for)
from werkzeug.http import HTTP_STATUS_CODES

from kb.errors import InputError, NotFound

from .auth import _safe_next, current_user, requires
from .context import get_kb
from .forms import read_form
from .edit import _verified_anchor

bp = Blueprint("annotate", __name__)

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# the motivations the form offers (W3C Web Annotation vocabulary), with their labels
MOTIVATIONS = (("commenting", "comment"), ("questioning", "question"),
               ("assessing", "assessment"), ("editing", "correction"),
               ("highlighting", "highlight"), ("tagging", "tags only"),
               ("bookmarking", "bookmark"))
MOTIVATION_LABELS = dict(MOTIVATIONS) | {"replying": "reply", "describing": "description",
                                         "classifying": "classification",
                                         "identifying": "identification",
                                         "linking": "link", "moderating": "moderation"}
# motivations that need no comment (the highlight or the tags are the annotation)
NO_COMMENT_NEEDED = {"highlighting", "bookmarking", "tagging"}
FILTERS = ("motivation", "tag", "author")
MAX_COMMENT = 20_000
MAX_QUOTE = 20_000
MAX_TAGS = 20
MAX_TAG = 100
MAX_REPLY_DEPTH = 6
MAX_NOTES = 100            # notes shown on a claim or publisher page (the newest)
QUOTE_FIELDS = ("quote", "quote_prefix", "quote_suffix", "start", "end")
FIELDS = (*QUOTE_FIELDS, "motivation", "comment", "tags", "etag", "next")


# ---------------------------------------------------------------------- routes

@bp.post("/articles/<article_id>/annotations")
@requires("annotator")
def create(article_id: str):
    """Annotate a passage of the article's current text."""
    kb = get_kb()
    article = _article(article_id)
    _version, text = kb.current_text(article)
    form = read_form(FIELDS)
    back = _next(form, url_for("articles.show", ident=article_id))
    try:
        doc = build_doc(str(article), form, text=text)
    except InputError as exc:
        return _form_error(exc.message, form, action=request.path, back=back,
                           title=f"Annotate {article_id}", with_quote=True)
    annotation = kb.annotations.create(doc, user=current_user().name)
    return _done(annotation, back, "annotation added", created=True)


@bp.post("/claims/<claim_id>/annotations")
@requires("annotator")
def create_on_claim(claim_id: str):
    """A note on a claim as a whole."""
    claim = get_kb().claim_iri(claim_id)     # NotFound → 404
    return _create_on(str(claim), url_for("claims.show", ident=claim_id), f"claim {claim_id}")


@bp.post("/publishers/<publisher_id>/annotations")
@requires("annotator")
def create_on_publisher(publisher_id: str):
    """A note on a publisher as a whole."""
    kb = get_kb()
    publisher = kb.iris.resolve("publishers", publisher_id)
    try:
        kb.describe(publisher)
    except NotFound:
        raise NotFound(f"no publisher {publisher_id!r}") from None
    return _create_on(str(publisher), url_for("entities.publisher", ident=publisher_id),
                      f"publisher {publisher_id}")


@bp.post("/annotations/<annotation_id>/reply")
@requires("annotator")
def reply(annotation_id: str):
    """Reply to an annotation (or to a reply)."""
    kb = get_kb()
    parent = kb.annotations.get(annotation_id)        # NotFound/Gone → 404/410
    form = read_form(FIELDS)
    back = _next(form, page_of(parent))
    comment = (form.get("comment") or "").strip()
    try:
        _check_comment(comment, required=True)
    except InputError as exc:
        return _form_error(exc.message, form, action=request.path, back=back,
                           title="Reply to an annotation", reply_to=_card(parent))
    doc = {"@context": ANNO_CONTEXT, "type": "Annotation", "motivation": "replying",
           "body": [_text_body(comment, "replying")], "target": str(parent.iri)}
    annotation = kb.annotations.create(doc, user=current_user().name)
    return _done(annotation, back, "reply added", created=True)


@bp.post("/annotations/<annotation_id>/edit")
@requires("annotator")
def edit(annotation_id: str):
    """Change the comment, tags or motivation of one's own annotation (its target
    stays). ``etag`` (the one the form was made from) refuses a stale edit (412)."""
    kb = get_kb()
    old = kb.annotations.get(annotation_id)
    form = read_form(FIELDS)
    back = _next(form, page_of(old))
    try:
        doc = edited_doc(old, form)
    except InputError as exc:
        return _form_error(exc.message, form, action=request.path, back=back,
                           title="Edit an annotation", editing=_card(old))
    user = current_user()
    annotation = kb.annotations.update(annotation_id, doc, user=user.name,
                                       is_admin=user.can("admin"),
                                       if_match=form.get("etag") or None)
    return _done(annotation, back, "annotation changed", created=False)


@bp.post("/annotations/<annotation_id>/delete")
@requires("annotator")
def delete(annotation_id: str):
    """Delete one's own annotation (its history is kept)."""
    kb = get_kb()
    old = kb.annotations.get(annotation_id)
    form = read_form(FIELDS)
    back = _next(form, page_of(old))
    user = current_user()
    kb.annotations.delete(annotation_id, user=user.name, is_admin=user.can("admin"),
                          if_match=form.get("etag") or None)
    if _data_client():
        return {"ok": True, "id": annotation_id, "deleted": True}
    flash("annotation deleted")
    return redirect(_strip_fragment(back), 303)


def _create_on(target: str, page: str, what: str):
    form = read_form(FIELDS)
    back = _next(form, page)
    try:
        doc = build_doc(target, form, text=None)
    except InputError as exc:
        return _form_error(exc.message, form, action=request.path, back=back,
                           title=f"A note on {what}")
    annotation = get_kb().annotations.create(doc, user=current_user().name)
    return _done(annotation, back, "annotation added", created=True)


# ---------------------------------------------------------------------- documents

def build_doc(target: str, form: dict, *, text: str | None) -> dict:
    """The W3C Web Annotation (JSON-LD dict) the form describes. With ``text`` (an
    article's current text) the quote is checked against it and becomes the target's
    TextQuote + TextPosition selectors. Raises InputError."""
    motivation = _motivation(form)
    comment = (form.get("comment") or "").strip()
    tags = parse_tags(form.get("tags") or "")
    _check_comment(comment, required=motivation not in NO_COMMENT_NEEDED)
    if motivation == "tagging" and not tags:
        raise InputError("give at least one tag")
    body = []
    if comment:
        body.append(_text_body(comment, motivation if motivation not in NO_COMMENT_NEEDED
                               else "commenting"))
    body.extend(_text_body(tag, "tagging") for tag in tags)
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
    anchor = _verified_anchor(text, {k: form.get(k) or "" for k in QUOTE_FIELDS} | {"quote": quote})
    doc["target"] = {"source": target, "selector": [
        {"type": "TextQuoteSelector", "exact": anchor.exact, "prefix": anchor.prefix,
         "suffix": anchor.suffix},
        {"type": "TextPositionSelector", "start": anchor.start, "end": anchor.end}]}
    return doc


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
    _check_comment(comment, required=motivation not in NO_COMMENT_NEEDED)
    if motivation == "tagging" and not tags:
        raise InputError("give at least one tag")
    kept = [b for b in _bodies(old.doc) if not _is_text_body(b)]
    body = []
    if comment:
        purpose = motivation if motivation not in NO_COMMENT_NEEDED else "commenting"
        body.append(_text_body(comment, purpose))
    body.extend(_text_body(tag, "tagging") for tag in tags)
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


def _check_comment(comment: str, *, required: bool) -> None:
    if required and not comment:
        raise InputError("write a comment")
    if len(comment) > MAX_COMMENT:
        raise InputError(f"the comment is longer than {MAX_COMMENT} characters")


def _text_body(value: str, purpose: str) -> dict:
    return {"type": "TextualBody", "value": value, "purpose": purpose, "format": "text/plain"}


def _bodies(doc: dict) -> list:
    body = doc.get("body")
    if body is None:
        return []
    return body if isinstance(body, list) else [body]


def _is_text_body(body) -> bool:
    # a body that is a string is an IRI (a linked resource), not text
    return isinstance(body, dict) and body.get("type") == "TextualBody"


# ---------------------------------------------------------------------- view models

def author_name(creator) -> str:
    """The account name of an annotation's creator (a user IRI or a name)."""
    if not creator:
        return "unknown"
    text = str(creator)
    prefix = f"{get_kb().settings.base_iri}users/"
    if text.startswith(prefix):
        return unquote(text[len(prefix):])
    return text


def _mine(annotation) -> bool:
    user = current_user()
    if user is None or not user.can("annotator"):
        return False
    return user.can("admin") or author_name(annotation.creator).lower() == user.name.lower()


def _card(a, replies: list | None = None) -> dict:
    """What the templates show of one annotation."""
    motivations = list(a.motivations) or ["commenting"]
    return {
        "id": a.id, "iri": str(a.iri), "author": author_name(a.creator),
        "created": _day(a.created), "modified": _day(a.modified) if a.modified != a.created else None,
        "motivation": motivations[0], "motivations": motivations,
        "label": MOTIVATION_LABELS.get(motivations[0], motivations[0]),
        "text": "\n\n".join(a.bodies_text), "tags": sorted(a.tags, key=str.lower),
        "exact": a.exact, "start": a.start, "end": a.end, "orphan": bool(a.orphan),
        "links": list(a.links), "etag": a.etag, "mine": _mine(a), "replies": replies or [],
    }


def _day(value) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:16].replace("T", " ")


def _threads(items: list, depth: int = 0) -> list[dict]:
    """Cards of ``items`` with their replies (and theirs), oldest reply first: one
    query per level of the threads, whatever the number of annotations."""
    if not items:
        return []
    replies = _replies_of(items) if depth < MAX_REPLY_DEPTH else {}
    children = [r for found in replies.values() for r in found]
    cards_of = dict(zip((c.iri for c in children), _threads(children, depth + 1)))
    return [_card(a, [cards_of[r.iri] for r in replies.get(a.iri, [])]) for a in items]


def _replies_of(parents: list) -> dict[str, list]:
    """annotation IRI → the annotations replying to it, oldest first (one query)."""
    if not parents:
        return {}
    return get_kb().annotations.replies([str(p.iri) for p in parents])


def _filters(args) -> dict:
    return {name: (args.get(name) or "").strip() for name in FILTERS}


def _keep(a, filters: dict) -> bool:
    if filters["motivation"] and filters["motivation"] not in a.motivations:
        return False
    if filters["tag"] and filters["tag"].lower() not in (t.lower() for t in a.tags):
        return False
    if filters["author"] and filters["author"].lower() != author_name(a.creator).lower():
        return False
    return True


def article_panel(article_iri: str, args=None) -> dict:
    """The article page's annotations: ``items`` anchored in the current text (in text
    order), ``whole`` (on the article as a whole: no selector, never re-anchored),
    ``orphans`` (could not be re-anchored), ``spans`` to highlight (for
    web/filters.highlight_spans), the active ``filters`` and the values to filter by."""
    args = request.args if args is None else args
    kb = get_kb()
    if getattr(kb, "annotations", None) is None:   # a KB without annotation support
        return None
    everything = kb.annotations.for_article(article_iri)
    everything = [a for a in everything if "replying" not in a.motivations]
    filters = _filters(args)
    shown = [a for a in everything if _keep(a, filters)]
    anchored = sorted((a for a in shown if not a.orphan and a.start is not None),
                      key=lambda a: (a.start, a.end, str(a.created)))
    whole = sorted((a for a in shown if _on_the_whole(a)), key=lambda a: (str(a.created), a.iri))
    orphans = sorted((a for a in shown if (a.orphan or a.start is None) and not _on_the_whole(a)),
                     key=lambda a: str(a.created))
    spans = [_span(a) for a in anchored]
    return {
        "items": _threads(anchored), "whole": _threads(whole), "orphans": _threads(orphans),
        "spans": spans,
        "total": len(everything), "shown": len(shown), "filters": filters,
        "active": any(filters.values()),
        "choices": {
            "motivation": sorted({m for a in everything for m in a.motivations}),
            "tag": sorted({t for a in everything for t in a.tags}, key=str.lower),
            "author": sorted({author_name(a.creator) for a in everything}, key=str.lower),
        },
    }


def _on_the_whole(a) -> bool:
    """An annotation on the article as a whole (its target has no selector)."""
    return a.whole and not a.orphan and a.start is None and not a.exact


def _span(a) -> tuple:
    """(start, end, attributes) of an annotation's highlight (web/filters.highlight_spans
    escapes the attributes)."""
    motivation = (a.motivations or ["commenting"])[0]
    summary = a.bodies_text[0] if a.bodies_text else ", ".join(a.tags)
    return (a.start, a.end, {"class": f"anno-span motivation-{motivation}",
                             "data-annotation": a.id,
                             "title": f"{author_name(a.creator)}: {summary[:120]}"})


def annotations_on(target: str) -> list[dict]:
    """Cards of the annotations on a claim or publisher as a whole (newest first)."""
    kb = get_kb()
    if getattr(kb, "annotations", None) is None:   # a KB without annotation support
        return []
    # on the target index, not a scan of every annotation; the newest 100
    items = [a for a in kb.annotations.on(str(target)) if "replying" not in a.motivations]
    items.sort(key=lambda a: (str(a.created), a.iri), reverse=True)
    return _threads(items[:MAX_NOTES])


def page_of(annotation, _depth: int = 0) -> str:
    """The page an annotation is shown on: its article's, claim's or publisher's (a
    reply: its thread's), with the card's fragment."""
    kb = get_kb()
    if annotation.replies_to and _depth < 20:
        try:
            parent = kb.annotations.get(annotation.replies_to)
        except NotFound:
            parent = None
        if parent is not None:
            return page_of(parent, _depth + 1).split("#")[0] + f"#annotation-{annotation.id}"
    target = str(annotation.target_source or "")
    base = kb.settings.base_iri
    fragment = f"#annotation-{annotation.id}"
    for kind, endpoint in (("articles", "articles.show"), ("claims", "claims.show"),
                           ("publishers", "entities.publisher")):
        if target.startswith(f"{base}{kind}/"):
            ident = target[len(base) + len(kind) + 1:]
            if kind == "articles":
                ident = ident.split("/versions/", 1)[0]   # a text version: its article
            return url_for(endpoint, ident=ident) + fragment
    return url_for("home.index")


# ---------------------------------------------------------------------- responses

def _article(article_id: str):
    kb = get_kb()
    article = kb.iris.resolve("articles", article_id)
    if kb.article_metadata(article) is None:
        raise NotFound(f"no article {article_id!r}")
    return article


def _next(form: dict, default: str) -> str:
    target = form.get("next")
    return _safe_next(target) if target else default


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _done(annotation, back: str, message: str, *, created: bool):
    if _data_client():
        body = {"ok": True, "id": annotation.id, "annotation": str(annotation.iri),
                "url": f"/annotations/{annotation.id}", "etag": annotation.etag}
        return body, 201 if created else 200, {"Location": f"/annotations/{annotation.id}"}
    flash(message)
    return redirect(f"{_strip_fragment(back)}#annotation-{annotation.id}", 303)


def _form_error(message: str, form: dict, *, action: str, back: str, title: str,
                with_quote: bool = False, reply_to: dict | None = None,
                editing: dict | None = None):
    """400: the form again, with the message and what was typed."""
    if _data_client():
        return {"ok": False, "status": 400, "title": HTTP_STATUS_CODES[400], "error": message}, 400
    return render_template("annotate/form.html", error=message, form=form, action=action,
                           back=_strip_fragment(back), title=title, with_quote=with_quote,
                           reply_to=reply_to, editing=editing), 400


def _data_client() -> bool:
    if request.headers.get("Authorization") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(("text/html", "application/json", "application/ld+json"))
    return best is not None and best != "text/html"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["annotation_motivations"] = MOTIVATIONS
    app.jinja_env.globals["annotation_motivation_labels"] = MOTIVATION_LABELS
    app.jinja_env.globals["annotations_on"] = annotations_on
