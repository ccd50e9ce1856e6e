"""Errors raised by kb. Every public kb function documents which of these it raises.

kb knows nothing of HTTP: the web app gives each its status in one table
(web/errors.py ``STATUS``); the CLI prints ``error: <message>`` and exits with
``exit_code``.
"""
from __future__ import annotations


class KBError(Exception):
    """Base class of every error kb raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class InputError(KBError):
    """Bad user input: malformed file, unknown unit, bad date, quote not found...

    ``where`` names the file, line or claim the problem is in.
    """

    exit_code = 2


class NotFound(KBError):
    """An IRI or identifier that is not in the knowledge base."""

    exit_code = 3


class StoreLocked(KBError):
    """The embedded store directory is held by another process."""

    exit_code = 4


class StoreError(KBError):
    """The store could not be read or written (I/O error, remote endpoint down)."""

    exit_code = 5


class QueryError(KBError):
    """A SPARQL query or update was rejected (syntax, too deep, not allowed)."""

    exit_code = 2


class QueryNotAllowed(QueryError):
    """A well-formed request this KB refuses on principle: an update where only queries
    are accepted, or a SERVICE (federated) pattern."""


class OverBudget(KBError):
    """A user's query did not finish within its time budget; its work was stopped."""

    exit_code = 5


class AllBusy(KBError):
    """Every query worker is busy with another query: try again shortly."""

    exit_code = 5


class ValidationFailed(KBError):
    """SHACL validation found violations; ``report`` holds the readable report."""

    exit_code = 6

    def __init__(self, message: str, report: str):
        self.report = report
        super().__init__(message)


class PermissionDenied(KBError):
    """The user may not do this to this resource (e.g. edit another user's annotation)."""

    exit_code = 7


class Gone(NotFound):
    """A resource that existed and was deleted (its history is kept)."""


class PreconditionFailed(KBError):
    """A conditional write whose If-Match ETag is stale: nothing was changed."""

    exit_code = 8
