"""The build pipeline: what it produces, and what it does when the inputs are wrong."""

from __future__ import annotations

import json
import shutil

import pytest

from kg.build import DATASET_FILE, MANIFEST_FILE, BuildError, build_graph
from kg.build.vocabulary import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY
from kg.store import Build

from .conftest import replace_in

STEPS = [
    "parse",
    "seeds",
    "normalize",
    "evidence",
    "shacl",
    "disagreements",
    "identity",
    "reason",
    "labels",
    "datacube",
    "write",
    "tables",
    "swap",
]


def test_build_writes_three_named_graphs(build: Build) -> None:
    rows = build.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    counts = {row["g"]: row["n"] for row in rows}
    assert set(counts) == {str(GRAPH_ONTOLOGY), str(GRAPH_ASSERTED), str(GRAPH_INFERRED)}
    assert all(n > 0 for n in counts.values())
    assert counts == build.manifest["triples"]


def test_manifest_records_inputs_timings_and_versions(build: Build) -> None:
    manifest = json.loads((build.path / MANIFEST_FILE).read_text())
    assert [t["step"] for t in manifest["timings"]] == STEPS
    assert "seeds/000_2a50dbf748e918fa.txt" in manifest["inputs"]
    assert "graph/article-004.ttl" in manifest["inputs"]
    assert manifest["shacl"]["violations"] == 0
    assert {"rdflib", "owlrl", "pyshacl", "pyoxigraph"} <= set(manifest["versions"])


def test_progress_reports_every_step(project_copy) -> None:
    seen: list[str] = []
    build_graph(project_copy, progress=lambda step, seconds, detail: seen.append(step))
    assert seen == STEPS


def test_store_sees_union_of_graphs_by_default(build: Build) -> None:
    # lgde:Official is only ever inferred; the default graph must include it.
    rows = build.select("SELECT ?p WHERE { ?p a lgde:Official } ORDER BY ?p")
    assert [r["p"].rsplit("/", 1)[1] for r in rows] == ["liao-fei", "tao-changhai", "wang-zhonglin"]


def test_no_blank_nodes_anywhere(build: Build) -> None:
    assert (
        build.query(
            "ASK { { ?s ?p ?o FILTER(isBlank(?s)) } UNION { ?s ?p ?o FILTER(isBlank(?o)) } }"
        ).__bool__()
        is False
    )


def test_two_builds_of_the_same_sources_are_identical(project_copy) -> None:
    first = build_graph(project_copy).path
    second = build_graph(project_copy).path
    assert first != second
    assert (first / DATASET_FILE).read_bytes() == (second / DATASET_FILE).read_bytes()


def _fails(layout, step: str) -> BuildError:
    with pytest.raises(BuildError) as caught:
        build_graph(layout)
    assert caught.value.step == step, [str(p) for p in caught.value.problems]
    return caught.value


def test_failed_build_leaves_last_good_build_untouched(project_copy) -> None:
    good = build_graph(project_copy).path
    before = {p.relative_to(good): p.read_bytes() for p in good.rglob("*") if p.is_file()}
    replace_in(
        project_copy.graph_dir / "article-004.ttl",
        "Tao Changhai, Guizhou's vice-governor",
        "Tao Changhai, Guizhou's governor",
    )
    _fails(project_copy, "evidence")
    assert project_copy.current.resolve() == good.resolve()
    after = {p.relative_to(good): p.read_bytes() for p in good.rglob("*") if p.is_file()}
    assert after == before
    # No half-written build is left behind either.
    assert sorted(p.name for p in (project_copy.build_root / "builds").iterdir()) == [good.name]


def test_syntax_error_names_the_file(project_copy) -> None:
    replace_in(
        project_copy.graph_dir / "people.ttl",
        'rdfs:label "Lu Ming"@en ;',
        'rdfs:label "Lu Ming"@en ;;; ]',
    )
    error = _fails(project_copy, "parse")
    assert [p.file for p in error.problems] == ["graph/people.ttl"]


def test_changed_seed_file_is_caught_by_its_checksum(project_copy) -> None:
    seed = project_copy.seeds_dir / "002_89b75f63cf8a818f.txt"
    seed.write_bytes(seed.read_bytes().replace(b"six international", b"seven international"))
    error = _fails(project_copy, "seeds")
    (problem,) = error.problems
    assert problem.file == "graph/article-002.ttl"
    assert problem.subject.endswith("/article/002")
    assert "SHA-256" in problem.message


def test_missing_seed_file_is_reported(project_copy) -> None:
    (project_copy.seeds_dir / "003_f68933fece57e336.txt").unlink()
    error = _fails(project_copy, "seeds")
    assert "does not exist" in error.problems[0].message


def test_shacl_violation_stops_the_build_with_file_and_subject(project_copy) -> None:
    replace_in(
        project_copy.graph_dir / "article-001.ttl", "    lgde:comparator lgde:approximately ;\n", ""
    )
    error = _fails(project_copy, "shacl")
    problem = next(p for p in error.problems if "comparator" in p.message)
    assert problem.file == "graph/article-001.ttl"
    assert problem.subject.endswith("/target/anhui-rd-share-2022")


def test_build_with_no_data_files_fails(project_copy) -> None:
    shutil.rmtree(project_copy.graph_dir)
    project_copy.graph_dir.mkdir()
    error = _fails(project_copy, "parse")
    assert "no Turtle files" in error.problems[0].message
