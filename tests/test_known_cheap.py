"""A query a worker has answered quickly runs inline from then on, with the same answer.

The store cannot change while the server runs, so a query's cost the second time is
its cost the first time; only the first run of a query needs a worker's deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest
from werkzeug.test import Client, EnvironBuilder

from kg.layout import STORE_DIR
from kg.serve.app import create_app
from kg.serve.engine import QueryEngine, QueryTimeout
from kg.serve.settings import Settings
from kg.serve.worker import Job
from kg.store import Build

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


def test_the_endpoint_runs_a_known_cheap_query_inline(build: Build) -> None:
    app = create_app(
        Settings(cache_bytes=0, query_workers=1, inline_ms=1000), store_path=build.path / STORE_DIR
    )
    try:
        plain = app.wsgi_app.app  # type: ignore[attr-defined]  (inside the response cache)
        engine = app.extensions["kg"].engine
        url = "/sparql?query=" + quote(JOIN)
        job = plain._take(EnvironBuilder(url).get_environ()).job
        assert not engine.runs_inline(job)  # not yet: no worker has answered it
        first = Client(app.wsgi_app).get(url)
        assert engine.runs_inline(job)
        again = Client(app.wsgi_app).get(url)
        assert first.status_code == again.status_code == 200
        assert first.get_data() == again.get_data()
        assert first.headers["ETag"] == again.headers["ETag"]
    finally:
        app.extensions["kg"].engine.close()
