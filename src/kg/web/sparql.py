"""The ``/sparql`` endpoint: SPARQL 1.1 Protocol, read-only, with deadlines."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.http import quote_etag

from kg.sparql_lexer import QueryOutline, outline
from kg.web.engine import EngineBusy, QueryTimeout, WorkerLost
from kg.web.errors import ApiError
from kg.web.formats import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    MediaFormat,
)
from kg.web.protocol import READ_ONLY, read_query_request
from kg.web.respond import base_url, choose, rdf_response
from kg.web.response_cache import mark_repeatable
from kg.web.settings import Settings
from kg.web.worker import Answer, Job

bp = Blueprint("sparql", __name__)

_LOCATION = re.compile(r"error at (\d+):(\d+): ")
# Where kg.web.plain_queries leaves a failed run for Flask to word (WSGI environ key).
HANDED = "kg.handed"


@dataclass(frozen=True)
class Handed:
    """What running ``job`` came to: a failed answer, or the exception the engine raised."""

    job: Job
    answer: Answer | None = None
    seconds: float = 0.0
    error: Exception | None = None


def _syntax_message(text: str) -> str:
    match = _LOCATION.search(text)
    detail = text[match.end() :] if match else text
    if len(detail) > 200:  # the parser may list every character class it would accept
        detail = detail[:200].rsplit(",", 1)[0] + ", …"
    if match:
        line, column = match.groups()
        return f"Syntax error at line {line}, column {column}: {detail}"
    return f"Syntax error: {detail}"


@bp.route("/sparql", methods=["GET", "POST"], strict_slashes=False)
def endpoint() -> Response:
    state = current_app.extensions["kg"]
    parsed = read_query_request(request)
    if parsed is None:
        return service_description(request.args.get("format"))
    explicit = parsed.format
    look = checked_outline(parsed.query, state.settings)
    form = look.form or "SELECT"
    chosen = choose(RESULT_FORMATS if form in ("SELECT", "ASK") else GRAPH_FORMATS, explicit)
    job = Job(
        query=parsed.query,
        form=form,
        format_key=chosen.key,
        max_rows=state.settings.max_rows,
        default_graphs=parsed.default_graphs,
        named_graphs=parsed.named_graphs,
        declares_dataset=look.declares_dataset,
        base_iri=base_url(request),  # RFC 3986: the request's URL resolves relative IRIs
    )
    return answer_job(job, chosen)


def checked_outline(query: str, settings: Settings) -> QueryOutline:
    """The outline of ``query``, if the endpoint runs it; else the error that says why.

    Every query any route runs passes here first: updates, SERVICE and queries past
    the nesting and token limits are refused before a worker sees them.
    """
    look = outline(query)
    if look.is_update:
        raise ApiError(403, READ_ONLY)
    if look.uses_service:
        raise ApiError(
            400,
            "SERVICE is not allowed: this endpoint makes no requests to other "
            "hosts on a client's behalf.",
        )
    if look.depth > settings.max_nesting:
        raise ApiError(
            400,
            f"The query nests {look.depth} levels of brackets deep; this endpoint "
            f"runs queries up to {settings.max_nesting} levels.",
        )
    if look.tokens > settings.max_tokens:
        raise ApiError(
            400,
            f"The query has {look.tokens} tokens; this endpoint runs queries of up to "
            f"{settings.max_tokens}.",
        )
    return look


def answer_job(job: Job, chosen: MediaFormat) -> Response:
    """Run ``job`` (or take its answer from the cache) and respond, with an ETag.

    A GET whose ``If-None-Match`` names the answer's ETag gets ``304`` without running
    the query: the data cannot change while the server runs.
    """
    etag = current_app.extensions["kg"].cache.etag(job)
    if request.method in ("GET", "HEAD") and request.if_none_match.contains_weak(etag):
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Vary"] = "Accept"
        return response
    answer, seconds = execute(job)
    max_rows = current_app.extensions["kg"].settings.max_rows
    response = Response(
        answer.body,
        headers=answer_headers(answer, answer_head(chosen, etag), seconds, max_rows),
    )
    mark_repeatable(request.environ)
    return response


def answer_head(chosen: MediaFormat, etag: str) -> tuple[tuple[str, str], ...]:
    """The headers of a query's answer that its format and ETag decide.

    Shared with :mod:`kg.web.plain_queries`, which works them out once for a request
    it has seen before.
    """
    mimetype = chosen.media_type
    if mimetype.startswith("text/") or mimetype.endswith(("json", "xml")):
        mimetype += "; charset=utf-8"
    # no-cache: keep it, but ask again (cheaply, with If-None-Match)
    return (
        ("Content-Type", mimetype),
        ("Vary", "Accept"),
        ("ETag", quote_etag(etag)),
        ("Cache-Control", "no-cache"),
    )


def answer_headers(
    answer: Answer, head: tuple[tuple[str, str], ...], seconds: float, max_rows: int
) -> list[tuple[str, str]]:
    """The headers of a query's answer: ``head`` (:func:`answer_head`), then its length,
    timing, count and truncation.

    ``seconds`` is the engine time, or -1 for an answer from the cache.
    """
    timing = "cache;desc=hit" if seconds < 0 else f"engine;dur={seconds * 1000:.1f}"
    headers = [
        *head,
        ("Content-Length", str(len(answer.body))),
        ("Server-Timing", timing),
        ("X-Result-Count", str(answer.rows)),
    ]
    if answer.truncated:
        headers += [("X-Result-Truncated", "true"), ("X-Result-Limit", str(max_rows))]
    return headers


def execute(job: Job) -> tuple[Answer, float]:
    """Run ``job`` on the engine; map every failure to the error the client should see.

    A repeated job is answered from the cache; its time is then given as -1. A job
    that :mod:`kg.web.plain_queries` ran already is not run again: its outcome is used.
    """
    state = current_app.extensions["kg"]
    cached = state.cache.get(job)
    if cached is not None:
        return cached, -1.0
    handed = request.environ.pop(HANDED, None)
    try:
        if handed is None or handed.job != job:
            answer, seconds = state.engine.run(job)
        elif handed.error is not None:
            raise handed.error
        else:
            answer, seconds = handed.answer, handed.seconds
    except QueryTimeout:
        timeout = state.settings.query_timeout
        raise ApiError(
            503,
            f"The query ran longer than the {timeout:g} s allowed and was stopped. "
            "Narrow it, or add a LIMIT.",
            {"Retry-After": str(max(1, round(timeout)))},
        ) from None
    except EngineBusy:
        raise ApiError(
            503, "All query workers are busy; try again shortly.", {"Retry-After": "2"}
        ) from None
    except WorkerLost as lost:
        raise ApiError(
            503,
            f"The query was stopped: {lost.cause}. Narrow it, or add a LIMIT.",
            {"Retry-After": "2"},
        ) from None
    if not answer.ok:
        if answer.error_kind == "memory":
            raise ApiError(
                503,
                "The query was stopped: it needed more memory than a query may use. "
                "Narrow it, or add a LIMIT.",
                {"Retry-After": "2"},
            )
        if answer.error_kind == "syntax":
            raise ApiError(400, _syntax_message(answer.message))
        if answer.error_kind == "evaluation":
            raise ApiError(400, f"The query cannot be evaluated: {answer.message}")
        current_app.logger.error("query worker failed: %s", answer.message)
        raise ApiError(500, "The query failed inside the engine; the error has been logged.")
    state.cache.put(job, answer)
    return answer, seconds


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
    state = current_app.extensions["kg"]
    chosen = choose(GRAPH_FORMATS, explicit)
    service = ox.NamedNode(request.base_url)

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
