"""The HTTP server: Granian (HTTP in Rust) with one process per core by default.

Each HTTP process makes its own app, with its own query workers and caches, behind
the front (:mod:`kg.serve.front`) that reads requests within their bounds. Every query
worker opens the build's store read-only, so the store's files are shared through the
OS page cache rather than copied into each process.
"""

from __future__ import annotations

import multiprocessing.util
from collections.abc import Callable

from flask import Flask
from granian.constants import Interfaces, TaskImpl
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import Server

from kg.serve.front import Front
from kg.serve.settings import Settings


def serve_app(make_app: Callable[[], Flask], settings: Settings, host: str, port: int) -> None:
    """Serve the app that ``make_app`` creates, in ``http_workers`` processes, until stopped."""
    server = Server(
        "kg.serve:create_app",  # a name for logs; the app comes from make_app below
        address=host,
        port=port,
        interface=Interfaces.RSGI,
        # Granian's own task type for each request instead of an asyncio Task: the
        # front answers cached and inline requests on the loop, and for them the task
        # that carries the request is a large part of the cost.
        task_impl=TaskImpl.rust,
        workers=settings.http_workers,
        http1_settings=HTTP1Settings(header_read_timeout=round(settings.read_timeout * 1000)),
        log_level=LogLevels.warning,
        log_access=False,
        respawn_failed_workers=True,
        workers_kill_timeout=5,
    )
    server.serve(target_loader=_Loader(make_app), wrap_loader=False)


class _Loader:
    """Makes the application inside each HTTP process (picklable for spawn)."""

    def __init__(self, make_app: Callable[[], Flask]) -> None:
        self.make_app = make_app

    def __call__(self) -> Front:
        app = self.make_app()
        state = app.extensions["kg"]
        # The process ends through multiprocessing, which runs finalizers but not atexit:
        # stop the query workers before it goes.
        multiprocessing.util.Finalize(app, state.engine.close, exitpriority=10)
        return Front(
            app.wsgi_app,
            state.settings,
            state.responses,
            state.plain.answers_at_once,
            isolate=not state.engine.remote,
        )
