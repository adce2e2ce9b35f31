"""Read the Turtle sources and the seed articles into graphs, remembering which file said what."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.layout import Layout
from kg.namespaces import LGDE, SCHEMA, SPDX
from kg.problems import Problem, relative


@dataclass
class Sources:
    """The parsed inputs of a build."""

    ontology: Graph
    data: Graph
    shapes: Graph
    # Which source file describes each subject (first file wins), for error reports.
    origin: dict[URIRef | BNode, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    input_digests: dict[str, str] = field(default_factory=dict)

    def file_of(self, node: object) -> str:
        return self.origin.get(node, "")  # type: ignore[call-overload]


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
        sources.origin.setdefault(subject, name)
    into += graph


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:500]


def read_sources(layout: Layout) -> Sources:
    """Parse the ontology, the shapes and every data file; parse errors become problems."""
    sources = Sources(ontology=Graph(), data=Graph(), shapes=Graph())
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
    for path in layout.data_files:
        _parse(path, layout, sources, sources.data)
    return sources


def attach_seed_texts(sources: Sources, layout: Layout) -> None:
    """Give every article its text from ``seeds/`` after checking the file's SHA-256.

    The text goes into the data as ``schema:text`` so that evidence quotes can be
    checked against it, by the build and by anyone who downloads the graph.
    """
    data = sources.data
    for article in sorted(data.subjects(LGDE.seedFile, None, unique=True)):
        where = sources.file_of(article)
        seed_name = str(data.value(article, LGDE.seedFile))
        path = layout.seeds_dir / seed_name
        if not path.is_file():
            sources.problems.append(
                Problem("seeds", where, str(article), f"seed file seeds/{seed_name} does not exist")
            )
            continue
        raw = path.read_bytes()
        sources.input_digests[relative(path, layout.home)] = digest = hashlib.sha256(
            raw
        ).hexdigest()
        declared = {
            str(value)
            for checksum in data.objects(article, SPDX.checksum)
            for value in data.objects(checksum, SPDX.checksumValue)
        }
        if declared != {digest}:
            sources.problems.append(
                Problem(
                    "seeds",
                    where,
                    str(article),
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
                Problem("seeds", where, str(article), f"seeds/{seed_name} is not UTF-8: {exc}")
            )
            continue
        language = data.value(article, SCHEMA.inLanguage)
        lang = str(language) if language is not None else None
        data.add((article, SCHEMA.text, Literal(text, lang=lang)))
        data.add((article, SCHEMA.contentSize, Literal(len(raw), datatype=XSD.integer)))
