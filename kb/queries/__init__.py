"""Named SPARQL queries (*.rq) and updates (*.ru); see kb/store/sparql.py."""
