"""The media types the endpoint speaks, and content negotiation over them."""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept

from kg.formats import GRAPH_FORMATS, RESULT_FORMATS, Format

__all__ = ["GRAPH_FORMATS", "RESULT_FORMATS", "MediaFormat", "negotiate"]


# The formats are defined once, in kg.formats; the server negotiates over them.
MediaFormat = Format


class NotAcceptable(Exception):
    """Nothing the client accepts can be produced; ``available`` lists what can."""

    def __init__(self, available: list[str]) -> None:
        self.available = available
        super().__init__("none of the accepted media types can be produced")


class UnknownFormat(ValueError):
    """A ``format=`` value that names no format of this kind."""


def negotiate(
    formats: tuple[MediaFormat, ...], accept: MIMEAccept, explicit: str | None = None
) -> MediaFormat:
    """Choose a format: ``explicit`` (a key or media type) wins, else the Accept header.

    q-values and wildcards follow RFC 9110; an absent or ``*/*`` Accept gives the
    first (default) format; ties go to the order of ``formats``.
    """
    if explicit:
        for fmt in formats:
            if explicit in (fmt.key, fmt.media_type, *fmt.aliases):
                return fmt
        raise UnknownFormat(explicit)
    if not accept:
        return formats[0]
    # Aliases (application/json, text/xml...) count only when named exactly: through a
    # wildcard such as text/* they would outbid the formats the client asked for.
    named = {value.lower(): quality for value, quality in accept}
    best, best_quality = None, 0.0
    for fmt in formats:
        quality = max(
            [accept.quality(fmt.media_type)] + [named.get(alias, 0) for alias in fmt.aliases]
        )
        if quality > best_quality:
            best, best_quality = fmt, quality
    if best is None:
        raise NotAcceptable([f.media_type for f in formats])
    return best
