"""``kg serve`` runs several HTTP processes that share the store, and stops cleanly."""

from __future__ import annotations

import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.serve.allocator import allocator_in_use, jemalloc_library
from kg.serve.settings import Settings
from kg.store import Build

from .conftest import SERVER_PIDS, running_server
from .test_endpoint_safety import _children, _query_workers

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="reads processes from Linux /proc"
)


def _store_files_open(pid: int, store: Path) -> bool:
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir():
        try:
            if str(fd.readlink()).startswith(str(store)):
                return True
        except OSError:
            continue
    return False


def _ask(base: str) -> int:
    url = f"{base}/sparql?{urllib.parse.urlencode({'query': 'ASK { ?s ?p ?o }'})}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


def test_default_is_one_http_process_per_core() -> None:
    import os

    assert Settings().http_workers == (os.cpu_count() or 1)


def test_http_processes_each_have_query_workers_on_one_store(build: Build, layout, tmp_path):
    settings = {"http_workers": "2", "query_workers": "1", "memory_quads": "0"}
    with running_server(layout, tmp_path, [], settings) as base:
        http_processes = _children(SERVER_PIDS[base])
        with_workers = [pid for pid in http_processes if _query_workers(pid)]
        assert len(with_workers) == 2
        assert all(_ask(base) == 200 for _ in range(20))
        # Every query worker reads the same store files (shared through the page
        # cache), not a copy of its own.
        store = (layout.current / "store").resolve()
        workers = [w for pid in with_workers for w in _query_workers(pid)]
        assert len(workers) == 2
        assert all(_store_files_open(w, store) for w in workers)
    log = next(tmp_path.glob("server-*.log")).read_text()
    # Regression: forked HTTP processes crashed (SIGSEGV) while exiting.
    assert "SIGSEGV" not in log and "Traceback" not in log


def test_one_http_process_is_one_process_with_its_query_workers(build: Build, layout, tmp_path):
    settings = {"http_workers": "1", "query_workers": "2"}
    with running_server(layout, tmp_path, [], settings) as base:
        assert _ask(base) == 200
        http_processes = [p for p in _children(SERVER_PIDS[base]) if _query_workers(p)]
        assert len(http_processes) == 1
        assert len(_query_workers(http_processes[0])) == 2


def test_a_small_store_is_copied_into_each_query_workers_memory(build: Build, layout, tmp_path):
    settings = {"http_workers": "1", "query_workers": "2"}  # the seed graph is under the default
    with running_server(layout, tmp_path, [], settings) as base:
        assert _ask(base) == 200
        store = (layout.current / "store").resolve()
        workers = _query_workers(SERVER_PIDS[base])
        assert len(workers) == 2
        assert not any(_store_files_open(w, store) for w in workers)


@pytest.mark.skipif(
    jemalloc_library() is None, reason="the system has no jemalloc (Debian: libjemalloc2)"
)
@pytest.mark.parametrize("setting", ["1", "0"])
def test_every_server_process_runs_on_jemalloc_unless_it_is_turned_off(
    build: Build, layout, tmp_path, setting: str
) -> None:
    settings = {"http_workers": "1", "query_workers": "2", "jemalloc": setting}
    with running_server(layout, tmp_path, [], settings) as base:
        assert _ask(base) == 200
        main = SERVER_PIDS[base]
        http_processes = [p for p in _children(main) if _query_workers(p)]
        processes = [main, *http_processes, *_query_workers(http_processes[0])]
        assert len(processes) == 4
        allocators = {allocator_in_use(Path(f"/proc/{pid}/maps")) for pid in processes}
    expected = "jemalloc" if setting == "1" else "system"
    assert allocators == {expected}
    log = next(tmp_path.glob("server-*.log")).read_text()
    assert f"{expected} allocator" in log
