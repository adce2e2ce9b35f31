"""The README's worked question, answered three ways as it writes them (SPARQL at the
endpoint, the stored-query API, the tables in pandas), against a running server: the
three answers agree, and pandas prints what the README shows."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shlex
import urllib.parse
import urllib.request

import pytest

from .conftest import HOME

pytestmark = pytest.mark.slow
README_BASE = "http://127.0.0.1:8000"


def blocks() -> dict[str, str]:
    readme = (HOME / "README.md").read_text(encoding="utf-8")
    part = readme.split("<!-- worked example: begin -->", 1)[1]
    example, after = part.split("<!-- worked example: end -->", 1)
    found = dict(re.findall(r"```(\w+)\n(.*?)```", example, re.S))
    found["output"] = re.search(r"```\n(.*?)```", after, re.S).group(1)  # type: ignore[union-attr]
    return found


def fetch(url: str, accept: str = "*/*") -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as r:
        return r.read().decode("utf-8")


def test_three_ways_give_one_answer(plain_server: str) -> None:
    code = blocks()
    unit = "http://qudt.org/vocab/unit/"

    sparql = json.loads(
        fetch(
            f"{plain_server}/sparql?" + urllib.parse.urlencode({"query": code["sparql"]}),
            "application/sparql-results+json",
        )
    )
    by_sparql = {
        (
            b["regionLabel"]["value"],
            b["indicatorLabel"]["value"],
            float(b["value"]["value"]),
            b["unit"]["value"].removeprefix(unit),
        )
        for b in sparql["results"]["bindings"]
    }

    (command,) = [line for line in code["sh"].splitlines() if line.startswith("curl")]
    url = shlex.split(command)[1].replace(README_BASE, plain_server)
    rows = list(csv.DictReader(io.StringIO(fetch(url))))
    by_api = {
        (r["areaLabel"], r["indicatorLabel"], float(r["value"]), r["unit"].removeprefix(unit))
        for r in rows
    }

    printed = io.StringIO()
    scope: dict = {}
    with contextlib.redirect_stdout(printed):
        exec(code["python"].replace(README_BASE, plain_server), scope)
    by_tables = {
        (r.region_label, r.indicator_label, float(r.value), r.unit)
        for r in scope["by_2025"].itertuples()
    }

    assert by_sparql == by_api == by_tables
    assert len(by_sparql) >= 3
    assert printed.getvalue().strip("\n") == code["output"].strip("\n")
