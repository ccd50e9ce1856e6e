# Withdraw a rating: it stays, marked prov:invalidatedAtTime ?when (once only).
INSERT { GRAPH meta:metadata { ?review prov:invalidatedAtTime ?when } }
WHERE {
  VALUES ?review { UNDEF }
  VALUES ?when { UNDEF }
  GRAPH meta:metadata {
    ?review a schema:Review .
    FILTER NOT EXISTS { ?review prov:invalidatedAtTime ?earlier }
  }
}
