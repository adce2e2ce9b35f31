"""The application factory."""

from __future__ import annotations

import atexit
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from flask import Flask

from kg.web import errors
from kg.web.engine import QueryEngine
from kg.web.settings import Settings


@dataclass
class ServerState:
    """What the request handlers share: settings, the engine, facts about the data."""

    settings: Settings
    engine: QueryEngine
    graph_sizes: dict[str, int] = field(default_factory=dict)

    @property
    def total_triples(self) -> int:
        return sum(self.graph_sizes.values())


def _graph_sizes(store_path: Path) -> dict[str, int]:
    store = ox.Store.read_only(str(store_path))
    result = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"].value: int(row["n"].value) for row in result}


def create_app(settings: Settings | None = None, *, store_path: Path | None = None) -> Flask:
    """Make the application over the store at ``store_path`` (default: the current build).

    >>> app = create_app(Settings(query_timeout=5))   # doctest: +SKIP
    >>> app.test_client().get("/sparql?query=ASK{}").json   # doctest: +SKIP
    {'boolean': True, 'head': {}}
    """
    settings = settings or Settings()
    if store_path is None:
        from kg.build import STORE_DIR
        from kg.store import open_build

        store_path = open_build().path / STORE_DIR
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    engine = QueryEngine(
        str(store_path),
        workers=settings.query_workers,
        timeout=settings.query_timeout,
        wait=settings.worker_wait,
    )
    atexit.register(engine.close)
    app.extensions["kg"] = ServerState(settings, engine, _graph_sizes(store_path))

    errors.init_app(app)
    from kg.web import sparql

    app.register_blueprint(sparql.bp)
    return app
