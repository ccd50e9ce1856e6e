"""The docs' examples run: every ``>>>`` example in docs/*.md, README.md and the
library's docstrings is a doctest (a changed API or output fails here)."""
from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import kb

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted(p for p in [*ROOT.glob("docs/*.md"), ROOT / "README.md"]
              if ">>>" in p.read_text(encoding="utf-8"))
MODULES = sorted(m.name for m in pkgutil.walk_packages(kb.__path__, "kb.")
                 if not m.name.endswith(("__main__", "query_worker")))
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_some_docs_have_examples():
    assert any(p.name == "architecture.md" for p in DOCS)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_doc_examples(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    failed, attempted = doctest.testfile(str(path), module_relative=False, optionflags=FLAGS,
                                         verbose=False, report=True)
    assert attempted > 0 and failed == 0, f"{failed} of {attempted} examples in {path.name} failed"


def test_docstring_examples():
    ran = 0
    for name in MODULES:
        module = importlib.import_module(name)
        failed, attempted = doctest.testmod(module, optionflags=FLAGS, report=True)
        assert failed == 0, name
        ran += attempted
    assert ran > 0
