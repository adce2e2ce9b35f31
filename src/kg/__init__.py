"""LGDE: a knowledge graph of how China's local governments plan and report the digital economy.

The package builds the graph from the Turtle sources in ``ontology/`` and ``graph/``
(``kg build``), validates it, reasons over it, and queries and exports the result.

>>> from kg import open_build
>>> build = open_build()                      # doctest: +SKIP
>>> build.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")  # doctest: +SKIP
[{'n': ...}]
"""

from kg.build import BuildError, build_graph
from kg.store import Build, open_build

__all__ = ["Build", "BuildError", "build_graph", "open_build"]
__version__ = "0.1.0"
