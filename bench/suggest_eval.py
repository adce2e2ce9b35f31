"""Leave one out: how much of each article ``kg suggest`` finds without having seen it.

For each of the five articles, the gazetteer is built from the graph without that
article (its file, and the entities only it mentions), ``kg suggest`` reads the text,
and its suggestions are compared with the facts encoded by hand:

- numeric facts (observations, targets, expectations): a suggestion finds a fact when
  it has the same value, unit and area (region, or organisation); "with the period" also
  asks for the same year;
- entity mentions: the regions, people and organisations the article mentions
  (``lgde:mentionedIn``), found by IRI, or proposed under the IRI the graph gives them;
- person-post pairs: an affiliation's member and role.

Usage::

    python bench/suggest_eval.py [--out bench/results/suggest-leave-one-out.md]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg.authoring.articles import read_article
from kg.authoring.gazetteer import from_graph, reference
from kg.authoring.suggest import Suggester

HOME = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/lgde/id/"
LGDE = "https://w3id.org/lgde/ontology#"
SDMX_D = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_M = "http://purl.org/linked-data/sdmx/2009/measure#"
SDMX_A = "http://purl.org/linked-data/sdmx/2009/attribute#"
PROV = "http://www.w3.org/ns/prov#"
ORG = "http://www.w3.org/ns/org#"
VALUE_KINDS = {LGDE + "IndicatorObservation", LGDE + "PolicyTarget", LGDE + "Expectation"}


@dataclass
class Scores:
    found: int
    total: int
    right: int
    suggested: int

    @property
    def recall(self) -> float:
        return self.found / self.total if self.total else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.suggested if self.suggested else 1.0

    def cells(self) -> str:
        return (
            f"{self.recall:.0%} ({self.found}/{self.total}) | "
            f"{self.precision:.0%} ({self.right}/{self.suggested})"
        )


def _graph(home: Path) -> Graph:
    graph = Graph()
    for path in sorted((home / "graph").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def hand_figures(graph: Graph, article: URIRef) -> list[tuple]:
    out = []
    for fact in set(graph.subjects(URIRef(PROV + "wasDerivedFrom"), article)):
        if not set(map(str, graph.objects(fact, RDF.type))) & VALUE_KINDS:
            continue
        area = graph.value(fact, URIRef(SDMX_D + "refArea")) or graph.value(
            fact, URIRef(LGDE + "aboutOrganization")
        )
        value = graph.value(fact, URIRef(SDMX_M + "obsValue"))
        unit = graph.value(fact, URIRef(SDMX_A + "unitMeasure"))
        period = graph.value(fact, URIRef(SDMX_D + "refPeriod"))
        out.append((str(area), Decimal(str(value)), str(unit), str(period) if period else None))
    return out


def _subject(suggestion) -> str | None:
    for entity in suggestion.entities:
        if entity["role"] in ("area", "organization"):
            return entity.get("iri") or entity.get("proposed")
    return None


def evaluate(home: Path = HOME) -> list[tuple[str, Scores, Scores, Scores, Scores]]:
    graph = _graph(home)
    rows = []
    for path in sorted((home / "graph").glob("article-*.ttl")):
        number = path.stem.split("-")[1]
        article = URIRef(f"{ID}article/{number}")
        source = read_article(home / "graph", home / "seeds", number)
        suggester = Suggester(reference(from_graph(home / "graph", without=number)))
        found = suggester.suggest(source.text, source.year)

        figures = hand_figures(graph, article)
        numeric = [s for s in found if s.kind in ("observation", "target", "expectation")]
        suggested = [
            (_subject(s), Decimal(s.value or "0"), s.unit, s.when.get("period")) for s in numeric
        ]

        def same(f, s, with_period: bool) -> bool:
            return (
                f[0] == s[0] and f[1] == s[1] and f[2] == s[2] and (not with_period or f[3] == s[3])
            )

        scores = []
        for with_period in (False, True):
            scores.append(
                Scores(
                    sum(any(same(f, s, with_period) for s in suggested) for f in figures),
                    len(figures),
                    sum(any(same(f, s, with_period) for f in figures) for s in suggested),
                    len(suggested),
                )
            )

        mentioned = {
            str(e)
            for e in graph.subjects(URIRef(LGDE + "mentionedIn"), article)
            if str(e).startswith((ID + "region/", ID + "person/", ID + "organization/"))
        }
        named = set()
        for s in found:
            if s.kind != "mention":
                continue
            entity = s.entities[0]
            iri = entity.get("iri") or entity.get("proposed")
            if iri and iri.startswith((ID + "region/", ID + "person/", ID + "organization/")):
                named.add(iri)
        mentions = Scores(
            len(mentioned & named), len(mentioned), len(named & mentioned), len(named)
        )

        posts = set()
        for membership in set(graph.subjects(URIRef(PROV + "wasDerivedFrom"), article)):
            if (membership, RDF.type, URIRef(LGDE + "Affiliation")) in graph:
                posts.add(
                    (
                        str(graph.value(membership, URIRef(ORG + "member"))),
                        str(graph.value(membership, URIRef(ORG + "role"))),
                    )
                )
        proposed_posts = set()
        for s in found:
            if s.kind == "affiliation":
                by_role = {e["role"]: e.get("iri") or e.get("proposed") for e in s.entities}
                proposed_posts.add((by_role.get("member"), by_role.get("role")))
        pairs = Scores(
            len(posts & proposed_posts),
            len(posts),
            len(proposed_posts & posts),
            len(proposed_posts),
        )
        rows.append((number, scores[0], scores[1], mentions, pairs))
    return rows


def report(rows) -> str:
    lines = [
        "# `kg suggest`, leave one out",
        "",
        "Each article read with a gazetteer built from the graph without it. Recall: the",
        "article's hand-encoded facts that a suggestion finds; precision: the suggestions",
        "that find one. Numeric facts match on value, unit and area (region or organisation);",
        "'with year' also on the period. Produced by `python bench/suggest_eval.py`.",
        "",
        "| article | numeric: recall | precision | with year: recall | precision "
        "| mentions: recall | precision | person-post: recall | precision |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    totals = [Scores(0, 0, 0, 0) for _ in range(4)]
    for number, *scores in rows:
        lines.append(f"| {number} | " + " | ".join(s.cells() for s in scores) + " |")
        for total, score in zip(totals, scores, strict=True):
            total.found += score.found
            total.total += score.total
            total.right += score.right
            total.suggested += score.suggested
    lines.append("| all | " + " | ".join(s.cells() for s in totals) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()
    text = report(evaluate())
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
