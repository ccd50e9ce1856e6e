"""The import structure holds (docs/architecture.md): import-linter's contracts in
pyproject.toml (kb's layers point one way, no cycle between the modules or packages
of one package, the library never imports Flask or the web app), and what a contract
cannot say: no import inside a function without the measured reason, no backend
class outside kb/store."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def _modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


def test_the_import_contracts_are_kept():
    done = subprocess.run([str(LINT), str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout and "Contracts: 3 kept, 0 broken." in done.stdout


def test_a_new_cycle_breaks_the_contract(tmp_path):
    """The check can fail: a copy of kb where the model imports a service is refused."""
    copy = tmp_path / "tree"
    for package in ("kb", "web", "ontologies"):
        shutil.copytree(ROOT / package, copy / package,
                        ignore=shutil.ignore_patterns("__pycache__", "static", "templates"))
    units = copy / "kb" / "model" / "units.py"
    units.write_text(units.read_text(encoding="utf-8") + "\nfrom kb.services import compare  # noqa\n",
                     encoding="utf-8")
    (copy / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    done = subprocess.run([str(LINT), str(copy / "pyproject.toml"), "--no-cache"],
                          cwd=copy, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    assert "kb.model.units -> kb.services.compare" in done.stdout


def test_no_import_inside_a_function_without_its_measured_reason():
    """An import inside a function is allowed only for a start-up cost that was
    measured, and the line says so ("~N ms")."""
    found = []
    for path, tree in [*_modules("kb"), *_modules("web")]:
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        line = lines[inner.lineno - 1]
                        if " ms " not in line and " ms)" not in line:
                            found.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {line.strip()}")
    assert not found, "\n".join(found)


def test_no_backend_class_outside_the_store_package():
    """Code above kb/store sees the abstract Store only: no isinstance on a backend,
    no backend constructed (backends are chosen once, by kb.store.open_store)."""
    found = []
    for package in ("kb", "web"):
        for path, tree in _modules(package):
            if path.is_relative_to(ROOT / "kb" / "store"):
                continue
            for node in ast.walk(tree):
                name = node.id if isinstance(node, ast.Name) else \
                    node.attr if isinstance(node, ast.Attribute) else None
                if name in ("EmbeddedStore", "RemoteStore"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_no_private_name_is_read_across_modules():
    """``from x import _name`` between kb modules: a private name crossing a module."""
    found = []
    for package in ("kb", "web"):
        for path, tree in _modules(package):
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("kb", "web")):
                    found += [f"{path.relative_to(ROOT)}:{node.lineno}: {a.name}"
                              for a in node.names if a.name.startswith("_")]
    assert not found, found


def test_no_module_over_400_lines_without_a_written_reason():
    """A module longer than ~400 lines says why it is one module ("Why one module")."""
    found = []
    for package in ("kb", "web"):
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if text.count("\n") > 400 and "Why one module" not in text:
                found.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
    assert not found, found
