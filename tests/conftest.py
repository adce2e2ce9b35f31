"""Shared fixtures: one real build of the project, made once per test session in a
temporary folder, and copies of the project that tests may break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.build import build_graph
from kg.layout import Layout
from kg.store import Build

HOME = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """The project itself, building into a temporary folder."""
    return Layout(home=HOME, build_root=tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="session")
def build(layout: Layout) -> Build:
    """The project's graph, built once for the whole session."""
    build_graph(layout)
    return Build.open(layout.current)


@pytest.fixture
def project_copy(tmp_path: Path) -> Layout:
    """A copy of the project's inputs that a test may change; builds go beside it."""
    home = tmp_path / "project"
    for folder in ("ontology", "graph", "seeds", "queries"):
        shutil.copytree(HOME / folder, home / folder)
    return Layout(home=home, build_root=tmp_path / "var")


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a copied source file; fail loudly if the text to change is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
