"""OWL 2 RL reasoning adds what users ask for and nothing that hides errors."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from kg.build.reasoning import consistency_problems, infer
from kg.store import Build

from .conftest import HOME


def _names(rows, key):
    return sorted(r[key].rsplit("/", 1)[1] for r in rows)


def test_region_containment_is_transitive(build: Build) -> None:
    rows = build.select("SELECT ?r WHERE { ?r lgde:withinRegion region:guizhou }")
    assert _names(rows, "r") == ["guian-new-area", "guiyang"]
    rows = build.select("SELECT ?r WHERE { ?r lgde:withinRegion region:shanxi }")
    assert _names(rows, "r") == ["datong", "taiyuan", "tuzing-village", "yunzhou-district"]


def test_person_categories_follow_from_roles(build: Build) -> None:
    rows = build.select("SELECT ?p WHERE { ?p a lgde:Journalist }")
    assert _names(rows, "p") == [
        "cao-yang",
        "cao-ying",
        "liang-xu",
        "liu-weizhen",
        "wu-yao",
        "xie-yuan",
        "xu-qin",
        "zheng-xin",
    ]
    assert _names(build.select("SELECT ?p WHERE { ?p a lgde:Deputy }"), "p") == ["tong-zhilei"]


def test_subclasses_give_types_and_inverses_give_links(build: Build) -> None:
    assert bool(build.query("ASK { region:hubei a lgde:Region, schema:Place }"))
    assert bool(
        build.query("ASK { organization:hubei-government org:hasPost post:hubei-governor }")
    )
    assert bool(
        build.query("ASK { sector:artificial-intelligence skos:narrower sector:new-generation-ai }")
    )
    assert bool(
        build.query(
            "ASK { sector-claim:beijing-scenarios-extended-reality lgde:conflictsWith "
            "sector-claim:beijing-scenarios-augmented-reality }"
        )
    )


def test_inferred_graph_holds_no_noise(build: Build) -> None:
    noise = build.select(
        """SELECT ?s ?p ?o WHERE { GRAPH <https://w3id.org/lgde/graph/inferred> { ?s ?p ?o }
             FILTER(?o IN (owl:Thing, rdfs:Resource) || (?p = owl:sameAs) || isBlank(?o)
                    || !STRSTARTS(STR(?s), "https://w3id.org/lgde/")) }"""
    )
    assert noise == []


def test_two_members_of_one_affiliation_would_merge_people() -> None:
    # Why SHACL runs first: org:member is functional, so OWL RL equates the members.
    ontology = Graph()
    for name in ("lgde.ttl", "external.ttl"):
        ontology.parse(HOME / "ontology" / name)
    data = Graph().parse(
        data="""
        @prefix org: <http://www.w3.org/ns/org#> .
        @prefix p: <https://w3id.org/lgde/id/person/> .
        <https://w3id.org/lgde/id/affiliation/x> org:member p:bob, p:carol .
    """,
        format="turtle",
    )
    found = consistency_problems(infer(ontology, data))
    assert found and "owl:sameAs" in found[0][1]
    bob = URIRef("https://w3id.org/lgde/id/person/bob")
    assert (bob, OWL.sameAs, URIRef("https://w3id.org/lgde/id/person/carol")) in infer(
        ontology, data
    )
