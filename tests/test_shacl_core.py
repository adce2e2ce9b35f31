"""SHACL Core features the project's shapes do not use, compiled and compared with pySHACL.

The project's own shapes are compared case by case in ``test_shacl_sparql.py``; these
cover the rest of what :mod:`kg.build.shacl_core` compiles, and what it leaves to pySHACL.
"""

from __future__ import annotations

import pytest
from pyshacl import validate
from rdflib import Graph, Literal
from rdflib.namespace import SH

from kg.build.shacl_checks import compile_shape
from kg.build.shacl_core import Unsupported
from kg.build.validate import ShaclPlan, run_shacl

from .test_shacl_sparql import _results as _with_messages


def _results(report: Graph) -> set[tuple]:
    # Without sh:message pySHACL writes its own wording; everything else must match.
    return {row[:3] + row[4:] for row in _with_messages(report)}


PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

DATA = (
    PREFIXES
    + """
ex:Sub rdfs:subClassOf ex:Thing .
ex:a a ex:Thing ; ex:p 1, 2, 3 ; ex:name "ab", "a much longer name" ; ex:q ex:b ; ex:r ex:b .
ex:b a ex:Sub ; ex:p "x" ; ex:name "b"@en ; ex:q ex:c ; ex:n 5.5 .
ex:c a ex:Other ; ex:p ex:a ; ex:next ex:d ; ex:n "abc"^^xsd:decimal .
ex:d ex:next ex:e . ex:e ex:name "e" .
"""
)

SHAPES = {
    "counts": "sh:property [ sh:path ex:p ; sh:minCount 2 ; sh:maxCount 2 ] .",
    "lengths and ranges": """sh:property [ sh:path ex:name ; sh:maxLength 4 ] ;
        sh:property [ sh:path ex:p ; sh:minInclusive 2 ; sh:maxExclusive 3 ] .""",
    "datatype, well-formed": "sh:property [ sh:path ex:n ; sh:datatype xsd:decimal ] .",
    "node kinds": """sh:property [ sh:path ex:p ; sh:nodeKind sh:Literal ] ;
        sh:property [ sh:path ex:q ; sh:nodeKind sh:BlankNodeOrLiteral ] .""",
    "and, not, xone": """sh:property [ sh:path ex:p ;
            sh:xone ( [ sh:datatype xsd:integer ] [ sh:minInclusive 2 ] ) ] ;
        sh:not [ sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ;
        sh:and ( [ sh:class ex:Thing ] [ sh:property [ sh:path ex:p ; sh:maxCount 1 ] ] ) .""",
    "paths": """sh:property [ sh:path ( ex:q ex:p ) ; sh:datatype xsd:string ] ;
        sh:property [ sh:path [ sh:alternativePath ( ex:q ex:r ) ] ; sh:maxCount 1 ] ;
        sh:property [ sh:path [ sh:inversePath ex:q ] ; sh:minCount 1 ] .""",
    "nested node with details": """sh:property [ sh:path ex:q ;
        sh:node [ sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:datatype xsd:string ] ] ] .""",
    # Regression: the inner property shape was checked on the focus node, not on ex:q's values.
    "property shape inside a property shape": """sh:property [ sh:path ex:q ;
        sh:property [ sh:path ex:name ; sh:minCount 1 ] ] .""",
    "hasValue and in": """sh:property [ sh:path ex:q ; sh:hasValue ex:c ] ;
        sh:property [ sh:path ex:p ; sh:in ( 1 2 "x" ) ] .""",
    "qualified counts": """sh:property [ sh:path ex:p ;
        sh:qualifiedValueShape [ sh:datatype xsd:integer ] ;
        sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 2 ] .""",
}
TARGETS = "sh:targetSubjectsOf ex:p ; sh:targetNode ex:d ;"


def _shapes(body: str) -> Graph:
    text = PREFIXES + f"ex:S a sh:NodeShape ; {TARGETS}\n    {body}"
    return Graph().parse(data=text, format="turtle")


@pytest.mark.parametrize("name", SHAPES)
def test_compiled_shape_reports_what_pyshacl_reports(name: str) -> None:
    shapes = _shapes(SHAPES[name])
    plan = ShaclPlan.of(shapes)
    assert plan.rest is None, "the shape is compiled, not left to pySHACL"
    data = Graph().parse(data=DATA, format="turtle")
    ours = run_shacl(data, shapes, Graph(), lambda node: "")
    conforms, theirs, _ = validate(
        data, shacl_graph=shapes, inference="none", allow_warnings=True, advanced=True
    )
    assert _results(theirs), "the case must have violations"
    assert _results(ours.graph) == _results(theirs)
    assert ours.passes == conforms  # pySHACL with allow_warnings: warnings pass


@pytest.mark.parametrize(
    "body",
    [
        "sh:closed true .",
        "sh:property [ sh:path ex:p ; sh:uniqueLang true ] .",
        "sh:property [ sh:path ex:p ; sh:equals ex:q ] .",
        "sh:property [ sh:path ex:q ; sh:node [ sh:property [ sh:path ex:p ; sh:minCount 2 ] ] ] .",
    ],
)
def test_shapes_it_does_not_compile_are_left_to_pyshacl(body: str) -> None:
    shapes = _shapes(body)
    with pytest.raises(Unsupported):
        compile_shape(shapes, next(shapes.subjects(SH.targetNode, None)), "{}")
    plan = ShaclPlan.of(shapes)
    assert plan.rest is not None and (None, SH.targetNode, None) in plan.rest
    # ... and are still validated, by pySHACL.
    data = Graph().parse(data=DATA, format="turtle")
    _, theirs, _ = validate(data, shacl_graph=shapes, inference="none", advanced=True)
    assert _results(run_shacl(data, shapes, Graph(), lambda node: "").graph) == _results(theirs)


def test_a_shape_without_message_gets_one_naming_the_parameter() -> None:
    shapes = _shapes(SHAPES["counts"])
    data = Graph().parse(data=DATA, format="turtle")
    messages = {p.message for p in run_shacl(data, shapes, Graph(), lambda node: "").problems}
    assert "<http://example.org/p>: fails sh:minCount" in messages


def test_details_hang_from_their_result_not_from_the_report() -> None:
    # Regression: nested results were once linked from the report as results of their own.
    shapes = _shapes(SHAPES["nested node with details"])
    data = Graph().parse(data=DATA, format="turtle")
    report = run_shacl(data, shapes, Graph(), lambda node: "").graph
    top = set(report.objects(None, SH.result))
    details = set(report.objects(None, SH.detail))
    assert top and details and not top & details
    assert all(
        report.value(r, SH.sourceConstraintComponent) == SH.NodeConstraintComponent for r in top
    )
    assert (None, SH.conforms, Literal(False)) in report
