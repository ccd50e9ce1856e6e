"""Web accounts (``<data_dir>/users.sqlite``: users, roles, password hashes, API tokens).

Accounts are primary data, not a derived index: nothing in the store holds them and
they cannot be rebuilt from it, so they are not in the derived indexes' registry
(kb/derived/registry.py) and ``claimkb reindex`` never touches them. Back the file up
with the store.
"""
