"""Every query is bounded: nesting and length before it runs; memory, CPU and waiting
while it does; and a worker does not outlive the process that owns it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from kg.layout import STORE_DIR
from kg.serve.app import create_app
from kg.serve.engine import EngineBusy, QueryEngine, QueryTimeout
from kg.serve.settings import Settings
from kg.serve.worker import Job

from .conftest import wait_until
from .http_client import request

# A join of every triple with every triple, twice: it runs until it is stopped.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"  # not one pattern: a worker runs it


def _doubling(times: int) -> str:
    """A query whose string doubles ``times`` times: 10 * 2**times characters."""
    binds = " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(times))
    return f'SELECT (STRLEN(?a{times}) AS ?n) WHERE {{ BIND("0123456789" AS ?a0) {binds} }}'


def _job(query: str) -> Job:
    return Job(query=query, form="SELECT", format_key="json", max_rows=10)


NESTED = {
    "brackets": "SELECT * WHERE { BIND(" + "(" * 10_000 + "1" + ")" * 10_000 + " AS ?x) }",
    "groups": "SELECT * WHERE { " + "{" * 5_000 + "}" * 5_000 + " }",
    "optionals": "SELECT * WHERE { " + "OPTIONAL { ?s ?p ?o " * 3_000 + "}" * 3_000 + " }",
    "subqueries": "SELECT * WHERE { " + "{ SELECT * WHERE { " * 2_000 + "}}" * 2_000 + " }",
    "just past the limit": "ASK { " + "{" * 64 + "}" * 64 + " }",
    "unions": "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 9_000) + " }",
    "binds": "SELECT * WHERE { " + " ".join(f"BIND(1 AS ?x{i})" for i in range(9_000)) + " }",
    "sums": "SELECT * WHERE { BIND(" + " + ".join(["1"] * 30_000) + " AS ?x) }",
}


@pytest.mark.parametrize("name", list(NESTED))
def test_a_query_too_deep_or_too_long_is_refused_before_it_runs(server, name) -> None:
    query = NESTED[name]
    reply = request(
        server, "POST", "/sparql", query.encode(), {"Content-Type": "application/sparql-query"}
    )
    assert reply.status == 400, reply.body[:200]
    body = reply.json()
    assert body["status"] == 400
    assert "levels" in body["message"] or "tokens" in body["message"]
    assert request(server, "GET", "/sparql?" + urlencode({"query": COUNT})).status == 200


def test_nesting_within_the_limit_runs(server) -> None:
    query = "ASK { " + "{" * 63 + "}" * 63 + " }"
    reply = request(server, "GET", "/sparql?" + urlencode({"query": query}))
    assert reply.status == 200, reply.body[:200]


@pytest.fixture
def store(build) -> str:
    return str(build.path / STORE_DIR)


def test_a_query_past_its_memory_is_answered_503_and_its_worker_replaced(store) -> None:
    app = create_app(
        Settings(query_memory_mb=768, query_workers=1, cache_bytes=0), store_path=Path(store)
    )
    engine = app.extensions["kg"].engine
    client = app.test_client()
    try:
        first = engine._all[0].process.pid
        reply = client.get("/sparql", query_string={"query": _doubling(30)})  # 10 GiB
        assert reply.status_code == 503 and reply.headers["Retry-After"]
        assert "memory" in reply.get_json()["message"]
        assert client.get("/sparql", query_string={"query": COUNT}).status_code == 200
        assert engine._all[0].process.pid != first
        # The same query in a smaller size runs: the limit, not the query, stopped it.
        reply = client.get("/sparql", query_string={"query": _doubling(20)})
        assert reply.status_code == 200 and b"10485760" in reply.get_data()
    finally:
        engine.close()


def test_a_request_that_would_wait_behind_too_many_is_answered_at_once(store) -> None:
    engine = QueryEngine(store, workers=1, timeout=3, wait=60, max_waiting=0)
    outcome: list[BaseException] = []

    def slow() -> None:
        try:
            engine.run(_job(ENDLESS))
        except BaseException as error:
            outcome.append(error)

    try:
        holder = threading.Thread(target=slow)
        holder.start()
        while engine._idle._items:  # until the slow query holds the only worker
            time.sleep(0.01)
        # Without the bound this would wait for the worker (up to 60 s) and then run.
        with pytest.raises(EngineBusy):
            engine.run(_job(COUNT))
        holder.join()
        assert isinstance(outcome[0], QueryTimeout)
        while not engine._idle._items:  # its replacement starts in the background
            time.sleep(0.05)
        answer, _ = engine.run(_job(COUNT))
        assert answer.ok
    finally:
        engine.close()


ORPHAN_SCRIPT = """
import sys
from kg.serve.engine import QueryEngine
from kg.serve.worker import Job

if __name__ == "__main__":
    engine = QueryEngine(sys.argv[1], workers=1, timeout=2)
    print(engine._all[0].process.pid, flush=True)
    engine.run(Job(query=sys.argv[2], form="SELECT", format_key="json", max_rows=10))
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def _cpu_ticks(pid: int) -> int:
    """User and system CPU time of ``pid`` so far, in clock ticks (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_whose_owner_is_killed_stops_computing(store, tmp_path) -> None:
    script = tmp_path / "owner.py"
    script.write_text(ORPHAN_SCRIPT, encoding="utf-8")
    owner = subprocess.Popen(
        [sys.executable, str(script), store, ENDLESS], stdout=subprocess.PIPE, text=True
    )
    worker = int(owner.stdout.readline())  # type: ignore[union-attr]
    # The worker is computing the endless query once it has used CPU time.
    wait_until(lambda: _cpu_ticks(worker) > 0, what="the worker computing")
    os.kill(owner.pid, signal.SIGKILL)
    owner.wait()
    # Nobody is left to enforce the 2 s deadline; the kernel's CPU limit (deadline
    # and 2 s) stops the worker. Give it ample time on a loaded machine.
    for _ in range(600):
        if not _alive(worker):
            break
        time.sleep(0.1)
    assert not _alive(worker)
