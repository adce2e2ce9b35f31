"""SHACL Core constraints compiled to SPARQL, evaluated by pyoxigraph for all focus nodes at once.

pySHACL walks every focus node and value node in Python; on a 600k-triple graph its
core constraints had not finished after 17 minutes. Here each constraint component of a
shape becomes one SPARQL query that returns the violations for all focus nodes, run on
the same in-memory store as the SPARQL constraints (:mod:`kg.build.shacl_sparql`).

Compiled components: ``sh:class``, ``sh:datatype`` (the lexical form must be valid for
the datatypes SPARQL can cast to), ``sh:nodeKind``, ``sh:in``, ``sh:hasValue``,
``sh:languageIn``, ``sh:pattern``, ``sh:minLength``/``sh:maxLength``,
``sh:minCount``/``sh:maxCount``, ``sh:node``, ``sh:or``/``sh:and``/``sh:not``/``sh:xone``
and ``sh:qualifiedValueShape`` with its counts, on every kind of SHACL path. A shape
using anything else raises :class:`Unsupported`, and :func:`kg.build.validate.run_shacl`
leaves that shape to pySHACL. This module compiles constraints into SPARQL expressions;
:mod:`kg.build.shacl_checks` makes them into queries, runs them and writes the results in
pySHACL's form (``tests/test_shacl_sparql.py`` holds the two to the same report on every
shape's bad-data case).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node


class Unsupported(Exception):
    """The shape uses a feature that is not compiled; pySHACL validates it."""


# Datatypes whose lexical forms SPARQL can check: a cast of an ill-formed literal fails.
_CASTABLE = {
    XSD[name]
    for name in (
        *("string", "boolean", "decimal", "integer", "float", "double", "dateTime", "date"),
        *("time", "duration", "dayTimeDuration", "yearMonthDuration", "gYear", "gYearMonth"),
        *("gMonth", "gMonthDay", "gDay"),
    )
}
_LEXICAL_PATTERNS: dict[Node, str] = {XSD.hexBinary: "^([0-9a-fA-F]{2})*$"}
# Types derived from xsd:integer: pyoxigraph stores their literals as xsd:integer
# ("55"^^xsd:byte is read as "55"^^xsd:integer), so a check of them on the store would
# be wrong both ways. Shapes that name one are left to pySHACL.
_REWRITTEN_BY_THE_STORE = {
    XSD[name]
    for name in (
        *("long", "int", "short", "byte", "nonNegativeInteger", "positiveInteger"),
        *("nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt"),
        *("unsignedShort", "unsignedByte"),
    )
}
_NODE_KINDS: dict[Node, str] = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isIRI({v}) || isBlank({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
_RANGES = {
    SH.minInclusive: ">=",
    SH.minExclusive: ">",
    SH.maxInclusive: "<=",
    SH.maxExclusive: "<",
}
# Parameters of the components this module compiles, or reads with them.
_KNOWN = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH["in"],
    SH.hasValue,
    SH.languageIn,
    SH.pattern,
    SH.flags,
    SH.minLength,
    SH.maxLength,
    SH.minCount,
    SH.maxCount,
    SH.node,
    SH["or"],
    SH["and"],
    SH["not"],
    SH.xone,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.qualifiedValueShapesDisjoint,
    SH.property,
    SH.path,
    SH.message,
    SH.severity,
    SH.deactivated,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.defaultValue,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.sparql,  # taken, or refused, by kg.build.shacl_sparql
    SH.prefixes,
    SH.declare,
    *_RANGES,
    RDF.type,
    RDFS.label,
    RDFS.comment,
}


def term(node: Node) -> str:
    """``node`` in SPARQL syntax."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise Unsupported(f"blank node {node} as a constraint value")


def path_sparql(shapes: Graph, path: Node) -> str:
    """A SHACL path as a SPARQL property path."""
    if isinstance(path, URIRef):
        return f"<{path}>"
    if (path, RDF.first, None) in shapes:
        return "(" + "/".join(path_sparql(shapes, p) for p in Collection(shapes, path)) + ")"
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return "(" + template.format(path_sparql(shapes, inner)) + ")"
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        return (
            "(" + "|".join(path_sparql(shapes, p) for p in Collection(shapes, alternatives)) + ")"
        )
    raise Unsupported(f"path {path}")


class Compiler:
    """Constraint components as SPARQL expressions over a value variable."""

    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self.names = itertools.count()
        self.depth = 0

    def fresh(self) -> str:
        return f"?_v{next(self.names)}"

    def one(self, shape: Node, parameter: URIRef) -> Node | None:
        values = list(self.shapes.objects(shape, parameter))
        if len(values) > 1:
            raise Unsupported(f"{shape} has {len(values)} values of {parameter}")
        return values[0] if values else None

    def integer(self, shape: Node, parameter: URIRef) -> int | None:
        value = self.one(shape, parameter)
        if value is None:
            return None
        if not isinstance(value, Literal) or not isinstance(value.toPython(), int):
            raise Unsupported(f"{parameter} of {shape} is not an integer")
        return int(value.toPython())

    def check_known(self, shape: Node) -> None:
        unknown = set(self.shapes.predicates(shape)) - _KNOWN
        if unknown:
            raise Unsupported(f"{shape} uses {', '.join(sorted(map(str, unknown)))}")
        if self.shapes.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            raise Unsupported("sh:qualifiedValueShapesDisjoint")

    def members(self, node: Node) -> list[Node]:
        return list(Collection(self.shapes, node))

    # Value-wise components: (component, expression that holds when the value conforms).
    def value_tests(self, shape: Node, v: str) -> Iterator[tuple[URIRef, str]]:
        for component, test, _ in self.value_tests_nested(shape, v):
            yield component, test

    def value_tests_nested(self, shape: Node, v: str) -> Iterator[tuple[URIRef, str, Node | None]]:
        for component, test in self._value_tests(shape, v):
            yield component, test, None
        for other in self.shapes.objects(shape, SH.node):
            yield SH.NodeConstraintComponent, self.conforms(other, v), other

    def _value_tests(self, shape: Node, v: str) -> Iterator[tuple[URIRef, str]]:
        s = self.shapes
        for cls in s.objects(shape, SH["class"]):
            yield (
                SH.ClassConstraintComponent,
                f"EXISTS {{ {v} a/<{RDFS.subClassOf}>* {term(cls)} }}",
            )
        datatype = self.one(shape, SH.datatype)
        if datatype is not None:
            yield SH.DatatypeConstraintComponent, self.datatype_test(datatype, v)
        kind = self.one(shape, SH.nodeKind)
        if kind is not None:
            if kind not in _NODE_KINDS:
                raise Unsupported(f"sh:nodeKind {kind}")
            yield SH.NodeKindConstraintComponent, _NODE_KINDS[kind].format(v=v)
        allowed = self.one(shape, SH["in"])
        if allowed is not None:
            tests = [f"sameTerm({v}, {term(a)})" for a in self.members(allowed)]
            yield SH.InConstraintComponent, "(" + (" || ".join(tests) or "false") + ")"
        ranges = self.one(shape, SH.languageIn)
        if ranges is not None:
            tests = [
                f"langMatches(lang({v}), {Literal(str(r)).n3()})" for r in self.members(ranges)
            ]
            yield (
                SH.LanguageInConstraintComponent,
                f"(isLiteral({v}) && lang({v}) != '' && ({' || '.join(tests) or 'false'}))",
            )
        for pattern in s.objects(shape, SH.pattern):
            flags = self.one(shape, SH.flags)
            arguments = f"str({v}), {Literal(str(pattern)).n3()}"
            if flags is not None:
                arguments += f", {Literal(str(flags)).n3()}"
            yield SH.PatternConstraintComponent, f"(!isBlank({v}) && regex({arguments}))"
        for parameter, operator, component in (
            (SH.minLength, ">=", SH.MinLengthConstraintComponent),
            (SH.maxLength, "<=", SH.MaxLengthConstraintComponent),
        ):
            limit = self.integer(shape, parameter)
            if limit is not None:
                yield component, f"(!isBlank({v}) && strlen(str({v})) {operator} {limit})"
        for parameter, operator in _RANGES.items():
            bound = self.one(shape, parameter)
            if bound is not None:
                local = str(parameter).rsplit("#", 1)[1]
                component = SH[local[0].upper() + local[1:] + "ConstraintComponent"]
                yield component, f"(isLiteral({v}) && {v} {operator} {term(bound)})"
        for other in s.objects(shape, SH["not"]):
            yield SH.NotConstraintComponent, f"!({self.conforms(other, v)})"
        for members in s.objects(shape, SH["and"]):
            parts = [self.conforms(m, v) for m in self.members(members)]
            yield SH.AndConstraintComponent, "(" + (" && ".join(parts) or "true") + ")"
        for members in s.objects(shape, SH["or"]):
            parts = [self.conforms(m, v) for m in self.members(members)]
            yield SH.OrConstraintComponent, "(" + (" || ".join(parts) or "false") + ")"
        for members in s.objects(shape, SH.xone):
            parts = [f"IF({self.conforms(m, v)}, 1, 0)" for m in self.members(members)]
            yield SH.XoneConstraintComponent, "((" + (" + ".join(parts) or "0") + ") = 1)"

    def datatype_test(self, datatype: Node, v: str) -> str:
        if datatype in _REWRITTEN_BY_THE_STORE:
            raise Unsupported(f"sh:datatype {datatype}, which the store rewrites")
        if datatype == RDF.langString:
            return f"(isLiteral({v}) && lang({v}) != '')"
        test = f"isLiteral({v}) && datatype({v}) = {term(datatype)}"
        if datatype in _CASTABLE:
            test += f" && isLiteral({term(datatype)}({v}))"
        elif datatype in _LEXICAL_PATTERNS:
            test += f" && regex(str({v}), {Literal(_LEXICAL_PATTERNS[datatype]).n3()})"
        return f"({test})"

    def conforms(self, shape: Node, v: str) -> str:
        """An expression true when the node bound to ``v`` conforms to ``shape``."""
        self.depth += 1
        try:
            if self.depth > 8:
                raise Unsupported("shapes nested more than 8 deep (or recursive)")
            self.check_known(shape)
            if self.shapes.value(shape, SH.deactivated) == Literal(True):
                return "true"
            if any(self.shapes.objects(shape, SH.sparql)):
                raise Unsupported("SPARQL constraints in a nested shape")
            path = self.shapes.value(shape, SH.path)
            if path is None:
                parts = [test for _, test in self.value_tests(shape, v)]
                has_value = self.shapes.value(shape, SH.hasValue)
                if has_value is not None:
                    parts.append(f"sameTerm({v}, {term(has_value)})")
                for prop in self.shapes.objects(shape, SH.property):
                    parts.append(self.conforms_through(prop, v))
            else:
                reached = path_sparql(self.shapes, path)
                parts = self.property_tests(shape, reached, v)
                # Its own property shapes apply to each value its path reaches.
                nested = list(self.shapes.objects(shape, SH.property))
                if nested:
                    x = self.fresh()
                    inner = " && ".join(
                        f"COALESCE({self.conforms_through(p, x)}, false)" for p in nested
                    )
                    parts.append(f"NOT EXISTS {{ {v} {reached} {x} FILTER(!({inner})) }}")
            return "(" + (" && ".join(f"COALESCE({p}, false)" for p in parts) or "true") + ")"
        finally:
            self.depth -= 1

    def conforms_through(self, prop: Node, v: str) -> str:
        path = self.shapes.value(prop, SH.path)
        if path is None:
            raise Unsupported(f"sh:property {prop} without sh:path")
        return self.conforms(prop, v)

    def property_tests(self, shape: Node, path: str, v: str) -> list[str]:
        """A property shape's constraints on the values reached from ``v``."""
        x = self.fresh()
        parts = [
            f"NOT EXISTS {{ {v} {path} {x} FILTER(!COALESCE({test}, false)) }}"
            for _, test in self.value_tests(shape, x)
        ]
        least = self.integer(shape, SH.minCount) or 0
        if least > 1:
            raise Unsupported("sh:minCount above 1 in a nested shape")
        if least == 1:
            parts.append(f"EXISTS {{ {v} {path} {x} }}")
        most = self.integer(shape, SH.maxCount)
        if most == 0:
            parts.append(f"NOT EXISTS {{ {v} {path} {x} }}")
        elif most == 1:
            y = self.fresh()
            parts.append(f"NOT EXISTS {{ {v} {path} {x}, {y} FILTER(!sameTerm({x}, {y})) }}")
        elif most is not None:
            raise Unsupported("sh:maxCount above 1 in a nested shape")
        value = self.shapes.value(shape, SH.hasValue)
        if value is not None:
            parts.append(f"EXISTS {{ {v} {path} {term(value)} }}")
        if self.shapes.value(shape, SH.qualifiedValueShape) is not None:
            raise Unsupported("sh:qualifiedValueShape in a nested shape")
        return parts
