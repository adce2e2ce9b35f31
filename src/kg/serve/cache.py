"""Answers to repeated queries, kept in memory and named by an ETag.

The served data cannot change while the server runs (a new build needs a restart), so
an answer is fully determined by the job (query, dataset parameters, format, row cap,
base IRI, parameters) and the data's version. The key of both is a digest of the two;
the ETag is that digest, so a client's ``If-None-Match`` can be answered with ``304``
without running anything.
"""

from __future__ import annotations

import hashlib

from kg.serve.lru import BoundedLRU
from kg.serve.worker import Answer, Job


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
        # An answer over a quarter of the whole is not kept: it would push out many.
        self._answers: BoundedLRU[str, Answer] = BoundedLRU(
            max_weight=max_bytes, weigh=lambda answer: len(answer.body)
        )
        self.hits = 0
        self.misses = 0

    def key(self, job: Job) -> str:
        # repr() of a frozen dataclass of strings, tuples and pyoxigraph terms is exact.
        return hashlib.sha256(f"{self.version}\n{job!r}".encode()).hexdigest()[:32]

    def etag(self, job: Job) -> str:
        """The entity tag of ``job``'s answer (without quotes)."""
        return self.key(job)

    def get(self, job: Job, key: str | None = None) -> Answer | None:
        """The kept answer to ``job`` (``key``: its key, if known already)."""
        if self.max_bytes <= 0:
            return None
        answer = self._answers.get(key or self.key(job))
        if answer is None:
            self.misses += 1
        else:
            self.hits += 1
        return answer

    def holds(self, job: Job, key: str | None = None) -> bool:
        """Whether ``job``'s answer is kept (without counting a hit or a miss)."""
        return self.max_bytes > 0 and (key or self.key(job)) in self._answers

    def put(self, job: Job, answer: Answer, key: str | None = None) -> None:
        """Keep ``answer`` if it succeeded and is small enough to share the cache."""
        if answer.ok and self.max_bytes > 0 and len(answer.body) <= self.max_bytes // 4:
            self._answers.put(key or self.key(job), answer)
