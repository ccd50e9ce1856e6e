# ?review supersedes ?previous, the same assessor's earlier rating of the publisher.
INSERT { GRAPH meta:metadata { ?review prov:wasRevisionOf ?previous } }
WHERE {
  VALUES ?review { UNDEF }
  VALUES ?previous { UNDEF }
}
