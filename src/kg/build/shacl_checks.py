"""SHACL Core shapes as checks: one query per constraint component, and their results.

:func:`compile_shape` turns a shape with targets (and its property shapes) into
:class:`CoreCheck` queries, using :class:`kg.build.shacl_core.Compiler` for the constraint
expressions; :func:`evaluate` runs them on a store and writes the results as pySHACL
does, ``sh:detail`` included.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from kg.build.shacl_core import Compiler, Unsupported, path_sparql, term
from kg.build.shacl_sparql import LoadedGraph, to_rdflib


@dataclass(frozen=True)
class CoreCheck:
    """One constraint component of a shape, as a query for its violations."""

    shape: Node  # sh:sourceShape
    component: URIRef  # sh:sourceConstraintComponent
    query: str  # SELECT ?this [?value]: one row per violation
    path: Node | None  # sh:resultPath, the path node of the shapes graph
    messages: tuple[Literal, ...]
    severity: Node  # sh:Violation unless the shape says otherwise
    reports_value: bool  # whether rows name the offending ?value
    nested: Node | None = None  # for sh:node, the shape whose failures become sh:detail


def compile_shape(shapes: Graph, shape: Node, targets: str) -> list[CoreCheck]:
    """The checks of ``shape`` (and its property shapes) for the focus nodes ``targets`` binds.

    ``targets`` is a SPARQL group binding ``?this``. Raises :class:`Unsupported`.
    """
    compiler = Compiler(shapes)
    checks: list[CoreCheck] = []
    _compile(compiler, shape, targets, checks)
    return checks


def _default_message(component: URIRef) -> Literal:
    """For a shape without ``sh:message``: the parameter it fails, as "fails sh:minCount"."""
    name = str(component).rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    return Literal(f"fails sh:{name[:1].lower()}{name[1:]}")


def _messages(shapes: Graph, shape: Node) -> tuple[Literal, ...]:
    return tuple(m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal))


def _compile(
    compiler: Compiler,
    shape: Node,
    focus: str,
    checks: list[CoreCheck],
    outers: tuple[str, ...] = (),
) -> None:
    """``outers`` are the variables of the focus nodes of the enclosing property shapes:
    a value two of them reach is checked, and reported, once for each (SHACL §2.3)."""
    shapes = compiler.shapes
    compiler.check_known(shape)
    if shapes.value(shape, SH.deactivated) == Literal(True):
        return
    severity = shapes.value(shape, SH.severity) or SH.Violation
    messages = _messages(shapes, shape)
    path_node = shapes.value(shape, SH.path)

    def add(
        component: URIRef,
        where: str,
        reports_value: bool,
        aggregate: str = "",
        nested: Node | None = None,
    ) -> None:
        keep = " ".join(("?this", *outers))
        select = f"SELECT DISTINCT {keep} ?value" if reports_value else f"SELECT DISTINCT {keep}"
        if aggregate:
            select = f"SELECT {keep}"
        query = f"{select} WHERE {{ {{ SELECT DISTINCT {keep} WHERE {{ {focus} }} }} {where} }}"
        query += aggregate.replace("GROUP BY ?this", f"GROUP BY {keep}")
        checks.append(
            CoreCheck(
                shape,
                component,
                query,
                path_node,
                messages or (_default_message(component),),
                severity,
                reports_value,
                nested,
            )
        )

    if path_node is None:
        values = "BIND(?this AS ?value)"
        for component, test, nested in compiler.value_tests_nested(shape, "?value"):
            add(component, f"{values} FILTER(!COALESCE({test}, false))", True, nested=nested)
        value = shapes.value(shape, SH.hasValue)
        if value is not None:
            add(SH.HasValueConstraintComponent, f"FILTER(!sameTerm(?this, {term(value)}))", False)
        for name in (SH.minCount, SH.maxCount, SH.qualifiedValueShape):
            if shapes.value(shape, name) is not None:
                raise Unsupported(f"{name} on a node shape")
    else:
        path = path_sparql(shapes, path_node)
        values = f"?this {path} ?value ."
        for component, test, nested in compiler.value_tests_nested(shape, "?value"):
            add(component, f"{values} FILTER(!COALESCE({test}, false))", True, nested=nested)
        value = shapes.value(shape, SH.hasValue)
        if value is not None:
            add(
                SH.HasValueConstraintComponent,
                f"FILTER NOT EXISTS {{ ?this {path} {term(value)} }}",
                False,
            )
        least = compiler.integer(shape, SH.minCount)
        if least == 1:
            add(
                SH.MinCountConstraintComponent,
                f"FILTER NOT EXISTS {{ ?this {path} ?value }}",
                False,
            )
        elif least:
            add(
                SH.MinCountConstraintComponent,
                f"OPTIONAL {{ {values} }}",
                False,
                f" GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {least})",
            )
        most = compiler.integer(shape, SH.maxCount)
        if most is not None:
            add(
                SH.MaxCountConstraintComponent,
                values,
                False,
                f" GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {most})",
            )
        qualified = shapes.value(shape, SH.qualifiedValueShape)
        if qualified is not None:
            test = compiler.conforms(qualified, "?value")
            counted = f"OPTIONAL {{ {values} FILTER(COALESCE({test}, false)) }}"
            for parameter, operator, component in (
                (SH.qualifiedMinCount, "<", SH.QualifiedMinCountConstraintComponent),
                (SH.qualifiedMaxCount, ">", SH.QualifiedMaxCountConstraintComponent),
            ):
                limit = compiler.integer(shape, parameter)
                if limit is not None:
                    add(
                        component,
                        counted,
                        False,
                        f" GROUP BY ?this HAVING (COUNT(DISTINCT ?value) {operator} {limit})",
                    )
    properties = list(shapes.objects(shape, SH.property))
    if properties and path_node is not None:
        # A property shape's own property shapes apply to its values (SHACL §2.3):
        # their focus nodes are the values reached by its path.
        outer = compiler.fresh()
        focus = (
            f"{{ SELECT DISTINCT (?this AS {outer}) {' '.join(outers)} WHERE {{ {focus} }} }} "
            f"{outer} {path_sparql(shapes, path_node)} ?this ."
        )
        outers = (*outers, outer)
    for prop in properties:
        if shapes.value(prop, SH.path) is None:
            raise Unsupported(f"sh:property {prop} without sh:path")
        if any(shapes.objects(prop, SH.sparql)):
            raise Unsupported("SPARQL constraints on a property shape")
        _compile(compiler, prop, focus, checks, outers)


def evaluate(
    loaded: LoadedGraph, shapes: Graph, checks: list[CoreCheck], depth: int = 0
) -> tuple[list[tuple[Node, ...]], list[Node]]:
    """Report-graph triples, as pySHACL writes them, for the violations of ``checks``.

    Also returns the results themselves, to be linked from the report with ``sh:result``.
    A value that fails ``sh:node`` gets the nested shape's results as ``sh:detail``.
    """
    triples: list[tuple[Node, ...]] = []
    results: list[Node] = []
    for check in checks:
        rows = [
            (
                to_rdflib(row["this"], loaded.originals),
                to_rdflib(row["value"], loaded.originals) if check.reports_value else None,
            )
            for row in loaded.query(check.query)
        ]
        details: dict[Node, list[tuple[Node, list]]] = {}
        if check.nested is not None and rows and depth < 8:
            failing = (
                "{ SELECT (?_failing AS ?this) WHERE { "
                f"{{ SELECT (?value AS ?_failing) WHERE {{ {{ {check.query} }} }} }} }} }}"
            )
            nested = compile_shape(shapes, check.nested, failing)
            found, nested_results = evaluate(loaded, shapes, nested, depth + 1)
            by_result: dict[Node, list] = {}
            for triple in found:
                by_result.setdefault(triple[0], []).append(triple)
            for result in nested_results:
                focus = next(o for _, p, o in by_result[result] if p == SH.focusNode)
                details.setdefault(focus, []).append((result, by_result[result]))
        for this, value in rows:
            made = BNode()
            results.append(made)
            triples += _result(check, made, this, value)
            for detail, detail_triples in details.get(value, []) if value is not None else []:
                copy = BNode()  # one detail per result that refers to it, as pySHACL does
                triples.append((made, SH.detail, copy))
                triples += [(copy if s == detail else s, p, o) for s, p, o in detail_triples]
    return triples, results


def _result(check: CoreCheck, result: BNode, this: Node, value: Node | None) -> list[tuple]:
    triples: list[tuple[Node, ...]] = [
        (result, RDF.type, SH.ValidationResult),
        (result, SH.sourceConstraintComponent, check.component),
        (result, SH.sourceShape, check.shape),
        (result, SH.resultSeverity, check.severity),
        (result, SH.focusNode, this),
    ]
    if check.path is not None:
        triples.append((result, SH.resultPath, check.path))
    if value is not None:
        triples.append((result, SH.value, value))
    for message in check.messages:
        triples.append((result, SH.resultMessage, message))
    return triples
