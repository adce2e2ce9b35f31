"""``labels=on``: a label column beside each IRI column of a SELECT result, at the
endpoint and the stored-query API, in every result format."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse

import pytest

from .http_client import request

QUERY = (
    "SELECT ?region ?code WHERE { ?region a lgde:Province ; skos:notation ?code } ORDER BY ?region"
)


def get(server: str, path: str, accept: str = "text/csv", **params: str):
    return request(
        server, "GET", f"{path}?{urllib.parse.urlencode(params)}", headers={"Accept": accept}
    )


def test_csv_gets_a_label_beside_each_iri_column(server: str) -> None:
    reply = get(server, "/sparql", query=QUERY, labels="on")
    assert reply.status == 200, reply.body
    rows = list(csv.DictReader(io.StringIO(reply.body.decode("utf-8"))))
    assert list(rows[0]) == ["region", "region_label", "code"]  # not beside the literal
    # The labels, asked for independently: each province's English rdfs:label.
    independent = json.loads(
        get(
            server,
            "/sparql",
            "application/sparql-results+json",
            query="SELECT ?region ?label WHERE { ?region a lgde:Province ; rdfs:label ?label "
            'FILTER(lang(?label) = "en") }',
        ).body
    )
    labels = {b["region"]["value"]: b["label"]["value"] for b in independent["results"]["bindings"]}
    assert {r["region"]: r["region_label"] for r in rows} == labels
    assert {r["region"] for r in rows} and all(r["code"].isdigit() for r in rows)


def test_every_result_format_takes_the_labels(server: str) -> None:
    document = json.loads(
        get(server, "/sparql", "application/sparql-results+json", query=QUERY, labels="on").body
    )
    assert document["head"]["vars"] == ["region", "region_label", "code"]
    first = document["results"]["bindings"][0]
    assert first["region_label"]["type"] == "literal"
    tsv = get(server, "/sparql", "text/tab-separated-values", query=QUERY, labels="on")
    assert tsv.body.decode("utf-8").split("\n", 1)[0] == "?region\t?region_label\t?code"


def test_labels_change_the_answer_and_its_etag(server: str) -> None:
    plain = get(server, "/sparql", query=QUERY)
    labelled = get(server, "/sparql", query=QUERY, labels="on")
    assert plain.body.decode().split("\r\n", 1)[0] == "region,code"
    assert plain.headers["etag"] != labelled.headers["etag"]
    off = get(server, "/sparql", query=QUERY, labels="off")
    assert off.body == plain.body


def test_a_variable_named_like_a_label_column_keeps_its_name(server: str) -> None:
    query = (
        "SELECT ?region ?region_label WHERE { ?region a lgde:Province ; "
        "skos:notation ?region_label } ORDER BY ?region LIMIT 1"
    )
    reply = get(server, "/sparql", query=query, labels="on")
    header = reply.body.decode().split("\r\n", 1)[0]
    assert header == "region,region_label_,region_label"


def test_the_stored_query_api_takes_labels(server: str) -> None:
    reply = request(server, "GET", "/api/queries/targets-by-region.csv?labels=on")
    assert reply.status == 200, reply.body
    header = next(csv.reader(io.StringIO(reply.body.decode("utf-8"))))
    for column in [c for c in header if not c.endswith("_label")]:
        if f"{column}_label" in header:
            assert header.index(f"{column}_label") == header.index(column) + 1
    assert any(c.endswith("_label") for c in header)


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"query": QUERY, "labels": "maybe"}, "use labels=on or labels=off"),
        (
            {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1", "labels": "on"},
            "adds columns to SELECT results; this is CONSTRUCT",
        ),
    ],
)
def test_a_misuse_is_a_clear_400(server: str, params: dict, words: str) -> None:
    reply = get(server, "/sparql", "application/json", **params)
    assert reply.status == 400
    assert words in json.loads(reply.body)["message"]
    api = request(server, "GET", "/api/queries/articles?labels=maybe")
    assert api.status == 400
