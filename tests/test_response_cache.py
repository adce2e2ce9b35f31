"""Whole responses the app marks repeatable are replayed without reaching the app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from kg.serve.response_cache import ResponseCache, mark_repeatable


class CountingApp:
    """A WSGI app that counts its calls; it marks its answers repeatable unless told not to."""

    def __init__(self, status: str = "200 OK", repeatable: bool = True, etag: str | None = None):
        self.status = status
        self.repeatable = repeatable
        self.etag = etag
        self.calls = 0

    def __call__(self, environ: dict, start_response) -> Iterator[bytes]:
        self.calls += 1
        if self.repeatable:
            mark_repeatable(environ)
        headers = [("Content-Type", "text/plain"), ("Server-Timing", "engine;dur=1.0")]
        if self.etag:
            headers.append(("ETag", self.etag))
        start_response(self.status, headers)
        body = f"{environ['PATH_INFO']}?{environ['QUERY_STRING']} {environ.get('HTTP_ACCEPT')}"
        return iter([body.encode(), b" #", str(self.calls).encode()])


def _client(app: CountingApp, max_bytes: int = 10_000) -> tuple[Client, ResponseCache]:
    cache = ResponseCache(app, max_bytes)
    return Client(cache), cache


def test_a_repeated_request_is_replayed_without_the_app() -> None:
    app = CountingApp()
    client, cache = _client(app)
    first, second = client.get("/q?x=1"), client.get("/q?x=1")
    assert app.calls == 1 and cache.hits == 1
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Server-Timing"] == "engine;dur=1.0"
    assert second.headers["Server-Timing"] == "cache;desc=hit"
    assert second.headers["Cache-Control"] == "no-cache"


def test_url_accept_and_host_each_make_another_response() -> None:
    app = CountingApp()
    client, _ = _client(app)
    client.get("/q?x=1")
    client.get("/q?x=2")
    client.get("/q?x=1", headers={"Accept": "text/csv"})
    client.get("/q?x=1", base_url="http://other.example/")
    assert app.calls == 4
    client.get("/q?x=1", headers={"Accept": "text/csv"})
    assert app.calls == 4


def test_the_apps_own_etag_is_kept_and_if_none_match_gets_304() -> None:
    app = CountingApp(etag='"abc"')
    client, _ = _client(app)
    assert client.get("/q").headers["ETag"] == '"abc"'
    again = client.get("/q", headers={"If-None-Match": '"abc"'})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == '"abc"'
    weak = client.get("/q", headers={"If-None-Match": 'W/"abc"'})
    assert weak.status_code == 304
    other = client.get("/q", headers={"If-None-Match": '"zzz"'})
    assert other.status_code == 200 and other.data
    assert app.calls == 1


def test_without_an_etag_of_its_own_the_response_gets_one_from_its_body() -> None:
    app = CountingApp()
    client, _ = _client(app)
    first = client.get("/q")
    second = client.get("/q", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 304
    assert _client(CountingApp())[0].get("/q").headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize(
    "app",
    [CountingApp(repeatable=False), CountingApp(status="404 NOT FOUND")],
    ids=["not marked", "not 200"],
)
def test_what_is_not_a_repeatable_success_reaches_the_app_every_time(app) -> None:
    client, cache = _client(app)
    client.get("/q")
    client.get("/q")
    assert app.calls == 2 and cache.hits == 0


def test_unmarked_responses_stream_as_the_app_gives_them() -> None:
    app = CountingApp(repeatable=False)
    cache = ResponseCache(app, 10_000)
    body = cache({"REQUEST_METHOD": "GET", "PATH_INFO": "/q", "QUERY_STRING": ""}, _ignore)
    assert not isinstance(body, list)  # the app's own iterator, not read into memory


def _ignore(status: str, headers: list, exc_info=None) -> None:
    return None


def test_post_always_reaches_the_app() -> None:
    app = CountingApp()
    client, _ = _client(app)
    client.post("/q")
    client.post("/q")
    assert app.calls == 2


def test_head_is_replayed_without_a_body_and_is_not_kept_itself() -> None:
    app = CountingApp()
    client, _ = _client(app)
    client.head("/q")
    assert app.calls == 1
    full = client.get("/q")
    head = client.head("/q")
    assert app.calls == 2
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == full.headers["Content-Length"]


def test_the_least_recently_used_go_first_and_big_bodies_are_not_kept() -> None:
    app = CountingApp()
    size = len(_client(CountingApp())[0].get("/q0").data)
    client, _ = _client(app, max_bytes=size * 4)
    for n in range(4):
        client.get(f"/q{n}")
    client.get("/q0")  # used again: now the most recent
    client.get("/q4")  # pushes out the least recently used, /q1
    calls = app.calls
    client.get("/q0")
    assert app.calls == calls
    client.get("/q1")
    assert app.calls == calls + 1
    small, _ = _client(app, max_bytes=size * 4 - 1)  # a quarter is now less than one body
    small.get("/q0")
    small.get("/q0")
    assert app.calls == calls + 3


def test_a_cache_of_zero_bytes_is_not_there() -> None:
    app = CountingApp()
    client, _ = _client(app, max_bytes=0)
    client.get("/q")
    client.get("/q")
    assert app.calls == 2
