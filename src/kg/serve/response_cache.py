"""Whole responses to repeated requests, answered before the app is reached.

The served data cannot change while the server runs, so a response the app marks as
repeatable (a query's answer, a resource's description) is the same for every later
request with the same method family, URL, ``Host`` and ``Accept``. This WSGI
middleware keeps such responses and replays them without routing, parsing or
negotiating again; a request whose ``If-None-Match`` names the kept ``ETag`` gets
``304``. Everything else passes through untouched, streamed as the app gives it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from werkzeug.http import parse_etags

from kg.serve.lru import BoundedLRU

REPEATABLE = "kg.repeatable"  # set in the WSGI environ by a view whose response may be kept
LOOKED_UP = "kg.looked-up"  # set by the front once it found no kept response

StartResponse = Callable[..., object]
WsgiApp = Callable[[dict, StartResponse], Iterable[bytes]]
_KEPT_HEADERS_ON_304 = ("etag", "vary", "cache-control")


def mark_repeatable(environ: dict) -> None:
    """Let the response to this request be kept and replayed for the same request."""
    environ[REPEATABLE] = True


@dataclass(frozen=True)
class _Kept:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str


class ResponseCache:
    """WSGI middleware: a least-recently-used store of responses, bounded in bytes.

    >>> def app(environ, start_response):
    ...     mark_repeatable(environ)
    ...     start_response("200 OK", [("Content-Type", "text/plain")])
    ...     return [b"hello"]
    >>> cached = ResponseCache(app, max_bytes=1_000)
    >>> from werkzeug.test import Client
    >>> client = Client(cached)
    >>> client.get("/a").headers.get("Server-Timing"), cached.hits
    (None, 0)
    >>> client.get("/a").headers["Server-Timing"], cached.hits
    ('cache;desc=hit', 1)
    """

    def __init__(self, app: WsgiApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self._kept: BoundedLRU[tuple, _Kept] = BoundedLRU(
            max_weight=max_bytes, weigh=lambda kept: len(kept.body)
        )
        self.hits = 0

    @staticmethod
    def _key(environ: dict) -> tuple:
        return (
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME"),
            environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT", ""),
        )

    def __call__(self, environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if self.max_bytes <= 0 or method not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        # The front asked already (and found nothing) before it handed the request on.
        replayed = None if environ.pop(LOOKED_UP, False) else self.replay(environ)
        if replayed is not None:
            status, headers, body = replayed
            start_response(status, headers)
            return [body]
        key = self._key(environ)

        started: list = []
        deciding = True

        def capture(status: str, headers: list, exc_info=None):
            if not deciding:  # an app that starts its response lazily: pass it through
                return start_response(status, headers, exc_info)
            started[:] = [status, headers, exc_info]
            return lambda data: None  # the legacy write() is unused by this app

        result = self.app(environ, capture)
        deciding = False
        if not started:
            return result
        status, headers, exc_info = started
        if not (environ.get(REPEATABLE) and method == "GET" and status.startswith("200")):
            start_response(status, headers, exc_info)
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        headers = self._complete(headers, body)
        self._keep(key, status, headers, body)
        start_response(status, headers, exc_info)
        return [body]

    @staticmethod
    def _complete(headers: list, body: bytes) -> list:
        """``headers`` with the body's length and an ETag: the app's own, or the body's digest."""
        headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        if any(n.lower() == "etag" for n, _ in headers):
            return headers
        headers.append(("ETag", '"' + hashlib.sha256(body).hexdigest()[:32] + '"'))
        if not any(n.lower() == "cache-control" for n, _ in headers):
            headers.append(("Cache-Control", "no-cache"))  # keep it, but ask again (cheaply)
        return headers

    def _keep(self, key: tuple, status: str, headers: list, body: bytes) -> None:
        if len(body) > self.max_bytes // 4:
            return
        etag = next(v for n, v in headers if n.lower() == "etag")
        replayed = [
            (n, v) for n, v in headers if n.lower() not in ("server-timing", "content-length")
        ]
        replayed += [("Content-Length", str(len(body))), ("Server-Timing", "cache;desc=hit")]
        self._kept.put(key, _Kept(status, replayed, body, etag))

    def replay(self, environ: dict) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """The kept response to this request (status, headers, body), or None.

        Safe to call from any thread, without going through the app: the HTTP front
        (:mod:`kg.serve.front`) answers repeated requests with it before taking a thread.
        """
        method = environ.get("REQUEST_METHOD", "")
        if self.max_bytes <= 0 or method not in ("GET", "HEAD"):
            return None
        return self.replay_key(self._key(environ), method, environ.get("HTTP_IF_NONE_MATCH"))

    def replay_key(
        self, key: tuple, method: str, wanted: str | None
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        """:meth:`replay` for a request known by its key (as :meth:`_key` makes it),
        its method (GET or HEAD) and its ``If-None-Match``."""
        kept = self._kept.get(key)
        if kept is None:
            return None
        self.hits += 1
        if wanted and parse_etags(wanted).contains_weak(kept.etag.strip('"')):
            headers = [(n, v) for n, v in kept.headers if n.lower() in _KEPT_HEADERS_ON_304]
            return "304 Not Modified", headers, b""
        body = b"" if method == "HEAD" else kept.body
        return kept.status, kept.headers, body
