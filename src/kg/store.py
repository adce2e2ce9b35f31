"""Open a build and query it with pyoxigraph.

>>> build = open_build()                                    # doctest: +SKIP
>>> build.select("SELECT ?r WHERE { ?r a lgde:Province } ORDER BY ?r LIMIT 1")  # doctest: +SKIP
[{'r': 'https://w3id.org/lgde/id/region/anhui'}]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from kg.layout import MANIFEST_FILE, STORE_DIR, Layout
from kg.namespaces import sparql_prologue

Value = str | int | float | bool | None


class NoBuildError(Exception):
    """There is no current build and none was asked for."""


class DamagedBuildError(Exception):
    """A build folder that cannot be read: what is wrong, and what to do."""

    def __init__(self, path: Path, what: str, cause: object) -> None:
        self.path = path
        super().__init__(
            f"The build at {path} is damaged: {what} ({cause}). Run 'kg build' to make a "
            "new one (the damaged folder can then be deleted)."
        )


@dataclass
class Build:
    """A finished build: its folder, its manifest and its (read-only) store."""

    path: Path
    manifest: dict = field(repr=False)
    store: pyoxigraph.Store = field(repr=False)

    @classmethod
    def open(cls, path: Path) -> Build:
        """The build in ``path``; :class:`DamagedBuildError` if it cannot be read."""
        path = path.resolve()
        try:
            manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise DamagedBuildError(path, f"its {MANIFEST_FILE} cannot be read", error) from None
        if not (path / STORE_DIR).is_dir():
            raise DamagedBuildError(path, f"its {STORE_DIR}/ folder is missing", "not found")
        try:
            store = pyoxigraph.Store.read_only(str(path / STORE_DIR))
        except (OSError, RuntimeError) as error:  # RocksDB reports corruption as RuntimeError
            raise DamagedBuildError(path, f"its {STORE_DIR}/ cannot be opened", error) from None
        return cls(path, manifest, store)

    def query(self, sparql: str, *, prefixes: bool = True, **options):
        """Run a SPARQL query over the union of all graphs.

        The project's prefixes are declared unless ``prefixes=False``. Returns
        pyoxigraph's result object (solutions, a boolean, or triples).
        """
        text = sparql_prologue() + sparql if prefixes else sparql
        options.setdefault("use_default_graph_as_union", True)
        return self.store.query(text, **options)

    def select(self, sparql: str) -> list[dict[str, Value]]:
        """Rows of a SELECT query as dicts of plain Python values (IRIs as strings)."""
        solutions = self.query(sparql)
        names = [v.value for v in solutions.variables]
        return [{name: to_python(row[name]) for name in names} for row in solutions]


def to_python(term: object) -> Value:
    """A plain Python value for an RDF term: numbers and booleans typed, the rest text."""
    if term is None:
        return None
    if isinstance(term, pyoxigraph.Literal):
        datatype = term.datatype.value
        xsd = "http://www.w3.org/2001/XMLSchema#"
        if datatype in (xsd + "integer", xsd + "int", xsd + "long"):
            return int(term.value)
        if datatype in (xsd + "decimal", xsd + "double", xsd + "float"):
            number = float(term.value)
            return int(number) if number.is_integer() else number
        if datatype == xsd + "boolean":
            return term.value == "true"
        return term.value
    return term.value  # type: ignore[attr-defined]


def open_build(layout: Layout | None = None, *, ensure: bool = True) -> Build:
    """Open the current build; make one first if there is none and ``ensure`` is true."""
    layout = layout or Layout.discover()
    if not layout.current.exists():
        if not ensure:
            raise NoBuildError(f"no build at {layout.current}; run 'kg build'")
        from kg.build import build_graph  # the build's libraries, only when building

        build_graph(layout)
    return Build.open(layout.current)
