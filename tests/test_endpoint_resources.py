"""Dereferenceable IRIs, the dataset's self-description and its downloads, over HTTP."""

from __future__ import annotations

import hashlib
import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kg.build.export import FORMATS

from .http_client import request

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TARGET = "https://w3id.org/lgde/id/target/beijing-application-scenarios"
RDFLIB = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


def _local(iri: str) -> str:
    return iri.replace("https://w3id.org/lgde", "", 1)


@pytest.mark.parametrize(
    "accept,media_type",
    [
        (None, "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_resource_as_data_by_content_negotiation(server, accept, media_type) -> None:
    reply = request(server, "GET", _local(TARGET), headers={"Accept": accept} if accept else {})
    assert reply.status == 200 and reply.media_type == media_type
    assert reply.headers["vary"] == "Accept"
    graph = Graph().parse(data=reply.body, format=RDFLIB[media_type])
    target = URIRef(TARGET)
    assert (target, URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue"), None) in graph
    # The evidence nodes minted under the fact's IRI come with it, quotes included.
    quotes = {str(o) for o in graph.objects(None, URIRef("http://www.w3.org/ns/oa#exact"))}
    assert any("20 major application scenarios" in q for q in quotes)
    assert any("20 key application scenarios" in q for q in quotes)


@pytest.mark.parametrize(
    "suffix,media_type",
    [
        (".ttl", "text/turtle"),
        (".jsonld", "application/ld+json"),
        (".nt", "application/n-triples"),
        (".rdf", "application/rdf+xml"),
        ("?format=ntriples", "application/n-triples"),
    ],
)
def test_extension_or_format_parameter_overrides_accept(server, suffix, media_type) -> None:
    reply = request(server, "GET", "/id/region/guizhou" + suffix, headers={"Accept": BROWSER})
    assert reply.status == 200 and reply.media_type == media_type


def test_resource_page_for_browsers(server) -> None:
    reply = request(server, "GET", _local(TARGET), headers={"Accept": BROWSER})
    assert reply.status == 200 and reply.media_type == "text/html"
    page = reply.body.decode()
    # Alternates for every data format.
    alternates = re.findall(r'<link rel="alternate" type="([^"]+)"', page)
    assert set(alternates) == {
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
    }
    # Label, types, properties with links, the evidence quotes and their articles.
    assert "Launch 20 major application scenarios" in page
    assert 'href="/id/region/beijing"' in page
    assert "Beijing municipal government targets launching 20 major" in page
    assert 'href="/id/article/000"' in page and 'href="/id/article/001"' in page
    assert "policy target" in page


def test_incoming_links_are_shown(server) -> None:
    page = request(server, "GET", "/id/region/guizhou", headers={"Accept": BROWSER}).body.decode()
    assert "Referred to by" in page
    assert 'href="/id/region/guiyang"' in page  # Guiyang is part of Guizhou
    assert 'href="/id/target/guizhou-computing-voucher-budget-2024"' in page


def test_every_kind_of_resource_resolves(server, build) -> None:
    rows = build.select("""SELECT ?kind (SAMPLE(?s) AS ?example) WHERE {
        ?s ?p ?o FILTER(STRSTARTS(STR(?s), "https://w3id.org/lgde/id/"))
        BIND(STRBEFORE(SUBSTR(STR(?s), 26), "/") AS ?kind) } GROUP BY ?kind""")
    assert len(rows) >= 20
    for row in rows:
        reply = request(server, "GET", _local(row["example"]), headers={"Accept": "text/turtle"})
        assert reply.status == 200, row["example"]
        graph = Graph().parse(data=reply.body, format="turtle")
        assert (URIRef(row["example"]), None, None) in graph


def test_unknown_resource_is_404(server) -> None:
    reply = request(server, "GET", "/id/region/atlantis")
    assert reply.status == 404 and "atlantis" in reply.json()["message"]
    page = request(server, "GET", "/id/region/atlantis", headers={"Accept": BROWSER})
    assert page.status == 404 and page.media_type == "text/html"


@pytest.mark.parametrize(
    "path",
    [
        "region/hubei%3E",
        "region/hubei%22",
        "region/hu%20bei",
        "region/%7Bx%7D",
        "region/a%5Cb",
        "region/%FF",
        "region/%EF%BF%BD",
    ],
)
@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_a_path_no_iri_could_have_is_404_not_a_query(server, path, accept) -> None:
    # Regression: the path was written into SPARQL text, and "hubei>" was a syntax error.
    reply = request(server, "GET", f"/id/{path}", headers={"Accept": accept})
    assert reply.status == 404, reply.body[:200]
    if accept != "text/html":
        assert reply.json()["status"] == 404


def test_ontology_terms_resolve_to_their_description(server) -> None:
    page = request(server, "GET", "/ontology", headers={"Accept": BROWSER}).body.decode()
    # Hash IRIs such as lgde:PolicyTarget land on an anchor of the ontology page.
    assert 'id="PolicyTarget"' in page and 'id="withinRegion"' in page
    assert "A quantified aim" in page
    data = request(server, "GET", "/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=data.body, format="turtle")
    term = URIRef("https://w3id.org/lgde/ontology#PolicyTarget")
    assert (
        term,
        URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
        Literal("policy target", lang="en"),
    ) in graph


def test_void_and_dcat(server) -> None:
    reply = request(server, "GET", "/.well-known/void", headers={"Accept": "text/turtle"})
    assert reply.status == 200
    graph = Graph().parse(data=reply.body, format="turtle")
    void = "http://rdfs.org/ns/void#"
    dataset = URIRef("https://w3id.org/lgde/dataset")
    for prop in ("triples", "entities", "classes", "properties"):
        value = graph.value(dataset, URIRef(void + prop))
        assert value is not None and int(value) > 0, prop
    assert graph.value(dataset, URIRef(void + "sparqlEndpoint")) == URIRef(server + "/sparql")
    dumps = set(graph.objects(dataset, URIRef(void + "dataDump")))
    assert len(dumps) == 6
    dcat = "http://www.w3.org/ns/dcat#"
    distributions = set(graph.objects(dataset, URIRef(dcat + "distribution")))
    assert distributions == dumps
    for distribution in distributions:
        assert (distribution, RDF.type, URIRef(dcat + "Distribution")) in graph
        assert graph.value(distribution, URIRef(dcat + "downloadURL")) == distribution
    assert (None, URIRef(dcat + "endpointURL"), URIRef(server + "/sparql")) in graph


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_downloads_with_etag(server, build, fmt) -> None:
    spec = FORMATS[fmt]
    path = f"/download/lgde.{spec.extension}"
    reply = request(server, "GET", path)
    assert reply.status == 200 and reply.media_type == spec.media_type
    etag = reply.headers["etag"]
    assert etag.strip('"') == hashlib.sha256(reply.body).hexdigest()[:32]
    from kg.build.export import export_store

    assert reply.body == export_store(build.store, fmt)  # the build, byte for byte
    again = request(server, "GET", path, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""


def test_download_index_lists_every_format(server) -> None:
    listing = request(server, "GET", "/download/").json()
    assert set(listing) == set(FORMATS)
    assert request(server, "GET", "/download/lgde.xlsx").status == 404


def test_landing_page(server, build) -> None:
    page = request(server, "GET", "/", headers={"Accept": BROWSER}).body.decode()
    for link in ("/sparql", "/api/", "/ontology", "/.well-known/void", "/download/"):
        assert f'href="{link}"' in page
    assert server + "/sparql" in page
    # Live counts, from the graph itself.
    people = len(build.select("SELECT DISTINCT ?p WHERE { ?p a foaf:Person }"))
    assert f"<th>People</th><td>{people}</td>" in page
    assert "<th>Source articles</th><td>5</td>" in page
    assert build.manifest["created"] in page and "no violations" in page
    # schema.org Dataset for dataset search engines.
    import json

    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    dataset = json.loads(block)
    assert dataset["@type"] == "Dataset" and dataset["@context"] == "https://schema.org/"
    assert len(dataset["distribution"]) == 6
    assert all(d["contentUrl"].startswith(server + "/download/") for d in dataset["distribution"])


def test_entity_page_groups_facts_by_kind_with_evidence(server) -> None:
    page = request(server, "GET", "/id/person/lu-ming", headers={"Accept": BROWSER}).body.decode()
    headings = re.findall(r"<h2>([^<]+)</h2>", page)
    # His two passages that say opposite things come first, side by side.
    assert headings[:4] == ["Sources disagree", "Posts and affiliations", "Quotes", "Plans"]
    # Each fact with its verbatim quote and its source article.
    assert "blind investments, wastage of resources and overlapping of projects" in page
    assert page.count('class="fact" data-kind="Quote"') == 9
    assert 'href="/id/article/003"' in page


def test_conflicting_facts_side_by_side(server) -> None:
    page = request(server, "GET", "/id/region/dongguan", headers={"Accept": BROWSER}).body.decode()
    assert "<h2>Sources disagree</h2>" in page
    block = page.split('<div class="conflict">', 1)[1].split("</div>", 1)[0]
    assert block.count("<section>") == 2
    assert "With the GDP of Dongguan" in block and "the GDP of Guangdong, a city" in block
    assert 'href="/id/article/000"' in block and 'href="/id/article/001"' in block
    # The other city's fact appears only as the other side, not among Dongguan's own facts.
    own = page.split("<h2>Indicators</h2>", 1)[1]
    assert "the GDP of Guangdong, a city" not in own.split("<h2>", 1)[0]


def test_ontology_page_documents_every_term_from_the_source(server) -> None:
    from html import unescape

    from rdflib.namespace import OWL, RDFS

    from .conftest import HOME

    ontology = Graph().parse(HOME / "ontology" / "lgde.ttl")
    page = unescape(request(server, "GET", "/ontology", headers={"Accept": BROWSER}).body.decode())
    namespace = "https://w3id.org/lgde/ontology#"
    terms = [
        t
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for t in ontology.subjects(RDF.type, kind)
        if str(t).startswith(namespace)
    ]
    assert len(terms) > 60
    for term in terms:
        name = str(term)[len(namespace) :]
        row = page.split(f'<tr id="{name}">', 1)[1].split("</tr>", 1)[0]
        assert str(ontology.value(term, RDFS.label)) in row, name
        assert str(ontology.value(term, RDFS.comment)) in row, name
        for prop, word in ((RDFS.domain, "domain"), (RDFS.range, "range")):
            value = ontology.value(term, prop)
            if value is not None:
                assert f"{word}: " in row, (name, word)


def test_amounts_are_shown_as_people_read_them(server) -> None:
    page = request(server, "GET", "/id/region/guizhou", headers={"Accept": BROWSER}).body.decode()
    # 003: "a budget of 100 million yuan (US$13.9 million) in vouchers".
    assert "<b>100 million yuan (Guizhou, 2024)</b>" in page
    assert "100000000" not in page.split("<h2>Properties</h2>", 1)[0]
    # Two revenue growth figures of 2021 on one page say which sector each is.
    assert "revenue growth (telecommunications), 2021, 18.8%" in page
    assert "revenue growth (electronic information manufacturing), 2021, 27.8%" in page
    target = request(
        server,
        "GET",
        "/id/target/guizhou-computing-voucher-budget-2024",
        headers={"Accept": BROWSER},
    ).body.decode()
    assert '<span class="reading">(100 million yuan)</span>' in target
    assert '<span class="reading">(US$13.9 million)</span>' in target
