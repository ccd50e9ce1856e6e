# Remove what linking ?resource to Wikidata stored (kb/services/entity_links.py):
# its owl:sameAs / owl:equivalentProperty to Wikidata, dct:isPartOf Wikidata items, its
# Wikidata classes (wdt:P31), property type and units, and the Wikidata label and
# description.
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX wikibase: <http://wikiba.se/ontology#>
DELETE { GRAPH meta:metadata { ?resource ?p ?o } }
WHERE {
  VALUES ?resource { UNDEF }
  GRAPH meta:metadata {
    VALUES ?p { owl:sameAs owl:equivalentProperty dct:isPartOf wdt:P31 wdt:P2237
                wikibase:propertyType schema:alternateName schema:description }
    ?resource ?p ?o
    FILTER (?p IN (schema:alternateName, schema:description)
            || STRSTARTS(STR(?o), "http://www.wikidata.org/")
            || STRSTARTS(STR(?o), "http://wikiba.se/"))
  }
}
