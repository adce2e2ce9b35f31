"""Synthetic projects in the shapes of the real graph, at any size, for benchmarks.

The generator copies the project's ontology, shapes and stored queries, and writes a
``graph/`` and a ``seeds/`` made of *replicas* of the five real articles:

- replica 0 is the real graph, unchanged, so every stored query and its default
  parameters still find what they find on the real data;
- each further replica copies every article with its facts, evidence and seed text under
  new IRIs (``…-r12``), with measured values scaled by a random factor;
- replicas share regions, people, organisations, events and documents in *groups* (about
  four replicas a group, chosen at random), so a region collects facts from several
  articles as real regions do; sectors, themes, indicators and roles are one vocabulary;
- each further replica reports its figures in Data Cube data sets of its own, with the real
  data sets' structures: replicas sharing a region give different values for the same
  region, indicator and year, which one data set cannot hold (IC-12).

Everything follows from ``--seed``: the same seed and size give byte-identical files.
Data files are N-Triples (which is Turtle), one per replica and one per group, because
the build reads ``graph/*.ttl``.

Usage::

    python bench/generate.py --triples 60000 --out bench/data/60k [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.build.skolem import skolemize

HOME = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/lgde/id/"
LGDE = "https://w3id.org/lgde/ontology#"
OBS_VALUE = URIRef("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
DATA_SET = URIRef("http://purl.org/linked-data/cube#DataSet")
SEED_FILE = URIRef(LGDE + "seedFile")
IDENTIFIER = URIRef("http://purl.org/dc/terms/identifier")
EXACT_MATCH = SKOS.exactMatch
LABELS = {RDFS.label, SKOS.prefLabel, SKOS.altLabel}
# One vocabulary for every replica.
SHARED_KINDS = {"sector", "theme", "indicator", "role", "dataset"}
REPLICAS_PER_GROUP = 4

Term = URIRef | BNode | Literal
Triple = tuple[Term, Term, Term]


@dataclass
class Template:
    """The real graph split into what every replica copies and what groups share."""

    article_triples: list[Triple]
    group_triples: list[Triple]
    vocabulary_triples: list[Triple]
    per_replica: set[URIRef] = field(default_factory=set)
    per_group: set[URIRef] = field(default_factory=set)
    seeds: dict[str, bytes] = field(default_factory=dict)
    data_sets: list[Triple] = field(default_factory=list)

    @cached_property
    def data_set_iris(self) -> set[Term]:
        return {s for s, _, _ in self.data_sets}


def _kind(iri: URIRef) -> str | None:
    text = str(iri)
    return text[len(ID) :].split("/", 1)[0] if text.startswith(ID) else None


def read_template(home: Path = HOME) -> Template:
    """Read ``graph/`` and ``seeds/`` of the project at ``home``."""
    articles: list[Triple] = []
    shared: list[Triple] = []
    defined_in_articles: set[URIRef] = set()
    for path in sorted((home / "graph").glob("*.ttl")):
        # Blank nodes get the build's stable IRIs, so every run writes the same files.
        graph, _ = skolemize(Graph().parse(path, format="turtle"))
        triples = sorted(graph, key=lambda t: tuple(x.n3() for x in t))
        if path.stem.startswith("article-"):
            articles += triples
            defined_in_articles |= {s for s, _, _ in triples if isinstance(s, URIRef)}
        else:
            shared += triples
    defined_shared = {s for s, _, _ in shared if isinstance(s, URIRef)}
    per_replica = {s for s in defined_in_articles - defined_shared if _kind(s)}
    per_group = {s for s in defined_shared if _kind(s) and _kind(s) not in SHARED_KINDS}
    vocabulary = [t for t in shared if not (isinstance(t[0], URIRef) and t[0] in per_group)]
    group = [t for t in shared if isinstance(t[0], URIRef) and t[0] in per_group]
    data_set_iris = {s for s, p, o in shared if p == RDF.type and o == DATA_SET}
    return Template(
        articles,
        group,
        vocabulary,
        per_replica,
        per_group,
        {p.name: p.read_bytes() for p in sorted((home / "seeds").glob("*.txt"))},
        [t for t in shared if t[0] in data_set_iris],
    )


def _scaled(value: Literal, rng: random.Random) -> Literal:
    factor = Decimal(str(round(rng.uniform(0.5, 2.0), 3)))
    number = Decimal(str(value)) * factor
    if value.datatype == XSD.integer or Decimal(str(value)) == Decimal(str(value)).to_integral():
        number = number.to_integral()
    else:
        number = number.quantize(Decimal("0.01"))
    return Literal(str(number), datatype=value.datatype)


class Renamer:
    """The IRIs, blank nodes and literals of one replica in one group."""

    def __init__(self, template: Template, replica: int, group: int) -> None:
        self.template = template
        self.replica = replica
        self.group = group

    def term(self, term: Term) -> Term:
        if isinstance(term, BNode):
            return BNode(f"{term}r{self.replica}g{self.group}")
        if isinstance(term, URIRef):
            if self.replica and (
                term in self.template.per_replica or term in self.template.data_set_iris
            ):
                return URIRef(f"{term}-r{self.replica}")
            if self.group and term in self.template.per_group:
                return URIRef(f"{term}-g{self.group}")
        return term

    def seed_name(self, name: str) -> str:
        stem, dot, extension = name.rpartition(".")
        return f"{stem}-r{self.replica}{dot}{extension}" if self.replica else name


def _line(triple: Triple) -> str:
    return f"{triple[0].n3()} {triple[1].n3()} {triple[2].n3()} .\n"


def _replica_lines(template: Template, renamer: Renamer, rng: random.Random) -> list[str]:
    lines = []
    for s, p, o in template.article_triples:
        subject = renamer.term(s)
        value = renamer.term(o)
        if renamer.replica:
            if p == OBS_VALUE and isinstance(o, Literal):
                value = _scaled(o, rng)
            elif p == SEED_FILE:
                value = Literal(renamer.seed_name(str(o)), datatype=o.datatype)
            elif p == IDENTIFIER and isinstance(o, Literal):
                value = Literal(f"{o}-r{renamer.replica}", datatype=o.datatype)
        lines.append(_line((subject, p, value)))
    if renamer.replica:
        lines += [_line((renamer.term(s), p, o)) for s, p, o in template.data_sets]
    return lines


def _group_lines(template: Template, renamer: Renamer) -> list[str]:
    lines = []
    for s, p, o in template.group_triples:
        value = renamer.term(o)
        if renamer.group:
            if p == EXACT_MATCH:
                continue  # a copy is not the Wikidata item its original is
            if p in LABELS and isinstance(o, Literal):
                value = Literal(f"{o} #{renamer.group}", lang=o.language, datatype=o.datatype)
        lines.append(_line((renamer.term(s), p, value)))
    return lines


@dataclass
class Generated:
    replicas: int
    groups: int
    triples: int


def generate(out: Path, triples: int, seed: int = 1, home: Path = HOME) -> Generated:
    """Write a project of about ``triples`` asserted triples (before seed texts) to ``out``."""
    template = read_template(home)
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("ontology", "queries"):
        shutil.copytree(home / folder, out / folder)
    (out / "graph").mkdir(parents=True)
    (out / "seeds").mkdir()
    (out / "graph" / "vocabulary.ttl").write_text(
        "".join(map(_line, template.vocabulary_triples)), encoding="utf-8"
    )
    written = len(template.vocabulary_triples)
    groups_written: set[int] = set()
    group_count = 1
    replica = 0
    members: dict[int, list[int]] = defaultdict(list)
    while written < triples or replica == 0:
        # Groups grow with the replicas, so each holds about REPLICAS_PER_GROUP of them.
        group_count = max(1, (replica + REPLICAS_PER_GROUP) // REPLICAS_PER_GROUP)
        group = 0 if replica == 0 else rng.randrange(group_count)
        members[group].append(replica)
        renamer = Renamer(template, replica, group)
        if group not in groups_written:
            lines = _group_lines(template, renamer)
            (out / "graph" / f"group-{group:05d}.ttl").write_text("".join(lines), "utf-8")
            written += len(lines)
            groups_written.add(group)
        lines = _replica_lines(template, renamer, rng)
        (out / "graph" / f"replica-{replica:05d}.ttl").write_text("".join(lines), "utf-8")
        written += len(lines)
        for name, text in template.seeds.items():
            (out / "seeds" / renamer.seed_name(name)).write_bytes(text)
        replica += 1
    return Generated(replica, len(groups_written), written)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, required=True, help="about how many triples")
    parser.add_argument("--out", type=Path, required=True, help="the project folder to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    result = generate(args.out, args.triples, args.seed)
    print(
        f"{args.out}: {result.triples} triples in {result.replicas} replicas "
        f"of the 5 articles and {result.groups} groups"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
