"""The W3C SHACL Core test suite, run on the build's SHACL engine.

The suite (``tests/w3c/shacl-core/``, copied unmodified with its licence and
provenance) holds 98 ``sht:Validate`` tests: a data graph, a shapes graph and the
validation report expected. Each runs through :func:`kg.build.validate.run_shacl`, the
engine the build uses: shapes it compiles run as SPARQL on pyoxigraph, the rest go to
pySHACL. The report is compared as the suite defines full compliance: the two reports
must be isomorphic once ``sh:resultMessage`` and ``sh:detail`` are left out.

Tests that fail are listed in ``KNOWN_FAILURES`` with their cause, each an expected
failure (strict: one that starts to pass is reported).
"""

from __future__ import annotations

import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

from kg.build.data_store import DataStore
from kg.build.validate import ShaclPlan, run_shacl

from .conftest import W3C, with_known_failures

SUITE = W3C / "shacl-core" / "core"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

# Test name -> why it fails (strict expected failures).
KNOWN_FAILURES: dict[str, str] = {
    "property/uniqueLang-002": "delegated to pySHACL (sh:uniqueLang is not compiled), "
    'which takes sh:uniqueLang "1"^^xsd:boolean as true; the suite says only true '
    "activates it",
}


@dataclass(frozen=True)
class ShaclTest:
    name: str
    file: Path
    node: URIRef


def _path(node: object) -> Path:
    return Path(urllib.parse.unquote(urllib.parse.urlsplit(str(node)).path))


def _parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=path.as_uri())


def read_suite() -> list[ShaclTest]:
    tests = []
    pending = [SUITE / "manifest.ttl"]
    while pending:
        manifest = pending.pop()
        graph = _parse(manifest)
        for include in graph.objects(None, MF.include):
            pending.append(_path(include))
        for entries in graph.objects(None, MF.entries):
            for entry in Collection(graph, entries):
                if (entry, RDF.type, SHT.Validate) in graph:
                    name = str(entry).split("/core/", 1)[-1]
                    tests.append(ShaclTest(name, manifest, URIRef(entry)))
    return sorted(tests, key=lambda t: t.name)


TESTS = read_suite()


def test_the_suite_is_all_here() -> None:
    assert len(TESTS) == 98  # the provenance note counts 98 sht:Validate tests
    assert set(KNOWN_FAILURES) <= {t.name for t in TESTS}


def _without_messages(report: Graph, root: object, shapes: Graph | None = None) -> Graph:
    """The report under ``root`` as the suite compares reports: its results, less
    sh:resultMessage and sh:detail.

    Focus nodes, values and source shapes are compared as the nodes they are, not by
    what the data or shapes say of them. A ``sh:resultPath`` is compared as the path it
    describes: each result gets its own copy, read from the report, or else from
    ``shapes``, where the path is.
    """
    kept = Graph()
    for _, p, o in report.triples((root, None, None)):
        if p != SH.result:
            kept.add((root, p, o))
    for result in report.objects(root, SH.result):
        kept.add((root, SH.result, result))
        for _, p, o in report.triples((result, None, None)):
            if p in (SH.resultMessage, SH.detail):
                continue
            if p == SH.resultPath and isinstance(o, BNode):
                o = _copy_path(o, report if (o, None, None) in report else shapes, kept)
            kept.add((result, p, o))
    return kept


_PATH_KINDS = (
    SH.inversePath,
    SH.alternativePath,
    SH.zeroOrMorePath,
    SH.oneOrMorePath,
    SH.zeroOrOnePath,
)


def _copy_path(node: object, source: Graph | None, into: Graph) -> object:
    """A fresh copy of the SHACL path at ``node`` in ``source``, added to ``into``.

    A list is a sequence path, whatever else its first node says; otherwise the node's
    one path property is copied."""
    if not isinstance(node, BNode) or source is None:
        return node
    fresh = BNode()
    first = source.value(node, RDF.first)
    if first is not None:
        into.add((fresh, RDF.first, _copy_path(first, source, into)))
        into.add((fresh, RDF.rest, _copy_path(source.value(node, RDF.rest), source, into)))
        return fresh
    for kind in _PATH_KINDS:
        value = source.value(node, kind)
        if value is not None:
            into.add((fresh, kind, _copy_path(value, source, into)))
    return fresh


def _expected(test: ShaclTest) -> tuple[DataStore | Graph, Graph, Graph]:
    manifest = _parse(test.file)
    action = manifest.value(test.node, MF.action)
    data_file = _path(manifest.value(action, SHT.dataGraph))
    shapes = _parse(_path(manifest.value(action, SHT.shapesGraph)))
    result = manifest.value(test.node, MF.result)
    data: DataStore | Graph
    if ShaclPlan.of(shapes).rest is None:
        # The compiled engine reads the data as the build does: parsed by pyoxigraph
        # into the store it runs on (rdflib would rewrite an ill-formed literal such as
        # "none"^^xsd:boolean as "false").
        data = DataStore()
        data.store.load(
            path=str(data_file),
            format=ox.RdfFormat.TURTLE,
            base_iri=data_file.as_uri(),
            to_graph=data.graph,
        )
    else:
        # pySHACL reads rdflib graphs; the store would canonicalise "300"^^xsd:byte as
        # the integer 300, which is why those shapes are delegated.
        data = _parse(data_file)
    return data, shapes, _without_messages(manifest, result)


def _kind(test: ShaclTest) -> str:
    _, shapes, _ = _expected(test)
    return "compiled" if ShaclPlan.of(shapes).rest is None else "delegated"


def test_the_compiled_engine_passes_every_test_it_accepts() -> None:
    kinds = {test.name: _kind(test) for test in TESTS}
    assert Counter(kinds.values()) == {"compiled": 57, "delegated": 41}
    # Every remaining failure is pySHACL's, on a shape the compiler leaves to it.
    assert {kinds[name] for name in KNOWN_FAILURES} == {"delegated"}


@pytest.mark.parametrize("test", with_known_failures(TESTS, KNOWN_FAILURES))
def test_w3c_shacl_core(test: ShaclTest) -> None:
    data, shapes, expected = _expected(test)
    report = run_shacl(data, shapes, Graph(), lambda node: "").graph
    root = report.value(None, RDF.type, SH.ValidationReport, any=True)
    actual = _without_messages(report, root, shapes)
    assert isomorphic(actual, expected), (
        f"expected:\n{expected.serialize(format='turtle')}\n"
        f"actual:\n{actual.serialize(format='turtle')}"
    )
