"""SELECT answers written by the engine agree with the ones written here, row for row.

The engine writes a whole answer (:func:`kg.serve.writers.engine_body`); the endpoint
counts its rows to cap it. These tests give both writers awkward terms, in every
format, and check the answers say the same and the counts are exact.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest

from kg.serve.worker import Job, run_job
from kg.serve.writers import SELECT_WRITERS, count_rows, engine_body

EX = "http://example.org/"
AWKWARD = [
    'a "quoted" word',
    "back\\slash at the end\\",
    'ends in an escaped quote \\"',
    "line\nbreak and\r\nCRLF",
    "tab\there",
    "braces { } [{ ,{ }},{ and {}",
    '",{"x":{"type":"uri"',  # looks like the start of a JSON row
    "<result> and </result> & <binding>",
    "commas, and; semicolons",
    "中文 and emoji 🙂",
    "",
]


@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    graph = ox.NamedNode(EX + "g")
    for index, text in enumerate(AWKWARD):
        subject = ox.NamedNode(f"{EX}s{index}")
        store.add(ox.Quad(subject, ox.NamedNode(EX + "text"), ox.Literal(text), graph))
        store.add(
            ox.Quad(subject, ox.NamedNode(EX + "label"), ox.Literal(text, language="en"), graph)
        )
        if index % 2:
            store.add(ox.Quad(subject, ox.NamedNode(EX + "n"), ox.Literal(index), graph))
            store.add(ox.Quad(subject, ox.NamedNode(EX + "b"), ox.BlankNode(f"b{index}"), graph))
    return store


QUERIES = [
    # every term kind, some variables unbound in some rows
    f"SELECT ?s ?t ?l ?n ?b WHERE {{ ?s <{EX}text> ?t ; <{EX}label> ?l "
    f"OPTIONAL {{ ?s <{EX}n> ?n ; <{EX}b> ?b }} }} ORDER BY ?s",
    # rows with no binding at all
    f"SELECT ?nothing WHERE {{ ?s <{EX}text> ?t }}",
    # no rows
    f"SELECT ?s WHERE {{ ?s <{EX}missing> ?o }}",
    # no variables, one row
    "SELECT * WHERE { }",
]


def _rows(body: bytes, key: str) -> list[dict[str, str]]:
    """The rows of an answer as {variable: lexical form}, read with a standard parser."""
    if key == "json":
        document = json.loads(body)
        return [
            {name: term["value"] for name, term in row.items()}
            for row in document["results"]["bindings"]
        ]
    if key == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        root = ET.fromstring(body)
        return [
            {b.get("name"): (b[0].text or "") for b in result.iter(ns + "binding")}
            for result in root.iter(ns + "result")
        ]
    if key == "csv":
        lines = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
        header, rows = lines[0], lines[1:]
        # CSV cannot tell an unbound variable from an empty string: keep non-empty cells
        return [{h: c for h, c in zip(header, row, strict=False) if c} for row in rows]
    lines = body.decode("utf-8").split("\n")[:-1]
    header = [name.removeprefix("?") for name in lines[0].split("\t")] if lines[0] else []
    return [
        {h: _tsv_term(c) for h, c in zip(header, line.split("\t"), strict=False) if c}
        for line in lines[1:]
    ]


XSD = "http://www.w3.org/2001/XMLSchema#"


def _tsv_term(cell: str) -> str:
    """A TSV term in N-Triples form: Turtle may abbreviate numbers and booleans."""
    if re.fullmatch(r"[+-]?\d+", cell):
        return f'"{cell}"^^<{XSD}integer>'
    if cell in ("true", "false"):
        return f'"{cell}"^^<{XSD}boolean>'
    return cell


def _solutions(store: ox.Store, query: str):
    return store.query(query, use_default_graph_as_union=True)


@pytest.mark.parametrize("key", sorted(SELECT_WRITERS))
@pytest.mark.parametrize("query", QUERIES)
def test_engine_and_python_writers_agree(store: ox.Store, query: str, key: str) -> None:
    result = _solutions(store, query)
    variables = [v.value for v in result.variables]
    rows = [[solution[v] for v in variables] for solution in result]
    ours = SELECT_WRITERS[key](variables, rows)

    written = engine_body(_solutions(store, query), key, max_rows=1000)

    assert written is not None
    body, count = written
    assert count == len(rows) == count_rows(ours, key)
    assert _rows(body, key) == _rows(ours, key)


@pytest.mark.parametrize("key", sorted(SELECT_WRITERS))
def test_an_answer_past_the_row_cap_is_left_to_the_caller(store: ox.Store, key: str) -> None:
    query = QUERIES[0]
    rows = len(list(_solutions(store, query)))
    assert engine_body(_solutions(store, query), key, max_rows=rows) is not None
    assert engine_body(_solutions(store, query), key, max_rows=rows - 1) is None


def test_the_engine_stops_writing_past_the_byte_limit(store: ox.Store) -> None:
    query = QUERIES[0]
    whole = engine_body(_solutions(store, query), "json", max_rows=1000)
    assert whole is not None
    size = len(whole[0])
    assert engine_body(_solutions(store, query), "json", 1000, max_bytes=size) == whole
    assert engine_body(_solutions(store, query), "json", 1000, max_bytes=size - 1) is None


@pytest.mark.parametrize("key", sorted(SELECT_WRITERS))
def test_a_capped_answer_keeps_the_first_rows_and_says_so(store: ox.Store, key: str) -> None:
    query = QUERIES[0]
    whole = run_job(store, Job(query=query, form="SELECT", format_key=key, max_rows=1000))
    capped = run_job(store, Job(query=query, form="SELECT", format_key=key, max_rows=3))

    assert whole.ok and not whole.truncated and whole.rows == len(AWKWARD)
    assert capped.ok and capped.truncated and capped.rows == 3
    assert _rows(capped.body, key) == _rows(whole.body, key)[:3]


# Strings that end, or hold, what a JSON row's start looks like without a parser.
ROW_LOOKALIKES = [
    ",{",
    "[{",
    "x,{",
    '",{"x":{"type":"uri","value":"a"}},{"',
    "}},{",
    "ends in ,{ and [{ twice ,{",
    "{}",
    "a,{},b",
]


@pytest.mark.parametrize("text", ROW_LOOKALIKES)
@pytest.mark.parametrize("where", ["first row", "middle row", "last row", "every row"])
def test_json_rows_are_counted_as_the_parser_counts_them(text: str, where: str) -> None:
    store = ox.Store()
    texts = ["plain", "plain", "plain"]
    if where == "every row":
        texts = [text] * 3
    else:
        texts[["first row", "middle row", "last row"].index(where)] = text
    for index, value in enumerate(texts):
        for kind in (ox.Literal(value), ox.NamedNode(f"{EX}{index}")):
            store.add(ox.Quad(ox.NamedNode(f"{EX}s{index}"), ox.NamedNode(EX + "p"), kind))
    for query in (
        f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?o",
        f"SELECT ?s ?o WHERE {{ ?s <{EX}p> ?o FILTER(isLiteral(?o)) }} ORDER BY ?s",
        f"SELECT ?o ?none WHERE {{ ?s <{EX}p> ?o OPTIONAL {{ ?s <{EX}q> ?none }} }}",
    ):
        body = store.query(query).serialize(format=ox.QueryResultsFormat.JSON)
        assert count_rows(body, "json") == len(json.loads(body)["results"]["bindings"]), body


@pytest.mark.parametrize("query", QUERIES)
def test_json_rows_without_a_parser_agree_with_it_on_every_answer_shape(
    store: ox.Store, query: str
) -> None:
    # The awkward store holds "{}" and so takes the parser; without it, the byte count.
    plain = ox.Store()
    plain.extend(q for q in store if "{}" not in getattr(q.object, "value", ""))
    body = _solutions(plain, query).serialize(format=ox.QueryResultsFormat.JSON)
    expected = len(json.loads(body)["results"]["bindings"])
    assert count_rows(body, "json") == expected
