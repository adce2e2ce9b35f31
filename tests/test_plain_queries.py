"""Queries answered before Flask get exactly the response Flask would give them."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask
from werkzeug.test import Client, EnvironBuilder

from kg.layout import STORE_DIR
from kg.serve import plain_queries
from kg.serve.app import create_app
from kg.serve.plain_queries import PlainQueries
from kg.serve.settings import Settings
from kg.serve.worker import Job
from kg.store import Build

LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/lgde/id/region/guangdong> ?p ?o }"
# Not one triple pattern: a query worker runs it (inline_ms is 0 below).
JOIN = "SELECT ?s ?l WHERE { ?s a lgde:Province ; rdfs:label ?l } ORDER BY ?s ?l"
SLOW = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def app(build: Build) -> Iterator[Flask]:
    app = create_app(
        Settings(cache_bytes=0, query_workers=1, max_rows=100, inline_ms=0, query_timeout=1),
        store_path=build.path / STORE_DIR,
    )
    yield app
    app.extensions["kg"].engine.close()


def _layers(app: Flask) -> tuple[PlainQueries, object]:
    plain = app.wsgi_app.app  # type: ignore[attr-defined]  (inside the response cache)
    assert isinstance(plain, PlainQueries)
    return plain, plain.app


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
        (JOIN, ""),  # run by a query worker
        (JOIN, "text/csv"),
        ("CONSTRUCT WHERE { ?s a lgde:Province } LIMIT 5", ""),
        ("DESCRIBE <https://w3id.org/lgde/id/region/guangdong>", "application/n-triples"),
        ("CONSTRUCT WHERE { ?s a lgde:Province } LIMIT 5", "application/json"),  # JSON-LD
    ],
)
def test_plain_answer_is_the_flask_answer(app: Flask, query: str, accept: str) -> None:
    plain, flask_only = _layers(app)
    url = "/sparql?query=" + quote(query)
    assert _taken(app, url, Accept=accept), "the plain layer must answer this one"
    assert _get(plain, url, Accept=accept) == _get(flask_only, url, Accept=accept)


def _taken(app: Flask, url: str, **headers: str) -> bool:
    """Whether the plain layer answers ``url``."""
    plain, _ = _layers(app)
    return plain._take(EnvironBuilder(url, headers=headers).get_environ()) is not None


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/sparql?query=" + quote(LOOKUP) + "&format=csv", {}),
        ("/sparql?query=" + quote(LOOKUP) + "&default-graph-uri=x", {}),
        ("/sparql?query=" + quote(LOOKUP), {"If-None-Match": '"x"'}),
        ("/sparql?query=%20", {}),
        ("/sparql/?query=" + quote(LOOKUP), {}),
        ("/sparql?query=" + quote(LOOKUP) + "&query=" + quote(LOOKUP), {}),
    ],
)
def test_everything_else_goes_to_flask(app: Flask, url: str, headers: dict) -> None:
    assert not _taken(app, url, **headers)
    plain, flask_only = _layers(app)
    assert _get(plain, url, **headers) == _get(flask_only, url, **headers)


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/sparql?query=" + quote(LOOKUP), {"Accept": "image/png"}),
        ("/sparql?query=" + quote("CONSTRUCT WHERE { ?s ?p ?o }"), {"Accept": "text/csv"}),
        ("/sparql?query=" + quote("INSERT DATA { <a> <b> <c> }"), {}),
        ("/sparql?query=" + quote("SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }"), {}),
        ("/sparql?query=" + quote("not a query at all"), {}),
        ("/sparql?query=" + quote("SELECT * WHERE {" * 100), {}),
    ],
)
def test_a_refused_plain_request_gets_flasks_error(app: Flask, url: str, headers: dict) -> None:
    plain, flask_only = _layers(app)
    status, written, body = _get(plain, url, **headers)
    assert 400 <= status < 500
    assert (status, written, body) == _get(flask_only, url, **headers)


@pytest.fixture
def runs(app: Flask, monkeypatch) -> list[Job]:
    """The jobs the engine is asked to run, from here on."""
    engine = app.extensions["kg"].engine
    asked: list[Job] = []

    def counting(run):
        def counted(job: Job):
            asked.append(job)
            return run(job)

        return counted

    # In a worker or in this process: the service asks for the one it has decided on.
    monkeypatch.setattr(engine, "run", counting(engine.run))
    monkeypatch.setattr(engine, "run_inline", counting(engine.run_inline))
    return asked


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?o WHERE { nope:a ?p ?o }",  # unknown prefix: the parser's error, inline
        "SELECT ?o WHERE { ?s nope:a ?o . ?o ?p ?q }",  # the same, from a worker
    ],
)
def test_a_failing_query_gets_flasks_error_and_runs_once(
    app: Flask, runs: list[Job], query: str
) -> None:
    plain, flask_only = _layers(app)
    url = "/sparql?query=" + quote(query)
    assert _taken(app, url)
    status, _, body = _get(plain, url)
    assert len(runs) == 1
    assert (status, body) == _get(flask_only, url)[::2] and status == 400
    assert b"Syntax error" in body


def test_a_query_past_its_deadline_gets_flasks_503_and_runs_once(
    app: Flask, runs: list[Job]
) -> None:
    plain, _ = _layers(app)
    status, headers, body = _get(plain, "/sparql?query=" + quote(SLOW))
    assert len(runs) == 1
    assert status == 503 and headers["Retry-After"] == "1"
    assert b"ran longer than the 1 s allowed" in body


def test_a_remembered_request_keeps_the_base_of_each_host_and_mount(app: Flask) -> None:
    # Regression guard: decoded requests are remembered; the base IRI that resolves a
    # relative IRI must still be each request's own, not the first one's.
    plain, _ = _layers(app)
    url = "/sparql?query=" + quote("SELECT ?o WHERE { <relative> ?p ?o }")
    bases = set()
    for _ in range(2):  # the second round is answered from what was remembered
        for host, mount in [("a.example", ""), ("b.example:8080", ""), ("a.example", "/kg")]:
            environ = EnvironBuilder(url, headers={"Host": host}).get_environ()
            environ["SCRIPT_NAME"] = mount
            taken = plain._take(environ)
            assert taken is not None
            assert taken.job.base_iri == f"http://{host}{mount}/sparql"
            bases.add(taken.job.base_iri)
    assert len(bases) == 3


@pytest.fixture
def fresh(build: Build) -> Iterator[Flask]:
    """An app of its own, for tests that change the plain layer's limits."""
    app = create_app(
        Settings(cache_bytes=0, query_workers=1, inline_ms=1000), store_path=build.path / STORE_DIR
    )
    yield app
    app.extensions["kg"].engine.close()


def test_remembered_requests_keep_their_host_and_format_apart(fresh: Flask, monkeypatch) -> None:
    """A request read before is not read again, but another host or format is another job."""
    plain, _ = _layers(fresh)
    plain._prepared.max_items = 3
    url = "/sparql?query=" + quote("SELECT ?x WHERE { BIND(<here> AS ?x) }")
    seen = {}
    for _ in range(2):
        for host in ("a.example", "b.example"):
            for accept in ("text/csv", "application/sparql-results+json"):
                response = Client(fresh.wsgi_app).get(url, headers={"Host": host, "Accept": accept})
                body = response.get_data()
                assert response.status_code == 200
                assert f"http://{host}/here".encode() in body
                assert response.mimetype == accept
                assert seen.setdefault((host, accept), body) == body
        assert len(plain._prepared) <= 3
    assert plain._take(EnvironBuilder(url, headers={"Host": "b.example"}).get_environ())


def test_a_long_request_is_read_every_time_not_remembered(fresh: Flask, monkeypatch) -> None:
    url = "/sparql?query=" + quote(LOOKUP)
    monkeypatch.setattr(plain_queries, "REMEMBERED_LENGTH", len(url.split("?", 1)[1]) - 1)
    plain, _ = _layers(fresh)
    for _ in range(2):
        response = Client(fresh.wsgi_app).get(url)
        assert response.status_code == 200 and int(response.headers["X-Result-Count"]) > 5
    assert not plain._prepared
    Client(fresh.wsgi_app).get("/sparql?query=" + quote("ASK { ?s ?p ?o }"))
    assert len(plain._prepared) == 1


def test_what_is_remembered_stays_within_its_characters(fresh: Flask, monkeypatch) -> None:
    plain, _ = _layers(fresh)
    urls = [
        "/sparql?query=" + quote(f"SELECT ?o WHERE {{ <https://w3id.org/lgde/id/{n}> ?p ?o }}")
        for n in range(6)
    ]
    size = len(urls[0].split("?", 1)[1])
    plain._prepared.max_weight = 3 * size
    for url in urls:
        assert Client(fresh.wsgi_app).get(url).status_code == 200
        assert plain._prepared.weight <= 3 * size
    assert len(plain._prepared) == 3
    assert plain._prepared.weight == sum(len(key[0]) for key in plain._prepared.keys())  # noqa: SIM118
