"""The compiled OWL 2 RL rules give exactly what owlrl gives, on our data and on each rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from bench.generate import generate
from kg.build import check_sources
from kg.build.data_store import DataStore
from kg.build.reasoning import infer, infer_with_owlrl
from kg.build.rl_rules import CompiledOntology, Unsupported, closure_of_instances
from kg.layout import Layout

PREFIXES = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix : <https://w3id.org/lgde/id/test/> .
"""
EX = "https://w3id.org/lgde/id/test/"


def _graph(turtle: str) -> Graph:
    return Graph().parse(data=PREFIXES + turtle, format="turtle")


def _same_as_owlrl(ontology: Graph, data: Graph) -> Graph:
    fast = infer(ontology, data)
    reference = infer_with_owlrl(ontology, data)
    assert set(fast) == set(reference)
    return fast


def test_seed_graph_inferences_equal_owlrl(layout: Layout) -> None:
    checked = check_sources(layout)
    inferred = _same_as_owlrl(checked.ontology, checked.data)
    assert len(inferred) > 1000


def test_generated_graph_inferences_equal_owlrl(tmp_path: Path) -> None:
    # Several replicas sharing regions and people: joins across files and groups.
    project = generate(tmp_path / "project", 9_000)
    assert project.replicas > 1
    checked = check_sources(Layout(home=tmp_path / "project", build_root=tmp_path / "var"))
    _same_as_owlrl(checked.ontology, checked.data)


RULE_CASES = {
    "subclass and equivalent class": (
        ":A rdfs:subClassOf :B . :B owl:equivalentClass :C . :C rdfs:subClassOf :D .",
        ":x a :A .",
        [(":x", RDF.type, ":D"), (":x", RDF.type, ":C")],
    ),
    "domain, range and super-property": (
        ":p rdfs:subPropertyOf :q . :q rdfs:domain :A ; rdfs:range :B .",
        ":x :p :y .",
        [(":x", ":q", ":y"), (":x", RDF.type, ":A"), (":y", RDF.type, ":B")],
    ),
    "equivalent property": (
        ":p owl:equivalentProperty :q .",
        ":x :q :y .",
        [(":x", ":p", ":y")],
    ),
    "inverse and symmetric": (
        ":p owl:inverseOf :q . :s a owl:SymmetricProperty .",
        ":x :p :y . :y :s :z .",
        [(":y", ":q", ":x"), (":z", ":s", ":y")],
    ),
    "transitive chain": (
        ":t a owl:TransitiveProperty .",
        ":a :t :b . :b :t :c . :c :t :d .",
        [(":a", ":t", ":d"), (":b", ":t", ":d")],
    ),
    "nested someValuesFrom": (
        """:Official owl:equivalentClass [ a owl:Restriction ; owl:onProperty :holds ;
               owl:someValuesFrom [ a owl:Restriction ; owl:onProperty :role ;
                                    owl:someValuesFrom :OfficialRole ] ] .
           :Mayor rdfs:subClassOf :OfficialRole .
           :Anything owl:equivalentClass [ a owl:Restriction ; owl:onProperty :role ;
                                          owl:someValuesFrom owl:Thing ] .""",
        ":x :holds :post . :post :role :mayor . :mayor a :Mayor .",
        [(":x", RDF.type, ":Official"), (":post", RDF.type, ":Anything")],
    ),
    "functional property merges and copies": (
        ":member a owl:FunctionalProperty . :name rdfs:subPropertyOf rdfs:label .",
        ":m :member :bob, :robert . :bob :name 'Bob' . :carol :knows :robert .",
        [
            (":bob", OWL.sameAs, ":robert"),
            (":robert", OWL.sameAs, ":bob"),
            (":robert", ":name", "'Bob'"),
            (":carol", ":knows", ":bob"),
        ],
    ),
    "inverse functional property and sameAs chains": (
        ":mbox a owl:InverseFunctionalProperty .",
        ":a :mbox :m . :b :mbox :m . :b owl:sameAs :c . :c :p :v .",
        [(":a", OWL.sameAs, ":c"), (":a", ":p", ":v"), (":c", OWL.sameAs, ":a")],
    ),
    "triples derived after an owl:sameAs reach the resource's partners": (
        """:p rdfs:subPropertyOf :q . :q rdfs:subPropertyOf :r . :r rdfs:domain :A .
           :A rdfs:subClassOf :B .""",
        # Mirrored pairs: whichever order the rules meet them in, one of the
        # sameAs links is known before the facts it must copy are derived.
        ":a owl:sameAs :b . :a :p :v . :c :p :w . :c owl:sameAs :d .",
        [(":b", RDF.type, ":B"), (":b", ":r", ":v"), (":d", RDF.type, ":B"), (":d", ":r", ":w")],
    ),
}


def _term(text: object) -> object:
    if isinstance(text, str) and text.startswith(":"):
        return URIRef(EX + text[1:])
    if isinstance(text, str) and text.startswith("'"):
        return _graph(f":s :p {text} .").value(URIRef(EX + "s"), URIRef(EX + "p"))
    return text


def _in_store(graph: Graph) -> DataStore:
    data = DataStore()
    data.add_graph(graph)
    return data


@pytest.mark.parametrize(
    "held", [_graph, lambda text: _in_store(_graph(text))], ids=["graph", "store"]
)
@pytest.mark.parametrize("case", RULE_CASES, ids=list(RULE_CASES))
def test_each_rule_matches_owlrl(case: str, held) -> None:
    # In a store, only the triples some rule reads are reasoned over (owl:sameAs: all).
    ontology_text, data_text, expected = RULE_CASES[case]
    inferred = _same_as_owlrl(_graph(ontology_text), held(data_text))
    for triple in expected:
        assert tuple(_term(t) for t in triple) in inferred


@pytest.mark.parametrize(
    "axiom",
    [
        ":R owl:hasValue :v ; owl:onProperty :p .",
        ":p owl:propertyChainAxiom ( :q :r ) .",
        ":C owl:intersectionOf ( :A :B ) .",
    ],
)
def test_constructs_it_does_not_run_fall_back_to_owlrl(axiom: str) -> None:
    ontology = _graph(axiom + " :A rdfs:subClassOf :B .")
    with pytest.raises(Unsupported):
        CompiledOntology.from_closure(ontology)
    # infer() still answers, through owlrl.
    _same_as_owlrl(ontology, _graph(":x a :A ; :q :y . :y :r :z ."))


def test_data_that_states_schema_falls_back_to_owlrl() -> None:
    ontology = _graph(":A rdfs:subClassOf :B .")
    data = _graph(":x a :A . :B rdfs:subClassOf :C .")
    with pytest.raises(Unsupported):
        closure_of_instances(CompiledOntology.from_closure(ontology), data)
    for held in (data, _in_store(data)):
        inferred = _same_as_owlrl(ontology, held)
        assert (URIRef(EX + "x"), RDF.type, URIRef(EX + "C")) in inferred
