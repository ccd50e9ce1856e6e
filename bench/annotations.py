"""Annotations listing benchmark: ``Annotations.list`` on the annotations index
(kb/derived/annotation_index.py) against the SPARQL path it replaced (kb/queries/annotation_page.rq,
annotation_page_desc.rq, annotation_count.rq: a scan of every annotation graph).

    python bench/annotations.py                      # 10,000 annotations on 5 articles
    python bench/annotations.py --annotations 2000 --articles 3 --repeat 3

A fresh KB in a temporary directory gets ``--articles`` synthetic articles and
``--annotations`` synthetic annotations, loaded straight into the store as N-Quads (one
named graph each, shaped as ``Annotations.create`` stores them: creator account,
created/modified, motivations, textual and tagging bodies, targets that are web pages,
whole articles or quotes on an article's text with its version as state, replies to
earlier annotations, a few orphans); then the annotations index is rebuilt from the
store (timed). Each case is run ``--repeat`` times (median, wall-clock):

* before: the old ``list()`` (the reference queries, then the page's graphs loaded);
* after: ``Annotations.list()`` (index, then the page's graphs loaded), and the index
  part alone (``AnnotationIndex.listing``), with the count computed (the cache cleared
  first) and cached;
* the Protocol page: before = two ``list()`` calls (the page, and one more for its
  ``prev`` link), after = one.

Pages are 20 items (the Protocol's page size).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rdflib import Literal  # noqa: E402

from kb import KnowledgeBase, load_settings  # noqa: E402
from kb.model.article import ArticleData# noqa: E402

WORDS = ("the border Taliban control percent soldiers fled river valley province said "
         "government forces km over more than thousand July Dushanbe Kabul Tajikistan "
         "minister reported officials crossing checkpoint refugees army trade aid winter").split()
MOTIVATIONS = ("commenting", "questioning", "assessing", "tagging", "highlighting", "replying")
TAGS = [f"tag{i}" for i in range(40)]
OA = "http://www.w3.org/ns/oa#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
CKB = "https://w3id.org/claimkb/ns#"
PAGE = 20


def lit(text: str, datatype: str | None = None) -> str:
    """An N-Quads literal (one line: newlines escaped)."""
    quoted = '"' + (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                    .replace("\r", "\\r")) + '"'
    return f"{quoted}^^<{datatype}>" if datatype else quoted


def article_text(rng: random.Random, sentences: int) -> str:
    out = []
    for i in range(sentences):
        out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize()
                   + f" (s{i}).")
    return "Headline\n\n" + " ".join(out)


def annotation_quads(rng: random.Random, i: int, base: str, articles: list, made: list[str]) -> list[str]:
    a = f"<{base}annotations/bench-{i:06d}>"
    motivation = rng.choice(MOTIVATIONS)
    when = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z"
    triples = [(a, f"<{RDF}type>", f"<{OA}Annotation>"),
               (a, f"<{DCT}creator>", f"<{base}users/user{rng.randrange(50)}>"),
               (a, f"<{DCT}created>", lit(when, XSD + "dateTime")),
               (a, f"<{DCT}modified>", lit(when, XSD + "dateTime")),
               (a, f"<{OA}motivatedBy>", f"<{OA}{motivation}>")]
    body = f"_:b{i}x0"
    triples += [(a, f"<{OA}hasBody>", body), (body, f"<{RDF}type>", f"<{OA}TextualBody>"),
                (body, f"<{RDF}value>", lit(f"note {i}: " + " ".join(rng.sample(WORDS, 6))))]
    for k, tag in enumerate(rng.sample(TAGS, rng.randint(0, 3))):
        tb = f"_:b{i}t{k}"
        triples += [(a, f"<{OA}hasBody>", tb), (tb, f"<{RDF}type>", f"<{OA}TextualBody>"),
                    (tb, f"<{RDF}value>", lit(tag)), (tb, f"<{OA}hasPurpose>", f"<{OA}tagging>")]
    kind = rng.random()
    if motivation == "replying" and made:
        triples.append((a, f"<{OA}hasTarget>", f"<{rng.choice(made)}>"))
    elif kind < 0.2:
        triples.append((a, f"<{OA}hasTarget>", f"<http://example.com/page/{rng.randrange(200)}>"))
    elif kind < 0.3:
        triples.append((a, f"<{OA}hasTarget>", f"<{rng.choice(articles)[0]}>"))
    else:
        article, version, text = rng.choice(articles)
        start = rng.randrange(0, len(text) - 40)
        t, sel, state = f"_:b{i}tg", f"_:b{i}sel", f"_:b{i}st"
        triples += [(a, f"<{OA}hasTarget>", t), (t, f"<{RDF}type>", f"<{OA}SpecificResource>"),
                    (t, f"<{OA}hasSource>", f"<{article}>"), (t, f"<{OA}hasSelector>", sel),
                    (sel, f"<{RDF}type>", f"<{OA}TextQuoteSelector>"),
                    (sel, f"<{OA}exact>", lit(text[start:start + 30])),
                    (t, f"<{OA}hasState>", state), (state, f"<{OA}cachedSource>", f"<{version}>")]
        if rng.random() < 0.02:
            triples.append((a, f"<{CKB}orphaned>", lit("true", XSD + "boolean")))
    return [f"{s} {p} {o} {a} ." for s, p, o in triples]


def reference_page(kb, *, after=None, before=None, last=False, limit=50, **filters):
    """``Annotations.list`` as it was before the index: the SPARQL reference queries.
    Returns (IRIs of the page, next_after id, total, modified). tests/kb/derived/test_annotation_index.py
    checks the index against it."""
    notes = kb.annotations
    params = notes._filters(**filters)
    if before is not None or last:
        if before is not None:
            params["before"] = Literal(str(notes._iri(before)))
        rows = kb.select("annotation_page_desc.rq", limit=limit + 1, **params)
        iris = [r["a"] for r in rows][:limit][::-1]
        more = bool(iris) and bool(kb.select(
            "annotation_page.rq", limit=1, **{**{k: v for k, v in params.items() if k != "before"},
                                              "after": Literal(str(iris[-1]))}))
    else:
        if after is not None:
            params["after"] = Literal(str(notes._iri(after)))
        rows = kb.select("annotation_page.rq", limit=limit + 1, **params)
        iris = [r["a"] for r in rows]
        more = len(iris) > limit
        iris = iris[:limit]
    count = kb.select("annotation_count.rq",
                      **{k: v for k, v in params.items() if k not in ("after", "before")})
    total = int(count[0]["total"]) if count and count[0]["total"] is not None else 0
    modified = str(count[0]["modified"]) if count and count[0]["modified"] is not None else None
    return iris, (notes._id(iris[-1]) if more and iris else None), total, modified


def old_list(kb, **kwargs):
    """The old ``list()``: the reference page, then its annotations loaded."""
    iris, next_after, total, _ = reference_page(kb, **kwargs)
    return kb.annotations._load(iris), next_after, total


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp, \
            KnowledgeBase.open(load_settings(env={}, data_dir=Path(tmp) / "kb")) as kb:
        base = kb.iris.base
        articles = []
        for n in range(args.articles):
            text = article_text(rng, 300)
            stored = kb.import_article(ArticleData(text=text, title=f"Bench article {n}",
                                                   publisher="Bench Daily"))
            articles.append((str(stored.iri), str(stored.version), text))
        t0 = time.perf_counter()
        lines, made = [], []
        for i in range(args.annotations):
            lines += annotation_quads(rng, i, base, articles, made)
            made.append(f"{base}annotations/bench-{i:06d}")
        kb.store.load("\n".join(lines).encode("utf-8"), "nquads")
        load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        indexed = kb.annotation_index.rebuild()
        rebuild_s = time.perf_counter() - t0
        size = (Path(tmp) / "kb" / "annotations.sqlite").stat().st_size
        print(f"{indexed:,} annotations ({len(lines):,} quads) on {args.articles} articles: "
              f"loaded in {load_s:.1f} s, index rebuilt in {rebuild_s:.1f} s "
              f"({size / 1e6:.1f} MB)")

        notes, index = kb.annotations, kb.annotation_index
        deep = made[int(len(made) * 0.9)].rsplit("/", 1)[1]
        article = articles[0][0]
        filtered = {"source": article, "motivation": "commenting"}
        cases = [
            ("first page", {}),
            ("filtered page (source + motivation)", filtered),
            ("filtered page (tag)", {"tag": "tag7"}),
            ("filtered page (creator)", {"creator": "user3"}),
            ("deep page (after the 90% id)", {"after": deep}),
            ("last page (backwards)", {"last": True}),
        ]
        print(f"\n{'case':40} {'matches':>8} {'before ms':>10} {'after ms':>9} "
              f"{'index ms':>9} {'index, cached count ms':>23}")
        for name, kw in cases:
            before_ms, (items_b, next_b, total_b) = timed(lambda: old_list(kb, limit=PAGE, **kw), args.repeat)
            after_ms, page = timed(lambda: notes.list(limit=PAGE, **kw), args.repeat)
            assert [a.id for a in page.items] == [a.id for a in items_b], name
            assert page.next_after == next_b and page.total == total_b, name
            filters = {k: v for k, v in kw.items() if k not in ("after", "last")}
            params = notes._filters(**filters)
            keys = [("orphan", "true") if k == "orphan" else (k, str(v))
                    for k, v in params.items() if k != "container"]
            after_iri = str(notes._iri(kw["after"])) if "after" in kw else None

            def uncached():
                index._cache.clear()
                return index.listing(keys, after=after_iri, last=kw.get("last", False), limit=PAGE)

            index_ms, _ = timed(uncached, args.repeat)
            cached_ms, _ = timed(lambda: index.listing(keys, after=after_iri, last=kw.get("last", False),
                                                       limit=PAGE), args.repeat)
            print(f"{name:40} {page.total:>8,} {before_ms:>10.1f} {after_ms:>9.1f} "
                  f"{index_ms:>9.2f} {cached_ms:>23.2f}")

        count_b, _ = timed(lambda: kb.select("annotation_count.rq", **notes._filters()), args.repeat)

        def count_a():
            index._cache.clear()
            return index.listing([], limit=1).total

        count_a_ms, _ = timed(count_a, args.repeat)
        fcount_b, _ = timed(lambda: kb.select("annotation_count.rq", **notes._filters(**filtered)),
                            args.repeat)

        def fcount_a():
            index._cache.clear()
            return index.listing([("motivation", "http://www.w3.org/ns/oa#commenting"),
                                  ("source", article)], limit=1).total

        fcount_a_ms, _ = timed(fcount_a, args.repeat)
        print(f"\ncount, all:      before {count_b:.1f} ms, after (uncached, with the page "
              f"probe) {count_a_ms:.2f} ms")
        print(f"count, filtered: before {fcount_b:.1f} ms, after (uncached, with the page "
              f"probe) {fcount_a_ms:.2f} ms")

        def protocol_before():
            items, _, _ = old_list(kb, after=deep, limit=PAGE)
            return old_list(kb, before=items[0].id, limit=1)

        proto_b, _ = timed(protocol_before, args.repeat)
        proto_a, _ = timed(lambda: notes.list(after=deep, limit=PAGE), args.repeat)
        print(f"Protocol page (page + its prev link): before {proto_b:.1f} ms, after {proto_a:.1f} ms")
        load_ms, _ = timed(lambda: notes._load([notes._iri(i) for i in made[:PAGE]]), args.repeat)
        print(f"of which loading {PAGE} annotations from the store (both paths): {load_ms:.1f} ms")


if __name__ == "__main__":
    main()
