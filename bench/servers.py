"""Start the servers under test on loopback ports, and time how soon they answer."""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import engine_alone
from kg.serve.allocator import JEMALLOC, jemalloc_library, preload_environment, preloads
from kg.serve.settings import Settings

KG = Path(sys.executable).with_name("kg")
OXIGRAPH = Path(sys.executable).with_name("oxigraph")


class ServerError(RuntimeError):
    """A server did not start or stopped answering."""


@dataclass
class Server:
    name: str
    base_url: str
    query_path: str  # where SPARQL queries go: /sparql here, /query on Oxigraph
    process: subprocess.Popen
    startup_seconds: float  # from launch to the first answered query

    def query_url_path(self, query: str) -> str:
        return f"{self.query_path}?{urllib.parse.urlencode({'query': query})}"


def child_environment() -> dict[str, str]:
    """This environment, less what would point a child's ``kg`` at another build, and
    less the allocator this process was started on: Oxigraph server runs as it ships,
    and kg serve chooses its own (its start-up then includes that choice)."""
    environment = {k: v for k, v in os.environ.items() if k not in ("KG_BUILD_DIR", "KG_HOME")}
    kept = [entry for entry in preloads(environment) if JEMALLOC not in Path(entry).name]
    environment.pop("LD_PRELOAD", None)
    if kept:
        environment["LD_PRELOAD"] = ":".join(kept)
    return environment


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _wait_until_answering(name: str, process: subprocess.Popen, url: str, started: float) -> float:
    deadline = started + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"{name} exited with {process.returncode} before answering")
        if _answers(url):
            return time.monotonic() - started
        time.sleep(0.01)
    raise ServerError(f"{name} did not answer within 120 s")


@contextmanager
def _running(
    name: str,
    command: list[str],
    query_path: str,
    port: int,
    environment: dict[str, str] | None = None,
) -> Iterator[Server]:
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its worker processes are stopped with it
        env=environment or child_environment(),
    )
    try:
        probe = f"{base}{query_path}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
        seconds = _wait_until_answering(name, process, probe, started)
        yield Server(name, base, query_path, process, seconds)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def kg_server(home: Path, name: str, settings: dict[str, str]) -> Iterator[Server]:
    """``kg serve`` on the current build of the project at ``home``."""
    port = free_port()
    command = [str(KG), "--home", str(home), "serve", "--port", str(port)]
    for key, value in settings.items():
        command += ["-s", key, value]
    with _running(name, command, "/sparql", port) as server:
        yield server


@contextmanager
def oxigraph_server(store: Path, timeout: float | None = None) -> Iterator[Server]:
    """Oxigraph's own server, read-only on the same store, union default graph like ours.

    ``timeout`` is its deadline per query (``None``: none, its default).
    """
    binary = _oxigraph_binary()
    if not binary:
        raise ServerError("the oxigraph command is missing (pip install -e '.[bench]')")
    port = free_port()
    command = [
        binary,
        "serve-read-only",
        "--location",
        str(store),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    name = "Oxigraph server"
    if timeout is not None:
        command.append(f"--timeout-s={max(1, round(timeout))}")
        name += f", {timeout:g} s deadline"
    with _running(name, command, "/query", port) as server:
        yield server


@contextmanager
def engine_alone_server(store: Path) -> Iterator[Server]:
    """:mod:`bench.engine_alone` on the store, served as kg serve serves its app.

    The same HTTP server (Granian's WSGI interface), the same numbers of processes and
    threads (kg serve's default settings) and the same allocator as kg serve chooses.
    """
    settings = Settings()
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--workers",
        str(settings.http_workers),
        "--blocking-threads",
        str(settings.http_threads),
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-ws",
        f"{engine_alone.__name__}:app",
    ]
    environment = child_environment()
    environment[engine_alone.STORE_VARIABLE] = str(store)
    root = str(Path(__file__).resolve().parent.parent)  # where `bench` is imported from
    environment["PYTHONPATH"] = os.pathsep.join(
        [root, *filter(None, [environment.get("PYTHONPATH")])]
    )
    library = jemalloc_library() if settings.jemalloc else None
    if library:
        environment = preload_environment(environment, library) or environment
    with _running("engine alone on Granian", command, "/sparql", port, environment) as server:
        yield server


def _oxigraph_binary() -> str | None:
    """The ``oxigraph`` command beside this Python (the bench extra), else on PATH."""
    return str(OXIGRAPH) if OXIGRAPH.exists() else shutil.which("oxigraph")


def oxigraph_version() -> str:
    binary = _oxigraph_binary()
    if not binary:
        return "missing"
    run = subprocess.run([str(binary), "--version"], capture_output=True, text=True, check=False)
    return run.stdout.strip()


# Two patterns, so that kg serve hands it to a query worker: it measures the workers'
# backlog, not the inline path. Any graph answers it at its first match.
_PROBE = "ASK { ?s ?p ?o . ?o ?q ?r }"
_PROBES = itertools.count()


def settle(server: Server, quiet_ms: float = 50, rounds: int = 3, limit: float = 30) -> float:
    """Wait until ``server`` has worked off what an earlier load left queued.

    A load generator that stops does not stop the queries it sent: they run on until
    they finish or meet their deadline, and would take CPU from the next run. This
    returns once ``rounds`` probes in a row are each answered within ``quiet_ms``
    (or after ``limit`` seconds), and gives the seconds it waited.
    """
    started = time.monotonic()
    quiet = 0
    while quiet < rounds and time.monotonic() - started < limit:
        # A fresh comment each time, so that no cache answers the probe.
        url = server.base_url + server.query_url_path(f"# {next(_PROBES)}\n{_PROBE}")
        asked = time.monotonic()
        answered = _answers(url)
        quiet = quiet + 1 if answered and (time.monotonic() - asked) * 1000 < quiet_ms else 0
        if not quiet:
            time.sleep(0.2)
    return time.monotonic() - started
