# Dismiss suggestion ?sid of ?article (?dismissal: its IRI, derived from both; dismissing
# again only renews who and when).
DELETE { GRAPH meta:metadata { ?dismissal ?p ?o } }
INSERT {
  GRAPH meta:metadata {
    ?dismissal a ckb:DismissedSuggestion ;
               oa:hasTarget ?article ;
               ckb:suggestionId ?sid ;
               prov:wasAttributedTo ?user ;
               dct:created ?when .
  }
}
WHERE {
  VALUES ?dismissal { UNDEF }
  VALUES ?article { UNDEF }
  VALUES ?sid { UNDEF }
  VALUES ?user { UNDEF }
  VALUES ?when { UNDEF }
  OPTIONAL { GRAPH meta:metadata { ?dismissal ?p ?o } }
}
