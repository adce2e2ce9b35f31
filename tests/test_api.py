"""Stored queries as a REST API, its OpenAPI document and its docs page, over HTTP."""

from __future__ import annotations

import csv
import io

import pytest
from openapi_spec_validator import validate

from kg.queries import stored_queries

from .conftest import HOME
from .http_client import request

QUERIES = stored_queries(HOME / "queries")


def test_openapi_document_validates_and_covers_every_query(server) -> None:
    document = request(server, "GET", "/api/openapi.json").json()
    validate(document)  # raises on any deviation from OpenAPI 3
    paths = document["paths"]
    assert {f"/api/queries/{name}" for name in QUERIES} <= set(paths)
    operation = paths["/api/queries/targets-by-region"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"region", "from_year", "to_year", "labels"}
    assert parameters["labels"]["schema"]["enum"] == ["on", "off"]
    assert parameters["from_year"]["schema"]["type"] == "integer"
    assert document["servers"] == [{"url": server}]


def test_list_of_queries(server) -> None:
    listing = request(server, "GET", "/api/queries").json()
    assert [q["name"] for q in listing] == sorted(QUERIES)
    sector = next(q for q in listing if q["name"] == "regions-naming-sector")
    assert sector["parameters"] == [
        {
            "name": "sector",
            "type": "iri",
            "default": "sector:quantum-information",
            "description": "The sector, e.g. sector:metaverse.",
        }
    ]
    assert sector["url"] == server + "/api/queries/regions-naming-sector"


@pytest.mark.parametrize(
    "path,accept,media_type",
    [
        ("/api/queries/gdp-figures", None, "application/sparql-results+json"),
        ("/api/queries/gdp-figures", "text/csv", "text/csv"),
        ("/api/queries/gdp-figures", "text/tab-separated-values", "text/tab-separated-values"),
        ("/api/queries/gdp-figures.csv", "application/sparql-results+json", "text/csv"),
        ("/api/queries/gdp-figures.tsv", None, "text/tab-separated-values"),
        ("/api/queries/gdp-figures.json", "text/csv", "application/sparql-results+json"),
    ],
)
def test_results_by_accept_or_extension(server, path, accept, media_type) -> None:
    reply = request(server, "GET", path, headers={"Accept": accept} if accept else {})
    assert reply.status == 200 and reply.media_type == media_type
    assert reply.headers["x-result-count"] == "7"


def test_parameters_change_the_answer(server) -> None:
    reply = request(server, "GET", "/api/queries/gdp-figures.csv?region=region:hubei")
    rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
    assert {r["region"] for r in rows} == {"https://w3id.org/lgde/id/region/hubei"}
    assert len(rows) == 2  # one per reporting article


@pytest.mark.parametrize(
    "query,words",
    [
        ("gdp-figures?region=Hubei", "parameter 'region'"),
        ("targets-by-region?from_year=soon", "parameter 'from_year': 'soon' is not an integer"),
        ("money-amounts?min_yuan=lots", "parameter 'min_yuan'"),
        ("gdp-figures?colour=red", "parameter 'colour': unknown parameter"),
        ("gdp-figures?region=region:hubei&region=region:anhui", "given 2 times"),
        ("gdp-figures?region=%3Chttp%3A%2F%2Fx%3E%20%7D%20DROP", "neither an absolute IRI"),
        ("gdp-figures?region=http%3A%2F%2Fx%2Fa%20b", "not a valid IRI"),
    ],
)
def test_bad_parameter_is_a_400_that_names_it(server, query, words) -> None:
    reply = request(server, "GET", f"/api/queries/{query}")
    assert reply.status == 400
    assert words in reply.json()["message"]


def test_unknown_query_is_404(server) -> None:
    reply = request(server, "GET", "/api/queries/everything-ever")
    assert reply.status == 404 and "/api/queries" in reply.json()["message"]


def test_docs_page_lists_every_query_with_its_parameters(server) -> None:
    page = request(server, "GET", "/api/", headers={"Accept": "text/html"}).body.decode()
    for name, query in QUERIES.items():
        assert f'id="{name}"' in page and query.title in page
        for parameter in query.parameters:
            assert f"<code>{parameter.name}</code>" in page
    assert 'href="/api/openapi.json"' in page
