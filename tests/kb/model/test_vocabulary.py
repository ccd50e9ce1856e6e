"""The closed namespace, the ontology and the shapes agree with each other."""
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kb.model.vocab import CKB
from ontologies import SHAPES, VOCABULARY


def ontology() -> Graph:
    return Graph().parse(data=VOCABULARY.read_text(encoding="utf-8"), format="turtle")


def test_every_closed_term_is_defined_with_label_and_comment():
    g = ontology()
    ns = str(CKB._NS)
    defined = {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(ns)}
    declared = {CKB[name] for name in CKB.__annotations__}
    assert defined == declared
    for term in declared:
        assert g.value(term, RDFS.label) is not None, term
        assert g.value(term, RDFS.comment) is not None, term


def test_minted_properties_are_typed():
    g = ontology()
    for name in CKB.__annotations__:
        term = CKB[name]
        if name[0].islower():
            assert (term, RDF.type, OWL.ObjectProperty) in g or \
                   (term, RDF.type, OWL.DatatypeProperty) in g, term


def test_shapes_parse_and_target_the_model():
    g = Graph().parse(data=SHAPES.read_text(encoding="utf-8"), format="turtle")
    targets = {str(o).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
               for o in g.objects(None, URIRef("http://www.w3.org/ns/shacl#targetClass"))}
    assert {"Claim", "NewsArticle", "Organization", "QuantitativeValue",
            "SpecificResource", "ArticleText"} <= targets


def test_ttl_files_ship_in_the_package():
    assert VOCABULARY.is_file() and SHAPES.is_file()
