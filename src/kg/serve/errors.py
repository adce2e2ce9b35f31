"""One error shape: JSON ``{status, error, message}`` where JSON is acceptable, else a page."""

from __future__ import annotations

import json
import logging
from html import escape
from http import HTTPStatus

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.http import parse_accept_header

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error to report to the client with a status code and a message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def rendered_error(
    status: int, message: str, accept: str | None
) -> tuple[list[tuple[str, str]], bytes]:
    """The headers and body of an error: JSON, or a page for a client that prefers HTML.

    Every error the server gives is written here, by the app and by the HTTP front
    (:mod:`kg.serve.front`) alike.

    >>> headers, body = rendered_error(404, "No such page.", "application/json")
    >>> body
    b'{"error":"Not Found","message":"No such page.","status":404}\\n'
    >>> rendered_error(404, "No <such> page.", "text/html")[1][:15]
    b'<!doctype html>'
    """
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    wanted = parse_accept_header(accept, MIMEAccept)
    if wanted.quality("text/html") > wanted.quality("application/json"):
        page = (
            f"<!doctype html><html lang=en><meta charset=utf-8><title>{status} {title}</title>"
            f"<h1>{status} {escape(title)}</h1><p>{escape(message)}</p>"
            f'<p><a href="/sparql">SPARQL endpoint</a></p></html>'
        )
        text = page.encode()
        return [("Content-Type", "text/html; charset=utf-8"), ("Vary", "Accept")], text
    body = json.dumps(
        {"error": title, "message": message, "status": status},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return [("Content-Type", "application/json"), ("Vary", "Accept")], (body + "\n").encode()


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The Flask response for an error (:func:`rendered_error`)."""
    written, body = rendered_error(status, message, request.headers.get("Accept"))
    response = Response(body, status=status, headers=written)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.message, error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        message = error.description or error.name
        if error.code == 413:
            cap = current_app.config["MAX_CONTENT_LENGTH"]
            message = f"The request body is larger than the {cap} bytes this endpoint accepts."
        response = error_response(error.code or 500, message)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(500, "The server met an unexpected error; it has been logged.")
