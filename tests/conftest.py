"""Shared fixtures: one real build of the project, made once per test session in a
temporary folder, and copies of the project that tests may break on purpose."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kg.build import build_graph
from kg.layout import Layout
from kg.store import Build

HOME = Path(__file__).resolve().parents[1]

# Tests that start real servers, browsers or load generators are marked "slow", by the
# fixtures they use or the module they are in: ``pytest -m "not slow"`` runs the rest.
SLOW_FIXTURES = {"server", "plain_server", "browser", "page", "eval_server", "listener"}
SLOW_MODULES = {"test_faults", "test_bench_run", "test_bench_generate", "test_resource_bounds"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        module = getattr(item, "module", None)
        module = module.__name__.rsplit(".", 1)[-1] if module is not None else ""
        if fixtures & SLOW_FIXTURES or module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def wait_until(condition, limit: float = 60, what: str = "the condition") -> None:
    """Wait until ``condition()`` holds: a readiness wait, not a timing check (``limit``
    only keeps a broken test from hanging)."""
    import time

    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"waited {limit:g} s for {what}"
        time.sleep(0.02)


def with_known_failures(tests: list, known: dict[str, str]) -> list:
    """``tests`` as pytest parameters, each named in ``known`` a strict expected failure
    with its cause (one that starts to pass is reported)."""
    return [
        pytest.param(t, marks=pytest.mark.xfail(reason=known[t.name], strict=True), id=t.name)
        if t.name in known
        else pytest.param(t, id=t.name)
        for t in tests
    ]


@pytest.fixture(scope="session")
def app(build: Build):
    """The application in process, over the session's build (no HTTP server)."""
    from kg.serve import create_app
    from kg.serve.settings import Settings

    made = create_app(Settings(query_workers=1, query_timeout=5), store_path=build.path / "store")
    yield made
    made.extensions["kg"].engine.close()


@pytest.fixture
def client(app):
    """A test client of :func:`app`."""
    return app.test_client()


@pytest.fixture
def runner():
    """Runs the ``kg`` command in process."""
    from click.testing import CliRunner

    return CliRunner()


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
    "read_timeout": "1",
}


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(
    layout: Layout, folder: Path, extra: list[Path], settings: dict[str, str]
) -> Iterator[str]:
    """``kg serve`` on a free loopback port until the block ends; gives its base URL."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    port = _free_port()
    kg = Path(sys.executable).with_name("kg")
    command = [str(kg), "--home", str(HOME), "serve", "--port", str(port)]
    for name, value in settings.items():
        command += ["--setting", name, value]
    command += [str(path) for path in extra]
    env = dict(os.environ, KG_BUILD_DIR=str(layout.build_root))
    log_path = folder / f"server-{port}.log"
    log = log_path.open("w")
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
                raise RuntimeError(log_path.read_text()) from None
            time.sleep(0.2)
    SERVER_PIDS[base] = process.pid
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def server(build: Build, layout: Layout, tmp_path_factory: pytest.TempPathFactory):
    """The real ``kg serve`` on a loopback port, with the W3C test graphs beside the build.

    Yields the base URL (``http://127.0.0.1:PORT``).
    """
    from rdflib import Dataset, URIRef

    folder = tmp_path_factory.mktemp("w3c")
    dataset = Dataset()
    for name, graph in W3C_GRAPHS.items():
        dataset.graph(URIRef(graph)).parse(W3C / "protocol" / name, format="nt")
    extra = folder / "w3c-protocol-graphs.nq"
    dataset.serialize(extra, format="nquads")
    with running_server(layout, folder, [extra], SERVER_SETTINGS) as base:
        yield base


@pytest.fixture(scope="session")
def plain_server(build: Build, layout: Layout, tmp_path_factory: pytest.TempPathFactory):
    """``kg serve`` on the build alone, with default settings: what a researcher runs."""
    with running_server(layout, tmp_path_factory.mktemp("plain"), [], {}) as base:
        yield base


# --------------------------------------------------------------------------- browser

ARTIFACTS = HOME / "test-artifacts"
# Debian's Chromium, headless, with nothing of its own that reaches the network.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_executable() -> str:
    import os

    path = os.environ.get("KG_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "the browser tests need Debian's chromium (apt-get install chromium), "
            "or KG_CHROMIUM set to a Chromium executable"
        )
    return path


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_executable(), args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


class PageLog:
    """What a page did that a test may want to assert on."""

    def __init__(self) -> None:
        self.blocked: list[str] = []  # requests to anywhere but the server, refused
        self.errors: list[str] = []  # script errors and console errors


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


def new_tab(browser, base: str, log: PageLog):
    """A tab in a fresh browser context on ``base``; requests to other hosts are refused."""
    context = browser.new_context(
        base_url=base, viewport={"width": 1280, "height": 900}, accept_downloads=True
    )

    def only_the_server(route) -> None:
        url = route.request.url
        if url.startswith(base + "/") or url.startswith("data:"):
            route.continue_()
        else:
            log.blocked.append(url)
            route.abort()

    context.route("**/*", only_the_server)
    tab = context.new_page()
    tab.on("pageerror", lambda error: log.errors.append(str(error)))
    tab.on(
        "console",
        lambda message: log.errors.append(message.text) if message.type == "error" else None,
    )
    return tab


@pytest.fixture
def page(browser, server: str, page_log: PageLog, request: pytest.FixtureRequest):
    """A fresh browser tab on the test server, with every request to another host refused.

    A screenshot of the page as the test left it goes to ``test-artifacts/screenshots/``.
    """
    import re

    tab = new_tab(browser, server, page_log)
    yield tab
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    tab.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    tab.context.close()
