"""What the request handlers share, and the one typed way to reach it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from kg.queries import StoredQuery
    from kg.releases import Release
    from kg.serve.cache import ResultCache
    from kg.serve.dataset_description import Downloads
    from kg.serve.engine import Engine
    from kg.serve.plain_queries import PlainQueries
    from kg.serve.response_cache import ResponseCache
    from kg.serve.service import QueryService
    from kg.serve.settings import Settings

EXTENSION = "kg"  # the key of the server state in Flask's app.extensions


@dataclass
class ServerState:
    """Settings, the engine and the services over it, and facts about the data served."""

    settings: Settings
    engine: Engine
    cache: ResultCache
    service: QueryService
    build_store: Path  # the build's own store, which downloads and VoID describe
    downloads: Downloads
    graph_sizes: dict[str, int] = field(default_factory=dict)
    statistics: dict[str, int] = field(default_factory=dict)
    queries: dict[str, StoredQuery] = field(default_factory=dict)
    responses: ResponseCache | None = None  # whole responses, replayed by kg.serve.front
    plain: PlainQueries | None = None  # plain query requests, answered before Flask
    release: Release | None = None  # the release the build served is, if it is one
    latest_release: Release | None = None  # the project's latest release
    divisions: dict | None = None  # the map's counts (kg.serve.pictures), made once

    @property
    def total_triples(self) -> int:
        return sum(self.graph_sizes.values())


def server_state() -> ServerState:
    """The state of the app handling the current request."""
    state: ServerState = current_app.extensions[EXTENSION]
    return state
