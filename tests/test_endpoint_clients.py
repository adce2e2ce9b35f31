"""Real SPARQL clients work with the endpoint unmodified."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, SPARQLWrapper

QUERY = """PREFIX lgde: <https://w3id.org/lgde/ontology#>
SELECT ?r WHERE { ?r a lgde:Municipality } ORDER BY ?r"""


def test_sparqlwrapper_json_get_and_post(server) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(QUERY)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [r["r"]["value"].rsplit("/", 1)[1] for r in rows] == [
        "beijing",
        "chongqing",
        "shanghai",
        "tianjin",
    ]
    client.setMethod(POST)
    assert client.query().convert()["results"]["bindings"] == rows


def test_sparqlwrapper_csv_and_construct(server) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(QUERY)
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines()[0] == "r"
    client.setQuery(
        "CONSTRUCT { ?r a ?c } WHERE { ?r a ?c "
        "FILTER(?r = <https://w3id.org/lgde/id/region/hubei>) }"
    )
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert (URIRef("https://w3id.org/lgde/id/region/hubei"), None, None) in graph


def test_rdflib_sparqlstore(server) -> None:
    graph = Graph(store=SPARQLStore(server + "/sparql"))
    rows = list(graph.query(QUERY))
    assert [str(row.r).rsplit("/", 1)[1] for row in rows] == [
        "beijing",
        "chongqing",
        "shanghai",
        "tianjin",
    ]
    assert bool(graph.query("ASK { ?s ?p ?o }").askAnswer) is True
