# The nodes a claim owns, spelled out (the claim model has no deeper ones): a
# ( … )* path closure from the claim was read wrongly by Virtuoso 7.2 (from a one-row
# VALUES as if unbound, and now and then short of the claim itself).
# Erase claims completely: their content graphs and every metadata node they own
# (the claim; its quote, anchors and time-about; the schema:ClaimReview imported with
# it, <claim>#review, and its schema:Rating: not the verdicts recorded on it, which
# kb/services/fact_checks.py keeps) and the comparisons they are part of. Shared resources stay.
DELETE { GRAPH ?claim { ?s ?p ?o } }
WHERE {
  VALUES ?claim { UNDEF }
  GRAPH ?claim { ?s ?p ?o }
} ;
DELETE { GRAPH meta:metadata { ?n ?p ?o } }
WHERE {
  VALUES ?claim { UNDEF }
  GRAPH meta:metadata {
    { ?claim a schema:Claim BIND (?claim AS ?n) }
    UNION { ?claim ckb:quote ?n }
    UNION { ?claim ckb:quote/oa:hasSelector ?n }
    UNION { ?claim ckb:timeAbout ?n }
    UNION { ?claim ckb:timeAbout/(time:hasBeginning|time:hasEnd) ?n }
    UNION { ?n schema:itemReviewed ?claim FILTER (STRSTARTS(STR(?n), CONCAT(STR(?claim), "#"))) }
    UNION { ?own schema:itemReviewed ?claim ; schema:reviewRating ?n
                   FILTER (STRSTARTS(STR(?own), CONCAT(STR(?claim), "#"))) }
    ?n ?p ?o
  }
} ;
DELETE { GRAPH meta:comparisons { ?cmp ?p ?o } }
WHERE {
  VALUES ?claim { UNDEF }
  GRAPH meta:comparisons { ?cmp ckb:compares ?claim ; ?p ?o }
}
