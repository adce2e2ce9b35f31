"""One error shape: JSON ``{status, error, message}`` where JSON is acceptable, else a page."""

from __future__ import annotations

import logging
from html import escape

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error to report to the client with a status code and a message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def _wants_html() -> bool:
    accept = request.accept_mimetypes
    return accept.quality("text/html") > accept.quality("application/json")


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    from http import HTTPStatus

    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    if _wants_html():
        page = (
            f"<!doctype html><html lang=en><meta charset=utf-8><title>{status} {title}</title>"
            f"<h1>{status} {escape(title)}</h1><p>{escape(message)}</p>"
            f'<p><a href="/sparql">SPARQL endpoint</a></p></html>'
        )
        response = Response(page, status=status, mimetype="text/html")
    else:
        response = jsonify(status=status, error=title, message=message)
        response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers.add("Vary", "Accept")
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.message, error.headers)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        message = error.description or error.name
        if error.code == 413:
            message = "The request body is larger than this endpoint accepts."
        response = error_response(error.code or 500, message)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(500, "The server met an unexpected error; it has been logged.")
