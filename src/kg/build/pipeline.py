"""``kg build``: sources → checks → SHACL → OWL RL → N-Quads and a pyoxigraph store.

Each build is written to a fresh folder under the build root and only then made
current by swapping a symbolic link, so a failed build leaves the last good one in
place, untouched.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.build.data_store import DataStore
from kg.build.datacube import integrity_problems
from kg.build.disagreements import disagreement_problems
from kg.build.evidence import Position, locate_evidence
from kg.build.identity import identity_problems
from kg.build.labels import fact_labels
from kg.build.problems import Problem
from kg.build.quads import write_store_nquads
from kg.build.reasoning import consistency_problems, infer
from kg.build.skolem import canonical_decimals, skolemize, skolemize_store
from kg.build.sources import Sources, attach_seed_texts, key, read_sources
from kg.build.tables import TABLES_DIR, Built, write_tables
from kg.build.validate import ShaclReport, run_shacl
from kg.build.vocabulary import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY
from kg.layout import DATASET_FILE, MANIFEST_FILE, STORE_DIR, Layout

KEEP_BUILDS = 3

Progress = Callable[[str, float, str], None]


class BuildError(Exception):
    """The build stopped; ``problems`` says what to fix. The last good build is kept."""

    def __init__(self, step: str, problems: list[Problem], report: Graph | None = None) -> None:
        self.step = step
        self.problems = problems
        self.report = report  # the SHACL validation report, when SHACL failed
        super().__init__(f"build failed at step '{step}' with {len(problems)} problem(s)")


@dataclass
class Checked:
    """Sources that passed every check, ready to reason over."""

    sources: Sources
    ontology: Graph
    data: DataStore
    shacl: ShaclReport
    owners: dict[str, str] = field(repr=False)
    positions: list[Position] = field(default_factory=list, repr=False)
    disagreements: list[Problem] = field(default_factory=list)
    identities: list[Problem] = field(default_factory=list)

    def file_of(self, node: object) -> str:
        name = key(node)
        return self.sources.origin.get(self.owners.get(name, name), "")

    @property
    def warnings(self) -> list[Problem]:
        shacl = [p for p in self.shacl.problems if p.severity != "error"]
        return shacl + self.disagreements + self.identities


@dataclass
class BuildResult:
    path: Path
    manifest: dict
    warnings: list[Problem] = field(default_factory=list)


class _Steps:
    """Times each step and reports it to ``progress`` with a one-line summary."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress or (lambda step, seconds, detail: None)
        self.timings: dict[str, float] = {}
        self.detail = ""

    @contextmanager
    def step(self, name: str) -> Iterator[_Steps]:
        self.detail = ""
        started = time.perf_counter()
        yield self
        self.timings[name] = round(time.perf_counter() - started, 3)
        self.progress(name, self.timings[name], self.detail)


def check_sources(
    layout: Layout, progress: Progress | None = None, steps: _Steps | None = None
) -> Checked:
    """Parse, attach seed texts, normalise, check evidence and validate with SHACL.

    Raises :class:`BuildError` at the first step that finds problems.
    """
    steps = steps or _Steps(progress)
    with steps.step("parse") as s:
        sources = read_sources(layout)
        s.detail = (
            f"{len(sources.ontology)} ontology, {len(sources.data)} data, "
            f"{len(sources.shapes)} shape triples"
        )
    if sources.problems:
        raise BuildError("parse", sources.problems)

    with steps.step("seeds") as s:
        attach_seed_texts(sources, layout)
        s.detail = "article texts attached, checksums verified"
    if sources.problems:
        raise BuildError("seeds", sources.problems)

    with steps.step("normalize") as s:
        # The store writes typed literals in canonical form ("12.0" as "12") by itself.
        data = sources.data
        owners, clashed = skolemize_store(data)
        ontology, _ = skolemize(canonical_decimals(sources.ontology))
        data.add_graph(ontology, data.ontology)
        s.detail = f"{len(owners)} blank nodes named, literals canonical"
    if clashed:
        raise BuildError(
            "normalize",
            [
                Problem(
                    "normalize",
                    sources.file_of(owners[iri]),
                    iri,
                    "the IRI generated for a blank node is already used in the sources",
                )
                for iri in clashed
            ],
        )
    checked = Checked(sources, ontology, data, ShaclReport(True, True, [], Graph()), owners)

    with steps.step("evidence") as s:
        problems, checked.positions = locate_evidence(data, checked.file_of)
        s.detail = f"{len(checked.positions)} quotes verbatim, each found once"
    if problems:
        raise BuildError("evidence", problems)

    with steps.step("shacl") as s:
        checked.shacl = run_shacl(data, sources.shapes, ontology, checked.file_of)
        s.detail = (
            f"no violations, {len(checked.warnings)} warning(s)"
            if checked.shacl.passes
            else "violations found"
        )
    errors = [p for p in checked.shacl.problems if p.severity == "error"]
    if errors or not checked.shacl.passes:
        raise BuildError("shacl", errors or checked.shacl.problems, checked.shacl.graph)

    with steps.step("disagreements") as s:
        checked.disagreements = disagreement_problems(data, checked.file_of)
        s.detail = (
            "every disagreement between figures declared"
            if not checked.disagreements
            else f"{len(checked.disagreements)} warning(s)"
        )

    with steps.step("identity") as s:
        checked.identities = identity_problems(data, checked.file_of)
        s.detail = (
            "no two entities of one kind share a name"
            if not checked.identities
            else f"{len(checked.identities)} pair(s) to settle"
        )
    return checked


def build_graph(layout: Layout | None = None, progress: Progress | None = None) -> BuildResult:
    """Build the dataset and make it current; raise :class:`BuildError` on any problem."""
    layout = layout or Layout.discover()
    steps = _Steps(progress)
    checked = check_sources(layout, steps=steps)

    with steps.step("reason") as s:
        inferred = infer(checked.ontology, checked.data)
        s.detail = f"{len(inferred)} triples inferred"
    merged = consistency_problems(inferred)
    if merged:
        raise BuildError("reason", [Problem("reason", checked.file_of(s), s, m) for s, m in merged])

    data = checked.data
    data.add_graph(inferred, ox.NamedNode(GRAPH_INFERRED))
    # Where each quote is, and a label for each fact, derived by the build like the
    # inferences and kept with them.
    with steps.step("labels") as s:
        derived = [t for position in checked.positions for t in position.triples()]
        labels = fact_labels(data)
        derived += labels
        s.detail = f"{len(labels)} facts labelled, {len(checked.positions)} quotes located"
    data.extend(derived, ox.NamedNode(GRAPH_INFERRED))
    with steps.step("datacube") as s:
        problems = integrity_problems(data, checked.file_of)
        s.detail = "integrity constraints hold" if not problems else "constraints broken"
    if problems:
        raise BuildError("datacube", problems)

    sizes = {
        GRAPH_ONTOLOGY: len(checked.ontology),
        GRAPH_ASSERTED: len(data),
        GRAPH_INFERRED: len(inferred) + len(derived),
    }
    with steps.step("write") as s:
        staging = _staging_dir(layout)
        try:
            write_store_nquads(data.store, staging / DATASET_FILE)
            store = ox.Store(str(staging / STORE_DIR))
            store.bulk_load(path=str(staging / DATASET_FILE), format=ox.RdfFormat.N_QUADS)
            store.optimize()
            del store  # closes the store before it is read elsewhere
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        s.detail = f"{sum(sizes.values())} quads in {staging.name}"

    with steps.step("tables") as s:
        try:
            tables = write_tables(
                data.store, checked.ontology, checked.sources.shapes, staging / TABLES_DIR
            )
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        s.detail = f"{len(tables.rows)} tables, {sum(tables.rows.values())} rows"

    with steps.step("swap") as s:
        _write_manifest(staging, _manifest(checked, sizes, steps.timings, tables))
        _make_current(layout, staging)
        _prune(layout)
        s.detail = "current build updated"
    # Once more, now that the swap itself has been timed.
    manifest = _manifest(checked, sizes, steps.timings, tables)
    _write_manifest(staging, manifest)
    return BuildResult(staging, manifest, checked.warnings)


def _write_manifest(build: Path, manifest: dict) -> None:
    temporary = build / f".{MANIFEST_FILE}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.replace(temporary, build / MANIFEST_FILE)


def _staging_dir(layout: Layout) -> Path:
    builds = layout.build_root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    path = builds / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path.mkdir()
    return path


def _make_current(layout: Layout, build: Path) -> None:
    link = layout.current
    temporary = link.with_name(f".current-{os.getpid()}")
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(build.relative_to(link.parent))
    # rename(2) replaces the old link in one step: readers see the old or the new build.
    os.replace(temporary, link)


def _prune(layout: Layout) -> None:
    current = layout.current.resolve()
    builds = sorted((layout.build_root / "builds").iterdir())
    for old in builds[:-KEEP_BUILDS]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def _manifest(checked: Checked, sizes: dict, timings: dict[str, float], tables: Built) -> dict:
    import owlrl
    import pyshacl
    import rdflib

    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": dict(sorted(checked.sources.input_digests.items())),
        "triples": {str(name): size for name, size in sizes.items()},
        "tables": {"rows": dict(sorted(tables.rows.items())), "sha256": tables.files},
        "shacl": {
            "violations": 0,
            "warnings": [str(w) for w in checked.shacl.problems if w.severity != "error"],
        },
        "disagreements": [str(w) for w in checked.disagreements],
        "identity": [str(w) for w in checked.identities],
        "timings": [{"step": step, "seconds": seconds} for step, seconds in timings.items()],
        "versions": {
            "rdflib": rdflib.__version__,
            "owlrl": getattr(owlrl, "__version__", "unknown"),
            "pyshacl": pyshacl.__version__,
            "pyoxigraph": ox.__version__,
        },
    }
