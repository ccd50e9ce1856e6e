# Remove annotation graphs (kb/services/annotations.py): every quad of the named graph ?a.
DELETE { GRAPH ?a { ?s ?p ?o } }
WHERE {
  VALUES ?a { UNDEF }
  GRAPH ?a { ?s ?p ?o }
}
