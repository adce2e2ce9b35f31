"""Where the project's inputs live and where builds are written.

The defaults follow the repository layout; ``KG_HOME`` points at another checkout and
``KG_BUILD_DIR`` moves the builds (both are read when a :class:`Layout` is made).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

# What a build folder holds.
DATASET_FILE = "dataset.nq"
STORE_DIR = "store"
MANIFEST_FILE = "manifest.json"


def _default_home() -> Path:
    env = os.environ.get("KG_HOME")
    if env:
        return Path(env).resolve()
    # An editable install runs from src/kg/ inside the checkout.
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "graph").is_dir() and (checkout / "ontology").is_dir():
        return checkout
    return Path.cwd()


@dataclass(frozen=True)
class Layout:
    """The folders of one project checkout."""

    home: Path
    build_root: Path

    @classmethod
    def discover(cls, home: Path | None = None) -> Layout:
        home = (home or _default_home()).resolve()
        build_root = Path(os.environ.get("KG_BUILD_DIR") or home / "var").resolve()
        return cls(home=home, build_root=build_root)

    @property
    def ontology_dir(self) -> Path:
        return self.home / "ontology"

    @property
    def graph_dir(self) -> Path:
        return self.home / "graph"

    @property
    def seeds_dir(self) -> Path:
        return self.home / "seeds"

    @property
    def queries_dir(self) -> Path:
        return self.home / "queries"

    @property
    def shapes_file(self) -> Path:
        return self.ontology_dir / "shapes.ttl"

    @property
    def ontology_files(self) -> list[Path]:
        """The OWL ontology files, without the SHACL shapes."""
        return sorted(p for p in self.ontology_dir.glob("*.ttl") if p != self.shapes_file)

    @property
    def data_files(self) -> list[Path]:
        return sorted(self.graph_dir.glob("*.ttl"))

    @property
    def current(self) -> Path:
        """The link to the last good build."""
        return self.build_root / "current"
