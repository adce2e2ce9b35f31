"""Run queries in worker processes with a deadline that really stops them.

Two kinds of query run here instead, in the calling thread, without the round trip to
a worker (about half a millisecond, more than the whole of a short query):

- a query of one triple pattern (:mod:`kg.serve.pattern_query`), whose cost is bounded by the
  rows it may return;
- a query that a worker has already answered within ``inline_seconds``. The store
  cannot change while the server runs, so the same query (same text, dataset and
  parameters) does the same work again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import queue
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Protocol

import pyoxigraph as ox

from kg.serve.fair_queue import FairQueue
from kg.serve.lru import BoundedLRU
from kg.serve.pattern_query import pattern_limit
from kg.serve.worker import Answer, Job, WorkerLimits, open_store, run_job, serve

_CONTEXT = multiprocessing.get_context("spawn")  # no fork of a threaded server
# Most rows a query answered in this process may yield (a short scan, which a deadline
# would not stop); a larger answer, even of one pattern, goes to a worker and its deadline.
INLINE_ROWS = 10_000
KNOWN_CHEAP = 4_096  # queries remembered as cheap, in each process: the most recent


class QueryTimeout(Exception):
    """The query ran past its deadline and was stopped."""


class EngineBusy(Exception):
    """Every worker stayed busy for as long as a request may wait, or too many wait."""


class WorkerLost(Exception):
    """The worker running the query died before its deadline (memory, stack, a crash)."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


# Why a worker that died by a signal did: what the client is told.
_DEATHS = {
    -6: "it needed more memory than a query may use",  # SIGABRT: a failed allocation
    -9: "it was killed",
    -11: "it nested deeper than the engine's stack allows",  # SIGSEGV: the guard page
    -24: "it used more CPU time than a query may",  # SIGXCPU
}


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection


class Engine(Protocol):
    """What the request service asks of whatever runs its queries: this module's
    worker pool, or an existing store (:class:`kg.serve.remote.RemoteEngine`)."""

    store_path: str
    isolation: str | None
    remote: bool  # queries run in another server, which this process must reach

    def wait_ready(self) -> None: ...
    def runs_inline(self, job: Job) -> bool: ...
    def run_inline(self, job: Job) -> tuple[Answer, float]: ...
    def run(self, job: Job) -> tuple[Answer, float]: ...
    def idle_workers(self) -> int: ...
    def close(self) -> None: ...


class QueryEngine:
    """A pool of worker processes over one read-only store.

    ``run`` hands a job to an idle worker and waits up to ``timeout`` seconds. A
    worker that does not answer in time is killed (its CPU and memory are freed at
    once) and replaced, and the caller gets :class:`QueryTimeout`. Other requests
    keep being answered by the other workers meanwhile.
    """

    def __init__(
        self,
        store_path: str,
        workers: int = 2,
        timeout: float = 10.0,
        wait: float | None = None,
        in_memory: bool = False,
        inline_seconds: float = 0.0,
        defer_ready: bool = False,
        memory_bytes: int = 0,
        max_waiting: int | None = None,
    ) -> None:
        self.store_path = store_path
        self.remote = False
        self.timeout = timeout
        self.wait = timeout if wait is None else wait
        self.max_waiting = max_waiting
        # CPU per query: the deadline's worth and a margin, enforced by the kernel for
        # a worker whose engine is gone (see kg.serve.worker._limit_cpu).
        self.limits = WorkerLimits(memory_bytes, cpu_seconds=timeout + 2)
        self.isolation: str | None = None  # "" when workers cannot reach the network
        self.in_memory = in_memory
        self.inline_seconds = inline_seconds
        self._cheap: BoundedLRU[tuple, bool] = BoundedLRU(max_items=KNOWN_CHEAP)
        self._idle: FairQueue[_Worker] = FairQueue()  # first come, first served
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        self._closed = False
        self._store: ox.Store | None = None
        # Launch every worker now; they open the store side by side, while the caller
        # goes on with its own start-up until it calls wait_ready().
        self._launched = [self._launch() for _ in range(max(1, workers))]
        if not defer_ready:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until every launched worker has opened the store (or raise RuntimeError)."""
        with self._lock:
            launched, self._launched = self._launched, []
        for process, connection in launched:
            self._idle.put(self._ready(process, connection))

    def _launch(self) -> tuple[BaseProcess, Connection]:
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=serve,
            args=(child, self.store_path, self.in_memory, self.limits),
            daemon=True,
            name="kg-query-worker",
        )
        process.start()
        child.close()
        return process, parent

    def _ready(self, process: BaseProcess, connection: Connection) -> _Worker:
        try:
            message = connection.recv() if connection.poll(60) else None
        except (EOFError, OSError):
            message = None
        if not (isinstance(message, tuple) and message[0] == "ready"):
            process.kill()
            raise RuntimeError(f"a query worker could not open the store at {self.store_path}")
        worker = _Worker(process, connection)
        with self._lock:
            self._all.append(worker)
            self.isolation = message[1]
        return worker

    def _start(self) -> _Worker:
        return self._ready(*self._launch())

    def _retire(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(5)
        worker.connection.close()
        with self._lock:
            if worker in self._all:
                self._all.remove(worker)

    def runs_inline(self, job: Job) -> bool:
        """Whether ``job`` is answered here, without a worker: known cheap, or row-bounded."""
        return self.bounded_by_rows(job) or self.knows_cheap(job)

    def knows_cheap(self, job: Job) -> bool:
        """Whether a worker has answered ``job`` (in any format) within ``inline_seconds``."""
        return _work(job) in self._cheap

    @staticmethod
    def bounded_by_rows(job: Job) -> bool:
        """Whether ``job`` is one triple pattern whose rows bound its cost."""
        if job.substitutions or job.declares_dataset:
            return False
        limit = pattern_limit(job.query)
        if limit is None:
            return False
        return min(job.max_rows, limit if limit >= 0 else job.max_rows) <= INLINE_ROWS

    def run_inline(self, job: Job) -> tuple[Answer, float]:
        """Run ``job`` here, without a worker; only for a job :meth:`runs_inline` accepts."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    # Like the workers: a small store is copied into memory.
                    self._store = open_store(self.store_path, self.in_memory)
        started = time.monotonic()
        answer = run_job(self._store, job)
        return answer, time.monotonic() - started

    def _remember_cheap(self, job: Job) -> None:
        self._cheap.put(_work(job), True)

    def idle_workers(self) -> int:
        """Query workers free to take a job now."""
        return self._idle.available()

    def run(self, job: Job) -> tuple[Answer, float]:
        """Run ``job``; return the answer and the seconds it took."""
        if self.runs_inline(job):
            return self.run_inline(job)
        answer, seconds = self._run_in_worker(job)
        if answer.ok and seconds <= self.inline_seconds:
            self._remember_cheap(job)
        return answer, seconds

    def _run_in_worker(self, job: Job) -> tuple[Answer, float]:
        try:
            worker = self._idle.get(timeout=self.wait, max_waiting=self.max_waiting)
        except (queue.Empty, queue.Full):
            raise EngineBusy() from None
        started = time.monotonic()
        try:
            worker.connection.send(job)
            if worker.connection.poll(self.timeout):
                answer = worker.connection.recv()
                self._idle.put(worker)
                return answer, time.monotonic() - started
        except (EOFError, OSError, BrokenPipeError):
            pass  # the worker died; replace it below
        elapsed = time.monotonic() - started
        worker.process.join(0.5 if elapsed < self.timeout else 0)  # learn how it ended
        death = worker.process.exitcode
        self._retire(worker)
        if not self._closed:
            # Answer now; the replacement starts in the background.
            threading.Thread(target=self._replace, daemon=True).start()
        if elapsed >= self.timeout:
            raise QueryTimeout()
        raise WorkerLost(_DEATHS.get(death or 0, f"its process ended ({death})"))

    def _replace(self) -> None:
        # A failure shows as a missing worker: the next requests wait, then get 503.
        with contextlib.suppress(RuntimeError):
            self._idle.put(self._start())

    def close(self) -> None:
        self._closed = True
        self._store = None
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._retire(worker)


_WORK_FIELDS = tuple(f.name for f in dataclasses.fields(Job) if f.name != "format_key")


def _work(job: Job) -> tuple:
    """What decides a job's cost: all of it but the results format."""
    return tuple(getattr(job, name) for name in _WORK_FIELDS)
