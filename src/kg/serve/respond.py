"""Negotiated responses shared by the blueprints."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Request, Response, request

from kg.serve import service
from kg.serve.formats import MediaFormat
from kg.serve.state import server_state


def choose(formats: tuple[MediaFormat, ...], explicit: str | None) -> MediaFormat:
    """The format to answer the current request in (:func:`kg.serve.service.choose`)."""
    return service.choose(formats, request.accept_mimetypes, explicit)


def rdf_response(triples: list[ox.Triple], fmt: MediaFormat, prefixes: dict[str, str]) -> Response:
    """``triples``, sorted so that each subject's statements stay together, as ``fmt``."""
    ordered = sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    body = ox.serialize(ordered, format=fmt.engine_rdf, prefixes=prefixes)
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    return response


def requested_format(name: str, extensions: dict[str, str]) -> tuple[str, str | None]:
    """Split a format-naming extension off ``name`` (``hubei.ttl``); else use ``?format=``.

    Returns the name without the extension, and the format asked for, if any.
    """
    for extension, key in extensions.items():
        if name.endswith(extension):
            return name[: -len(extension)], key
    return name, request.args.get("format")


def site_root(given: Request | None = None) -> str:
    """Where this server is reached (:func:`kg.serve.service.site_root`)."""
    return service.site_root((given or request).environ, server_state().settings.public_url)


def base_url(given: Request) -> str:
    """The request's URL without its query: the base that resolves a query's relative IRIs.

    The same as ``Request.base_url`` for the paths this server routes (with
    ``public_url`` in place of the scheme, Host and mount point when it is set), built
    without re-encoding the URL as an IRI on every request.
    """
    return site_root(given) + given.path
