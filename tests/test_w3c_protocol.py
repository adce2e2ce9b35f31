"""The W3C SPARQL 1.1 Protocol tests that apply to a read-only endpoint, against the server.

The manifest describes each test as HTTP requests and the responses expected. The
seven tests that perform updates (``update_*``) need a writable endpoint and do not
apply; the twenty-seven others do, including every ``bad_update_*`` test, which a
read-only endpoint must answer with 4xx.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection

from .conftest import W3C
from .http_client import request

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

MANIFEST = Graph().parse(W3C / "protocol" / "manifest.ttl", format="turtle")
ENTRIES = list(Collection(MANIFEST, next(MANIFEST.objects(None, MF.entries))))
NOT_APPLICABLE = {
    "update_dataset_default_graph",
    "update_dataset_default_graphs",
    "update_dataset_named_graphs",
    "update_dataset_full",
    "update_post_form",
    "update_post_direct",
    "update_base_uri",
}
APPLICABLE = [e for e in ENTRIES if str(e).rsplit("#", 1)[1] not in NOT_APPLICABLE]

FORMAT_MEDIA_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {
        "text/turtle",
        "application/rdf+xml",
        "application/n-triples",
        "application/ld+json",
        "application/trig",
        "application/n-quads",
    },
}


def test_twenty_seven_of_thirty_four_apply() -> None:
    assert (len(ENTRIES), len(APPLICABLE)) == (34, 27)


def _requests(entry: URIRef) -> list:
    action = MANIFEST.value(entry, MF.action)
    return list(Collection(MANIFEST, MANIFEST.value(action, HT.requests)))


def _status_ok(status: int, expected: set) -> bool:
    classes = {
        HTS.StatusCode2xx: 2,
        HTS.StatusCode3xx: 3,
        HTS.StatusCode4xx: 4,
        HTS.StatusCode5xx: 5,
    }
    return status // 100 in {classes[e] for e in expected}


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def store_server(request, build, layout, tmp_path_factory):
    """``kg serve --store`` over Oxigraph server or Virtuoso holding the build (by ``kg
    publish``) and the protocol tests' graphs."""
    from click.testing import CliRunner

    from kg.cli import main
    from kg.stores.client import StoreClient
    from kg.stores.profiles import profile

    from .conftest import HOME, SERVER_SETTINGS, W3C_GRAPHS
    from .store_servers import oxigraph_server, virtuoso_server
    from .test_serve_store import kg_serve

    kind = request.param
    start = oxigraph_server if kind == "oxigraph" else virtuoso_server
    auth = "dba:dba" if kind == "virtuoso" else None
    with start(tmp_path_factory.mktemp(f"w3c-{kind}")) as store:
        done = CliRunner().invoke(
            main,
            ["--home", str(HOME), "publish", "--to", store, "--kind", kind]
            + (["--auth", auth] if auth else []),
            env={"KG_BUILD_DIR": str(layout.build_root)},
        )
        assert done.exit_code == 0, done.output
        client = StoreClient(profile(kind, store), auth)
        for name, graph in W3C_GRAPHS.items():
            data = (W3C / "protocol" / name).read_bytes()
            client.put_graph("load the protocol tests' graphs", graph, data, replace=True)
        settings = [arg for name, value in SERVER_SETTINGS.items() for arg in ("-s", name, value)]
        with kg_serve(layout, "--store", store, "--kind", kind, *settings) as base:
            yield base


@pytest.mark.slow
@pytest.mark.parametrize("entry", APPLICABLE, ids=lambda e: str(e).rsplit("#", 1)[1])
def test_w3c_protocol_through_a_store(entry: URIRef, store_server: str) -> None:
    test_w3c_protocol(entry, store_server)


@pytest.mark.parametrize("entry", APPLICABLE, ids=lambda e: str(e).rsplit("#", 1)[1])
def test_w3c_protocol(entry: URIRef, server: str) -> None:
    for step in _requests(entry):
        method = str(MANIFEST.value(step, HT.methodName))
        # The manifest's paths start with /sparql/; this endpoint is /sparql.
        path = str(MANIFEST.value(step, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
        headers = {}
        header_list = MANIFEST.value(step, HT.headers)
        if header_list is not None:
            for header in Collection(MANIFEST, header_list):
                headers[str(MANIFEST.value(header, HT.fieldName))] = str(
                    MANIFEST.value(header, HT.fieldValue)
                )
        body = None
        content = MANIFEST.value(step, HT.body)
        if content is not None:
            encoding = str(MANIFEST.value(content, CNT.characterEncoding) or "UTF-8")
            body = str(MANIFEST.value(content, CNT.chars)).encode(encoding.lower())
        reply = request(server, method, path, body, headers)

        expected = MANIFEST.value(step, HT.resp)
        statuses = set(MANIFEST.objects(expected, MF.expectedStatus))
        assert _status_ok(reply.status, statuses), (reply.status, reply.body[:300])
        fmt = MANIFEST.value(expected, MF.expectedFormat)
        if fmt is not None:
            assert reply.media_type in FORMAT_MEDIA_TYPES[str(fmt)], reply.media_type
        boolean = MANIFEST.value(expected, MF.expectedBoolean)
        if boolean is not None:
            assert reply.media_type == "application/sparql-results+json"
            assert reply.json()["boolean"] is boolean.toPython()
        if str(fmt) == "RDF":
            graph = Graph().parse(data=reply.body, format=reply.media_type)
            assert isinstance(graph, Graph)
        if reply.status >= 400:
            # Every refusal says why, in the one error shape.
            error = reply.json()
            assert error["status"] == reply.status and error["message"]
