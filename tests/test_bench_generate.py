"""The benchmark's synthetic projects: deterministic, of the size asked, valid as built."""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

from rdflib import Graph

from bench.generate import generate, read_template
from kg.build import build_graph
from kg.build.skolem import skolemize
from kg.build.vocabulary import GRAPH_ASSERTED
from kg.layout import Layout

from .conftest import HOME


def _same_tree(a: Path, b: Path) -> bool:
    compared = filecmp.dircmp(a, b)
    if compared.left_only or compared.right_only or compared.diff_files or compared.funny_files:
        return False
    return all(_same_tree(a / d, b / d) for d in compared.common_dirs)


def test_same_seed_same_files_other_seed_other_values(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 12_000, seed=7)
    generate(tmp_path / "b", 12_000, seed=7)
    generate(tmp_path / "c", 12_000, seed=8)
    assert _same_tree(tmp_path / "a", tmp_path / "b")
    assert not _same_tree(tmp_path / "a", tmp_path / "c")
    assert first.replicas > 1


def test_size_is_about_what_was_asked(tmp_path: Path) -> None:
    template = read_template()
    per_replica = len(template.article_triples) + len(template.group_triples)
    result = generate(tmp_path / "p", 30_000)
    assert 30_000 <= result.triples < 30_000 + per_replica
    written = sum(
        len(Graph().parse(path, format="turtle"))
        for path in (tmp_path / "p" / "graph").glob("*.ttl")
    )
    assert written == result.triples
    assert len(list((tmp_path / "p" / "seeds").glob("*.txt"))) == 5 * result.replicas


def test_replica_zero_is_the_real_graph(tmp_path: Path) -> None:
    generate(tmp_path / "p", 1)  # one replica: the real articles alone
    generated = Graph()
    for path in (tmp_path / "p" / "graph").glob("*.ttl"):
        generated.parse(path, format="turtle")
    real = Graph()
    for path in (HOME / "graph").glob("*.ttl"):
        real += skolemize(Graph().parse(path, format="turtle"))[0]
    assert set(generated) == set(real)


def test_a_generated_project_builds_and_conforms(tmp_path: Path) -> None:
    result = generate(tmp_path / "p", 15_000, seed=3)
    assert result.groups > 1  # so shared regions and people are copied too
    layout = Layout(home=tmp_path / "p", build_root=tmp_path / "var")
    built = build_graph(layout)  # raises BuildError on any SHACL violation or bad quote
    assert built.manifest["triples"][str(GRAPH_ASSERTED)] > result.triples  # plus the seed texts
    # No SHACL warning, as on the real graph. Replicas that share a region report
    # different (scaled) figures for it: each such pair is a disagreement between two
    # replicas, never within one.
    assert [w for w in built.warnings if w.step != "disagreements"] == []
    pairs = [
        (w.subject, re.search(r"<([^>]+)>", w.message).group(1))  # type: ignore[union-attr]
        for w in built.warnings
    ]
    assert pairs
    replica = re.compile(r"-r(\d+)$")
    for a, b in pairs:
        first, second = replica.search(a), replica.search(b)
        assert (first and first.group(1)) != (second and second.group(1)), (a, b)
