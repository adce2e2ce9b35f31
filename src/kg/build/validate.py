"""Validate data against the project's SHACL shapes: compiled to SPARQL, or with pySHACL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyshacl import validate
from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, RDFS, SH

from kg.build.data_store import DataStore
from kg.build.problems import Problem
from kg.build.shacl_checks import CoreCheck, compile_shape
from kg.build.shacl_checks import evaluate as evaluate_core
from kg.build.shacl_core import Unsupported
from kg.build.shacl_sparql import (
    LoadedGraph,
    SparqlConstraint,
    load,
    sparql_constraints,
    targets_of,
)
from kg.build.shacl_sparql import evaluate as evaluate_sparql


@dataclass
class ShaclReport:
    """What validation found.

    ``conforms`` is the report's ``sh:conforms``: true when there is no result of any
    severity (SHACL §3.6.2). ``passes`` is what the build asks: no result of severity
    ``sh:Violation``; warnings are reported but do not fail a build.
    """

    conforms: bool
    passes: bool
    problems: list[Problem]
    graph: Graph


@dataclass
class ShaclPlan:
    """Who validates what: pyoxigraph the compiled shapes, pySHACL the rest (if any)."""

    core: list[CoreCheck]
    sparql: list[SparqlConstraint]
    rest: Graph | None  # the shapes left to pySHACL, with the others' targets removed

    @classmethod
    def of(cls, shapes: Graph) -> ShaclPlan:
        core: list[CoreCheck] = []
        sparql: list[SparqlConstraint] = []
        rest = Graph()
        rest += shapes
        left = 0
        for shape in _shapes_with_targets(shapes):
            targets = targets_of(shapes, shape)
            try:
                if targets is None:
                    raise Unsupported("targets that are not IRIs")
                shape_core = compile_shape(shapes, shape, targets)
                shape_sparql = sparql_constraints(shapes, shape, targets)
            except Unsupported:
                left += 1
                continue
            core += shape_core
            sparql += shape_sparql
            # pySHACL still sees the shape, for shapes that refer to it, but not as a target.
            for predicate in _TARGETS:
                rest.remove((shape, predicate, None))
            rest.remove((shape, RDF.type, RDFS.Class))
        return cls(core, sparql, rest if left else None)


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def _shapes_with_targets(shapes: Graph) -> list:
    found = {s for predicate in _TARGETS for s in shapes.subjects(predicate, None)}
    for kind in (SH.NodeShape, SH.PropertyShape):
        found |= {s for s in shapes.subjects(RDF.type, kind) if (s, RDF.type, RDFS.Class) in shapes}
    return sorted(found)


def run_shacl(
    data: Graph | DataStore, shapes: Graph, ontology: Graph, file_of: Callable[[object], str]
) -> ShaclReport:
    """Validate ``data`` with ``shapes``; the ontology makes subclass links visible.

    The ontology is merged in whole (pySHACL's ``ont_graph`` would copy only class and
    property axioms, and so not see that ``lgde:moreThan`` is a ``lgde:Comparator``).

    Validation runs on asserted data only, before reasoning: OWL RL would otherwise
    hide defects (two members of one affiliation become one person via owl:sameAs).
    Warnings are reported, and make ``sh:conforms`` false as SHACL says, but do not
    fail the build (:attr:`ShaclReport.passes`). Shapes are compiled to SPARQL
    and run on pyoxigraph (:mod:`kg.build.shacl_core`, :mod:`kg.build.shacl_sparql`); a shape using
    a feature they do not compile is validated by pySHACL.

    A :class:`DataStore` is validated where it is, with the ontology put in beside it.
    """
    if isinstance(data, DataStore):
        if not any(data.store.quads_for_pattern(None, None, None, data.ontology)):
            data.add_graph(ontology, data.ontology)
        loaded = LoadedGraph(data.store, {}, [data.graph, data.ontology])
    else:
        loaded = load(ontology + data)
    plan = ShaclPlan.of(shapes)
    report_graph = Graph()
    report = BNode()
    if plan.rest is not None:
        combined = (
            data.to_graph(with_ontology=True) if isinstance(data, DataStore) else ontology + data
        )
        _, report_graph, _ = validate(
            combined,
            shacl_graph=plan.rest,
            inference="none",
            allow_warnings=True,
            meta_shacl=False,
            advanced=True,
        )
        report = report_graph.value(None, RDF.type, SH.ValidationReport, any=True) or report
    report_graph.add((report, RDF.type, SH.ValidationReport))
    found, results = evaluate_core(loaded, shapes, plan.core)
    sparql_found = evaluate_sparql(loaded, plan.sparql)
    found += sparql_found
    results += [s for s, p, o in sparql_found if p == RDF.type and o == SH.ValidationResult]
    for s, p, o in found:
        report_graph.add((s, p, o))
    for result in results:
        report_graph.add((report, SH.result, result))
    results = list(report_graph.objects(report, SH.result))
    conforms = not results
    passes = not any(
        (result, SH.resultSeverity, SH.Violation) in report_graph for result in results
    )
    report_graph.set((report, SH.conforms, Literal(conforms)))
    problems = []
    for result in report_graph.subjects(RDF.type, SH.ValidationResult):
        focus = report_graph.value(result, SH.focusNode)
        path = report_graph.value(result, SH.resultPath)
        message = report_graph.value(result, SH.resultMessage)
        severity = report_graph.value(result, SH.resultSeverity)
        value = report_graph.value(result, SH.value)
        text = str(message) if message is not None else "violates a shape"
        if path is not None and not str(text).startswith("<"):
            text = f"{_short(path)}: {text}"
        if value is not None and str(value) not in text:
            text += f" (value: {_short(value)})"
        problems.append(
            Problem(
                "shacl",
                file_of(focus),
                str(focus) if focus is not None else "",
                text,
                "warning" if severity == SH.Warning else "info" if severity == SH.Info else "error",
            )
        )
    problems.sort()
    return ShaclReport(conforms, passes, problems, report_graph)


def _short(node: object) -> str:
    from kg.namespaces import compact

    text = str(node)
    return compact(text) if text.startswith("http") else text
