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
from collections.abc import Iterator

from kg.sparql_lexer import tokens

_LONGEST = 4_000  # characters; a lookup is short, and the scan is not worth it beyond


def _plain_tokens(text: str) -> Iterator[tuple[str, str]]:
    """The text's terminals, cut as the engine cuts them (:mod:`kg.sparql_lexer`).

    Names and strings with escapes, and names with a colon in their local part, come
    as ("bad", ...): anything that unusual is left to the general way.
    """
    for kind, value in tokens(text):
        unusual = "\\" in value or (kind == "name" and ("%" in value or value.count(":") > 1))
        yield ("bad", value) if unusual else (kind, value)
    yield "end", ""


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
    terminals = _plain_tokens(text)
    current = next(terminals)

    def take(*kinds: str, value: str | None = None) -> str | None:
        nonlocal current
        kind, found = current
        if kind in kinds and (value is None or found == value):
            current = next(terminals, ("end", ""))
            return found
        return None

    def literal() -> str | None:
        """A string, with its language or datatype if it has one."""
        text = take("string")
        if text is None:
            return None
        if take("langtag") is not None:
            return text
        if take("punct", value="^^") is not None and take("iri", "name") is None:
            return None
        return text

    while (word := take("word")) in ("BASE", "PREFIX"):
        if word == "PREFIX" and not (take("name") or "").endswith(":"):
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
        take("var", "iri", "name"),
        take("var", "iri", "name") or take("word", value="A"),
        take("var", "iri", "name") or literal(),
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
        if number is None or not number.isdigit():
            return None
        limit = int(number)
    return limit if take("end") is not None else None
