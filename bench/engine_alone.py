"""The engine alone behind kg serve's HTTP server: the floor under kg serve's costs.

A WSGI application of a few lines: it runs the ``query`` of each ``GET`` on the store
(the default graph as the union of all graphs, as both servers under test do) and
answers in SPARQL JSON. It has nothing else: no negotiation, no checks, no caches, no
deadline, no query workers. Served by Granian with kg serve's HTTP settings and
allocator (:func:`bench.servers.engine_alone_server`), it measures what a request
costs in that HTTP server and pyoxigraph alone, so that the benchmark can tell kg
serve's own costs from theirs. It is a measuring instrument, not a server to run.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

import pyoxigraph as ox

STORE_VARIABLE = "KG_BENCH_STORE"  # the store's path, set by whoever starts the server
_JSON = ox.QueryResultsFormat.JSON
_store: ox.Store | None = None


def _opened() -> ox.Store:
    # Opened in each HTTP process on its first request: processes are forked.
    global _store
    if _store is None:
        _store = ox.Store.read_only(os.environ[STORE_VARIABLE])
    return _store


def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Answer a SELECT or ASK in ``?query=`` in SPARQL JSON; anything else gets a plain 400."""
    query = parse_qs(environ.get("QUERY_STRING", "")).get("query", [""])[0]
    try:
        body = _opened().query(query, use_default_graph_as_union=True).serialize(format=_JSON)
    except (SyntaxError, ValueError, OSError, RuntimeError, TypeError) as error:
        start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
        return [str(error).encode()]
    start_response("200 OK", [("Content-Type", "application/sparql-results+json")])
    return [body]
