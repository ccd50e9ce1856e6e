"""The services: each receives its collaborators (store, reader, indexes, clock, user)
as plain objects; kb/knowledgebase.py wires them together."""
