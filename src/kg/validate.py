"""Validate data against the project's SHACL shapes with pySHACL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyshacl import validate
from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH

from kg.problems import Problem
from kg.shacl_sparql import evaluate, load, split_shapes


@dataclass
class ShaclReport:
    conforms: bool
    problems: list[Problem]
    graph: Graph


def run_shacl(
    data: Graph, shapes: Graph, ontology: Graph, file_of: Callable[[object], str]
) -> ShaclReport:
    """Validate ``data`` with ``shapes``; the ontology makes subclass links visible.

    The ontology is merged in whole rather than passed as pySHACL's ``ont_graph``,
    which copies only class and property axioms and so would not see that
    ``lgde:moreThan`` is a ``lgde:Comparator``.

    Validation runs on asserted data only, before reasoning: OWL RL would otherwise
    hide defects (two members of one affiliation become one person via owl:sameAs).
    Warnings are reported but do not make the data fail. The shapes' SPARQL constraints
    run on pyoxigraph (:mod:`kg.shacl_sparql`), the rest on pySHACL.
    """
    combined = Graph()
    combined += ontology
    combined += data
    core, sparql_constraints = split_shapes(shapes)
    conforms, report_graph, _ = validate(
        combined,
        shacl_graph=core,
        inference="none",
        allow_warnings=True,
        meta_shacl=False,
        advanced=True,
    )
    if sparql_constraints:
        results = evaluate(load(combined), sparql_constraints)
        for triple in results:
            report_graph.add(triple)
        if any(t[1] == SH.resultSeverity and t[2] == SH.Violation for t in results):
            conforms = False
            for report in report_graph.subjects(RDF.type, SH.ValidationReport):
                report_graph.set((report, SH.conforms, Literal(False)))
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
    return ShaclReport(bool(conforms), problems, report_graph)


def _short(node: object) -> str:
    from kg.namespaces import compact

    text = str(node)
    return compact(text) if text.startswith("http") else text
