"""``kg serve --store``: the same server with queries answered by Oxigraph server or
Virtuoso, started on loopback and filled by ``kg publish``. Every stored query gives the
answer the embedded store gives; the guarantees hold; the stores' quirks are undone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kg.cli import main
from kg.layout import Layout
from kg.store import Build

from .conftest import HOME, _free_port, wait_until
from .store_servers import oxigraph_server, virtuoso_server

pytestmark = pytest.mark.slow
QUERIES = sorted(p.stem for p in (HOME / "queries").glob("*.rq"))
JSON = "application/sparql-results+json"


def serve_command(port: int, *args: str, home: Path = HOME) -> list[str]:
    kg = str(Path(sys.executable).with_name("kg"))
    return [kg, "--home", str(home), "serve", "--port", str(port), *args]


@contextmanager
def kg_serve(layout: Layout, *args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = _free_port()
    command = serve_command(port, *args, home=layout.home)
    env = dict(os.environ, KG_BUILD_DIR=str(layout.build_root), **(env or {}))
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(base + "/sparql?query=ASK%7B%7D", timeout=5):
                return True
        except OSError:
            return process.poll() is not None

    try:
        wait_until(ready, what="kg serve --store")
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def serve_at_once(layout: Layout, *args: str) -> subprocess.CompletedProcess:
    """``kg serve`` run to its end, for one that refuses to start (no credentials from
    the environment)."""
    env = {k: v for k, v in os.environ.items() if k != "KG_STORE_READ_AUTH"}
    return subprocess.run(
        serve_command(_free_port(), *args, home=layout.home),
        env=dict(env, KG_BUILD_DIR=str(layout.build_root)),
        capture_output=True,
        text=True,
        timeout=60,
    )


def publish(runner, layout: Layout, url: str, kind: str, *extra: str) -> None:
    done = runner.invoke(
        main,
        ["--home", str(layout.home), "publish", "--to", url, "--kind", kind, *extra],
        env={"KG_BUILD_DIR": str(layout.build_root)},
    )
    assert done.exit_code == 0, done.output


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def served(request, build: Build, layout: Layout, tmp_path_factory) -> Iterator[tuple[str, str]]:
    from click.testing import CliRunner

    kind = request.param
    folder = tmp_path_factory.mktemp(kind)
    start = oxigraph_server if kind == "oxigraph" else virtuoso_server
    with start(folder) as store:
        auth = ("--auth", "dba:dba") if kind == "virtuoso" else ()
        publish(CliRunner(), layout, store, kind, *auth)
        with kg_serve(layout, "--store", store, "--kind", kind) as base:
            yield kind, base


def get(base: str, path: str, accept: str = JSON) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(base + path, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return (
                response.status,
                {k.lower(): v for k, v in response.headers.items()},
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def rows(body: bytes) -> tuple[list[str], Counter]:
    """Variables, and the rows as a multiset (ties in ORDER BY may fall either way).

    SPARQL leaves the order of GROUP_CONCAT's parts to the engine: a value joined by
    spaces or commas is compared with its parts sorted (on both sides alike)."""
    document = json.loads(body)
    variables = document["head"]["vars"]

    def canonical(term: dict) -> dict:
        value = term.get("value", "")
        separator = ", " if ", " in value else " "
        parts = value.split(separator)
        if term.get("type") == "literal" and len(parts) > 1:
            return {**term, "value": separator.join(sorted(parts))}
        return term

    found = Counter(
        json.dumps({k: canonical(b[k]) for k in sorted(b)}, sort_keys=True)
        for b in document["results"]["bindings"]
    )
    return variables, found


# Where a store answers otherwise than the embedded store, and why: (kind, query) ->
# reason, each a strict expected failure (one that starts to pass is reported).
KNOWN: dict[tuple[str, str], str] = {}


@pytest.mark.parametrize("name", QUERIES)
def test_every_stored_query_answers_as_the_embedded_store(
    served, plain_server, name, request
) -> None:
    kind, base = served
    if (kind, name) in KNOWN:
        request.applymarker(pytest.mark.xfail(reason=KNOWN[kind, name], strict=True))
    status, _, body = get(base, f"/api/queries/{name}")
    assert status == 200, body[:300]
    _, _, expected = get(plain_server, f"/api/queries/{name}")
    assert rows(body) == rows(expected), f"{name} through {kind}"


def test_the_guarantees_hold_through_the_store(served, plain_server) -> None:
    _, base = served
    update = urllib.parse.urlencode({"update": "CLEAR ALL"}).encode()
    request = urllib.request.Request(
        base + "/sparql",
        data=update,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    status, _, body = get(base, "/sparql?" + urllib.parse.urlencode({"query": service}))
    assert status == 400 and b"SERVICE is not allowed" in body
    # The same bytes as the embedded store for a SELECT with labels, as CSV.
    query = "SELECT ?r ?code WHERE { ?r a lgde:Province ; skos:notation ?code } ORDER BY ?r"
    path = "/sparql?" + urllib.parse.urlencode({"query": query, "labels": "on"})
    assert get(base, path, "text/csv")[2] == get(plain_server, path, "text/csv")[2]
    # ASK, and a CONSTRUCT as the same set of triples.
    ask = "/sparql?" + urllib.parse.urlencode({"query": "ASK { region:hubei a lgde:Province }"})
    assert json.loads(get(base, ask)[2])["boolean"] is True
    construct = "CONSTRUCT { ?r rdfs:label ?l } WHERE { ?r a lgde:Province ; rdfs:label ?l }"
    path = "/sparql?" + urllib.parse.urlencode({"query": construct})
    theirs = set(get(base, path, "application/n-triples")[2].splitlines())
    ours = set(get(plain_server, path, "application/n-triples")[2].splitlines())
    assert theirs == ours and ours


def test_quirks_are_undone(served, plain_server) -> None:
    """Virtuoso answers 1 for true, 120 for P10Y and "typed-literal": clients see the
    standard terms, as from the embedded store."""
    _, base = served
    query = (
        "SELECT ?direct ?span WHERE { quote:tao-changhai-big-data lgde:isDirect ?direct . "
        "target:guangdong-basic-research-fund-share lgde:timeframe ?span }"
    )
    path = "/sparql?" + urllib.parse.urlencode({"query": query})
    assert get(base, path)[2] == get(plain_server, path)[2]
    (row,) = json.loads(get(base, path)[2])["results"]["bindings"]
    assert (row["direct"]["value"], row["span"]["value"]) == ("true", "P10Y")


def test_pages_are_served_from_the_store(served) -> None:
    _, base = served
    status, _, body = get(base, "/id/region/guizhou", "text/html")
    assert status == 200
    assert body.count(b'class="mark"') == 11  # the timeline, as the embedded store gives


def test_a_store_without_this_build_is_refused(tmp_path, layout: Layout, build: Build) -> None:
    with oxigraph_server(tmp_path / "empty") as store:
        done = serve_at_once(layout, "--store", store)
    assert done.returncode == 1
    assert "holds no build of this project" in done.stderr
    assert "run kg publish --to" in done.stderr


def test_a_silently_capped_answer_says_it_is_truncated(tmp_path, runner, layout, build) -> None:
    with virtuoso_server(tmp_path / "capped", max_rows=50) as store:
        publish(runner, layout, store, "virtuoso", "--auth", "dba:dba")
        with kg_serve(
            layout, "--store", store, "--kind", "virtuoso", "-s", "store_row_cap", "50"
        ) as base:
            query = "SELECT ?s WHERE { ?s a lgde:Fact }"
            status, headers, body = get(base, "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == 50  # Virtuoso's cap
    assert headers.get("x-result-truncated") == "true"


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_a_query_past_the_deadline_is_a_503_not_a_partial_200(
    tmp_path, runner, layout, build, kind
):
    start = oxigraph_server if kind == "oxigraph" else virtuoso_server
    with start(tmp_path / kind) as store:
        auth = ("--auth", "dba:dba") if kind == "virtuoso" else ()
        publish(runner, layout, store, kind, *auth)
        with kg_serve(layout, "--store", store, "--kind", kind, "-s", "query_timeout", "1") as base:
            heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
            status, _, body = get(base, "/sparql?" + urllib.parse.urlencode({"query": heavy}))
    assert status == 503, body[:300]
    assert b"ran longer than" in body


def test_the_store_s_own_deadline_is_a_503_too(tmp_path, runner, layout, build) -> None:
    # Regression: Oxigraph server stopping a query at its --timeout-s answered 500, which
    # this server passed on as 502 ("the store failed"), not as the deadline it is.
    with oxigraph_server(tmp_path / "short", timeout=1) as store:
        publish(runner, layout, store, "oxigraph")
        with kg_serve(layout, "--store", store, "-s", "query_timeout", "30") as base:
            heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
            status, _, body = get(base, "/sparql?" + urllib.parse.urlencode({"query": heavy}))
    assert status == 503, body[:300]
    assert b"ran longer than" in body


def test_once_the_store_holds_another_build_queries_get_503(
    tmp_path, runner, project_copy: Layout
) -> None:
    from kg.build import build_graph
    from kg.releases import inputs_digest

    from .conftest import replace_in

    first = build_graph(project_copy)
    with oxigraph_server(tmp_path / "store") as store:
        publish(runner, project_copy, store, "oxigraph")
        with kg_serve(project_copy, "--store", store, "-s", "store_check", "0") as base:
            asked = "/sparql?" + urllib.parse.urlencode({"query": "SELECT * { ?s a lgde:Target }"})
            assert get(base, asked)[0] == 200
            replace_in(
                project_copy.graph_dir / "article-001.ttl",
                "    sdmx-measure:obsValue 100.0 ;",
                "    sdmx-measure:obsValue 120.0 ;",
            )
            second = build_graph(project_copy)
            publish(runner, project_copy, store, "oxigraph")  # while this server runs
            other = "/sparql?" + urllib.parse.urlencode({"query": "SELECT * { ?s a lgde:Plan }"})
            status, headers, body = get(base, other)
    assert status == 503, body[:300]
    assert headers.get("retry-after") == "30"
    message = json.loads(body)["message"]
    assert (
        f"the store holds build {inputs_digest(second.manifest)[:16]}, "
        f"not this build ({inputs_digest(first.manifest)[:16]})"
    ) in message


def test_a_query_endpoint_behind_credentials(tmp_path, runner, layout, build, plain_server):
    """Queries go to the endpoint --query-url names, with the credentials --auth (or
    KG_STORE_READ_AUTH) gives when the store asks: Virtuoso's /sparql-auth, by Digest."""
    with virtuoso_server(tmp_path / "guarded") as store:
        publish(runner, layout, store, "virtuoso", "--auth", "dba:dba")
        guarded = ("--store", store, "--kind", "virtuoso", "--query-url", f"{store}/sparql-auth")
        refused = serve_at_once(layout, *guarded)
        assert refused.returncode == 1
        assert "answered 401" in refused.stderr
        assert "give --auth USER:PASSWORD" in refused.stderr
        with kg_serve(layout, *guarded, env={"KG_STORE_READ_AUTH": "dba:dba"}) as base:
            status, _, body = get(base, "/api/queries/regions")
    assert status == 200, body[:300]
    assert rows(body) == rows(get(plain_server, "/api/queries/regions")[2])


@pytest.mark.parametrize(
    "args, words",
    [
        (["--store", "localhost:7878"], "'localhost:7878' is not an http:// or https:// address"),
        (["--store", "http://127.0.0.1:1", "--query-url", "ftp://x/q"], "'ftp://x/q' is not an"),
    ],
)
def test_a_store_address_that_is_not_http_is_a_usage_error(runner, args, words) -> None:
    # Regression: "--store localhost:7878" ended in urllib's ValueError and a traceback.
    done = runner.invoke(main, ["serve", "-s", "jemalloc", "0", *args])
    assert done.exit_code == 2
    assert words in done.output


@pytest.mark.parametrize("option", [("--auth", "reader:secret"), ("--query-url", "http://x/q")])
def test_store_options_need_a_store(runner, option) -> None:
    done = runner.invoke(main, ["serve", "-s", "jemalloc", "0", *option])
    assert done.exit_code == 2
    assert f"Invalid value for {option[0]}: only with --store URL" in done.output


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { GRAPH <urn:x:g> { <urn:x:a> <urn:x:b> <urn:x:c> } }",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
    ],
)
def test_virtuoso_s_anonymous_endpoint_refuses_writes_and_service(virtuoso_base, query) -> None:
    """Behind kg serve's own refusal, the store's: Debian's Virtuoso, as installed, lets
    its anonymous /sparql endpoint neither write, nor load, nor call out (the README's
    deployment notes rest on it)."""
    body = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(virtuoso_base + "/sparql", data=body)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert b"SECURITY" in refused.value.read()


@pytest.fixture(scope="module")
def virtuoso_base(tmp_path_factory) -> Iterator[str]:
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso-as-installed")) as base:
        yield base
