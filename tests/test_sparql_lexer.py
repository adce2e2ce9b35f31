"""The query outline agrees with the engine, and no spelling of SERVICE reaches a host.

Three layers are checked separately, each against a real listener on loopback:

- the outline (:mod:`kg.sparql_lexer`) finds SERVICE in every adversarial spelling,
  and reads the W3C syntax tests as the engine does;
- query workers cannot open a connection even when the outline is not consulted
  (the engine is given the jobs directly);
- the server refuses every spelling with 400, and the listener sees nothing.

A control shows that the spellings are real: run by the engine in a process without
the network filter, they do connect.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from kg.serve.engine import QueryEngine
from kg.serve.worker import Job
from kg.sparql_lexer import outline, tokens

from .conftest import W3C
from .http_client import request
from .test_endpoint_safety import Listener

QUERIES = Path(__file__).resolve().parents[1] / "queries"

# Ways to write SERVICE <target> { ... } that a reader of the text may miss. {url} is
# the listener's address, {host} its host and port; each is a whole query.
SPELLINGS = [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SeRvIcE SiLeNt <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ #x\rSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ #x\r\nSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ #x\nSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{\tSERVICE\t<{url}>\t{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{\rSERVICE\r<{url}>\r{{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE<{url}>{{?s ?p ?o}} }}",
    "SELECT * WHERE {{ SERVICE <{url}\u00a0> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{url}\u3000> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{url}\u2028> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{url}\u2029> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{url}\u0085> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <{url}\\u0041> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE <http\\u003A//{host}/x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVI\\u0043E <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX remote: <http://{host}/> SELECT * WHERE {{ SERVICE remote:x {{ ?s ?p ?o }} }}",
    "PREFIX : <http://{host}/> SELECT * WHERE {{ SERVICE :x {{ ?s ?p ?o }} }}",
    "BASE <http://{host}/> SELECT * WHERE {{ SERVICE <x> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<a#b> AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX ex: <e:> SELECT * WHERE {{ BIND(ex:a\\#b AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX ex: <e:> SELECT * WHERE {{ BIND(ex:a%23b AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND('#' AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}",
    'SELECT * WHERE {{ BIND("\\"#" AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}',
    "SELECT * WHERE {{ BIND('''a'b''c''' AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}",
    'SELECT * WHERE {{ BIND("""a"b""c""" AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}',
    "SELECT * WHERE {{ BIND('x'@en-GB AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ BIND(1 AS ?x) FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ GRAPH ?g {{ ?a ?b ?c }} }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
]


def _queries(url: str) -> list[str]:
    host = url.split("/")[2]
    return [spelling.format(url=url, host=host) for spelling in SPELLINGS]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_the_outline_finds_service_in_every_spelling(spelling: str) -> None:
    query = spelling.format(url="http://127.0.0.1:65000/x", host="127.0.0.1:65000")
    assert outline(query).uses_service


@pytest.mark.parametrize(
    "query",
    [
        'SELECT * WHERE { ?s ?p "SERVICE <http://h/> { }" }',
        "SELECT * WHERE { ?s ?p '''\nSERVICE <http://h/> { }''' }",
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://h/> { }",
        "SELECT * WHERE { ?s <http://h/SERVICE> ?o }",
        "PREFIX service: <http://h/> SELECT * WHERE { ?s service:x ?service }",
        "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(?o, 'public service')) }",
    ],
)
def test_service_in_a_string_comment_or_name_is_not_the_keyword(query: str) -> None:
    assert not outline(query).uses_service


def _engine_readings(queries: list[str]) -> list[str]:
    """What the engine makes of each query, in a process that cannot reach the network.

    "syntax" if it refuses the text, "network" if it tried to open a connection (the
    filter denied it), else the result's kind.
    """
    script = """
import json, sys
import pyoxigraph as ox
from kg.serve.isolation import deny_network
assert deny_network() == ""
store, kinds = ox.Store(), []
for query in json.load(sys.stdin):
    try:
        result = store.query(query, base_iri="http://example.org/")
        kind = {ox.QueryBoolean: "ASK", ox.QuerySolutions: "SELECT"}.get(type(result), "GRAPH")
        list(result) if kind != "ASK" else None
        kinds.append(kind)
    except SyntaxError:
        kinds.append("syntax")
    except PermissionError:
        kinds.append("network")
    except Exception as error:
        # A SERVICE whose variable is not bound yet when the engine reaches it.
        kinds.append("service" if "service name" in str(error) else "error: " + str(error))
json.dump(kinds, sys.stdout)
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def _syntax_suite() -> list[Path]:
    return sorted((W3C / "syntax").glob("*.rq")) + sorted(QUERIES.glob("*.rq"))


def test_the_outline_reads_the_w3c_syntax_tests_and_stored_queries_as_the_engine_does() -> None:
    files = _syntax_suite()
    texts = [path.read_text(encoding="utf-8") for path in files]
    readings = _engine_readings(texts)
    disagreements = []
    for path, text, engine in zip(files, texts, readings, strict=True):
        mine = outline(text)
        if engine == "network" and not mine.uses_service:
            disagreements.append((path.name, "the engine reached out; the outline saw no SERVICE"))
        if engine in ("ASK", "SELECT") and mine.form != engine:
            disagreements.append((path.name, f"form {mine.form} against {engine}"))
        if engine == "GRAPH" and mine.form not in ("CONSTRUCT", "DESCRIBE"):
            disagreements.append((path.name, f"form {mine.form} against a graph"))
        if engine not in ("syntax",) and not mine.readable:
            disagreements.append(
                (path.name, "the engine reads it; the outline found a bad character")
            )
    assert len(files) > 100
    assert disagreements == []


def test_every_adversarial_spelling_is_a_service_call_for_the_engine() -> None:
    # Each spelling the engine accepts, it evaluates by reaching out (the filter says
    # no); those it rejects are syntax errors. None is read as harmless data.
    readings = _engine_readings(_queries("http://127.0.0.1:65000/x"))
    quiet = [
        s
        for s, r in zip(SPELLINGS, readings, strict=True)
        if r not in ("network", "service", "syntax")
    ]
    # SERVICE SILENT hides the refusal (no rows); an EXISTS over no rows is never run.
    assert all("SILENT" in s.upper() or "EXISTS" in s for s in quiet), quiet
    assert readings.count("network") >= len(SPELLINGS) - 8, readings


def test_tokens_follow_the_grammar() -> None:
    kinds = [kind for kind, _ in tokens("SELECT ?x { ?x ex:a\\#b 'it''s' ; ex:p _:b , [] } #c")]
    assert kinds == [
        "word", "var", "punct", "var", "name", "string", "string", "punct", "name",
        "blank", "punct", "punct", "punct", "punct",
    ]  # fmt: skip


def test_a_character_no_terminal_accepts_is_skipped_and_reading_goes_on() -> None:
    look = outline("SELECT * { ?s ?p ?o ~ SERVICE <http://h/> { } }")
    assert not look.readable
    assert look.uses_service


@pytest.fixture
def listener():
    watcher = Listener()
    yield watcher
    watcher.close()


def test_query_workers_cannot_connect_even_when_the_outline_is_not_consulted(
    build, listener
) -> None:
    from kg.layout import STORE_DIR

    engine = QueryEngine(str(build.path / STORE_DIR), workers=1, timeout=10)
    try:
        assert engine.isolation == ""
        for query in _queries(f"http://127.0.0.1:{listener.port}/x"):
            look = outline(query)
            job = Job(query=query, form=look.form or "SELECT", format_key="json", max_rows=10)
            answer, _ = engine._run_in_worker(job)  # straight to a worker, no refusal
            assert answer.ok or answer.error_kind in ("evaluation", "syntax"), answer
    finally:
        engine.close()
    time.sleep(0.5)
    assert listener.connections == 0


def test_without_the_filter_the_spellings_do_connect(listener) -> None:
    # The control: the same texts, run by the engine with the network open, reach the
    # listener; so the zero above is the filter's doing.
    script = """
import json, sys
import pyoxigraph as ox
for query in json.load(sys.stdin):
    try:
        list(ox.Store().query(query))
    except Exception:
        pass
"""
    queries = [q for q in _queries(f"http://127.0.0.1:{listener.port}/x") if "\\u0043" not in q][:6]
    subprocess.run([sys.executable, "-c", script], input=json.dumps(queries), text=True, timeout=60)
    time.sleep(0.5)
    assert listener.connections >= 5


def test_the_server_refuses_every_spelling_and_reaches_nothing(server, listener) -> None:
    for query in _queries(f"http://127.0.0.1:{listener.port}/x"):
        reply = request(server, "GET", "/sparql?" + urlencode({"query": query}))
        assert reply.status == 400, (query, reply.status)
        assert "SERVICE" in reply.json()["message"]
        reply = request(
            server, "POST", "/sparql", query.encode(), {"Content-Type": "application/sparql-query"}
        )
        assert reply.status == 400
    time.sleep(0.5)
    assert listener.connections == 0
    assert request(server, "GET", "/sparql?query=ASK%7B%7D").status == 200


def _filter_mode(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Seccomp:"):
            return int(line.split()[1])
    return -1


def _children(pid: int) -> list[int]:
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="seccomp is Linux's")
def test_every_process_that_runs_queries_has_the_network_filter(server) -> None:
    from .conftest import SERVER_PIDS

    # Each HTTP process installs the filter before its first answer: reach them all.
    for number in range(40):
        request(server, "GET", f"/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D&n={number}")
    http_processes = [p for p in _children(SERVER_PIDS[server]) if _children(p)]
    workers = [
        w
        for p in http_processes
        for w in _children(p)
        if b"resource_tracker" not in Path(f"/proc/{w}/cmdline").read_bytes()
    ]
    assert len(http_processes) >= 1 and len(workers) >= 2 * len(http_processes)
    modes = {pid: _filter_mode(pid) for pid in http_processes + workers}
    assert set(modes.values()) == {2}, modes  # 2: a seccomp filter is installed
