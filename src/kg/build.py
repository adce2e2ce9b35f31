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

import pyoxigraph

from kg.evidence import check_evidence
from kg.layout import Layout
from kg.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_ONTOLOGY, OA
from kg.problems import Problem
from kg.quads import write_nquads
from kg.reasoning import consistency_problems, infer
from kg.skolem import canonical_decimals, skolemize
from kg.sources import attach_seed_texts, read_sources
from kg.validate import run_shacl

DATASET_FILE = "dataset.nq"
STORE_DIR = "store"
MANIFEST_FILE = "manifest.json"
KEEP_BUILDS = 3


class BuildError(Exception):
    """The build stopped; ``problems`` says what to fix. The last good build is kept."""

    def __init__(self, step: str, problems: list[Problem]) -> None:
        self.step = step
        self.problems = problems
        super().__init__(f"build failed at step '{step}' with {len(problems)} problem(s)")


@dataclass
class BuildResult:
    path: Path
    manifest: dict
    warnings: list[Problem] = field(default_factory=list)


Progress = Callable[[str, float, str], None]


def _quiet(step: str, seconds: float, detail: str) -> None:
    pass


@contextmanager
def _step(name: str, timings: dict[str, float], progress: Progress, detail: list[str]) -> Iterator:
    started = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - started, 3)
    progress(name, timings[name], detail[0] if detail else "")


def build_graph(layout: Layout | None = None, progress: Progress = _quiet) -> BuildResult:
    """Build the dataset and make it current; raise :class:`BuildError` on any problem."""
    layout = layout or Layout.discover()
    timings: dict[str, float] = {}
    note: list[str] = []

    def detail(text: str) -> None:
        note[:] = [text]

    with _step("parse", timings, progress, note):
        sources = read_sources(layout)
        detail(f"{len(sources.ontology)} ontology, {len(sources.data)} data, "
               f"{len(sources.shapes)} shape triples")
    if sources.problems:
        raise BuildError("parse", sources.problems)

    with _step("seeds", timings, progress, note):
        attach_seed_texts(sources, layout)
        detail("article texts attached and checksums verified")
    if sources.problems:
        raise BuildError("seeds", sources.problems)

    with _step("normalize", timings, progress, note):
        data, data_owners = skolemize(canonical_decimals(sources.data))
        ontology, _ = skolemize(canonical_decimals(sources.ontology))
        clashes = [
            Problem("normalize", sources.file_of(owner), str(iri),
                    "generated IRI for a blank node is already used by the sources")
            for iri, owner in data_owners.items()
            if (iri, None, None) in sources.data
        ]
        detail(f"{len(data_owners)} blank nodes named, decimals canonical")
    if clashes:
        raise BuildError("normalize", clashes)

    def file_of(node: object) -> str:
        owner = data_owners.get(node, node)  # type: ignore[call-overload]
        return sources.file_of(owner)

    with _step("evidence", timings, progress, note):
        problems = check_evidence(data, file_of)
        detail(f"{sum(1 for _ in data.subjects(OA.exact, None))} quotes verbatim")
    if problems:
        raise BuildError("evidence", problems)

    with _step("shacl", timings, progress, note):
        report = run_shacl(data, sources.shapes, ontology, file_of)
        errors = [p for p in report.problems if p.severity == "error"]
        warnings = [p for p in report.problems if p.severity != "error"]
        detail(f"conforms, {len(warnings)} warning(s)" if report.conforms else "violations")
    if errors or not report.conforms:
        raise BuildError("shacl", errors or report.problems)

    with _step("reason", timings, progress, note):
        inferred = infer(ontology, data)
        detail(f"{len(inferred)} triples inferred")
    merged = consistency_problems(inferred)
    if merged:
        raise BuildError(
            "reason", [Problem("reason", file_of(s), s, message) for s, message in merged]
        )

    with _step("write", timings, progress, note):
        staging = _staging_dir(layout)
        try:
            graphs = {GRAPH_ONTOLOGY: ontology, GRAPH_ASSERTED: data, GRAPH_INFERRED: inferred}
            write_nquads(graphs, staging / DATASET_FILE)
            store = pyoxigraph.Store(str(staging / STORE_DIR))
            store.bulk_load(path=str(staging / DATASET_FILE), format=pyoxigraph.RdfFormat.N_QUADS)
            store.optimize()
            del store
            manifest = _manifest(layout, sources.input_digests, graphs, timings, warnings)
            (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        detail(f"{staging.name}")

    with _step("swap", timings, progress, note):
        _make_current(layout, staging)
        _prune(layout)
        detail("current build updated")
    manifest["timings"] = timings
    (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return BuildResult(staging, manifest, warnings)


def _staging_dir(layout: Layout) -> Path:
    builds = layout.build_root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = builds / stamp
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
    builds = sorted((layout.build_root / "builds").iterdir())
    current = layout.current.resolve()
    for old in builds[:-KEEP_BUILDS]:
        if old.resolve() != current:
            shutil.rmtree(old, ignore_errors=True)


def _manifest(
    layout: Layout,
    inputs: dict[str, str],
    graphs: dict,
    timings: dict[str, float],
    warnings: list[Problem],
) -> dict:
    import owlrl
    import pyshacl
    import rdflib

    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "inputs": dict(sorted(inputs.items())),
        "triples": {str(name): len(graph) for name, graph in graphs.items()},
        "shacl": {"conforms": True, "warnings": [str(w) for w in warnings]},
        "timings": timings,
        "versions": {
            "rdflib": rdflib.__version__,
            "owlrl": getattr(owlrl, "__version__", "unknown"),
            "pyshacl": pyshacl.__version__,
            "pyoxigraph": pyoxigraph.__version__,
        },
    }

