"""The build side: from the Turtle sources to a checked, reasoned, stored graph.

``kg build`` runs :func:`build_graph` (:mod:`kg.build.pipeline`): parse, check the
sources and quotes, validate with SHACL, reason with OWL 2 RL, write. This side uses
rdflib, owlrl and pySHACL; the serving side (:mod:`kg.serve`) never imports it.
"""

from kg.build.pipeline import BuildError, BuildResult, build_graph, check_sources
from kg.layout import DATASET_FILE, MANIFEST_FILE, STORE_DIR

__all__ = [
    "DATASET_FILE",
    "MANIFEST_FILE",
    "STORE_DIR",
    "BuildError",
    "BuildResult",
    "build_graph",
    "check_sources",
]
