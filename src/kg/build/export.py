"""Export a build in the common RDF formats, deterministically.

Triple formats (Turtle, N-Triples, JSON-LD, RDF/XML) hold the union of the chosen
graphs; quad formats (N-Quads, TriG) keep the named graphs. Output is sorted and
stable, so two exports of the same build are byte-identical and diffs between
releases show only what changed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.build.vocabulary import GRAPH_INFERRED, GRAPHS
from kg.formats import GRAPH_FORMATS, by_key
from kg.layout import STORE_DIR
from kg.namespaces import PREFIXES
from kg.typed_results import written

FORMATS = by_key(GRAPH_FORMATS)  # the dump formats, by key


def _sorted_quads(store: ox.Store, include_inferred: bool) -> list[ox.Quad]:
    names = [ox.NamedNode(str(g)) for g in GRAPHS if include_inferred or g != GRAPH_INFERRED]
    quads = [q for name in names for q in store.quads_for_pattern(None, None, None, name)]
    # Sort by graph (in the fixed order above), then subject, predicate, object.
    order: dict[ox.NamedNode | ox.BlankNode | ox.DefaultGraph, int] = {
        name: i for i, name in enumerate(names)
    }
    return sorted(
        quads, key=lambda q: (order[q.graph_name], str(q.subject), str(q.predicate), str(q.object))
    )


def _sorted_triples(quads: list[ox.Quad]) -> list[ox.Triple]:
    unique = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(unique, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def export_store(store: ox.Store, fmt: str, *, include_inferred: bool = True) -> bytes:
    """Serialize the graphs of ``store`` as ``fmt`` (a key of :data:`FORMATS`)."""
    spec = FORMATS[fmt]
    quads = _sorted_quads(store, include_inferred)
    if spec.quads:
        return written(ox.serialize(quads, format=spec.engine_rdf, prefixes=PREFIXES))
    triples = _sorted_triples(quads)
    if fmt != "jsonld":
        # pyoxigraph keeps every literal's lexical form; rdflib's Turtle writer would
        # turn "12"^^xsd:decimal into 12.0, a different term.
        return written(ox.serialize(triples, format=spec.engine_rdf, prefixes=PREFIXES))
    # rdflib writes compacted JSON-LD, which pyoxigraph does not.
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    document = json.loads(graph.serialize(format="json-ld", context=dict(PREFIXES)))
    return (
        json.dumps(_canonical(document), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    ).encode("utf-8")


def _canonical(value: object, in_list: bool = False) -> object:
    """Sort JSON-LD arrays (their order carries no meaning, except inside @list)."""
    if isinstance(value, dict):
        return {k: _canonical(v, in_list=(k == "@list")) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical(v) for v in value]
        if in_list:
            return items
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def export(build_path: Path, fmt: str, *, include_inferred: bool = True) -> bytes:
    """Serialize the build in ``build_path`` as ``fmt``."""
    store = ox.Store.read_only(str(build_path / STORE_DIR))
    return export_store(store, fmt, include_inferred=include_inferred)


def main(arguments: list[str] | None = None) -> int:
    """``python -m kg.build.export STORE FORMAT``: write the store's export to stdout.

    The server makes its downloads this way, in a child process, so that the serving
    side never loads the build's libraries (rdflib writes the JSON-LD).
    """
    store_path, fmt = arguments if arguments is not None else sys.argv[1:]
    store = ox.Store.read_only(store_path)
    sys.stdout.buffer.write(export_store(store, fmt))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
