"""The SPARQL endpoint, over HTTP, on the real server."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote, urlencode

import pytest
from rdflib import Graph

from .http_client import request

SELECT = "SELECT ?r WHERE { ?r a lgde:Municipality } ORDER BY ?r"
PREFIXED = "PREFIX lgde: <https://w3id.org/lgde/ontology#> " + SELECT
CONSTRUCT = (
    "PREFIX lgde: <https://w3id.org/lgde/ontology#> "
    "CONSTRUCT { ?r a lgde:Municipality } WHERE { ?r a lgde:Municipality }"
)


def get(server: str, query: str, accept: str | None = None, **params: str):
    headers = {"Accept": accept} if accept else {}
    return request(
        server, "GET", "/sparql?" + urlencode({"query": query, **params}), headers=headers
    )


@pytest.mark.parametrize(
    "accept,media_type",
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.5, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
        ("text/*;q=0.2, application/sparql-results+xml;q=0.1", "text/csv"),
        ("text/html, application/xhtml+xml, */*;q=0.8", "application/sparql-results+json"),
    ],
)
def test_select_content_negotiation(server, accept, media_type) -> None:
    reply = get(server, PREFIXED, accept)
    assert reply.status == 200
    assert reply.media_type == media_type
    assert reply.headers["vary"] == "Accept"


def test_select_results_are_the_same_in_every_format(server) -> None:
    expected = ["beijing", "chongqing", "shanghai", "tianjin"]
    data = get(server, PREFIXED, "application/sparql-results+json").json()
    assert [b["r"]["value"].rsplit("/", 1)[1] for b in data["results"]["bindings"]] == expected
    rows = list(csv.DictReader(io.StringIO(get(server, PREFIXED, "text/csv").body.decode())))
    assert [r["r"].rsplit("/", 1)[1] for r in rows] == expected
    tsv = get(server, PREFIXED, "text/tab-separated-values").body.decode().splitlines()
    assert tsv[0] == "?r" and tsv[1] == "<https://w3id.org/lgde/id/region/beijing>"
    xml = get(server, PREFIXED, "application/sparql-results+xml").body.decode()
    assert xml.count("<result>") == 4


@pytest.mark.parametrize(
    "accept,media_type,rdflib_format",
    [
        (None, "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/trig", "application/trig", "trig"),
        ("application/n-quads", "application/n-quads", "nquads"),
        ("application/rdf+xml;q=0.3, text/turtle;q=0.7", "text/turtle", "turtle"),
    ],
)
def test_construct_content_negotiation(server, accept, media_type, rdflib_format) -> None:
    reply = get(server, CONSTRUCT, accept)
    assert reply.status == 200 and reply.media_type == media_type
    graph = Graph().parse(data=reply.body, format=rdflib_format)
    assert len(graph) == 4


def test_format_parameter_overrides_accept(server) -> None:
    assert (
        get(server, PREFIXED, "text/csv", format="json").media_type
        == "application/sparql-results+json"
    )
    assert get(server, PREFIXED, format="tsv").media_type == "text/tab-separated-values"
    assert get(server, CONSTRUCT, format="ntriples").media_type == "application/n-triples"
    form = request(
        server,
        "POST",
        "/sparql",
        urlencode({"query": PREFIXED, "format": "csv"}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
    )
    assert form.status == 200 and form.media_type == "text/csv"
    bad = get(server, PREFIXED, format="png")
    assert bad.status == 400 and "csv" in bad.json()["message"]


def test_not_acceptable_lists_what_is_available(server) -> None:
    reply = get(server, PREFIXED, "image/png")
    assert reply.status == 406
    message = reply.json()["message"]
    for media_type in ("application/sparql-results+json", "text/csv", "text/tab-separated-values"):
        assert media_type in message
    graph_reply = get(server, CONSTRUCT, "text/csv")
    assert graph_reply.status == 406 and "text/turtle" in graph_reply.json()["message"]


def test_ask_in_each_result_format(server) -> None:
    ask = "ASK { ?r a <https://w3id.org/lgde/ontology#Municipality> }"
    assert get(server, ask).json() == {"head": {}, "boolean": True}
    assert b"<boolean>true</boolean>" in get(server, ask, "application/sparql-results+xml").body
    assert get(server, ask, "text/csv").body.decode().splitlines() == ["_askResult", "true"]


def test_union_default_graph_and_named_graphs(server) -> None:
    # The inferred graph is part of the default graph...
    official = (
        "ASK { <https://w3id.org/lgde/id/person/wang-zhonglin> "
        "a <https://w3id.org/lgde/ontology#Official> }"
    )
    assert get(server, official).json()["boolean"] is True
    # ...unless the protocol names the default graph: then only that graph.
    asserted = "https://w3id.org/lgde/graph/asserted"
    assert get(server, official, **{"default-graph-uri": asserted}).json()["boolean"] is False
    # An unknown graph is empty, never fetched.
    nowhere = get(server, "ASK { ?s ?p ?o }", **{"default-graph-uri": "http://example.org/none"})
    assert nowhere.json()["boolean"] is False


def test_syntax_error_gives_line_and_column(server) -> None:
    reply = get(server, "SELECT ?x\nWHERE { ?x ?y }")
    assert reply.status == 400
    body = reply.json()
    assert body["error"] == "Bad Request"
    assert "line 2, column" in body["message"]


def test_error_page_for_browsers(server) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    reply = get(server, "SELECT ?x WHERE {", browser)
    assert reply.status == 400 and reply.media_type == "text/html"
    assert b"Syntax error" in reply.body and b"Traceback" not in reply.body


@pytest.mark.parametrize(
    "method,path,body,headers,status",
    [
        ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400),
        ("POST", "/sparql", b"query=ASK%7B%7D", {}, 400),
        ("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}, 415),
        (
            "POST",
            "/sparql",
            "ASK {}".encode("utf-16"),
            {"Content-Type": "application/sparql-query"},
            400,
        ),
        (
            "POST",
            "/sparql",
            b"INSERT DATA { <a> <b> <c> }",
            {"Content-Type": "application/sparql-update"},
            403,
        ),
        (
            "POST",
            "/sparql",
            b"update=CLEAR%20ALL",
            {"Content-Type": "application/x-www-form-urlencoded"},
            403,
        ),
        (
            "POST",
            "/sparql",
            b"LOAD <http://127.0.0.1:9/x>",
            {"Content-Type": "application/sparql-query"},
            403,
        ),
        ("PUT", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query"}, 405),
        ("GET", "/sparql?update=CLEAR%20ALL", None, {}, 403),
    ],
)
def test_protocol_misuse_is_a_4xx_with_a_message(
    server, method, path, body, headers, status
) -> None:
    reply = request(server, method, path, body, headers)
    assert reply.status == status, reply.body
    error = reply.json()
    assert error["status"] == status and len(error["message"]) > 10


def test_request_body_cap(server) -> None:
    big = b"ASK {} #" + b"x" * 2_000_000
    reply = request(server, "POST", "/sparql", big, {"Content-Type": "application/sparql-query"})
    assert reply.status == 413
    assert reply.json()["status"] == 413


def test_a_body_far_over_the_cap_gets_its_413_before_it_is_sent(server) -> None:
    # Regression guard: the server answers once it has read the headers and closes the
    # connection; a body larger than the socket buffers then meets a broken pipe. The
    # answer must still be readable (this test's client used to raise instead).
    huge = b"ASK {} #" + b"x" * 64_000_000
    reply = request(server, "POST", "/sparql", huge, {"Content-Type": "application/sparql-query"})
    assert reply.status == 413
    assert "bytes this endpoint accepts" in reply.json()["message"]


def test_row_cap_is_signalled_never_silent(server) -> None:
    reply = get(server, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")  # thousands of triples
    assert reply.status == 200
    assert reply.headers["x-result-truncated"] == "true"
    assert reply.headers["x-result-limit"] == "1000"
    assert len(reply.json()["results"]["bindings"]) == 1000
    small = get(server, PREFIXED)
    assert "x-result-truncated" not in small.headers
    assert small.headers["x-result-count"] == "4"


def test_service_description(server) -> None:
    reply = request(server, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert reply.status == 200 and reply.media_type == "text/turtle"
    graph = Graph().parse(data=reply.body, format="turtle")
    rows = graph.query("""
        PREFIX sd: <http://www.w3.org/ns/sparql-service-description#>
        SELECT ?endpoint (COUNT(DISTINCT ?format) AS ?formats) (COUNT(DISTINCT ?name) AS ?graphs)
        WHERE { ?s a sd:Service ; sd:endpoint ?endpoint ; sd:resultFormat ?format ;
                   sd:supportedLanguage sd:SPARQL11Query ;
                   sd:defaultDataset/sd:namedGraph/sd:name ?name } GROUP BY ?endpoint""")
    ((endpoint, formats, graphs),) = list(rows)
    assert str(endpoint) == server + "/sparql"  # whatever host and port it runs on
    assert int(formats) == 10
    assert int(graphs) == 6  # ontology, asserted, inferred and the three W3C test graphs


def test_query_by_post_form_and_direct(server) -> None:
    form = request(
        server,
        "POST",
        "/sparql",
        ("query=" + quote(PREFIXED)).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"},
    )
    direct = request(
        server,
        "POST",
        "/sparql",
        PREFIXED.encode(),
        {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": "text/csv"},
    )
    assert form.status == direct.status == 200
    assert form.body == direct.body
    assert json.loads(get(server, PREFIXED).body)["head"]["vars"] == ["r"]


def test_project_prefixes_are_predeclared_and_can_be_redefined(server) -> None:
    reply = get(server, SELECT, "text/csv")  # uses lgde: without declaring it
    assert reply.status == 200 and len(reply.body.decode().splitlines()) == 5
    redefined = get(server, "PREFIX lgde: <http://example.org/> ASK { ?s a lgde:Municipality }")
    assert redefined.json()["boolean"] is False


def test_long_syntax_errors_are_shortened(server) -> None:
    reply = get(server, "SELECT ?x WHERE { ?x a nope:thing }")
    assert reply.status == 400
    assert len(reply.json()["message"]) < 320


@pytest.mark.parametrize(
    "method,path,body,headers",
    [
        ("GET", "/sparql?query=%ZZ", None, {}),
        ("GET", "/sparql?query=%C3%28", None, {}),
        ("GET", "/sparql?query=ASK%7B%7D", None, {"Accept": ";;;q=abc,,*/"}),
        ("GET", "/sparql?query=ASK%7B%7D&format=", None, {}),
        ("GET", "/sparql?query=" + "(" * 5000, None, {}),
        ("GET", "/sparql?query=SELECT%20*%20%7B%7D&default-graph-uri=not%20an%20iri", None, {}),
        ("GET", "/sparql?query=SELECT%20*%20%7B%7D&named-graph-uri=%3C%3E", None, {}),
        ("POST", "/sparql", b"query=%FF%FE", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", "/sparql", b"\xff\xfe\x00", {"Content-Type": "application/sparql-query"}),
        (
            "POST",
            "/sparql",
            b"ASK {}",
            {"Content-Type": "application/sparql-query; charset=latin-1"},
        ),
        ("POST", "/sparql", b"", {"Content-Type": "application/sparql-query"}),
        ("GET", "/id/%00", None, {}),
        ("GET", "/id/region/hubei?format=png", None, {}),
        ("GET", "/id/" + "x/" * 500, None, {"Accept": "text/html"}),
        ("GET", "/download/lgde.", None, {}),
    ],
)
def test_bad_input_never_yields_a_server_error(server, method, path, body, headers) -> None:
    reply = request(server, method, path, body, headers)
    assert reply.status < 500, (reply.status, reply.body[:200])
    if reply.status >= 400 and reply.media_type == "application/json":
        assert reply.json()["status"] == reply.status
