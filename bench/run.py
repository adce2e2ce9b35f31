"""Benchmark ``kg serve`` against Oxigraph's own server, and ``kg build`` at each scale.

    python -m bench.run                      # 60k-triple graph, builds at seed and 60k
    python -m bench.run --builds seed,60k,600k,3m --seconds 10

Writes ``bench/results/<scale>.md`` and the README's benchmark section.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from bench.generate import HOME, generate
from bench.load import Load, LoadError, drive, median_run, run_seconds, wrk_version
from bench.measure import BuildRun, engine_milliseconds, http_milliseconds, measure_build
from bench.report import Comparison, Overhead, Results, render, update_readme
from bench.servers import (
    engine_alone_server,
    kg_server,
    oxigraph_server,
    oxigraph_version,
    settle,
)
from kg.layout import STORE_DIR
from kg.queries import stored_queries
from kg.serve.allocator import allocator_in_use, restart_with_jemalloc
from kg.serve.settings import Settings

SCALES = {"seed": 0, "60k": 60_000, "600k": 600_000, "3m": 3_000_000}
DATA = HOME / "bench" / "data"
RESULTS = HOME / "bench" / "results"
LOOKUPS = 200  # distinct resources asked for in the lookup workload
SLOW_MS = 500  # queries slower than this in the engine are left out of the overhead table


def project(scale: str) -> Path:
    """The project folder of a scale: the repository itself, or a generated copy."""
    if scale == "seed":
        return HOME
    home = DATA / scale
    if not (home / "graph").is_dir():
        generate(home, SCALES[scale])
    refresh_project(home)
    return home


def refresh_project(home: Path, source: Path = HOME) -> None:
    """Give a generated project the repository's ontology, shapes and queries as they are now.

    The graph is generated once and kept; the rest changes with the repository, and a
    stale copy would benchmark queries, or validate with shapes, that no longer exist.
    """
    for folder in ("ontology", "queries"):
        shutil.rmtree(home / folder, ignore_errors=True)
        shutil.copytree(source / folder, home / folder)


def current_store(home: Path) -> Path:
    """The store of the current build of the project at ``home``, built if there is none."""
    store = home / "var" / "current" / STORE_DIR
    if not store.is_dir():
        from kg.build import build_graph
        from kg.layout import Layout

        build_graph(Layout.discover(home))
    return store


def lookup_queries(store_path: Path, count: int = LOOKUPS) -> list[str]:
    """One ``SELECT ?p ?o`` per resource, for resources spread over the whole graph."""
    store = ox.Store.read_only(str(store_path))
    rows = store.query(
        "SELECT DISTINCT ?s WHERE { GRAPH <https://w3id.org/lgde/graph/asserted> { ?s ?p ?o } "
        "FILTER(isIRI(?s)) } ORDER BY ?s"
    )
    subjects = [row["s"].value for row in rows]
    step = max(1, len(subjects) // count)
    return [f"SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}" for iri in subjects[::step][:count]]


def turn_order(servers: int, turn: int) -> list[int]:
    """The order in which ``servers`` take turn ``turn``: each goes first in turn.

    >>> [turn_order(3, turn) for turn in range(3)]
    [[0, 1, 2], [1, 2, 0], [2, 0, 1]]
    """
    return [(turn + index) % servers for index in range(servers)]


def _paths(server, queries: list[str]) -> list[str]:
    return [server.query_url_path(q) for q in queries]


def server_allocator(server) -> str:
    """The allocator a server's process runs on, read from its memory map."""
    return allocator_in_use(Path(f"/proc/{server.process.pid}/maps"))


def _settle_all(*servers) -> None:
    for server in servers:
        waited = settle(server)
        if waited > 1:
            print(f"  waited {waited:.1f} s for {server.name} to go quiet", flush=True)


def run(args: argparse.Namespace) -> Results:
    scale = args.scale
    home = project(scale)
    builds: list[BuildRun] = []
    for name in args.builds:
        built = measure_build(project(name), name)
        print(f"build {name}: {built.wall_seconds:.1f} s, {built.peak_rss_mb:.0f} MB", flush=True)
        builds.append(built)
    current = home / "var" / "current"
    if not (current / STORE_DIR).is_dir():
        builds.append(measure_build(home, scale))
    store = current / STORE_DIR
    triples = sum(1 for _ in ox.Store.read_only(str(store)))
    load = {"seconds": args.seconds, "connections": args.connections, "threads": args.threads}
    results = Results(
        scale=scale,
        triples=triples,
        settings=(
            f"wrk, {args.threads} thread(s), {args.connections} connections, "
            f"{args.seconds:g} s per run after a {args.warmup:g} s warm-up (longer, up to "
            f"{args.longest:g} s, where the slowest server would complete fewer than "
            f"{args.per_connection} requests per connection); each server's median of "
            f"{args.rounds} runs, taken in turns"
        ),
        builds=builds,
        versions={
            "Oxigraph server": oxigraph_version(),
            "pyoxigraph": ox.__version__,
            "wrk": wrk_version(),
        },
        command=" ".join(["python -m bench.run", *map(shlex.quote, sys.argv[1:])]),
    )
    lookups = lookup_queries(store)
    in_memory = triples <= Settings().memory_quads  # as kg serve decides, by default
    queries = stored_queries(home / "queries")
    with (
        oxigraph_server(store) as theirs,
        kg_server(home, "kg serve, cache off", {"cache_bytes": "0"}) as uncached,
        kg_server(home, "kg serve", {}) as cached,
        engine_alone_server(store) as alone,
    ):
        every = (theirs, uncached, cached, alone)
        results.startup = {s.name: s.startup_seconds for s in (theirs, uncached, cached)}
        results.allocators = (
            f"kg serve {server_allocator(uncached)}, the engine in process {allocator_in_use()}, "
            f"the engine alone on Granian {server_allocator(alone)}, "
            f"Oxigraph server {server_allocator(theirs)} (as it ships)"
        )

        def compare(workload: str, aim: float | None, ours, queries: list[str]) -> None:
            if args.only and args.only not in workload:
                return
            # The engine alone is the floor under kg serve without its caches.
            servers = (theirs, ours, alone) if ours is uncached else (theirs, ours)
            paths = [_paths(server, queries) for server in servers]
            runs: list[list[Load]] = [[] for _ in servers]

            def measure(index: int, seconds: float) -> Load:
                # A load's queries run on after wrk stops: each run starts on quiet servers.
                _settle_all(*every)
                options = {**load, "seconds": seconds}
                try:
                    return drive(servers[index].base_url, paths[index], **options)
                except LoadError as error:
                    print(f"{workload}, {servers[index].name}: {error}", file=sys.stderr)
                    return Load(0, 1.0, 0.0, 0.0, 1, 0)

            warm_ups = [measure(index, args.warmup) for index in range(len(servers))]
            wanted = args.per_connection * args.connections
            seconds = run_seconds(warm_ups, args.seconds, args.longest, wanted)
            if seconds > args.seconds:
                workload += f" ({seconds:.0f} s runs)"
            # Turns rotate, and each server's median run is kept: on a shared machine one
            # run can be 15% off, and the order must not favour any server.
            for turn in range(args.rounds):
                for index in turn_order(len(servers), turn):
                    runs[index].append(measure(index, seconds))
            kept = [median_run(server_runs) for server_runs in runs]
            results.comparisons.append(Comparison(workload, aim, *kept))
            print(f"{workload}: {results.comparisons[-1].ratio:.2f}x", flush=True)

        # Oxigraph server as it runs by default, without a deadline: its --timeout-s
        # starts a thread per query that sleeps for the whole deadline, and at thousands
        # of queries a second these exhaust the process (seen here: "failed to allocate
        # an alternative stack", then refused connections).
        many = f"lookups ({len(lookups)} resources)"
        compare(f"{many}, cache off", 0.5, uncached, lookups)
        compare(f"{many}, cache on", 1.0, cached, lookups)
        compare("one lookup repeated, cache on", 1.0, cached, lookups[:1])
        for name, stored in queries.items():
            compare(f"`{name}`, cache off", 0.9, uncached, [stored.text])

        _settle_all(*every)
        for workload, texts in [("lookups", lookups[:50])] + [
            (f"`{n}`", [q.text]) for n, q in queries.items()
        ]:
            if engine_milliseconds(store, texts[:1], 1, in_memory) > SLOW_MS:
                continue  # long queries: the throughput table shows them; HTTP adds little
            results.overheads.append(
                Overhead(
                    workload,
                    engine_milliseconds(store, texts, in_memory=in_memory),
                    http_milliseconds(uncached, texts),
                    http_milliseconds(theirs, texts),
                    http_milliseconds(alone, texts),
                )
            )
        if scale == "seed" or args.latency:
            for name in queries:
                path = [f"/api/queries/{urllib.parse.quote(name)}.json"]
                one = {**load, "connections": 1, "threads": 1}
                measured = []
                for server in (uncached, cached):
                    _settle_all(*every)
                    drive(server.base_url, path, **{**one, "seconds": args.warmup})
                    runs = [drive(server.base_url, path, **one) for _ in range(args.rounds)]
                    measured.append(median_run(runs, by=lambda run: run.p99_ms))
                results.latencies.append((name, *measured))
    return results


def main() -> int:
    # The engine's in-process times are taken on the allocator kg serve's processes use.
    restart_with_jemalloc()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=SCALES, default="60k", help="graph to serve")
    parser.add_argument(
        "--builds",
        default="seed,60k",
        type=lambda text: [s for s in text.split(",") if s],
        help="scales to time `kg build` at, comma-separated (seed, 60k, 600k, 3m)",
    )
    parser.add_argument("--seconds", type=float, default=5, help="length of each wrk run")
    parser.add_argument(
        "--longest", type=float, default=30, help="longest run, for the slowest queries"
    )
    parser.add_argument(
        "--per-connection",
        type=int,
        default=20,
        help="requests each connection should complete in a run; slow queries run longer",
    )
    parser.add_argument("--warmup", type=float, default=1, help="warm-up before each workload")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs per server and workload (the median is kept)"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--latency", action="store_true", help="stored-query latency table at any scale"
    )
    parser.add_argument("--no-readme", action="store_true", help="leave the README alone")
    parser.add_argument(
        "--only", default="", help="run only the workloads whose name holds this text"
    )
    args = parser.parse_args()
    unknown = [s for s in args.builds if s not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s): {', '.join(unknown)}")
    results = run(args)
    page = render(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{args.scale}.md"
    out.write_text(page, encoding="utf-8")
    print(f"wrote {out.relative_to(HOME)}")
    if not args.no_readme:
        # The README's section sits under a level-2 heading: demote the page's headings.
        section = "\n".join(
            "##" + line if line.startswith("#") else line for line in page.splitlines()
        )
        if update_readme(HOME / "README.md", section + "\n"):
            print("updated README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
