"""A query a worker has answered quickly runs inline from then on, with the same answer.

The store cannot change while the server runs, so a query's cost the second time is
its cost the first time; only the first run of a query needs a worker's deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from werkzeug.test import Client, EnvironBuilder

from kg.build import STORE_DIR
from kg.store import Build
from kg.web.app import create_app
from kg.web.engine import QueryEngine, QueryTimeout
from kg.web.settings import Settings
from kg.web.worker import Job

JOIN = "SELECT ?s ?l WHERE { ?s a lgde:Province ; rdfs:label ?l } ORDER BY ?s ?l"
SLOW = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _job(query: str, **extra) -> Job:
    return Job(query=query, form="SELECT", format_key="json", max_rows=1000, **extra)


@pytest.fixture
def engine(build: Build) -> Iterator[QueryEngine]:
    # A generous limit: the first run's time on a busy machine must not decide the test.
    engine = QueryEngine(str(build.path / STORE_DIR), workers=1, timeout=2, inline_seconds=1.0)
    yield engine
    engine.close()


def test_a_query_answered_within_the_limit_then_runs_inline(engine: QueryEngine) -> None:
    job = _job(JOIN)
    assert not engine.runs_inline(job)
    first, _ = engine.run(job)
    assert engine.runs_inline(job)
    again, _ = engine.run(job)
    assert first.ok and first.rows > 5
    assert again == first  # same body, rows and flags


def test_another_format_of_the_same_query_is_known_cheap_too(engine: QueryEngine) -> None:
    engine.run(_job(JOIN))
    as_csv = Job(query=JOIN, form="SELECT", format_key="csv", max_rows=1000)
    assert engine.runs_inline(as_csv)
    answer, _ = engine.run(as_csv)
    assert answer.ok and answer.body.startswith(b"s,l\r\n")


def test_other_datasets_parameters_and_caps_are_not_known_cheap(engine: QueryEngine) -> None:
    engine.run(_job(JOIN))
    for other in [
        _job(JOIN, default_graphs=("https://w3id.org/lgde/graph/asserted",)),
        _job(JOIN, substitutions=(("s", "x"),)),
        Job(query=JOIN, form="SELECT", format_key="json", max_rows=5),
        _job(JOIN + " LIMIT 3"),
    ]:
        assert not engine.runs_inline(other)


def test_failed_and_stopped_queries_are_not_remembered(engine: QueryEngine) -> None:
    broken = _job("SELECT ?s WHERE { ?s ?p }")
    assert not engine.run(broken)[0].ok
    assert not engine.runs_inline(broken)
    slow = _job(SLOW)
    with pytest.raises(QueryTimeout):
        engine.run(slow)
    assert not engine.runs_inline(slow)


@pytest.mark.parametrize("limit", [0.0, 1e-9], ids=["zero turns it off", "slower than the limit"])
def test_a_query_over_the_limit_stays_with_the_workers(build: Build, limit: float) -> None:
    engine = QueryEngine(str(build.path / STORE_DIR), workers=1, inline_seconds=limit)
    try:
        job = _job(JOIN)
        assert engine.run(job)[0].ok
        assert not engine.runs_inline(job)
    finally:
        engine.close()


def test_the_endpoint_answers_a_known_cheap_query_before_flask(build: Build) -> None:
    app = create_app(
        Settings(cache_bytes=0, query_workers=1, inline_ms=1000), store_path=build.path / STORE_DIR
    )
    try:
        inline = app.wsgi_app.app  # type: ignore[attr-defined]  (inside the response cache)
        url = "/sparql?query=" + quote(JOIN)
        environ = EnvironBuilder(url).get_environ()
        assert inline._take(environ) is None  # not yet: no worker has answered it
        first = Client(app.wsgi_app).get(url)
        assert inline._take(environ) is not None
        again = Client(app.wsgi_app).get(url)
        assert first.status_code == again.status_code == 200
        assert first.get_data() == again.get_data()
        assert first.headers["ETag"] == again.headers["ETag"]
    finally:
        app.extensions["kg"].engine.close()


def test_remembered_requests_keep_their_host_and_format_apart(build: Build, monkeypatch) -> None:
    """A request read before is not read again, but another host or format is another job."""
    from kg.web import inline_queries

    monkeypatch.setattr(inline_queries, "REMEMBERED", 3)
    app = create_app(
        Settings(cache_bytes=0, query_workers=1, inline_ms=1000), store_path=build.path / STORE_DIR
    )
    try:
        inline = app.wsgi_app.app  # type: ignore[attr-defined]  (inside the response cache)
        url = "/sparql?query=" + quote("SELECT ?x WHERE { BIND(<here> AS ?x) }")
        seen = {}
        for _ in range(2):
            for host in ("a.example", "b.example"):
                for accept in ("text/csv", "application/sparql-results+json"):
                    response = Client(app.wsgi_app).get(
                        url, headers={"Host": host, "Accept": accept}
                    )
                    body = response.get_data()
                    assert response.status_code == 200
                    assert f"http://{host}/here".encode() in body
                    assert response.mimetype == accept
                    assert seen.setdefault((host, accept), body) == body
            assert len(inline._decoded) <= 3
        assert inline._take(EnvironBuilder(url, headers={"Host": "b.example"}).get_environ())
    finally:
        app.extensions["kg"].engine.close()


def test_a_long_request_is_read_every_time_not_remembered(build: Build, monkeypatch) -> None:
    from kg.web import inline_queries

    lookup = "SELECT ?p ?o WHERE { <https://w3id.org/lgde/id/region/anhui> ?p ?o }"
    url = "/sparql?query=" + quote(lookup)
    raw = url.split("?", 1)[1]
    monkeypatch.setattr(inline_queries, "REMEMBERED_LENGTH", len(raw) - 1)
    app = create_app(Settings(cache_bytes=0, query_workers=1), store_path=build.path / STORE_DIR)
    try:
        inline = app.wsgi_app.app  # type: ignore[attr-defined]  (inside the response cache)
        for _ in range(2):
            response = Client(app.wsgi_app).get(url)
            assert response.status_code == 200 and int(response.headers["X-Result-Count"]) > 5
        assert not inline._decoded
        short = "/sparql?query=" + quote("ASK { ?s ?p ?o }")
        Client(app.wsgi_app).get(short)
        assert len(inline._decoded) == 1
    finally:
        app.extensions["kg"].engine.close()
