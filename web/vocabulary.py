"""Words the web UI offers, shared by what reads requests (web/forms/) and what shapes
pages (web/presenters/), which do not import each other: the SPARQL prefixes queries
and results are written with, and the annotation motivations the forms offer."""
from __future__ import annotations

from kb.model.vocab import PREFIXES

GRAPH_PREFIX = ("meta", "https://w3id.org/claimkb/graph/")
# the prefixes of /sparql: the query page's prologue, Turtle and RDF/XML results
ALL_PREFIXES = {**PREFIXES, GRAPH_PREFIX[0]: GRAPH_PREFIX[1]}

# the motivations the annotation form offers (W3C Web Annotation vocabulary), with their labels
MOTIVATIONS = (("commenting", "comment"), ("questioning", "question"),
               ("assessing", "assessment"), ("editing", "correction"),
               ("highlighting", "highlight"), ("tagging", "tags only"),
               ("bookmarking", "bookmark"))
