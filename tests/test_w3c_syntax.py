"""The approved W3C SPARQL 1.1 query-syntax tests, sent to the server.

A positive test's query must be answered (2xx); a negative test's must be refused with
400 and a message.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Namespace

from .conftest import W3C
from .http_client import request

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

MANIFEST = Graph().parse(W3C / "syntax" / "manifest.ttl", format="turtle")


def _tests(kind) -> list[tuple[str, str]]:
    found = []
    for test in MANIFEST.subjects(predicate=None, object=kind):
        if MANIFEST.value(test, DAWGT.approval) != DAWGT.Approved:
            continue
        action = str(MANIFEST.value(test, MF.action)).rsplit("/", 1)[1]
        found.append((str(test).rsplit("#", 1)[1], action))
    return sorted(found)


POSITIVE = _tests(MF.PositiveSyntaxTest11)
NEGATIVE = _tests(MF.NegativeSyntaxTest11)


def test_the_approved_tests_are_all_there() -> None:
    assert (len(POSITIVE), len(NEGATIVE)) == (60, 26)


def _send(server: str, name: str):
    query = (W3C / "syntax" / name).read_bytes()
    return request(server, "POST", "/sparql", query, {"Content-Type": "application/sparql-query"})


@pytest.mark.parametrize("test,name", POSITIVE, ids=[t for t, _ in POSITIVE])
def test_valid_query_is_answered(server: str, test: str, name: str) -> None:
    reply = _send(server, name)
    assert 200 <= reply.status < 300, (reply.status, reply.body[:300])


@pytest.mark.parametrize("test,name", NEGATIVE, ids=[t for t, _ in NEGATIVE])
def test_invalid_query_is_refused_with_400(server: str, test: str, name: str) -> None:
    reply = _send(server, name)
    assert reply.status == 400, (reply.status, reply.body[:300])
    assert reply.json()["message"]
