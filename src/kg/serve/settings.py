"""The server's settings: each defined once, with its default, meaning and rule.

>>> Settings().with_values({"max_rows": "500"}).max_rows
500
>>> Settings().with_values({"max_rows": "0"})
Traceback (most recent call last):
...
ValueError: setting 'max_rows' must be positive
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any
from urllib.parse import urlsplit


def _setting(default: Any, meaning: str, *, zero: bool = False, switch: bool = False) -> Any:
    """A setting's default and meaning; ``zero``: 0 is allowed; ``switch``: 1 or 0 only."""
    return field(
        default=default, metadata={"meaning": meaning, "zero": zero or switch, "switch": switch}
    )


@dataclass(frozen=True)
class Settings:
    """Server settings; ``kg settings`` lists them with their meaning."""

    query_timeout: float = _setting(
        10.0, "Seconds a query may run before it is stopped and answered with 503."
    )
    max_rows: int = _setting(
        10_000,
        "Most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) in one result; a longer "
        "result is cut and says so in the X-Result-Truncated header.",
    )
    max_body_bytes: int = _setting(
        1_048_576, "Largest request body accepted, chunked or not; a larger one gets 413."
    )
    read_timeout: float = _setting(
        10.0,
        "Seconds a client may take to send a request's headers, and the grace before its "
        "body must keep up with min_body_rate; a slower request gets 408.",
    )
    min_body_rate: int = _setting(
        1_024,
        "Bytes per second a request body must average once read_timeout has passed; a "
        "slower one gets 408. Bodies are read without holding a thread, so a slow "
        "client costs a connection, not a share of the server.",
    )
    max_nesting: int = _setting(
        64,
        "Deepest nesting of brackets ( { [ in a query; a deeper one gets 400 before it "
        "runs (the engine's parser and planner recurse once per level).",
    )
    max_tokens: int = _setting(
        50_000,
        "Most tokens (words, names, literals, punctuation) in a query; a longer one gets "
        "400 before it runs.",
    )
    query_memory_mb: int = _setting(
        2_048,
        "Memory, in MiB, that each query worker may allocate, its store and stack "
        "included; a query that needs more is stopped, answered with 503, and the "
        "worker replaced.",
    )
    query_workers: int = _setting(
        2,
        "Worker processes that run queries, in each HTTP process (each runs one query at a "
        "time); with kg serve --store, the queries each HTTP process sends the store at once.",
    )
    store_row_cap: int = _setting(
        0,
        "With kg serve --store: the store's own cap on the rows of an answer (Virtuoso's "
        "ResultSetMaxRows), which some stores apply without saying; an answer of exactly "
        "that many rows is marked truncated. 0: the store has none.",
        zero=True,
    )
    store_check: float = _setting(
        5.0,
        "With kg serve --store: seconds between readings of the store's publication "
        "marker; once the store holds another build, or is being switched to one, "
        "queries the cache cannot answer get 503. 0: read before every query.",
        zero=True,
    )
    max_waiting: int = _setting(
        4,
        "Requests that may wait for a busy query worker in each HTTP process; more get "
        "503 with Retry-After at once, and so does a client past its share of the "
        "workers while other clients wait. Never more than http_threads - query_workers "
        "- 1, so that a thread stays free for pages and other requests that need none.",
        zero=True,
    )
    worker_wait: float = _setting(
        10.0, "Seconds a request waits for a free worker before it gets 503."
    )
    memory_quads: int = _setting(
        50_000,
        "Largest store, in quads, that each process running queries (query workers, and "
        "HTTP processes for inline queries) copies into memory, where joins run several "
        "times faster; a larger one is read from disk, shared by all processes through "
        "the OS page cache (0: always from disk).",
        zero=True,
    )
    inline_ms: float = _setting(
        10.0,
        "A query that a worker has answered within this many milliseconds is answered in "
        "the HTTP process from then on, without the round trip to a worker: the store "
        "does not change while the server runs, so the query does the same work again "
        "(0: never).",
        zero=True,
    )
    http_threads: int = _setting(
        8,
        "Threads of each HTTP server process for requests that may wait: one per query "
        "worker, one per request waiting for a worker, and more for pages. Cached "
        "answers and lookups of one pattern need none: they are answered on the event "
        "loop that reads requests.",
    )
    http_workers: int = _setting(
        os.cpu_count() or 1,
        "HTTP server processes (default: one per core); each has its own query workers, "
        "and all share the store's files through the OS.",
    )
    cache_bytes: int = _setting(
        64 * 1024 * 1024,
        "Bytes of memory, in each HTTP process, for repeated requests' whole responses, "
        "and as much again for query answers (0 turns both caches off).",
        zero=True,
    )
    public_url: str = _setting(
        "",
        "The server's public address (https://host/path), used for every absolute URL it "
        "writes: the base of queries' relative IRIs, the service description, VoID, the "
        "API's links. Unset, each request's own Host is used; set it wherever the server "
        "is reached through a proxy or under another name.",
    )
    jemalloc: int = _setting(
        1,
        "1: run the server's processes on jemalloc where the system has it (Debian: "
        "libjemalloc2), on which the engine answers queries faster than on the C library's "
        "allocator (bench/allocator.py); 0: kg serve does not preload it.",
        switch=True,
    )

    @property
    def waiting_allowed(self) -> int:
        """Requests that may wait for a worker, within the threads there are.

        >>> Settings(max_waiting=8, http_threads=4, query_workers=2).waiting_allowed
        1
        """
        return max(0, min(self.max_waiting, self.http_threads - self.query_workers - 1))

    def with_values(self, values: dict[str, str]) -> Settings:
        """A copy with some settings given as text (as on the command line)."""
        known = {f.name: f for f in fields(self)}
        changes: dict[str, Any] = {}
        for name, text in values.items():
            if name not in known:
                raise ValueError(f"unknown setting {name!r}; settings are {', '.join(known)}")
            rules = known[name].metadata
            if known[name].type in (str, "str"):
                changes[name] = _public_url(name, text)
                continue
            convert = float if known[name].type in (float, "float") else int
            try:
                value = convert(text)
            except ValueError:
                raise ValueError(f"setting {name!r} needs a number, not {text!r}") from None
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"setting {name!r} needs a finite number, not {text!r}")
            if value < 0 or (value == 0 and not rules["zero"]):
                raise ValueError(f"setting {name!r} must be positive")
            if rules["switch"] and value not in (0, 1):
                raise ValueError(f"setting {name!r} is 1 (on) or 0 (off), not {text!r}")
            changes[name] = value
        return replace(self, **changes)


def _public_url(name: str, text: str) -> str:
    """An absolute http(s) URL with no query or fragment, without its final slash.

    >>> _public_url("public_url", "https://lgde.example.org/kg/")
    'https://lgde.example.org/kg'
    """
    parts = urlsplit(text)
    if text and (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or any(c in text for c in ' <>"{}|\\^`')
    ):
        raise ValueError(
            f"setting {name!r} needs an absolute http(s) URL with no query, not {text!r}"
        )
    return text.rstrip("/")


def meanings() -> list[tuple[str, object, str]]:
    """Each setting's name, default and meaning, in the order they are defined."""
    defaults = Settings()
    return [(f.name, getattr(defaults, f.name), f.metadata["meaning"]) for f in fields(defaults)]
