"""``kg publish``: put the current build into an existing SPARQL store.

The build's three named graphs go to the store by the Graph Store Protocol, each first
into a staging graph named after the build (``<graph>/staging/<digest>``), in chunks.
Then one SPARQL Update moves the staging graphs onto the real ones and writes the
publication marker (``<https://w3id.org/lgde/graph/publication>``: the build's identity,
when, and the triples per graph). So:

- while the upload runs, and if it is interrupted, the store still serves the previous
  build under the real graph names (kg serve names them as its dataset, so it never sees
  a staging graph);
- run again, it resumes: a staging graph that already holds all its triples is kept;
- run again after success, it only verifies.

At the end it reads back the triples per graph and a sample of literals, compared by
value where a store rewrites a number's datatype or lexical form.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from kg.namespaces import BASE, GRAPHS
from kg.releases import DATASET, inputs_digest
from kg.stores.client import StoreClient, StoreError

MARKER = BASE + "graph/publication"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMBERS = {XSD + t for t in ("decimal", "integer", "double", "float", "int", "long")}
SAMPLE = 60  # literals read back


@dataclass
class Published:
    """What a publication did and found."""

    digest: str
    counts: dict[str, int] = field(default_factory=dict)  # graph -> triples in the store
    expected: dict[str, int] = field(default_factory=dict)  # graph -> triples in the build
    resumed: list[str] = field(default_factory=list)  # staging graphs already complete
    uploaded: bool = True
    sampled: int = 0
    mismatches: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return self.counts == self.expected and not self.mismatches


def graph_lines(store: ox.Store, graph: str) -> list[bytes]:
    """The graph's triples as sorted N-Triples lines."""
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    ]
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return sorted(data.splitlines(keepends=True))


def staging_graph(graph: str, digest: str) -> str:
    return f"{graph}/staging/{digest[:16]}"


def publish(
    store: ox.Store,
    manifest: dict,
    client: StoreClient,
    *,
    chunk: int = 50_000,
    verify_only: bool = False,
    progress: Callable[[str], None] = lambda _: None,
) -> Published:
    """Publish the build (its ``store`` and ``manifest``) through ``client``."""
    digest = inputs_digest(manifest)
    done = Published(digest)
    started = time.monotonic()
    client.select("reach the store", "SELECT (1 AS ?one) WHERE {}")
    lines = {graph: graph_lines(store, graph) for graph in GRAPHS}
    done.expected = {graph: len(lines[graph]) for graph in GRAPHS}
    marker = client.select(
        "read the publication marker",
        f"SELECT ?id WHERE {{ GRAPH <{MARKER}> {{ <{DATASET}> <{DCT}identifier> ?id }} }}",
    )
    published = {row["id"]["value"] for row in marker if "id" in row}
    if verify_only or published == {digest}:
        done.uploaded = False
        progress(
            "The store holds this build already; verifying."
            if published == {digest}
            else "Verifying only."
        )
    else:
        for graph in GRAPHS:
            staged = staging_graph(graph, digest)
            want = done.expected[graph]
            if client.count(f"count the staging graph of <{graph}>", staged) == want:
                done.resumed.append(staged)
                progress(f"<{graph}>: {want} triples staged by an earlier run; kept")
                continue
            for at in range(0, max(want, 1), chunk):
                body = b"".join(lines[graph][at : at + chunk])
                client.put_graph(f"upload <{graph}>", staged, body, replace=at == 0)
                progress(f"<{graph}>: {min(at + chunk, want)} of {want} triples")
            have = client.count(f"count the staging graph of <{graph}>", staged)
            if have != want:
                raise StoreError(
                    f"upload <{graph}>: the store holds {have} of its {want} triples after the "
                    "upload; run kg publish again (the previous build still serves)"
                )
        done.seconds["upload"] = time.monotonic() - started
        switched = time.monotonic()
        client.update("switch to the new build", switch_update(digest, done.expected))
        done.seconds["switch"] = time.monotonic() - switched
        progress("Switched: the store now serves this build.")
    checked = time.monotonic()
    for graph in GRAPHS:
        done.counts[graph] = client.count(f"verify <{graph}>", graph)
    done.sampled, done.mismatches = _sample(store, client)
    done.seconds["verify"] = time.monotonic() - checked
    done.seconds["total"] = time.monotonic() - started
    return done


def switch_update(digest: str, counts: dict[str, int]) -> str:
    """One SPARQL Update: the staging graphs onto the real ones, then the marker.

    >>> g = "https://w3id.org/lgde/graph/asserted"
    >>> switch_update("ab" * 32, {g: 3}).splitlines()[0] == (
    ...     f"MOVE SILENT GRAPH <{g}/staging/abababababababab> TO <{g}> ;")
    True
    """
    moves = [f"MOVE SILENT GRAPH <{staging_graph(g, digest)}> TO <{g}> ;" for g in counts]
    now = datetime.now(UTC).isoformat(timespec="seconds")
    facts = [
        f'<{DATASET}> <{DCT}identifier> "{digest}" .',
        f'<{DATASET}> <{DCT}modified> "{now}"^^<{XSD}dateTime> .',
        *(f'<{g}> <{VOID}triples> "{n}"^^<{XSD}integer> .' for g, n in counts.items()),
    ]
    inserted = "\n      ".join(facts)
    return "\n".join(
        [
            *moves,
            f"DROP SILENT GRAPH <{MARKER}> ;",
            f"INSERT DATA {{ GRAPH <{MARKER}> {{\n      {inserted}\n  }} }}",
        ]
    )


def _sample(store: ox.Store, client: StoreClient) -> tuple[int, list[str]]:
    """Up to ``SAMPLE`` literals of the asserted graph, read back and compared by value."""
    graph = GRAPHS[1]
    literals = sorted(
        (
            q
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
            if isinstance(q.object, ox.Literal) and isinstance(q.subject, ox.NamedNode)
        ),
        key=lambda q: (str(q.subject), str(q.predicate), str(q.object)),
    )
    if not literals:
        return 0, []
    step = max(1, len(literals) // SAMPLE)
    chosen = literals[::step][:SAMPLE]
    rows = []
    # A few at a time: a store may cut a longer answer short without saying so.
    for at in range(0, len(chosen), 10):
        pairs = " ".join(f"({q.subject} {q.predicate})" for q in chosen[at : at + 10])
        rows += client.select(
            "read back a sample of literals",
            f"SELECT ?s ?p ?o WHERE {{ VALUES (?s ?p) {{ {pairs} }} "
            f"GRAPH <{graph}> {{ ?s ?p ?o }} }}",
        )
    found: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        found.setdefault((row["s"]["value"], row["p"]["value"]), []).append(row["o"])
    mismatches = []
    for q in chosen:
        theirs = found.get((str(q.subject)[1:-1], q.predicate.value), [])
        if not any(same_value(q.object, term) for term in theirs):  # type: ignore[arg-type]
            mismatches.append(f"{q.subject} {q.predicate} {q.object}: the store has {theirs}")
    return len(chosen), mismatches


def same_value(local: ox.Literal, remote: dict) -> bool:
    """Whether a SPARQL JSON term holds the literal ``local``: numbers by value (a store
    may write ``12.0`` as ``12`` or call a decimal a double), the rest exactly.

    >>> d = ox.Literal("12.0", datatype=ox.NamedNode(XSD + "decimal"))
    >>> same_value(d, {"type": "typed-literal", "datatype": XSD + "decimal", "value": "12"})
    True
    >>> same_value(d, {"type": "literal", "datatype": XSD + "decimal", "value": "13"})
    False
    >>> same_value(ox.Literal("Hubei", language="en"),
    ...            {"type": "literal", "xml:lang": "en", "value": "Hubei"})
    True

    Virtuoso 7.2 writes a boolean as 1 or 0 and a year-month duration as its months:

    >>> same_value(ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    ...            {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"})
    True
    >>> same_value(ox.Literal("P10Y", datatype=ox.NamedNode(XSD + "duration")),
    ...            {"type": "typed-literal", "datatype": XSD + "duration", "value": "120"})
    True
    """
    if remote.get("type") not in ("literal", "typed-literal"):
        return False
    datatype = remote.get("datatype", XSD + "string")
    if local.datatype.value in NUMBERS and datatype in NUMBERS:
        try:
            return Decimal(local.value) == Decimal(remote["value"])
        except InvalidOperation:
            return False
    if local.datatype.value == datatype == XSD + "boolean":
        truth = {"true": True, "1": True, "false": False, "0": False}
        return truth.get(local.value) == truth.get(remote["value"], "?")
    if local.datatype.value == datatype == XSD + "duration" and remote["value"].isdigit():
        return months(local.value) == int(remote["value"])
    if local.language:
        return (remote.get("xml:lang") or "").lower() == local.language.lower() and (
            remote["value"] == local.value
        )
    return remote["value"] == local.value and datatype == local.datatype.value


def months(duration: str) -> int | None:
    """The months of a year-month duration (``P1Y6M`` is 18); None for any other.

    >>> months("P10Y"), months("P1Y6M"), months("P3D")
    (120, 18, None)
    """
    match = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?", duration)
    if not match or not any(match.groups()):
        return None
    return int(match.group(1) or 0) * 12 + int(match.group(2) or 0)
