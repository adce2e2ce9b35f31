"""``kg serve --store URL``: queries answered by an existing SPARQL store.

:class:`RemoteEngine` takes the place of the worker pool (:class:`kg.serve.engine.
QueryEngine`) behind the one request service, so every route keeps its guarantees: the
service refuses updates and SERVICE before a query leaves, caches answers, and holds
each client to its share. Here:

- the query names the build's graphs as its dataset (unless it has FROM of its own), so
  a store that keeps its default graph apart, or holds other data, answers as the
  embedded store does; the project's prefixes are declared for it; a stored query's
  parameters become a ``VALUES`` block at the head of its pattern;
- the deadline goes to the store as its own timeout parameter where it has one, and is
  enforced here too, on the connection;
- at most ``query_workers`` queries go to the store at once; the others wait, up to
  ``worker_wait`` seconds and ``max_waiting`` of them, then get 503;
- the store's publication marker is read again every ``store_check`` seconds: once the
  store holds another build, or is being switched to one, a query gets 503 rather than
  an answer from a build this server does not describe, or from a mix of two;
- a partial answer (Virtuoso's ``X-SQL-State: S1TAT``, status 206) becomes a timeout,
  never a quiet 200; an answer of exactly ``store_row_cap`` rows says it is truncated;
- the store's answer is read and written again by this server's own writers, after its
  quirks are undone (Virtuoso's ``"typed-literal"``, ``1`` for true, months for a
  year-month duration), so that clients get the bytes the embedded store would give.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
import urllib.parse
from collections.abc import Sequence

import pyoxigraph as ox

from kg.namespaces import GRAPHS, PREFIXES
from kg.serve.engine import EngineBusy, QueryTimeout
from kg.serve.fair_queue import FairQueue
from kg.serve.label_columns import LABELS
from kg.serve.worker import _GRAPH, ASK_WRITERS, SELECT_WRITERS, Answer, Job, prefixes_used
from kg.serve.writers import engine_body
from kg.sparql_lexer import spans
from kg.stores.client import StoreClient, StoreError
from kg.stores.marker import holding
from kg.stores.profiles import Profile
from kg.typed_results import Term

XSD = "http://www.w3.org/2001/XMLSchema#"
GRACE = 2.0  # seconds past the deadline before the connection is given up


def remote_text(job: Job) -> str:
    """The text sent to the store: the project's prefixes declared, and a stored query's
    parameters written in (:func:`bind_parameters`).

    >>> job = Job("SELECT ?r WHERE { ?r a lgde:Region }", "SELECT", "json", 5,
    ...           base_iri="http://127.0.0.1:8000/sparql")
    >>> print(remote_text(job))
    BASE <http://127.0.0.1:8000/sparql>
    PREFIX lgde: <https://w3id.org/lgde/ontology#>
    SELECT ?r WHERE { ?r a lgde:Region }
    """
    text = bind_parameters(job.query, dict(job.substitutions)) if job.substitutions else job.query
    declared = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in prefixes_used(job.query).items())
    # The request's URL resolves relative IRIs (RFC 3986), as for the embedded store; a
    # BASE of the query's own comes later and wins.
    base = f"BASE <{job.base_iri}>\n" if job.base_iri else ""
    return base + declared + text


def bind_parameters(text: str, values: dict[ox.Variable, Term]) -> str:
    """``text`` with each variable of ``values`` replaced by its term, as binding it
    before evaluation does (the embedded store's substitutions), subqueries included.

    A projected variable keeps its column: a query that groups by it groups by
    ``(term AS ?var)`` and projects ``?var``; one that does not projects
    ``(term AS ?var)``. In ``ORDER BY``, and as the target of ``AS``, the name stays.
    Terms are written by the engine (``str`` of an RDF term): an IRI or a literal with
    its escapes, never text a client wrote.

    >>> x = {ox.Variable("r"): ox.NamedNode("http://e/g")}
    >>> print(bind_parameters(
    ...     "SELECT ?r (COUNT(?f) AS ?n) WHERE { { SELECT ?r ?f WHERE { ?f <p> ?r } } "
    ...     "FILTER(?r != <x>) } GROUP BY ?r ORDER BY ?r", x))  # doctest: +NORMALIZE_WHITESPACE
    SELECT ?r (COUNT(?f) AS ?n) WHERE { { SELECT (<http://e/g> AS ?r) ?f
    WHERE { ?f <p> <http://e/g> } } FILTER(<http://e/g> != <x>) }
    GROUP BY (<http://e/g> AS ?r) ORDER BY ?r
    """
    names = {f"?{v.value}": str(t) for v, t in values.items()}
    names.update({f"${v.value}": str(t) for v, t in values.items()})
    tokens = list(spans(text))
    grouped = _grouped(tokens)
    out: list[str] = []
    at = 0
    state = "pattern"  # or "projection" (after SELECT), "group", "order"
    depth = 0  # parentheses within a projection
    braces = 0
    scopes: list[tuple[int, int]] = []  # (brace depth, index) of each SELECT still open
    previous = ""
    for index, (kind, value, start) in enumerate(tokens):
        if kind == "word":
            if value == "SELECT":
                state, depth = "projection", 0
                scopes.append((braces, index))
            elif value in ("WHERE", "HAVING", "LIMIT", "OFFSET", "VALUES"):
                state = "pattern"
            elif value == "BY" and previous in ("GROUP", "ORDER"):
                state = "group" if previous == "GROUP" else "order"
        elif value == "{":
            state = "pattern"
            braces += 1
        elif value == "}":
            braces -= 1
            while scopes and scopes[-1][0] > braces:
                scopes.pop()
            if state in ("group", "order"):
                state = "pattern"
        elif value == "(" and state == "projection":
            depth += 1
        elif value == ")" and state == "projection":
            depth -= 1
        if kind == "var" and value in names and state != "order" and previous != "AS":
            term = names[value]
            scope = scopes[-1][1] if scopes else -1
            if state == "projection" and depth == 0:
                written = value if value in grouped.get(scope, ()) else f"({term} AS {value})"
            elif state == "group":
                written = f"({term} AS {value})"
            else:
                written = term
            out.append(text[at:start] + written)
            at = start + len(value)
        previous = value if kind in ("word", "punct") else ""
    out.append(text[at:])
    return "".join(out)


def _grouped(tokens: list[tuple[str, str, int]]) -> dict[int, set[str]]:
    """For each SELECT (by its token's index), the variables its GROUP BY names."""
    out: dict[int, set[str]] = {}
    braces = 0
    scopes: list[tuple[int, int]] = []
    grouping = False
    previous = ""
    for index, (kind, value, _) in enumerate(tokens):
        if kind == "word" and value == "SELECT":
            scopes.append((braces, index))
        elif value == "{":
            braces += 1
            grouping = False
        elif value == "}":
            braces -= 1
            grouping = False
        elif kind == "word" and value == "BY" and previous == "GROUP":
            grouping = True
        elif kind == "word" and value in ("HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"):
            grouping = False
        elif grouping and kind == "var":
            # The query this GROUP BY belongs to: the last SELECT at this brace depth.
            owner = next((i for d, i in reversed(scopes) if d == braces), -1)
            out.setdefault(owner, set()).add(value)
        previous = value if kind in ("word", "punct") else ""
    return out


def _months(value: str) -> str:
    """A count of months as a year-month duration: ``18`` → ``P1Y6M``.

    >>> _months("120"), _months("18"), _months("0")
    ('P10Y', 'P1Y6M', 'P0M')
    """
    years, months = divmod(int(value), 12)
    return "P" + (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")


def normalise_term(term: dict) -> dict:
    """A SPARQL JSON term as the standard writes it, whatever the store's quirks.

    >>> normalise_term({"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"})
    {'type': 'literal', 'datatype': 'http://www.w3.org/2001/XMLSchema#boolean', 'value': 'true'}
    >>> normalise_term({"type": "typed-literal", "datatype": XSD + "duration", "value": "120"})
    {'type': 'literal', 'datatype': 'http://www.w3.org/2001/XMLSchema#duration', 'value': 'P10Y'}
    """
    if term.get("type") == "typed-literal":
        term = {**term, "type": "literal"}
    datatype = term.get("datatype")
    if datatype == XSD + "boolean" and term.get("value") in ("1", "0"):
        term = {**term, "value": "true" if term["value"] == "1" else "false"}
    if datatype == XSD + "duration" and str(term.get("value", "")).isdigit():
        term = {**term, "value": _months(term["value"])}
    return term


def _bound_iris(job: Job) -> dict[str, str]:
    """The stored query's parameters bound to IRIs: variable name -> IRI."""
    return {v.value: t.value for v, t in job.substitutions if isinstance(t, ox.NamedNode)}


# In SPARQL JSON results a quote inside a string is escaped, so these patterns can only
# match the syntax, and a term is an object with no object inside: the answer is mended
# in its bytes, term by term, without reading and writing it whole (on an answer of
# thousands of rows that took as long as the store's query).
_TYPED_LITERAL = re.compile(rb'"type"\s*:\s*"typed-literal"')
# Virtuoso's own order of a boolean's keys, mended by substitution alone; any other order,
# and durations, term by term.
_BIT = rb'("datatype"\s*:\s*"http://www\.w3\.org/2001/XMLSchema#boolean"\s*,\s*"value"\s*:\s*)'
_TRUE, _FALSE = re.compile(_BIT + rb'"1"'), re.compile(_BIT + rb'"0"')
_MONTHS_OR_BIT = re.compile(rb'"http://www\.w3\.org/2001/XMLSchema#(?:boolean|duration)"')


def _mend_terms(body: bytes) -> bytes:
    """Each boolean and duration term not as the standard writes it, rewritten. A term
    of these types holds no brace, so the braces around its datatype are its own."""
    out: list[bytes] = []
    at = 0
    for found in _MONTHS_OR_BIT.finditer(body):
        start, end = body.rfind(b"{", at, found.start()), body.find(b"}", found.end())
        if start < 0 or end < 0:
            continue
        term = body[start : end + 1]
        if b'"true"' in term or b'"false"' in term:
            continue  # a boolean as the standard writes it
        read = json.loads(term)
        fixed = normalise_term(read)
        if fixed != read:
            out += [body[at:start], json.dumps(fixed).encode("utf-8")]
            at = end + 1
    return b"".join([*out, body[at:]]) if out else body


def normalised_results(body: bytes, bound: dict[str, str] | None = None) -> bytes:
    """SPARQL JSON results with every term normalised (:func:`normalise_term`), and an
    ASK answer as the standard writes it (Virtuoso 7.2 answers ASK as a one-row SELECT
    of ``__ASK_RETVAL``).

    >>> normalised_results(b'{"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": '
    ...     b'[{"__ASK_RETVAL": {"type": "typed-literal", "value": "1"}}]}}')
    b'{"head": {}, "boolean": true}'
    >>> mended = normalised_results(b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {'
    ...     b'"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#boolean", '
    ...     b'"value": "1"}}, {"x": {"type" : "typed-literal", "value": "typed-literal"}}]}}')
    >>> [(b["x"]["type"], b["x"]["value"]) for b in json.loads(mended)["results"]["bindings"]]
    [('literal', 'true'), ('literal', 'typed-literal')]

    A parameter bound to an IRI (``bound``) and projected as ``(<iri> AS ?var)`` comes
    back from Virtuoso 7.2 as a literal; it is the IRI again:

    >>> normalised_results(b'{"head": {"vars": ["r"]}, "results": {"bindings": '
    ...     b'[{"r": {"type": "literal", "value": "http://e/g"}}]}}', {"r": "http://e/g"})[50:]
    b'[{"r": {"type": "uri", "value": "http://e/g"}}]}}'
    """
    if b"__ASK_RETVAL" in body:
        document = json.loads(body)
        if document.get("head", {}).get("vars") == ["__ASK_RETVAL"]:
            found = document["results"]["bindings"]
            truth = bool(found) and found[0].get("__ASK_RETVAL", {}).get("value") == "1"
            return json.dumps({"head": {}, "boolean": truth}).encode("utf-8")
    body = _TYPED_LITERAL.sub(b'"type":"literal"', body)
    body = _FALSE.sub(rb'\1"false"', _TRUE.sub(rb'\1"true"', body))
    body = _mend_terms(body)
    for name, iri in (bound or {}).items():
        column = re.compile(rb'("' + re.escape(name.encode()) + rb'"\s*:\s*)(\{[^{}]*\})')
        literal = {"type": "literal", "value": iri}
        uri = json.dumps({"type": "uri", "value": iri}).encode("utf-8")

        def as_iri(match: re.Match[bytes], literal: dict = literal, uri: bytes = uri) -> bytes:
            return match.group(1) + uri if json.loads(match.group(2)) == literal else match.group()

        body = column.sub(as_iri, body)
    return body


class RemoteEngine:
    """Runs each job on the store; the same surface as :class:`QueryEngine`."""

    def __init__(
        self,
        client: StoreClient,
        store_path: str,
        *,
        build: str,
        check_every: float,
        connections: int,
        timeout: float,
        wait: float,
        max_waiting: int | None,
        row_cap: int = 0,
    ) -> None:
        self.client = client
        self.profile: Profile = client.profile
        self.store_path = store_path  # the local build's store, for the query page's terms
        self.timeout = timeout
        self.wait = wait
        self.max_waiting = max_waiting
        self.row_cap = row_cap
        self.build = build  # the digest of the build this server describes
        self.check_every = check_every
        self._checked_at = -float("inf")
        self._problem: str | None = None
        # Queries run in the store, not here; this process must reach it, so it is not
        # cut off from the network (the store's own SERVICE must be off: kg.stores.profiles).
        self.remote = True
        self.isolation: str | None = None
        self._slots: FairQueue[int] = FairQueue()
        for slot in range(max(1, connections)):
            self._slots.put(slot)
        self._checking = threading.Lock()  # held while the marker is read

    def wait_ready(self) -> None:
        self.client.select("reach the store", "SELECT (1 AS ?one) WHERE {}")

    def runs_inline(self, job: Job) -> bool:
        return False

    def run_inline(self, job: Job) -> tuple[Answer, float]:
        return self.run(job)

    def idle_workers(self) -> int:
        return self._slots.available()

    def close(self) -> None:
        pass

    def run(self, job: Job) -> tuple[Answer, float]:
        try:
            slot = self._slots.get(timeout=self.wait, max_waiting=self.max_waiting)
        except (queue.Empty, queue.Full):
            raise EngineBusy() from None
        started = time.monotonic()
        try:
            return self._run(job), time.monotonic() - started
        finally:
            self._slots.put(slot)

    def _build_problem(self) -> str | None:
        """Why the store cannot answer for this server's build now, if it cannot; the
        marker is read at most every ``check_every`` seconds, by one thread at a time;
        the others go on with the last reading rather than queue behind it, and a reading
        that fails fails its own query only."""
        due = time.monotonic() - self._checked_at >= self.check_every
        if due and self._checking.acquire(blocking=False):
            try:
                self._problem = holding(self.client).problem(self.build)
            finally:
                self._checked_at = time.monotonic()
                self._checking.release()
        return self._problem

    def _run(self, job: Job) -> Answer:
        try:
            problem = self._build_problem()
        except StoreError as error:
            return Answer(False, error_kind="store", message=str(error))
        if problem:
            return Answer(False, error_kind="unavailable", message=problem)
        try:
            text = remote_text(job)
        except ValueError as error:
            return Answer(False, error_kind="evaluation", message=str(error))
        graph_form = job.form in ("CONSTRUCT", "DESCRIBE")
        fields: list[tuple[str, str]] = [("query", text)]
        if not job.declares_dataset or job.default_graphs or job.named_graphs:
            defaults = job.default_graphs or (() if job.named_graphs else GRAPHS)
            named = job.named_graphs or (() if job.default_graphs else GRAPHS)
            fields += [("default-graph-uri", g) for g in defaults]
            fields += [("named-graph-uri", g) for g in named]
        fields += list(self.profile.timeout_arguments(self.timeout).items())
        accept = "application/n-triples" if graph_form else "application/sparql-results+json"
        try:
            reply = self.client.request(
                "query",
                "POST",
                self.profile.query_url,
                urllib.parse.urlencode(fields).encode("utf-8"),
                {"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                timeout=self.timeout + GRACE,
            )
        except StoreError as error:
            message = str(error)
            if "did not answer within" in message or _ran_out_of_time(message):
                raise QueryTimeout() from None
            status = re.search(r"answered (\d{3})", message)
            if status and status.group(1).startswith("4"):
                return Answer(False, error_kind="evaluation", message=_store_words(message))
            return Answer(False, error_kind="store", message=message)
        if reply.status == 206 or reply.headers.get("x-sql-state", "") == "S1TAT":
            raise QueryTimeout()  # partial: the store ran out of time and said so aside
        cancelled = self.profile.cancelled
        if cancelled and reply.body.rstrip().endswith(cancelled):
            raise QueryTimeout()  # cut off at the store's deadline inside a 200
        try:
            if graph_form:
                return self._graph(job, reply.body)
            return self._results(job, reply.body)
        except (ValueError, SyntaxError) as error:
            return Answer(False, error_kind="store", message=f"unreadable answer: {error}")

    def _results(self, job: Job, body: bytes) -> Answer:
        normalised = normalised_results(body, _bound_iris(job))
        parsed = ox.parse_query_results(normalised, format=ox.QueryResultsFormat.JSON)
        if isinstance(parsed, ox.QueryBoolean):
            return Answer(True, ASK_WRITERS[job.format_key](bool(parsed)), rows=1)
        if not job.labels and not self.row_cap:
            # Written by the engine, as the embedded store's answers are: the same bytes.
            whole = engine_body(parsed, job.format_key, job.max_rows)
            if whole is not None:
                return Answer(True, whole[0], rows=whole[1])
            parsed = ox.parse_query_results(normalised, format=ox.QueryResultsFormat.JSON)
            assert isinstance(parsed, ox.QuerySolutions)
        variables = [v.value for v in parsed.variables]
        rows: list[Sequence[object | None]] = [[row[v] for v in variables] for row in parsed]
        capped = bool(self.row_cap) and len(rows) == self.row_cap
        truncated = len(rows) > job.max_rows or capped
        rows = rows[: job.max_rows]
        if job.labels:
            variables, rows = self._with_labels(variables, rows)
        body = SELECT_WRITERS[job.format_key](variables, rows)
        return Answer(True, body, rows=len(rows), truncated=truncated)

    def _graph(self, job: Job, body: bytes) -> Answer:
        triples = list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        capped = bool(self.row_cap) and len(triples) == self.row_cap
        truncated = len(triples) > job.max_rows or capped
        kept = sorted(
            (ox.Triple(t.subject, t.predicate, t.object) for t in triples),
            key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
        )[: job.max_rows]
        data = ox.serialize(kept, format=_GRAPH[job.format_key].engine_rdf, prefixes=PREFIXES)
        return Answer(True, data or b"", rows=len(kept), truncated=truncated)

    def _with_labels(self, variables: list[str], rows: list) -> tuple[list[str], list]:
        """As :func:`kg.serve.label_columns.with_labels`, with the labels read from the
        store in one query."""
        iris = sorted({t.value for row in rows for t in row if isinstance(t, ox.NamedNode)})
        store = ox.Store()
        if iris:
            values = " ".join(f"<{i}>" for i in iris)
            predicates = " ".join(str(p) for p in LABELS)
            found = self.client.select(
                "labels",
                f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} VALUES ?p {{ {predicates} }}"
                " ?s ?p ?o }",
                [("default-graph-uri", g) for g in GRAPHS],
            )
            for row in found:
                term = normalise_term(row["o"])
                literal = ox.Literal(term["value"], language=term.get("xml:lang"))
                store.add(
                    ox.Quad(
                        ox.NamedNode(row["s"]["value"]), ox.NamedNode(row["p"]["value"]), literal
                    )
                )
        from kg.serve.label_columns import with_labels

        return with_labels(store, variables, rows)


def _ran_out_of_time(message: str) -> bool:
    """Whether a store's error says it stopped the query at its own deadline (Oxigraph
    server's --timeout-s, Virtuoso's S1TAT without partial results).

    >>> _ran_out_of_time("query: the store answered 500 at http://x (Query timeout)")
    True
    >>> _ran_out_of_time("query: the store answered 500 at http://x (S1TAT Error …)")
    True
    >>> _ran_out_of_time("query: the store answered 500 at http://x (disk full)")
    False
    """
    words = message.lower()
    return "timeout" in words or "timed out" in words or "s1tat" in words


def _store_words(message: str) -> str:
    """The store's own words about a query it refused."""
    match = re.search(r"\((.*)\);", message, re.S)
    return match.group(1) if match else message
