"""LGDE: a knowledge graph of how China's local governments plan and report the digital economy.

The package builds the graph from the Turtle sources in ``ontology/`` and ``graph/``
(``kg build``), validates it, reasons over it, and queries and exports the result.

>>> from kg import open_build
>>> build = open_build()                      # doctest: +SKIP
>>> build.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # doctest: +SKIP
[{'n': ...}]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.build import BuildError, build_graph
    from kg.store import Build, open_build

__all__ = ["Build", "BuildError", "build_graph", "open_build"]
__version__ = "0.1.0"

_EXPORTS = {"BuildError": "kg.build", "build_graph": "kg.build"}
_EXPORTS |= {"Build": "kg.store", "open_build": "kg.store"}


def __getattr__(name: str) -> object:
    # Imported on first use: a query worker process imports kg.serve.worker, which should
    # not pull in the build (rdflib, owlrl, pySHACL) and slow every worker's start.
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
