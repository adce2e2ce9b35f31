"""Extra data files served beside a build."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest

from kg.layout import STORE_DIR
from kg.serve.dataset import DataFileError, serving_store
from kg.store import Build


def test_no_extra_files_serves_the_build_itself(build: Build) -> None:
    path, temporary = serving_store(build.path, [])
    assert path == build.path / STORE_DIR and temporary is None


def test_triple_files_become_a_graph_named_by_their_uri_and_quads_keep_theirs(build, tmp_path):
    turtle = tmp_path / "extra.ttl"
    turtle.write_text("<http://example.org/a> <http://example.org/p> 1 .\n")
    quads = tmp_path / "extra.nq"
    quads.write_text('<http://example.org/b> <http://example.org/p> "2" <http://example.org/g> .\n')
    path, temporary = serving_store(build.path, [turtle, quads])
    try:
        store = ox.Store.read_only(str(path))
        graphs = {g.value for g in store.named_graphs()}
        assert turtle.resolve().as_uri() in graphs
        assert "http://example.org/g" in graphs
        assert "https://w3id.org/lgde/graph/asserted" in graphs
        del store
    finally:
        shutil.rmtree(temporary)


def test_unreadable_file_is_a_clear_error(build, tmp_path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .\n")
    with pytest.raises(DataFileError, match=r"broken\.ttl"):
        serving_store(build.path, [broken])
    unknown = tmp_path / "data.xlsx"
    unknown.write_bytes(b"PK")
    with pytest.raises(DataFileError, match="unknown RDF format"):
        serving_store(build.path, [unknown])


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("relative.ttl", "<a> <p> <#b> .\n"),
        (
            "relative.nt.rdf",
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
            ' xmlns:e="http://example.org/"><rdf:Description rdf:about="a"><e:p rdf:resource="#b"/>'
            "</rdf:Description></rdf:RDF>\n",
        ),
        ("relative.trig", "<g> { <a> <p> <#b> . }\n"),
    ],
)
def test_relative_iris_in_a_file_are_resolved_against_its_uri(build, tmp_path, name, text):
    # Regression: files were loaded without a base IRI, and one relative IRI stopped
    # the server from starting.
    data = tmp_path / name
    data.write_text(text)
    path, temporary = serving_store(build.path, [data])
    try:
        store = ox.Store.read_only(str(path))
        base = data.resolve().as_uri()
        found = list(
            store.quads_for_pattern(ox.NamedNode(base.rsplit("/", 1)[0] + "/a"), None, None)
        )
        assert [q.object.value for q in found] == [base + "#b"]
        del store
    finally:
        shutil.rmtree(temporary)
