#!/usr/bin/env python3
"""Speed of the claim-extraction assistant (kb.model.suggestions, issue #18), side by
side with its raw engine, pysbd's sentence segmentation alone, in the same run.

    python bench/suggest_speed.py [--shared PATH] [--runs 5] [--json FILE]

Texts: real article bodies from ../shared/data/news-articles (scrapinghub
ground-truth.json), joined in a fixed order and cut at a word boundary to ~1,000,
~10,000 and ~100,000 words, plus a 1 MB text (1,000,000 characters) and a 1,000-word
text in another language (the same text with every tenth word replaced by a French
one: cues are English only, so it measures the path that notes it). Each size: the
median of ``--runs`` runs, wall clock, after one warm-up run on another text (imports,
pysbd's and dateparser's first use, the rules and the ontology read once).

Columns: pysbd alone (one Segmenter, every line of the text), ``suggest`` (sentences,
quantities, times, cues, score) and how many times pysbd's time it is.

Exit status: 0 after printing the table, 2 when the shared folder is absent.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.model.dates import PDate  # noqa: E402
from kb.model.suggestions import suggest  # noqa: E402

GROUND_TRUTH = "news-articles/scrapinghub-article-extraction-benchmark/ground-truth.json"


def corpus(shared: Path) -> str:
    truth = json.loads((shared / GROUND_TRUTH).read_text(encoding="utf-8"))
    return "\n".join(truth[k]["articleBody"] for k in sorted(truth))


def words(text: str, n: int) -> str:
    parts = text.split(" ")
    return " ".join(parts[:n])


def _time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not (args.shared / GROUND_TRUTH).exists():
        print(f"no {args.shared / GROUND_TRUTH}", file=sys.stderr)
        return 2
    import pysbd

    text = corpus(args.shared)
    seg = pysbd.Segmenter(language="en", clean=False)
    published = PDate(2019, 11, 20)
    suggest(words(text[50_000:], 300), published=published)          # warm-up
    seg.segment(words(text[60_000:], 300))
    french = " ".join(w if i % 10 else "selon" for i, w in enumerate(words(text, 1000).split(" ")))
    cases = [("1,000 words", words(text, 1000)), ("10,000 words", words(text, 10_000)),
             ("100,000 words", words(text, 100_000)), ("1 MB", text[:1_000_000]),
             ("1,000 words, not English", french)]
    rows = []
    for name, sample in cases:
        runs = args.runs if len(sample) < 200_000 else max(1, args.runs // 5)
        raw = _time(lambda: [seg.segment(line) for line in sample.split("\n") if line.strip()], runs)
        ours = _time(lambda: suggest(sample, published=published,
                                     language="fr" if "not English" in name else None), runs)
        found = suggest(sample, published=published)
        rows.append({"text": name, "chars": len(sample), "words": len(sample.split()),
                     "pysbd_s": round(raw, 3), "suggest_s": round(ours, 3),
                     "ratio": round(ours / raw, 2) if raw else None,
                     "suggestions": len(found.suggestions), "sentences": found.sentences})
    print("| text | words | pysbd alone s | suggest s | × pysbd | suggestions / sentences |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['text']} | {r['words']:,} | {r['pysbd_s']:.3f} | {r['suggest_s']:.3f} | "
              f"{r['ratio']} | {r['suggestions']:,} / {r['sentences']:,} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
