"""Which release the server serves (``/release``), and replication bundles (``/bundle``).

The release is recognised from the build's inputs (:func:`kg.releases.release_of`): a
build of a release's sources is that release. A bundle runs its query through the one
request service, like every other route (deadline, caps, refusals), then packs the
result with the query, the release and how to rerun it (:mod:`kg.bundle`).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.datastructures import MIMEAccept

from kg.bundle import Rerun, make_bundle
from kg.queries import ParameterError
from kg.serve.errors import ApiError
from kg.serve.respond import base_url, site_root
from kg.serve.state import server_state
from kg.sparql_lexer import outline

bp = Blueprint("citation", __name__)


@bp.route("/release")
def release() -> Response:
    state = server_state()
    serving, latest = state.release, state.latest_release
    return jsonify(
        {
            "serving": serving.as_dict() | {"citation": serving.citation()} if serving else None,
            "latest": latest.as_dict() if latest else None,
            "note": (
                f"This server serves release {serving.version}."
                if serving
                else "This server serves a build that is not a release"
                + (f" (the latest release is {latest.version})." if latest else ".")
            ),
        }
    )


@bp.route("/bundle")
def bundle() -> Response:
    """``/bundle?query=…`` or ``/bundle?example=NAME&PARAM=VALUE``: the zip."""
    state = server_state()
    example = request.args.get("example")
    substitutions: dict = {}
    parameters: tuple[tuple[str, str], ...] = ()
    if example is not None:
        stored = state.queries.get(example)
        if stored is None:
            raise ApiError(404, f"No stored query {example!r}; GET /api/queries lists them.")
        values = stored.arguments(request.args)
        try:
            substitutions = stored.substitutions(values)
        except ParameterError as error:
            raise ApiError(400, str(error)) from None
        text, parameters = stored.text, tuple(sorted(values.items()))
    else:
        text = request.args.get("query", "")
        if not text.strip():
            raise ApiError(400, "Give the query: /bundle?query=… or /bundle?example=NAME.")
    form = outline(text).form or "SELECT"
    if form != "SELECT":
        raise ApiError(400, f"A bundle holds a table: a SELECT query, not {form}.")
    prepared = state.service.prepare(
        text,
        accept=MIMEAccept([("text/csv", 1)]),
        explicit_format="csv",
        base_iri=base_url(request),
        substitutions=tuple(substitutions.items()),
    )
    outcome = state.service.run(prepared.job, request.remote_addr or "", prepared.etag)
    if outcome.answer.truncated:
        raise ApiError(
            400,
            f"The result has more rows than the {state.settings.max_rows} a request may "
            "return; a bundle must hold all of them. Narrow the query, or use kg bundle.",
        )
    data = make_bundle(
        Rerun(text, example, parameters, served_at=site_root()), outcome.answer.body, state.release
    )
    name = f"{example or 'query'}-replication.zip"
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
