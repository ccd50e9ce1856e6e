"""Named SPARQL queries (*.rq) and updates (*.ru); see kb/sparql.py."""
