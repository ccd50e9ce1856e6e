"""A non-editable install works: build a wheel of the checkout, install it in a fresh venv
and serve pages from it.

The editable install (`pip install -e .`) reads templates, static files, queries, the demo
and the ontologies straight from the checkout, so the rest of the suite cannot see a file
that the wheel leaves out (a wheel without web/templates served a 500 on every page).
Here nothing may come from the checkout: the wheel is built from a copy of it, installed
into a new venv that sees only the running interpreter's site-packages (the dependencies;
the editable claimkb there is not activated, see _fresh_venv), and driven from a temporary
working directory.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Files of the checkout the wheel must carry (besides the modules). The generated ones
# (`make assets`, gitignored) are checked before building: see _require_assets.
GENERATED = ("kb/model/contexts/anno.jsonld", "web/static/vendor/htmx.min.js",
             "web/static/vendor/yasgui.min.js", "web/static/vendor/yasgui.min.css")
REQUIRED_IN_WHEEL = (
    "web/templates/base.html",
    "web/templates/home.html",
    "web/templates/claims/show.html",       # templates in subfolders ("templates/**/*.html")
    "web/static/style.css",
    "web/static/sparql/sparql.js",          # static files in subfolders
    "kb/queries/claim_view.rq",
    "kb/queries/_prefixes.rq",
    "kb/queries/gallery/claims-by-publisher.rq",
    "kb/demo/globinsider-2021-07-escalation-in-afghanistan.txt",
    "ontologies/shapes.ttl",
    "ontologies/claimkb.ttl",
    *GENERATED,
)
PACKAGE_ROOTS = ("kb", "web", "ontologies")

# Not copied to the build tree: big, generated, or another process's (concurrent pytest
# workers write __pycache__; a previous build's build/ and *.egg-info would leak into this one).
_SKIP_AT_ROOT = {".git", ".venv", "venv", "node_modules", "instance", "test-artifacts",
                 "build", "dist", ".pytest_cache"}
_SKIP_ANYWHERE = ("__pycache__", "*.egg-info", ".pytest_cache")


def _copy_ignore(directory: str, names: list[str]) -> set[str]:
    ignored = set(shutil.ignore_patterns(*_SKIP_ANYWHERE)(directory, names))
    if Path(directory) == ROOT:
        ignored |= _SKIP_AT_ROOT & set(names)
    return ignored


def _require_assets() -> None:
    missing = [name for name in GENERATED if not (ROOT / name).is_file()]
    if missing:
        pytest.skip(f"{', '.join(missing)} missing: run `make assets` (the wheel ships "
                    "these generated files)")


def _run(args: list, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                            timeout=kwargs.pop("timeout", 300), **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} exited {result.returncode}\n"
                    f"--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-4000:]}",
                    pytrace=False)
    return result


def _build_requirements_met(pyproject: Path) -> bool:
    """Whether the running interpreter has what [build-system] requires (then the wheel
    is built without build isolation: no registry needed). A venv made by `make test` on
    Python 3.11 has the setuptools that ensurepip bundles (65.x), older than the
    setuptools>=77 the PEP 639 `license = "MIT"` needs; then pip builds in an isolated
    environment and fetches setuptools from the package index, as `pip install -e .` does."""
    from packaging.requirements import Requirement

    for spec in tomllib.loads(pyproject.read_text(encoding="utf-8"))["build-system"]["requires"]:
        requirement = Requirement(spec)
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            return False
        if not requirement.specifier.contains(version, prereleases=True):
            return False
    return True


def _build_wheel(tmp_path: Path) -> tuple[Path, Path]:
    """A wheel of a copy of the checkout (building in the checkout would write build/ and
    claimkb.egg-info there, under concurrently running tests). Returns (wheel, copy)."""
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=_copy_ignore)
    out = tmp_path / "wheel"
    args = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, source]
    if _build_requirements_met(source / "pyproject.toml"):
        args.insert(4, "--no-build-isolation")
    _run(args, cwd=tmp_path)
    wheels = list(out.glob("claimkb-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0], source


def _dependency_dirs() -> list[str]:
    """The running interpreter's site-packages, where the dependencies are installed."""
    dirs = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    return [d for d in dict.fromkeys(dirs) if Path(d).is_dir()]


def _fresh_venv(tmp_path: Path, wheel: Path) -> tuple[Path, Path]:
    """A new venv with the wheel installed and the dependencies importable; returns
    (its python, its site-packages).

    The dependencies come from a .pth file naming the running interpreter's site-packages.
    A directory named in a .pth is only appended to sys.path: the .pth files inside it are
    not processed, so the editable claimkb's finder (__editable__.claimkb-*.pth) is never
    installed and `import kb` can only find the wheel's copy (the script checks it).
    """
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(_run([python, "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                        timeout=60).stdout.strip())
    # A real install (RECORD, the `claimkb` console script) by the running pip on the new
    # venv's interpreter; before the .pth exists, so pip sees no other claimkb there.
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
          "--no-index", "--no-compile", wheel], timeout=120)
    (purelib / "_claimkb_test_dependencies.pth").write_text(
        "".join(f"{d}\n" for d in _dependency_dirs()), encoding="utf-8")
    return python, purelib


# Runs in the fresh venv, in a temporary directory; prints one JSON report.
SCRIPT = r'''
import hashlib, json, re, sys
from pathlib import Path

import flask
import kb, kb.demo, kb.queries, ontologies, web
from kb import KnowledgeBase, load_settings
from kb.model import annotation_jsonld
from web import create_app

report = {
    "modules": {m.__name__: m.__file__ for m in
                (kb, kb.demo, kb.queries, annotation_jsonld, ontologies, web)},
    "flask": flask.__file__,
    "sys_path": sys.path,
    "meta_path": [repr(finder) for finder in sys.meta_path],
    "context_terms": len(annotation_jsonld.context_document()["@context"]),
    "pages": {},
}


def get(client, path):   # as a browser asks
    response = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    body = response.get_data()
    title = re.search(rb"<title>(.*?)</title>", body, re.S)
    report["pages"][path] = {
        "status": response.status_code,
        "content_type": response.content_type,
        "title": title.group(1).decode().strip() if title else None,
        "sha256": hashlib.sha256(body).hexdigest(),
        "head": body[:300].decode(errors="replace"),
    }
    return response


settings = load_settings(env={}, data_dir=Path(sys.argv[1]))
with KnowledgeBase.open(settings) as knowledge_base:
    client = create_app(kb=knowledge_base, config={"TESTING": True}).test_client()
    claims = get(client, "/claims.json?limit=1").get_json()["claims"]
    report["claim"] = claims[0]["id"] if claims else None
    for path in ("/", f"/claims/{report['claim']}", "/claims", "/sparql",
                 "/static/style.css", "/static/vendor/htmx.min.js",
                 "/annotations/context.jsonld"):
        get(client, path)
print(json.dumps(report))
'''


@pytest.mark.slow
def test_wheel_installs_and_serves_pages(tmp_path):
    _require_assets()
    wheel, source = _build_wheel(tmp_path)

    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in REQUIRED_IN_WHEEL if name not in names]
    assert not missing, f"the wheel lacks {missing}: see [tool.setuptools.package-data]"
    assert any(n.startswith("kb/demo/") and n.endswith(".yaml") for n in names), \
        "the wheel lacks the demo claims files kb/demo/*.yaml"
    # every file of the packages' folders (but caches and dot files such as the
    # vendor/.stamp of `make assets`) is in the wheel
    left_out = sorted(
        path.relative_to(source).as_posix()
        for root in PACKAGE_ROOTS for path in (source / root).rglob("*")
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                      for part in path.relative_to(source).parts))
    left_out = [name for name in left_out if name not in names]
    assert not left_out, (f"the wheel leaves out {left_out}: add them to "
                          "[tool.setuptools.package-data] (or packages.find)")

    python, purelib = _fresh_venv(tmp_path, wheel)
    work = tmp_path / "work"     # nothing resolves from the checkout or the build tree
    work.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "CLAIMKB_"))}
    data_dir = work / "kb"

    # the console script the wheel installs (web.cli:main) builds the demo KB
    built = _run([python.parent / "claimkb", "--data-dir", data_dir, "demo"],
                 cwd=work, env=env, timeout=120)
    assert "demo KB built:" in built.stdout

    script = work / "serve_pages.py"
    script.write_text(SCRIPT, encoding="utf-8")
    report = json.loads(_run([python, "-I", script, data_dir], cwd=work, env=env,
                             timeout=120).stdout)

    for name, file in report["modules"].items():
        assert Path(file).is_relative_to(purelib), f"{name} imported from {file}, not the wheel"
    assert Path(report["flask"]).parent.parent.as_posix() in _dependency_dirs()
    assert str(ROOT) not in report["sys_path"] and str(source) not in report["sys_path"]
    assert not [f for f in report["meta_path"] if "editable" in f.lower()], report["meta_path"]
    assert report["context_terms"] > 50   # anno.jsonld, loaded from the wheel

    pages = report["pages"]
    assert {path: page["status"] for path, page in pages.items()} == dict.fromkeys(pages, 200), \
        {path: page["head"] for path, page in pages.items() if page["status"] != 200}
    claim = report["claim"]
    assert claim, "the demo KB has no claims"
    assert pages["/"]["title"] == "Home · claimkb"
    assert pages[f"/claims/{claim}"]["title"] == f"Claim {claim} · claimkb"
    assert pages["/static/style.css"]["content_type"].startswith("text/css")
    for path, file in (("/static/style.css", "web/static/style.css"),
                       ("/static/vendor/htmx.min.js", "web/static/vendor/htmx.min.js")):
        assert pages[path]["sha256"] == hashlib.sha256((source / file).read_bytes()).hexdigest()
    assert pages["/annotations/context.jsonld"]["content_type"].startswith("application/ld+json")
