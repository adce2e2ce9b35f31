"""Drive an HTTP server with wrk and read back throughput and latency.

wrk is given a list of request paths and cycles through them, so one run can be a
single query repeated or many different lookups. Its Lua ``done`` hook prints the
figures as one JSON line, which is read here instead of wrk's human report.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

_SCRIPT = r"""
local paths = {}
local accept = "application/sparql-results+json"
local index = 0

function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  if args[2] then accept = args[2] end
  -- Threads start at different places in the list, so they do not ask in step.
  index = math.random(#paths) - 1
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index], { ["Accept"] = accept })
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
    '"errors": %d, "non_2xx": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(99), latency.mean,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
"""


class LoadError(RuntimeError):
    """wrk is missing or did not report."""


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # connection errors and timeouts
    non_2xx: int  # answers with another status than 2xx or 3xx

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def clean(self) -> bool:
        return self.errors == 0 and self.non_2xx == 0


def median_run(runs: list[Load], by: Callable[[Load], float] | None = None) -> Load:
    """The run of median throughput, or of median ``by`` (the lower of the two middle ones
    for an even count), with the errors of every run, so that one failed run still shows."""
    ordered = sorted(runs, key=by or (lambda run: run.per_second))
    middle = ordered[(len(ordered) - 1) // 2]
    return replace(
        middle,
        errors=sum(run.errors for run in runs),
        non_2xx=sum(run.non_2xx for run in runs),
    )


def run_seconds(warm_ups: list[Load], shortest: float, longest: float, wanted: int) -> float:
    """How long each run of a workload lasts, from the servers' warm-up runs.

    wrk counts only the requests that complete within a run. At a few a second, the
    ones still running when it stops (up to one per connection) are a large share of
    the count: a run of a 1.5 s query on 8 connections for 5 s completes about 25, give
    or take 8. So a run lasts ``shortest``, or long enough for the slowest server to
    complete ``wanted`` requests, but never more than ``longest``. A server that
    completed none in its warm-up gets ``longest``.

    >>> fast, slow = Load(5000, 1.0, 1, 2, 0, 0), Load(8, 1.0, 900, 990, 0, 0)
    >>> run_seconds([fast, fast], 5, 30, 160), run_seconds([fast, slow], 5, 30, 160)
    (5, 20.0)
    >>> stuck, crawling = Load(0, 1.0, 0, 0, 0, 0), Load(2, 1.0, 1, 1, 0, 0)
    >>> run_seconds([fast, stuck], 5, 30, 160), run_seconds([crawling], 5, 30, 160)
    (30, 30)
    """
    slowest = min(run.per_second for run in warm_ups)
    if slowest <= 0:
        return longest
    return min(longest, max(shortest, wanted / slowest))


def parse_report(output: str) -> Load:
    """The figures of the JSON line that the script's ``done`` hook printed."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{") and '"requests"' in line:
            data = json.loads(line)
            return Load(
                requests=data["requests"],
                seconds=data["seconds"],
                p50_ms=data["p50_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
                errors=data["errors"],
                non_2xx=data["non_2xx"],
            )
    raise LoadError(f"wrk printed no report:\n{output[-2000:]}")


def wrk_version() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise LoadError("wrk is not installed (Debian: apt-get install wrk)")
    run = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    return (run.stdout + run.stderr).split("[")[0].strip() or "wrk"


def drive(
    base_url: str,
    paths: list[str],
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
    accept: str = "application/sparql-results+json",
) -> Load:
    """Send ``paths`` round and round to ``base_url`` for ``seconds``."""
    wrk_version()
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as folder:
        script = Path(folder) / "requests.lua"
        script.write_text(_SCRIPT, encoding="utf-8")
        listing = Path(folder) / "paths.txt"
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        command = [
            "wrk",
            f"--threads={threads}",
            f"--connections={max(connections, threads)}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=30s",
            f"--script={script}",
            base_url,
            "--",
            str(listing),
            accept,
        ]
        run = subprocess.run(command, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise LoadError(f"wrk failed ({run.returncode}): {run.stderr.strip()[-2000:]}")
    return parse_report(run.stdout)
