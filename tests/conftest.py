"""Shared fixtures: one real build of the project, made once per test session in a
temporary folder, and copies of the project that tests may break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.build import build_graph
from kg.layout import Layout
from kg.store import Build

HOME = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Layout:
    """The project itself, building into a temporary folder."""
    return Layout(home=HOME, build_root=tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="session")
def build(layout: Layout) -> Build:
    """The project's graph, built once for the whole session."""
    build_graph(layout)
    return Build.open(layout.current)


@pytest.fixture
def project_copy(tmp_path: Path) -> Layout:
    """A copy of the project's inputs that a test may change; builds go beside it."""
    home = tmp_path / "project"
    for folder in ("ontology", "graph", "seeds", "queries"):
        shutil.copytree(HOME / folder, home / folder)
    return Layout(home=home, build_root=tmp_path / "var")


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a copied source file; fail loudly if the text to change is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


W3C = Path(__file__).resolve().parent / "w3c"
# The graphs the W3C protocol tests expect the endpoint to hold (their manifest's
# ut:graphData): each file as the named graph the tests query.
W3C_GRAPHS = {f"data{n}.nt": f"http://kasei.us/2009/09/sparql/data/data{n}.rdf" for n in (1, 2, 3)}
SERVER_PIDS: dict[str, int] = {}  # base URL -> process id of the server
SERVER_SETTINGS = {
    "query_timeout": "2",
    "max_rows": "1000",
    "query_workers": "2",
    "worker_wait": "5",
}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def server(build: Build, layout: Layout, tmp_path_factory: pytest.TempPathFactory):
    """The real ``kg serve`` on a loopback port, with the W3C test graphs beside the build.

    Yields the base URL (``http://127.0.0.1:PORT``).
    """
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from rdflib import Dataset, URIRef

    folder = tmp_path_factory.mktemp("w3c")
    dataset = Dataset()
    for name, graph in W3C_GRAPHS.items():
        dataset.graph(URIRef(graph)).parse(W3C / "protocol" / name, format="nt")
    extra = folder / "w3c-protocol-graphs.nq"
    dataset.serialize(extra, format="nquads")

    port = _free_port()
    kg = Path(sys.executable).with_name("kg")
    command = [str(kg), "--home", str(HOME), "serve", "--port", str(port)]
    for name, value in SERVER_SETTINGS.items():
        command += ["--setting", name, value]
    command.append(str(extra))
    env = dict(os.environ, KG_BUILD_DIR=str(layout.build_root))
    log = (folder / "server.log").open("w")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/sparql", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((folder / "server.log").read_text()) from None
            time.sleep(0.2)
    SERVER_PIDS[base] = process.pid
    yield base
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()
