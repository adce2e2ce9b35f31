"""Named settings of the server, each with a documented default."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

DOCS = {
    "query_timeout": "Seconds a query may run before it is stopped and answered with 503.",
    "max_rows": "Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) in one result; "
    "a longer result is cut and says so in the X-Result-Truncated header.",
    "max_body_bytes": "Largest request body accepted; a larger one gets 413.",
    "query_workers": "Worker processes that run queries, in each HTTP process (each runs one "
    "query at a time).",
    "memory_quads": "Largest store, in quads, that each process running queries (query "
    "workers, and HTTP processes for inline queries) copies into memory, where joins run "
    "several times faster; a larger one is read from disk, shared by all processes "
    "through the OS page cache (0: always from disk).",
    "inline_ms": "A query that a worker has answered within this many milliseconds is "
    "answered in the HTTP process from then on, without the round trip to a worker: the "
    "store does not change while the server runs, so the query does the same work again "
    "(0: never).",
    "worker_wait": "Seconds a request waits for a free worker before it gets 503.",
    "http_threads": "Threads of each HTTP server process: one per query worker, and more "
    "for answers that need none (cached ones, lookups of one pattern).",
    "http_workers": "HTTP server processes (default: one per core); each has its own "
    "query workers, and all share the store's files through the OS.",
    "jemalloc": "1: run the server's processes on jemalloc where the system has it "
    "(Debian: libjemalloc2), with which the engine answers queries 10-20% faster than "
    "with the C library's allocator; 0: kg serve does not preload it.",
    "cache_bytes": "Bytes of memory, in each HTTP process, for repeated requests' whole "
    "responses, and as much again for query answers (0 turns both caches off).",
}


SWITCHES = {"jemalloc"}  # 1 or 0
MAY_BE_ZERO = {"cache_bytes", "memory_quads", "inline_ms"} | SWITCHES


@dataclass(frozen=True)
class Settings:
    """Server settings; see :data:`DOCS` for what each one means."""

    query_timeout: float = 10.0
    max_rows: int = 10_000
    max_body_bytes: int = 1_048_576
    query_workers: int = 2
    memory_quads: int = 50_000
    inline_ms: float = 10.0
    worker_wait: float = 10.0
    http_threads: int = 4
    http_workers: int = os.cpu_count() or 1
    cache_bytes: int = 64 * 1024 * 1024
    jemalloc: int = 1

    def with_values(self, values: dict[str, str]) -> Settings:
        """A copy with some settings given as text (as on the command line)."""
        types = {f.name: f.type for f in fields(self)}
        changes = {}
        for name, text in values.items():
            if name not in types:
                raise ValueError(f"unknown setting {name!r}; settings are {', '.join(types)}")
            convert = float if types[name] in (float, "float") else int
            try:
                value = convert(text)
            except ValueError:
                raise ValueError(f"setting {name!r} needs a number, not {text!r}") from None
            if value < 0 or (value == 0 and name not in MAY_BE_ZERO):
                raise ValueError(f"setting {name!r} must be positive")
            if name in SWITCHES and value not in (0, 1):
                raise ValueError(f"setting {name!r} is 1 (on) or 0 (off), not {text!r}")
            changes[name] = value
        return replace(self, **changes)
