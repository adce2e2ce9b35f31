"""Render SPARQL results for the terminal and for files."""

from __future__ import annotations

import pyoxigraph as ox

from kg.formats import RESULT_FORMATS
from kg.namespaces import PREFIXES, compact
from kg.typed_results import written

OXIGRAPH_RESULT_FORMATS = {f.key: f.engine_results for f in RESULT_FORMATS}


def term_text(term: object) -> str:
    """A short, readable form of an RDF term: prefixed names, plain literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def table(result: ox.QuerySolutions, max_width: int = 60) -> str:
    """Solutions as an aligned text table, long cells shortened with an ellipsis."""
    names = [v.value for v in result.variables]
    rows = []
    for solution in result:
        cells = []
        for name in names:
            text = " ".join(term_text(solution[name]).split())
            cells.append(text if len(text) <= max_width else text[: max_width - 1] + "…")
        rows.append(cells)
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def render(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str) -> bytes:
    """Serialize any query result: solutions in ``fmt``, booleans as text, graphs as Turtle."""
    if isinstance(result, ox.QuerySolutions):
        if fmt == "table":
            return table(result).encode("utf-8")
        return written(result.serialize(format=OXIGRAPH_RESULT_FORMATS[fmt]))
    if isinstance(result, ox.QueryBoolean):
        if fmt == "json":
            return written(result.serialize(format=ox.QueryResultsFormat.JSON))
        return (("true" if bool(result) else "false") + "\n").encode()
    # QueryTriples (CONSTRUCT / DESCRIBE)
    triples = sorted(result, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return written(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES))
