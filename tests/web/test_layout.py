"""The web package's layout (web/__init__.py): views import no private name of another
web module, and no module is over ~400 lines without a written reason."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
MODULES = sorted(WEB.rglob("*.py"))
VIEWS = sorted((WEB / "views").glob("*.py"))
MAX_LINES = 400
LONG_REASON = "Why one module"     # the module docstring says why it may be longer (as in kb)


def _module_name(path: Path) -> tuple[str, bool]:
    """("web.views.claims", is a package) of a file under web/."""
    parts = list(path.relative_to(WEB.parent).with_suffix("").parts)
    package = parts[-1] == "__init__"
    if package:
        parts.pop()
    return ".".join(parts), package


def _absolute(node: ast.ImportFrom, module: str, package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not package:
        base.pop()
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_web(name: str) -> bool:
    return name == "web" or name.startswith("web.")


def private_imports(source: str, module: str, package: bool = False) -> list[str]:
    """The private (``_``) names ``source`` takes from another web module: imported by
    name, or read as an attribute of an imported web module."""
    found = []
    modules: set[str] = set()     # local names bound to web modules
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, package)
            if not _is_web(target) or target == module:
                continue
            if any(part.startswith("_") for part in target.split(".")):
                found.append(target)                         # a private module
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{target}.{alias.name}")
                modules.add(alias.asname or alias.name)   # may be a submodule: checked below
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _is_web(alias.name):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in modules:
                found.append(f"{ast.unparse(node)}")
    return found


def test_the_check_finds_private_imports():
    module = "web.views.annotate"
    assert private_imports("from ..auth import _safe_next, current_user", module) == \
        ["web.auth._safe_next"]
    assert private_imports("from web.views.edit import _verified_anchor", module) == \
        ["web.views.edit._verified_anchor"]
    assert private_imports("from .. import auth\nauth._safe_next('/')", module) == \
        ["auth._safe_next"]
    assert private_imports("import web.views.claims\nweb.views.claims._row({})", module) == \
        ["web.views.claims._row"]
    assert private_imports("from . import _own\nfrom ._x import y", module) == \
        ["web.views._own", "web.views._x"]
    assert private_imports("from .reliability import claim_ratings", module) == []
    assert private_imports("from kb.model import _private\nfrom ..auth import here", module) == []


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: p.name)
def test_views_import_no_private_name_of_another_web_module(path):
    module, package = _module_name(path)
    assert not private_imports(path.read_text(encoding="utf-8"), module, package)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(WEB)))
def test_no_web_module_imports_a_private_name_of_another(path):
    module, package = _module_name(path)
    assert not private_imports(path.read_text(encoding="utf-8"), module, package)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(WEB)))
def test_no_module_is_over_400_lines_without_a_reason(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_LINES or LONG_REASON in text, \
        f"{path.relative_to(WEB)}: split it, or say why not in a '{LONG_REASON}' comment"


def _web_imports(path: Path) -> set[str]:
    module, package = _module_name(path)
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, package)
            found |= {target} | {f"{target}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {name for name in found if _is_web(name)}


@pytest.mark.parametrize("layer,others", [("presenters", ("web.views", "web.forms")),
                                          ("forms", ("web.views", "web.presenters"))])
def test_presenters_and_forms_use_neither_each_other_nor_the_views(layer, others):
    for path in sorted((WEB / layer).glob("*.py")):
        wrong = sorted(name for name in _web_imports(path)
                       if any(name == o or name.startswith(o + ".") for o in others))
        assert not wrong, f"{path.relative_to(WEB)}: {wrong}"


def test_blueprints_live_in_views():
    """web/ itself holds the app's plumbing; every blueprint is a module of web/views."""
    from web.views import BLUEPRINTS

    assert sorted(BLUEPRINTS) == sorted(p.stem for p in VIEWS if p.stem != "__init__")
    for path in MODULES:
        if path.parent == WEB:
            assert "Blueprint(" not in path.read_text(encoding="utf-8"), path.name
