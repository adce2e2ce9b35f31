"""The RDF Data Cube integrity constraints hold on the build, and a build that breaks
one stops at the ``datacube`` step with the constraint named."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.build import BuildError, build_graph
from kg.build.data_store import DataStore
from kg.build.datacube import (
    CONSTRAINTS,
    check_constraints_published,
    duplicate_observations,
    integrity_problems,
)
from kg.build.pipeline import check_sources
from kg.build.reasoning import infer
from kg.build.vocabulary import GRAPH_INFERRED
from kg.layout import Layout

from .conftest import replace_in


def _checked_store(layout: Layout) -> DataStore:
    checked = check_sources(layout)
    checked.data.add_graph(infer(checked.ontology, checked.data), ox.NamedNode(GRAPH_INFERRED))
    return checked.data


def test_every_published_constraint_holds_on_the_graph(layout: Layout) -> None:
    broken = check_constraints_published(_checked_store(layout))
    names = {c.name for c in CONSTRAINTS} | {"IC-20", "IC-21"}
    assert set(broken) == names  # all 21 were asked
    assert [name for name, is_broken in broken.items() if is_broken] == []


def _build_failure(project_copy: Layout) -> BuildError:
    with pytest.raises(BuildError) as caught:
        build_graph(project_copy)
    assert caught.value.step == "datacube", caught.value.problems
    return caught.value


def test_observations_told_apart_by_nothing_stop_the_build(project_copy: Layout) -> None:
    # Both Shanxi growth figures under one sector: two observations of one cell (IC-12).
    replace_in(
        project_copy.graph_dir / "article-001.ttl",
        "lgde:sector sector:high-tech-manufacturing ;",
        "lgde:sector sector:strategic-emerging-industries ;",
    )
    error = _build_failure(project_copy)
    (problem,) = error.problems
    assert problem.message.startswith("IC-12 ")
    assert problem.file == "graph/article-001.ttl"
    assert "shanxi-strategic-industries-growth-2021" in problem.message


def test_a_dimension_an_observation_lacks_stops_the_build(project_copy: Layout) -> None:
    # A month dimension added to the yearly structure: its observations have no month (IC-11).
    replace_in(
        project_copy.graph_dir / "indicators.ttl",
        "        [ qb:dimension sdmx-dimension:refPeriod ; qb:order 3 ],\n"
        "        [ qb:measure sdmx-measure:obsValue ],",
        "        [ qb:dimension sdmx-dimension:refPeriod ; qb:order 3 ],\n"
        "        [ qb:dimension lgde:refMonth ; qb:order 4 ],\n"
        "        [ qb:measure sdmx-measure:obsValue ],",
    )
    error = _build_failure(project_copy)
    assert {p.message.split(" ", 1)[0] for p in error.problems} == {"IC-11"}
    assert any(p.subject.endswith("/observation/hubei-gdp-2021") for p in error.problems)


def test_a_dimension_without_a_range_stops_the_build(project_copy: Layout) -> None:
    replace_in(
        project_copy.graph_dir / "indicators.ttl",
        "        [ qb:dimension lgde:indicator ; qb:order 2 ],\n"
        "        [ qb:dimension sdmx-dimension:refPeriod ; qb:order 3 ],\n"
        "        [ qb:measure sdmx-measure:obsValue ],",
        "        [ qb:dimension lgde:indicator ; qb:order 2 ],\n"
        "        [ qb:dimension sdmx-dimension:refPeriod ; qb:order 3 ],\n"
        "        [ qb:dimension lgde:theme ; qb:order 4 ],\n"
        "        [ qb:measure sdmx-measure:obsValue ],",
    )
    replace_in(
        project_copy.home / "ontology" / "lgde.ttl",
        """    rdfs:comment "A policy theme a fact or document concerns."@en ;
    rdfs:range lgde:Theme .""",
        """    rdfs:comment "A policy theme a fact or document concerns."@en .""",
    )
    error = _build_failure(project_copy)
    assert any(
        p.message.startswith("IC-4 ") and p.subject.endswith("#theme") for p in error.problems
    )


def test_a_code_outside_its_code_list_stops_the_build(project_copy: Layout) -> None:
    # The sector dimension's codes come from the sector scheme (IC-19).
    replace_in(
        project_copy.graph_dir / "sectors.ttl",
        '    skos:prefLabel "telecommunications"@en ;\n'
        "    skos:broader sector:digital-economy ; skos:inScheme sector:scheme .",
        '    skos:prefLabel "telecommunications"@en ;\n'
        "    skos:broader sector:digital-economy ; skos:inScheme theme:scheme .",
    )
    error = _build_failure(project_copy)
    assert any(p.message.startswith("IC-19 ") for p in error.problems)


FIXTURE = """
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix ex: <https://w3id.org/lgde/id/test/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:d a qb:DataSet ; qb:structure ex:s .
ex:s a qb:DataStructureDefinition ;
    qb:component [ qb:dimension ex:area ], [ qb:dimension ex:year ], [ qb:measure ex:value ] .
ex:area rdfs:range rdfs:Resource . ex:year rdfs:range rdfs:Literal .
ex:o1 qb:dataSet ex:d ; ex:area ex:a ; ex:year 2021 ; ex:value 1 .
ex:o2 qb:dataSet ex:d ; ex:area ex:a ; ex:year 2022 ; ex:value 2 .
ex:o3 qb:dataSet ex:d ; ex:area ex:b ; ex:year 2021 ; ex:value 3 .
"""


@pytest.mark.parametrize(
    "extra, pairs",
    [
        ("", []),
        ("ex:o4 qb:dataSet ex:d ; ex:area ex:a ; ex:year 2021 ; ex:value 4 .", [("o1", "o4")]),
        ("ex:o4 qb:dataSet ex:d ; ex:area ex:b ; ex:year 2022 ; ex:value 4 .", []),
        (
            "ex:o4 qb:dataSet ex:d ; ex:area ex:b ; ex:year 2021 ; ex:value 4 .\n"
            "ex:o5 qb:dataSet ex:d ; ex:area ex:b ; ex:year 2021 ; ex:value 5 .",
            [("o3", "o4"), ("o3", "o5"), ("o4", "o5")],
        ),
    ],
)
def test_ic12_by_grouping_answers_as_the_published_query(extra: str, pairs: list) -> None:
    data = DataStore()
    data.add_graph(Graph().parse(data=FIXTURE + extra, format="turtle"))
    published = check_constraints_published(data)["IC-12"]
    problems = integrity_problems(data, lambda node: "")
    found = [p for p in problems if p.message.startswith("IC-12")]
    assert published == bool(found) == bool(pairs)
    grouped = duplicate_observations(
        lambda q: list(
            data.store.query(
                "PREFIX qb: <http://purl.org/linked-data/cube#>\n"
                "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n" + q,
                default_graph=[data.graph, ox.NamedNode("urn:x-lgde:datacube-normalization")],
            )
        )
    )
    # Normalisation is what types ex:area and ex:year as dimensions; without it, none.
    assert grouped == []
    assert sorted((a.rsplit("/", 1)[1], b.rsplit("/", 1)[1]) for a, b in _pairs(problems)) == pairs


def _pairs(problems) -> list[tuple[str, str]]:
    out = []
    for p in problems:
        if p.message.startswith("IC-12"):
            first, second = (part.split(">")[0] for part in p.message.split("<")[1:3])
            out.append((first, second))
    return out
