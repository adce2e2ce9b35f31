"""Plain query requests, answered on ``/sparql`` before Flask.

A lookup such as ``SELECT ?p ?o WHERE { <x> ?p ?o }`` takes the engine about 0.07 ms;
Flask's request and response machinery around it took about 0.25 ms more. A stored
query that a worker runs cost the HTTP process 1.6 ms of CPU through Flask, most of
it reading its long URL again; 0.5 ms here. The tools that send queries send many,
and send the same ones again and again, so this middleware answers the plainest form
of request itself: a ``GET /sparql`` with
``query`` as its only parameter, an ``Accept`` that names a format for the query's
form, and no ``If-None-Match``. It builds the same job, runs it on the same engine
(inline or in a worker, with the same deadline), uses the same result cache and
writes the same headers (:func:`kg.web.sparql.answer_headers`) and body as the Flask
view; ``tests/test_plain_queries.py`` holds the two to it.

Anything else goes on to Flask. So does a query that fails, with what its run came
to (:class:`kg.web.sparql.Handed`): Flask words the error as for any other request,
and the query does not run twice.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import parse_qsl

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.sansio.utils import get_host

from kg.web.errors import ApiError
from kg.web.formats import GRAPH_FORMATS, RESULT_FORMATS, NotAcceptable, negotiate
from kg.web.response_cache import mark_repeatable
from kg.web.sparql import HANDED, Handed, answer_head, answer_headers, checked_outline
from kg.web.worker import Job

if TYPE_CHECKING:
    from kg.web.app import ServerState

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
# Requests read before are remembered, decoded: tools send the same queries again and
# again, and reading one (unquoting the URL, classifying the query, negotiating the
# format) cost as much as running a short one. Stored queries run to 4 kB in a URL;
# what is remembered stays under a few megabytes (each request is held twice: as
# given, and decoded).
REMEMBERED = 1_024  # requests
REMEMBERED_LENGTH = 16_384  # characters of one query string; longer ones are read each time
REMEMBERED_CHARACTERS = 2_000_000  # of all the query strings remembered


class _Decoded(NamedTuple):
    job: Job
    head: tuple[tuple[str, str], ...]  # the headers that the format and ETag decide


class PlainQueries:
    """WSGI middleware in front of the Flask app; ``state`` is the app's server state."""

    def __init__(self, app: WSGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state
        self._decoded: OrderedDict[tuple, _Decoded | None] = OrderedDict()
        self._held = 0  # characters of the query strings in _decoded
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        taken = self._take(environ)
        if taken is None:
            return self.app(environ, start_response)
        job, head = taken
        state = self.state
        cache = state.cache
        assert cache is not None  # create_app makes it before the first request
        answer = cache.get(job)
        seconds = -1.0
        if answer is None:
            try:
                answer, seconds = state.engine.run(job)
            except Exception as error:  # Flask words it, and logs what it does not expect
                environ[HANDED] = Handed(job, error=error)
                return self.app(environ, start_response)
            if not answer.ok:
                environ[HANDED] = Handed(job, answer, seconds)
                return self.app(environ, start_response)
            cache.put(job, answer)
        start_response("200 OK", answer_headers(answer, head, seconds, state.settings.max_rows))
        mark_repeatable(environ)
        return [answer.body]

    def answers_at_once(self, environ: dict) -> bool:
        """Whether this layer answers the request without a query worker: its answer is
        in the result cache, or the engine runs its query in this process."""
        taken = self._take(environ)
        if taken is None:
            return False
        cache = self.state.cache
        assert cache is not None  # create_app makes it before the first request
        return self.state.engine.runs_inline(taken.job) or cache.holds(taken.job)

    def _take(self, environ: dict) -> _Decoded | None:
        """The request's job, if this layer answers it."""
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("PATH_INFO") != "/sparql"
            or "HTTP_IF_NONE_MATCH" in environ
        ):
            return None
        raw = environ.get("QUERY_STRING", "")
        if not raw.startswith("query="):
            return None
        # What the answer depends on, as given; the base IRI is worked out only once.
        key = (
            raw,
            environ.get("HTTP_ACCEPT"),
            environ.get("wsgi.url_scheme"),
            environ.get("HTTP_HOST"),
            environ.get("SERVER_NAME"),
            environ.get("SERVER_PORT"),
            environ.get("SCRIPT_NAME"),
        )
        with self._lock:
            seen = key in self._decoded
            if seen:
                self._decoded.move_to_end(key)
                return self._decoded[key]
        decoded = self._decode(raw, environ.get("HTTP_ACCEPT"), _base_url(environ))
        if len(raw) <= REMEMBERED_LENGTH:
            self._remember(key, decoded)
        return decoded

    def _remember(self, key: tuple, decoded: _Decoded | None) -> None:
        with self._lock:
            if key in self._decoded:
                return
            self._decoded[key] = decoded
            self._held += len(key[0])
            while len(self._decoded) > REMEMBERED or self._held > REMEMBERED_CHARACTERS:
                dropped, _ = self._decoded.popitem(last=False)
                self._held -= len(dropped[0])

    def _decode(self, raw: str, accept: str | None, base_iri: str) -> _Decoded | None:
        """The job of a plain query request; None for any other request."""
        if not raw.isascii():
            return None
        try:
            fields = parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return None
        if len(fields) != 1 or fields[0][0] != "query" or not fields[0][1].strip():
            return None
        query = fields[0][1]
        try:
            look = checked_outline(query, self.state.settings)
        except ApiError:  # refused: Flask words the refusal
            return None
        if look.form is None:
            return None
        formats = RESULT_FORMATS if look.form in ("SELECT", "ASK") else GRAPH_FORMATS
        try:
            chosen = negotiate(formats, parse_accept_header(accept, MIMEAccept))
        except NotAcceptable:
            return None
        job = Job(
            query=query,
            form=look.form,
            format_key=chosen.key,
            max_rows=self.state.settings.max_rows,
            declares_dataset=look.declares_dataset,
            base_iri=base_iri,
        )
        cache = self.state.cache
        assert cache is not None  # create_app makes it before the first request
        return _Decoded(job, answer_head(chosen, cache.etag(job)))


def _base_url(environ: dict) -> str:
    """``kg.web.respond.base_url`` of the request, from the WSGI environment."""
    scheme = environ.get("wsgi.url_scheme", "http")
    server = (environ.get("SERVER_NAME", ""), int(environ.get("SERVER_PORT") or 0))
    host = get_host(scheme, environ.get("HTTP_HOST"), server)
    return f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}{environ['PATH_INFO']}"
