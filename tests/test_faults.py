"""Answers keep coming while the server's processes are killed and clients misbehave.

A load of lookups and of queries that need a query worker runs throughout, while the
test kills a query worker, then a whole HTTP process, then holds slow uploads open.
After each fault, answers must come again, and every answer the load got must be a
200 or a 503 in the error shape: never a 500, never a hang.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from .conftest import SERVER_PIDS, SERVER_SETTINGS, running_server, wait_until
from .test_endpoint_safety import _children

LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/lgde/id/region/hubei> ?p ?o }"
# Needs a worker every time: a fresh comment makes each one new to every cache.
WORKER_QUERY = "# {n}\nSELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o . ?o ?q ?r }}"


def children(pid: int) -> list[int]:
    return sorted(_children(pid))


class Load(threading.Thread):
    """Sends requests one after another until stopped, and tallies what came back."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.stopped = threading.Event()
        self.statuses: list[int] = []  # 0: no answer (connection refused or reset)
        self.bad_bodies: list[bytes] = []
        self.lock = threading.Lock()

    def ok(self) -> int:
        with self.lock:
            return self.statuses.count(200)

    def run(self) -> None:
        numbers = itertools.count()
        while not self.stopped.is_set():
            n = next(numbers)
            query = LOOKUP if n % 2 else WORKER_QUERY.format(n=n)
            url = f"{self.base}/sparql?{urllib.parse.urlencode({'query': query})}"
            request = urllib.request.Request(url, headers={"Accept": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=30) as reply:
                    status, body = reply.status, reply.read()
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
            except OSError:
                status, body = 0, b""
                time.sleep(0.05)
            with self.lock:
                self.statuses.append(status)
                if status not in (0, 200) and not _error_shape(body, status):
                    self.bad_bodies.append(body[:300])


def _error_shape(body: bytes, status: int) -> bool:
    try:
        return json.loads(body)["status"] == status
    except (ValueError, KeyError):
        return False


def _more_answers(load: Load, count: int = 20) -> None:
    wanted = load.ok() + count
    wait_until(lambda: load.ok() >= wanted, what=f"{count} more answers")


def test_answers_keep_coming_through_killed_processes_and_slow_clients(
    build, layout, tmp_path
) -> None:
    settings = {**SERVER_SETTINGS, "http_workers": "2"}
    with running_server(layout, tmp_path, [], settings) as base:
        main = SERVER_PIDS[base]
        load = Load(base)
        load.start()
        try:
            _more_answers(load)
            http_processes = children(main)
            assert len(http_processes) == 2

            # A query worker dies (as by the OOM killer): its process starts another.
            workers = children(http_processes[0])
            assert workers
            os.kill(workers[0], signal.SIGKILL)
            _more_answers(load)

            # A whole HTTP process dies: Granian starts another in its place.
            os.kill(http_processes[1], signal.SIGKILL)
            _more_answers(load)
            wait_until(
                lambda: len(children(main)) == 2 and http_processes[1] not in children(main),
                what="the HTTP process replaced",
            )
            _more_answers(load)

            # Slow uploads, more than all the threads there are, held open meanwhile.
            host, port = base.removeprefix("http://").split(":")
            uploads = []
            for _ in range(16):
                upload = socket.create_connection((host, int(port)))
                upload.sendall(
                    b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/sparql-query\r\nContent-Length: 9999\r\n\r\nA"
                )
                uploads.append(upload)
            _more_answers(load)
            for upload in uploads:
                upload.close()
            _more_answers(load)
        finally:
            load.stopped.set()
            load.join(60)
    statuses = set(load.statuses)
    assert statuses <= {0, 200, 503}, statuses
    assert load.bad_bodies == []
    # No answer only while a killed HTTP process's connections were cut.
    assert load.statuses.count(0) <= 10, load.statuses.count(0)
