"""Read the Turtle sources and the seed articles into graphs, remembering which file said what."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.namespace import XSD

from kg.build.data_store import DataStore
from kg.build.problems import Problem, relative
from kg.build.vocabulary import LGDE, SCHEMA, SPDX
from kg.layout import Layout
from kg.typed_results import text_of


@dataclass
class Sources:
    """The parsed inputs of a build: ontology and shapes in rdflib, the data in a store."""

    ontology: Graph
    data: DataStore
    shapes: Graph
    # Which source file describes each subject (first file wins), for error reports;
    # keyed by IRI (or blank node label).
    origin: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    input_digests: dict[str, str] = field(default_factory=dict)

    def file_of(self, node: object) -> str:
        return self.origin.get(key(node), "")


def key(node: object) -> str:
    """The IRI or blank node label of an rdflib or pyoxigraph term."""
    value = getattr(node, "value", None)
    return value if isinstance(value, str) else str(node)


def _parse_data(path: Path, layout: Layout, sources: Sources, into: list) -> None:
    name = relative(path, layout.home)
    raw = path.read_bytes()
    sources.input_digests[name] = hashlib.sha256(raw).hexdigest()
    try:
        triples = ox.parse(raw, format=ox.RdfFormat.TURTLE, base_iri=path.as_uri())
        # Blank node labels are per file: _:b1 in two files are two nodes.
        blank: dict[ox.BlankNode, ox.BlankNode] = {}

        def own(term):
            if isinstance(term, ox.BlankNode):
                return blank.setdefault(term, ox.BlankNode())
            return term

        parsed = [
            ox.Triple(own(t.subject), t.predicate, own(t.object))
            if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
            else t
            for t in triples
        ]
    except SyntaxError as exc:
        sources.problems.append(Problem("parse", name, "", _first_line(exc)))
        return
    origin = sources.origin
    for triple in parsed:
        subject = text_of(triple.subject)
        if subject not in origin:
            origin[subject] = name
    into.extend(parsed)


def _parse(path: Path, layout: Layout, sources: Sources, into: Graph) -> None:
    name = relative(path, layout.home)
    raw = path.read_bytes()
    sources.input_digests[name] = hashlib.sha256(raw).hexdigest()
    graph = Graph()
    try:
        graph.parse(data=raw, format="turtle", publicID=path.as_uri())
    except Exception as exc:  # rdflib raises several types; all mean "cannot parse"
        sources.problems.append(Problem("parse", name, "", _first_line(exc)))
        return
    for subject in graph.subjects(unique=True):
        sources.origin.setdefault(key(subject), name)
    into += graph


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:500]


_BATCH = 500_000


def read_sources(layout: Layout) -> Sources:
    """Parse the ontology, the shapes and every data file; parse errors become problems."""
    sources = Sources(ontology=Graph(), data=DataStore(), shapes=Graph())
    for path in layout.ontology_files:
        _parse(path, layout, sources, sources.ontology)
    if layout.shapes_file.exists():
        _parse(layout.shapes_file, layout, sources, sources.shapes)
    else:
        sources.problems.append(
            Problem("parse", relative(layout.shapes_file, layout.home), "", "file is missing")
        )
    if not layout.data_files:
        sources.problems.append(Problem("parse", "graph/", "", "no Turtle files found"))
    # Into the store in large batches, not one per file: each bulk insert costs more the
    # larger the store already is.
    pending: list = []
    for path in layout.data_files:
        _parse_data(path, layout, sources, pending)
        if len(pending) >= _BATCH:
            sources.data.extend(pending)
            pending = []
    sources.data.extend(pending)
    return sources


def attach_seed_texts(sources: Sources, layout: Layout) -> None:
    """Give every article its text from ``seeds/`` after checking the file's SHA-256.

    The text goes into the data as ``schema:text`` so that evidence quotes can be
    checked against it, by the build and by anyone who downloads the graph.
    """
    data = sources.data
    rows = data.query(
        f"""SELECT ?article ?file (GROUP_CONCAT(DISTINCT STR(?value); SEPARATOR=" ") AS ?declared)
               (SAMPLE(?language) AS ?lang) WHERE {{
            ?article <{LGDE.seedFile}> ?file .
            OPTIONAL {{ ?article <{SPDX.checksum}>/<{SPDX.checksumValue}> ?value }}
            OPTIONAL {{ ?article <{SCHEMA.inLanguage}> ?language }}
        }} GROUP BY ?article ?file ORDER BY ?article ?file"""
    )
    for row in rows:
        article = row["article"]
        where = sources.file_of(article)
        seed_name = row["file"].value
        path = layout.seeds_dir / seed_name
        if not path.is_file():
            sources.problems.append(
                Problem(
                    "seeds", where, article.value, f"seed file seeds/{seed_name} does not exist"
                )
            )
            continue
        raw = path.read_bytes()
        sources.input_digests[relative(path, layout.home)] = digest = hashlib.sha256(
            raw
        ).hexdigest()
        declared = set(row["declared"].value.split()) if row["declared"] else set()
        if declared != {digest}:
            sources.problems.append(
                Problem(
                    "seeds",
                    where,
                    article.value,
                    f"seeds/{seed_name} has SHA-256 {digest}, but the graph declares "
                    f"{', '.join(sorted(declared)) or 'none'}; the file changed or the "
                    "checksum is wrong",
                )
            )
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            sources.problems.append(
                Problem("seeds", where, article.value, f"seeds/{seed_name} is not UTF-8: {exc}")
            )
            continue
        language = row["lang"].value if row["lang"] is not None else None
        data.add(
            ox.Triple(article, ox.NamedNode(str(SCHEMA.text)), ox.Literal(text, language=language))
        )
        data.add(
            ox.Triple(
                article,
                ox.NamedNode(str(SCHEMA.contentSize)),
                ox.Literal(str(len(raw)), datatype=ox.NamedNode(str(XSD.integer))),
            )
        )
