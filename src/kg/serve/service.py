"""The one request service: every query any route runs is prepared and run here.

Framework-free, so that the Flask views (``/sparql``, the stored-query API, resource
pages) and the plain-query path before Flask (:mod:`kg.serve.plain_queries`) share it:

- :meth:`QueryService.prepare` turns what a client asked for into a :class:`Prepared`
  job: refusals (updates, SERVICE, nesting, tokens), the dataset's IRIs, the format
  negotiated, the ETag. Each refusal is an :class:`~kg.serve.errors.ApiError`.
- :meth:`QueryService.run` answers its job: from the result cache, or by the engine (in
  this process or a worker, with the deadline); every failure becomes the
  :class:`~kg.serve.errors.ApiError` the client should see.
- :func:`answer_headers` writes the headers of an answer, the same for every route.

The errors are written by :func:`kg.serve.errors.rendered_error`, wherever they arise.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import quote_etag
from werkzeug.sansio.utils import get_host

from kg.serve.cache import ResultCache
from kg.serve.engine import Engine, EngineBusy, QueryTimeout, WorkerLost
from kg.serve.errors import ApiError
from kg.serve.formats import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    MediaFormat,
    NotAcceptable,
    UnknownFormat,
    negotiate,
)
from kg.serve.settings import Settings
from kg.serve.worker import Answer, Job
from kg.sparql_lexer import QueryOutline, outline

log = logging.getLogger(__name__)

READ_ONLY = "This endpoint is read-only: SPARQL Update is not accepted."
_LOCATION = re.compile(r"error at (\d+):(\d+): ")
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class Prepared:
    """A job ready to run, the format of its answer, and the answer's ETag."""

    job: Job
    chosen: MediaFormat
    etag: str


@dataclass(frozen=True)
class Outcome:
    """An answer and the engine's seconds for it (-1: from the result cache)."""

    answer: Answer
    seconds: float


def choose(
    formats: tuple[MediaFormat, ...], accept: MIMEAccept, explicit: str | None
) -> MediaFormat:
    """The format to answer in, or the 406 / 400 that says why there is none."""
    try:
        return negotiate(formats, accept, explicit)
    except NotAcceptable as error:
        raise ApiError(
            406,
            "None of the media types in Accept can be produced. Available: "
            + ", ".join(error.available)
            + ".",
        ) from None
    except UnknownFormat:
        keys = ", ".join(f.key for f in formats)
        raise ApiError(400, f"Unknown format {explicit!r}; use one of {keys}.") from None


def checked_outline(query: str, settings: Settings) -> QueryOutline:
    """The outline of ``query``, if the endpoint runs it; else the error that says why.

    Updates, SERVICE and queries past the nesting and token limits are refused here,
    before any worker sees them.
    """
    look = outline(query)
    if look.is_update:
        raise ApiError(403, READ_ONLY)
    if look.uses_service:
        raise ApiError(
            400,
            "SERVICE is not allowed: this endpoint makes no requests to other "
            "hosts on a client's behalf.",
        )
    if look.depth > settings.max_nesting:
        raise ApiError(
            400,
            f"The query nests {look.depth} levels of brackets deep; this endpoint "
            f"runs queries up to {settings.max_nesting} levels.",
        )
    if look.tokens > settings.max_tokens:
        raise ApiError(
            400,
            f"The query has {look.tokens} tokens; this endpoint runs queries of up to "
            f"{settings.max_tokens}.",
        )
    return look


def site_root(environ: dict, public_url: str) -> str:
    """Where this server is reached, without a final slash: ``public_url`` when it is
    set, else the request's own scheme, Host and mount point (its WSGI environment).

    >>> site_root({"wsgi.url_scheme": "http", "HTTP_HOST": "a.example"}, "")
    'http://a.example'
    >>> site_root({"HTTP_HOST": "a.example"}, "https://lgde.example.org")
    'https://lgde.example.org'
    """
    if public_url:
        return public_url
    scheme = environ.get("wsgi.url_scheme", "http")
    server = (environ.get("SERVER_NAME", ""), int(environ.get("SERVER_PORT") or 0))
    host = get_host(scheme, environ.get("HTTP_HOST"), server)
    return f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}"


def _graph_names(names: tuple[str, ...], parameter: str) -> tuple[str, ...]:
    for name in names:
        try:
            ox.NamedNode(name)
        except ValueError:
            raise ApiError(400, f"{parameter} {name!r} is not an absolute IRI.") from None
    return names


def syntax_message(text: str) -> str:
    """The engine's syntax error, worded for a person, with its line and column.

    >>> syntax_message("error at 2:5: expected one of '{'")
    "Syntax error at line 2, column 5: expected one of '{'"
    """
    match = _LOCATION.search(text)
    detail = text[match.end() :] if match else text
    if len(detail) > 200:  # the parser may list every character class it would accept
        detail = detail[:200].rsplit(",", 1)[0] + ", …"
    if match:
        line, column = match.groups()
        return f"Syntax error at line {line}, column {column}: {detail}"
    return f"Syntax error: {detail}"


class QueryService:
    """Prepares and runs the queries of every route, over one engine and one cache."""

    def __init__(self, settings: Settings, engine: Engine, cache: ResultCache) -> None:
        self.settings = settings
        self.engine = engine
        self.cache = cache
        self._running: dict[str, int] = {}  # client -> its jobs on query workers now
        self._lock = threading.Lock()

    def prepare(
        self,
        query: str,
        *,
        accept: MIMEAccept,
        explicit_format: str | None = None,
        base_iri: str = "",
        default_graphs: tuple[str, ...] = (),
        named_graphs: tuple[str, ...] = (),
        substitutions: tuple = (),
        formats: tuple[MediaFormat, ...] | None = None,
        labels: bool = False,
    ) -> Prepared:
        """The job for ``query``, or the :class:`ApiError` that refuses it.

        ``formats`` narrows the result formats offered (the API offers three);
        CONSTRUCT and DESCRIBE are always offered the graph formats. ``labels`` adds
        a label column beside each IRI column of a SELECT's answer.
        """
        look = checked_outline(query, self.settings)
        form = look.form or "SELECT"
        if labels and form != "SELECT":
            raise ApiError(400, f"labels=on adds columns to SELECT results; this is {form}.")
        offered = GRAPH_FORMATS if form in ("CONSTRUCT", "DESCRIBE") else formats or RESULT_FORMATS
        chosen = choose(offered, accept, explicit_format)
        job = Job(
            query=query,
            form=form,
            format_key=chosen.key,
            max_rows=self.settings.max_rows,
            default_graphs=_graph_names(default_graphs, "default-graph-uri"),
            named_graphs=_graph_names(named_graphs, "named-graph-uri"),
            declares_dataset=look.declares_dataset,
            base_iri=base_iri,  # RFC 3986: the request's URL resolves relative IRIs
            substitutions=substitutions,
            labels=labels,
        )
        return Prepared(job, chosen, self.cache.etag(job))

    def run(self, job: Job, client: str = "", key: str | None = None) -> Outcome:
        """The answer to ``job``: from the cache, or run; failures as ApiError.

        ``client`` (its address) is held to a fair share of the query workers while
        they are all busy (:meth:`_admit`). ``key`` is the job's cache key when it is
        known (a prepared job's ETag), so that it is not worked out again.
        """
        key = key or self.cache.key(job)
        cached = self.cache.get(job, key)
        if cached is not None:
            return Outcome(cached, -1.0)
        if self.engine.runs_inline(job):
            return self._outcome(job, key, inline=True)
        self._admit(client)
        try:
            return self._outcome(job, key, inline=False)
        finally:
            with self._lock:
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]

    def _admit(self, client: str) -> None:
        """Let ``client`` have a query worker, or wait for one, if that is its fair share.

        While a worker is free, anyone may take it, and a client alone may use them all
        and wait for them (up to ``max_waiting``). When all are busy and other clients
        are running or waiting too, a client that already has its share (the workers
        divided among those clients) gets 503 at once, and leaves the place in the
        queue to a client with fewer.
        """
        with self._lock:
            running = self._running.get(client, 0)
            clients = len(self._running) + (0 if running else 1)
            share = max(1, self.settings.query_workers // clients)
            if clients > 1 and running >= share and self.engine.idle_workers() == 0:
                raise ApiError(
                    503,
                    f"This client has {running} queries running, its share of the "
                    "query workers while others wait; try again when one has finished.",
                    {"Retry-After": "2"},
                )
            self._running[client] = running + 1

    def _outcome(self, job: Job, key: str, inline: bool) -> Outcome:
        try:
            answer, seconds = self.engine.run_inline(job) if inline else self.engine.run(job)
        except QueryTimeout:
            timeout = self.settings.query_timeout
            raise ApiError(
                503,
                f"The query ran longer than the {timeout:g} s allowed and was stopped. "
                "Narrow it, or add a LIMIT.",
                {"Retry-After": str(max(1, round(timeout)))},
            ) from None
        except EngineBusy:
            raise ApiError(
                503, "All query workers are busy; try again shortly.", {"Retry-After": "2"}
            ) from None
        except WorkerLost as lost:
            raise ApiError(
                503,
                f"The query was stopped: {lost.cause}. Narrow it, or add a LIMIT.",
                {"Retry-After": "2"},
            ) from None
        if not answer.ok:
            raise _failure(answer)
        self.cache.put(job, answer, key)
        return Outcome(answer, seconds)

    def answered_at_once(self, prepared: Prepared) -> bool:
        """Whether :meth:`run` needs no query worker: cached, or run in this process."""
        job = prepared.job
        return self.engine.runs_inline(job) or self.cache.holds(job, prepared.etag)

    def headers(self, prepared: Prepared, outcome: Outcome) -> Headers:
        """The headers of ``outcome``, the answer to ``prepared``."""
        head = answer_head(prepared.chosen, prepared.etag)
        return answer_headers(outcome.answer, head, outcome.seconds, self.settings.max_rows)


def _failure(answer: Answer) -> ApiError:
    if answer.error_kind == "memory":
        return ApiError(
            503,
            "The query was stopped: it needed more memory than a query may use. "
            "Narrow it, or add a LIMIT.",
            {"Retry-After": "2"},
        )
    if answer.error_kind == "syntax":
        return ApiError(400, syntax_message(answer.message))
    if answer.error_kind == "evaluation":
        return ApiError(400, f"The query cannot be evaluated: {answer.message}")
    if answer.error_kind == "unavailable":
        return ApiError(
            503,
            f"The SPARQL store behind this server cannot answer for its build now: "
            f"{answer.message}. Try again later.",
            {"Retry-After": "30"},
        )
    if answer.error_kind == "store":
        log.error("the store failed: %s", answer.message)
        return ApiError(502, "The SPARQL store behind this server failed; the error is logged.")
    log.error("query worker failed: %s", answer.message)
    return ApiError(500, "The query failed inside the engine; the error has been logged.")


def answer_head(chosen: MediaFormat, etag: str) -> tuple[tuple[str, str], ...]:
    """The headers of a query's answer that its format and ETag decide."""
    mimetype = chosen.media_type
    if mimetype.startswith("text/") or mimetype.endswith(("json", "xml")):
        mimetype += "; charset=utf-8"
    # no-cache: keep it, but ask again (cheaply, with If-None-Match)
    return (
        ("Content-Type", mimetype),
        ("Vary", "Accept"),
        ("ETag", quote_etag(etag)),
        ("Cache-Control", "no-cache"),
    )


def answer_headers(
    answer: Answer, head: tuple[tuple[str, str], ...], seconds: float, max_rows: int
) -> Headers:
    """The headers of a query's answer: ``head`` (:func:`answer_head`), then its length,
    timing, count and truncation. ``seconds`` is -1 for an answer from the cache."""
    timing = "cache;desc=hit" if seconds < 0 else f"engine;dur={seconds * 1000:.1f}"
    headers = [
        *head,
        ("Content-Length", str(len(answer.body))),
        ("Server-Timing", timing),
        ("X-Result-Count", str(answer.rows)),
    ]
    if answer.truncated:
        headers += [("X-Result-Truncated", "true"), ("X-Result-Limit", str(max_rows))]
    return headers
