"""Counts that describe a build: triples per graph, instances per class, facts per article."""

from __future__ import annotations

from dataclasses import dataclass

from kg.store import Build


@dataclass
class Stats:
    triples_per_graph: list[tuple[str, int]]
    instances_per_class: list[tuple[str, int]]
    facts_per_article: list[tuple[str, int, int]]  # article, facts, facts it alone reports


def collect(build: Build) -> Stats:
    graphs = build.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    )
    classes = build.select(
        """SELECT ?class (COUNT(DISTINCT ?x) AS ?n) WHERE {
               ?x a ?class . ?class a owl:Class . FILTER(STRSTARTS(STR(?class), STR(lgde:)))
           } GROUP BY ?class ORDER BY DESC(?n) ?class"""
    )
    articles = build.select(
        """SELECT ?article (COUNT(DISTINCT ?fact) AS ?facts) (COUNT(DISTINCT ?only) AS ?alone)
           WHERE {
               ?article a schema:NewsArticle .
               OPTIONAL {
                   ?fact a lgde:Fact ; prov:wasDerivedFrom ?article .
                   BIND(IF(EXISTS { ?fact prov:wasDerivedFrom ?other . FILTER(?other != ?article) },
                           ?unbound, ?fact) AS ?only)
               }
           } GROUP BY ?article ORDER BY ?article"""
    )
    return Stats(
        [(str(r["g"]), _count(r["n"])) for r in graphs],
        [(str(r["class"]), _count(r["n"])) for r in classes],
        [(str(r["article"]), _count(r["facts"]), _count(r["alone"])) for r in articles],
    )


def _count(value: object) -> int:
    """A COUNT's value (an xsd:integer, which Build.select gives as an int)."""
    if not isinstance(value, int):
        raise TypeError(f"not a count: {value!r}")
    return value
