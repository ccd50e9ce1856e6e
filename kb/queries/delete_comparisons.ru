# Remove the materialised comparisons that involve any of the given claims.
DELETE { GRAPH meta:comparisons { ?cmp ?p ?o } }
WHERE {
  VALUES ?claim { UNDEF }
  GRAPH meta:comparisons { ?cmp ckb:compares ?claim ; ?p ?o }
}
