"""What the store holds, read back (and the change log written with every write).

``kb.stored.claims.ClaimReader`` turns a claim's quads back into its record,
``kb.stored.articles.Articles`` reads and plans stored articles,
``kb.stored.facts`` reads claims in the shape the comparison compares, and
``kb.stored.history.History`` keeps the change records. Each takes its store (and the
IRI minter) as plain objects; nothing here imports a service, a derived index or the
facade.
"""
