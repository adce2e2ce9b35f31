"""The benchmark runner's parts: wrk's report, the servers it compares, the results page."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.load import Load, LoadError, drive, median_run, parse_report, run_seconds
from bench.measure import engine_milliseconds, http_milliseconds
from bench.report import (
    README_END,
    README_START,
    Comparison,
    Overhead,
    Results,
    render,
    update_readme,
)
from bench.run import lookup_queries, refresh_project, server_allocator, turn_order
from bench.servers import (
    Server,
    child_environment,
    engine_alone_server,
    oxigraph_server,
    settle,
)
from kg.serve.allocator import jemalloc_library
from kg.store import Build


def _load(per_second: float, errors: int = 0) -> Load:
    return Load(int(per_second * 5), 5.0, 1.0, 3.0, errors, 0)


def test_the_median_run_is_kept_with_every_runs_errors() -> None:
    runs = [_load(300), _load(100, errors=2), _load(200)]
    kept = median_run(runs)
    assert kept.per_second == 200 and kept.errors == 2 and not kept.clean
    assert median_run([_load(100), _load(400)]).per_second == 100  # the lower middle one
    assert median_run([_load(50)]) == _load(50)
    by_p99 = [Load(10, 1.0, 1.0, p99, 0, 0) for p99 in (9.0, 30.0, 2.0)]
    assert median_run(by_p99, by=lambda run: run.p99_ms).p99_ms == 9.0


def test_slow_workloads_run_longer_so_that_enough_requests_complete() -> None:
    # The slowest server decides, as runs of one workload last alike for every server.
    assert run_seconds([_load(5000), _load(3000)], 5, 30, 160) == 5
    assert run_seconds([_load(5000), _load(16)], 5, 30, 160) == 10
    assert run_seconds([_load(5000), _load(1)], 5, 30, 160) == 30  # no longer than longest
    nothing_completed = Load(0, 1.0, 0.0, 0.0, 0, 0)
    assert run_seconds([_load(5000), nothing_completed], 5, 30, 160) == 30


def test_parse_report_reads_the_json_line_after_other_output() -> None:
    output = 'Running 1s test\n{"requests": 120, "seconds": 2.0, "p50_us": 1500, ' + (
        '"p99_us": 9000, "mean_us": 1600.0, "errors": 1, "non_2xx": 2}\n'
    )
    load = parse_report(output)
    assert load.per_second == 60 and load.p50_ms == 1.5 and load.p99_ms == 9.0
    assert not load.clean
    with pytest.raises(LoadError):
        parse_report("Running 1s test\nunable to connect\n")


def test_results_page_gives_ratios_and_says_which_aims_are_met() -> None:
    results = Results(scale="60k", triples=80_000, settings="wrk", command="python -m bench.run")
    results.allocators = "kg serve jemalloc, Oxigraph server system"
    results.comparisons = [
        Comparison("lookups", 0.5, _load(1000), _load(600)),
        Comparison("aggregates", 0.9, _load(100), _load(50, errors=3)),
    ]
    results.comparisons.append(
        Comparison("lookups, floor", None, _load(1000), _load(600), alone=_load(800))
    )
    results.overheads = [Overhead("lookups", 0.2, 1.2, 0.3), Overhead("ask", 0.1, 0.5, 0.2, 0.3)]
    page = render(results)
    lines = page.splitlines()
    lookups = next(line for line in lines if line.startswith("| lookups |"))
    assert "0.60x" in lookups and "met" in lookups and "not met" not in lookups
    aggregates = next(line for line in lines if line.startswith("| aggregates |"))
    assert "0.50x" in aggregates and "**not met**" in aggregates and "3 failed" in aggregates
    assert "| lookups | 0.20 | 1.20 | 1.00 | 0.30 |  |" in page
    floor = next(line for line in lines if line.startswith("| lookups, floor |"))
    assert floor.endswith("| 0.60x |  | 800 (1.00 / 3.00), 0.80x |")  # no aim for the floor
    assert "| ask | 0.10 | 0.50 | 0.40 | 0.20 | 0.30 |" in page
    assert "cores" in page  # the machine is described
    assert "- Allocators: kg serve jemalloc, Oxigraph server system" in page


@pytest.mark.parametrize(
    ("preloaded", "left"),
    [
        ("libjemalloc.so.2", None),
        ("libfoo.so:/usr/lib/libjemalloc.so.2 libbar.so", "libfoo.so:libbar.so"),
    ],
)
def test_servers_start_without_the_benchmarks_own_allocator(
    monkeypatch: pytest.MonkeyPatch, preloaded: str, left: str | None
) -> None:
    monkeypatch.setenv("LD_PRELOAD", preloaded)
    monkeypatch.setenv("KG_HOME", "/elsewhere")
    environment = child_environment()
    assert environment.get("LD_PRELOAD") == left
    assert "KG_HOME" not in environment


def test_readme_section_is_replaced_between_its_markers(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{README_START}\nold table\n{README_END}\nrest\n")
    assert update_readme(readme, "new table\n")
    text = readme.read_text()
    assert "new table" in text and "old table" not in text and text.endswith("rest\n")
    readme.write_text("no markers\n")
    assert not update_readme(readme, "new table\n")


def _select(server: Server, query: str) -> list:
    url = server.base_url + server.query_url_path(query)
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        rows = json.load(response)["results"]["bindings"]
    return sorted(json.dumps(row, sort_keys=True) for row in rows)


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is installed by `make test`")
def test_both_servers_answer_the_same_lookups_under_wrk(build: Build, plain_server: str) -> None:
    store = build.path / "store"
    lookups = lookup_queries(store, count=5)
    assert len(lookups) == 5 and len(set(lookups)) == 5
    ours = Server("kg serve", plain_server, "/sparql", None, 0.0)  # type: ignore[arg-type]
    with oxigraph_server(store) as theirs, engine_alone_server(store) as alone:
        assert theirs.startup_seconds > 0 and alone.startup_seconds > 0
        for query in lookups:
            assert _select(theirs, query) == _select(ours, query) == _select(alone, query) != []
        for server in (theirs, ours, alone):
            paths = [server.query_url_path(q) for q in lookups]
            load = drive(server.base_url, paths, seconds=1, connections=2)
            assert load.requests > 0 and load.clean
            assert http_milliseconds(server, lookups[:2], rounds=1) > 0
    assert engine_milliseconds(store, lookups[:2], rounds=1) > 0


def test_settle_waits_while_queries_left_by_a_load_still_run(server: str) -> None:
    ours = Server("kg serve", server, "/sparql", None, 0.0)  # type: ignore[arg-type]
    runaway = ours.query_url_path("SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    stop = threading.Event()

    def keep_busy() -> None:
        # Again as soon as one ends: connections go to either HTTP process, and each
        # process's workers must stay held until settle gives up.
        while not stop.is_set():
            _get_quietly(server + runaway)

    threads = [threading.Thread(target=keep_busy) for _ in range(8)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)  # every query worker is now held until the deadline
        assert settle(ours, limit=0.5) >= 0.5  # never quiet: it waited the whole limit
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def _get_quietly(url: str) -> None:
    with contextlib.suppress(OSError):
        urllib.request.urlopen(url, timeout=30).read()


def test_a_generated_project_gets_the_repositorys_current_queries_and_shapes(
    tmp_path: Path,
) -> None:
    from .conftest import HOME

    stale = tmp_path / "queries"
    stale.mkdir()
    (stale / "regions.rq").write_text("SELECT * { ?old ?query ?text }", encoding="utf-8")
    (stale / "dropped.rq").write_text("ASK {}", encoding="utf-8")
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "shapes.ttl").write_text("# stale shapes\n", encoding="utf-8")
    refresh_project(tmp_path)
    names = sorted(p.name for p in stale.glob("*.rq"))
    assert names == sorted(p.name for p in (HOME / "queries").glob("*.rq"))
    assert (stale / "regions.rq").read_bytes() == (HOME / "queries" / "regions.rq").read_bytes()
    shapes = HOME / "ontology" / "shapes.ttl"
    assert (tmp_path / "ontology" / "shapes.ttl").read_bytes() == shapes.read_bytes()


def test_a_build_that_writes_a_long_report_is_measured_not_stuck(tmp_path: Path) -> None:
    # Regression: the report went to a pipe nobody read until the build ended; 490
    # warnings at 3M triples filled it and the build waited forever.
    import sys

    from bench.measure import measure_build

    chatty = [
        sys.executable,
        "-c",
        "import sys; sys.stderr.write('warning: x\\n' * 50_000); sys.exit(3)",
    ]
    runs = []
    worker = threading.Thread(target=lambda: runs.append(measure_build(tmp_path, "x", chatty)))
    worker.start()
    worker.join(120)  # a guard against hanging the suite, not a speed limit
    assert runs, "measure_build did not return"
    assert not runs[0].ok


@pytest.mark.parametrize("servers", [2, 3])
def test_each_server_goes_first_in_turn_and_every_turn_has_them_all(servers: int) -> None:
    turns = [turn_order(servers, turn) for turn in range(servers)]
    assert all(sorted(order) == list(range(servers)) for order in turns)
    assert sorted(order[0] for order in turns) == list(range(servers))
    assert turn_order(2, 0) == [0, 1] and turn_order(2, 1) == [1, 0]  # alternating, as before


def test_the_engine_alone_runs_as_kg_serve_does_and_explains_a_bad_query(build: Build) -> None:
    store = build.path / "store"
    with engine_alone_server(store) as alone:
        assert server_allocator(alone) == ("jemalloc" if jemalloc_library() else "system")
        bad = alone.base_url + alone.query_url_path("SELECT nothing")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(bad, timeout=10)
        assert refused.value.code == 400 and b"error" in refused.value.read()


def test_the_allocator_benchmark_runs_both_allocators(tmp_path) -> None:
    """bench/allocator.py: a worker on each allocator, each really on it, one row per
    stored query."""
    import subprocess
    import sys

    assert jemalloc_library(), "libjemalloc2 is missing: 'make test' installs it"
    out = tmp_path / "allocator.md"
    command = [sys.executable, "-m", "bench.allocator", "--scale", "seed", "--rounds", "1"]
    done = subprocess.run(
        [*command, "--out", str(out)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in out.read_text().splitlines() if line.startswith("| `")]
    queries = sorted(p.stem for p in (Path(__file__).parent.parent / "queries").glob("*.rq"))
    assert [row.split("`")[1] for row in rows] == queries
    for row in rows:
        system, jemalloc = (float(cell) for cell in row.split("|")[2:4])
        assert system > 0 and jemalloc > 0
