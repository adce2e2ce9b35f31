"""IRIs of the project and of the vocabularies it reuses, and the prefixes it declares.

Plain strings, so that the serving side reads them without rdflib; the build side has
them as rdflib terms in :mod:`kg.build.vocabulary`.
"""

BASE = "https://w3id.org/lgde/"
ID = BASE + "id/"

LGDE = BASE + "ontology#"
ONTOLOGY_IRI = BASE + "ontology"
OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"
SCHEMA = "https://schema.org/"
SPDX = "http://spdx.org/rdf/terms#"
QB = "http://purl.org/linked-data/cube#"

GRAPH_ONTOLOGY = BASE + "graph/ontology"
GRAPH_ASSERTED = BASE + "graph/asserted"
GRAPH_INFERRED = BASE + "graph/inferred"
GRAPHS = (GRAPH_ONTOLOGY, GRAPH_ASSERTED, GRAPH_INFERRED)

# Kinds of resource under ``id/``; each is a prefix in exports and query results.
ID_KINDS = (
    "affiliation",
    "article",
    "claim",
    "dataset",
    "document",
    "event",
    "expectation",
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
    "lgde": LGDE,
    **{kind: f"{ID}{kind}/" for kind in ID_KINDS},
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": ORG,
    "opengov": "http://www.w3.org/ns/opengov#",
    "schema": SCHEMA,
    "oa": OA,
    "qb": QB,
    "sdmx-dimension": "http://purl.org/linked-data/sdmx/2009/dimension#",
    "sdmx-measure": "http://purl.org/linked-data/sdmx/2009/measure#",
    "sdmx-attribute": "http://purl.org/linked-data/sdmx/2009/attribute#",
    "unit": "http://qudt.org/vocab/unit/",
    "time": "http://www.w3.org/2006/time#",
    "spdx": SPDX,
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


def expand(name: str) -> str:
    """The IRI a project-prefixed name stands for; anything else is returned as given.

    >>> expand("region:hubei")
    'https://w3id.org/lgde/id/region/hubei'
    >>> expand("https://example.org/x")
    'https://example.org/x'
    """
    prefix, _, local = name.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name
