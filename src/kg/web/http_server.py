"""The HTTP server: Granian (HTTP in Rust) with one process per core by default.

Each HTTP process makes its own app, with its own query workers and caches. Every
query worker opens the build's store read-only, so the store's files are shared
through the OS page cache rather than copied into each process. Granian parses HTTP
and manages connections outside the interpreter, so Python runs only the app, and an
answer the response cache holds costs a dictionary lookup.
"""

from __future__ import annotations

import multiprocessing.util
import threading
from collections.abc import Callable, Iterable

from flask import Flask
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server

from kg.web.isolation import deny_network
from kg.web.settings import Settings


def serve_app(make_app: Callable[[], Flask], settings: Settings, host: str, port: int) -> None:
    """Serve the app that ``make_app`` creates, in ``http_workers`` processes, until stopped."""
    server = Server(
        "kg.web:create_app",  # a name for logs; the app comes from make_app below
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=settings.http_workers,
        blocking_threads=settings.http_threads,
        log_level=LogLevels.warning,
        log_access=False,
        respawn_failed_workers=True,
        workers_kill_timeout=5,
    )
    server.serve(target_loader=_Loader(make_app), wrap_loader=False)


class _Loader:
    """Makes the WSGI application inside each HTTP process (picklable for spawn)."""

    def __init__(self, make_app: Callable[[], Flask]) -> None:
        self.make_app = make_app

    def __call__(self) -> Flask:
        app = self.make_app()
        # The process ends through multiprocessing, which runs finalizers but not atexit:
        # stop the query workers before it goes.
        multiprocessing.util.Finalize(app, app.extensions["kg"].engine.close, exitpriority=10)
        app.wsgi_app = _DenyNetworkFirst(app.wsgi_app)  # type: ignore[method-assign]
        return app


class _DenyNetworkFirst:
    """Before its first request, the HTTP process gives up opening network connections.

    It answers short queries itself, so it is isolated like the query workers
    (:mod:`kg.web.isolation`). Not earlier: after the application is made, Granian
    still sets up its own listening socket in this process.
    """

    def __init__(self, app: Callable) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._done = False

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not self._done:
            with self._lock:
                if not self._done:
                    deny_network()
                    self._done = True
        return self.app(environ, start_response)
