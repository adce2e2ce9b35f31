"""IRIs of the project and of the vocabularies it reuses, and the prefixes it declares."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/lgde/"
ID = BASE + "id/"

LGDE = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = URIRef(BASE + "ontology")
OA = Namespace("http://www.w3.org/ns/oa#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
QB = Namespace("http://purl.org/linked-data/cube#")

GRAPH_ONTOLOGY = URIRef(BASE + "graph/ontology")
GRAPH_ASSERTED = URIRef(BASE + "graph/asserted")
GRAPH_INFERRED = URIRef(BASE + "graph/inferred")
GRAPHS = (GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_INFERRED)

# Kinds of resource under ``id/``; each is a prefix in exports and query results.
ID_KINDS = (
    "affiliation",
    "article",
    "claim",
    "dataset",
    "document",
    "event",
    "indicator",
    "observation",
    "organization",
    "person",
    "photo",
    "plan",
    "post",
    "quote",
    "region",
    "role",
    "sector",
    "sector-claim",
    "target",
    "theme",
    "video",
)

PREFIXES: dict[str, str] = {
    "lgde": str(LGDE),
    **{kind: f"{ID}{kind}/" for kind in ID_KINDS},
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "foaf": str(FOAF),
    "org": str(ORG),
    "opengov": "http://www.w3.org/ns/opengov#",
    "schema": str(SCHEMA),
    "oa": str(OA),
    "qb": str(QB),
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "unit": "http://qudt.org/vocab/unit/",
    "time": "http://www.w3.org/2006/time#",
    "spdx": str(SPDX),
    "wd": "http://www.wikidata.org/entity/",
}


def sparql_prologue() -> str:
    """PREFIX declarations for every prefix the project declares, one per line."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def compact(iri: str) -> str:
    """Shorten ``iri`` with the longest matching project prefix, or return it in angle brackets.

    >>> compact("https://w3id.org/lgde/id/region/hubei")
    'region:hubei'
    """
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return f"<{iri}>"
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best) :]}"
