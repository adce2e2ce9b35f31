"""The project's IRIs (:mod:`kg.namespaces`) as rdflib terms, for the build side."""

from rdflib import Namespace, URIRef

from kg import namespaces

BASE = namespaces.BASE
ID = namespaces.ID
LGDE = Namespace(namespaces.LGDE)
OA = Namespace(namespaces.OA)
SCHEMA = Namespace(namespaces.SCHEMA)
SPDX = Namespace(namespaces.SPDX)
GRAPH_ONTOLOGY = URIRef(namespaces.GRAPH_ONTOLOGY)
GRAPH_ASSERTED = URIRef(namespaces.GRAPH_ASSERTED)
GRAPH_INFERRED = URIRef(namespaces.GRAPH_INFERRED)
GRAPHS = (GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_INFERRED)
