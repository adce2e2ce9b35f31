"""The README's worked question, answered the ways it writes them (SPARQL at the
endpoint, the stored-query API, the tables in pandas and in R), against a running
server: the answers agree, and pandas prints what the README shows. Likewise the join
on the long link table, in pandas and in R (Debian's R, which ``make test`` installs)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shlex
import shutil
import subprocess
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .conftest import HOME

pytestmark = pytest.mark.slow
README_BASE = "http://127.0.0.1:8000"


def blocks(name: str = "worked example") -> dict[str, str]:
    readme = (HOME / "README.md").read_text(encoding="utf-8")
    part = readme.split(f"<!-- {name}: begin -->", 1)[1]
    example, after = part.split(f"<!-- {name}: end -->", 1)
    found = dict(re.findall(r"```(\w+)\n(.*?)```", example, re.S))
    output = re.search(r"```\n(.*?)```", after, re.S)
    found["output"] = output.group(1) if output else ""
    return found


def run_r(code: str, server: str, table: str) -> list[dict[str, str]]:
    """The rows of data frame ``table`` after R runs ``code`` against ``server`` (written
    to a file of their own: R prints the value of a line like ``by_2025[…, ]``)."""
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is missing: 'make test' installs Debian's r-base-core"
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "out.csv"
        program = code.replace(README_BASE, server)
        program += f'\nwrite.csv({table}, "{out}", row.names = FALSE, fileEncoding = "UTF-8")\n'
        done = subprocess.run(
            [rscript, "--vanilla", "-"],
            input=program,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        with out.open(encoding="utf-8", newline="") as written:
            return list(csv.DictReader(written))


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

    by_r = {
        (r["region_label"], r["indicator_label"], float(r["value"]), r["unit"])
        for r in run_r(code["r"], plain_server, "by_2025")
    }

    assert by_sparql == by_api == by_tables == by_r
    assert len(by_sparql) >= 3
    assert printed.getvalue().strip("\n") == code["output"].strip("\n")


def test_the_link_table_joins_as_the_readme_says(plain_server: str) -> None:
    """Each target with its sectors, by the README's join in pandas and in R: the pairs
    its targets.csv lists in the sectors cells, with their labels."""
    worked, links = blocks(), blocks("links example")
    targets = list(
        csv.DictReader(io.StringIO(fetch(f"{plain_server}/download/tables/targets.csv")))
    )
    expected = {
        (row["label"], label)
        for row in targets
        for label in row["sector_labels"].split(";")
        if label
    }
    assert expected

    scope: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for code in (worked["python"], links["python"]):
            exec(code.replace(README_BASE, plain_server), scope)
    in_pandas = {(r.label, r.item_label) for r in scope["with_sectors"].itertuples()}
    rows = run_r(worked["r"] + "\n" + links["r"], plain_server, "with_sectors")
    in_r = {(r["label"], r["item_label"]) for r in rows}
    assert in_pandas == in_r == expected
    assert (
        len(rows)
        == len(scope["with_sectors"])
        == sum(len([s for s in row["sectors"].split(";") if s]) for row in targets)
    )
