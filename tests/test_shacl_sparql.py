"""Shapes compiled to SPARQL and run on pyoxigraph give exactly the results pySHACL gives alone."""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import Graph
from rdflib.namespace import RDF, SH

from kg.build.shacl_sparql import _this_is_bound
from kg.build.validate import ShaclPlan, run_shacl

from .test_shapes import CASES, VALID, ontology, shapes  # noqa: F401  (fixtures)


def _results(report: Graph) -> set[tuple]:
    """Each result as what a reader sees: focus, shape, severity, messages, value, path."""
    rows = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):

        def one(predicate, result=result):
            return report.value(result, predicate)

        shape = one(SH.sourceShape)
        rows.add(
            (
                one(SH.focusNode),
                shape if not isinstance(shape, type(result)) else "blank",
                one(SH.resultSeverity),
                tuple(sorted(str(m) for m in report.objects(result, SH.resultMessage))),
                one(SH.value),
                one(SH.resultPath),
                one(SH.sourceConstraintComponent),
            )
        )
    return rows


def _both(text: str, shapes_graph: Graph, ontology_graph: Graph) -> tuple[set, set, bool, bool]:
    data = Graph().parse(data=text, format="turtle")
    ours = run_shacl(data, shapes_graph, ontology_graph, lambda node: "")
    combined = Graph()
    combined += ontology_graph
    combined += data
    conforms, graph, _ = validate(
        combined,
        shacl_graph=shapes_graph,
        inference="none",
        allow_warnings=True,
        meta_shacl=False,
        advanced=True,
    )
    # pySHACL with allow_warnings: warnings pass.
    return _results(ours.graph), _results(graph), ours.passes, bool(conforms)


def test_every_shape_of_the_project_is_compiled(shapes) -> None:  # noqa: F811
    plan = ShaclPlan.of(shapes)
    assert plan.rest is None, "no shape is left to pySHACL"
    assert len(plan.sparql) == len(list(shapes.subject_objects(SH.sparql))) > 0
    components = {check.component for check in plan.core}
    assert SH.QualifiedMinCountConstraintComponent in components
    assert SH.OrConstraintComponent in components


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.shape}-{c.focus}")
def test_same_results_as_pyshacl(case, shapes, ontology) -> None:  # noqa: F811
    ours, theirs, our_verdict, their_verdict = _both(
        VALID.replace(case.old, case.new, 1), shapes, ontology
    )
    assert ours == theirs
    assert our_verdict == their_verdict


def test_same_results_as_pyshacl_on_valid_data(shapes, ontology) -> None:  # noqa: F811
    ours, theirs, our_verdict, their_verdict = _both(VALID, shapes, ontology)
    assert ours == theirs == set()
    assert our_verdict and their_verdict


@pytest.mark.parametrize(
    ("query", "bound"),
    [
        ("SELECT $this WHERE { $this a ?c }", True),
        ("SELECT $this WHERE { ?x ?p ?o . $this ?q ?x }", True),
        ("SELECT $this WHERE { ?x ?p ?o ; ?q $this }", True),
        ("SELECT $this WHERE { ?x ?p ?o FILTER(?o = $this) }", False),
        ("SELECT $this WHERE { OPTIONAL { $this ?p ?o } }", False),
        ("SELECT $this WHERE { ?s ?p ?o . BIND(?s AS $this) }", False),
    ],
)
def test_only_queries_that_bind_this_are_taken_over(query: str, bound: bool) -> None:
    assert _this_is_bound(query) is bound


def test_shapes_reached_through_other_shapes_stay_with_pyshacl() -> None:
    text = """
    @prefix sh: <http://www.w3.org/ns/shacl#> .
    @prefix ex: <http://example.org/> .
    ex:Outer a sh:NodeShape ; sh:targetClass ex:A ;
        sh:property [ sh:path ex:p ; sh:node ex:Inner ] .
    ex:Inner a sh:NodeShape ; sh:targetClass ex:B ;
        sh:sparql [ sh:message "m" ; sh:select "SELECT $this WHERE { $this ex:q ?x }" ] .
    ex:Alone a sh:NodeShape ; sh:targetClass ex:C ;
        sh:sparql [ sh:message "m" ; sh:select "SELECT $this WHERE { $this ex:q ?x }" ] .
    """
    plan = ShaclPlan.of(Graph().parse(data=text, format="turtle"))
    ex = "http://example.org/"
    # Inner's SPARQL constraint, nested in Outer, needs pySHACL; as a target shape it does not.
    assert sorted(str(c.shape) for c in plan.sparql) == [ex + "Alone", ex + "Inner"]
    assert plan.rest is not None
    assert {str(s) for s in plan.rest.subjects(SH.targetClass, None)} == {ex + "Outer"}
