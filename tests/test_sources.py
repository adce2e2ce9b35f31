"""Reading the data files into the build's store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.build.data_store import DataStore
from kg.build.sources import Sources, _parse_data
from kg.layout import Layout


def _read(tmp_path: Path, texts: dict[str, str]) -> tuple[Sources, list]:
    layout = Layout(home=tmp_path, build_root=tmp_path / "var")
    sources = Sources(ontology=None, data=DataStore(), shapes=None)  # type: ignore[arg-type]
    parsed: list = []
    for name, text in texts.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        _parse_data(path, layout, sources, parsed)
    return sources, parsed


def test_blank_node_labels_are_scoped_to_their_file(tmp_path: Path) -> None:
    # pyoxigraph keeps labels as written; rdflib (and RDF) give each document its own.
    text = "_:b1 <https://e/p> 1 .\n"
    _, parsed = _read(tmp_path, {"a.ttl": text, "b.ttl": text})
    subjects = {t.subject for t in parsed}
    assert len(subjects) == 2 and all(isinstance(s, ox.BlankNode) for s in subjects)


def test_a_syntax_error_names_the_file_and_keeps_the_other_files(tmp_path: Path) -> None:
    sources, parsed = _read(
        tmp_path,
        {
            "good.ttl": "<https://e/a> <https://e/p> 1 .\n",
            "bad.ttl": '<https://e/a> <https://e/p> "x .\n',
        },
    )
    (problem,) = sources.problems
    assert problem.file == "bad.ttl" and "line" in problem.message
    assert len(parsed) == 1
    assert sources.file_of(ox.NamedNode("https://e/a")) == "good.ttl"
