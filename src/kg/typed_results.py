"""pyoxigraph's results, typed as the query or call that made them.

``Store.query`` is typed to return any kind of result and ``serialize`` to return
nothing when it writes to a file; a caller that knows which it gets says so here, and
a wrong guess fails loudly instead of further on.

>>> import pyoxigraph as ox

# What a solution or a triple may hold (a quoted triple only in RDF 1.2 data).
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
>>> [row["x"].value for row in solutions(ox.Store().query("SELECT ?x { VALUES ?x { 1 } }"))]
['1']
>>> solutions(ox.Store().query("ASK {}"))
Traceback (most recent call last):
...
TypeError: expected SELECT solutions, got QueryBoolean
"""

from __future__ import annotations

import pyoxigraph as ox

# What a solution or a triple may hold (a quoted triple only in RDF 1.2 data).
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def solutions(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> ox.QuerySolutions:
    """``result`` of a SELECT query."""
    if not isinstance(result, ox.QuerySolutions):
        raise TypeError(f"expected SELECT solutions, got {type(result).__name__}")
    return result


def written(body: bytes | None) -> bytes:
    """What a serializer given no output returned."""
    if body is None:
        raise TypeError("the serializer wrote to an output instead of returning bytes")
    return body


def text_of(term: Term) -> str:
    """An IRI's, a literal's or a blank node's text (a quoted triple's N-Triples form)."""
    return str(term) if isinstance(term, ox.Triple) else term.value
