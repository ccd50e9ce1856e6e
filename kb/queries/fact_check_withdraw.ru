# Withdraw the verdict ?review (kb/services/fact_checks.py): it stays, marked withdrawn.
INSERT { GRAPH meta:metadata { ?review prov:invalidatedAtTime ?when } }
WHERE {
  VALUES ?review { UNDEF }
  VALUES ?when { UNDEF }
}
