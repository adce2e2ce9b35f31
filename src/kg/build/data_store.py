"""The asserted data of a build, held in an in-memory pyoxigraph store.

rdflib took 28 s to parse a 600k-triple graph here, and its graphs cost about 1.3 KB per
triple; pyoxigraph parses the same files in under 2 s into a store of a fifth of the
size. So the build keeps its data (which grows) in a store, and only the ontology and
the shapes (which do not) in rdflib graphs, where owlrl and pySHACL read them.

>>> data = DataStore()
>>> data.add_graph(Graph().parse(data="<https://e/a> <https://e/p> 1 .", format="turtle"))
>>> len(data)
1
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from kg.build.vocabulary import GRAPH_ASSERTED, GRAPH_ONTOLOGY
from kg.typed_results import Term, solutions

_STRING = ox.NamedNode(str(XSD.string))


class Terms:
    """Converts terms between pyoxigraph and rdflib, remembering what it converted."""

    def __init__(self) -> None:
        self._to_rdflib: dict = {}
        self._to_ox: dict = {}

    def rdflib(self, term: Term) -> Node:
        known = self._to_rdflib.get(term)
        if known is None:
            known = self._to_rdflib[term] = to_rdflib(term)
        return known

    def ox(self, term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        known = self._to_ox.get(term)
        if known is None:
            known = self._to_ox[term] = to_ox(term)
        return known


def to_rdflib(term: Term) -> Node:
    """The rdflib term for a pyoxigraph one (an ``xsd:string`` literal comes back plain)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Triple):
        raise TypeError(f"a quoted triple has no rdflib term: {term}")
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype == _STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib one."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


class DataStore:
    """Asserted triples in the named graph ``GRAPH_ASSERTED`` of an in-memory store.

    The ontology can be put beside them (``GRAPH_ONTOLOGY``), so that SHACL sees
    subclass links; queries see the asserted graph alone, or both with ``with_ontology``.
    """

    def __init__(self) -> None:
        self.store = ox.Store()
        self.graph = ox.NamedNode(GRAPH_ASSERTED)
        self.ontology = ox.NamedNode(GRAPH_ONTOLOGY)
        self.terms = Terms()

    def __len__(self) -> int:
        # Counted by the engine: iterating millions of quads in Python takes seconds.
        rows = solutions(
            self.store.query(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {self.graph} {{ ?s ?p ?o }} }}"
            )
        )
        return int(next(iter(rows))["n"].value)

    def add(self, triple: ox.Triple, graph: ox.NamedNode | None = None) -> None:
        self.store.add(
            ox.Quad(triple.subject, triple.predicate, triple.object, graph or self.graph)
        )

    def remove(self, triple: ox.Triple) -> None:
        self.store.remove(ox.Quad(triple.subject, triple.predicate, triple.object, self.graph))

    def extend(self, triples: Iterable[ox.Triple], graph: ox.NamedNode | None = None) -> None:
        name = graph or self.graph
        self.store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)

    def add_graph(self, graph: Iterable[tuple], name: ox.NamedNode | None = None) -> None:
        """Copy rdflib triples in (into the asserted graph unless ``name`` says otherwise)."""
        convert = self.terms.ox
        self.extend(
            (ox.Triple(convert(s), convert(p), convert(o)) for s, p, o in graph),  # type: ignore[arg-type]
            name,
        )

    def __contains__(self, triple: tuple[Node, Node, Node]) -> bool:
        s, p, o = (self.terms.ox(t) for t in triple)
        if isinstance(s, ox.Literal) or not isinstance(p, ox.NamedNode):
            return False  # generalised RDF, as owlrl may derive: never in the data
        return ox.Quad(s, p, o, self.graph) in self.store

    def triples(
        self,
        subject: object = None,
        predicate: object = None,
        obj: object = None,
    ) -> Iterator[ox.Triple]:
        for quad in self.store.quads_for_pattern(subject, predicate, obj, self.graph):  # type: ignore[arg-type]
            yield quad.triple

    def rdflib_triples(self, predicate: object = None, obj: object = None) -> Iterator[tuple]:
        """The asserted triples as rdflib terms, optionally those with one predicate/object."""
        convert = self.terms.rdflib
        for t in self.triples(None, predicate, obj):
            yield convert(t.subject), convert(t.predicate), convert(t.object)

    def query(self, text: str, *, with_ontology: bool = False):
        graphs: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph] = [self.graph]
        if with_ontology:
            graphs.append(self.ontology)
        return self.store.query(text, default_graph=graphs)

    def to_graph(self, *, with_ontology: bool = False) -> Graph:
        """The data as an rdflib graph, for the tools that only read those."""
        graph = Graph()
        convert = self.terms.rdflib
        graphs = [self.graph, self.ontology] if with_ontology else [self.graph]
        for name in graphs:
            for quad in self.store.quads_for_pattern(None, None, None, name):
                graph.add((convert(quad.subject), convert(quad.predicate), convert(quad.object)))
        return graph
