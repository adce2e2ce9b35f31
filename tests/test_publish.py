"""``kg publish`` against real stores started on loopback: Oxigraph server and Virtuoso.
The build lands under its graph names with a publication marker, is verified by reading
back, resumes an interrupted upload, keeps the previous build serving until the switch,
and every refusal names its step."""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request

import pytest

from kg.build import build_graph
from kg.cli import main
from kg.layout import Layout
from kg.namespaces import GRAPH_ASSERTED, GRAPHS
from kg.releases import DATASET, inputs_digest
from kg.store import Build
from kg.stores.client import StoreClient, StoreError
from kg.stores.marker import MARKER, holding
from kg.stores.profiles import profile
from kg.stores.publish import graph_lines, publish, staging_graph

from .conftest import replace_in
from .store_servers import (
    oxigraph_bulk_load,
    oxigraph_server,
    virtuoso_bulk_load,
    virtuoso_server,
)
from .test_serve_store import get, kg_serve, rows

pytestmark = pytest.mark.slow
DCT = "http://purl.org/dc/terms/"


def kg(runner, layout: Layout, *args: str):
    return runner.invoke(
        main,
        ["--home", str(layout.home), *args],
        env={"KG_BUILD_DIR": str(layout.build_root)},
    )


def ask(base: str, query: str, endpoint: str = "/query") -> list[dict]:
    url = base + endpoint + "?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["results"]["bindings"]


def marker(base: str, endpoint: str = "/query") -> str:
    rows = ask(
        base,
        f"SELECT ?id WHERE {{ GRAPH <{MARKER}> {{ <{DATASET}> <{DCT}identifier> ?id }} }}",
        endpoint,
    )
    return rows[0]["id"]["value"] if rows else ""


@pytest.fixture
def oxigraph(tmp_path):
    with oxigraph_server(tmp_path / "oxigraph") as base:
        yield base


def test_publish_to_oxigraph_server_then_again(runner, project_copy, oxigraph) -> None:
    built = build_graph(project_copy)
    done = kg(runner, project_copy, "publish", "--to", oxigraph, "--kind", "oxigraph")
    assert done.exit_code == 0, done.output
    assert "Switched: the store now serves this build." in done.output
    assert "verified" in done.output
    assert marker(oxigraph) == inputs_digest(built.manifest)
    for graph in GRAPHS:
        (row,) = ask(
            oxigraph, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        )
        assert int(row["n"]["value"]) == len(graph_lines(built_store(built), graph))
    # No staging graph is left behind.
    graphs = {r["g"]["value"] for r in ask(oxigraph, "SELECT DISTINCT ?g { GRAPH ?g { } }")}
    assert graphs == {*GRAPHS, MARKER}
    # Again: nothing to upload, only verified.
    again = kg(runner, project_copy, "publish", "--to", oxigraph, "--kind", "oxigraph")
    assert again.exit_code == 0, again.output
    assert "holds this build already; verifying" in again.output
    assert "Switched" not in again.output


def built_store(built) -> object:
    return Build.open(built.path).store


def test_an_interrupted_upload_resumes_and_the_old_build_serves_meanwhile(
    runner, project_copy: Layout, oxigraph
) -> None:
    first = build_graph(project_copy)
    assert kg(runner, project_copy, "publish", "--to", oxigraph).exit_code == 0
    replace_in(
        project_copy.graph_dir / "article-001.ttl",
        "    sdmx-measure:obsValue 100.0 ;",
        "    sdmx-measure:obsValue 120.0 ;",
    )
    second = build_graph(project_copy)
    digest = inputs_digest(second.manifest)
    # An upload that stopped after the first graph: its staging graph is complete.
    client = StoreClient(profile("oxigraph", oxigraph))
    ontology = GRAPHS[0]
    lines = graph_lines(built_store(second), ontology)
    client.put_graph("test", staging_graph(ontology, digest), b"".join(lines), replace=True)
    # Meanwhile the store serves the first build under the real names.
    assert marker(oxigraph) == inputs_digest(first.manifest)
    values = ask(
        oxigraph,
        f"SELECT ?v WHERE {{ GRAPH <{GRAPH_ASSERTED}> {{ "
        "<https://w3id.org/lgde/id/target/zhejiang-specialized-smes-2022> "
        "<http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?v } }",
    )
    assert [float(v["v"]["value"]) for v in values] == [100.0]
    done = kg(runner, project_copy, "publish", "--to", oxigraph, "--chunk", "1000")
    assert done.exit_code == 0, done.output
    assert f"<{ontology}>: {len(lines)} triples staged by an earlier run; kept" in done.output
    asserted = len(graph_lines(built_store(second), GRAPH_ASSERTED))
    for at in (1000, 2000, asserted):  # uploaded in chunks of 1000 triples
        assert f"<{GRAPH_ASSERTED}>: {at} of {asserted} triples" in done.output
    assert marker(oxigraph) == digest
    values = ask(
        oxigraph,
        "SELECT ?v WHERE { GRAPH ?g { "
        "<https://w3id.org/lgde/id/target/zhejiang-specialized-smes-2022> "
        "<http://purl.org/linked-data/sdmx/2009/measure#obsValue> ?v } }",
    )
    assert {float(v["v"]["value"]) for v in values} == {120.0}


@pytest.mark.parametrize("kind", ["oxigraph", "virtuoso"])
def test_staging_graphs_left_by_another_build_are_dropped(runner, layout, build, tmp_path, kind):
    """An unfinished publication of another build left a staging graph; the next
    publication drops it after its switch, and touches no graph of anyone else."""
    start = oxigraph_server if kind == "oxigraph" else virtuoso_server
    auth = ["--auth", "dba:dba"] if kind == "virtuoso" else []
    with start(tmp_path / kind) as base:
        client = StoreClient(profile(kind, base), "dba:dba" if auth else None)
        stale = staging_graph(GRAPH_ASSERTED, "0" * 64)
        other = "https://example.org/someone-else"
        triple = b"<https://example.org/s> <https://example.org/p> <https://example.org/o> .\n"
        for graph in (stale, other):
            client.put_graph("test", graph, triple, replace=True)
        publishing = ["publish", "--to", base, "--kind", kind, *auth]
        done = kg(runner, layout, *publishing)
        assert done.exit_code == 0, done.output
        assert f"<{stale}>: dropped, left by an unfinished publication" in done.output
        assert client.count("test", stale) == 0
        assert client.count("test", other) == 1
        again = kg(runner, layout, *publishing)
        assert again.exit_code == 0 and "dropped" not in again.output


def test_publish_to_virtuoso(runner, project_copy, tmp_path) -> None:
    built = build_graph(project_copy)
    with virtuoso_server(tmp_path / "virtuoso") as base:
        refused = kg(runner, project_copy, "publish", "--to", base, "--kind", "virtuoso")
        assert refused.exit_code == 1
        assert "wants credentials: give --auth USER:PASSWORD" in refused.output
        assert marker(base, "/sparql") == ""  # nothing switched
        done = kg(
            runner, project_copy, "publish", "--to", base, "--kind", "virtuoso", "--auth", "dba:dba"
        )
        assert done.exit_code == 0, done.output
        # Virtuoso writes booleans as 1 and durations in months: compared by value.
        assert "60 of 60 sampled literals found by value" in done.output
        assert marker(base, "/sparql") == inputs_digest(built.manifest)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--kind", "virtuoso"], "no such endpoint: is this a virtuoso store (--kind)?"),
        (["--kind", "qlever"], "loads data by its own bulk path"),
    ],
)
def test_a_wrong_store_is_told_plainly(runner, project_copy, oxigraph, args, words) -> None:
    done = kg(runner, project_copy, "publish", "--to", oxigraph, *args)
    assert done.exit_code == 1
    assert words in done.output
    assert marker(oxigraph) == ""


def test_a_store_loaded_by_its_own_bulk_loader(runner, project_copy, tmp_path) -> None:
    """kg publish --dump writes the build and its marker for a bulk loader; loaded by
    Oxigraph's, kg publish --verify-only finds both. A plain export lacks the marker,
    which verifying says, since kg serve --store would refuse the store."""
    from rdflib import Dataset, Literal, URIRef

    built = build_graph(project_copy)
    digest = inputs_digest(built.manifest)
    first, second = tmp_path / "lgde.nq", tmp_path / "again.nq"
    for path in (first, second):
        done = kg(runner, project_copy, "publish", "--dump", str(path))
        assert done.exit_code == 0, done.output
    assert first.read_bytes() == second.read_bytes()  # one build, the same bytes
    lines = first.read_bytes().splitlines()
    assert lines == sorted(set(lines))
    dataset = Dataset()
    dataset.parse(first, format="nquads")
    store = built_store(built)
    for graph in GRAPHS:
        assert len(dataset.graph(URIRef(graph))) == len(graph_lines(store, graph))
    identifiers = list(
        dataset.graph(URIRef(MARKER)).objects(URIRef(DATASET), URIRef(DCT + "identifier"))
    )
    assert identifiers == [Literal(digest)]

    exported = tmp_path / "export.nq"
    assert (
        kg(runner, project_copy, "export", "--format", "nquads", "-o", str(exported)).exit_code == 0
    )
    oxigraph_bulk_load(tmp_path / "plain", exported)
    with oxigraph_server(tmp_path / "plain") as base:
        refused = kg(runner, project_copy, "publish", "--to", base, "--verify-only")
    assert refused.exit_code == 1
    assert "the publication marker: the store holds no build of this project" in refused.output
    assert "kg publish --dump" in refused.output

    # Virtuoso's bulk loader, into a running server.
    folder = tmp_path / "virtuoso"
    with virtuoso_server(folder) as base:
        shutil.copy(first, folder / "lgde.nq")
        virtuoso_bulk_load(folder, folder / "lgde.nq")
        done = kg(
            runner, project_copy, "publish", "--to", base, "--kind", "virtuoso", "--verify-only"
        )
        assert done.exit_code == 0, done.output
        assert "60 of 60 sampled literals found by value" in done.output
        assert holding(StoreClient(profile("virtuoso", base))).problem(digest) is None

    # Loaded, then served with no write endpoints at all.
    oxigraph_bulk_load(tmp_path / "dumped", first)
    with oxigraph_server(tmp_path / "dumped", read_only=True) as base:
        done = kg(runner, project_copy, "publish", "--to", base, "--verify-only")
        assert done.exit_code == 0, done.output
        assert "Verifying only." in done.output and "verified" in done.output
        assert holding(StoreClient(profile("oxigraph", base))).problem(digest) is None
        with kg_serve(project_copy, "--store", base) as served:
            status, _, body = get(served, "/api/queries/regions")
        assert status == 200, body[:300]
        embedded = kg(runner, project_copy, "query", "queries/regions.rq", "--format", "json")
        assert rows(body) == rows(embedded.stdout_bytes)
        # Another build cannot be published there over HTTP, and the store says why.
        replace_in(
            project_copy.graph_dir / "article-001.ttl",
            "    sdmx-measure:obsValue 100.0 ;",
            "    sdmx-measure:obsValue 120.0 ;",
        )
        build_graph(project_copy)
        refused = kg(runner, project_copy, "publish", "--to", base)
        assert refused.exit_code == 1
        assert "answered 403" in refused.output and "read-only" in refused.output
        assert marker(base) == digest


def test_publish_takes_a_store_or_a_file(runner, project_copy, tmp_path) -> None:
    dump = str(tmp_path / "x.nq")
    for args, words in [
        ([], "give --to URL (a store) or --dump FILE"),
        (["--to", "http://127.0.0.1:1", "--dump", dump], "give --to URL (a store) or --dump FILE"),
        (["--dump", dump, "--verify-only"], "--dump writes a file and talks to no store"),
    ]:
        done = kg(runner, project_copy, "publish", *args)
        assert done.exit_code == 2
        assert words in done.output
    assert not (tmp_path / "x.nq").exists()
    nowhere = kg(runner, project_copy, "publish", "--dump", str(tmp_path / "no" / "x.nq"))
    assert nowhere.exit_code == 1
    assert "cannot write" in nowhere.output and "No such file or directory" in nowhere.output


@pytest.mark.parametrize(
    "args",
    [["--to", "localhost:7878"], ["--to", "http://127.0.0.1:1", "--query-url", "ftp://x/q"]],
)
def test_an_address_that_is_not_http_is_a_usage_error(runner, project_copy, args) -> None:
    # Regression: "--to localhost:7878" ended in urllib's ValueError and a traceback.
    done = kg(runner, project_copy, "publish", *args)
    assert done.exit_code == 2
    assert "is not an http:// or https:// address" in done.output
    assert "Traceback" not in done.output


def test_an_unreachable_store_is_told_plainly(runner, project_copy) -> None:
    from .conftest import _free_port

    done = kg(runner, project_copy, "publish", "--to", f"http://127.0.0.1:{_free_port()}")
    assert done.exit_code == 1
    assert "reach the store: cannot reach the store" in done.output
    assert "is it running?" in done.output


# Virtuoso refuses an update whose changes outgrow its transaction log limit
# (TransactionAfterImageLimit); at this limit it takes the seed build's uploads in chunks
# of 1,000 triples but not the switch of all three graphs in one transaction.
SMALL_LOG = 300_000
TARGET = "<https://w3id.org/lgde/id/target/zhejiang-specialized-smes-2022>"
OBS_VALUE = "<http://purl.org/linked-data/sdmx/2009/measure#obsValue>"


def graph_counts(base: str) -> dict[str, int]:
    rows = ask(
        base,
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/lgde/')) } GROUP BY ?g",
        "/sparql",
    )
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def target_values(base: str) -> set[float]:
    rows = ask(base, f"SELECT ?v WHERE {{ GRAPH ?g {{ {TARGET} {OBS_VALUE} ?v }} }}", "/sparql")
    return {float(r["v"]["value"]) for r in rows}


def test_virtuoso_is_switched_graph_by_graph_when_one_transaction_is_too_large(
    runner, project_copy: Layout, tmp_path
) -> None:
    first = build_graph(project_copy)
    publish_args = ["publish", "--kind", "virtuoso", "--auth", "dba:dba", "--chunk", "1000"]
    with virtuoso_server(tmp_path / "virtuoso", transaction_bytes=SMALL_LOG) as base:
        done = kg(runner, project_copy, *publish_args, "--to", base)
        assert done.exit_code == 0, done.output
        assert "too large for one transaction (SR325); switching graph by graph" in done.output
        assert "verified" in done.output
        assert marker(base, "/sparql") == inputs_digest(first.manifest)
        expected = {g: len(graph_lines(built_store(first), g)) for g in GRAPHS}
        assert graph_counts(base) == {**expected, MARKER: 2 + len(GRAPHS)}  # no staging left
        assert target_values(base) == {100.0}
        # A second build replaces the first the same way, graph by graph.
        replace_in(
            project_copy.graph_dir / "article-001.ttl",
            "    sdmx-measure:obsValue 100.0 ;",
            "    sdmx-measure:obsValue 120.0 ;",
        )
        second = build_graph(project_copy)
        again = kg(runner, project_copy, *publish_args, "--to", base)
        assert again.exit_code == 0, again.output
        assert "switching graph by graph" in again.output
        assert marker(base, "/sparql") == inputs_digest(second.manifest)
        assert target_values(base) == {120.0}
        assert set(graph_counts(base)) == {*GRAPHS, MARKER}


class DropsAfterCopies(StoreClient):
    """A client whose connection drops after ``copies`` graphs were copied into place."""

    def __init__(self, *args, copies: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.copies = copies

    def update(self, step: str, text: str) -> None:
        if step.startswith("copy") and self.copies == 0:
            raise StoreError(f"{step}: cannot reach the store (connection reset)")
        super().update(step, text)
        if step.startswith("copy"):
            self.copies -= 1


def test_an_interrupted_switch_graph_by_graph_is_refused_by_serve_and_finished_by_publish(
    runner, project_copy: Layout, tmp_path
) -> None:
    built = build_graph(project_copy)
    digest = inputs_digest(built.manifest)
    with virtuoso_server(tmp_path / "virtuoso", transaction_bytes=SMALL_LOG) as base:
        client = DropsAfterCopies(profile("virtuoso", base), "dba:dba", copies=1)
        with pytest.raises(StoreError, match=r"copy <.*asserted> into place: cannot reach"):
            publish(built_store(built), built.manifest, client, chunk=1000)
        held = holding(client)
        assert (held.build, held.switching) == (None, digest)
        # The first graph is in place, the others still staged: kg serve will not answer
        # from this mix.
        # (jemalloc off: kg serve would start this process again to preload it)
        refused = kg(
            runner, project_copy, "serve", "-s", "jemalloc", "0",
            "--store", base, "--kind", "virtuoso",
        )  # fmt: skip
        assert refused.exit_code == 1
        assert "the store is being switched to this build" in refused.output
        assert "run kg publish --to" in refused.output
        done = kg(
            runner, project_copy, "publish", "--to", base, "--kind", "virtuoso",
            "--auth", "dba:dba", "--chunk", "1000",
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        assert f"<{GRAPHS[0]}>: switched by an earlier run; kept" in done.output
        assert "Finishing the switch an earlier run began." in done.output
        assert "verified" in done.output
        assert holding(client).build == digest and holding(client).switching is None
        expected = {g: len(graph_lines(built_store(built), g)) for g in GRAPHS}
        assert graph_counts(base) == {**expected, MARKER: 2 + len(GRAPHS)}


def test_an_upload_too_large_for_one_transaction_asks_for_smaller_chunks(
    runner, project_copy: Layout, tmp_path
) -> None:
    build_graph(project_copy)
    with virtuoso_server(tmp_path / "virtuoso", transaction_bytes=SMALL_LOG) as base:
        done = kg(
            runner, project_copy, "publish", "--to", base, "--kind", "virtuoso",
            "--auth", "dba:dba",
        )  # fmt: skip
        assert done.exit_code == 1
        assert "too large for one transaction (SR325)" in done.output
        assert "run kg publish again with a smaller --chunk" in done.output
        assert marker(base, "/sparql") == ""
