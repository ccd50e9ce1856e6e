"""The records the store holds, read back (and the change log written with every
write): claims, articles, annotation graphs, changes. Not the store itself (kb/store).

``kb.records.claims.ClaimReader`` turns a claim's quads back into its record,
``kb.records.articles.Articles`` reads and plans stored articles,
``kb.records.facts`` reads claims in the shape the comparison compares, and
``kb.records.history.History`` keeps the change records. Each takes its store (and the
IRI minter) as plain objects; nothing here imports a service, a derived index or the
facade.
"""
