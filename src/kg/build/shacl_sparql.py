"""SHACL-SPARQL constraints of node shapes, evaluated by pyoxigraph for all focus nodes at once.

pySHACL runs a SPARQL constraint once per focus node on rdflib's engine: on this
project's shapes that was nearly all of the validation time, and it grows with the
data. Here each constraint is one query on an in-memory pyoxigraph store with
``$this`` left free; its rows are kept for the shape's focus nodes. That is
the same answer as pre-binding ``$this`` whenever ``$this`` occurs in a triple pattern of
the query's top-level group, which :func:`split_shapes` checks; a constraint that does not
qualify, or that uses ``$currentShape``, ``$shapesGraph`` or ``$PATH``, stays with
pySHACL. Results are written in pySHACL's form (same message formatting, value and
source links) so reports do not change; ``tests/test_shacl_sparql.py`` compares the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from kg.build.data_store import to_rdflib as plain_to_rdflib
from kg.build.shacl_core import Unsupported

_UNSUPPORTED = re.compile(r"[$?](currentShape|shapesGraph|PATH)\b")


@dataclass(frozen=True)
class SparqlConstraint:
    """One ``sh:sparql`` constraint of a node shape."""

    shape: Node
    node: Node  # the sh:sparql node, as sh:sourceConstraint
    query: str  # the select, with its declared prefixes
    messages: tuple[Literal, ...]  # the constraint's, then the shape's
    severity: Node  # sh:Violation unless the shape says otherwise
    targets: str  # a SPARQL group that binds ?this to the shape's focus nodes


def _prefixes(shapes: Graph, constraint: Node) -> str:
    lines = []
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


def targets_of(shapes: Graph, shape: Node) -> str | None:
    groups = []
    classes = list(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, RDFS.Class) in shapes:
        classes.append(shape)
    for cls in classes:
        groups.append(f"{{ ?this a/<{RDFS.subClassOf}>* <{cls}> }}")
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        groups.append(f"{{ ?this <{prop}> ?_o }}")
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        groups.append(f"{{ ?_s <{prop}> ?this }}")
    for node in shapes.objects(shape, SH.targetNode):
        if not isinstance(node, URIRef):
            return None  # literal targets: leave the shape to pySHACL
        groups.append(f"{{ VALUES ?this {{ <{node}> }} }}")
    return " UNION ".join(groups) if groups else None


def _this_is_bound(query: str) -> bool:
    """Does ``$this`` occur in a triple pattern of the query's top-level group?"""
    try:
        where = query[query.index("{") + 1 : query.rindex("}")]
    except ValueError:
        return False
    depth = 0
    top = []
    for char in where:
        depth += char == "{"
        if depth == 0:
            top.append(char)
        depth -= char == "}"
    # What is left of the top group, outside nested groups, FILTERs and BINDs.
    text = re.sub(r"\b(FILTER|BIND)\s*\((?:[^()]|\([^()]*\))*\)", " ", "".join(top), flags=re.I)
    return re.search(r"[$?]this\b", text) is not None


def sparql_constraints(shapes: Graph, shape: Node, targets: str) -> list[SparqlConstraint]:
    """The ``sh:sparql`` constraints of a node shape whose focus nodes ``targets`` binds.

    Raises :class:`Unsupported` for a constraint that must stay with pySHACL.
    """
    taken = []
    # rdflib's terms are ordered (by kind, then text); its type hints do not say so.
    for node in sorted(shapes.objects(shape, SH.sparql)):  # type: ignore[type-var]
        if shapes.value(shape, SH.path) is not None:
            raise Unsupported("SPARQL constraints of property shapes: value nodes and paths")
        if Literal(True) in (
            *shapes.objects(node, SH.deactivated),
            shapes.value(shape, SH.deactivated),
        ):
            continue
        select = shapes.value(node, SH.select)
        messages = tuple(
            m
            for m in (*shapes.objects(node, SH.message), *shapes.objects(shape, SH.message))
            if isinstance(m, Literal)
        )
        if select is None or not messages:
            raise Unsupported("a SPARQL constraint without sh:select or sh:message")
        text = str(select)
        if _UNSUPPORTED.search(text) or not _this_is_bound(text):
            raise Unsupported("a SPARQL constraint that does not bind $this in a triple pattern")
        taken.append(
            SparqlConstraint(
                shape,
                node,
                _prefixes(shapes, node) + text,
                messages,
                shapes.value(shape, SH.severity) or SH.Violation,
                targets,
            )
        )
    return taken


_PLAIN = {None, XSD.string}


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal, originals: dict) -> Node:
    literal = plain_to_rdflib(term)
    if not isinstance(literal, Literal) or literal.datatype is None:
        return literal
    # The store keeps typed values in canonical form ("5.0" comes back as "5"); reports
    # name the literal as the data wrote it.
    return originals.get((literal.datatype, literal.value), literal)


def _format(message: str, bound: dict[str, Node]) -> str:
    # As pySHACL does it, so that messages come out the same.
    for name, value in bound.items():
        message = re.sub("{{[?$]{}}}".format(name), str(value), message)  # noqa: UP032
    return message


@dataclass
class LoadedGraph:
    """Data in a pyoxigraph store, and its typed literals as written (where known)."""

    store: ox.Store
    originals: dict
    default_graph: list | None = None  # the graphs queries see; the default graph if None

    def query(self, text: str):
        if self.default_graph is None:
            return self.store.query(text)
        return self.store.query(text, default_graph=self.default_graph)


def load(graph: Graph) -> LoadedGraph:
    store = ox.Store()
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    originals: dict[tuple, Literal] = {}
    for literal in graph.objects(unique=True):
        if not isinstance(literal, Literal):
            continue
        if literal.datatype not in _PLAIN and literal.value is not None:
            originals.setdefault((literal.datatype, literal.value), literal)
    return LoadedGraph(store, originals)


def _restricted(query: str, targets: str) -> str:
    """``query`` with its top-level group starting from the focus nodes.

    The same rows for the focus nodes as pre-binding ``$this`` gives (``$this`` is in a
    top-level triple pattern), and none for other nodes, which the engine then never
    visits: a constraint on quotes does not read every article's text.
    """
    where = query.index("{") + 1
    return f"{query[:where]} {{ SELECT DISTINCT ?this WHERE {{ {targets} }} }} {query[where:]}"


def evaluate(loaded: LoadedGraph, constraints: list[SparqlConstraint]) -> list[tuple[Node, ...]]:
    """Validation results of ``constraints`` on ``loaded``, as report-graph triples."""
    triples: list[tuple[Node, ...]] = []
    for constraint in constraints:
        solutions = loaded.query(_restricted(constraint.query, constraint.targets))
        names = [variable.value for variable in solutions.variables]
        seen = set()
        for row in solutions:
            if row["this"] is None:
                continue
            bound = {
                name: to_rdflib(row[name], loaded.originals)
                for name in names
                if row[name] is not None
            }
            this = bound.pop("this")
            path = bound.pop("path", None)
            value = bound.pop("value", None) or this
            key = (this, path, value, tuple(sorted(bound.items())))
            if key in seen:
                continue
            seen.add(key)
            result = BNode()
            triples += [
                (result, RDF.type, SH.ValidationResult),
                (result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent),
                (result, SH.sourceShape, constraint.shape),
                (result, SH.resultSeverity, constraint.severity),
                (result, SH.focusNode, this),
                (result, SH.value, value),
                (result, SH.sourceConstraint, constraint.node),
            ]
            if path is not None:
                triples.append((result, SH.resultPath, path))
            variables = {**bound, "this": this, "value": value}
            if path is not None:
                variables["path"] = path
            for message in constraint.messages:
                text = _format(str(message), variables)
                triples.append((result, SH.resultMessage, Literal(text)))
    return triples
