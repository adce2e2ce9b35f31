"""The benchmark's results as a markdown page: the machine, then one table per question."""

from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import Load
from bench.measure import BuildRun

README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


@dataclass
class Comparison:
    """One workload sent to Oxigraph's server and to ours."""

    workload: str
    aim: float | None  # the lowest acceptable ours/Oxigraph throughput ratio
    theirs: Load
    ours: Load
    alone: Load | None = None  # the engine alone behind kg serve's HTTP server

    @property
    def ratio(self) -> float:
        return _ratio(self.ours, self.theirs)

    @property
    def alone_ratio(self) -> float | None:
        return None if self.alone is None else _ratio(self.alone, self.theirs)


def _ratio(load: Load, theirs: Load) -> float:
    return load.per_second / theirs.per_second if theirs.per_second else 0.0


@dataclass
class Overhead:
    workload: str
    engine_ms: float
    ours_http_ms: float
    theirs_http_ms: float
    alone_http_ms: float | None = None


@dataclass
class Results:
    scale: str
    triples: int
    settings: str
    comparisons: list[Comparison] = field(default_factory=list)
    overheads: list[Overhead] = field(default_factory=list)
    latencies: list[tuple[str, Load, Load]] = field(default_factory=list)  # uncached, cached
    startup: dict[str, float] = field(default_factory=dict)
    builds: list[BuildRun] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    allocators: str = ""
    command: str = ""


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def _load(load: Load) -> str:
    flag = "" if load.clean else f" ⚠ {load.errors + load.non_2xx} failed"
    return f"{load.per_second:,.0f} ({load.p50_ms:.2f} / {load.p99_ms:.2f}){flag}"


def _verdict(ratio: float, aim: float | None) -> str:
    if aim is None:
        return ""
    return f"≥ {aim:g}x {'met' if ratio >= aim else '**not met**'}"


def render(results: Results) -> str:
    lines = [
        f"# Benchmark: `kg serve` and Oxigraph server, {results.scale} graph",
        "",
        f"- Machine: {machine()}",
        f"- Graph: {results.triples:,} quads (ontology, asserted, inferred)",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in sorted(results.versions.items()))}",
        f"- Allocators: {results.allocators}",
        f"- Load: {results.settings}",
        f"- Command: `{results.command}`",
        "",
        "The servers run at the same time on the same store, on loopback, and are driven in",
        "turn by the same wrk load. Throughput is requests/s; latency in brackets is",
        "p50 / p99 in ms under that load. Oxigraph server runs as it does by default,",
        "without a deadline (its `--timeout-s` starts a sleeping thread per query, which",
        "exhausts the process at thousands of queries a second); kg serve keeps its 10 s",
        "deadline. Each run starts once every server has worked off the previous run's",
        "queries. The servers take turns, and each one's median run is shown: on a",
        "machine shared with other work, one run can be off by 15%. With its caches off,",
        "kg serve still runs a repeated query that a worker answered within `inline_ms`",
        "in its HTTP process: computed afresh each time, without the round trip to a worker.",
        "",
        "The engine alone (`bench/engine_alone.py`) is a floor, not a contender: a WSGI app",
        "of a few lines that hands each query to pyoxigraph and returns its JSON, with no",
        "checks, negotiation, caches or deadline, served by Granian with kg serve's",
        "processes, threads and allocator. It reads the store from disk, as kg serve does",
        "for a graph over `memory_quads`: there, what separates it from Oxigraph server is",
        "the HTTP server and the Python binding, and what separates kg serve from it is kg",
        "serve. A graph that kg serve holds in memory is answered faster than this floor.",
        "",
        "## Throughput against Oxigraph server",
        "",
        "| workload | Oxigraph server | kg serve | ratio | aim | engine alone on Granian |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for c in results.comparisons:
        alone = "" if c.alone is None else f"{_load(c.alone)}, {c.alone_ratio:.2f}x"
        lines.append(
            f"| {c.workload} | {_load(c.theirs)} | {_load(c.ours)} | "
            f"{c.ratio:.2f}x | {_verdict(c.ratio, c.aim)} | {alone} |"
        )
    if results.overheads:
        lines += [
            "",
            "## Engine time against HTTP time (one client, median ms)",
            "",
            "| workload | engine in-process | kg serve over HTTP | our overhead "
            "| Oxigraph server | engine alone on Granian |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for o in results.overheads:
            alone = "" if o.alone_http_ms is None else f"{o.alone_http_ms:.2f}"
            lines.append(
                f"| {o.workload} | {o.engine_ms:.2f} | {o.ours_http_ms:.2f} | "
                f"{o.ours_http_ms - o.engine_ms:.2f} | {o.theirs_http_ms:.2f} | {alone} |"
            )
    if results.latencies:
        worst = max(load.p99_ms for _, load, _ in results.latencies)
        lines += [
            "",
            "## Stored queries through the API, one client (p50 / p99 ms)",
            "",
            f"Aim: p99 of every stored query under 10 ms. Worst uncached p99: {worst:.2f} ms "
            f"({'met' if worst < 10 else '**not met**'}). Each figure is the run of median "
            "p99 among the rounds.",
            "",
            "| stored query | uncached | cached |",
            "|---|---:|---:|",
        ]
        for name, uncached, cached in results.latencies:
            lines.append(
                f"| {name} | {uncached.p50_ms:.2f} / {uncached.p99_ms:.2f} | "
                f"{cached.p50_ms:.2f} / {cached.p99_ms:.2f} |"
            )
    if results.startup:
        lines += ["", "## Start-up: launch to first answered query", ""]
        for name, seconds in results.startup.items():
            lines.append(f"- {name}: {seconds:.2f} s")
    if results.builds:
        lines += _build_table(results.builds)
    return "\n".join(lines) + "\n"


def _build_table(builds: list[BuildRun]) -> list[str]:
    steps: list[str] = []
    for run in builds:
        steps += [s for s in run.steps if s not in steps]
    lines = [
        "",
        "## `kg build` per scale (seconds per step, peak memory)",
        "",
        "| scale | quads | " + " | ".join(steps) + " | wall | peak RSS |",
        "|---|---:|" + "---:|" * len(steps) + "---:|---:|",
    ]
    for run in builds:
        if not run.ok:
            lines.append(
                f"| {run.scale} | failed: {run.message.splitlines()[-1] if run.message else '?'}"
                + " |" * (len(steps) + 2)
            )
            continue
        cells = [f"{run.steps.get(s, 0):.2f}" for s in steps]
        lines.append(
            f"| {run.scale} | {run.triples:,} | {' | '.join(cells)} | {run.wall_seconds:.1f} | "
            f"{run.peak_rss_mb:,.0f} MB |"
        )
    return lines


def write_page(path: Path, lines: list[str]) -> None:
    """A results page: ``lines`` written to ``path``, ending in one newline, and shown."""
    text = "\n".join(lines).rstrip("\n") + "\n"
    path.write_text(text, encoding="utf-8")
    print(text, end="")


def update_readme(readme: Path, table: str) -> bool:
    """Put ``table`` between the README's benchmark markers; False when they are missing."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return False
    new = text[: start + len(README_START)] + "\n" + table + text[end:]
    readme.write_text(new, encoding="utf-8")
    return True
