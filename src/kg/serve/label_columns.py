"""A label column beside each IRI column of a result (``labels=on``).

A researcher who downloads a result as CSV wants "Hubei" beside
``https://w3id.org/lgde/id/region/hubei``, as Datasette's ``_labels=on`` gives. The
labels are those the pages show: ``skos:prefLabel``, ``rdfs:label``, ``dcterms:title``,
``schema:name`` or ``foaf:name``, in that order, English or untagged first. They are
looked up in the whole store, inside the query worker, under the query's deadline.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyoxigraph as ox

LABELS = tuple(
    ox.NamedNode(iri)
    for iri in (
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/2000/01/rdf-schema#label",
        "http://purl.org/dc/terms/title",
        "https://schema.org/name",
        "http://xmlns.com/foaf/0.1/name",
    )
)

Row = Sequence[object | None]


def label_of(store: ox.Store, iri: ox.NamedNode) -> ox.Literal | None:
    """The label a page would show for ``iri``, or None.

    >>> store = ox.Store()
    >>> hubei = ox.NamedNode("https://w3id.org/lgde/id/region/hubei")
    >>> store.add(ox.Quad(hubei, LABELS[1], ox.Literal("湖北", language="zh")))
    >>> store.add(ox.Quad(hubei, LABELS[1], ox.Literal("Hubei", language="en")))
    >>> label_of(store, hubei).value
    'Hubei'
    >>> label_of(store, ox.NamedNode("https://example.org/none")) is None
    True
    """
    fallback = None
    for predicate in LABELS:
        found = sorted(
            (q.object for q in store.quads_for_pattern(iri, predicate, None, None)),
            key=lambda term: str(term),
        )
        for term in found:
            if isinstance(term, ox.Literal):
                if term.language in (None, "en") or (term.language or "").startswith("en-"):
                    return ox.Literal(term.value)
                fallback = fallback or ox.Literal(term.value)
    return fallback


def with_labels(
    store: ox.Store, variables: list[str], rows: list[Row]
) -> tuple[list[str], list[list[object | None]]]:
    """``variables`` and ``rows`` with, after each variable that binds an IRI in some
    row, a ``<variable>_label`` column holding its label.

    >>> store = ox.Store()
    >>> hubei = ox.NamedNode("https://w3id.org/lgde/id/region/hubei")
    >>> store.add(ox.Quad(hubei, LABELS[1], ox.Literal("Hubei", language="en")))
    >>> names, rows = with_labels(store, ["region", "n"], [[hubei, ox.Literal("3")]])
    >>> names
    ['region', 'region_label', 'n']
    >>> [str(t) for t in rows[0]]
    ['<https://w3id.org/lgde/id/region/hubei>', '"Hubei"', '"3"']
    """
    with_iris = [
        i for i, _ in enumerate(variables) if any(isinstance(row[i], ox.NamedNode) for row in rows)
    ]
    taken = set(variables)
    names: list[str] = []
    for i, variable in enumerate(variables):
        names.append(variable)
        if i in with_iris:
            name = f"{variable}_label"
            while name in taken:  # a query's own variable of that name keeps it
                name += "_"
            taken.add(name)
            names.append(name)
    known: dict[str, ox.Literal | None] = {}
    out: list[list[object | None]] = []
    for row in rows:
        cells: list[object | None] = []
        for i, term in enumerate(row):
            cells.append(term)
            if i in with_iris:
                label = None
                if isinstance(term, ox.NamedNode):
                    if term.value not in known:
                        known[term.value] = label_of(store, term)
                    label = known[term.value]
                cells.append(label)
        out.append(cells)
    return names, out
