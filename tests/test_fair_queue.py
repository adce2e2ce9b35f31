"""Query workers are handed out first come, first served.

Regression: with ``queue.Queue``, a thread that put a worker back could take it again
before the thread woken for it ran, and under a load of slow queries some requests
were passed over again and again.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

import pytest

from kg.layout import STORE_DIR
from kg.serve.engine import QueryEngine
from kg.serve.fair_queue import FairQueue
from kg.serve.worker import Job
from kg.store import Build


def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.005)


def _queue_up(line: FairQueue, names: list[str], got: list[tuple[str, str]]) -> list:
    """One thread per name, each waiting on ``line`` in turn, in the order given."""
    threads = []
    for count, name in enumerate(names, start=1):
        thread = threading.Thread(target=lambda n=name: got.append((n, line.get(timeout=5))))
        thread.start()
        _until(lambda c=count: line.waiting() == c)
        threads.append(thread)
    return threads


def test_items_go_to_the_waiting_threads_in_the_order_they_came() -> None:
    line: FairQueue[str] = FairQueue()
    got: list[tuple[str, str]] = []
    threads = _queue_up(line, ["first", "second", "third"], got)
    for index, item in enumerate(["a", "b", "c"]):
        line.put(item)
        _until(lambda count=index + 1: len(got) == count)
    for thread in threads:
        thread.join()
    assert got == [("first", "a"), ("second", "b"), ("third", "c")]


def test_an_item_put_back_is_not_taken_by_a_newcomer_while_others_wait() -> None:
    line: FairQueue[str] = FairQueue()
    got: list[tuple[str, str]] = []
    (waiting,) = _queue_up(line, ["waiting"], got)
    line.put("worker")
    # The newcomer asks at once, before the waiting thread may have run: it must wait.
    with pytest.raises(queue.Empty):
        line.get(timeout=0.05)
    waiting.join()
    assert got == [("waiting", "worker")]


def test_a_caller_that_gave_up_waiting_loses_nothing() -> None:
    line: FairQueue[str] = FairQueue()
    with pytest.raises(queue.Empty):
        line.get(timeout=0.01)
    assert line.waiting() == 0
    line.put("worker")  # kept, not handed to the caller that left
    assert line.get(timeout=0) == "worker"


def test_a_request_waiting_for_a_worker_is_served_before_a_later_one(build: Build) -> None:
    engine = QueryEngine(str(build.path / STORE_DIR), workers=1, timeout=5, wait=5)
    join = "SELECT ?s ?l WHERE { ?s a lgde:Province ; rdfs:label ?l } ORDER BY ?s ?l"
    done: list[str] = []

    def run(name: str) -> None:
        answer, _ = engine.run(Job(query=join, form="SELECT", format_key="json", max_rows=100))
        assert answer.ok
        done.append(name)

    try:
        worker = engine._idle.get(timeout=5)  # as if a request held the only worker
        earlier = threading.Thread(target=run, args=("earlier",))
        earlier.start()
        _until(lambda: engine._idle.waiting() == 1)
        engine._idle.put(worker)  # the holder is done, and asks again at once
        run("later")
        earlier.join()
    finally:
        engine.close()
    assert done == ["earlier", "later"]
