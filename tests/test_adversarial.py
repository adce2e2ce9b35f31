"""Hostile requests, hundreds of them, against the real server.

Each case is a request a careless or malicious client might send: bad protocol input,
SERVICE and update spellings, deep nesting, huge values, path traversal, header abuse
and parameter injection. Every one must get a 4xx in the error shape (JSON
``{status, error, message}``), never a traceback, and the server must answer the next
request as before.

Requests that HTTP itself cannot parse (a URL or headers past Granian's limits, a line
that is not HTTP) are refused by Granian's parser before the application sees them:
their status is right (414, 431, 400) but their body is empty, which no hook of the
HTTP server lets the application change. ``test_requests_http_refuses_first`` holds
their status.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import urllib.parse
from dataclasses import dataclass, field

import pytest

from tests.test_sparql_lexer import SPELLINGS

JSON = {"Accept": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded", **JSON}
DIRECT = {"Content-Type": "application/sparql-query", **JSON}
HEALTH = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    headers: dict = field(default_factory=lambda: dict(JSON))
    body: bytes | None = None


def _get(name: str, path: str, **fields: str) -> Case:
    query = urllib.parse.urlencode(fields) if fields else ""
    return Case(name, "GET", path + ("?" + query if query else ""))


def _sparql(name: str, query: str) -> Case:
    return Case(name, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}))


def _post(name: str, body: bytes, headers: dict) -> Case:
    return Case(name, "POST", "/sparql", headers, body)


# Protocol: methods, missing and doubled parameters, content types, encodings.
PROTOCOL = [
    *(Case(f"method {m}", m, "/sparql?query=ASK%7B%7D") for m in ("PUT", "DELETE", "PATCH")),
    *(Case(f"method {m} on a page", m, "/query") for m in ("PUT", "DELETE", "POST")),
    _get("empty query", "/sparql", query=""),
    _get("blank query", "/sparql", query="   \n\t"),
    Case("two queries", "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D"),
    _get("update by GET", "/sparql", update="CLEAR ALL"),
    Case("query and update by GET", "GET", "/sparql?query=ASK%7B%7D&update=CLEAR%20ALL"),
    _post("POST without a content type", b"query=ASK%7B%7D", JSON),
    _post("POST as text/plain", b"ASK {}", {"Content-Type": "text/plain", **JSON}),
    _post("POST as JSON", b'{"query": "ASK {}"}', {"Content-Type": "application/json", **JSON}),
    _post(
        "POST as multipart",
        b"--x\r\n\r\nASK{}\r\n--x--",
        {"Content-Type": "multipart/form-data; boundary=x", **JSON},
    ),
    _post("form with an update", b"update=CLEAR%20ALL", FORM),
    _post("form with query and update", b"query=ASK%7B%7D&update=CLEAR%20ALL", FORM),
    _post("form with no query", b"default-graph-uri=urn%3Ax", FORM),
    _post("form with an empty query", b"query=", FORM),
    _post("form with two queries", b"query=ASK%7B%7D&query=ASK%7B%7D", FORM),
    Case("query in URL and form", "POST", "/sparql?query=ASK%7B%7D", FORM, b"query=ASK%7B%7D"),
    Case("query in URL and direct body", "POST", "/sparql?query=ASK%7B%7D", DIRECT, b"ASK {}"),
    _post("form with invalid UTF-8", b"query=ASK%7B%FF%7D", FORM),
    _post("direct body of invalid UTF-8", b"ASK { \xff }", DIRECT),
    _post(
        "direct body in Latin-1",
        b"ASK {}",
        {"Content-Type": "application/sparql-query; charset=iso-8859-1", **JSON},
    ),
    _post(
        "form in UTF-16",
        b"query=ASK%7B%7D",
        {"Content-Type": "application/x-www-form-urlencoded; charset=utf-16", **JSON},
    ),
    _post("empty direct body", b"", DIRECT),
    _post("direct body of NULs", b"\x00" * 64, DIRECT),
    _get("bad default graph IRI", "/sparql", query="ASK {}", **{"default-graph-uri": "not an iri"}),
    _get("bad named graph IRI", "/sparql", query="ASK {}", **{"named-graph-uri": "<>"}),
    _get(
        "graph IRI with a newline",
        "/sparql",
        query="ASK {}",
        **{"default-graph-uri": "http://example.org/a\nb"},
    ),
    Case("unknown result format", "GET", "/sparql?query=ASK%7B%7D&format=pdf", JSON),
    Case("format for another form", "GET", "/sparql?query=ASK%7B%7D&format=turtle", JSON),
    Case("unacceptable Accept", "GET", "/sparql?query=ASK%7B%7D", {"Accept": "image/png"}),
    Case(
        "graph Accept for a SELECT",
        "GET",
        "/sparql?query=SELECT%20*%7B%7D",
        {"Accept": "text/turtle;q=1, application/json;q=0"},
    ),
]

# Queries that do not parse, or that the engine cannot evaluate.
SYNTAX = [
    _sparql(f"syntax: {text[:45]!r}", text)
    for text in (
        "SELECT",
        "SELECT * {",
        "SELECT * WHERE { ?s ?p }",
        "ASK { ?s ?p ?o ",
        "CONSTRUCT",
        'SELECT * WHERE { ?s ?p "unterminated }',
        "SELECT * WHERE { ?s ?p ?o } LIMIT -1",
        "SELECT * WHERE { ?s ?p ?o } LIMIT 1.5",
        "PREFIX x <y> ASK {}",
        "SELECT ?x WHERE { ?s ?p ?o } GROUP BY",
        "SELECT (COUNT(*) ?n) {}",
        "SELECT * WHERE { ?s <http://example.org/a b> ?o }",
        "SELECT * WHERE { ?s undeclared:p ?o }",
        "SELECT * WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }",
        "SELECT ?x WHERE { ?s ?p ?o } ORDER BY",
        "DESCRIBE",
        "\x00",
        "\ufeff\ufeffASK {}",
        "SELECT * WHERE { ?s ?p ?o } VALUES",
        "ASK {} ASK {}",
        "SELECT * WHERE { FILTER() }",
        "SELECT * WHERE { ?s ?p ?o FILTER(?o = ) }",
        "SELECT (1 AS ?x) (2 AS ?x) {}",
        "SELECT * FROM <not an iri> {}",
        "BASE <http://example.org/a b> ASK {}",
    )
]

# SERVICE, every spelling the lexer's tests know; and updates in many spellings.
SERVICE = [
    _sparql(f"SERVICE spelling {i}", s.format(url="http://127.0.0.1:9/x", host="127.0.0.1:9"))
    for i, s in enumerate(SPELLINGS)
]
# The same spellings through the other two ways of sending a query (the protocol's
# POST forms), which take other paths through the server.
SERVICE += [
    _post(f"SERVICE spelling {i} by form", ("query=" + urllib.parse.quote(text)).encode(), FORM)
    for i, text in enumerate(
        s.format(url="http://127.0.0.1:9/x", host="127.0.0.1:9") for s in SPELLINGS
    )
]
SERVICE += [
    _post(f"SERVICE spelling {i} as the body", text.encode(), DIRECT)
    for i, text in enumerate(
        s.format(url="http://127.0.0.1:9/x", host="127.0.0.1:9") for s in SPELLINGS
    )
]
UPDATES = [
    _sparql(f"update: {text[:30]!r}", text)
    for text in (
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "LOAD <http://127.0.0.1:9/x>",
        "LOAD SILENT <http://127.0.0.1:9/x> INTO GRAPH <urn:g>",
        "CLEAR ALL",
        "CLEAR DEFAULT",
        "DROP GRAPH <urn:g>",
        "CREATE GRAPH <urn:g>",
        "ADD DEFAULT TO <urn:g>",
        "MOVE <urn:a> TO <urn:b>",
        "COPY <urn:a> TO <urn:b>",
        "# comment\rDROP ALL",
        "PREFIX x: <urn:x> DROP ALL",
        "\\u0044ROP ALL",
        "drop all",
        "ASK {} ; DROP ALL",
    )
]
UPDATES += [
    _post(f"update by form: {text}", f"update={urllib.parse.quote(text)}".encode(), FORM)
    for text in ("DROP ALL", "CLEAR DEFAULT", "LOAD <http://127.0.0.1:9/x>")
]
UPDATES += [
    _post(
        "update by sparql-update body",
        b"DROP ALL",
        {"Content-Type": "application/sparql-update", **JSON},
    )
]

# Nesting past max_nesting, and queries past max_tokens.
_NESTS = {
    "parentheses": ("SELECT * WHERE {{ FILTER({}1{}) }}", "(", ")"),
    "groups": ("SELECT * WHERE {{ {}{} }}", "{", "}"),
    "optionals": ("SELECT * WHERE {{ {}{} }}", "OPTIONAL { ", "}"),
    "subqueries": ("SELECT * WHERE {{ {}{} }}", "{ SELECT * WHERE { ", "} }"),
    "not exists": ("SELECT * WHERE {{ {}{} }}", "FILTER NOT EXISTS { ", "}"),
    "blank node lists": ("SELECT * WHERE {{ ?s ?p {}?o{} }}", "[ ?p ", "]"),
    "paths": ("SELECT * WHERE {{ ?s {}<urn:p>{} ?o }}", "(", ")"),
    "unions": ("SELECT * WHERE {{ {}{} }}", "{ ?s ?p ?o } UNION { ", "}"),
}
NESTING = [
    _post(f"nesting: {depth} {name}", frame.format(open_ * depth, close * depth).encode(), DIRECT)
    for name, (frame, open_, close) in _NESTS.items()
    for depth in (65, 500, 5000)
]
NESTING += [
    _post(
        "tokens: 60 000 values", b"SELECT * WHERE { VALUES ?x { " + b"1 " * 60_000 + b"} }", DIRECT
    ),
    _post("tokens: 30 000 patterns", b"ASK { " + b"?s ?p ?o . " * 30_000 + b"}", DIRECT),
    _post("body over the cap", b"ASK {} #" + b"x" * 2_000_000, DIRECT),
]

# Stored-query parameters: values that are not of their type, and attempts to escape
# the value into the query text.
_API = "/api/queries/"
PARAMETERS = [
    _get("integer of 5000 digits", _API + "targets-by-region", from_year="9" * 5000),
    _get("integer with a point", _API + "targets-by-region", from_year="2024.5"),
    _get("integer in Arabic-Indic digits", _API + "targets-by-region", from_year="٢٠٢٤"),
    _get("integer with an exponent", _API + "targets-by-region", from_year="2e3"),
    _get("integer that is empty of digits", _API + "targets-by-region", from_year="+"),
    _get("decimal NaN", _API + "money-amounts", min_yuan="NaN"),
    _get("decimal Infinity", _API + "money-amounts", min_yuan="Infinity"),
    _get("decimal with an exponent", _API + "money-amounts", min_yuan="1e9"),
    _get("decimal of 5000 digits", _API + "money-amounts", min_yuan="1" * 5000),
    _get("decimal with two points", _API + "money-amounts", min_yuan="1.2.3"),
    _get("decimal with a comma", _API + "money-amounts", min_yuan="1,5"),
    _get("IRI with %0A", _API + "targets-by-region", region="http://example.org/a\nb"),
    _get("IRI with a space", _API + "targets-by-region", region="http://example.org/a b"),
    _get("IRI closing the bracket", _API + "targets-by-region", region="http://x> } DROP ALL #"),
    _get("IRI with braces", _API + "targets-by-region", region="http://x/{y}"),
    _get("IRI with a quote", _API + "targets-by-region", region='http://x/"'),
    _get("IRI with a backslash", _API + "targets-by-region", region="http://x/\\u003e"),
    _get("IRI with a NUL", _API + "targets-by-region", region="http://x/\x00"),
    _get("relative IRI", _API + "targets-by-region", region="../etc/passwd"),
    _get("unknown prefix", _API + "targets-by-region", region="evil:x"),
    _get("prefixed name with a bracket", _API + "targets-by-region", region="region:x>"),
    _get("prefixed name with a space", _API + "targets-by-region", region="region:x y"),
    _get("prefixed name with a brace", _API + "targets-by-region", region="region:x}"),
    _get("unknown parameter", _API + "targets-by-region", regoin="region:guizhou"),
    _get("parameter for another query", _API + "regions", wording="x"),
    Case(
        "parameter given twice", "GET", _API + "targets-by-region?region=region:a&region=region:b"
    ),
    _get("unknown stored query", _API + "no-such-query"),
    _get("stored query with a dot", _API + "regions.pdf"),
    _get("unknown example on the query page", "/query", example="no-such-query"),
]

# Paths that climb out of where they are served from, or that hold what no IRI can.
TRAVERSAL = [
    _get(f"traversal: {path}", path)
    for path in (
        "/download/../../etc/passwd",
        "/download/..%2F..%2Fetc%2Fpasswd",
        "/download/%2e%2e/%2e%2e/etc/passwd",
        "/download/turtle%00",
        "/download/nosuchformat",
        "/static/../../pyproject.toml",
        "/static/..%2F..%2Fpyproject.toml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/static/vendor/../../../../etc/passwd",
        "/static/%00",
        "/id/..%2F..%2Fetc%2Fpasswd",
        "/id/region/%00",
        "/id/region/%3E%20%7D%20DROP%20ALL",
        "/id/region/%FF%FE",
        "/id/" + "a" * 5000,
        "/api/queries/..%2F..%2Fpyproject",
        "/api/queries/%00",
        "/api/queries/.",
        "/ontology/../../etc/passwd",
        "/.well-known/../../etc/passwd",
        "/.well-known/nothing",
        "/%00",
        "/nothing/here",
        "//etc/passwd",
        "/sparql/../../etc/passwd",
    )
]

# Headers that say odd things.
HEADERS = [
    Case(
        "Accept of 2000 types",
        "GET",
        "/sparql?query=ASK%7B%7D",
        {"Accept": ", ".join(f"application/x-{i}" for i in range(2000))},
    ),
    Case(
        "Accept of an unknown type only",
        "GET",
        "/sparql?query=ASK%7B%7D",
        {"Accept": "application/x-nothing"},
    ),
    Case(
        "Accept of only wildcards refused", "GET", "/sparql?query=ASK%7B%7D", {"Accept": "*/*;q=0"}
    ),
    Case(
        "Content-Type with garbage parameters",
        "POST",
        "/sparql",
        {"Content-Type": "application/sparql-query; charset=utf-7; x=;;", **JSON},
        b"ASK {}",
    ),
    Case(
        "Content-Type of a charset only",
        "POST",
        "/sparql",
        {"Content-Type": "; charset=utf-8", **JSON},
        b"ASK {}",
    ),
    Case(
        "form Content-Type with a bad charset",
        "POST",
        "/sparql",
        {"Content-Type": "application/x-www-form-urlencoded; charset=klingon", **JSON},
        b"query=ASK%7B%7D",
    ),
    Case("huge query in a form", "POST", "/sparql", FORM, b"query=" + b"A" * 2_000_000),
    Case(
        "update hidden in a header-named field",
        "POST",
        "/sparql",
        FORM,
        b"query=ASK%7B%7D&update=DROP%20ALL",
    ),
]


def _ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


CORPUS = PROTOCOL + SYNTAX + SERVICE + UPDATES + NESTING + PARAMETERS + TRAVERSAL + HEADERS


def test_the_corpus_is_large_and_its_cases_distinct() -> None:
    assert len(CORPUS) >= 250
    assert len(set(_ids(CORPUS))) == len(CORPUS)


def _send(server: str, case: Case) -> tuple[int, dict, bytes]:
    address = urllib.parse.urlsplit(server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        path = case.path
        connection.putrequest(case.method, path, skip_accept_encoding=True)
        for name, value in case.headers.items():
            connection.putheader(name, value)
        body = case.body
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        if body:
            # Answered before the body was read: the answer is still there to read.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.send(body)
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read()
    finally:
        connection.close()


@pytest.mark.parametrize("case", CORPUS, ids=_ids(CORPUS))
def test_a_hostile_request_gets_a_4xx_in_the_error_shape(server: str, case: Case) -> None:
    status, headers, body = _send(server, case)
    assert 400 <= status < 500, (status, body[:300])
    assert headers.get("Content-Type", headers.get("content-type", "")).startswith(
        "application/json"
    ), body[:300]
    error = json.loads(body)
    assert error["status"] == status
    assert set(error) == {"status", "error", "message"} and error["message"]
    text = body.decode("utf-8")
    assert "Traceback" not in text and 'File "' not in text
    # The server answers the next request as before.
    health, _, answer = _send(server, Case("health", "GET", HEALTH))
    assert health == 200 and json.loads(answer)["boolean"] is True


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"GET /sparql?query=" + b"A" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /sparql HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 600_000 + b"\r\n\r\n", 431),
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
        (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            400,
        ),
    ],
    ids=["URL too long", "headers too large", "not HTTP", "negative length", "two lengths"],
)
def test_requests_http_refuses_first(server: str, raw: bytes, status: int) -> None:
    address = urllib.parse.urlsplit(server)
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        connection.sendall(raw)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = connection.recv(65536)
            if not chunk:
                break
            reply += chunk
    assert reply.split(b" ", 2)[1] == str(status).encode()
    health, _, _ = _send(server, Case("health", "GET", HEALTH))
    assert health == 200
