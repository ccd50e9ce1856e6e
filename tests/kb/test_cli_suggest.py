"""`claimkb suggest`: suggestions for an article in the KB or a file, as text, JSON and
a claims file draft that imports cleanly untouched (docs/extraction.md)."""
from __future__ import annotations

import json

import yaml

from tests.conftest import SEED_ARTICLE
from tests.contract.test_store_contract import CLAIMS


def _loaded(cli, tmp_path) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS.format(seed=SEED_ARTICLE), encoding="utf-8")
    assert cli("import", path).exit_code == 0


def _seed_id(cli) -> str:
    for row in json.loads(cli("list", "--format", "json").output):
        if row["id"] == "border-length":
            return row["article"].rsplit("/", 1)[-1]
    raise AssertionError("no seed article")


def _count(cli) -> int:
    return len(json.loads(cli("list", "--format", "json", "--limit", "1000").output))


def test_suggest_prints_each_suggestion_with_its_reading(cli, tmp_path):
    _loaded(cli, tmp_path)
    ref = _seed_id(cli)
    result = cli("suggest", ref)
    assert result.exit_code == 0, result.output
    assert "suggested claims in" in result.output
    assert "figure: over 70% → 70 P1 (more than)" in result.output
    assert "why:" in result.output and "subject:" in result.output


def test_suggest_json_lists_quotes_at_their_offsets(cli, tmp_path):
    _loaded(cli, tmp_path)
    data = json.loads(cli("suggest", _seed_id(cli), "--json").output)
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    assert data["sentences"] > len(data["suggestions"]) > 10
    for s in data["suggestions"]:
        assert s["quote"] in text
        quote, position = s["selector"]
        assert text[position["start"]:position["end"]] == s["quote"] == quote["exact"]
        assert text[:position["start"]].endswith(quote["prefix"])
        assert s["modality"] in ("factual", "event", "reported-speech", "opinion", "prediction")
    figures = {q["surface"]: q for s in data["suggestions"] for q in s["quantities"]}
    assert figures["over 70%"]["qualifier"] == "more than"
    assert any(n["iri"] for s in data["suggestions"] for n in s["subjects"])   # the KB's names


def test_an_untouched_draft_imports_cleanly_and_adds_every_suggestion(cli, tmp_path):
    _loaded(cli, tmp_path)
    ref = _seed_id(cli)
    draft = tmp_path / "draft.yaml"
    result = cli("suggest", ref, "--yaml", draft)
    assert result.exit_code == 0 and "suggested claims written" in result.output
    entries = yaml.safe_load(draft.read_text(encoding="utf-8"))["claims"]
    assert any("value" in e for e in entries) and any("about" in e for e in entries)
    before = _count(cli)
    imported = cli("import", draft)
    assert imported.exit_code == 0, imported.output
    assert f"{len(entries)} claims" in imported.output
    after = _count(cli)
    assert after == before + len(entries)
    again = cli("import", draft)            # the same draft again changes nothing
    assert again.exit_code == 0
    assert _count(cli) == after


def test_a_file_draft_declares_the_article_and_imports(cli, tmp_path):
    text = tmp_path / "report.txt"
    text.write_text("Troops flee\n\nMore than 1,000 Afghan soldiers fled into Tajikistan on "
                    "Monday, the Tajik border service said. The Taliban will take Kunduz, "
                    "analysts predicted.\n", encoding="utf-8")
    draft = tmp_path / "drafts" / "report.yaml"
    draft.parent.mkdir()
    result = cli("suggest", text, "--published", "2021-07-08", "--yaml", draft)
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(draft.read_text(encoding="utf-8"))
    (key, declared), = doc["articles"].items()
    assert key.startswith("report-") and declared["file"] == "../report.txt"
    assert doc["claims"][0]["article"] == key
    first = doc["claims"][0]
    assert first["modality"] == "reported-speech" and first["speaker"] == "the Tajik border service"
    assert first["about"] == "2021-07-05" and first["value"] == "More than 1,000"
    imported = cli("import", draft)
    assert imported.exit_code == 0, imported.output
    assert "2 claims, 1 sources" in imported.output


def test_errors_are_one_line_and_exit_nonzero(cli, tmp_path):
    _loaded(cli, tmp_path)
    missing = cli("suggest", "no-such-article")
    assert missing.exit_code != 0 and "error:" in missing.output
    no_text = cli("suggest", "ap")
    assert no_text.exit_code != 0 and "no stored text" in no_text.output


def _write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_drafts_of_two_files_make_two_articles(cli, tmp_path):
    one = _write(tmp_path, "a.txt", "A\n\nMore than 1,000 soldiers fled on Monday, officials said.\n")
    two = _write(tmp_path, "b.txt", "B\n\nSales fell 10 percent in October, Ford said.\n")
    for path in (one, two):
        assert cli("suggest", path, "--published", "2021-07-08", "--yaml", path.with_suffix(".yaml")).exit_code == 0
        assert cli("import", path.with_suffix(".yaml")).exit_code == 0
    rows = json.loads(cli("list", "--format", "json").output)
    assert len({r["article"] for r in rows}) == 2


def test_repeated_sentences_odd_characters_and_no_suggestions_still_give_a_clean_draft(cli, tmp_path):
    same = "The ministry said 300 soldiers crossed the border on Monday."
    filler = "x " * 40
    text = (f"Report\n\n{same} {filler}\n{same} {filler}\n{same}\n"
            "Prices rose 5 percent in May, the agency said\u0092s officials.\n")
    path = _write(tmp_path, "odd.txt", text)
    draft = tmp_path / "odd.yaml"
    assert cli("suggest", path, "--published", "2021-07-08", "--yaml", draft).exit_code == 0
    entries = yaml.safe_load(draft.read_text(encoding="utf-8"))["claims"]
    repeated = [e for e in entries if e["quote"] == same]
    assert len(repeated) == 3 and len({e["id"] for e in repeated}) == 3
    imported = cli("import", draft)
    assert imported.exit_code == 0, imported.output
    assert f"{len(entries)} claims" in imported.output
    block = "\n".join(f"The ministry said {n} soldiers crossed the border on Monday." for n in range(8))
    path = _write(tmp_path, "blocks.txt", "Blocks\n\n" + "\n".join([block] * 3) + "\n")
    result = cli("suggest", path, "--published", "2021-07-08", "--yaml", tmp_path / "blocks.yaml")
    assert "left as comments" in result.output
    imported = cli("import", tmp_path / "blocks.yaml")
    assert imported.exit_code == 0, imported.output
    empty = _write(tmp_path, "empty.txt", "Title only\n\n1 | 2 | 3\n")
    result = cli("suggest", empty, "--yaml", tmp_path / "empty.yaml")
    assert result.exit_code == 0 and "nothing written" in result.output
    assert not (tmp_path / "empty.yaml").exists()


def test_a_headline_too_long_for_a_file_name_is_looked_up_as_an_article(cli, tmp_path):
    _loaded(cli, tmp_path)
    result = cli("suggest", "é" * 200)
    assert result.exit_code != 0 and result.output.startswith("error:")
    mixed = cli("suggest", _seed_id(cli), "--published", "2021-07-01")
    assert mixed.exit_code != 0 and "describe a file" in mixed.output
