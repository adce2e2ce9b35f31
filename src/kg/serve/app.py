"""The application factory."""

from __future__ import annotations

import atexit
from pathlib import Path

import pyoxigraph as ox
from flask import Flask

from kg.serve import errors
from kg.serve.cache import ResultCache
from kg.serve.engine import Engine, QueryEngine
from kg.serve.plain_queries import PlainQueries
from kg.serve.remote import RemoteEngine
from kg.serve.response_cache import ResponseCache
from kg.serve.service import QueryService
from kg.serve.settings import Settings
from kg.serve.state import EXTENSION, ServerState
from kg.stores.client import StoreClient
from kg.typed_results import solutions


def _graph_sizes(store_path: Path) -> dict[str, int]:
    store = ox.Store.read_only(str(store_path))
    result = solutions(
        store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    )
    return {row["g"].value: int(row["n"].value) for row in result}


def _data_version(store_path: Path) -> str:
    """Names the data served: builds are never changed in place, so their path does."""
    return str(store_path.resolve())


def create_app(
    settings: Settings | None = None,
    *,
    store_path: Path | None = None,
    build_store: Path | None = None,
    queries_dir: Path | None = None,
    home: Path | None = None,
    store: StoreClient | None = None,
) -> Flask:
    """Make the application over the store at ``store_path`` (default: the current build).

    ``build_store`` is the store of the build itself, which downloads and VoID describe;
    it differs from ``store_path`` when extra files are served beside the build.

    >>> app = create_app(Settings(query_timeout=5))   # doctest: +SKIP
    >>> app.test_client().get("/sparql?query=ASK{}").json   # doctest: +SKIP
    {'boolean': True, 'head': {}}
    """
    settings = settings or Settings()
    if store_path is None:
        from kg.layout import STORE_DIR
        from kg.store import open_build

        store_path = open_build().path / STORE_DIR
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    sizes = _graph_sizes(store_path)
    engine: Engine
    if store is not None:
        # Queries go to an existing SPARQL store; the build stays for pages' metadata,
        # downloads and tables (kg.serve.remote).
        engine = RemoteEngine(
            store,
            str(store_path),
            build=_build_digest(Path(build_store or store_path).parent),
            check_every=settings.store_check,
            connections=settings.query_workers,
            timeout=settings.query_timeout,
            wait=settings.worker_wait,
            max_waiting=settings.waiting_allowed,
            row_cap=settings.store_row_cap,
        )
    else:
        engine = QueryEngine(
            str(store_path),
            workers=settings.query_workers,
            timeout=settings.query_timeout,
            wait=settings.worker_wait,
            in_memory=sum(sizes.values()) <= settings.memory_quads,
            inline_seconds=settings.inline_ms / 1000,
            defer_ready=True,  # the workers start while the statistics below are counted
            memory_bytes=settings.query_memory_mb * 1024 * 1024,
            max_waiting=settings.waiting_allowed,
        )
    atexit.register(engine.close)
    build_store = build_store or store_path
    cache = ResultCache(settings.cache_bytes, _data_version(Path(store_path)))
    # The service description lists what is served; VoID and downloads describe the build.
    from kg.serve.dataset_description import Downloads, _statistics

    service = QueryService(settings, engine, cache)
    state = ServerState(
        settings, engine, cache, service, build_store, Downloads(build_store), sizes
    )
    state.statistics = _statistics(state)
    from kg.layout import Layout
    from kg.queries import stored_queries

    state.queries = stored_queries(queries_dir or Layout.discover().queries_dir)
    _releases(state, home or Layout.discover().home, Path(build_store).parent)
    app.extensions[EXTENSION] = state
    # A repeated request is replayed before anything else; a plain query request is
    # answered before Flask; everything else goes through Flask.
    state.plain = PlainQueries(app.wsgi_app, state)
    state.responses = ResponseCache(state.plain, settings.cache_bytes)
    app.wsgi_app = state.responses  # type: ignore[method-assign]

    errors.init_app(app)
    from kg.serve import (
        api,
        citation,
        dataset_description,
        query_page,
        resources,
        sparql,
        tables,
    )

    @app.context_processor
    def release_context() -> dict:
        return {"release": state.release, "latest_release": state.latest_release}

    app.register_blueprint(sparql.bp)
    app.register_blueprint(dataset_description.bp)
    app.register_blueprint(tables.bp)
    app.register_blueprint(citation.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(query_page.bp)
    app.register_blueprint(resources.bp)
    resources.init_app(app)
    engine.wait_ready()
    if engine.isolation:  # what the workers found, whatever kg serve foresaw
        app.logger.warning("query workers can reach the network: %s", engine.isolation)
    return app


def _build_digest(build: Path) -> str:
    """The identity of the build in folder ``build`` (the digest of its inputs)."""
    import json

    from kg.layout import MANIFEST_FILE
    from kg.releases import inputs_digest

    return inputs_digest(json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8")))


def _releases(state: ServerState, home: Path, build: Path) -> None:
    """Which release the build is, and the latest one, from the project's releases/."""
    import json

    from kg.layout import MANIFEST_FILE
    from kg.releases import read_releases, release_of

    try:
        manifest = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    state.release = release_of(home, manifest)
    releases = read_releases(home)
    state.latest_release = releases[-1] if releases else None
