"""The ontology documents itself and keeps to its own rules."""

from __future__ import annotations

import pytest
from rdflib import Graph
from rdflib.namespace import OWL, RDF, RDFS

from .conftest import HOME

LGDE = "https://w3id.org/lgde/ontology#"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(HOME / "ontology" / "lgde.ttl")


def _terms(graph: Graph) -> set:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {s for kind in kinds for s in graph.subjects(RDF.type, kind) if str(s).startswith(LGDE)}


def test_every_class_and_property_has_a_label_and_a_comment(ontology: Graph) -> None:
    terms = _terms(ontology)
    assert len(terms) > 60
    missing = sorted(
        str(t)
        for t in terms
        if ontology.value(t, RDFS.label) is None or ontology.value(t, RDFS.comment) is None
    )
    assert missing == []


def test_every_term_the_data_uses_is_defined(build) -> None:
    rows = build.select(
        """SELECT DISTINCT ?term WHERE {
               { ?s ?term ?o } UNION { ?s a ?term }
               FILTER(STRSTARTS(STR(?term), STR(lgde:)))
               FILTER NOT EXISTS { GRAPH <https://w3id.org/lgde/graph/ontology> { ?term a ?kind } }
           }"""
    )
    assert rows == []


def test_no_owl_same_as_anywhere(build) -> None:
    assert not bool(build.query("ASK { ?a owl:sameAs ?b }"))


def test_only_confirmed_wikidata_ids_are_used(build) -> None:
    # The ids checked in public material (see the modelling notes), plus China (Q148).
    confirmed = {
        "Q46862",
        "Q15175",
        "Q47097",
        "Q16967",
        "Q11725",
        "Q956",
        "Q46913",
        "Q11736",
        "Q43407",
        "Q40956",
        "Q185684",
        "Q11746",
        "Q59218",
        "Q15174",
        "Q72778",
        "Q42956",
        "Q11660",
        "Q20514253",
        "Q858810",
        "Q148",
    }
    used = {
        r["q"].rsplit("/", 1)[1] for r in build.select("SELECT ?q WHERE { ?s skos:exactMatch ?q }")
    }
    assert used <= confirmed
    assert "Q47974" not in used  # Shaanxi, not Shanxi
