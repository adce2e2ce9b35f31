"""Measurements that need no load generator: builds, in-process engine time, one client."""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.servers import KG, Server, child_environment
from kg.serve.worker import Job, open_store, run_job


@dataclass
class BuildRun:
    scale: str
    triples: int  # quads in the build: ontology, asserted and inferred
    wall_seconds: float
    peak_rss_mb: float
    steps: dict[str, float]
    ok: bool
    message: str = ""


def measure_build(home: Path, scale: str, command: list[str] | None = None) -> BuildRun:
    """``kg build`` of the project at ``home`` in a child process: steps, wall time, peak RSS.

    ``command`` replaces ``kg build`` (tests use it).
    """
    started = time.monotonic()
    # Its report goes to a file, not a pipe: wait4 below does not read, and a build with
    # many warnings filled the pipe and waited on it forever.
    with tempfile.TemporaryFile() as report:
        process = subprocess.Popen(
            command or [str(KG), "--home", str(home), "build"],
            stdout=subprocess.DEVNULL,
            stderr=report,
            env=child_environment(),
        )
        # wait4 gives this child's own resource use, peak memory included.
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.monotonic() - started
        report.seek(0)
        error = report.read().decode(errors="replace")
    process.returncode = os.waitstatus_to_exitcode(status)
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    if process.returncode != 0:
        lines = [line for line in error.splitlines() if "warning" not in line]
        return BuildRun(scale, 0, wall, peak_mb, {}, False, "\n".join(lines[-5:]))
    manifest = json.loads((home / "var" / "current" / "manifest.json").read_text())
    steps = {t["step"]: t["seconds"] for t in manifest["timings"]}
    return BuildRun(scale, sum(manifest["triples"].values()), wall, peak_mb, steps, True)


def engine_milliseconds(
    store_path: Path, queries: list[str], rounds: int = 5, in_memory: bool = False
) -> float:
    """Median time of the engine alone (query and JSON results, no HTTP), per query.

    ``in_memory``: on a copy of the store in memory, as kg serve's workers hold a small one.
    """
    store = open_store(str(store_path), in_memory)
    times = []
    for _ in range(rounds):
        for query in queries:
            job = Job(query=query, form="SELECT", format_key="json", max_rows=10_000)
            started = time.perf_counter()
            answer = run_job(store, job)
            times.append(time.perf_counter() - started)
            if not answer.ok:
                raise RuntimeError(f"the engine refused a benchmark query: {answer.message}")
    return statistics.median(times) * 1000


def http_milliseconds(server: Server, queries: list[str], rounds: int = 5) -> float:
    """Median time of one client's requests, one after another on a kept-alive connection."""
    host, port = server.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Accept": "application/sparql-results+json"}
    times = []
    try:
        for _ in range(rounds):
            for query in queries:
                started = time.perf_counter()
                connection.request("GET", server.query_url_path(query), headers=headers)
                response = connection.getresponse()
                response.read()
                times.append(time.perf_counter() - started)
                if response.status != 200:
                    raise RuntimeError(f"{server.name} answered {response.status}")
    finally:
        connection.close()
    return statistics.median(times) * 1000
