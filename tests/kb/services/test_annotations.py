"""W3C Web Annotations in the knowledge base (kb/services/annotations.py, kb/model/annotation_jsonld.py):
storage as one named graph each, article text anchoring, permissions, ETags, history,
listing, re-anchoring on a new text version, and bad input. No ../shared needed: the
documents here are our own."""
from __future__ import annotations

import json

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS

from kb.model import annotation_jsonld as jsonld
from kb.model.article import ArticleData
from kb.errors import Gone, InputError, NotFound, PermissionDenied, PreconditionFailed
from kb.model.vocab import CKB, OA
from kb.store import sparql

CTX = "http://www.w3.org/ns/anno.jsonld"
TEXT = ("Headline\n\nThe border is 1,344 km long. More than a thousand soldiers fled. "
        "The border is guarded.")


def note(target, text="A note", **extra) -> dict:
    doc = {"@context": CTX, "type": "Annotation", "motivation": "commenting",
           "body": {"type": "TextualBody", "value": text, "format": "text/plain"},
           "target": target}
    doc.update(extra)
    return doc


def span(article, exact=None, start=None, end=None, **quote) -> dict:
    selectors = []
    if exact is not None:
        selectors.append({"type": "TextQuoteSelector", "exact": exact, **quote})
    if start is not None:
        selectors.append({"type": "TextPositionSelector", "start": start, "end": end})
    return {"type": "SpecificResource", "source": str(article), "selector": selectors}


@pytest.fixture
def article(kb):
    return kb.import_article(ArticleData(text=TEXT, title="Story", publisher="Daily Planet")).iri


@pytest.fixture
def notes(kb):
    return kb.annotations


# ---------------------------------------------------------------------- storage and reading

def test_create_stores_one_named_graph_with_bookkeeping(kb, notes):
    created = notes.create(note("http://example.com/page1", "I like this page!"), user="alice")
    assert created.iri == f"{kb.iris.base}annotations/{created.id}"
    assert created.creator == "alice"
    assert created.created and created.modified and created.created.endswith("Z")
    assert created.motivations == ["commenting"]
    assert created.bodies_text == ["I like this page!"]
    assert created.target_source == "http://example.com/page1"
    doc = created.doc
    assert doc["@context"] == CTX and doc["id"] == created.iri and doc["type"] == "Annotation"
    assert doc["target"] == "http://example.com/page1"
    assert doc["creator"] == f"{kb.iris.base}users/alice"
    # the graph is named by the annotation, and nothing is in the metadata graph
    rows = kb.store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{created.iri}> ?p ?o }} }}").rows
    assert [str(r[0]) for r in rows] == [created.iri]
    again = notes.get(created.id)
    assert again.etag == created.etag and again.etag.startswith('"')
    assert notes.get(created.iri).id == created.id


def test_posted_id_is_ignored_and_slug_used(notes):
    first = notes.create(note("http://example.com/a", id="http://example.org/anno1"), user="alice",
                         slug="My first annotation")
    assert first.id == "My-first-annotation"
    assert "example.org/anno1" not in json.dumps(first.doc)
    second = notes.create(note("http://example.com/a"), user="alice", slug="My first annotation")
    assert second.id.startswith("My-first-annotation-") and second.id != first.id


def test_served_document_round_trips_as_rdf(notes):
    doc = note("http://example.com/page1", "Ça va? <b>bold</b>", motivation=["commenting", "tagging"],
               created="2015-01-28T12:00:00Z")
    doc["body"] = [doc["body"], {"type": "TextualBody", "purpose": "tagging", "value": "love"}]
    created = notes.create(doc, user="alice")
    served = jsonld.graph_of(created.doc)
    posted = jsonld.graph_of({**doc, "id": created.iri})
    iri = URIRef(created.iri)
    served.remove((iri, DCTERMS.modified, None))
    served.remove((iri, DCTERMS.creator, None))
    assert isomorphic(served, posted)
    assert created.created == "2015-01-28T12:00:00Z"     # the document's own creation time is kept
    assert created.tags == ["love"] and created.bodies_text == ["Ça va? <b>bold</b>"]
    assert created.motivations == ["commenting", "tagging"]


@pytest.mark.parametrize("motivation", ["assessing", "bookmarking", "classifying", "commenting",
                                        "describing", "editing", "highlighting", "identifying",
                                        "linking", "moderating", "questioning", "replying", "tagging"])
def test_every_oa_motivation_is_accepted(notes, motivation):
    created = notes.create(note("http://example.com/x", motivation=motivation), user="alice")
    assert created.motivations == [motivation]
    assert created.doc["motivation"] == motivation


def test_get_unknown_is_not_found(notes):
    with pytest.raises(NotFound, match="no annotation"):
        notes.get("nope")
    with pytest.raises(NotFound):
        notes.get("../etc/passwd")


# ---------------------------------------------------------------------- article text anchoring

def test_annotation_on_an_article_span(kb, notes, article):
    start = TEXT.index("1,344 km")
    created = notes.create(note(span(article, "1,344 km", start, start + 8)), user="alice")
    version, _ = kb.current_text(article)
    assert (created.start, created.end, created.exact) == (start, start + 8, "1,344 km")
    assert created.target_source == str(article) and created.version == str(version)
    assert created.doc["target"]["state"] == {"cached": str(version)}
    quote_only = notes.create(note(span(article, "More than a thousand soldiers")), user="bob")
    listed = notes.for_article(str(article))
    assert [a.id for a in listed] == sorted([created.id, quote_only.id])
    placed = {a.id: (a.start, a.end) for a in listed}
    q = TEXT.index("More than")
    assert placed[quote_only.id] == (q, q + len("More than a thousand soldiers"))


def test_a_version_iri_as_source_is_normalised(kb, notes, article):
    version, _ = kb.current_text(article)
    created = notes.create(note(span(version, "1,344 km")), user="alice")
    assert created.target_source == str(article) and created.version == str(version)


@pytest.mark.parametrize("selector, message", [
    ({"exact": "not in the text at all"}, "selector points outside the text"),
    ({"start": 5, "end": 5000}, "selector points outside the text"),
    ({"exact": "1,344 km", "start": 0, "end": 8}, "selector points outside the text"),
    ({"exact": "The border is"}, "selector points outside the text: quote occurs 2 times"),
    ({}, "needs a TextQuoteSelector or a TextPositionSelector"),
])
def test_selectors_outside_the_text_are_refused(kb, notes, article, selector, message):
    with pytest.raises(InputError, match=message):
        notes.create(note(span(article, **selector)), user="alice")
    assert notes.list().total == 0


def test_a_negative_or_reversed_position_is_refused(notes, article):
    for start, end in ((-1, 4), (9, 3)):
        with pytest.raises(InputError):
            notes.create(note(span(article, start=start, end=end)), user="alice")


def test_claimkb_targets_must_exist(kb, notes, article):
    assert notes.create(note(str(article)), user="alice").target_source == str(article)
    with pytest.raises(InputError, match="not an article"):
        notes.create(note(f"{kb.iris.base}articles/nope"), user="alice")
    with pytest.raises(InputError, match="not a claim"):
        notes.create(note(f"{kb.iris.base}claims/nope"), user="alice")
    with pytest.raises(InputError, match="not an annotation"):
        notes.create(note(f"{kb.iris.base}annotations/nope"), user="alice")
    publisher = kb.iris.publisher("Daily Planet")
    assert notes.create(note(str(publisher)), user="alice").target_source == str(publisher)


def test_reply(kb, notes):
    parent = notes.create(note("http://example.com/p"), user="alice")
    reply = notes.create(note(parent.iri, "I disagree", motivation="replying"), user="bob")
    assert reply.replies_to == parent.iri
    assert [a.id for a in notes.list(replies_to=parent.id).items] == [reply.id]


# ---------------------------------------------------------------------- update, delete, permissions

def test_update_needs_owner_and_fresh_etag(notes):
    created = notes.create(note("http://example.com/p", "first"), user="alice")
    changed = note("http://example.com/p", "second")
    with pytest.raises(PermissionDenied, match="only its creator"):
        notes.update(created.id, changed, user="bob", if_match=created.etag)
    with pytest.raises(PreconditionFailed, match="has changed"):
        notes.update(created.id, changed, user="alice", if_match='"stale"')
    assert notes.get(created.id).bodies_text == ["first"]          # nothing changed
    updated = notes.update(created.id, changed, user="alice", if_match=created.etag)
    assert updated.bodies_text == ["second"] and updated.etag != created.etag
    assert updated.created == created.created and updated.creator == "alice"
    by_admin = notes.update(created.id, note("http://example.com/p", "third"), user="root",
                            is_admin=True, if_match=updated.etag)
    assert by_admin.creator == "alice" and by_admin.bodies_text == ["third"]
    with pytest.raises(PreconditionFailed):
        notes.update(created.id, changed, user="alice", if_match=updated.etag)
    changes = notes.history(created.id)
    assert [(c.action, c.who) for c in changes] == [("updated", "root"), ("updated", "alice"),
                                                    ("created", "alice")]
    assert "first" in changes[1].summary and "second" in changes[1].summary
    earlier = json.loads(changes[1].before)
    assert earlier["body"]["value"] == "first" and changes[1].before_format == "application/ld+json"


def test_update_refuses_another_id_and_impersonation(kb, notes):
    created = notes.create(note("http://example.com/p"), user="alice")
    with pytest.raises(InputError, match="is not this annotation"):
        notes.update(created.id, note("http://example.com/p", id="http://example.org/x"), user="alice")
    same = notes.update(created.id, note("http://example.com/p", "ok", id=created.iri), user="alice")
    assert same.bodies_text == ["ok"]
    with pytest.raises(InputError, match="another claimkb account"):
        notes.create(note("http://example.com/p", creator=f"{kb.iris.base}users/bob"), user="alice")


def test_delete_keeps_history_and_answers_gone(notes):
    created = notes.create(note("http://example.com/p"), user="alice")
    with pytest.raises(PermissionDenied):
        notes.delete(created.id, user="bob")
    with pytest.raises(PreconditionFailed):
        notes.delete(created.id, user="alice", if_match='"old"')
    notes.delete(created.id, user="alice", if_match=created.etag)
    with pytest.raises(Gone, match="deleted by alice"):
        notes.get(created.id)
    with pytest.raises(Gone):
        notes.delete(created.id, user="alice")
    changes = notes.history(created.id)
    assert [c.action for c in changes] == ["deleted", "created"]
    assert json.loads(changes[0].before)["id"] == created.iri
    assert notes.list().total == 0
    # a deleted id is never reused
    again = notes.create(note("http://example.com/p"), user="alice", slug=created.id)
    assert again.id != created.id


# ---------------------------------------------------------------------- listing

def test_list_filters_and_keyset_pages(kb, notes, article):
    made = []
    for i in range(7):
        motivation = "tagging" if i % 2 else "commenting"
        doc = note("http://example.com/p" if i < 5 else str(article), f"text {i}", motivation=motivation)
        made.append(notes.create(doc, user="alice" if i < 4 else "bob", slug=f"n{i}"))
    page = notes.list(limit=3)
    assert [a.id for a in page.items] == ["n0", "n1", "n2"] and page.total == 7
    assert page.next_after == "n2"
    page2 = notes.list(limit=3, after=page.next_after)
    assert [a.id for a in page2.items] == ["n3", "n4", "n5"]
    page3 = notes.list(limit=3, after=page2.next_after)
    assert [a.id for a in page3.items] == ["n6"] and page3.next_after is None
    assert [a.id for a in notes.list(limit=3, last=True).items] == ["n4", "n5", "n6"]
    assert [a.id for a in notes.list(limit=2, before="n4").items] == ["n2", "n3"]
    assert [a.id for a in notes.list(motivation="tagging").items] == ["n1", "n3", "n5"]
    assert [a.id for a in notes.list(tag="text 3").items] == ["n3"]
    assert [a.id for a in notes.list(creator="bob").items] == ["n4", "n5", "n6"]
    assert [a.id for a in notes.list(source=str(article)).items] == ["n5", "n6"]
    assert [a.id for a in notes.list(target="http://example.com/p", creator="alice").items] == \
        ["n0", "n1", "n2", "n3"]
    with pytest.raises(InputError):
        notes.list(target="not an iri")


# ---------------------------------------------------------------------- re-anchoring

def test_new_text_version_reanchors_and_orphans(kb, notes, article):
    moved = notes.create(note(span(article, "1,344 km", TEXT.index("1,344 km"),
                                   TEXT.index("1,344 km") + 8)), user="alice")
    lost = notes.create(note(span(article, "More than a thousand soldiers fled.")), user="bob")
    whole = notes.create(note(str(article)), user="bob")
    new_text = "Headline\n\nA new first paragraph. The border is 1,344 km long. The border is guarded."
    stored = kb.import_article(ArticleData(text=new_text, title="Story", publisher="Daily Planet"))
    assert stored.new_version
    after = {a.id: a for a in notes.for_article(str(article))}
    assert (after[moved.id].start, after[moved.id].end) == (new_text.index("1,344 km"),
                                                            new_text.index("1,344 km") + 8)
    assert after[moved.id].version == str(stored.version) and not after[moved.id].orphan
    assert after[lost.id].orphan and after[lost.id].start is None
    assert not after[whole.id].orphan
    assert [a.id for a in notes.orphans()] == [lost.id]
    assert [a.id for a in notes.orphans(str(article))] == [lost.id]
    orphan = notes.get(lost.id)
    assert orphan.exact == "More than a thousand soldiers fled."   # never lost
    graph = notes.graph_of(lost.id)
    assert (URIRef(orphan.iri), CKB.orphaned, Literal(True)) in graph
    assert notes.history(moved.id)[0].summary.startswith("re-anchored")
    assert notes.history(lost.id)[0].summary.startswith("orphaned")
    # the text comes back: the orphan is re-anchored
    kb.import_article(ArticleData(text=TEXT + " Postscript.", title="Story", publisher="Daily Planet"))
    report = notes.reanchor_article(str(article))
    assert report.orphaned == [] and report.unchanged == 3
    assert notes.orphans() == []
    back = {a.id: a for a in notes.for_article(str(article))}[lost.id]
    assert back.start == TEXT.index("More than") and not back.orphan


def test_a_claims_file_with_a_new_text_reanchors_too(kb, notes, article):
    """write_claims (a claims file, the bench's writer) stores article texts as well:
    a new version re-anchors the article's annotations there as import_article does."""
    lost = notes.create(note(span(article, "More than a thousand soldiers fled.")), user="bob")
    kb.write_claims([], [ArticleData(text="Headline\n\nNothing about soldiers.", title="Story",
                                     publisher="Daily Planet")])
    assert [a.id for a in notes.orphans()] == [lost.id]
    assert notes.history(lost.id)[0].summary.startswith("orphaned")


def test_a_still_lost_orphan_is_not_rewritten_again(kb, notes, article):
    lost = notes.create(note(span(article, "More than a thousand soldiers fled.")), user="bob")
    kb.import_article(ArticleData(text="Headline\n\nNothing about soldiers.", title="Story",
                                  publisher="Daily Planet"))
    etag, changes = notes.get(lost.id).etag, len(notes.history(lost.id))
    assert notes.reanchor_article(str(article)).orphaned == [lost.id]
    assert notes.get(lost.id).etag == etag and len(notes.history(lost.id)) == changes


def test_reanchor_report(kb, notes, article):
    notes.create(note(span(article, "1,344 km")), user="alice")
    assert notes.reanchor_article(str(article)).unchanged == 1
    kb.import_article(ArticleData(text=TEXT.replace("1,344 km", "1,344 kilometres"), title="Story",
                                  publisher="Daily Planet"))
    # import_article re-anchored already; nothing is left to do
    assert notes.reanchor_article(str(article)).reanchored == 0


# ---------------------------------------------------------------------- bad input

@pytest.mark.parametrize("doc, message", [
    ("{not json", "malformed JSON"),
    ("[1, 2]", "must be a JSON object"),
    (b"\xff\xfe", "not UTF-8"),
    ({"type": "Annotation", "target": "http://e.com/"}, 'no "@context"'),
    ({"@context": "http://example.org/ctx.jsonld", "type": "Annotation", "target": "http://e.com/"},
     "must include"),
    ({"@context": [CTX, "http://example.org/ctx.jsonld"], "type": "Annotation", "target": "http://e.com/"},
     "remote JSON-LD context"),
    ({"@context": [CTX, {"@import": "http://example.org/c"}], "type": "Annotation", "target": "http://e.com/"},
     "@import"),
    ({"@context": CTX, "type": "Annotation", "target": {"@context": "http://evil.example/c",
                                                          "id": "http://e.com/"}},
     "remote JSON-LD context"),
    ({"@context": CTX, "type": "Annotation"}, 'needs a "target"'),
    ({"@context": CTX, "target": "http://e.com/"}, 'no "type"'),
    ({"@context": CTX, "type": "Squirrel", "target": "http://e.com/"}, "unknown type"),
    ({"@context": CTX, "type": "AnnotationCollection", "total": 1}, "AnnotationCollection"),
    ({"@context": CTX, "type": "Annotation", "target": 9}, "must be an IRI"),
    ({"@context": CTX, "type": "Annotation", "target": "not a uri"}, "not an absolute IRI"),
    ({"@context": CTX, "type": "Annotation", "target": "http://e.com/", "created": "yesterday"},
     "not a valid dateTime"),
    ({"@context": CTX, "type": "Annotation", "target": "http://e.com/",
      "created": ["2015-01-28T12:00:00Z", "2015-01-28T12:00:01Z"]}, "at most one"),
    ({"@context": CTX, "type": "Annotation", "id": ["http://e.org/1", "http://e.org/2"],
      "target": "http://e.com/"}, "one absolute IRI"),
    ({"@context": CTX, "type": "Annotation", "target": {"type": "SpecificResource", "source": "http://e.com/",
                                                        "selector": {"type": "FragmentSelector"}}},
     "exactly one value"),
    ({"@context": CTX, "@graph": [], "type": "Annotation", "target": "http://e.com/"}, "@graph"),
])
def test_bad_documents_are_refused(notes, doc, message):
    with pytest.raises(InputError, match=message):
        notes.create(doc, user="alice")
    assert notes.list().total == 0


def test_size_and_nesting_are_checked_before_parsing(notes):
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(InputError, match="nests deeper"):
        notes.create('{"@context": "%s", "x": %s}' % (CTX, deep), user="alice")
    big = note("http://e.com/", "x" * (jsonld.MAX_DOC_BYTES + 1))
    with pytest.raises(InputError, match="bytes"):
        notes.create(json.dumps(big), user="alice")
    wide = note("http://e.com/")
    wide["body"] = [{"type": "TextualBody", "value": str(i)} for i in range(jsonld.MAX_NODES)]
    with pytest.raises(InputError, match="more than"):
        notes.create(wide, user="alice")


def test_no_context_is_ever_fetched(notes, monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("a JSON-LD context was fetched")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setattr(urllib.request, "build_opener", no_network)
    created = notes.create(note("http://e.com/"), user="alice")
    assert created.doc["target"] == "http://e.com/"
    with pytest.raises(InputError, match="remote JSON-LD context"):
        notes.create({**note("http://e.com/"), "@context": [CTX, "https://example.org/c.jsonld"]},
                     user="alice")


def test_script_in_a_comment_is_stored_as_text(notes):
    evil = '<script>alert("x")</script>'
    created = notes.create(note("http://e.com/", evil), user="alice")
    assert notes.get(created.id).bodies_text == [evil]
    assert created.doc["body"]["value"] == evil


def test_the_context_is_local_and_complete():
    ctx = jsonld.context()
    for term in ("Annotation", "TextQuoteSelector", "TextPositionSelector", "motivation", "assessing",
                 "commenting", "questioning", "tagging", "highlighting", "linking", "body", "target"):
        assert term in ctx, term
    assert jsonld.CONTEXT_PATH.is_file()
    assert OA.Annotation == URIRef(jsonld.compactor().expand(ctx["Annotation"]))


# ---------------------------------------------------------------------- claimkb annotations

def test_cli_annotations_commands(cli, tmp_path):
    from kb import KnowledgeBase, load_settings

    assert cli("init").exit_code == 0
    with KnowledgeBase.open(load_settings(env={}, data_dir=cli.data_dir)) as kb:
        first = kb.annotations.create(note("http://example.com/p", "hello", motivation="questioning"),
                                      user="alice", slug="q1")
        kb.annotations.create(note("http://example.com/p", "tagged", motivation="tagging"),
                              user="bob", slug="t1")
    table = cli("annotations", "list")
    assert table.exit_code == 0 and "q1" in table.output and "2 of 2" in table.output
    listed = json.loads(cli("annotations", "list", "--creator", "alice", "--format", "json").output)
    assert [i["id"] for i in listed["items"]] == ["q1"] and listed["total"] == 1
    shown = json.loads(cli("annotations", "show", "q1").output)
    assert shown["id"] == first.iri and shown["motivation"] == "questioning"
    changes = json.loads(cli("annotations", "show", "q1", "--format", "history").output)
    assert changes[0]["action"] == "created" and changes[0]["who"] == "alice"
    missing = cli("annotations", "show", "nope")
    assert missing.exit_code == 3 and "no annotation" in missing.output
    out = tmp_path / "all.jsonld"
    assert cli("annotations", "export", "-o", out).exit_code == 0
    collection = json.loads(out.read_text(encoding="utf-8"))
    assert collection["total"] == 2 and [i["id"] for i in collection["first"]["items"]] == \
        [first.iri, first.iri.replace("q1", "t1")]
    quads = cli("annotations", "export", "--format", "nquads").output
    assert f"<{first.iri}> ." in quads and quads.count("\n") >= 10


@pytest.mark.remote
def test_annotations_on_the_remote_backend(remote_kb):
    notes = remote_kb.annotations
    article = remote_kb.import_article(ArticleData(text=TEXT, title="Story", publisher="Daily Planet")).iri
    created = notes.create(note(span(article, "1,344 km", TEXT.index("1,344 km"),
                                     TEXT.index("1,344 km") + 8)), user="alice")
    assert notes.get(created.id).etag == created.etag
    assert TEXT.index("1,344 km") in [sel.get("start") for sel in created.doc["target"]["selector"]]
    updated = notes.update(created.id, note("http://example.com/x", "moved"), user="alice",
                           if_match=created.etag)
    assert updated.target_source == "http://example.com/x"
    assert notes.list().total == 1
    notes.delete(created.id, user="alice", if_match=updated.etag)
    with pytest.raises(Gone):
        notes.get(created.id)


# ---------------------------------------------------------------------- regressions (review)

def test_posted_blank_node_labels_are_never_merged(notes):
    """Regression: blank node labels were stored with their non-alphanumerics stripped,
    so "_:a-1" and "_:a1" became one node (two bodies merged into one)."""
    doc = {"@context": CTX, "type": "Annotation", "target": "http://example.com/p",
           "body": [{"id": "_:a-1", "type": "TextualBody", "value": "one"},
                    {"id": "_:a1", "type": "TextualBody", "value": "two"},
                    {"id": "_:a_1", "type": "TextualBody", "value": "three"}]}
    created = notes.create(doc, user="alice")
    stored = notes.get(created.id)
    assert sorted(stored.bodies_text) == ["one", "three", "two"]
    bodies = stored.doc["body"]
    assert isinstance(bodies, list) and len(bodies) == 3
    assert sorted(b["value"] for b in bodies) == ["one", "three", "two"]
    assert isomorphic(notes.graph_of(created.id) - _bookkeeping(notes, created),
                      jsonld.graph_of({**doc, "id": created.iri}))


def _bookkeeping(notes, created):
    from rdflib import Graph

    graph = Graph()
    subject = URIRef(created.iri)
    for p in (DCTERMS.creator, DCTERMS.created, DCTERMS.modified):
        for o in notes.graph_of(created.id).objects(subject, p):
            graph.add((subject, p, o))
    return graph


def test_a_position_only_annotation_not_yet_reanchored_is_placed_on_the_new_text(
        kb, notes, article, monkeypatch):
    """Regression: for_article placed a position-only annotation stored on an older
    version at its old offsets in the new text (a highlight on the wrong words)."""
    start = TEXT.index("1,344 km")
    pos = notes.create(note(span(article, start=start, end=start + 8)), user="alice")
    # a new text whose annotations have not been re-anchored (yet)
    from kb.services.annotations import ReanchorReport

    monkeypatch.setattr(notes, "reanchor_article", lambda *_: ReanchorReport())
    new_text = "Breaking: a long new first paragraph goes here.\n\n" + TEXT
    stored = kb.import_article(ArticleData(text=new_text, title="Story", publisher="Daily Planet"))
    assert stored.new_version and notes.get(pos.id).version != str(stored.version)
    found = {a.id: a for a in notes.for_article(str(article))}[pos.id]
    assert not found.orphan
    assert new_text[found.start:found.end] == "1,344 km"
    assert (found.start, found.exact) == (new_text.index("1,344 km"), "1,344 km")


def test_if_match_uses_the_strong_comparison(notes):
    """Regression: If-Match: W/"<etag>" was accepted (RFC 9110: If-Match compares strong
    validators; a weak one never matches)."""
    created = notes.create(note("http://example.com/p", "first"), user="alice")
    with pytest.raises(PreconditionFailed):
        notes.update(created.id, note("http://example.com/p", "second"), user="alice",
                     if_match="W/" + created.etag)
    with pytest.raises(PreconditionFailed):
        notes.delete(created.id, user="alice", if_match="W/" + created.etag)
    assert notes.get(created.id).bodies_text == ["first"]
    both = f'"other", {created.etag}'
    assert notes.update(created.id, note("http://example.com/p", "second"), user="alice",
                        if_match=both).bodies_text == ["second"]


def test_replies_and_notes_on_a_target_in_one_query(kb, notes, monkeypatch):
    """The article/claim pages' replies and notes: one indexed query, not one per reply
    nor a scan of every annotation."""
    parents = [notes.create(note("http://example.com/p", f"p{i}"), user="alice") for i in range(5)]
    replies = [notes.create(note(p.iri, f"re {p.id}", motivation="replying"), user="bob")
               for p in parents for _ in range(2)]
    notes.create(note("http://example.com/elsewhere"), user="bob")
    calls = []
    select = sparql.select
    monkeypatch.setattr(sparql, "select",
                        lambda store, name, **kw: calls.append(name) or select(store, name, **kw))
    found = notes.replies([p.iri for p in parents])
    assert calls == ["annotation_for_source.rq"]
    assert {k: sorted(r.id for r in v) for k, v in found.items()} == {
        p.iri: sorted(r.id for r in replies if r.replies_to == p.iri) for p in parents}
    calls.clear()
    on = notes.on("http://example.com/p")
    assert calls == ["annotation_for_source.rq"]
    assert [a.id for a in on] == sorted(p.id for p in parents)
    assert notes.replies([]) == {}
