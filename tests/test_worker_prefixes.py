"""The engine is given only the predeclared prefixes a query's text names."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.namespaces import PREFIXES
from kg.queries import stored_queries
from kg.serve.worker import Job, prefixes_used, run_job
from kg.store import Build

from .conftest import HOME

STORED = stored_queries(HOME / "queries")


def _without_declarations(text: str) -> str:
    """The query with its PREFIX lines dropped, so it leans on the predeclared ones."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("PREFIX "))


@pytest.mark.parametrize("name", sorted(STORED))
def test_stored_queries_answer_alike_with_the_prefixes_they_name(build: Build, name: str) -> None:
    text = _without_declarations(STORED[name].text)
    substitutions = STORED[name].substitutions({})
    every = build.store.query(
        text, prefixes=PREFIXES, use_default_graph_as_union=True, substitutions=substitutions
    )
    expected = every.serialize(format=ox.QueryResultsFormat.TSV)
    job = Job(text, "SELECT", "tsv", 100_000, substitutions=tuple(substitutions.items()))
    answer = run_job(build.store, job)
    assert answer.ok, answer.message
    assert answer.body == expected


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("SELECT * { ?s a lgde:Municipality ; rdfs:label ?l }", {"lgde", "rdfs"}),
        ("SELECT * { ?s dcterms:title ?t }", {"dcterms"}),  # not "rdf", "dataset" or "time"
        ("SELECT * { <http://example.org/a> ?p ?o }", set()),
        ("SELECT * { ?s ?p 'sdmx-measure:obsValue' }", {"sdmx-measure"}),  # harmless extra
        ("SELECT * { ?s \\u0072dfs:label ?o }", set(PREFIXES)),  # escapes: all of them
    ],
)
def test_the_prefixes_a_query_names(query: str, names: set[str]) -> None:
    assert set(prefixes_used(query)) == names


def test_long_and_short_queries_are_given_the_same_prefixes() -> None:
    from kg.serve.worker import MEMO_LENGTH

    short = "SELECT * { ?s rdfs:label ?o ; dcterms:title ?t }"
    long = short + " #" + "x" * MEMO_LENGTH  # scanned each time, not remembered
    assert len(long) > MEMO_LENGTH
    for _ in range(2):  # the second time from what was remembered
        assert set(prefixes_used(short)) == set(prefixes_used(long)) == {"rdfs", "dcterms"}
