"""The publication marker: the named graph ``<https://w3id.org/lgde/graph/publication>``
in a store, which says which build the store holds.

Once a publication has switched, it holds the build's identity (``dcterms:identifier``,
the digest of the build's inputs), when, and the triples per graph::

    <https://w3id.org/lgde/dataset> dcterms:identifier "<digest>" ;
        dcterms:modified "2026-12-01T10:00:00+00:00"^^xsd:dateTime .
    <https://w3id.org/lgde/graph/asserted> void:triples 4201 .

A store that cannot move every graph in one transaction is switched graph by graph
(:func:`kg.stores.publish.publish`); meanwhile the marker holds no identity, only the
switch under way, as a PROV activity that has started and not ended::

    <https://w3id.org/lgde/graph/publication#switch> a prov:Activity ;
        dcterms:identifier "<digest>" ; prov:startedAtTime "…"^^xsd:dateTime .

so that ``kg serve --store`` refuses to answer from a mix of two builds, and the next
``kg publish`` of that build knows to finish the switch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kg.namespaces import BASE
from kg.releases import DATASET
from kg.stores.client import StoreClient

MARKER = BASE + "graph/publication"
SWITCH = MARKER + "#switch"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
VOID = "http://rdfs.org/ns/void#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Holding:
    """What a store's publication marker says it holds."""

    build: str | None = None  # the digest of the build it serves
    switching: str | None = None  # the build a switch graph by graph has not finished

    def problem(self, digest: str) -> str | None:
        """Why the store cannot answer for the build ``digest``; None if it can.

        >>> Holding("ab" * 32).problem("ab" * 32) is None
        True
        >>> Holding("cd" * 32).problem("ab" * 32)
        'the store holds build cdcdcdcdcdcdcdcd, not this build (abababababababab)'
        >>> Holding(None, "ab" * 32).problem("ab" * 32)
        'the store is being switched to this build (abababababababab), or a switch was interrupted'
        >>> Holding().problem("ab" * 32)
        'the store holds no build of this project'
        """
        if self.switching:
            which = "this build" if self.switching == digest else "build"
            return (
                f"the store is being switched to {which} ({self.switching[:16]}), "
                "or a switch was interrupted"
            )
        if self.build == digest:
            return None
        if self.build:
            return f"the store holds build {self.build[:16]}, not this build ({digest[:16]})"
        return "the store holds no build of this project"


def holding(client: StoreClient) -> Holding:
    """Read the store's publication marker."""
    rows = client.select(
        "read the publication marker",
        f"SELECT ?build ?switching WHERE {{ GRAPH <{MARKER}> {{ "
        f"{{ <{DATASET}> <{DCT}identifier> ?build }} UNION "
        f"{{ <{SWITCH}> <{DCT}identifier> ?switching }} }} }}",
    )
    builds = {row["build"]["value"] for row in rows if "build" in row}
    switching = {row["switching"]["value"] for row in rows if "switching" in row}
    # More than one of either is not a marker this project wrote: no build is known.
    return Holding(
        builds.pop() if len(builds) == 1 else None,
        switching.pop() if len(switching) == 1 else (None if not switching else "unknown"),
    )


def switched(digest: str, counts: dict[str, int]) -> str:
    """The SPARQL Update that makes the marker say the store holds build ``digest``.

    >>> text = switched("ab" * 32, {"https://w3id.org/lgde/graph/asserted": 3})
    >>> text.splitlines()[0]
    'DROP SILENT GRAPH <https://w3id.org/lgde/graph/publication> ;'
    >>> '<https://w3id.org/lgde/graph/asserted> <http://rdfs.org/ns/void#triples> "3"' in text
    True
    """
    return _replace(holding_facts(digest, counts, _now()))


def holding_facts(digest: str, counts: dict[str, int], when: str) -> list[str]:
    """The marker's statements (N-Triples) for a store that holds build ``digest`` since
    ``when``: what :func:`switched` writes, and what a dump for a bulk loader holds.

    >>> facts = holding_facts("ab" * 32, {}, "2026-12-01T10:00:00+00:00")
    >>> facts[1].split(" ", 2)[2]
    '"2026-12-01T10:00:00+00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime> .'
    """
    return [
        f'<{DATASET}> <{DCT}identifier> "{digest}" .',
        f'<{DATASET}> <{DCT}modified> "{when}"^^<{XSD}dateTime> .',
        *(f'<{g}> <{VOID}triples> "{n}"^^<{XSD}integer> .' for g, n in counts.items()),
    ]


def switching(digest: str) -> str:
    """The SPARQL Update that makes the marker say a switch to ``digest`` is under way.

    >>> "<http://www.w3.org/ns/prov#Activity>" in switching("ab" * 32)
    True
    """
    return _replace(
        [
            f"<{SWITCH}> <{RDF_TYPE}> <{PROV}Activity> .",
            f'<{SWITCH}> <{DCT}identifier> "{digest}" .',
            f'<{SWITCH}> <{PROV}startedAtTime> "{_now()}"^^<{XSD}dateTime> .',
        ]
    )


def _replace(facts: list[str]) -> str:
    inserted = "\n      ".join(facts)
    return (
        f"DROP SILENT GRAPH <{MARKER}> ;\n"
        f"INSERT DATA {{ GRAPH <{MARKER}> {{\n      {inserted}\n  }} }}"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
