"""Plain query requests, answered on ``/sparql`` before Flask.

The tools that send queries send many, and send the same ones again and again. This
middleware answers the plainest form of request itself: a ``GET /sparql`` with
``query`` as its only parameter and no ``If-None-Match``. It reads the request, then
prepares and runs it through the same service as the Flask view
(:class:`kg.serve.service.QueryService`), so the job, the cache, the deadline, the
headers and the errors are the view's; ``tests/test_plain_queries.py`` holds the two
to it. What it saves is Flask's request and response machinery, and, for a request
it has seen before, reading it again (unquoting the URL, outlining the query,
negotiating the format): ``python -m bench.layers`` measures both.

Anything else goes on to Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from kg.serve.errors import ApiError, rendered_error
from kg.serve.lru import BoundedLRU
from kg.serve.response_cache import mark_repeatable
from kg.serve.service import Prepared, site_root

if TYPE_CHECKING:
    from kg.serve.state import ServerState

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
# Requests read before are remembered, prepared: reading one cost as much as running
# a short query. Stored queries run to 4 kB in a URL; what is remembered stays under
# a few megabytes.
REMEMBERED = 1_024  # requests
REMEMBERED_LENGTH = 16_384  # characters of one query string; longer ones are read each time
REMEMBERED_CHARACTERS = 2_000_000  # of all the query strings remembered
_REFUSED = object()  # remembered for a request this layer does not answer
PREPARED = "kg.prepared"  # in the WSGI environ: the request's job, as answers_at_once read it


class PlainQueries:
    """WSGI middleware in front of the Flask app; ``state`` is the app's server state."""

    def __init__(self, app: WSGIApp, state: ServerState) -> None:
        self.app = app
        self.service = state.service
        # Keyed by the request's query string and the rest it depends on; weighed by
        # the query string's characters.
        self._prepared: BoundedLRU[tuple, object] = BoundedLRU(
            max_items=REMEMBERED, max_weight=REMEMBERED_CHARACTERS
        )

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            prepared = self._take(environ)
            if prepared is None:
                return self.app(environ, start_response)
            outcome = self.service.run(prepared.job, environ.get("REMOTE_ADDR", ""), prepared.etag)
        except ApiError as error:
            headers, body = rendered_error(error.status, error.message, environ.get("HTTP_ACCEPT"))
            status = f"{error.status} {HTTPStatus(error.status).phrase}"
            length = ("Content-Length", str(len(body)))
            start_response(status, [*headers, length, *error.headers.items()])
            return [body]
        start_response("200 OK", self.service.headers(prepared, outcome))
        mark_repeatable(environ)
        return [outcome.answer.body]

    def answers_at_once(self, environ: dict) -> bool:
        """Whether this layer answers the request without a query worker: its answer is
        in the result cache, or the engine runs its query in this process."""
        try:
            prepared = self._take(environ)
        except ApiError:
            return True  # refused: the refusal is written at once
        # The request goes on to this layer next: what was read is not read again.
        environ[PREPARED] = prepared
        return prepared is not None and self.service.answered_at_once(prepared)

    def _take(self, environ: dict) -> Prepared | None:
        """The request's prepared job, if this layer answers it; ApiError if refused."""
        if PREPARED in environ:
            return environ.pop(PREPARED)
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
        seen = self._prepared.get(key)
        if seen is not None:
            return None if seen is _REFUSED else seen  # type: ignore[return-value]
        base = site_root(environ, self.service.settings.public_url) + environ["PATH_INFO"]
        prepared = self._prepare(raw, environ.get("HTTP_ACCEPT"), base)
        if len(raw) <= REMEMBERED_LENGTH:
            self._prepared.put(key, _REFUSED if prepared is None else prepared, len(raw))
        return prepared

    def _prepare(self, raw: str, accept: str | None, base_iri: str) -> Prepared | None:
        """The prepared job of a plain query request; None for any other request."""
        if not raw.isascii():
            return None
        try:
            fields = parse_qsl(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return None
        if len(fields) != 1 or fields[0][0] != "query" or not fields[0][1].strip():
            return None
        return self.service.prepare(
            fields[0][1], accept=parse_accept_header(accept, MIMEAccept), base_iri=base_iri
        )
