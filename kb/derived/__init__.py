"""Derived indexes: data computed from the store and kept beside it, rebuildable at any
time (base.py: the contract; registry.py: the registry and the write path's order)."""
