"""The HTTP server: Granian (HTTP in Rust) with one process per core by default.

Each HTTP process makes its own app, with its own query workers and caches. Every
query worker opens the build's store read-only, so the store's files are shared
through the OS page cache rather than copied into each process. Granian parses HTTP
and manages connections outside the interpreter, so Python runs only the app, and an
answer the response cache holds costs a dictionary lookup.
"""

from __future__ import annotations

import multiprocessing.util
from collections.abc import Callable

from flask import Flask
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server

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
        return app
