"""Recognise queries whose whole cost is bounded by the rows they return.

A ``SELECT`` or ``ASK`` of one triple pattern, with no modifier but ``LIMIT``, is
answered by one index scan that yields its rows as it goes: the engine stops after
the last row taken. Such a query (a lookup of one resource, one property, one value)
cannot run long, so the server answers it without handing it to a query worker.

The recogniser accepts a small, exact subset of SPARQL and nothing around it. What it
does not recognise is not refused: it simply goes the general way, with a deadline.

>>> pattern_limit("SELECT ?p ?o WHERE { <http://example.org/a> ?p ?o }")
-1
>>> pattern_limit("PREFIX ex: <http://example.org/> ASK { ex:a a ex:Thing . }")
-1
>>> pattern_limit("SELECT * { ?s ?p ?o } LIMIT 10")
10
>>> pattern_limit("SELECT ?s WHERE { ?s ?p ?s }") is None  # a repeated variable filters a scan
True
>>> pattern_limit("SELECT DISTINCT ?p WHERE { ?s ?p ?o }") is None
True
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

_IRI = r"<[^<>\"{}|^`\\\s]*>"
# Prefixed names without escapes or colons in the local part: anything more unusual
# is left to the general way.
_PNAME = r"(?:[^\W\d][\w-]*(?:\.[\w-]+)*)?:(?:[\w-]+(?:\.[\w-]+)*)?"
_TOKEN = re.compile(
    rf"""
    (?P<space>\s+|\#[^\n]*)
    |(?P<iri>{_IRI})
    |(?P<var>[?$][^\W\d]\w*)
    |(?P<literal>"[^"\\\n]*"(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:{_IRI}|{_PNAME}))?)
    |(?P<pname>{_PNAME})
    |(?P<word>[A-Za-z]+)
    |(?P<number>[0-9]+)
    |(?P<punct>[{{}}.*])
    """,
    re.VERBOSE,
)
_LONGEST = 4_000  # characters; a lookup is short, and the scan is not worth it beyond


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    """The tokens of ``text``, read as they are asked for; ("bad", "") where none fits."""
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            break
        position = match.end()
        kind = match.lastgroup or ""
        if kind != "space":
            value = match.group()
            yield kind, value.upper() if kind == "word" else value
    yield ("end", "") if position >= len(text) else ("bad", "")


def pattern_limit(text: str) -> int | None:
    """For a query of one triple pattern, its ``LIMIT`` (-1 if none); otherwise None."""
    # Without a literal, one pattern means one opening brace: most queries stop here.
    if len(text) > _LONGEST or (text.count("{") != 1 and '"' not in text):
        return None
    return _read_pattern(text)


# Tools send the same queries again and again, and reading a stored query's text took
# a twentieth of a millisecond. The texts kept are short: a few megabytes in all.
@functools.lru_cache(maxsize=1_024)
def _read_pattern(text: str) -> int | None:
    tokens = _tokens(text)
    current = next(tokens)

    def take(*kinds: str, value: str | None = None) -> str | None:
        nonlocal current
        kind, found = current
        if kind in kinds and (value is None or found == value):
            current = next(tokens, ("end", ""))
            return found
        return None

    while (word := take("word")) in ("BASE", "PREFIX"):
        if word == "PREFIX" and not (take("pname") or "").endswith(":"):
            return None
        if take("iri") is None:
            return None
    if word == "SELECT":
        if take("punct", value="*") is None:
            if take("var") is None:
                return None
            while take("var"):
                pass
    elif word != "ASK":
        return None
    take("word", value="WHERE")
    if take("punct", value="{") is None:
        return None
    terms = [
        take("var", "iri", "pname"),
        take("var", "iri", "pname") or take("word", value="A"),
        take("var", "iri", "pname", "literal"),
    ]
    if None in terms:
        return None
    variables = [t for t in terms if t and t[0] in "?$"]
    if len({v[1:] for v in variables}) != len(variables):
        return None
    take("punct", value=".")
    if take("punct", value="}") is None:
        return None
    limit = -1
    if take("word", value="LIMIT"):
        number = take("number")
        if number is None:
            return None
        limit = int(number)
    return limit if take("end") is not None else None
