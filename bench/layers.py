"""What each speed layer of the server saves, side by side in one run, in process.

    python -m bench.layers                 # the 60k graph
    python -m bench.layers --scale seed --rounds 5000

The same requests go through the server's WSGI stack with and without each layer:

- the plain-query path (:mod:`kg.serve.plain_queries`) against the Flask view alone,
  with the caches off, for a lookup (answered in the process) and a stored query (run
  by a query worker);
- the kept responses (:mod:`kg.serve.response_cache`) against the stack under them,
  for a repeated lookup and a repeated resource page, with the result cache on in both.

Each figure is the median over rounds of the mean CPU time of the HTTP process per
request (a worker's time is not counted: the layers do not change it). Writes
``bench/results/layers-<scale>.md``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable

from werkzeug.test import EnvironBuilder

from bench.generate import HOME
from bench.run import RESULTS, SCALES, current_store, lookup_queries, project
from kg.queries import stored_queries
from kg.serve import create_app
from kg.serve.settings import Settings

WsgiApp = Callable[[dict, Callable], Iterable[bytes]]


def _environ(query: str) -> dict:
    """A query's request; a path (``/id/…``) is asked for as a browser would."""
    if query.startswith("/"):
        return EnvironBuilder(query, headers={"Accept": "text/html"}).get_environ()
    url = "/sparql?" + urllib.parse.urlencode({"query": query})
    return EnvironBuilder(url, headers={"Accept": "application/sparql-results+json"}).get_environ()


def per_request(app: WsgiApp, query: str, count: int, rounds: int) -> float:
    """Median over ``rounds`` of the mean CPU microseconds per request of ``count``."""
    template = _environ(query)

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        assert status.startswith("200"), status

    for _ in range(20):  # warm: the engine, the plain layer's memory, the caches
        b"".join(app(dict(template), start_response))
    means = []
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(count):
            b"".join(app(dict(template), start_response))
        means.append((time.process_time() - started) / count * 1e6)
    return statistics.median(means)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="60k")
    parser.add_argument("--count", type=int, default=500, help="requests per round")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    home = project(args.scale)
    store = current_store(home)
    lookup = lookup_queries(store, count=1)[0]
    stored = stored_queries(home / "queries")["policy-documents"].text
    rows = []
    off = create_app(Settings(cache_bytes=0, query_workers=1), store_path=store)
    on = create_app(Settings(query_workers=1), store_path=store)
    try:
        plain = off.extensions["kg"].plain
        for name, query in [("lookup", lookup), ("stored query `policy-documents`", stored)]:
            with_layer = per_request(plain, query, args.count, args.rounds)
            without = per_request(plain.app, query, args.count, args.rounds)
            rows.append(("plain-query path", name, with_layer, without))
        kept = on.extensions["kg"].responses
        page = "/id/region/guizhou"  # a region's page: its description and its facts
        for name, query in [("repeated lookup", lookup), (f"repeated page `{page}`", page)]:
            with_layer = per_request(kept, query, args.count, args.rounds)
            without = per_request(kept.app, query, args.count, args.rounds)
            rows.append(("kept responses", name, with_layer, without))
    finally:
        off.extensions["kg"].engine.close()
        on.extensions["kg"].engine.close()
    lines = [
        f"| {layer} | {name} | {a:.0f} | {b:.0f} | {b / a:.2f}x |" for layer, name, a, b in rows
    ]
    command = " ".join(["python -m bench.layers", *sys.argv[1:]])
    page = f"""# What each speed layer saves, {args.scale} graph

- HTTP-process CPU time per request, in microseconds: the median over {args.rounds} rounds
  of the mean of {args.count} requests, through the WSGI stack in process.
- Command: `{command}`

| layer | request | with it (µs) | without it (µs) | saving |
|---|---|---:|---:|---:|
{chr(10).join(lines)}
"""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"layers-{args.scale}.md"
    out.write_text(page, encoding="utf-8")
    print(page)
    print(f"wrote {out.relative_to(HOME)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
