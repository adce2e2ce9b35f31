"""Queries answered before Flask get exactly the response Flask would give them."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.test import Client

from kg.build import STORE_DIR
from kg.store import Build
from kg.web.app import create_app
from kg.web.inline_queries import InlineQueries
from kg.web.settings import Settings

LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/lgde/id/region/guangdong> ?p ?o }"


@pytest.fixture(scope="module")
def app(build: Build) -> Iterator[Flask]:
    app = create_app(
        Settings(cache_bytes=0, query_workers=1, max_rows=100), store_path=build.path / STORE_DIR
    )
    yield app
    app.extensions["kg"].engine.close()


def _layers(app: Flask) -> tuple[InlineQueries, object]:
    fast = app.wsgi_app.app  # type: ignore[attr-defined]  (inside the response cache)
    assert isinstance(fast, InlineQueries)
    return fast, fast.app


def _get(wsgi, url: str, **headers: str):
    response = Client(wsgi).get(url, headers=headers)
    named = {k: v for k, v in response.headers.items() if k != "Server-Timing"}
    return response.status_code, named, response.get_data()


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (LOOKUP, "application/sparql-results+json"),
        (LOOKUP, "text/csv"),
        (LOOKUP, "application/sparql-results+xml, */*;q=0.1"),
        ("SELECT ?s WHERE { ?s a <https://w3id.org/lgde/ontology#Region> } LIMIT 3", ""),
        ("ASK { ?s a <https://w3id.org/lgde/ontology#Region> }", "text/tab-separated-values"),
        ("SELECT ?o WHERE { <relative> ?p ?o }", "application/json"),
        ("SELECT * WHERE { ?s ?p ?o }", ""),  # truncated at max_rows, and says so
    ],
)
def test_fast_answer_is_the_flask_answer(app: Flask, query: str, accept: str) -> None:
    fast, flask_only = _layers(app)
    url = "/sparql?query=" + quote(query)
    assert _taken(app, url, Accept=accept), "the fast path must answer this one"
    assert _get(fast, url, Accept=accept) == _get(flask_only, url, Accept=accept)


def _taken(app: Flask, url: str, **headers: str) -> bool:
    """Whether the fast path answers ``url`` (it marks what it answers as repeatable)."""
    fast, _ = _layers(app)
    environ = Client(fast).get(url, headers=headers).request.environ
    return fast._take(environ) is not None


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/sparql?query=" + quote(LOOKUP) + "&format=csv", {}),
        ("/sparql?query=" + quote(LOOKUP) + "&default-graph-uri=x", {}),
        ("/sparql?query=" + quote(LOOKUP), {"If-None-Match": '"x"'}),
        ("/sparql?query=" + quote(LOOKUP), {"Accept": "image/png"}),
        ("/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o . ?o ?q ?r }"), {}),
        ("/sparql?query=" + quote("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1"), {}),
        ("/sparql/?query=" + quote(LOOKUP), {}),
        ("/sparql?query=" + quote(LOOKUP) + "&query=" + quote(LOOKUP), {}),
    ],
)
def test_everything_else_goes_to_flask(app: Flask, url: str, headers: dict) -> None:
    assert not _taken(app, url, **headers)


def test_a_failing_lookup_gets_flasks_error(app: Flask) -> None:
    fast, flask_only = _layers(app)
    url = "/sparql?query=" + quote("SELECT ?o WHERE { nope:a ?p ?o }")  # unknown prefix
    assert _taken(app, url)
    status, _, body = _get(fast, url)
    assert (status, body) == _get(flask_only, url)[::2] and status == 400


def test_a_remembered_request_keeps_the_base_of_each_host_and_mount(app: Flask) -> None:
    # Regression guard: decoded requests are remembered; the base IRI that resolves a
    # relative IRI must still be each request's own, not the first one's.
    fast, _ = _layers(app)
    url = "/sparql?query=" + quote("SELECT ?o WHERE { <relative> ?p ?o }")
    bases = set()
    for _ in range(2):  # the second round is answered from what was remembered
        for host, mount in [("a.example", ""), ("b.example:8080", ""), ("a.example", "/kg")]:
            environ = Client(fast).get(url, headers={"Host": host}).request.environ
            environ["SCRIPT_NAME"] = mount
            taken = fast._take(environ)
            assert taken is not None
            assert taken.job.base_iri == f"http://{host}{mount}/sparql"
            bases.add(taken.job.base_iri)
    assert len(bases) == 3
