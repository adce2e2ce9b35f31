"""Queries of one triple pattern are recognised exactly, and answered without a worker."""

from __future__ import annotations

import contextlib
import threading

import pytest

from kg.layout import STORE_DIR
from kg.serve.engine import INLINE_ROWS, EngineBusy, QueryEngine, QueryTimeout
from kg.serve.pattern_query import pattern_limit
from kg.serve.worker import Job
from kg.store import Build

from .conftest import wait_until

ANHUI = "<https://w3id.org/lgde/id/region/anhui>"


@pytest.mark.parametrize(
    ("query", "limit"),
    [
        (f"SELECT ?p ?o WHERE {{ {ANHUI} ?p ?o }}", -1),
        ("select ?s where { ?s a lgde:Province . }", -1),
        ('SELECT * { ?s rdfs:label "Anhui"@en }', -1),
        ('ASK { ?s ?p "12.5"^^xsd:decimal }', -1),
        ('SELECT ?s WHERE { ?s ?p "} . ?a ?b ?c {" }', -1),  # one literal, braces and all
        ("PREFIX ex: <http://example.org/> BASE <http://b/> SELECT ?o { ex:a ex:b ?o } LIMIT 5", 5),
        ("# a comment\nSELECT $o WHERE { region:anhui skos:prefLabel $o } LIMIT 20000", 20000),
    ],
)
def test_one_pattern_queries_are_recognised(query: str, limit: int) -> None:
    assert pattern_limit(query) == limit


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?s WHERE { ?s ?p ?s }",  # a repeated variable: a scan that filters
        "SELECT DISTINCT ?p WHERE { ?s ?p ?o }",
        "SELECT ?s WHERE { ?s ?p ?o } OFFSET 10",
        "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s",
        "SELECT ?s WHERE { ?s ?p ?o FILTER(?o > 1) }",
        "SELECT ?s WHERE { ?s ?p ?o . ?o ?q ?r }",
        "SELECT ?s WHERE { ?s ?p ?o ; ?q ?r }",
        "SELECT ?s WHERE { ?s ?p ?o , ?r }",
        "SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT ?s FROM <http://example.org/g> WHERE { ?s ?p ?o }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }",
        "SELECT ?s WHERE { ?s ?p ?o } GROUP BY ?s",
        "SELECT ?s WHERE { ?s <http://a>+ ?o }",  # a property path
        'SELECT ?s WHERE { ?s ?p "a\\"b" }',  # escapes go the general way
        "SELECT ?s WHERE { ?s ?p 12 }",
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "DESCRIBE <http://example.org/a>",
        "SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <http://a> }",
        "SELECT ?s WHERE { ?s ?p ?o } LIMIT",
        "SELECT ?s WHERE { ?s ?p ?o } } ",
        "SELECT ?s WHERE { ?s ?p ?o",
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "SELECT ?s WHERE { ?s ?p ?o }" + " " * 5000,
        # Regression: a comment ends at a carriage return too. Read up to the line feed,
        # this three-pattern join looked like one pattern and ran with no deadline.
        "SELECT * WHERE { ?s ?p ?o #\r. ?a ?b ?c . ?d ?e ?f \n }",
        "SELECT * WHERE { ?s ?p ?o }\u00a0LIMIT 5",  # not white space for SPARQL
    ],
)
def test_anything_more_is_not(query: str) -> None:
    assert pattern_limit(query) is None


def test_a_text_read_again_gets_the_same_answer_and_only_short_texts_are_kept() -> None:
    from kg.serve.pattern_query import _LONGEST, _read_pattern

    query = f"SELECT ?p ?o WHERE {{ {ANHUI} ?p ?o }} LIMIT 7"
    assert [pattern_limit(query) for _ in range(3)] == [7, 7, 7]
    long_text = "SELECT ?s WHERE { ?s ?p ?o }" + " " * _LONGEST
    before = _read_pattern.cache_info().currsize
    assert pattern_limit(long_text) is None
    assert _read_pattern.cache_info().currsize == before  # not held in memory


def _job(query: str, max_rows: int = 1000, **extra) -> Job:
    return Job(query=query, form="SELECT", format_key="json", max_rows=max_rows, **extra)


def test_inline_needs_a_bounded_number_of_rows_and_the_plain_dataset() -> None:
    lookup = f"SELECT ?p ?o WHERE {{ {ANHUI} ?p ?o }}"
    assert QueryEngine.bounded_by_rows(_job(lookup))
    assert not QueryEngine.bounded_by_rows(_job(lookup, max_rows=INLINE_ROWS + 1))
    assert QueryEngine.bounded_by_rows(_job(lookup + " LIMIT 10", max_rows=INLINE_ROWS + 1))
    assert not QueryEngine.bounded_by_rows(_job(lookup, declares_dataset=True))
    assert not QueryEngine.bounded_by_rows(_job(lookup, substitutions=(("o", ANHUI),)))
    assert not QueryEngine.bounded_by_rows(_job("SELECT ?s { ?s ?p ?o . ?o ?q ?r }"))


def test_lookups_are_answered_while_every_worker_is_busy(build: Build) -> None:
    engine = QueryEngine(str(build.path / STORE_DIR), workers=1, timeout=3, wait=0.2)
    try:
        runaway = threading.Thread(
            target=lambda: _ignore_timeout(
                engine, _job("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
            )
        )
        runaway.start()
        wait_until(lambda: engine.idle_workers() == 0, what="the worker busy")
        answer, _ = engine.run(_job(f"SELECT ?p ?o WHERE {{ {ANHUI} ?p ?o }}"))
        assert answer.ok and answer.rows > 5
        with pytest.raises(EngineBusy):
            engine.run(_job(f"SELECT ?p ?o WHERE {{ {ANHUI} ?p ?o . ?o ?q ?r }}"))
        runaway.join()
    finally:
        engine.close()


def _ignore_timeout(engine: QueryEngine, job: Job) -> None:
    with contextlib.suppress(QueryTimeout):
        engine.run(job)


def test_inline_answers_are_the_workers_answers(build: Build) -> None:
    """The same writer and the same limits: an inline answer is byte for byte a worker's."""
    store_path = str(build.path / STORE_DIR)
    engine = QueryEngine(store_path, workers=1, timeout=5)
    try:
        for query, max_rows in [
            (f"SELECT ?p ?o WHERE {{ {ANHUI} ?p ?o }}", 1000),
            ("SELECT * WHERE { ?s a lgde:Province }", 3),  # truncated
            ('ASK { ?s rdfs:label "no such label" }', 10),
        ]:
            job = _job(query, max_rows=max_rows)
            assert engine.runs_inline(job)
            inline, _ = engine.run(job)
            worker = _through_worker(engine, job)
            assert inline == worker
            assert inline.ok and inline.truncated == (max_rows == 3)
    finally:
        engine.close()


def _through_worker(engine: QueryEngine, job: Job):
    """Run ``job`` on a worker, as the engine does for queries it does not run inline."""
    worker = engine._idle.get(timeout=5)
    try:
        worker.connection.send(job)
        return worker.connection.recv()
    finally:
        engine._idle.put(worker)


def test_a_worker_with_the_store_in_memory_gives_the_same_answers(build: Build) -> None:
    from kg.queries import stored_queries

    from .conftest import HOME

    store_path = str(build.path / STORE_DIR)
    on_disk, in_memory = (QueryEngine(store_path, workers=1, in_memory=m) for m in (False, True))
    try:
        for name, query in stored_queries(HOME / "queries").items():
            job = _job(query.text, substitutions=tuple(query.substitutions({}).items()))
            disk_answer, memory_answer = on_disk.run(job)[0], in_memory.run(job)[0]
            assert disk_answer.ok and memory_answer.ok, name
            assert _rows(memory_answer) == _rows(disk_answer), name
    finally:
        on_disk.close()
        in_memory.close()


def _rows(answer) -> list:
    """The answer's rows, in an order of their own, each GROUP_CONCAT list sorted.

    SPARQL leaves open the order of rows that tie under ORDER BY and of the values a
    GROUP_CONCAT joins; the two stores may differ there, and only there.
    """
    import json
    import re

    bindings = json.loads(answer.body)["results"]["bindings"]
    rows = [
        {
            k: sorted(re.split(r"[ ,|]+", v["value"])) if v["type"] == "literal" else v
            for k, v in b.items()
        }
        for b in bindings
    ]
    return sorted(rows, key=repr)
