"""The HTTP front: reads each request within its bounds, then hands it to the app.

Granian parses HTTP in Rust and calls this RSGI application on an event loop in each
HTTP process. Here, before any thread is taken:

- the body is read as it arrives, without holding a thread: a client that sends it
  slower than ``min_body_rate`` (after ``read_timeout``) gets 408, and a body past
  ``max_body_bytes`` gets 413 whether its length was declared or it came chunked;
- a request whose response is kept (:class:`kg.serve.response_cache.ResponseCache`) is
  answered at once, so repeated requests never wait behind slow ones;
- a request that ``at_once`` knows needs no query worker (a lookup the HTTP process
  answers itself, an answer in the result cache) runs the app right here.

Everything else runs the WSGI app (Flask) on one of ``http_threads`` threads. Errors
that arise here, or that escape the app, get the app's error shape
(:func:`kg.serve.errors.rendered_error`), never an empty body.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kg.serve.errors import rendered_error
from kg.serve.isolation import deny_network
from kg.serve.response_cache import LOOKED_UP, ResponseCache
from kg.serve.settings import Settings

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]
Reply = tuple[int, list[tuple[str, str]], bytes]


class Refused(Exception):
    """A request refused by the front, with its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class BodyReader:
    """Reads a request body from its chunks, within the size and rate bounds.

    ``clock`` is injectable for tests; the server uses :func:`time.monotonic`.
    """

    def __init__(
        self,
        max_bytes: int,
        grace: float,
        min_rate: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_bytes = max_bytes
        self.grace = grace
        self.min_rate = min_rate
        self.clock = clock

    def too_large(self) -> Refused:
        return Refused(
            413,
            f"The request body is larger than the {self.max_bytes} bytes this endpoint accepts.",
        )

    async def read(self, chunks: Any) -> bytes:
        """The whole body, or :class:`Refused` (408, 413) as soon as a bound is passed."""
        received: list[bytes] = []
        size = 0
        start = self.clock()
        iterator = chunks.__aiter__()
        while True:
            # By now the client has had the grace, and the time its bytes needed at the
            # least rate accepted.
            left = start + self.grace + size / self.min_rate - self.clock()
            if left <= 0:
                raise self.too_slow(size)
            try:
                chunk = await asyncio.wait_for(iterator.__anext__(), left)
            except StopAsyncIteration:
                return b"".join(received)
            except TimeoutError:
                raise self.too_slow(size) from None
            size += len(chunk)
            if size > self.max_bytes:
                raise self.too_large()
            received.append(chunk)

    def too_slow(self, size: int) -> Refused:
        return Refused(
            408,
            f"The request body came too slowly ({size} bytes so far): after "
            f"{self.grace:g} s, bodies must arrive at {self.min_rate:g} bytes a second "
            "or faster.",
        )


class Front:
    """The RSGI application of one HTTP process, in front of the WSGI ``app``."""

    def __init__(
        self,
        app: WsgiApp,
        settings: Settings,
        kept: ResponseCache | None,
        at_once: Callable[[dict], bool] | None = None,
        isolate: bool = True,
    ) -> None:
        self.app = app
        self.kept = kept
        self.at_once = at_once
        self.body = BodyReader(
            settings.max_body_bytes, settings.read_timeout, settings.min_body_rate
        )
        self.threads = ThreadPoolExecutor(settings.http_threads, thread_name_prefix="kg-http")
        # With kg serve --store the process must reach the store, and runs no query itself.
        self._isolated = not isolate
        self._lock = threading.Lock()

    async def __call__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":  # websockets: nothing here speaks them
            return
        self._isolate()
        try:
            body = await self._read_body(scope, proto)
        except Refused as refused:
            accept = scope.headers.get("accept")
            headers, text = rendered_error(refused.status, refused.message, accept)
            proto.response_bytes(refused.status, [*headers, ("Connection", "close")], text)
            return
        except Exception:  # the client went away mid-body: there is no one to answer
            return
        method = scope.method
        looked_up = False
        if self.kept is not None and self.kept.max_bytes > 0 and method in ("GET", "HEAD"):
            # Known by the key the WSGI environment would give, without making one.
            wanted = _joined(scope.headers, "if-none-match") or None
            replayed = self.kept.replay_key(response_key(scope), method, wanted)
            if replayed is not None:
                status, headers, answer = replayed
                proto.response_bytes(int(status[:3]), headers, answer)
                return
            looked_up = True
        environ = wsgi_environ(scope, body)
        if looked_up:
            environ[LOOKED_UP] = True
        if self.at_once is not None and self.at_once(environ):
            # Cheaper to answer than to hand to a thread and back (about half the time
            # of a lookup), and it cannot wait for a query worker.
            status_code, headers, answer = self._call_app(environ)
            proto.response_bytes(status_code, headers, answer)
            return
        loop = asyncio.get_running_loop()
        status_code, headers, answer = await loop.run_in_executor(
            self.threads, self._call_app, environ
        )
        proto.response_bytes(status_code, headers, answer)

    def _isolate(self) -> None:
        # Not when the app is made: Granian still opens its own socket in this process
        # after that (kg.serve.isolation).
        if not self._isolated:
            with self._lock:
                if not self._isolated:
                    deny_network()
                    self._isolated = True

    async def _read_body(self, scope: Any, proto: Any) -> bytes:
        headers = scope.headers
        declared = headers.get("content-length")
        if declared is None and "transfer-encoding" not in headers:
            return b""
        if declared is not None:
            if not declared.isdigit():
                raise Refused(400, "Content-Length must be a number of bytes.")
            if int(declared) > self.body.max_bytes:
                raise self.body.too_large()
            if int(declared) == 0:
                return b""
        return await self.body.read(proto)

    def _call_app(self, environ: dict) -> Reply:
        """Run the WSGI app on ``environ``; whatever escapes it is answered 500, in shape."""
        started: list = []

        def start_response(status: str, headers: list, exc_info: object = None) -> Callable:
            started[:] = [status, headers]
            return lambda data: None  # the legacy write() is unused by this app

        try:
            result = self.app(environ, start_response)
            try:
                answer = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            status, headers = started
            return int(status[:3]), list(headers), answer
        except Exception:
            log.exception("unexpected error outside the app's handlers")
            headers, text = rendered_error(
                500,
                "The server met an unexpected error; it has been logged.",
                environ.get("HTTP_ACCEPT"),
            )
            return 500, headers, text


def _joined(headers: Any, name: str) -> str:
    """Every value of header ``name``, joined as the WSGI environment joins them."""
    return ",".join(headers.get_all(name))


def _path_info(path: str) -> str:
    # Granian gives the path percent-decoded as UTF-8; WSGI wants its bytes as Latin-1.
    return path if path.isascii() else path.encode("utf-8", "surrogateescape").decode("latin-1")


def response_key(scope: Any) -> tuple:
    """The key of :class:`~kg.serve.response_cache.ResponseCache` for an RSGI request:
    the same as for its WSGI environment (``tests/test_front.py`` holds the two equal)."""
    headers = scope.headers
    return (
        scope.scheme,
        _joined(headers, "host") or scope.server.rpartition(":")[0],
        "",
        _path_info(scope.path),
        scope.query_string,
        _joined(headers, "accept"),
    )


def wsgi_environ(scope: Any, body: bytes) -> dict:
    """The WSGI environment (PEP 3333) of an RSGI request ``scope`` with its ``body``."""
    host, _, port = scope.server.rpartition(":")
    client, _, client_port = scope.client.rpartition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _path_info(scope.path),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": "HTTP/" + scope.http_version,
        "REMOTE_ADDR": client,
        "REMOTE_PORT": client_port,
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        if name in ("content-length", "transfer-encoding"):
            continue  # the body is read whole: CONTENT_LENGTH above says how long it is
        key = "CONTENT_TYPE" if name == "content-type" else "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
