"""Absolute URLs come from the public_url setting when it is set, else from the request."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from kg.layout import STORE_DIR
from kg.serve import create_app
from kg.serve.settings import Settings

PUBLIC = "https://lgde.example.org/kg"
RELATIVE = "SELECT ?o WHERE { BIND(<relative> AS ?o) }"


@pytest.fixture(scope="module")
def public_app(build):
    app = create_app(
        Settings(query_workers=1, public_url=PUBLIC), store_path=build.path / STORE_DIR
    )
    yield app
    app.extensions["kg"].engine.close()


def _relative_resolved(client, **headers) -> str:
    # Through the plain-query path (query alone) and through the Flask view (format=).
    answers = set()
    for url in (f"/sparql?query={quote(RELATIVE)}", f"/sparql?query={quote(RELATIVE)}&format=json"):
        reply = client.get(url, headers=headers)
        assert reply.status_code == 200
        answers.add(json.loads(reply.data)["results"]["bindings"][0]["o"]["value"])
    assert len(answers) == 1
    return answers.pop()


def test_with_a_public_url_the_host_of_a_request_is_never_echoed(public_app) -> None:
    client = public_app.test_client()
    forged = {"Host": "attacker.example"}
    assert _relative_resolved(client, **forged) == f"{PUBLIC}/relative"
    description = client.get("/sparql", headers={**forged, "Accept": "application/n-triples"})
    assert f"<{PUBLIC}/sparql>".encode() in description.data
    assert b"attacker.example" not in description.data
    void = client.get("/.well-known/void", headers={**forged, "Accept": "application/n-triples"})
    assert PUBLIC.encode() in void.data and b"attacker.example" not in void.data
    listed = json.loads(client.get("/api/queries", headers=forged).data)
    assert all(q["url"].startswith(f"{PUBLIC}/api/queries/") for q in listed)
    openapi = client.get("/api/openapi.json", headers=forged).data
    assert PUBLIC.encode() in openapi and b"attacker.example" not in openapi


def test_without_one_each_request_s_host_is_used(client) -> None:
    resolved = _relative_resolved(client, Host="mirror.example:8080")
    assert resolved == "http://mirror.example:8080/relative"


@pytest.mark.parametrize(
    "value",
    ["lgde.example.org", "ftp://lgde.example.org", "https://x/?a=1", "https://x/#f", "https:///"],
)
def test_a_public_url_must_be_an_absolute_http_url(value) -> None:
    with pytest.raises(ValueError, match="public_url"):
        Settings().with_values({"public_url": value})


def test_a_public_url_loses_its_final_slash() -> None:
    assert Settings().with_values({"public_url": PUBLIC + "/"}).public_url == PUBLIC
