"""The claim-extraction assistant measured on hand-labelled real articles
(bench/extraction_eval.py; docs/extraction.md "Evaluation"). Recomputes precision,
recall, modality, value and speaker figures per split and fails if they fall below the
floors recorded here (a little under the documented figures, so that a change that
costs one span or one quantity on a split is caught)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import load_bench

LABELS = Path(__file__).resolve().parents[2] / "data" / "extraction"

# documented in docs/extraction.md (bench/extraction_eval.py on the rules of this commit)
FLOORS = {
    "dev": {"precision": 0.94, "recall": 0.90, "modality": 0.77, "value_right": 0.94},
    "heldout": {"precision": 0.94, "recall": 0.86, "modality": 0.62, "value_right": 0.85},
    "heldout2": {"precision": 0.90, "recall": 0.92, "modality": 0.80, "value_right": 0.93},
}


def test_labels_hold_offsets_and_short_readings_never_the_articles_text():
    files = sorted(LABELS.glob("*.yaml"))
    assert len(files) >= 8
    splits = {}
    for path in files:
        label = yaml.safe_load(path.read_text(encoding="utf-8"))
        splits.setdefault(label["split"], []).append(path.stem)
        assert path.stem == label["item"][:10]
        for claim in label["claims"]:
            assert set(claim) <= {"start", "end", "sha", "modality", "speaker", "quantities"}
            assert claim["modality"] in ("factual", "event", "reported-speech", "opinion", "prediction")
            assert claim["end"] > claim["start"]
            for q in claim.get("quantities") or []:
                assert len(q["surface"]) <= 60
            assert len(claim.get("speaker") or "") <= 80
    assert len(splits["dev"]) >= 5 and len(splits["heldout"]) >= 3 and len(splits["heldout2"]) >= 3


@pytest.mark.shared
@pytest.mark.parametrize("split", list(FLOORS))
def test_figures_do_not_fall_below_the_documented_ones(shared_data, split):
    bench = load_bench("extraction_eval")
    rows = [bench.evaluate(a) for a in bench.load(shared_data, split)]
    figures = bench.summary(rows)
    for name, floor in FLOORS[split].items():
        assert figures[name] >= floor, (split, name, figures[name], bench.table(rows))
