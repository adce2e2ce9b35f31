"""One-pattern lookups on ``/sparql``, answered before Flask.

A lookup such as ``SELECT ?p ?o WHERE { <x> ?p ?o }`` takes the engine about 0.07 ms;
Flask's request and response machinery around it took about 0.25 ms more. The tools
that send such lookups send many, so this middleware answers the plainest form of them
itself: a ``GET /sparql`` with ``query`` as its only parameter, a query the engine runs
inline (one triple pattern, bounded rows: :meth:`QueryEngine.runs_inline`), an
``Accept`` that names a results format and no ``If-None-Match``. It builds the same
job, uses the same result cache and writes the same headers
(:func:`kg.web.sparql.answer_headers`) and body as the Flask view;
``tests/test_fast_lookup.py`` holds the two to it. Anything else, and any query that
fails, goes on to Flask, which answers it (or explains the error) as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.sansio.utils import get_host

from kg.sparql_text import shape
from kg.web.formats import RESULT_FORMATS, MediaFormat, NotAcceptable, negotiate
from kg.web.response_cache import mark_repeatable
from kg.web.sparql import answer_headers
from kg.web.worker import Job

if TYPE_CHECKING:
    from kg.web.app import ServerState

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class FastLookups:
    """WSGI middleware in front of the Flask app; ``state`` is the app's server state."""

    def __init__(self, app: WSGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        lookup = self._lookup(environ)
        if lookup is None:
            return self.app(environ, start_response)
        job, chosen = lookup
        state = self.state
        cache = state.cache
        assert cache is not None  # create_app makes it before the first request
        answer = cache.get(job)
        seconds = -1.0
        if answer is None:
            answer, seconds = state.engine.run_inline(job)  # _lookup checked runs_inline
            if not answer.ok:
                return self.app(environ, start_response)  # Flask words the error
            cache.put(job, answer)
        max_rows = state.settings.max_rows
        headers = answer_headers(answer, chosen, seconds, max_rows, cache.etag(job))
        start_response("200 OK", headers)
        mark_repeatable(environ)
        return [answer.body]

    def _lookup(self, environ: dict) -> tuple[Job, MediaFormat] | None:
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("PATH_INFO") != "/sparql"
            or "HTTP_IF_NONE_MATCH" in environ
        ):
            return None
        raw = environ.get("QUERY_STRING", "")
        if not raw.startswith("query=") or not raw.isascii():
            return None
        try:
            fields = parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return None
        if len(fields) != 1 or fields[0][0] != "query" or not fields[0][1].strip():
            return None
        query = fields[0][1]
        try:
            chosen = negotiate(
                RESULT_FORMATS, parse_accept_header(environ.get("HTTP_ACCEPT"), MIMEAccept)
            )
        except NotAcceptable:
            return None
        look = shape(query)
        if look.is_update or look.uses_service or look.form not in ("SELECT", "ASK"):
            return None
        job = Job(
            query=query,
            form=look.form,
            format_key=chosen.key,
            max_rows=self.state.settings.max_rows,
            declares_dataset=look.declares_dataset,
            base_iri=_base_url(environ),
        )
        if not self.state.engine.runs_inline(job):
            return None
        return job, chosen


def _base_url(environ: dict) -> str:
    """``kg.web.respond.base_url`` of the request, from the WSGI environment."""
    scheme = environ.get("wsgi.url_scheme", "http")
    server = (environ.get("SERVER_NAME", ""), int(environ.get("SERVER_PORT") or 0))
    host = get_host(scheme, environ.get("HTTP_HOST"), server)
    return f"{scheme}://{host}{environ.get('SCRIPT_NAME', '')}{environ['PATH_INFO']}"
