"""Two IRIs with (nearly) the same name are reported until a person settles the pair."""

from __future__ import annotations

from pathlib import Path

from kg.build import build_graph
from kg.layout import Layout

from .conftest import replace_in

TWIN = """
sector:metaverses a lgde:Sector ;
    skos:prefLabel "Metaverses"@en ;
    skos:broader sector:future-industries ; skos:inScheme sector:scheme .
"""


def _identity(layout: Layout) -> list[str]:
    return [w.message for w in build_graph(layout).warnings if w.step == "identity"]


def test_the_graph_has_no_unsettled_pair(build) -> None:
    assert build.manifest["identity"] == []


def test_a_near_twin_is_reported_until_settled(project_copy: Layout) -> None:
    sectors = project_copy.graph_dir / "sectors.ttl"
    sectors.write_text(sectors.read_text(encoding="utf-8") + TWIN, encoding="utf-8")
    (message,) = _identity(project_copy)
    assert "sector/metaverse>" in message and "'metaverse' and 'metaverses'" in message
    assert "owl:differentFrom" in message and "graph/identity.ttl" in message
    # Settled as different: asked no more.
    (project_copy.graph_dir / "identity.ttl").write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix sector: <https://w3id.org/lgde/id/sector/> .\n"
        "# Settled: a plural used as a concept of its own (a test).\n"
        "sector:metaverse owl:differentFrom sector:metaverses .\n",
        encoding="utf-8",
    )
    assert _identity(project_copy) == []


def test_the_same_name_under_two_iris_is_reported(project_copy: Layout) -> None:
    replace_in(
        project_copy.graph_dir / "sectors.ttl",
        'sector:telecommunications a lgde:Sector ;\n    skos:prefLabel "telecommunications"@en ;',
        'sector:telecommunications a lgde:Sector ;\n    skos:prefLabel "telecommunications"@en ;\n'
        '    skos:altLabel "Cloud Computing"@en ;',
    )
    (message,) = _identity(project_copy)
    assert "'cloud computing'" in message


def test_names_that_differ_in_digits_or_one_letter_are_different(tmp_path: Path) -> None:
    from kg.build.identity import near

    assert not near("shanxi", "shaanxi")
    assert not near("replica group 3", "replica group 4")
    assert near("quantum informations", "quantum information")
