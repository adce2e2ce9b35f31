"""The allocator kg serve runs on: jemalloc against the C library's, side by side in one run.

    python -m bench.allocator                 # the 60k graph
    python -m bench.allocator --scale seed --rounds 30

``kg serve`` starts its processes with jemalloc preloaded where the system has it
(:mod:`kg.serve.allocator`), a speed layer that stays only while this shows its gain.
Two worker processes open the same store read-only, as the query workers do, one
started with jemalloc in ``LD_PRELOAD`` and one without. Each runs every stored query
with its default parameters through the query workers' own code
(:func:`kg.serve.worker.run_job`, answers written as SPARQL JSON) once to warm up, then
they take turns, a round each, so that drift hits both alike. Each figure is the
median over rounds; writes ``bench/results/allocator-<scale>.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.report import write_page
from bench.run import RESULTS, SCALES, current_store, project
from kg.queries import stored_queries
from kg.serve.allocator import allocator_in_use, jemalloc_library, preloads


def worker(store_path: str, queries_dir: str) -> None:
    """Answer each line ``round`` on stdin with one JSON line: seconds per stored query."""
    from kg.serve.worker import Job, open_store, run_job

    store = open_store(store_path)
    queries = stored_queries(Path(queries_dir))
    jobs = {
        name: Job(
            query.text,
            "SELECT",
            "json",
            1_000_000,
            substitutions=tuple(query.substitutions({}).items()),
        )
        for name, query in sorted(queries.items())
    }

    def one_round() -> dict[str, float]:
        seconds = {}
        for name, job in jobs.items():
            started = time.perf_counter()
            answer = run_job(store, job)
            seconds[name] = time.perf_counter() - started
            if not answer.ok:
                raise RuntimeError(f"{name}: {answer.message}")
        return seconds

    one_round()
    print(json.dumps({"allocator": allocator_in_use()}), flush=True)
    for line in sys.stdin:
        if line.strip() == "round":
            print(json.dumps(one_round()), flush=True)


def start(store: Path, queries: Path, preload: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    if preload:
        env["LD_PRELOAD"] = preload
    return subprocess.Popen(
        [sys.executable, "-m", "bench.allocator", "--worker", str(store), str(queries)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )


def ask(process: subprocess.Popen, line: str | None = None) -> dict:
    assert process.stdin is not None and process.stdout is not None
    if line is not None:
        process.stdin.write(line + "\n")
        process.stdin.flush()
    answer = process.stdout.readline()
    if not answer:
        raise RuntimeError("a worker stopped")
    return json.loads(answer)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="60k", choices=sorted(SCALES))
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--out", type=Path, help="default: bench/results/allocator-SCALE.md")
    parser.add_argument("--worker", nargs=2, metavar=("STORE", "QUERIES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0
    library = jemalloc_library()
    if library is None:
        print("the system has no jemalloc (Debian: libjemalloc2): nothing to compare")
        return 1
    if preloads(os.environ):
        print("run this without LD_PRELOAD: it starts each worker with its own")
        return 1
    home = project(args.scale)
    store = current_store(home)
    workers = {"system": start(store, home / "queries", None)}
    workers["jemalloc"] = start(store, home / "queries", library)
    try:
        for name, process in workers.items():
            running = ask(process)["allocator"]
            assert running == name, f"the {name} worker runs on {running}"
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in workers}
        for turn in range(args.rounds):
            order = list(workers) if turn % 2 == 0 else list(reversed(workers))
            for name in order:
                rounds[name].append(ask(workers[name], "round"))
    finally:
        for process in workers.values():
            process.kill()
            process.wait()
    names = sorted(rounds["system"][0])
    lines = [
        f"# The allocator under the engine, {args.scale} graph",
        "",
        f"- Command: `python -m bench.allocator --scale {args.scale} --rounds {args.rounds}`",
        "- Two query-worker processes on the same store, one on the C library's allocator,",
        "  one with jemalloc preloaded, taking turns; each figure is the median over",
        f"  {args.rounds} rounds, in milliseconds. Ratio: the C library's time over jemalloc's.",
        "",
        "| stored query | C library (ms) | jemalloc (ms) | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name in ["all", *names]:

        def median(allocator: str, name: str = name) -> float:
            per_round = [sum(r.values()) if name == "all" else r[name] for r in rounds[allocator]]
            return statistics.median(per_round) * 1000

        system, jemalloc = median("system"), median("jemalloc")
        label = f"all {len(names)}, one after another" if name == "all" else f"`{name}`"
        lines.append(f"| {label} | {system:.1f} | {jemalloc:.1f} | {system / jemalloc:.2f}x |")
    out = args.out or RESULTS / f"allocator-{args.scale}.md"
    write_page(out, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
