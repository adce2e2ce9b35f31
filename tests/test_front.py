"""The HTTP front reads bodies without holding a thread, within size and rate bounds.

Slow and oversized bodies are tried on the real server (``kg serve``, whose
``read_timeout`` the session's settings make 1 s); the reader's rules on their own.
"""

from __future__ import annotations

import asyncio
import json
import socket
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from kg.serve.front import BodyReader, Front, Refused
from kg.serve.settings import Settings


def _run(coroutine):
    # In a thread of its own: the browser tests' driver keeps an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def _chunks(*parts: bytes, pause: float = 0.0) -> AsyncIterator[bytes]:
    for part in parts:
        if pause:
            await asyncio.sleep(pause)
        yield part


def test_the_reader_joins_the_chunks_of_a_body() -> None:
    reader = BodyReader(max_bytes=10, grace=1.0, min_rate=100)
    assert _run(reader.read(_chunks(b"ASK", b" {}"))) == b"ASK {}"
    assert _run(reader.read(_chunks())) == b""


def test_a_body_past_the_cap_is_refused_413_as_its_bytes_arrive() -> None:
    reader = BodyReader(max_bytes=10, grace=1.0, min_rate=100)
    with pytest.raises(Refused) as refused:
        _run(reader.read(_chunks(b"0123456789", b"!")))
    assert refused.value.status == 413 and "10 bytes" in refused.value.message


def test_a_body_slower_than_the_least_rate_is_refused_408() -> None:
    reader = BodyReader(max_bytes=1_000, grace=0.05, min_rate=10)
    with pytest.raises(Refused) as refused:
        _run(reader.read(_chunks(b"a", b"b", b"c", pause=0.5)))
    assert refused.value.status == 408


def test_the_rate_allows_time_for_each_byte_received() -> None:
    # After the grace, each byte buys 1/min_rate seconds: 100 bytes at 1000 B/s, 0.1 s.
    now = [0.0]
    reader = BodyReader(max_bytes=1_000, grace=0.01, min_rate=1_000, clock=lambda: now[0])

    async def paced() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * 100
            now[0] += 0.09  # a little faster than needed

    assert len(_run(reader.read(paced()))) == 300
    now[0] = 0.0

    async def lagging() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x" * 100
            now[0] += 0.2

    with pytest.raises(Refused):
        _run(reader.read(lagging()))


def test_an_error_that_escapes_the_app_is_answered_in_the_error_shape() -> None:
    def broken(environ, start_response):
        raise RuntimeError("boom")

    front = Front(broken, Settings(), kept=None)
    status, headers, body = front._call_app({"HTTP_ACCEPT": "application/json"})
    assert status == 500
    assert dict(headers)["Content-Type"] == "application/json"
    assert json.loads(body)["status"] == 500 and "boom" not in body.decode()


def _address(server: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(server)
    return parts.hostname or "", parts.port or 80


def _start_slow_upload(server: str, chunked: bool = False) -> socket.socket:
    """A POST that declares (or starts) a body and then sends one byte of it."""
    connection = socket.create_connection(_address(server))
    framing = (
        b"Transfer-Encoding: chunked\r\n\r\n1\r\nA"
        if chunked
        else b"Content-Length: 10000\r\n\r\nA"
    )
    connection.sendall(
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n" + framing
    )
    return connection


def _response(connection: socket.socket) -> tuple[int, dict]:
    connection.settimeout(30)
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize("chunked", [False, True])
def test_slow_uploads_get_408_and_hold_no_thread_meanwhile(server, chunked) -> None:
    # More slow uploads than the server has threads in all its HTTP processes.
    uploads = [_start_slow_upload(server, chunked) for _ in range(12)]
    try:
        lookup = "SELECT ?p ?o WHERE { <https://w3id.org/lgde/id/region/hubei> ?p ?o }"
        url = f"{server}/sparql?query={urllib.parse.quote(lookup)}"
        for _ in range(3):  # answered while every upload is still being waited for
            with urllib.request.urlopen(url, timeout=30) as reply:
                assert reply.status == 200
        for upload in uploads:
            upload.setblocking(False)
            with pytest.raises(BlockingIOError):  # no answer yet: still within its time
                upload.recv(1)
            upload.setblocking(True)
        for upload in uploads:
            status, error = _response(upload)
            assert status == 408 and error["status"] == 408
            assert "too slowly" in error["message"]
    finally:
        for upload in uploads:
            upload.close()


def test_a_chunked_body_past_the_cap_gets_413(server) -> None:
    connection = socket.create_connection(_address(server))
    try:
        connection.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"#" * 65536
        try:
            for _ in range(40):  # 2.5 MB against the default cap of 1 MiB
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed; the answer is still there to read
        status, error = _response(connection)
        assert status == 413 and error["status"] == 413
        assert "larger than" in error["message"]
    finally:
        connection.close()


def test_a_declared_length_past_the_cap_is_refused_before_the_body(server) -> None:
    connection = socket.create_connection(_address(server))
    try:
        connection.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 999999999\r\n\r\n"
        )
        status, error = _response(connection)
        assert status == 413 and error["status"] == 413
    finally:
        connection.close()


class _Headers:
    """An RSGI headers object: several values per name, in order."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, name: str, default=None):
        return next((v for k, v in self.pairs if k == name), default)

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.pairs if k == name]

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)

    def __contains__(self, name: str) -> bool:
        return any(k == name for k, _ in self.pairs)


class _Scope:
    def __init__(self, path: str, query: str, headers: list[tuple[str, str]]) -> None:
        self.proto, self.http_version, self.scheme, self.method = "http", "1.1", "http", "GET"
        self.server, self.client = "127.0.0.1:8000", "127.0.0.1:40000"
        self.path, self.query_string = path, query
        self.headers = _Headers(headers)


@pytest.mark.parametrize(
    ("path", "query", "headers"),
    [
        ("/sparql", "query=ASK%7B%7D", [("host", "a.example"), ("accept", "text/csv")]),
        ("/sparql", "query=ASK%7B%7D", [("accept", "text/csv"), ("accept", "application/json")]),
        ("/id/region/中国", "", [("host", "b.example:8080")]),
        ("/id/region/a b", "x=%20", []),
    ],
    ids=["plain", "two Accept headers", "non-ASCII path", "no Host"],
)
def test_the_front_keys_kept_responses_as_the_app_does(path, query, headers) -> None:
    # The front looks kept responses up from the RSGI request; the app keeps them by
    # its WSGI environment. The two keys must agree, or a response is replayed to the
    # wrong request.
    from kg.serve.front import response_key, wsgi_environ
    from kg.serve.response_cache import ResponseCache

    scope = _Scope(path, query, headers)
    assert response_key(scope) == ResponseCache._key(wsgi_environ(scope, b""))
