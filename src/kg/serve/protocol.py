"""Read a SPARQL 1.1 Protocol request: the query, the dataset, and nothing ambiguous."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict

from kg.serve.errors import ApiError
from kg.serve.service import READ_ONLY

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"


@dataclass(frozen=True)
class ProtocolRequest:
    """What the protocol reader needs of an HTTP request, from any framework."""

    method: str
    args: MultiDict  # the URL's parameters
    mimetype: str = ""  # of the body, without parameters
    charset: str | None = None
    body: bytes = b""


@dataclass(frozen=True)
class QueryRequest:
    query: str
    default_graphs: tuple[str, ...]
    named_graphs: tuple[str, ...]
    format: str | None = None  # ?format=, from the URL or the form body
    labels: bool = False  # ?labels=on: a label column beside each IRI column


def _utf8(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ApiError(400, f"The {what} is not valid UTF-8 (byte {error.start}).") from None


def _form_fields(raw: bytes) -> MultiDict:
    text = _utf8(raw, "request body")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ApiError(400, "A form field is not percent-encoded UTF-8.") from None
    return MultiDict(pairs)


def _charset_ok(charset: str | None) -> None:
    if charset and charset.lower().replace("-", "") != "utf8":
        raise ApiError(415, f"Only UTF-8 is accepted, not charset={charset}.")


def read_query_request(request: ProtocolRequest) -> QueryRequest | None:
    """The query of ``request``, or None for a plain GET (service description).

    Raises :class:`ApiError` for every misuse the protocol names: two queries, an
    update, a wrong or missing media type, a body that is not UTF-8.
    """
    url = request.args
    if request.method in ("GET", "HEAD"):
        if "update" in url:
            raise ApiError(403, READ_ONLY + " (Updates are never sent with GET.)")
        if "query" not in url:
            return None
        fields = url
    elif request.method == "POST":
        mimetype = request.mimetype
        if not mimetype:
            raise ApiError(400, f"A POST needs a Content-Type: {FORM} or {DIRECT}.")
        _charset_ok(request.charset)
        raw = request.body
        if mimetype == UPDATE:
            raise ApiError(403, READ_ONLY)
        if mimetype == FORM:
            body = _form_fields(raw)
            if "update" in body or "update" in url:
                raise ApiError(403, READ_ONLY)
            if "query" in url:
                raise ApiError(400, "Give the query in the body or in the URL, not both.")
            fields = MultiDict(list(url.items(multi=True)) + list(body.items(multi=True)))
        elif mimetype == DIRECT:
            if "query" in url or "update" in url:
                raise ApiError(
                    400,
                    "With application/sparql-query the body is the query; "
                    "the URL must not carry another.",
                )
            fields = MultiDict([*url.items(multi=True), ("query", _utf8(raw, "query"))])
        else:
            raise ApiError(415, f"Unsupported Content-Type {mimetype}: use {FORM} or {DIRECT}.")
    else:
        raise ApiError(405, "Use GET or POST.")

    queries = fields.getlist("query")
    if len(queries) != 1:
        raise ApiError(400, f"Exactly one query is needed; this request has {len(queries)}.")
    if not queries[0].strip():
        raise ApiError(400, "The query is empty.")
    return QueryRequest(
        query=queries[0],
        default_graphs=tuple(fields.getlist("default-graph-uri")),
        named_graphs=tuple(fields.getlist("named-graph-uri")),
        format=fields.get("format"),
        labels=labels_wanted(fields.get("labels")),
    )


def labels_wanted(value: str | None) -> bool:
    """Whether ``labels=`` asks for label columns.

    >>> labels_wanted("on"), labels_wanted(None), labels_wanted("off")
    (True, False, False)
    """
    if value is None or value.lower() in ("off", "false", "0", ""):
        return False
    if value.lower() in ("on", "true", "1"):
        return True
    raise ApiError(400, f"labels={value!r}: use labels=on or labels=off.")
