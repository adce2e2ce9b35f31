"""``kg publish``: put the current build into an existing SPARQL store.

The build's three named graphs go to the store by the Graph Store Protocol, each first
into a staging graph named after the build (``<graph>/staging/<digest>``), in chunks.
Then one SPARQL Update moves the staging graphs onto the real ones and writes the
publication marker (:mod:`kg.stores.marker`: the build's identity, when, and the triples
per graph). So:

- while the upload runs, and if it is interrupted, the store still serves the previous
  build under the real graph names (kg serve names them as its dataset, so it never sees
  a staging graph);
- run again, it resumes: a staging graph that already holds all its triples is kept;
- run again after success, it only verifies.

A store that refuses the switch as too large for one transaction (Virtuoso above its
transaction log limit, which rolls the switch back) is switched graph by graph instead:
the marker first says a switch is under way, so that ``kg serve --store`` answers
nothing from a mix of two builds; each graph is copied into place under the store's
commit-as-it-goes prologue and counted; the marker names the build last. Interrupted,
the next run of the same build finishes the switch.

At the end it reads back the triples per graph and a sample of literals, compared by
value where a store rewrites a number's datatype or lexical form, and the marker.

A store loaded by its own bulk loader (QLever's index builder; any store, for a large
build) takes the file :func:`dump` writes, which holds the marker too; ``kg publish
--verify-only`` then reads it back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from kg.namespaces import GRAPHS
from kg.releases import inputs_digest
from kg.stores.client import StoreClient, StoreError
from kg.stores.marker import MARKER, XSD, holding, holding_facts, switched, switching
from kg.typed_results import solutions, text_of

NUMBERS = {XSD + t for t in ("decimal", "integer", "double", "float", "int", "long")}
SAMPLE = 60  # literals read back


@dataclass
class Published:
    """What a publication did and found."""

    digest: str
    counts: dict[str, int] = field(default_factory=dict)  # graph -> triples in the store
    expected: dict[str, int] = field(default_factory=dict)  # graph -> triples in the build
    resumed: list[str] = field(default_factory=list)  # staging graphs already complete
    dropped: list[str] = field(default_factory=list)  # staging graphs of other builds
    uploaded: bool = True
    stepwise: bool = False  # switched graph by graph, not in one transaction
    sampled: int = 0
    mismatches: list[str] = field(default_factory=list)
    marker: str | None = None  # why the publication marker does not name this build
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return self.counts == self.expected and not self.mismatches and self.marker is None


def graph_size(store: ox.Store, graph: str) -> int:
    """The triples of ``graph``, counted by the engine."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    (row,) = solutions(store.query(query))
    return int(text_of(row["n"]))


def graph_lines(store: ox.Store, graph: str) -> list[bytes]:
    """The graph's triples as sorted N-Triples lines."""
    triples = [
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))
    ]
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    return sorted(data.splitlines(keepends=True))


def dump(store: ox.Store, manifest: dict) -> bytes:
    """The build's three graphs and the publication marker that names it, as sorted
    N-Quads: for a store's own bulk loader, after which ``kg publish --verify-only``
    reads it back and ``kg serve --store`` answers from it. The marker gives the build's
    time, so one build always gives the same bytes."""
    graphs = {g: list(store.quads_for_pattern(None, None, None, ox.NamedNode(g))) for g in GRAPHS}
    counts = {g: len(quads) for g, quads in graphs.items()}
    quads = [q for g in GRAPHS for q in graphs[g]]
    facts = "\n".join(holding_facts(inputs_digest(manifest), counts, manifest["created"]))
    marker = ox.NamedNode(MARKER)
    quads += [
        ox.Quad(t.subject, t.predicate, t.object, marker)
        for t in ox.parse(facts.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
    ]
    data = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    return b"".join(sorted(set(data.splitlines(keepends=True))))


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
    done.expected = {graph: graph_size(store, graph) for graph in GRAPHS}
    held = holding(client)
    finishing = held.switching == digest  # an earlier run's switch graph by graph
    if verify_only or (held.build == digest and not held.switching):
        done.uploaded = False
        progress(
            "Verifying only." if verify_only else "The store holds this build already; verifying."
        )
    else:
        in_place: list[str] = []  # copied into place by the switch that was interrupted
        for graph in GRAPHS:
            want = done.expected[graph]
            staged = staging_graph(graph, digest)
            have = client.count(f"count the staging graph of <{graph}>", staged)
            if have == want:
                done.resumed.append(staged)
                progress(f"<{graph}>: {want} triples staged by an earlier run; kept")
            elif finishing and have == 0 and client.count(f"count <{graph}>", graph) == want:
                in_place.append(graph)
                progress(f"<{graph}>: switched by an earlier run; kept")
            else:
                _upload(client, graph, staged, graph_lines(store, graph), chunk, progress)
        done.seconds["upload"] = time.monotonic() - started
        switched_at = time.monotonic()
        if finishing:
            progress("Finishing the switch an earlier run began.")
            _switch_stepwise(client, digest, done.expected, in_place, progress)
            done.stepwise = True
        else:
            try:
                client.update("switch to the new build", switch_update(digest, done.expected))
            except StoreError as error:
                words = client.profile.too_large
                if not words or words not in str(error):
                    raise
                progress(
                    "The store refused the switch as too large for one transaction "
                    f"({words}); switching graph by graph."
                )
                _switch_stepwise(client, digest, done.expected, [], progress)
                done.stepwise = True
        done.seconds["switch"] = time.monotonic() - switched_at
        progress("Switched: the store now serves this build.")
    if not verify_only:
        done.dropped = _drop_left_behind(client, progress)
    checked = time.monotonic()
    for graph in GRAPHS:
        done.counts[graph] = client.count(f"verify <{graph}>", graph)
    done.sampled, done.mismatches = _sample(store, client)
    # kg serve --store answers only for the build the marker names.
    done.marker = holding(client).problem(digest)
    done.seconds["verify"] = time.monotonic() - checked
    done.seconds["total"] = time.monotonic() - started
    return done


def _upload(
    client: StoreClient,
    graph: str,
    staged: str,
    lines: list[bytes],
    chunk: int,
    progress: Callable[[str], None],
) -> None:
    """The graph's triples into its staging graph, ``chunk`` at a time, then counted."""
    want = len(lines)
    for at in range(0, max(want, 1), chunk):
        body = b"".join(lines[at : at + chunk])
        try:
            client.put_graph(f"upload <{graph}>", staged, body, replace=at == 0)
        except StoreError as error:
            words = client.profile.too_large
            if words and words in str(error):
                raise StoreError(
                    f"upload <{graph}>: the store refused {chunk} triples in one request as "
                    f"too large for one transaction ({words}); run kg publish again with a "
                    "smaller --chunk (the previous build still serves)"
                ) from None
            raise
        progress(f"<{graph}>: {min(at + chunk, want)} of {want} triples")
    have = client.count(f"count the staging graph of <{graph}>", staged)
    if have != want:
        raise StoreError(
            f"upload <{graph}>: the store holds {have} of its {want} triples after the "
            "upload; run kg publish again (the previous build still serves)"
        )


def switch_update(digest: str, counts: dict[str, int]) -> str:
    """One SPARQL Update: the staging graphs onto the real ones, then the marker.

    >>> g = "https://w3id.org/lgde/graph/asserted"
    >>> switch_update("ab" * 32, {g: 3}).splitlines()[0] == (
    ...     f"MOVE SILENT GRAPH <{g}/staging/abababababababab> TO <{g}> ;")
    True
    """
    moves = [f"MOVE SILENT GRAPH <{staging_graph(g, digest)}> TO <{g}> ;" for g in counts]
    return "\n".join([*moves, switched(digest, counts)])


def _drop_left_behind(client: StoreClient, progress: Callable[[str], None]) -> list[str]:
    """Drop the staging graphs that publications of other builds left unfinished: a
    store whose default graph is the union of all graphs (Virtuoso's) would show their
    triples twice to anyone querying it without a dataset. Run after a switch, so this
    build's own are gone; one publisher at a time is assumed."""
    prefixes = " || ".join(f'STRSTARTS(STR(?g), "{staging_graph(g, "")}")' for g in GRAPHS)
    rows = client.select(
        "look for staging graphs left behind",
        f"SELECT DISTINCT ?g WHERE {{ {client.profile.named_graphs} FILTER({prefixes}) }}",
    )
    left = sorted(row["g"]["value"] for row in rows)
    prologue = client.profile.commit_as_it_goes
    for graph in left:
        client.update(f"drop <{graph}>", f"{prologue}DROP SILENT GRAPH <{graph}>")
        progress(f"<{graph}>: dropped, left by an unfinished publication of another build")
    return left


def _switch_stepwise(
    client: StoreClient,
    digest: str,
    counts: dict[str, int],
    in_place: list[str],
    progress: Callable[[str], None],
) -> None:
    """Switch one graph at a time, each copy committed as it goes; the marker says a
    switch is under way until every graph is in place and counted."""
    prologue = client.profile.commit_as_it_goes
    client.update("begin the switch", switching(digest))
    for graph, want in counts.items():
        if graph in in_place:
            continue
        staged = staging_graph(graph, digest)
        client.update(
            f"copy <{graph}> into place", f"{prologue}COPY SILENT GRAPH <{staged}> TO <{graph}>"
        )
        have = client.count(f"count <{graph}>", graph)
        if have != want:
            raise StoreError(
                f"copy <{graph}> into place: the store holds {have} of its {want} triples "
                "after the copy; run kg publish again to finish the switch (until then "
                "kg serve --store refuses this store)"
            )
        client.update(
            f"drop the staging graph of <{graph}>", f"{prologue}DROP SILENT GRAPH <{staged}>"
        )
        progress(f"<{graph}>: in place, {want} triples")
    client.update("finish the switch", switched(digest, counts))


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
