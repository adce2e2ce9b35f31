"""Exports: every format parses in rdflib and pyoxigraph to the same graph, and is stable."""

from __future__ import annotations

import os
import subprocess
import sys

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph

from kg.build.export import FORMATS, export_store
from kg.build.vocabulary import GRAPH_INFERRED
from kg.store import Build

RDFLIB_NAMES = {
    "turtle": "turtle",
    "ntriples": "nt",
    "nquads": "nquads",
    "trig": "trig",
    "jsonld": "json-ld",
    "xml": "xml",
}


def _rdflib_triples(data: bytes, fmt: str) -> set:
    dataset = Dataset()
    dataset.parse(data=data, format=RDFLIB_NAMES[fmt])
    return {(s, p, o) for s, p, o, _ in dataset.quads()}


def _oxigraph_triples(data: bytes, fmt: str) -> set:
    quads = ox.parse(data, format=FORMATS[fmt].engine_rdf)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    graph = Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return set(graph)


@pytest.fixture(scope="module")
def reference(build: Build) -> set:
    """All triples of the build, read straight from the store."""
    quads = build.store.quads_for_pattern(None, None, None, None)
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    return set(
        Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    )


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_parses_to_the_same_graph_in_rdflib_and_pyoxigraph(build, reference, fmt) -> None:
    data = export_store(build.store, fmt)
    assert _rdflib_triples(data, fmt) == reference
    assert _oxigraph_triples(data, fmt) == reference


@pytest.mark.parametrize("fmt", ["nquads", "trig"])
def test_quad_formats_keep_the_named_graphs(build, fmt) -> None:
    dataset = Dataset()
    dataset.parse(data=export_store(build.store, fmt), format=RDFLIB_NAMES[fmt])
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert names == {
        "https://w3id.org/lgde/graph/ontology",
        "https://w3id.org/lgde/graph/asserted",
        "https://w3id.org/lgde/graph/inferred",
    }


def test_no_inferred_leaves_out_exactly_the_inferred_graph(build, reference) -> None:
    without = _rdflib_triples(export_store(build.store, "nquads", include_inferred=False), "nquads")

    def graph(name: str) -> set:
        quads = build.store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
        nt = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        return set(Graph().parse(data=nt, format="nt"))

    kept = graph("https://w3id.org/lgde/graph/ontology") | graph(
        "https://w3id.org/lgde/graph/asserted"
    )
    assert without == kept
    assert reference - without == graph(str(GRAPH_INFERRED)) - kept
    assert len(reference - without) > 1000


def test_turtle_declares_the_project_prefixes(build) -> None:
    head = export_store(build.store, "turtle").decode()[:3000]
    for prefix in ("lgde:", "region:", "sector:", "prov:", "oa:"):
        assert f"@prefix {prefix}" in head


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_is_byte_identical_whatever_the_hash_seed(build, fmt) -> None:
    script = (
        "import sys; from pathlib import Path; from kg.build.export import export; "
        f"sys.stdout.buffer.write(export(Path({str(build.path)!r}), {fmt!r}))"
    )
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        outputs.append(
            subprocess.run(
                [sys.executable, "-c", script], env=env, capture_output=True, check=True
            ).stdout
        )
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 10_000
