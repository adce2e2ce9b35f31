"""Check one article's file against the current build, in a second or two at any size.

The full checks (``kg validate``) read every file; while one article is being edited,
only it has changed. This reads that file, its text, and from the current build just
what the file refers to, into a small store, and runs there:

- the evidence check: every quote once in the article's text;
- SHACL on the file's own subjects (what they point at is read from the build, with
  its types and names, so class and value checks see it);
- disagreements between the file's figures and the graph's other figures of the same
  region or organisation and indicator;
- the Data Cube cells: an observation where the graph has one already (IC-12).

Findings about anything but the file's own subjects are not reported: the full build
checks those.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

from kg.build.data_store import DataStore
from kg.build.disagreements import disagreement_problems
from kg.build.evidence import locate_evidence
from kg.build.problems import Problem, relative
from kg.build.sources import key
from kg.build.validate import run_shacl
from kg.build.vocabulary import GRAPH_ASSERTED, LGDE, SCHEMA
from kg.layout import Layout
from kg.namespaces import ID
from kg.store import Build
from kg.typed_results import solutions, text_of

QB = "http://purl.org/linked-data/cube#"
DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
SDMX_D = "http://purl.org/linked-data/sdmx/2009/dimension#"
# What the build is asked about a thing the file only names: enough for SHACL's class,
# node-kind and name checks on the file's own subjects.
NAMING = (
    str(RDF.type),
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2004/02/skos/core#notation",
    "http://www.w3.org/2004/02/skos/core#inScheme",
    "http://www.w3.org/2004/02/skos/core#broader",
)


@dataclass
class ArticleCheck:
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passes(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def _file_graph(path) -> Graph:
    return Graph().parse(path, format="turtle")


def _copy_from_build(build: Build, data: DataStore, iris: set[str], full: set[str]) -> None:
    """Triples about ``iris`` from the build's asserted graph: all of them for ``full``,
    with their evidence annotations (one the file also gives is the same, or an older
    quote of the same unchanging text), their types and names for the rest."""
    asserted = ox.NamedNode(str(GRAPH_ASSERTED))
    triples: list[ox.Triple] = []

    def copy(iri: str, everything: bool, depth: int) -> None:
        for quad in build.store.quads_for_pattern(ox.NamedNode(iri), None, None, asserted):
            if not everything and quad.predicate.value not in NAMING:
                continue
            if isinstance(quad.object, ox.BlankNode):
                continue
            child = quad.object
            if (
                everything
                and depth < 2
                and isinstance(child, ox.NamedNode)
                and child.value.startswith(iri + "/")
            ):
                copy(child.value, True, depth + 1)
            triples.append(quad.triple)

    for iri in sorted(iris):
        copy(iri, iri in full, 0)
    # What the copied triples point at, by its types and names.
    copied = {t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode)}
    pointed = {
        t.object.value
        for t in triples
        if isinstance(t.object, ox.NamedNode) and t.object.value not in copied
    }
    for iri in sorted(pointed - iris):
        copy(iri, False, 0)
    data.extend(triples)


def check_article(layout: Layout, number: str, build: Build) -> ArticleCheck:
    """The findings on ``graph/article-<number>.ttl`` against ``build``."""
    started = time.perf_counter()
    path = layout.graph_dir / f"article-{number}.ttl"
    where = relative(path, layout.home)
    result = ArticleCheck()
    try:
        graph = _file_graph(path)
    except Exception as error:  # rdflib raises several kinds for bad Turtle
        result.problems.append(Problem("parse", where, "", f"cannot be read: {error}"))
        return result

    ontology = Graph()
    for ontology_file in layout.ontology_files:
        ontology.parse(ontology_file, format="turtle")
    shapes = Graph().parse(layout.shapes_file, format="turtle")

    data = DataStore()
    data.add_graph(graph)
    data.add_graph(ontology, data.ontology)
    own = {str(s) for s in graph.subjects() if isinstance(s, URIRef)}
    mentioned = {str(o) for o in graph.objects() if isinstance(o, URIRef)}
    defined_elsewhere = {
        iri
        for iri in own | mentioned
        if any(
            build.store.quads_for_pattern(
                ox.NamedNode(iri), None, None, ox.NamedNode(str(GRAPH_ASSERTED))
            )
        )
    }
    new_here = {iri for iri in own if iri not in defined_elsewhere} | {
        str(s) for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)
    }
    elsewhere = (mentioned | own) - new_here
    _copy_from_build(build, data, elsewhere, elsewhere)

    # The article's text, as the build attaches it, after its checksum.
    article = URIRef(f"{ID}article/{number}")
    seed = graph.value(article, URIRef(str(LGDE.seedFile)))
    if seed is not None:
        raw = (layout.seeds_dir / str(seed)).read_bytes()
        declared = {
            str(v) for v in graph.objects(None, URIRef("http://spdx.org/rdf/terms#checksumValue"))
        }
        if declared and hashlib.sha256(raw).hexdigest() not in declared:
            result.problems.append(
                Problem("seeds", where, str(article), f"seeds/{seed} does not match its checksum")
            )
        language = graph.value(article, URIRef(str(SCHEMA.inLanguage)))
        data.add(
            ox.Triple(
                ox.NamedNode(str(article)),
                ox.NamedNode(str(SCHEMA.text)),
                ox.Literal(raw.decode("utf-8"), language=str(language or "en")),
            )
        )

    def file_of(node: object) -> str:
        return where if key(node) in own or isinstance(node, (BNode, ox.BlankNode)) else ""

    # Quotes from this article; those from others (copied with a shared fact) were
    # checked by the build, against texts this check does not read.
    evidence, _ = locate_evidence(data, file_of)
    result.problems += [
        p
        for p in evidence
        if p.subject in own and ("has no text" not in p.message or f"<{article}>" in p.message)
    ]

    report = run_shacl(data, shapes, ontology, file_of)
    result.problems += [p for p in report.problems if p.subject in own or not p.subject]

    # Figures of the same areas and indicators from the rest of the graph.
    _neighbour_figures(build, data, own, str(article))
    result.problems += [
        p
        for p in disagreement_problems(data, file_of)
        if p.subject in own or any(f"<{iri}>" in p.message for iri in own)
    ]
    result.problems += _taken_cells(build, graph, where, str(article))
    result.problems = sorted(set(result.problems))
    result.seconds = time.perf_counter() - started
    return result


def _neighbour_figures(build: Build, data: DataStore, own: set[str], article: str) -> set[str]:
    """Copy in the build's figures about the same area and indicator as the file's."""
    rows = solutions(
        data.query(
            f"""SELECT DISTINCT ?subject ?indicator WHERE {{
                ?fact <{LGDE.indicator}> ?indicator ;
                      <{SDMX_D}refArea>|<{LGDE.aboutOrganization}> ?subject . }}"""
        )
    )
    found: set[str] = set()
    for row in rows:
        subject, indicator = text_of(row["subject"]), text_of(row["indicator"])
        others = solutions(
            build.store.query(
                f"""SELECT DISTINCT ?fact WHERE {{ GRAPH <{GRAPH_ASSERTED}> {{
                    ?fact <{LGDE.indicator}> <{indicator}> ;
                          <{SDMX_D}refArea>|<{LGDE.aboutOrganization}> <{subject}> .
                    FILTER NOT EXISTS {{ ?fact {DERIVED} <{article}> }} }} }}"""
            )
        )
        found |= {text_of(r["fact"]) for r in others} - own
    if found:
        _copy_from_build(build, data, found, found)
        articles = solutions(
            build.store.query(
                f"""SELECT DISTINCT ?article ?id WHERE {{ GRAPH <{GRAPH_ASSERTED}> {{
                    VALUES ?fact {{ {" ".join(f"<{f}>" for f in sorted(found))} }}
                    ?fact <http://www.w3.org/ns/prov#wasDerivedFrom> ?article .
                    ?article <http://purl.org/dc/terms/identifier> ?id }} }}"""
            )
        )
        identifier = ox.NamedNode("http://purl.org/dc/terms/identifier")
        data.extend(
            ox.Triple(ox.NamedNode(text_of(r["article"])), identifier, ox.Literal(text_of(r["id"])))
            for r in articles
        )
    return found


def _taken_cells(build: Build, graph: Graph, where: str, article: str) -> list[Problem]:
    """The file's observations whose Data Cube cell the rest of the graph, or another of
    the file's observations, holds."""
    problems = []
    cells: dict[tuple, list[str]] = {}
    for obs in sorted(graph.subjects(URIRef(QB + "dataSet"), None), key=str):
        parts = {
            "dataset": graph.value(obs, URIRef(QB + "dataSet")),
            "area": graph.value(obs, URIRef(SDMX_D + "refArea"))
            or graph.value(obs, URIRef(str(LGDE.aboutOrganization))),
            "indicator": graph.value(obs, URIRef(str(LGDE.indicator))),
            "period": graph.value(obs, URIRef(SDMX_D + "refPeriod")),
        }
        period = parts["period"]
        if any(v is None for v in parts.values()) or period is None:
            continue
        month = graph.value(obs, URIRef(str(LGDE.refMonth)))
        sector = graph.value(obs, URIRef(str(LGDE.sector)))
        cell = (*parts.values(), month, sector)
        for other in cells.get(cell, []):
            problems.append(
                Problem(
                    "datacube",
                    where,
                    str(obs),
                    f"IC-12: <{other}> is already the observation of this data set, area, "
                    "indicator and period",
                )
            )
        cells.setdefault(cell, []).append(str(obs))
        query = f"""SELECT ?other WHERE {{ GRAPH <{GRAPH_ASSERTED}> {{
            ?other <{QB}dataSet> <{parts["dataset"]}> ;
                   <{SDMX_D}refArea>|<{LGDE.aboutOrganization}> <{parts["area"]}> ;
                   <{LGDE.indicator}> <{parts["indicator"]}> ;
                   <{SDMX_D}refPeriod> {period.n3()} .
            {f"?other <{LGDE.refMonth}> {month.n3()} ." if month is not None else ""}
            {f"?other <{LGDE.sector}> <{sector}> ." if sector is not None else ""}
            FILTER(?other != <{obs}>)
            FILTER NOT EXISTS {{ ?other {DERIVED} <{article}> }} }} }}"""
        for row in solutions(build.store.query(query)):
            problems.append(
                Problem(
                    "datacube",
                    where,
                    str(obs),
                    f"IC-12: <{text_of(row['other'])}> is already the observation of this "
                    "data set, area, indicator and period",
                )
            )
    return problems
