"""Docs that must stay true: the settings table, the README commands, CI."""
import re
from dataclasses import fields
from pathlib import Path

from kb.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def table_rows(text: str) -> dict[str, list[str]]:
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"[a-z_]+", cells[0]) and cells[0] != "setting":
            rows[cells[0]] = cells
    return rows


def test_settings_table_matches_the_code():
    names = {f.name: f for f in fields(Settings)}
    for source in (ROOT / "docs" / "settings.md", ROOT / "kb" / "config.py"):
        rows = table_rows(source.read_text(encoding="utf-8"))
        assert set(rows) == set(names), source
        for name, (_, env, default, _meaning) in rows.items():
            assert env == f"CLAIMKB_{name.upper()}"
            value = names[name].default
            if value is not None and not isinstance(value, Path):
                assert default == str(value).removesuffix(".0"), (source, name)


def test_readme_test_command_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash)?\n(.*?)```", readme, re.S)
    commands = [line.strip() for block in blocks for line in block.splitlines()]
    assert "make run" in commands and "make test" in commands
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_every_cli_command_is_documented_in_the_readme():
    from kb.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in main.commands:
        assert f"claimkb {name}" in readme, name
