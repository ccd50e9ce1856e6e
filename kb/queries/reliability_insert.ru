# Record one reliability assessment (kb/services/reliability.py): a schema:Review of ?publisher
# by ?author with its schema:Rating (?rating, a fragment of the review's IRI) on the
# claimkb reliability scale (?level, whose schema:ratingValue is ?value). Ratings are
# never overwritten: a later one revises this one (reliability_revise.ru).
INSERT {
  GRAPH meta:metadata {
    ?review a schema:Review ;
            schema:itemReviewed ?publisher ;
            schema:author ?author ;
            schema:reviewRating ?rating ;
            schema:reviewBody ?reason ;
            schema:citation ?evidence ;
            schema:dateCreated ?created .
    ?rating a schema:Rating ;
            schema:ratingValue ?value ;
            schema:worstRating ?worst ;
            schema:bestRating ?best ;
            ckb:reliabilityLevel ?level .
  }
}
WHERE {
  VALUES ?review { UNDEF }
  VALUES ?rating { UNDEF }
  VALUES ?publisher { UNDEF }
  VALUES ?author { UNDEF }
  VALUES ?reason { UNDEF }
  VALUES ?evidence { UNDEF }
  VALUES ?created { UNDEF }
  VALUES ?value { UNDEF }
  VALUES ?worst { UNDEF }
  VALUES ?best { UNDEF }
  VALUES ?level { UNDEF }
}
