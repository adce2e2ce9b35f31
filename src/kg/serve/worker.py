"""The code that runs inside a query worker process.

A worker opens the store read-only, then answers one request at a time from its
pipe. It is a separate process so that a query past its deadline can be stopped for
real: the parent kills the process, and the CPU and memory go with it.
"""

from __future__ import annotations

import functools
import math
import re
import resource
import threading
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

import pyoxigraph as ox

from kg.formats import GRAPH_FORMATS, by_key
from kg.namespaces import PREFIXES
from kg.serve.isolation import deny_network
from kg.serve.label_columns import with_labels
from kg.serve.writers import ASK_WRITERS, SELECT_WRITERS, engine_body
from kg.typed_results import solutions, written


@dataclass(frozen=True)
class Job:
    query: str
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE
    format_key: str
    max_rows: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    declares_dataset: bool = False  # the query has FROM or FROM NAMED
    base_iri: str | None = None  # resolves relative IRIs: the endpoint's own URL
    # Parameters of a stored query: (variable, RDF term) pairs bound before evaluation.
    substitutions: tuple = ()
    labels: bool = False  # a label column beside each IRI column (kg.serve.label_columns)


@dataclass
class Answer:
    ok: bool
    body: bytes = b""
    rows: int = 0
    truncated: bool = False
    error_kind: str = ""  # "syntax", "evaluation", "memory", "store", "unavailable"
    message: str = ""
    extra: dict = field(default_factory=dict)


def _dataset_options(job: Job) -> dict:
    """The dataset to query, by the SPARQL 1.1 Protocol's rules.

    The protocol's graph parameters replace the query's FROM / FROM NAMED; a query's
    own FROM is honoured; otherwise the default graph is the union of all graphs.
    Oxigraph never fetches a graph it does not hold: an unknown graph is empty.
    """
    if job.default_graphs or job.named_graphs:
        return {
            "default_graph": [ox.NamedNode(g) for g in job.default_graphs],
            "named_graphs": [ox.NamedNode(g) for g in job.named_graphs],
        }
    if job.declares_dataset:
        return {}
    return {"use_default_graph_as_union": True}


_GRAPH = by_key(GRAPH_FORMATS)
_UNKNOWN_FUNCTION = re.compile(r"custom function <([^>]+)> is not supported")


def _expression_error(*arguments: object) -> None:
    """Stands in for an extension function the engine does not know."""
    return None  # pyoxigraph reads None as an expression error


def run_job(store: ox.Store, job: Job) -> Answer:
    # SPARQL 1.1 (17.6): an unknown extension function is an expression error, not a
    # failed query. Oxigraph refuses such queries, so each unknown function is given
    # to it as one that always errs, and the query runs again.
    unknown: dict = {}
    while True:
        answer = _run_once(store, job, unknown)
        match = _UNKNOWN_FUNCTION.search(answer.message) if not answer.ok else None
        if match is None or len(unknown) >= 16:
            return answer
        unknown[ox.NamedNode(match.group(1))] = _expression_error


# Tools send the same short queries again and again: what they name is remembered.
MEMO_LENGTH = 4_096  # characters; longer texts are scanned each time, not kept
_MEMO = 1_024  # query texts


def prefixes_used(query: str) -> dict[str, str]:
    """The project's prefixes that ``query`` may use, predeclared for it.

    A query may redefine them. The engine reads every prefix it is given on every
    query, which took a third of a lookup's time for all of them; a prefixed name
    ``p:x`` holds ``p:``, so the others cannot matter. Escapes (``\\u``) may spell a
    name: then all are given.

    >>> prefixes_used("SELECT * { ?s rdfs:label ?o }")
    {'rdfs': 'http://www.w3.org/2000/01/rdf-schema#'}
    >>> prefixes_used("SELECT * { <http://example.org/a> ?p ?o }")
    {}
    """
    if len(query) > MEMO_LENGTH:
        return _prefixes_named(query)
    return _prefixes_named_memo(query)


def _prefixes_named(query: str) -> dict[str, str]:
    if "\\u" in query or "\\U" in query:
        return PREFIXES
    return {name: iri for name, iri in PREFIXES.items() if f"{name}:" in query}


# The dictionary returned is shared between calls: the engine only reads it.
_prefixes_named_memo = functools.lru_cache(maxsize=_MEMO)(_prefixes_named)


def _query(
    store: ox.Store, job: Job, functions: dict
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    return store.query(
        job.query,
        prefixes=prefixes_used(job.query),
        substitutions=dict(job.substitutions) or None,
        base_iri=job.base_iri,
        custom_functions=functions or None,
        **_dataset_options(job),
    )


def _run_once(store: ox.Store, job: Job, functions: dict) -> Answer:
    try:
        result = _query(store, job, functions)
        if isinstance(result, ox.QueryBoolean):
            return Answer(True, ASK_WRITERS[job.format_key](bool(result)), rows=1)
        if isinstance(result, ox.QuerySolutions):
            if not job.labels:
                whole = engine_body(result, job.format_key, job.max_rows)
                if whole is not None:
                    return Answer(True, whole[0], rows=whole[1])
                # Too long to answer whole: run again and keep the first max_rows rows.
                result = solutions(_query(store, job, functions))
            variables = [v.value for v in result.variables]
            taken, truncated = _take(result, job.max_rows)
            rows: list[Sequence[object | None]] = [[row[v] for v in variables] for row in taken]
            if job.labels:
                variables, rows = with_labels(store, variables, list(rows))  # type: ignore[assignment]
            body = SELECT_WRITERS[job.format_key](variables, rows)
            return Answer(True, body, rows=len(rows), truncated=truncated)
        triples, truncated = _take(result, job.max_rows)
        triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        body = written(
            ox.serialize(triples, format=_GRAPH[job.format_key].engine_rdf, prefixes=PREFIXES)
        )
        return Answer(True, body, rows=len(triples), truncated=truncated)
    except SyntaxError as error:
        return Answer(False, error_kind="syntax", message=str(error))
    except (ValueError, OSError, RuntimeError) as error:
        return Answer(False, error_kind="evaluation", message=str(error))


def _take(items, limit: int) -> tuple[list, bool]:
    """The first ``limit`` items, and whether there were more."""
    taken: list = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        taken.append(item)
    return taken, False


def open_store(store_path: str, in_memory: bool = False) -> ox.Store:
    """The store at ``store_path``, read-only, or a copy of it in this process's memory."""
    on_disk = ox.Store.read_only(store_path)
    if not in_memory:
        return on_disk
    copy = ox.Store()
    copy.bulk_extend(on_disk)
    return copy


# The engine's parser, planner and evaluator recurse once per level of a query: a
# long chain of UNIONs or BINDs overflowed the 8 MiB of a main thread at a few
# thousand. Queries run on a thread with this much stack (reserved, and touched only
# as deep as a query goes); the server's token and nesting limits stay well inside it.
STACK_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class WorkerLimits:
    """What one worker may use: memory in all (0: no limit), CPU seconds per query."""

    memory_bytes: int = 0
    cpu_seconds: float = 0.0


def serve(
    connection: Connection,
    store_path: str,
    in_memory: bool = False,
    limits: WorkerLimits = WorkerLimits(),
) -> None:
    """The worker's main loop: open the store, then answer jobs until the pipe closes.

    First the worker gives up the means to open network connections and caps its own
    memory; it tells the engine, with "ready", why isolation failed if it did.
    """
    isolation = deny_network()
    if limits.memory_bytes:
        # Private writable memory: the heap, anonymous maps, stacks; not the store's
        # files, which are mapped read-only and shared with the other processes.
        resource.setrlimit(resource.RLIMIT_DATA, (limits.memory_bytes, limits.memory_bytes))
    threading.stack_size(STACK_BYTES)
    loop = threading.Thread(
        target=_answer_jobs, args=(connection, store_path, in_memory, limits, isolation)
    )
    loop.start()
    loop.join()


def _answer_jobs(
    connection: Connection, store_path: str, in_memory: bool, limits: WorkerLimits, isolation: str
) -> None:
    store = open_store(store_path, in_memory)
    connection.send(("ready", isolation))
    while True:
        try:
            job = connection.recv()
        except EOFError:  # the engine closed the pipe, or its process is gone
            return
        if limits.cpu_seconds:
            _limit_cpu(limits.cpu_seconds)
        try:
            answer = run_job(store, job)
        except MemoryError:
            answer = Answer(False, error_kind="memory", message="out of memory")
        except Exception:  # never let one bad query take the worker down silently
            answer = Answer(False, error_kind="internal", message=traceback.format_exc(limit=3))
        connection.send(answer)


def _limit_cpu(seconds: float) -> None:
    """Let the kernel stop this process once the next query has used ``seconds`` of CPU.

    The engine kills a worker at its deadline; this holds when no engine is left to do
    it (its HTTP process was killed): the worker then dies by SIGXCPU instead of
    computing on. Only the soft limit moves, so it can be raised again for the next.
    """
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(used + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
