# Erase claims completely: their content graphs and every metadata node they own
# (the claim; its quote, anchors and time-about; the schema:ClaimReview that reviews
# it and its schema:Rating) and the comparisons they are part of. Shared resources stay.
DELETE { GRAPH ?claim { ?s ?p ?o } }
WHERE {
  VALUES ?claim { UNDEF }
  GRAPH ?claim { ?s ?p ?o }
} ;
DELETE { GRAPH meta:metadata { ?n ?p ?o } }
WHERE {
  VALUES ?claim { UNDEF }
  GRAPH meta:metadata {
    ?claim (ckb:quote|oa:hasSelector|ckb:timeAbout|time:hasBeginning|time:hasEnd
            |^schema:itemReviewed|schema:reviewRating)* ?n .
    ?n ?p ?o
  }
} ;
DELETE { GRAPH meta:comparisons { ?cmp ?p ?o } }
WHERE {
  VALUES ?claim { UNDEF }
  GRAPH meta:comparisons { ?cmp ckb:compares ?claim ; ?p ?o }
}
