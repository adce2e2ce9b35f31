"""Cheap answers under expensive load: lookups' latency while slow queries keep arriving.

    python -m bench.mixed                        # 60k graph, 16 connections, 10% slow
    python -m bench.mixed --slow organisations --seconds 20

Each connection sends a stream of requests, one at a time: a slow stored query with
probability ``--slow-share`` (made unique by a comment, so that no cache answers it),
else a one-pattern lookup of one of 200 resources. The
lookups' latency percentiles are what matters: with every query worker busy, a lookup
must still be answered at once. Oxigraph server runs the same load in the same run,
as the anchor. Writes ``bench/results/mixed-<scale>.md``.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import random
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

from bench.generate import HOME
from bench.run import RESULTS, SCALES, current_store, lookup_queries, project
from bench.servers import Server, kg_server, oxigraph_server, settle
from kg.queries import stored_queries

PROCESSES = 4  # client processes: the clients' own Python must not be what is measured


@dataclass
class Tally:
    """What one load run saw: latencies in ms of the lookups, and the slow queries' statuses."""

    lookups: list[float] = field(default_factory=list)
    lookup_errors: int = 0
    slow_statuses: dict[int, int] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.lookups += other.lookups
        self.lookup_errors += other.lookup_errors
        for status, count in other.slow_statuses.items():
            self.slow_statuses[status] = self.slow_statuses.get(status, 0) + count


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank).

    >>> percentile([float(n) for n in range(1, 101)], 0.99)
    99.0
    """
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, round(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _connection_loop(
    address: tuple[str, int], lookups: list[str], slow: str, share: float, until: float, seed: int
) -> Tally:
    tally = Tally()
    chooser = random.Random(seed)
    connection = http.client.HTTPConnection(*address, timeout=60)
    while time.monotonic() < until:
        is_slow = chooser.random() < share
        # Each slow query differs by a comment, so no cache can answer it.
        path = slow + f"%23{chooser.random()}%0A" if is_slow else chooser.choice(lookups)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            reply = connection.getresponse()
            reply.read()
            status = reply.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection(*address, timeout=60)
            status = 0
        elapsed = (time.perf_counter() - started) * 1000
        if is_slow:
            tally.slow_statuses[status] = tally.slow_statuses.get(status, 0) + 1
        elif status == 200:
            tally.lookups.append(elapsed)
        else:
            tally.lookup_errors += 1
    connection.close()
    return tally


def _client_process(job: tuple) -> Tally:
    address, lookups, slow, share, seconds, connections, seed = job
    until = time.monotonic() + seconds
    tallies = [Tally() for _ in range(connections)]

    def run(index: int) -> None:
        tallies[index] = _connection_loop(address, lookups, slow, share, until, seed + index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total


def mixed_load(
    server: Server, lookups: list[str], slow: str, share: float, seconds: float, connections: int
) -> Tally:
    """Drive ``server`` with ``connections`` connections for ``seconds``; the merged tally."""
    address = urllib.parse.urlsplit(server.base_url)
    host_port = (address.hostname or "127.0.0.1", address.port or 80)
    paths = [server.query_url_path(q) for q in lookups]
    slow_path = server.query_url_path(slow)
    per_process = [
        connections // PROCESSES + (i < connections % PROCESSES) for i in range(PROCESSES)
    ]
    jobs = [
        (host_port, paths, slow_path, share, seconds, n, 1000 * i)
        for i, n in enumerate(per_process)
        if n
    ]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        tallies = pool.map(_client_process, jobs)
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total


def _row(name: str, tally: Tally, seconds: float) -> str:
    slow = ", ".join(
        f"{n} answered {s or 'nothing'}" for s, n in sorted(tally.slow_statuses.items())
    )
    latencies = tally.lookups
    rate = len(latencies) / seconds
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    most = max(latencies, default=float("nan"))
    errors = tally.lookup_errors
    return f"| {name} | {rate:,.0f} | {p50:.1f} | {p99:.1f} | {most:.1f} | {errors} | {slow} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="60k")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--slow-share", type=float, default=0.1)
    parser.add_argument("--slow", default="everything-in-region", help="stored query sent as slow")
    args = parser.parse_args()
    home = project(args.scale)
    store = current_store(home)
    lookups = lookup_queries(store)
    slow = stored_queries(home / "queries")[args.slow].text
    rows = []
    with oxigraph_server(store) as theirs, kg_server(home, "kg serve", {}) as ours:
        for server in (theirs, ours):
            settle(theirs)
            settle(ours)
            tally = mixed_load(
                server, lookups, slow, args.slow_share, args.seconds, args.connections
            )
            rows.append(_row(server.name, tally, args.seconds))
            print(rows[-1], flush=True)
    command = " ".join(["python -m bench.mixed", *sys.argv[1:]])
    page = f"""# Lookups under slow load, {args.scale} graph

- Load: {args.connections} connections (in {PROCESSES} client processes) for {args.seconds:g} s;
  each request is `{args.slow}` (made unique by a comment) with probability
  {args.slow_share:g}, else a lookup of one of
  {len(lookups)} resources. Each server runs the load alone, one after the other.
- Command: `{command}`

Latency in ms of the lookups answered 200; the slow queries' answers by status.

| server | lookups/s | p50 | p99 | max | lookups not 200 | slow queries |
|---|---:|---:|---:|---:|---:|---|
{chr(10).join(rows)}
"""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"mixed-{args.scale}.md"
    out.write_text(page, encoding="utf-8")
    print(f"wrote {out.relative_to(HOME)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
