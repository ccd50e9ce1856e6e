"""The annotations index (kb/derived/annotation_index.py) behind Annotations.list: it equals a
rebuild from the store after creates, updates, deletes and re-anchoring; every filter
and both page orders give exactly what the old SPARQL path (kb/queries/annotation_page.rq,
annotation_page_desc.rq, annotation_count.rq, kept as the slow reference) gives; keyset
pages cover everything once; page and count queries are index searches; a failed index
write is healed on the next start; KnowledgeBase.clear empties it."""
from __future__ import annotations

import itertools

import pytest

from kb.derived.annotation_index import INDEX_FILE, AnnotationIndex
from kb.model.article import ArticleData
from kb.errors import StoreError
from kb.derived.registry import STALE_MARKER

from tests.conftest import load_bench

CTX = "http://www.w3.org/ns/anno.jsonld"
TEXT = ("Headline\n\nThe border is 1,344 km long. More than a thousand soldiers fled. "
        "The border is guarded.")


def doc(target, text="A note", motivation="commenting", tags=(), **extra) -> dict:
    bodies = [{"type": "TextualBody", "value": text}]
    bodies += [{"type": "TextualBody", "value": t, "purpose": "tagging"} for t in tags]
    out = {"@context": CTX, "type": "Annotation", "motivation": motivation,
           "body": bodies, "target": target}
    out.update(extra)
    return out


def span(article, exact) -> dict:
    return {"type": "SpecificResource", "source": str(article),
            "selector": {"type": "TextQuoteSelector", "exact": exact}}


# ---------------------------------------------------------------------- the slow reference

def old_list(kb, **kwargs):
    """Annotations.list as it was before the index (bench/annotations.py
    reference_page, the SPARQL reference queries): (ids, next_after, total, modified)."""
    iris, next_after, total, modified = load_bench("annotations").reference_page(kb, **kwargs)
    return [kb.annotations._id(i) for i in iris], next_after, total, modified


def new_list(kb, **kwargs):
    page = kb.annotations.list(**kwargs)
    return [a.id for a in page.items], page.next_after, page.total, page.modified


def old_has_prev(kb, first_id, filters) -> bool:
    """What web/views/annotations_api.py computed with a second list() before the index."""
    return bool(old_list(kb, before=first_id, limit=1, **filters)[0])


# ---------------------------------------------------------------------- the data

@pytest.fixture
def data(kb):
    """A varied set of annotations, then updated, deleted and re-anchored ones."""
    notes = kb.annotations
    article = kb.import_article(ArticleData(text=TEXT, title="Story", publisher="Daily Planet")).iri
    other = kb.import_article(ArticleData(text="Other\n\nA different text about rivers.",
                                          title="Other", publisher="Daily Planet")).iri
    made = []

    def make(d, user, slug):
        made.append(notes.create(d, user=user, slug=slug))
        return made[-1]

    make(doc("http://example.com/p", "plain"), "alice", "a-plain")
    make(doc("http://example.com/p", "tagged", "tagging", tags=("border", "Ünïcode")), "bob", "b-tag")
    make(doc("http://example.com/q", "questions", "questioning", tags=("border",)), "carol", "c-q")
    make(doc(span(article, "1,344 km"), "length"), "alice", "d-span")
    make(doc(span(article, "More than a thousand soldiers fled."), "fled", tags=("soldiers",)),
         "bob", "e-lost")
    make(doc(str(article), "whole article", "assessing"), "alice", "f-whole")
    make(doc(span(other, "rivers"), "rivers", "highlighting"), "carol", "g-other")
    parent = made[0]
    make(doc(parent.iri, "I disagree", "replying"), "bob", "h-reply")
    make(doc(parent.iri, "me too", "replying"), "carol", "i-reply2")
    # two targets, an outside creator next to the account, a posted "modified" in +02:00
    make(doc(["http://example.com/p", span(article, "The border is guarded.")], "two targets",
             creator="http://example.org/people/x", modified="2031-01-01T12:00:00+02:00"),
         "alice", "j-two")
    # a tag in a body without purpose on a tagging annotation; a language-tagged value
    make({"@context": CTX, "type": "Annotation", "motivation": "tagging",
          "body": [{"type": "TextualBody", "value": "nopurpose"},
                   {"type": "TextualBody", "value": {"@value": "langtag", "@language": "en"}}],
          "target": "http://example.com/q"}, "alice", "k-tags")
    for i in range(8):
        make(doc(f"http://example.com/bulk/{i % 3}", f"bulk {i}",
                 ("commenting", "tagging", "bookmarking")[i % 3], tags=(f"t{i % 2}",)),
             ("alice", "bob")[i % 2], f"m-bulk-{i}")
    # updates: new target, motivation and tags; deletes
    upd = next(a for a in made if a.id == "c-q")
    notes.update(upd.id, doc("http://example.com/p", "now a comment", "commenting", tags=("moved",)),
                 user="carol", if_match=upd.etag)
    upd = next(a for a in made if a.id == "m-bulk-1")
    notes.update(upd.id, doc("http://example.com/bulk/9", "changed", "tagging", tags=("t9",)),
                 user="bob", if_match=upd.etag)
    for gone in ("a-plain-missing", "m-bulk-4", "i-reply2"):
        found = next((a for a in made if a.id == gone), None)
        if found:
            notes.delete(found.id, user=found.creator, is_admin=True)
    # a new text: e-lost is orphaned, d-span and j-two re-anchored
    kb.import_article(ArticleData(text="Headline\n\nA new start. The border is 1,344 km long. "
                                       "The border is guarded.", title="Story",
                                  publisher="Daily Planet"))
    return {"article": str(article), "other": str(other), "parent": parent}


def filter_sets(kb, data) -> list[dict]:
    """Every single filter over every value the data has (and some it has not), and
    pairs of them."""
    dump = kb.annotation_index.dump()[1]
    values: dict = {}
    for kind, value, _ in dump:
        values.setdefault(kind, set()).add(value)
    singles = [{}]
    for iri in sorted(values["target"]) + ["http://example.com/none"]:
        singles.append({"target": iri})
    for iri in sorted(values["source"]) + [data["article"] + "/versions/1"]:
        singles.append({"source": iri})
    for m in sorted(values["motivation"]):
        singles.append({"motivation": m.rsplit("#", 1)[1]})
    singles.append({"motivation": "http://www.w3.org/ns/oa#describing"})
    for t in sorted(values["tag"]) + ["langtag", "nothing"]:
        singles.append({"tag": t})
    for c in sorted(values["creator"]):
        singles.append({"creator": c})
    singles += [{"creator": "alice"}, {"creator": "nobody"}, {"orphan": True},
                {"replies_to": data["parent"].id}]
    pairs = [{**a, **b} for a, b in itertools.combinations(singles[1:], 2)
             if not set(a) & set(b) and not {"target", "replies_to"} <= set(a) | set(b)]
    # a deterministic sample of the pairs keeps the test fast
    return singles + pairs[::7]


# ---------------------------------------------------------------------- tests

def test_the_index_equals_a_rebuild(kb, data):
    index = kb.annotation_index
    kept = index.dump()
    assert len(kept[0]) == 17                       # 19 made, 2 deleted
    rows = {r[1]: r for r in kept[0]}
    assert rows["e-lost"][6] == 1 and rows["d-span"][6] == 0        # orphan flag
    assert "i-reply2" not in rows and "m-bulk-4" not in rows        # deleted
    assert index.rebuild() == 17
    assert index.dump() == kept
    # and a brand-new index file built from the store alone
    fresh = AnnotationIndex(kb.settings.data_dir / "fresh.sqlite", kb.annotation_index.graphs)
    try:
        fresh.rebuild()
        assert fresh.dump() == kept
    finally:
        fresh.close()


@pytest.mark.slow
def test_every_filter_and_order_matches_the_sparql_path(kb, data):
    notes = kb.annotations
    every = sorted(a.id for a in notes.list(limit=1000).items)
    probes = [None, every[0], every[len(every) // 2], every[-1], "0", "zzz", "m-bulk-4"]
    checked = 0
    for filters in filter_sets(kb, data):
        for limit in (1, 3, 50):
            assert new_list(kb, limit=limit, **filters) == old_list(kb, limit=limit, **filters), filters
            assert new_list(kb, limit=limit, last=True, **filters) == \
                old_list(kb, limit=limit, last=True, **filters), filters
        for probe in probes[1:]:
            assert new_list(kb, limit=2, after=probe, **filters) == \
                old_list(kb, limit=2, after=probe, **filters), (filters, probe)
            assert new_list(kb, limit=2, before=probe, **filters) == \
                old_list(kb, limit=2, before=probe, **filters), (filters, probe)
        page = notes.list(limit=2, after=every[2], **filters)
        if page.items:
            assert (page.prev_before is not None) == old_has_prev(kb, page.items[0].id, filters)
        checked += 1
    assert checked > 40


def test_filters_find_what_they_should(kb, data):
    """A few expectations written out (the comparison above could agree on a bug)."""
    notes = kb.annotations

    def ids(**f):
        return [a.id for a in notes.list(limit=1000, **f).items]

    assert ids(tag="border") == ["b-tag"]                   # c-q's tags were replaced
    assert ids(tag="moved") == ["c-q"]
    assert ids(tag="nopurpose") == ["k-tags"] and ids(tag="langtag") == []
    assert ids(orphan=True) == ["e-lost"] == [a.id for a in notes.orphans()]
    assert ids(replies_to=data["parent"].id) == ["h-reply"]
    assert ids(source=data["article"]) == ["d-span", "e-lost", "f-whole", "j-two"]
    assert ids(creator="http://example.org/people/x") == ["j-two"]
    assert ids(creator="alice", target="http://example.com/p") == ["a-plain", "j-two"]
    assert ids(motivation="tagging", creator="bob") == ["b-tag", "m-bulk-1", "m-bulk-7"]
    page = notes.list(limit=1000)
    assert page.total == 17 and page.modified == "2031-01-01T12:00:00+02:00"
    assert notes.all_iris() == [a.iri for a in page.items]


def test_keyset_pages_cover_everything_once(kb, data):
    notes = kb.annotations
    for filters in ({}, {"target": "http://example.com/p"}, {"motivation": "tagging"}):
        everything = [a.id for a in notes.list(limit=1000, **filters).items]
        assert everything == sorted(everything) and len(set(everything)) == len(everything)
        for limit in (1, 2, 5):
            seen, after, prevs = [], None, []
            while True:
                page = notes.list(limit=limit, after=after, **filters)
                seen += [a.id for a in page.items]
                prevs.append(page.prev_before)
                after = page.next_after
                if after is None:
                    break
            assert seen == everything
            assert prevs[0] is None and all(p is not None for p in prevs[1:])
            backwards = []
            page = notes.list(limit=limit, last=True, **filters)
            while True:
                backwards = [a.id for a in page.items] + backwards
                if page.prev_before is None:
                    break
                page = notes.list(limit=limit, before=page.prev_before, **filters)
            assert backwards == everything


def test_pages_and_counts_are_index_searches(kb, data):
    index = kb.annotation_index
    for keys in ([], [("target", "http://example.com/p")], [("motivation", "x"), ("creator", "y")],
                 [("tag", "a"), ("source", "b"), ("orphan", "true")]):
        plans = index.query_plans(keys)
        assert plans and all(not p.startswith("SCAN") and "TEMP B-TREE" not in p for p in plans), plans


def test_a_failed_index_write_keeps_the_annotation_and_heals_on_the_next_start(kb, data, monkeypatch):
    notes = kb.annotations
    marker = kb.settings.data_dir / STALE_MARKER
    assert notes.list().total == 17            # built (a never-built index is built on first use)

    def broken(*args, **kwargs):
        raise StoreError("disk I/O error")

    monkeypatch.setattr(AnnotationIndex, "put", broken)
    with pytest.raises(StoreError, match="the write was stored.*claimkb reindex"):
        notes.create(doc("http://example.com/late", "late"), user="alice", slug="z-late")
    monkeypatch.undo()
    assert notes.get("z-late").bodies_text == ["late"]               # kept in the store
    assert marker.exists()
    assert notes.list(target="http://example.com/late").total == 0   # the index is stale
    assert kb.ensure_index() is True                                 # what the next start does
    assert not marker.exists()
    assert [a.id for a in notes.list(target="http://example.com/late").items] == ["z-late"]
    assert kb.ensure_index() is False
    kept = kb.annotation_index.dump()
    kb.annotation_index.rebuild()
    assert kb.annotation_index.dump() == kept


def test_built_on_first_use_and_cleared_with_the_store(kb, data):
    path = kb.settings.data_dir / INDEX_FILE
    expected = new_list(kb, limit=1000)
    kb.indexes.close()              # forgotten: reopened on first use
    for suffix in ("", "-wal", "-shm"):
        (path.parent / (path.name + suffix)).unlink(missing_ok=True)
    assert not kb.annotation_index.built
    assert new_list(kb, limit=1000) == expected                      # rebuilt from the store
    assert kb.annotation_index.built
    kb.clear()
    assert kb.annotations.list().total == 0 and kb.annotation_index.dump() == ([], [])
    assert kb.annotation_index.built


def test_a_protocol_page_lists_once(app, kb, monkeypatch):
    """The container's pages know their prev link from the index (a LIMIT 1 probe), not
    from a second list()."""
    client = app.test_client()
    notes = kb.annotations
    for i in range(25):
        notes.create(doc("http://example.com/p", f"n{i}"), user="alice", slug=f"n{i:02d}")
    calls = []
    original = type(notes).list
    monkeypatch.setattr(type(notes), "list", lambda self, **kw: calls.append(kw) or original(self, **kw))
    body = client.get("/annotations/?page=1&after=n02").get_json(force=True)
    assert len(calls) == 1
    assert "prev" in body and "next" in body and body["items"][0]["id"].endswith("/n03")
    first = client.get("/annotations/?page=1").get_json(force=True)
    assert "prev" not in first and "next" in first
