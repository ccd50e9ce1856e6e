"""Re-anchoring benchmark: kb.reanchor.reanchor() for every annotation of a synthetic
article after it gets a new version.

    python bench/reanchor.py                         # 100 kB, 200 annotations, mixed edits
    python bench/reanchor.py --kb 100 --annotations 200 --edited 1.0   # every quote edited

The article is made of sentences of random words (a fixed vocabulary with accents,
emoji and numbers, so that words repeat as in real text); each annotation quotes one
whole sentence (or, one in four, a fragment of it). The new version:

* inserts ``--paragraphs`` new paragraphs at random places (every position shifts);
* re-wraps a tenth of the sentences (whitespace changes);
* for ``--edited`` of the annotated sentences (default 0.3): fixes one to three typos
  (half of them), rewords one or two words (a third), or deletes the sentence (the rest);
* copies a tenth of the annotated sentences elsewhere, so that those quotes repeat and
  context has to choose.

The true new place of every quote is known, so the benchmark also reports how many
annotations came back where they belong, how many are orphans (deleted sentences
should be), and how many landed elsewhere. Times are wall-clock, per call, after one
warm-up call (which builds the per-text caches, timed separately).
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kb.ingest.reanchor import _gram_index, _normalised, reanchor  # noqa: E402

WORDS = ("the border Taliban control percent soldiers fled river valley province said "
         "government forces km over more than thousand July Dushanbe Kabul Tajikistan "
         "Afghanistan minister reported officials crossing checkpoint refugees army "
         "café naïve 😀 — a of and in to was is were by on at with from that this "
         "trade aid winter roads supply district commander agreement talks").split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 30))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.randint(1, 9999):,}")
    return " ".join(words).capitalize() + "."


def typo(rng: random.Random, text: str, count: int) -> str:
    chars = list(text)
    for _ in range(count):
        i = rng.randrange(len(chars))
        op = rng.choice(("sub", "del", "ins"))
        if op == "sub":
            chars[i] = rng.choice("abcdefghijklmnopqrstuvwxyz")
        elif op == "del" and len(chars) > 10:
            del chars[i]
        else:
            chars.insert(i, rng.choice("abcdefghijklmnopqrstuvwxyz"))
    return "".join(chars)


def reword(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    for _ in range(rng.randint(1, 2)):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
    return " ".join(words)


def build(rng: random.Random, size: int, annotations: int, edited: float, paragraphs: int):
    """(old text, new text, [(selectors, expected (start, end) or None)])."""
    sentences: list[str] = []
    length = 0
    while length < size:
        s = sentence(rng)
        sentences.append(s)
        length += len(s) + 1
    annotated = sorted(rng.sample(range(len(sentences)), min(annotations, len(sentences))))
    # each annotation: (sentence index, offset in the sentence, length)
    quotes = {}
    for i in annotated:
        s = sentences[i]
        if rng.random() < 0.25 and len(s) > 60:
            a = rng.randrange(len(s) - 40)
            quotes[i] = (a, rng.randint(30, min(120, len(s) - a)))
        else:
            quotes[i] = (0, len(s))
    new_sentences = list(sentences)
    fate = {}
    new_length = {i: n for i, (_a, n) in quotes.items()}
    for i in annotated:
        if rng.random() >= edited:
            fate[i] = "same"
            continue
        r = rng.random()
        a, n = quotes[i]
        s = sentences[i]
        if r < 0.5:
            fragment = typo(rng, s[a:a + n], rng.randint(1, 3))
            new_sentences[i] = s[:a] + fragment + s[a + n:]
            new_length[i] = len(fragment)
            fate[i] = "typo"
        elif r < 0.83:
            fragment = reword(rng, s[a:a + n])
            new_sentences[i] = s[:a] + fragment + s[a + n:]
            new_length[i] = len(fragment)
            fate[i] = "reworded"
        else:
            new_sentences[i] = None
            fate[i] = "deleted"
    rewrap = set(rng.sample(range(len(sentences)), len(sentences) // 10)) - set(annotated)
    inserts = {rng.randrange(len(sentences)): " ".join(sentence(rng) for _ in range(8))
               for _ in range(paragraphs)}
    copies = {rng.randrange(len(sentences)): sentences[i]
              for i in rng.sample(annotated, len(annotated) // 10) if fate[i] == "same"}

    def assemble(items, with_changes: bool):
        out, where = [], {}
        pos = 0
        for i, s in enumerate(items):
            if with_changes and i in inserts:
                block = "\n\n" + inserts[i] + "\n\n"
                out.append(block)
                pos += len(block)
            if with_changes and i in copies:
                block = copies[i] + " "
                out.append(block)
                pos += len(block)
            if s is None:
                continue
            if with_changes and i in rewrap:
                s = s.replace(" ", "\n", 2)
            where[i] = pos
            out.append(s + ("\n\n" if i % 7 == 6 else " "))
            pos += len(out[-1])
        return "".join(out), where

    old, old_at = assemble(sentences, False)
    new, new_at = assemble(new_sentences, True)
    cases = []
    for i in annotated:
        a, n = quotes[i]
        start = old_at[i] + a
        sel = {"exact": old[start:start + n], "prefix": old[max(0, start - 32):start],
               "suffix": old[start + n:start + n + 32], "start": start, "end": start + n}
        expected = None
        if fate[i] != "deleted":
            expected = (new_at[i] + a, new_at[i] + a + new_length[i])
        cases.append((sel, expected, fate[i]))
    return old, new, cases


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=int, default=100, help="article size in kB (default 100)")
    ap.add_argument("--annotations", type=int, default=200)
    ap.add_argument("--edited", type=float, default=0.3,
                    help="share of annotated sentences edited or deleted (default 0.3)")
    ap.add_argument("--paragraphs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="timed passes (best is reported)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    old, new, cases = build(rng, args.kb * 1000, args.annotations, args.edited, args.paragraphs)
    print(f"old text {len(old):,} code points, new {len(new):,}; {len(cases)} annotations")

    _normalised.cache_clear()
    _gram_index.cache_clear()
    t = time.perf_counter()
    reanchor(old, new, exact="zzzz qqqq xxxx")   # fuzzy: builds the per-text caches
    print(f"first call (normalising the new text, q-gram index): {time.perf_counter() - t:.3f} s")

    best_total, times, results = None, [], []
    for _ in range(args.repeat):
        times, results = [], []
        t0 = time.perf_counter()
        for sel, _expected, _fate in cases:
            t = time.perf_counter()
            results.append(reanchor(old, new, **sel))
            times.append(time.perf_counter() - t)
        total = time.perf_counter() - t0
        best_total = total if best_total is None else min(best_total, total)
    by_method: dict = {}
    right = wrong = orphan_ok = orphan_lost = 0
    for (sel, expected, fate), res, dt in zip(cases, results, times):
        by_method.setdefault(res.method if res else "orphan", []).append(dt)
        if res is None:
            orphan_ok += expected is None
            orphan_lost += expected is not None
        elif expected is not None and abs(res.start - expected[0]) <= 3 and abs(res.end - expected[1]) <= 3:
            right += 1
        else:
            wrong += 1
    ms = sorted(x * 1000 for x in times)
    print(f"all {len(cases)} annotations: {best_total:.3f} s (best of {args.repeat}); per annotation "
          f"p50 {statistics.median(ms):.2f} ms, p95 {ms[int(len(ms) * 0.95) - 1]:.2f} ms, "
          f"max {ms[-1]:.2f} ms")
    for method, ts in sorted(by_method.items()):
        ts = sorted(x * 1000 for x in ts)
        print(f"  {method:9} {len(ts):4}  p50 {statistics.median(ts):6.2f} ms  max {ts[-1]:6.2f} ms")
    fates = {f: sum(1 for c in cases if c[2] == f) for f in ("same", "typo", "reworded", "deleted")}
    print(f"edits: {fates}")
    print(f"right place {right}, orphans that were deleted {orphan_ok}, orphans lost {orphan_lost}, "
          f"wrong place {wrong}")


if __name__ == "__main__":
    main()
