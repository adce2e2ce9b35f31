"""The ``/sparql`` endpoint: SPARQL 1.1 Protocol, read-only, with deadlines."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, request

from kg.serve.formats import GRAPH_FORMATS
from kg.serve.protocol import ProtocolRequest, read_query_request
from kg.serve.respond import base_url, choose, rdf_response
from kg.serve.response_cache import mark_repeatable
from kg.serve.service import Prepared
from kg.serve.state import server_state

bp = Blueprint("sparql", __name__)


def protocol_request() -> ProtocolRequest:
    """The Flask request, as :func:`kg.serve.protocol.read_query_request` reads it."""
    return ProtocolRequest(
        method=request.method,
        args=request.args,
        mimetype=request.mimetype,
        charset=request.mimetype_params.get("charset"),
        body=request.get_data(cache=True) if request.method == "POST" else b"",
    )


@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
def endpoint() -> Response:
    parsed = read_query_request(protocol_request())
    if parsed is None:
        return service_description(request.args.get("format"))
    prepared = server_state().service.prepare(
        parsed.query,
        accept=request.accept_mimetypes,
        explicit_format=parsed.format,
        base_iri=base_url(request),
        default_graphs=parsed.default_graphs,
        named_graphs=parsed.named_graphs,
        labels=parsed.labels,
    )
    return respond(prepared)


def respond(prepared: Prepared) -> Response:
    """Answer ``prepared`` (from the cache, or run) with its headers and ETag.

    A GET whose ``If-None-Match`` names the answer's ETag gets ``304`` without running
    the query: the data cannot change while the server runs.
    """
    if request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(prepared.etag):
        response = Response(status=304)
        response.set_etag(prepared.etag)
        response.headers["Vary"] = "Accept"
        return response
    service = server_state().service
    outcome = service.run(prepared.job, request.remote_addr or "", prepared.etag)
    response = Response(outcome.answer.body, headers=service.headers(prepared, outcome))
    mark_repeatable(request.environ)
    return response


SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

_FORMAT_IRIS = [
    "SPARQL_Results_JSON",
    "SPARQL_Results_XML",
    "SPARQL_Results_CSV",
    "SPARQL_Results_TSV",
    "Turtle",
    "N-Triples",
    "JSON-LD",
    "RDF_XML",
    "TriG",
    "N-Quads",
]


def service_description(explicit: str | None) -> Response:
    """The SPARQL 1.1 Service Description of this endpoint, at this endpoint's own URL."""
    state = server_state()
    chosen = choose(GRAPH_FORMATS, explicit)
    service = ox.NamedNode(base_url(request))

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
    ]
    triples += [
        ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS_NS + name))
        for name in _FORMAT_IRIS
    ]
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("default")
    triples += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, sd("Graph")),
        ox.Triple(default, ox.NamedNode(VOID + "triples"), ox.Literal(state.total_triples)),
    ]
    for index, (name, count) in enumerate(sorted(state.graph_sizes.items())):
        named, graph = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        triples += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(name)),
            ox.Triple(named, sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, sd("Graph")),
            ox.Triple(graph, ox.NamedNode(VOID + "triples"), ox.Literal(count)),
        ]
    return rdf_response(triples, chosen, {"sd": SD, "formats": FORMATS_NS, "void": VOID})
