"""Storage: one abstract repository, two small backends, chosen once at start-up."""
from __future__ import annotations

from kb.config import Settings
from kb.store.base import QueryResult, Store
from kb.store.embedded import EmbeddedStore
from kb.store.remote import RemoteStore


def open_store(settings: Settings) -> Store:
    """Open the store ``settings.backend`` names.

    Raises StoreLocked (embedded directory held by another process) or StoreError.
    """
    if settings.backend == "remote":
        return RemoteStore(settings.query_endpoint, settings.update_endpoint,
                           timeout=settings.http_timeout, user=settings.endpoint_user,
                           password=settings.endpoint_password, auth=settings.endpoint_auth,
                           dialect=settings.endpoint_dialect, base_iri=settings.base_iri,
                           bulk_timeout=settings.endpoint_bulk_timeout)
    return EmbeddedStore(settings.store_dir)


__all__ = ["open_store", "Store", "QueryResult", "EmbeddedStore", "RemoteStore"]
