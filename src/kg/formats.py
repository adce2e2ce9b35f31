"""Every format the project reads or writes, defined once.

A :class:`Format` names its key (as in ``?format=`` and ``kg export --format``), its
media type and the aliases a client may ask for it by, the file extension of a dump,
and what pyoxigraph calls it. The server negotiates over these tuples, the workers
and ``kg query`` write results with them, and ``kg export`` and the downloads write
dumps with them.

>>> by_key(GRAPH_FORMATS)["turtle"].extension
'ttl'
>>> [f.key for f in RESULT_FORMATS]
['json', 'xml', 'csv', 'tsv']
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    key: str  # short name, as in ?format=
    media_type: str
    aliases: tuple[str, ...] = ()
    extension: str = ""  # of a file in this format
    rdf: ox.RdfFormat | None = None  # graph formats: what pyoxigraph calls it
    results: ox.QueryResultsFormat | None = None  # result formats: likewise
    quads: bool = False  # holds named graphs

    @property
    def engine_rdf(self) -> ox.RdfFormat:
        assert self.rdf is not None, f"{self.key} is not an RDF format"
        return self.rdf

    @property
    def engine_results(self) -> ox.QueryResultsFormat:
        assert self.results is not None, f"{self.key} is not a results format"
        return self.results


RESULT_FORMATS = (  # SELECT and ASK; the first is the default
    Format(
        "json",
        "application/sparql-results+json",
        ("application/json",),
        "srj",
        results=ox.QueryResultsFormat.JSON,
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        ("application/xml", "text/xml"),
        "srx",
        results=ox.QueryResultsFormat.XML,
    ),
    Format("csv", "text/csv", (), "csv", results=ox.QueryResultsFormat.CSV),
    Format("tsv", "text/tab-separated-values", (), "tsv", results=ox.QueryResultsFormat.TSV),
)

GRAPH_FORMATS = (  # CONSTRUCT, DESCRIBE and dumps; the first is the default
    Format("turtle", "text/turtle", ("application/x-turtle",), "ttl", ox.RdfFormat.TURTLE),
    Format("ntriples", "application/n-triples", (), "nt", ox.RdfFormat.N_TRIPLES),
    Format("jsonld", "application/ld+json", ("application/json",), "jsonld", ox.RdfFormat.JSON_LD),
    Format(
        "xml", "application/rdf+xml", ("application/xml", "text/xml"), "rdf", ox.RdfFormat.RDF_XML
    ),
    Format("trig", "application/trig", (), "trig", ox.RdfFormat.TRIG, quads=True),
    Format("nquads", "application/n-quads", (), "nq", ox.RdfFormat.N_QUADS, quads=True),
)


def by_key(formats: tuple[Format, ...]) -> dict[str, Format]:
    """``formats`` by their key."""
    return {f.key: f for f in formats}
