"""Write graphs as sorted N-Quads: the canonical, diff-friendly form of a build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef


def nquad_lines(graphs: dict[URIRef, Graph]) -> list[str]:
    """Every triple of every graph as one N-Quads line, sorted."""
    dataset = Dataset()
    for name, graph in graphs.items():
        named = dataset.graph(name)
        for triple in graph:
            named.add(triple)
    text = dataset.serialize(format="nquads", encoding="utf-8").decode("utf-8")
    return sorted(line + "\n" for line in text.splitlines() if line.strip())


def write_nquads(graphs: dict[URIRef, Graph], path: Path) -> int:
    lines = nquad_lines(graphs)
    path.write_text("".join(lines), encoding="utf-8")
    return len(lines)


def write_store_nquads(store: ox.Store, path: Path) -> int:
    """Every quad of ``store`` as one N-Quads line, sorted, written to ``path``."""
    lines = store.dump(format=ox.RdfFormat.N_QUADS).splitlines(keepends=True)
    lines.sort()  # UTF-8 bytes sort as their code points do: the order nquad_lines gives
    path.write_bytes(b"".join(lines))
    return len(lines)
