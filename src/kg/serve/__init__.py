"""The HTTP side: a Flask application that serves the built graph over SPARQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.serve.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> object:
    # Imported on first use, so that query worker processes (kg.serve.worker) start
    # without Flask and the build's libraries.
    if name == "create_app":
        from kg.serve.app import create_app

        return create_app
    raise AttributeError(f"module 'kg.serve' has no attribute {name!r}")
