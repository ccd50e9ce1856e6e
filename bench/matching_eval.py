#!/usr/bin/env python3
"""Measure same-claim matching (kb.matching) on real ClaimReview data.

    python bench/matching_eval.py [--shared PATH] [--top N] [--json FILE]

Data (../shared/data/claimreview, see its SOURCE.md sections 2 and 3):

* The candidate pool: the 459 reviews of claimskg-extractor-samples/
  claimreviews_metadata_only.csv (10 fact-checkers, mostly July 2021). One TextClaim per
  row: id = claimReview_url, text = claimReview_claimReviewed, or extra_title when that
  is empty (all AAP rows, 16 Africa Check rows), publisher = claimReview_source, date =
  claimReview_datePublished, else creativeWork_datePublished. No speaker: in this
  version creativeWork_author_name holds the review's writer, not the claimant.
* The gold: multi_source_clusters_2021-07.json, 7 clusters of reviews of the same claim
  by 2–3 fact-checkers. A gold pair is two members of one cluster from different
  publishers: 9 pairs (3 + 1 + 1 + 1 + 1 + 1 + 1). The graphene-oxide cluster holds a
  third, "related broader" AFP check ("Vaccines on the market contain carcinogenic
  graphene oxide"); the curators say it is *not* the same claim, so its pair with Full
  Fact's "The Pfizer vaccine is 99% graphene oxide" is not a gold pair, and proposing
  it is not counted as a false positive either: it is ignored (a near-duplicate that
  a human reviewer would want to see). Its pair with the other AFP check is from the
  same publisher and never proposed. The tables say how many proposals were ignored.

Figures:

* recall = gold pairs proposed / 9;
* strict precision = gold pairs proposed / (proposed pairs − ignored pairs): every
  proposal outside the gold counts as wrong, although the gold covers only 7 clusters
  and some of those proposals may be real same-claim pairs; the top non-gold proposals
  at the default threshold are printed with their texts so a person can judge them.

Calibration (how the default threshold was chosen, independently of the gold): each
review whose claimReviewed and headline (extra_title) are both given, differ, and are
in Latin script, outside the 16 gold-cluster reviews, gives a positive pair (its claim
against its own headline: a paraphrase by the same newsroom) and negatives (its claim
against every other such review's headline from another fact-checker). The curve and
the rule's point are printed. The rule: the lowest threshold (on a 0.05 grid) whose
calibration precision is at least 0.90. Not the best-F1 point: there every claim has
exactly one partner among ~170 candidates, while in a real pool most claims have none
(16 of these 459 reviews are in a gold cluster), so the same false-positive rate costs
far more precision in use; the calibration operating point must sit on its
high-precision side. kb.matching.DEFAULT_THRESHOLD is that point.

Exit status: 0 after printing the tables, 2 when the shared folder is absent.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kb.services.matching import DEFAULT_THRESHOLD, Match, TextClaim, score_all  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared"
SUBDIR = "claimreview"
POOL = Path("claimskg-extractor-samples") / "claimreviews_metadata_only.csv"
GOLD = "multi_source_clusters_2021-07.json"
THRESHOLDS = (0.30, 0.35, DEFAULT_THRESHOLD, 0.45, 0.55)
PRECISION_TARGET = 0.90   # the calibration rule for the default threshold (see below)
# the curators' "related but broader" member of the graphene cluster
RELATED = {"https://factcheck.afp.com/http%253A%252F%252Fdoc.afp.com%252F9FE6UH-1"}


def find_claimreview(shared: Path) -> Path | None:
    """The claimreview folder under ``shared`` (.../shared, .../shared/data or the folder
    itself), or None."""
    for candidate in (shared / "data" / SUBDIR, shared / SUBDIR, shared):
        if (candidate / POOL).is_file() and (candidate / GOLD).is_file():
            return candidate
    return None


# ---------------------------------------------------------------- loading

def load_rows(folder: Path) -> list[dict]:
    with open(folder / POOL, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def row_claim(row: dict) -> TextClaim:
    text = (row["claimReview_claimReviewed"] or "").strip() or (row["extra_title"] or "").strip()
    date = (row["claimReview_datePublished"] or "").strip() or \
        (row["creativeWork_datePublished"] or "").strip() or None
    return TextClaim(id=row["claimReview_url"], text=text,
                     publisher=row["claimReview_source"] or row["claimReview_author_name"],
                     date=date)


def load_pool(folder: Path) -> list[TextClaim]:
    return [row_claim(r) for r in load_rows(folder)]


@dataclass
class Gold:
    pairs: set[frozenset[str]]        # same claim, different publishers
    ignored: set[frozenset[str]]      # related but not the same: neither right nor wrong
    members: set[str]
    clusters: dict[str, str]          # review url → cluster id


def load_gold(folder: Path) -> Gold:
    data = json.loads((folder / GOLD).read_text(encoding="utf-8"))
    pairs, ignored, members, clusters = set(), set(), set(), {}
    for cluster in data:
        people = cluster["members"]
        for m in people:
            members.add(m["claimReview_url"])
            clusters[m["claimReview_url"]] = cluster["cluster_id"]
        for i, a in enumerate(people):
            for b in people[i + 1:]:
                if a["publisher_source"] == b["publisher_source"]:
                    continue
                pair = frozenset((a["claimReview_url"], b["claimReview_url"]))
                if pair & RELATED:
                    ignored.add(pair)
                else:
                    pairs.add(pair)
    return Gold(pairs, ignored, members, clusters)


# ---------------------------------------------------------------- scoring

@dataclass
class Row:
    threshold: float
    proposed: int
    ignored: int
    true: int
    precision: float
    recall: float


def evaluate(scored: list[Match], gold: Gold, thresholds) -> list[Row]:
    out = []
    for t in thresholds:
        chosen = [frozenset(m.pair) for m in scored if m.score >= t]
        ignored = sum(1 for p in chosen if p in gold.ignored)
        true = sum(1 for p in chosen if p in gold.pairs)
        judged = len(chosen) - ignored
        out.append(Row(t, len(chosen), ignored, true, true / judged if judged else 1.0,
                       true / len(gold.pairs)))
    return out


def calibration_set(rows: list[dict], gold: Gold) -> tuple[list[TextClaim], set[frozenset[str]]]:
    """Claims and headlines of the non-gold reviews (see the module docstring): the
    pool (claims get publisher "claim|<checker>", headlines "headline|<checker>", so only
    claim–headline pairs are scored) and the positive pairs."""
    def latin(text: str) -> bool:
        letters = [c for c in text if c.isalpha()]
        return bool(letters) and sum(c.isascii() for c in letters) >= 0.9 * len(letters)

    pool, positives = [], set()
    for row in rows:
        claim, title = (row["claimReview_claimReviewed"] or "").strip(), (row["extra_title"] or "").strip()
        url = row["claimReview_url"]
        if not claim or not title or claim == title or url in gold.members:
            continue
        if not (latin(claim) and latin(title)):
            continue
        src = row["claimReview_source"]
        pool.append(TextClaim(id=f"claim|{url}", text=claim, publisher=f"claim|{src}"))
        pool.append(TextClaim(id=f"headline|{url}", text=title, publisher=f"headline|{src}"))
        positives.add(frozenset((f"claim|{url}", f"headline|{url}")))
    return pool, positives


def calibration_curve(pool: list[TextClaim], positives: set[frozenset[str]],
                      thresholds) -> tuple[list[tuple[float, int, int, float, float, float]], int]:
    """(threshold, tp, fp, precision, recall, F1) per threshold; and the negatives scored.

    Only claim–headline pairs of *different* fact-checkers are negatives; a claim and its
    own headline are the positives; a claim and a headline of the same checker's other
    reviews are left out (the same checker may review a claim twice)."""
    def checker(tc: TextClaim) -> str:
        return tc.publisher.split("|", 1)[1]

    scored = [(frozenset(m.pair), m.score, checker(m.a) != checker(m.b)) for m in score_all(pool)]
    curve = []
    negatives = sum(1 for p, _s, cross in scored if cross and p not in positives)
    for t in thresholds:
        tp = sum(1 for p, s, _c in scored if s >= t and p in positives)
        fp = sum(1 for p, s, cross in scored if s >= t and cross and p not in positives)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / len(positives)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        curve.append((t, tp, fp, precision, recall, f1))
    return curve, negatives


# ---------------------------------------------------------------- report

def short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED,
                        help="the shared folder (default: ../shared beside the checkout)")
    parser.add_argument("--top", type=int, default=10, help="non-gold pairs to list (10)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    folder = find_claimreview(args.shared)
    if folder is None:
        print(f"matching_eval: no ClaimReview data under {args.shared} (expected "
              f"data/{SUBDIR}/{POOL} and data/{SUBDIR}/{GOLD}); the shared folder is only "
              "beside the project's own checkout", file=sys.stderr)
        return 2

    rows = load_rows(folder)
    pool = [row_claim(r) for r in rows]
    gold = load_gold(folder)
    missing = {u for p in gold.pairs for u in p} - {c.id for c in pool}
    if missing:
        print(f"matching_eval: gold reviews missing from the pool: {sorted(missing)}",
              file=sys.stderr)
        return 1

    # calibration (independent of the gold)
    cal_pool, positives = calibration_set(rows, gold)
    grid = [round(0.05 * i, 2) for i in range(2, 19)]
    curve, negatives = calibration_curve(cal_pool, positives, grid)
    best = max(curve, key=lambda r: (r[5], r[0]))
    chosen = min((r for r in curve if r[3] >= PRECISION_TARGET), key=lambda r: r[0], default=None)
    print(f"Calibration: {len(positives)} reviews' claim vs own headline (positives), "
          f"{negatives} claim vs other checkers' headlines scored after blocking (negatives)")
    print(f"{'threshold':>9} {'TP':>4} {'FP':>5} {'precision':>9} {'recall':>7} {'F1':>5}")
    for t, tp, fp, p, r, f1 in curve:
        mark = "  <- best F1" if (t, tp, fp) == best[:3] else ""
        if chosen and t == chosen[0]:
            mark += f"  <- lowest with precision >= {PRECISION_TARGET:.2f}"
        print(f"{t:>9.2f} {tp:>4} {fp:>5} {p:>9.3f} {r:>7.3f} {f1:>5.3f}{mark}")
    print(f"default threshold in kb.matching: {DEFAULT_THRESHOLD}"
          + ("" if chosen and abs(chosen[0] - DEFAULT_THRESHOLD) < 1e-9 else
             f" (the calibration rule now gives {chosen[0] if chosen else None}: revisit it)"))
    print()

    started = time.perf_counter()
    scored = score_all(pool)
    elapsed = time.perf_counter() - started
    n = len(pool)
    print(f"Pool: {n} claims, {len({c.publisher for c in pool})} publishers; "
          f"{len(scored)} cross-publisher pairs scored after blocking "
          f"(of {n * (n - 1) // 2} pairs) in {elapsed:.2f} s")
    print(f"Gold: {len(gold.pairs)} pairs in 7 clusters; {len(gold.ignored)} 'related' pair ignored")
    print()
    table = evaluate(scored, gold, sorted(set(THRESHOLDS)))
    print(f"{'threshold':>9} {'proposed':>8} {'ignored':>7} {'gold hit':>8} "
          f"{'strict precision':>16} {'recall':>6}")
    for r in table:
        print(f"{r.threshold:>9.2f} {r.proposed:>8} {r.ignored:>7} {r.true:>8} "
              f"{r.precision:>16.3f} {r.recall:>6.3f}")
    print()

    by_id = {c.id: c for c in pool}
    print("Gold pairs (score; '-' = not a candidate after blocking):")
    scores = {frozenset(m.pair): m for m in scored}
    for pair in sorted(gold.pairs, key=lambda p: (gold.clusters[min(p)], sorted(p))):
        a, b = sorted(pair)
        m = scores.get(pair)
        mark = f"{m.score:.3f}" if m else "  -  "
        hit = "hit " if m and m.score >= DEFAULT_THRESHOLD else "MISS"
        print(f"  {hit} {mark}  [{gold.clusters[a]}]")
        print(f"       {by_id[a].publisher}: {short(by_id[a].text)}")
        print(f"       {by_id[b].publisher}: {short(by_id[b].text)}")
        if m:
            print(f"       {'; '.join(m.reasons)}")
    for pair in gold.ignored:
        m = scores.get(pair)
        print(f"  (ignored, related) {m.score if m else '-'}: "
              f"{' / '.join(short(by_id[u].text, 60) for u in sorted(pair))}")
    print()

    others = [m for m in scored if frozenset(m.pair) not in gold.pairs
              and frozenset(m.pair) not in gold.ignored]
    print(f"Top {args.top} non-gold pairs (counted as false positives by strict precision "
          "when above the threshold; judge by hand):")
    for i, m in enumerate(others[: args.top], 1):
        print(f"  {i:>2}. {m.score:.3f}  {m.a.publisher} / {m.b.publisher}")
        print(f"       A: {short(m.a.text, 110)}")
        print(f"       B: {short(m.b.text, 110)}")
        print(f"       {'; '.join(m.reasons)}")

    if args.json:
        args.json.write_text(json.dumps({
            "default_threshold": DEFAULT_THRESHOLD,
            "calibration_rule_threshold": chosen[0] if chosen else None,
            "calibration": [dict(zip(("threshold", "tp", "fp", "precision", "recall", "f1"), r))
                            for r in curve],
            "gold": [r.__dict__ for r in table],
            "top_non_gold": [{"score": m.score, "a": m.a.__dict__, "b": m.b.__dict__,
                              "reasons": m.reasons} for m in others[: args.top]],
        }, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
