# Undo the dismissal ?dismissal: the suggestion is shown again.
DELETE { GRAPH meta:metadata { ?dismissal ?p ?o } }
WHERE {
  VALUES ?dismissal { UNDEF }
  GRAPH meta:metadata { ?dismissal a ckb:DismissedSuggestion ; ?p ?o }
}
