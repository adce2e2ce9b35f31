"""No outbound requests on a client's behalf, and deadlines that really stop queries."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from .conftest import SERVER_PIDS, SERVER_SETTINGS
from .http_client import request


class Listener:
    """A TCP listener on loopback that records every connection made to it."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.socket.close()


@pytest.fixture
def listener():
    watcher = Listener()
    yield watcher
    watcher.close()


def _ask(server: str, query: str, **params: str):
    return request(server, "GET", "/sparql?" + urlencode({"query": query, **params}))


def test_listener_notices_a_connection(listener) -> None:
    # The check below means something only if the listener does see connections.
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    time.sleep(0.5)
    assert listener.connections == 1


@pytest.mark.parametrize(
    "template,params",
    [
        ("SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}", {}),
        ("SELECT * WHERE {{ service silent <{url}> {{ ?s ?p ?o }} }}", {}),
        ("PREFIX remote: <{url}> SELECT * WHERE {{ SERVICE remote:x {{ ?s ?p ?o }} }}", {}),
        ("SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}", {}),
        ("SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        ("ASK {{ ?s ?p ?o }}", {"default-graph-uri": "{url}"}),
        ("ASK {{ GRAPH ?g {{ ?s ?p ?o }} }}", {"named-graph-uri": "{url}"}),
        ("LOAD <{url}>", {}),
    ],
)
def test_no_outbound_request(server, listener, template, params) -> None:
    url = f"http://127.0.0.1:{listener.port}/data.ttl"
    query = template.format(url=url)
    reply = _ask(server, query, **{k: v.format(url=url) for k, v in params.items()})
    time.sleep(0.5)
    assert listener.connections == 0
    if "SERVICE" in query.upper():
        assert reply.status == 400 and "SERVICE" in reply.json()["message"]
    elif query.startswith("LOAD"):
        assert reply.status == 403
    else:
        assert reply.status == 200  # the graph is simply not held: empty


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found  # the process has exited
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue  # a thread ended between listing and reading (regression: CI)
        found |= {int(c) for c in children}
    return found


def _query_workers(pid: int) -> set[int]:
    """The query worker processes under the server, however many HTTP processes it runs."""
    found, pending = set(), [pid]
    while pending:
        for child in _children(pending.pop()):
            pending.append(child)
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"spawn_main" in command:
                found.add(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_deadline_stops_the_query_and_others_are_answered(server) -> None:
    timeout = float(SERVER_SETTINGS["query_timeout"])
    workers_before = _query_workers(SERVER_PIDS[server])
    assert len(workers_before) >= 2
    expensive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome: dict = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["reply"] = _ask(server, expensive)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    # While the runaway query holds one worker, other clients are answered.
    answered = []
    while thread.is_alive():
        started = time.monotonic()
        # Two patterns: a query that needs a worker, not a lookup answered inline.
        reply = _ask(server, "ASK { ?s a lgde:Province ; rdfs:label ?name }")
        answered.append((reply.status, time.monotonic() - started))
        time.sleep(0.1)
    thread.join()
    assert answered and all(status == 200 for status, _ in answered)

    reply = outcome["reply"]
    assert reply.status == 503
    assert reply.json()["status"] == 503 and "stopped" in reply.json()["message"]
    assert int(reply.headers["retry-after"]) >= 1
    assert outcome["seconds"] >= timeout  # stopped at its deadline, not before

    # The worker that ran it was killed, so its CPU and memory are free, and the
    # pool is back to full strength.
    killed = [pid for pid in workers_before if not _alive(pid)]
    assert len(killed) == 1
    for _ in range(50):
        if len(_query_workers(SERVER_PIDS[server])) == len(workers_before):
            break
        time.sleep(0.1)
    assert len(_query_workers(SERVER_PIDS[server])) == len(workers_before)
