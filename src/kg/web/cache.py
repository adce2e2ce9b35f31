"""Answers to repeated queries, kept in memory and named by an ETag.

The served data cannot change while the server runs (a new build needs a restart), so
an answer is fully determined by the job (query, dataset parameters, format, row cap,
base IRI, parameters) and the data's version. The key of both is a digest of the two;
the ETag is that digest, so a client's ``If-None-Match`` can be answered with ``304``
without running anything.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from kg.web.worker import Answer, Job


class ResultCache:
    """A least-recently-used cache of successful answers, bounded in bytes.

    >>> cache = ResultCache(max_bytes=1_000, version="build-1")
    >>> job = Job(query="ASK {}", form="ASK", format_key="json", max_rows=10)
    >>> cache.get(job) is None
    True
    >>> cache.put(job, Answer(ok=True, body=b'{"boolean": true}'))
    >>> cache.get(job).body
    b'{"boolean": true}'
    """

    def __init__(self, max_bytes: int, version: str) -> None:
        self.max_bytes = max_bytes
        self.version = version
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def key(self, job: Job) -> str:
        # repr() of a frozen dataclass of strings, tuples and pyoxigraph terms is exact.
        return hashlib.sha256(f"{self.version}\n{job!r}".encode()).hexdigest()[:32]

    def etag(self, job: Job) -> str:
        """The entity tag of ``job``'s answer (without quotes)."""
        return self.key(job)

    def get(self, job: Job) -> Answer | None:
        if self.max_bytes <= 0:
            return None
        key = self.key(job)
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return answer

    def holds(self, job: Job) -> bool:
        """Whether ``job``'s answer is kept (without counting a hit or a miss)."""
        if self.max_bytes <= 0:
            return False
        key = self.key(job)
        with self._lock:
            return key in self._answers

    def put(self, job: Job, answer: Answer) -> None:
        """Keep ``answer`` if it succeeded and is small enough to share the cache."""
        size = len(answer.body)
        if not answer.ok or size > self.max_bytes // 4:
            return
        key = self.key(job)
        with self._lock:
            if key in self._answers:
                return
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped.body)
