"""Repeated queries are answered from a cache and carry an ETag; If-None-Match gets 304."""

from __future__ import annotations

import urllib.parse
import uuid

import pyoxigraph as ox
import pytest

from kg.serve.cache import ResultCache
from kg.serve.worker import Answer, Job

from .conftest import SERVER_SETTINGS, running_server
from .http_client import request

JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def server(build, layout, tmp_path_factory):
    """One HTTP process: the cache is per process, so a repeat must reach the same one."""
    settings = {**SERVER_SETTINGS, "http_workers": "1"}
    with running_server(layout, tmp_path_factory.mktemp("cache"), [], settings) as base:
        yield base


def _unique_query() -> str:
    # A fresh comment makes a query no earlier test can have put in the cache.
    return f"# {uuid.uuid4()}\nSELECT ?a WHERE {{ ?a a schema:NewsArticle }} ORDER BY ?a"


def _get(server: str, query: str, headers: dict[str, str]):
    return request(
        server, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), None, headers
    )


def test_a_repeated_query_is_answered_from_the_cache(server) -> None:
    query = _unique_query()
    first = _get(server, query, JSON)
    second = _get(server, query, JSON)
    assert first.status == second.status == 200
    assert first.headers["server-timing"].startswith("engine;dur=")
    assert second.headers["server-timing"] == "cache;desc=hit"
    assert first.body == second.body
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["x-result-count"] == second.headers["x-result-count"]
    assert first.headers["cache-control"] == "no-cache"


def test_if_none_match_gets_304_and_each_format_has_its_own_etag(server) -> None:
    query = _unique_query()
    first = _get(server, query, JSON)
    etag = first.headers["etag"]
    again = _get(server, query, {**JSON, "If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == etag
    weak = _get(server, query, {**JSON, "If-None-Match": f"W/{etag}"})
    assert weak.status == 304
    as_csv = _get(server, query, {"Accept": "text/csv", "If-None-Match": etag})
    assert as_csv.status == 200 and as_csv.headers["etag"] != etag
    other = _get(server, query + " LIMIT 1", {**JSON, "If-None-Match": etag})
    assert other.status == 200


def test_post_uses_the_cache_but_is_never_304(server) -> None:
    query = _unique_query()
    body = urllib.parse.urlencode({"query": query}).encode()
    headers = {**JSON, "Content-Type": "application/x-www-form-urlencoded"}
    first = request(server, "POST", "/sparql", body, headers)
    second = request(
        server, "POST", "/sparql", body, {**headers, "If-None-Match": first.headers["etag"]}
    )
    assert second.status == 200
    assert second.headers["server-timing"] == "cache;desc=hit"
    assert second.body == first.body


def test_stored_query_answers_have_etags_too(server) -> None:
    path = "/api/queries/regions-naming-sector.csv?sector=sector:metaverse"
    first = request(server, "GET", path)
    assert first.status == 200
    again = request(server, "GET", path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304
    other = request(server, "GET", path.replace("metaverse", "quantum-information"))
    assert other.headers["etag"] != first.headers["etag"]


def test_errors_are_not_cached(server) -> None:
    query = _unique_query().replace("ORDER BY ?a", "ORDER BY")
    first = _get(server, query, JSON)
    second = _get(server, query, JSON)
    assert first.status == second.status == 400
    assert "etag" not in second.headers


def _job(text: str) -> Job:
    return Job(query=text, form="SELECT", format_key="json", max_rows=10)


def test_cache_keeps_the_most_recent_answers_within_its_bytes() -> None:
    cache = ResultCache(max_bytes=400, version="v1")
    for n in range(5):
        cache.put(_job(f"q{n}"), Answer(ok=True, body=b"x" * 100))
    assert cache.get(_job("q0")) is None  # evicted: 5 x 100 bytes do not fit in 400
    assert cache.get(_job("q4")).body == b"x" * 100
    cache.put(_job("big"), Answer(ok=True, body=b"x" * 101))  # over a quarter: not kept
    assert cache.get(_job("big")) is None
    cache.put(_job("bad"), Answer(ok=False, error_kind="syntax"))
    assert cache.get(_job("bad")) is None


def _bound(iri: str) -> Job:
    return Job(
        query="q",
        form="SELECT",
        format_key="json",
        max_rows=10,
        substitutions=((ox.Variable("x"), ox.NamedNode(iri)),),
    )


def test_cache_keys_depend_on_data_version_and_parameters() -> None:
    one, two = ResultCache(1000, "build-a"), ResultCache(1000, "build-b")
    assert one.etag(_job("q")) != two.etag(_job("q"))
    first, second = _bound("http://a/1"), _bound("http://a/2")
    assert len({one.etag(first), one.etag(second), one.etag(_job("q"))}) == 3
    assert one.etag(first) == ResultCache(1000, "build-a").etag(_bound("http://a/1"))


def test_a_cache_of_zero_bytes_keeps_nothing() -> None:
    cache = ResultCache(0, "v")
    cache.put(_job("q"), Answer(ok=True, body=b"{}"))
    assert cache.get(_job("q")) is None


def test_resource_descriptions_are_replayed_and_answer_if_none_match(server) -> None:
    turtle = {"Accept": "text/turtle"}
    first = request(server, "GET", "/id/region/anhui", None, turtle)
    second = request(server, "GET", "/id/region/anhui", None, turtle)
    assert first.status == second.status == 200 and first.body == second.body
    assert "server-timing" not in first.headers
    assert second.headers["server-timing"] == "cache;desc=hit"
    assert first.headers["etag"] == second.headers["etag"]
    again = request(
        server, "GET", "/id/region/anhui", None, {**turtle, "If-None-Match": first.headers["etag"]}
    )
    assert again.status == 304 and again.body == b""
    as_html = request(server, "GET", "/id/region/anhui", None, {"Accept": "text/html"})
    assert as_html.headers["etag"] != first.headers["etag"]
    missing = request(server, "GET", "/id/region/atlantis", None, turtle)
    assert (
        request(server, "GET", "/id/region/atlantis", None, turtle).status == missing.status == 404
    )
