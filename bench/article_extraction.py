#!/usr/bin/env python3
"""Measure claimkb's article extraction (kb.articles.from_html) on real news pages.

    python bench/article_extraction.py [--shared PATH] [--worst N] [--json FILE]

Two sets from ../shared/data/news-articles (see its SOURCE.md):

A. scrapinghub-article-extraction-benchmark: 181 gzipped pages and a human-annotated
   ``articleBody``. Scored with the benchmark's own metric: tokens are the regex ``\\w+``,
   shingles are the 4-grams of tokens counted as a multiset; per document TP/FP/FN are
   normalised by their sum; precision is averaged over the documents with a non-empty
   prediction (TP+FP > 0) and recall over the documents with a non-empty truth
   (TP+FN > 0), as the upstream evaluate.py does; F1 is computed from the two averages;
   accuracy is the share of documents whose token sequence matches exactly. The shipped
   trafilatura baseline (output/trafilatura.json) is scored the same way for comparison.

B. trafilatura-eval: 28 pages with ``with`` snippets (must appear in the text),
   ``without`` snippets (must not) and title/author/date/sitename gold. Snippets are
   plain substring tests on the extracted text, as upstream's evaluate.py does. Dates are
   compared exactly (YYYY-MM-DD). Title, author and sitename use a normalised
   contains-comparison: both sides case-folded (str.casefold) and whitespace-folded
   (runs of whitespace -> one space, stripped); they agree when either folded string
   contains the other. Our authors (a list) are joined with "; " first. Only pages whose
   gold value is non-empty are counted; exact (unfolded) matches are shown beside.

Exit status: 0 after printing the tables, 2 when the shared folder is absent.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.ingest.articles import from_html# noqa: E402

from kb.model.article import ArticleData
from kb.errors import InputError  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared"
SUBDIR = "news-articles"
SH = "scrapinghub-article-extraction-benchmark"
TE = "trafilatura-eval"
MAX_BYTES = 5_000_000   # kb.config default max_article_bytes

# ---------------------------------------------------------------- locating the data


def find_news_articles(shared: Path) -> Path | None:
    """The news-articles folder under ``shared`` (accepts .../shared, .../shared/data or
    the news-articles folder itself), or None."""
    for candidate in (shared / "data" / SUBDIR, shared / SUBDIR, shared):
        if (candidate / SH / "ground-truth.json").is_file() and (candidate / TE).is_dir():
            return candidate
    return None


# ---------------------------------------------------------------- the benchmark metric

_TOKEN = re.compile(r"\w+")


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter:
    """Multiset of n-grams of tokens; a text shorter than n tokens is one short shingle."""
    toks = tokens(text)
    if not toks:
        return Counter()
    if len(toks) < n:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def doc_counts(truth: str | None, pred: str | None) -> tuple[float, float, float]:
    """(tp, fp, fn) of shingles, normalised by their sum."""
    t, p = shingles(truth), shingles(pred)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def doc_precision(tp: float, fp: float, fn: float) -> float:
    if fp == 0 and fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def doc_recall(tp: float, fp: float, fn: float) -> float:
    if fp == 0 and fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


@dataclass
class ShingleScore:
    precision: float
    recall: float
    f1: float
    accuracy: float
    mean_doc_f1: float     # mean of per-document F1 (not the benchmark figure; for tests)
    docs: int
    empty: int             # documents with an empty prediction


def shingle_score(pairs: list[tuple[str | None, str | None]]) -> ShingleScore:
    """Score (truth, prediction) pairs with the benchmark's metric."""
    counts = [doc_counts(t, p) for t, p in pairs]
    ps = [doc_precision(*c) for c in counts if c[0] + c[1] > 0]
    rs = [doc_recall(*c) for c in counts if c[0] + c[2] > 0]
    precision = statistics.mean(ps) if ps else 0.0
    recall = statistics.mean(rs) if rs else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    doc_f1 = []
    for c in counts:
        p, r = doc_precision(*c), doc_recall(*c)
        doc_f1.append(2 * p * r / (p + r) if p + r else 0.0)
    accuracy = statistics.mean(float(tokens(t) == tokens(p)) for t, p in pairs)
    return ShingleScore(precision, recall, f1, accuracy, statistics.mean(doc_f1),
                        len(pairs), sum(1 for _, p in pairs if not tokens(p)))


def doc_f1(truth: str | None, pred: str | None) -> float:
    c = doc_counts(truth, pred)
    p, r = doc_precision(*c), doc_recall(*c)
    return 2 * p * r / (p + r) if p + r else 0.0


# ---------------------------------------------------------------- running our extractor


@dataclass
class PageResult:
    key: str
    data: ArticleData | None
    error: str | None
    seconds: float

    @property
    def text(self) -> str:
        return (self.data.text or "") if self.data else ""


def extract(raw: bytes, where: str, url: str | None = None) -> PageResult:
    start = time.perf_counter()
    try:
        data, error = from_html(raw, where, MAX_BYTES, url=url), None
    except InputError as exc:
        data, error = None, str(exc)
    return PageResult(where, data, error, time.perf_counter() - start)


def scrapinghub_ids(base: Path) -> list[str]:
    truth = json.loads((base / SH / "ground-truth.json").read_text(encoding="utf-8"))
    return sorted(truth)


def run_scrapinghub(base: Path, ids: list[str] | None = None, with_url: bool = False):
    """(truth, {id: PageResult}) for the scrapinghub pages (all, or ``ids``).

    Pages are extracted without their URL unless ``with_url`` (the baseline run had none)."""
    truth = json.loads((base / SH / "ground-truth.json").read_text(encoding="utf-8"))
    results = {}
    for key in (ids if ids is not None else sorted(truth)):
        raw = gzip.decompress((base / SH / "html" / f"{key}.html.gz").read_bytes())
        url = truth[key].get("url") if with_url else None
        results[key] = extract(raw, key, url)
        results[key].key = key
    return truth, results


def baseline_predictions(base: Path, name: str = "trafilatura") -> tuple[str, dict[str, str]]:
    doc = json.loads((base / SH / "output" / f"{name}.json").read_text(encoding="utf-8"))
    version = doc.get("version") if "output" in doc else None
    version = version or "version ?"
    output = doc.get("output", doc)
    return version, {k: (v or {}).get("articleBody") or "" for k, v in output.items()}


# ---------------------------------------------------------------- trafilatura-eval


def fold(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def contains_match(gold: str, ours: str | None) -> bool:
    g, o = fold(gold), fold(ours)
    return bool(g and o) and (g in o or o in g)


@dataclass
class EvalPage:
    file: str
    result: PageResult
    with_found: list[bool]
    without_absent: list[bool]
    gold: dict
    meta: dict = field(default_factory=dict)   # field -> (gold, ours, exact, folded)


def ours_field(data: ArticleData | None, name: str) -> str | None:
    if data is None:
        return None
    if name == "title":
        return data.title
    if name == "author":
        return "; ".join(data.authors) or None
    if name == "date":
        return data.published.isoformat() if data.published else None
    if name == "sitename":
        return data.publisher
    if name == "language":
        return data.language
    raise KeyError(name)


META_FIELDS = ("title", "date", "author", "sitename", "language")


def run_trafilatura_eval(base: Path) -> list[EvalPage]:
    subset = json.loads((base / TE / "evaldata-subset.json").read_text(encoding="utf-8"))
    pages = []
    for url, gold in subset.items():
        raw = (base / TE / "html" / gold["file"]).read_bytes()
        # no URL passed, like an `import-article FILE` without --url
        res = extract(raw, gold["file"])
        text = res.text
        page = EvalPage(gold["file"], res,
                        [s in text for s in gold.get("with", [])],
                        [s not in text for s in gold.get("without", [])], gold)
        for name in META_FIELDS:
            # the 28 pages are all English (SOURCE.md); evaldata has no language field
            g = "en" if name == "language" else gold.get(name)
            if not g:
                continue
            o = ours_field(res.data, name)
            exact = o == g
            agree = exact if name in ("date", "language") else contains_match(g, o)
            page.meta[name] = (g, o, exact, agree)
        pages.append(page)
    return pages


def eval_summary(pages: list[EvalPage]) -> dict:
    s = {
        "with_found": sum(sum(p.with_found) for p in pages),
        "with_total": sum(len(p.with_found) for p in pages),
        "without_absent": sum(sum(p.without_absent) for p in pages),
        "without_total": sum(len(p.without_absent) for p in pages),
        "pages": len(pages),
        "errors": sum(1 for p in pages if p.result.error),
    }
    for name in META_FIELDS:
        rows = [p.meta[name] for p in pages if name in p.meta]
        s[name] = {"gold": len(rows), "exact": sum(r[2] for r in rows),
                   "agree": sum(r[3] for r in rows),
                   "missing": sum(1 for r in rows if not r[1])}
    return s


# ---------------------------------------------------------------- report


def _fmt_score(name: str, s: ShingleScore) -> str:
    return (f"  {name:<44} {s.precision:9.3f} {s.recall:7.3f} {s.f1:7.3f} {s.accuracy:9.3f}"
            f" {s.mean_doc_f1:9.3f} {s.empty:6d}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help=f"the shared folder (default {DEFAULT_SHARED}); "
                             "…/shared, …/shared/data or the news-articles folder")
    parser.add_argument("--worst", type=int, default=8,
                        help="list the N scrapinghub pages with the lowest F1 (default 8)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)

    base = find_news_articles(args.shared)
    if base is None:
        print(f"error: shared data not found: no {SUBDIR}/{SH}/ground-truth.json under "
              f"{args.shared} (give --shared PATH; the data lives beside the project's own "
              "checkout, in ../shared/data)", file=sys.stderr)
        return 2

    import trafilatura  # imported once here so the first page's time is not the import

    print(f"claimkb article extraction benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"data: {base}")
    print(f"trafilatura {trafilatura.__version__}, python {sys.version.split()[0]}\n")

    # --- A
    truth, ours = run_scrapinghub(base)
    version, baseline = baseline_predictions(base)
    pairs_ours = [(truth[k].get("articleBody"), ours[k].text) for k in ours]
    pairs_base = [(truth[k].get("articleBody"), baseline.get(k, "")) for k in ours]
    s_ours, s_base = shingle_score(pairs_ours), shingle_score(pairs_base)
    extra = {}
    newspaper = base / SH / "output" / "newspaper.json"
    if newspaper.is_file():
        nv, npred = baseline_predictions(base, "newspaper")
        extra[f"newspaper baseline (output, {nv})"] = shingle_score(
            [(truth[k].get("articleBody"), npred.get(k, "")) for k in ours])
    times = [r.seconds for r in ours.values()]
    errors = {k: r.error for k, r in ours.items() if r.error}

    print(f"A. {SH}: {len(ours)} pages, 4-gram shingle metric")
    print(f"  {'extractor':<44} {'precision':>9} {'recall':>7} {'F1':>7} {'accuracy':>9}"
          f" {'mean dF1':>9} {'empty':>6}")
    print(_fmt_score("claimkb from_html", s_ours))
    print(_fmt_score(f"trafilatura baseline (output, {version})", s_base))
    for name, sc in extra.items():
        print(_fmt_score(name, sc))
    print(f"  time per page: median {statistics.median(times) * 1000:.1f} ms, "
          f"p90 {statistics.quantiles(times, n=10)[-1] * 1000:.1f} ms, "
          f"max {max(times) * 1000:.0f} ms, total {sum(times):.1f} s")
    print(f"  pages where from_html raised InputError: {len(errors)}")
    datas = [r.data for r in ours.values() if r.data]
    langs = Counter(d.language for d in datas)
    print(f"  metadata found (no gold here): title {sum(bool(d.title) for d in datas)}, "
          f"date {sum(bool(d.published) for d in datas)}, "
          f"author {sum(bool(d.authors) for d in datas)}, "
          f"publisher {sum(bool(d.publisher) for d in datas)}, "
          f"language {len(datas) - langs[None]} of {len(datas)} "
          f"({', '.join(f'{k} {v}' for k, v in langs.most_common() if k)})")
    for k, e in errors.items():
        print(f"    {k[:12]}  {e}")
    worst = sorted(ours, key=lambda k: doc_f1(truth[k].get("articleBody"), ours[k].text))
    if args.worst:
        print(f"  lowest-F1 pages (ours vs baseline):")
        for k in worst[:args.worst]:
            t = truth[k].get("articleBody")
            c = doc_counts(t, ours[k].text)
            print(f"    {k[:12]}  F1 {doc_f1(t, ours[k].text):.3f} (P {doc_precision(*c):.2f}"
                  f" R {doc_recall(*c):.2f}) baseline {doc_f1(t, baseline.get(k, '')):.3f}"
                  f"  {truth[k].get('url', '')[:70]}")

    # --- B
    pages = run_trafilatura_eval(base)
    es = eval_summary(pages)
    etimes = [p.result.seconds for p in pages]
    print(f"\nB. {TE}: {es['pages']} pages (from_html raised on {es['errors']})")
    print(f"  `with` snippets found      {es['with_found']:3d} / {es['with_total']}")
    print(f"  `without` snippets absent  {es['without_absent']:3d} / {es['without_total']}")
    print(f"  {'metadata':<10} {'gold':>5} {'agree':>6} {'exact':>6} {'none':>5}  rule")
    rules = {"title": "folded contains", "date": "exact YYYY-MM-DD",
             "author": "folded contains (authors joined '; ')",
             "sitename": "folded contains (vs publisher)",
             "language": "exact; gold is 'en' for all 28 (SOURCE.md)"}
    for name in META_FIELDS:
        m = es[name]
        print(f"  {name:<10} {m['gold']:5d} {m['agree']:6d} {m['exact']:6d} {m['missing']:5d}"
              f"  {rules[name]}")
    print(f"  time per page: median {statistics.median(etimes) * 1000:.1f} ms, "
          f"max {max(etimes) * 1000:.0f} ms")
    print("  disagreements:")
    for p in pages:
        lost = [s for s, ok in zip(p.gold.get("with", []), p.with_found) if not ok]
        kept = [s for s, ok in zip(p.gold.get("without", []), p.without_absent) if not ok]
        for s in lost:
            print(f"    {p.file}: with-snippet missing: {s[:60]!r}")
        for s in kept:
            print(f"    {p.file}: without-snippet present: {s[:60]!r}")
        for name, (g, o, exact, agree) in p.meta.items():
            if not agree:
                print(f"    {p.file}: {name}: gold {g[:60]!r} ours {(o or '')[:60]!r}")
        if p.result.error:
            print(f"    {p.file}: error: {p.result.error}")

    if args.json:
        args.json.write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d"), "trafilatura": trafilatura.__version__,
            "scrapinghub": {"ours": vars(s_ours), "baseline": vars(s_base),
                            "median_ms": statistics.median(times) * 1000,
                            "errors": errors},
            "trafilatura_eval": es,
        }, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
