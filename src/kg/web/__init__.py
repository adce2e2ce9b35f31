"""The HTTP side: a Flask application that serves the built graph over SPARQL."""

from kg.web.app import create_app

__all__ = ["create_app"]
