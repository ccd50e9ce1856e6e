# Remove claims completely: their content graphs and every metadata node they own
# (the claim, its quote and selectors, its time-about). Shared resources stay.
DELETE { GRAPH ?claim { ?s ?p ?o } }
WHERE {
  VALUES ?claim { UNDEF }
  GRAPH ?claim { ?s ?p ?o }
} ;
DELETE { GRAPH meta:metadata { ?n ?p ?o } }
WHERE {
  VALUES ?claim { UNDEF }
  GRAPH meta:metadata {
    ?claim (ckb:quote|oa:hasSelector|ckb:timeAbout|time:hasBeginning|time:hasEnd)* ?n .
    ?n ?p ?o
  }
}
