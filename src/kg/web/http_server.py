"""The HTTP server: several processes on every core, or one for a single worker.

With ``http_workers`` above 1, gunicorn forks that many HTTP processes, each running
its own app with its own query workers. Every query worker opens the build's store
read-only, so the store's files are shared through the OS page cache rather than
copied into each process; only caches are per process. With one worker, waitress
serves from this process, as it does on any platform.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication

from kg.web.settings import Settings


def serve_app(make_app: Callable[[], Flask], settings: Settings, host: str, port: int) -> None:
    """Serve the app that ``make_app`` creates until the server is stopped."""
    if settings.http_workers <= 1:
        import waitress

        app = make_app()
        try:
            waitress.serve(app, host=host, port=port, threads=settings.http_threads, ident="kg")
        finally:
            app.extensions["kg"].engine.close()
        return
    _Gunicorn(make_app, _gunicorn_options(settings, host, port)).run()


def _gunicorn_options(settings: Settings, host: str, port: int) -> dict:
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": settings.http_workers,
        "worker_class": "gthread",
        "threads": settings.http_threads,
        # Each process makes its own app: query workers must not be shared across a fork.
        "preload_app": False,
        # A request waits at most for a free query worker and then the query's deadline.
        "timeout": int(settings.worker_wait + settings.query_timeout) + 30,
        "graceful_timeout": 5,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "kg-serve",
        "worker_exit": _close_engine,
    }


def _close_engine(server, worker) -> None:
    """Stop the process's query workers, then end it without interpreter teardown.

    Tearing down a forked worker that holds open pyoxigraph stores crashed with
    SIGSEGV after its work was done; nothing is left to flush once the engine is
    closed and the log handlers flushed, so the process ends here.
    """
    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask):
        app.extensions["kg"].engine.close()
    for handler in logging.getLogger("gunicorn.error").handlers:
        handler.flush()
    os._exit(0)


class _Gunicorn(BaseApplication):
    """gunicorn run from here, with options given in code rather than a config file."""

    def __init__(self, make_app: Callable[[], Flask], options: dict) -> None:
        self.make_app = make_app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.make_app()
