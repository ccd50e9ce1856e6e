"""kb errors → HTTP statuses: one table (web/errors.py ``STATUS``) and every kb error in
it, so that a new error cannot fall through to 500 unnoticed."""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import kb
import kb.errors
from kb.errors import KBError
from web.errors import STATUS, status_for

# the statuses the app has always answered (tests of the views assert them too)
EXPECTED = {
    "InputError": 400, "NotFound": 404, "Gone": 410, "QueryError": 400,
    "QueryNotAllowed": 403, "PermissionDenied": 403, "PreconditionFailed": 412,
    "ValidationFailed": 422, "LoginThrottled": 429, "StoreLocked": 503, "OverBudget": 503,
    "AllBusy": 503, "StoreError": 502, "KBError": 500,
}


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def _instance(cls: type[KBError]) -> KBError:
    """An instance, whatever its constructor wants (only its class matters here)."""
    return cls.__new__(cls)


def _listed() -> set[type]:
    return {cls for cls, _ in STATUS}


def test_every_error_of_kb_errors_is_in_the_table():
    defined = {obj for obj in vars(kb.errors).values()
               if isinstance(obj, type) and issubclass(obj, KBError)}
    missing = sorted(cls.__name__ for cls in defined - _listed())
    assert not missing, f"kb.errors classes without an HTTP status in web/errors.py: {missing}"


def test_every_kb_error_anywhere_in_kb_is_in_the_table():
    """Error classes defined in other kb modules (kb.accounts.users.LoginThrottled…) too."""
    for module in pkgutil.walk_packages(kb.__path__, "kb."):
        if module.name.rsplit(".", 1)[-1] != "__main__":
            importlib.import_module(module.name)
    defined = {cls for cls in _subclasses(KBError) | {KBError} if cls.__module__.startswith("kb.")}
    missing = sorted(f"{cls.__module__}.{cls.__name__}" for cls in defined - _listed())
    assert not missing, f"kb errors without an HTTP status in web/errors.py: {missing}"


@pytest.mark.parametrize("cls,status", STATUS, ids=[cls.__name__ for cls, _ in STATUS])
def test_each_error_gets_its_status(cls, status):
    assert EXPECTED[cls.__name__] == status
    assert status_for(_instance(cls)) == status


def test_a_subclass_comes_before_its_base():
    """The first class an error is an instance of decides: a subclass listed after its
    base would never be reached."""
    classes = [cls for cls, _ in STATUS]
    for i, cls in enumerate(classes):
        shadowed_by = [base.__name__ for base in classes[:i] if issubclass(cls, base)]
        assert not shadowed_by, f"{cls.__name__} comes after {shadowed_by}"
    assert classes[-1] is KBError


def test_an_unlisted_kb_error_is_a_500():
    class Unlisted(KBError):
        pass

    assert status_for(Unlisted("x")) == 500


def test_kb_errors_know_no_http():
    assert not any(hasattr(cls, "http_status") for cls in vars(kb.errors).values()
                   if isinstance(cls, type) and issubclass(cls, KBError))


@pytest.fixture
def raising_app(app):
    """The app with a route that raises the kb error it is named after."""
    classes = {cls.__name__: cls for cls, _ in STATUS}

    def fail(name):
        exc = _instance(classes[name])
        Exception.__init__(exc, f"a {name}")
        raise exc

    app.add_url_rule("/test-raise/<name>", "test_raise", fail)
    return app


@pytest.mark.parametrize("cls,status", STATUS, ids=[cls.__name__ for cls, _ in STATUS])
def test_views_answer_the_status_in_the_one_shape(raising_app, cls, status):
    client = raising_app.test_client()
    r = client.get(f"/test-raise/{cls.__name__}", headers={"Accept": "application/json"})
    assert r.status_code == status
    assert r.json == {"ok": False, "status": status, "title": r.json["title"],
                      "error": f"a {cls.__name__}"}
    page = client.get(f"/test-raise/{cls.__name__}", headers={"Accept": "text/html"})
    assert page.status_code == status and page.content_type.startswith("text/html")
