# Remove an article's own metadata triples (not its text versions) before new
# metadata is written in the same update.
DELETE { GRAPH meta:metadata { ?article ?p ?o } }
WHERE {
  VALUES ?article { UNDEF }
  GRAPH meta:metadata { ?article ?p ?o }
}
