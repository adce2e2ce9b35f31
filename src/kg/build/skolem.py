"""Give every blank node a stable, readable IRI.

Exports must be deterministic and every node dereferenceable, so blank nodes in the
sources (evidence annotations, selectors, checksums, OWL restrictions) are replaced by
IRIs derived from the resource that refers to them: the evidence that article 001 gives
for ``target:x`` becomes ``<target:x>/evidence/001``, its selector
``<target:x>/evidence/001/selector``. A blank node referred to from nowhere or from
several places gets ``id/genid/<content hash>``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.term import Node

from kg.build.data_store import DataStore
from kg.build.vocabulary import ID, LGDE, OA, SPDX

# Readable path segments for the links that most often point at blank nodes.
_SEGMENTS = {LGDE.evidence: "evidence", OA.hasSelector: "selector", SPDX.checksum: "checksum"}


def _local_name(predicate: URIRef) -> str:
    text = str(predicate)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


class _Skolemizer:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.incoming: dict[BNode, list[tuple[Node, URIRef]]] = defaultdict(list)
        self.has_blank_nodes = False
        for s, p, o in graph:
            if isinstance(o, BNode):
                self.incoming[o].append((s, p))  # type: ignore[arg-type]
            if isinstance(s, BNode) or isinstance(o, BNode):
                self.has_blank_nodes = True
        self.names: dict[BNode, URIRef] = {}
        self.digests: dict[BNode, str] = {}

    def digest(self, node: BNode, seen: frozenset[BNode] = frozenset()) -> str:
        """A hash of the node's description, nested blank nodes included."""
        if node in self.digests:
            return self.digests[node]
        lines = []
        for p, o in self.graph.predicate_objects(node):
            if isinstance(o, BNode):
                value = "_:cycle" if o in seen else "_:" + self.digest(o, seen | {node})
            else:
                value = o.n3()
            lines.append(f"{p.n3()} {value}")
        result = hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()
        self.digests[node] = result
        return result

    def name(self, node: BNode) -> URIRef:
        if node in self.names:
            return self.names[node]
        refs = self.incoming.get(node, [])
        if len(refs) != 1:
            iri = URIRef(f"{ID}genid/{self.digest(node)[:16]}")
        else:
            parent, predicate = refs[0]
            base = self.name(parent) if isinstance(parent, BNode) else parent
            iri = URIRef(f"{base}/{self._segment(parent, predicate, node)}")
        self.names[node] = iri
        return iri

    def _segment(self, parent: Node, predicate: URIRef, node: BNode) -> str:
        label = _SEGMENTS.get(predicate, _local_name(predicate))
        siblings = [o for o in self.graph.objects(parent, predicate) if isinstance(o, BNode)]
        if predicate == LGDE.evidence:
            source = self.graph.value(node, OA.hasSource)
            key = _local_name(source) if isinstance(source, URIRef) else "unknown"
            same_source = [s for s in siblings if self.graph.value(s, OA.hasSource) == source]
            if len(same_source) == 1:
                return f"{label}/{key}"
            return f"{label}/{key}-{self.digest(node)[:8]}"
        if len(siblings) == 1:
            return label
        return f"{label}/{self.digest(node)[:8]}"


def skolemize(graph: Graph) -> tuple[Graph, dict[URIRef, Node]]:
    """Return ``graph`` without blank nodes, and a map from each new IRI to its owner.

    The result is a copy, or ``graph`` itself when it has no blank node.

    The owner is the nearest IRI-named resource that refers to the node, so a problem
    found on an evidence annotation can be reported against the fact it supports.
    """
    work = _Skolemizer(graph)
    if not work.has_blank_nodes:
        return graph, {}  # nothing to name; copying a large graph costs more than the check
    result = Graph()
    for prefix, namespace in graph.namespaces():
        result.bind(prefix, namespace)

    def term(node: Node) -> Node:
        return work.name(node) if isinstance(node, BNode) else node

    for s, p, o in graph:
        result.add((term(s), p, term(o)))

    owners: dict[URIRef, Node] = {}
    for node, iri in work.names.items():
        owner: Node = node
        while isinstance(owner, BNode) and len(work.incoming.get(owner, [])) == 1:
            owner = work.incoming[owner][0][0]
        owners[iri] = owner if not isinstance(owner, BNode) else iri
    return result, owners


def skolemize_store(data: DataStore) -> tuple[dict[str, str], list[str]]:
    """Name the blank nodes of ``data`` in place, as :func:`skolemize` names them.

    Returns each new IRI's owner (as IRIs), and the new IRIs the data already used,
    which the caller must refuse (the store is then left half-renamed).
    """
    rows = data.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }")
    blank = [ox.Triple(row["s"], row["p"], row["o"]) for row in rows]
    if not blank:
        return {}, []
    convert = data.terms.rdflib
    graph = Graph()
    for t in blank:
        graph.add((convert(t.subject), convert(t.predicate), convert(t.object)))
    renamed, owners = skolemize(graph)
    clashes = sorted(
        str(iri) for iri in owners if any(data.triples(ox.NamedNode(str(iri)), None, None))
    )
    for t in blank:
        data.remove(t)
    to_ox = data.terms.ox
    data.extend(ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in renamed)  # type: ignore[arg-type]
    return {str(iri): str(owner) for iri, owner in owners.items()}, clashes


def canonical_decimals(graph: Graph) -> Graph:
    """Rewrite xsd:decimal literals in their XSD canonical form ("12", "33.33").

    "12.0" and "12" are the same number but different RDF terms; stores such as
    Oxigraph keep only the canonical form, so the build writes that form everywhere
    and every export of a build holds exactly the same terms. ``graph`` is changed in
    place (copying a large graph costs more than the few rewrites) and returned.
    """
    from decimal import Decimal, InvalidOperation

    from rdflib import Literal
    from rdflib.namespace import XSD

    changes = {}
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            try:
                value = Decimal(str(o))
            except InvalidOperation:
                continue  # left for SHACL to report as ill-typed
            if value == value.to_integral_value():
                text = str(int(value))
            else:
                text = format(value.normalize(), "f")
            if text != str(o):
                changes[(s, p, o)] = Literal(text, datatype=XSD.decimal)
    for triple, literal in changes.items():
        graph.remove(triple)
        graph.add((triple[0], triple[1], literal))
    return graph
