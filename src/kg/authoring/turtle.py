"""The house style of an article file: the prefixes every one declares, literals and names
written the same way by people and by the tools."""

from __future__ import annotations

PREFIXES = (
    ("lgde", "https://w3id.org/lgde/ontology#"),
    ("article", "https://w3id.org/lgde/id/article/"),
    ("region", "https://w3id.org/lgde/id/region/"),
    ("person", "https://w3id.org/lgde/id/person/"),
    ("organization", "https://w3id.org/lgde/id/organization/"),
    ("role", "https://w3id.org/lgde/id/role/"),
    ("sector", "https://w3id.org/lgde/id/sector/"),
    ("theme", "https://w3id.org/lgde/id/theme/"),
    ("indicator", "https://w3id.org/lgde/id/indicator/"),
    ("dataset", "https://w3id.org/lgde/id/dataset/"),
    ("observation", "https://w3id.org/lgde/id/observation/"),
    ("target", "https://w3id.org/lgde/id/target/"),
    ("expectation", "https://w3id.org/lgde/id/expectation/"),
    ("affiliation", "https://w3id.org/lgde/id/affiliation/"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("org", "http://www.w3.org/ns/org#"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("oa", "http://www.w3.org/ns/oa#"),
    ("schema", "https://schema.org/"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("spdx", "http://spdx.org/rdf/terms#"),
    ("qb", "http://purl.org/linked-data/cube#"),
    ("sdmx-dimension", "http://purl.org/linked-data/sdmx/2009/dimension#"),
    ("sdmx-measure", "http://purl.org/linked-data/sdmx/2009/measure#"),
    ("sdmx-attribute", "http://purl.org/linked-data/sdmx/2009/attribute#"),
    ("unit", "http://qudt.org/vocab/unit/"),
)


def prefix_lines() -> list[str]:
    """
    >>> prefix_lines()[0]
    '@prefix lgde:           <https://w3id.org/lgde/ontology#> .'
    """
    width = max(len(p) for p, _ in PREFIXES) + 1
    return [f"@prefix {(p + ':').ljust(width)} <{ns}> ." for p, ns in PREFIXES]


def literal(text: str) -> str:
    """A Turtle string, escaped.

    >>> literal('He said "yes"\\n')
    '"He said \\\\"yes\\\\"\\\\n"'
    """
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def name(iri: str) -> str:
    """A prefixed name where a house prefix fits, the IRI in brackets otherwise.

    >>> name("https://w3id.org/lgde/id/region/hubei"), name("https://example.org/x")
    ('region:hubei', '<https://example.org/x>')
    """
    for prefix, namespace in sorted(PREFIXES, key=lambda p: -len(p[1])):
        local = iri[len(namespace) :]
        if iri.startswith(namespace) and local and all(c.isalnum() or c in "-_" for c in local):
            return f"{prefix}:{local}"
    return f"<{iri}>"
