"""Stored queries as a REST API: ``GET /api/queries/<name>``, its OpenAPI document and docs."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request

from kg import __version__
from kg.queries import ParameterError, StoredQuery
from kg.serve.errors import ApiError
from kg.serve.formats import RESULT_FORMATS
from kg.serve.openapi import openapi_document
from kg.serve.protocol import labels_wanted
from kg.serve.respond import base_url, requested_format, site_root
from kg.serve.sparql import respond
from kg.serve.state import server_state

bp = Blueprint("api", __name__, url_prefix="/api")

API_FORMATS = tuple(f for f in RESULT_FORMATS if f.key in ("json", "csv", "tsv"))
EXTENSIONS = {".json": "json", ".csv": "csv", ".tsv": "tsv"}


def _queries() -> dict[str, StoredQuery]:
    return server_state().queries


def _summary(query: StoredQuery) -> dict:
    return {**query.summary(), "url": f"{site_root()}/api/queries/{query.name}"}


@bp.route("/queries")
def list_queries() -> Response:
    return jsonify([_summary(q) for _, q in sorted(_queries().items())])


@bp.route("/queries/<name>")
def run_query(name: str) -> Response:
    name, explicit = requested_format(name, EXTENSIONS)
    query = _queries().get(name)
    if query is None:
        raise ApiError(404, f"No stored query {name!r}; GET /api/queries lists them.")
    values: dict[str, str] = {}
    for key in request.args:
        if key in ("format", "labels"):
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise ApiError(400, f"parameter {key!r}: given {len(given)} times; give it once.")
        values[key] = given[0]
    try:
        substitutions = query.substitutions(values)
    except ParameterError as error:
        raise ApiError(400, str(error)) from None
    prepared = server_state().service.prepare(
        query.text,
        accept=request.accept_mimetypes,
        explicit_format=explicit,
        base_iri=base_url(request),
        substitutions=tuple(substitutions.items()),
        formats=API_FORMATS,
        labels=labels_wanted(request.args.get("labels")),
    )
    return respond(prepared)


@bp.route("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(_queries(), site_root(), __version__))


@bp.route("/")
def docs() -> Response:
    queries = [_summary(q) for _, q in sorted(_queries().items())]
    return Response(render_template("api.html", queries=queries), mimetype="text/html")
