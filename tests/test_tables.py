"""The tidy tables: checked by independent validators (the ``csvw`` package for W3C
CSVW, ``frictionless`` for the data package), counted against the graph, covered by the
codebook, byte-stable, and served."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from csvw import CSVW
from frictionless import Package

from kg.build import build_graph
from kg.build.table_metadata import describe
from kg.build.tables import ALL_TABLES, LINKS, TABLES, TABLES_DIR, listed
from kg.cli import main
from kg.layout import Layout
from kg.store import Build

from .conftest import HOME


@pytest.fixture(scope="session")
def tables(build: Build) -> Path:
    return build.path / TABLES_DIR


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def csvw_validate(metadata: Path) -> subprocess.CompletedProcess:
    """The csvw package's validator, as its command line runs it."""
    command = [str(Path(sys.executable).with_name("csvwvalidate")), "-v", str(metadata)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_the_csvw_metadata_validates(tables: Path) -> None:
    done = csvw_validate(tables / "csv-metadata.json")
    assert (done.returncode, done.stdout.strip()) == (0, "OK"), done.stdout + done.stderr
    described = CSVW(str(tables / "csv-metadata.json"), validate=True)
    names = [t.url.string for t in described.tablegroup.tables]
    assert sorted(names) == sorted(f"{t.name}.csv" for t in ALL_TABLES)


def test_the_data_package_validates(tables: Path) -> None:
    report = Package(str(tables / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


@pytest.mark.parametrize(
    "line, old, new, words",
    [
        (2, ",2.5,PERCENT,", ",abc,PERCENT,", "decimal"),  # a value that is not a number
        (2, ",planned,", ",,", "required"),  # a required cell left empty
        (2, "/region/anhui,", "/region/atlantis,", "region"),  # a region no table has
    ],
)
def test_both_validators_refuse_a_broken_table(tables, tmp_path, line, old, new, words) -> None:
    copy = tmp_path / "tables"
    shutil.copytree(tables, copy)
    lines = (copy / "targets.csv").read_bytes().decode("utf-8").split("\r\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    (copy / "targets.csv").write_bytes("\r\n".join(lines).encode("utf-8"))
    done = csvw_validate(copy / "csv-metadata.json")
    assert done.returncode != 0 and "FAIL" in done.stdout
    expected = {
        "decimal": "invalid lexical value for decimal",
        "required": "required column",
        "region": "not found in table regions.csv",
    }
    assert expected[words] in done.stdout + done.stderr
    package = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        resource.pop("hash")  # the edit changes the file's hash; the rows are checked
    (copy / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = Package(str(copy / "datapackage.json")).validate()
    assert not report.valid
    frictionless = {
        "decimal": ["value", "type-error"],
        "required": ["status", "constraint-error"],
        "region": [None, "foreign-key"],  # a row's error: no one field is named
    }
    assert report.flatten(["fieldName", "type"]) == [frictionless[words]]


@pytest.mark.parametrize(
    "broken, csvw_words, frictionless_error",
    [
        ("twice", "duplicate primary key", [None, "primary-key"]),
        ("no item", "required column", ["item", "constraint-error"]),
    ],
)
def test_both_validators_refuse_a_broken_link_table(
    tables, tmp_path, broken, csvw_words, frictionless_error
) -> None:
    copy = tmp_path / "tables"
    shutil.copytree(tables, copy)
    lines = (copy / "links.csv").read_bytes().decode("utf-8").split("\r\n")
    if broken == "twice":
        lines.insert(2, lines[1])
    else:
        cells = next(csv.reader([lines[1]]))
        cells[3] = ""
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(cells)
        lines[1] = out.getvalue()
    (copy / "links.csv").write_bytes("\r\n".join(lines).encode("utf-8"))
    done = csvw_validate(copy / "csv-metadata.json")
    assert done.returncode != 0 and csvw_words in done.stdout + done.stderr
    package = json.loads((copy / "datapackage.json").read_text(encoding="utf-8"))
    for resource in package["resources"]:
        resource.pop("hash")
    (copy / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    report = Package(str(copy / "datapackage.json")).validate()
    assert report.flatten(["fieldName", "type"]) == [frictionless_error]


def test_rows_are_the_graph_s_facts_and_entities(build: Build, tables: Path) -> None:
    for table in ALL_TABLES:
        if table is LINKS:
            continue  # no class of its own: test_links_are_the_list_cells_one_per_row
        rows = read(tables / f"{table.name}.csv")
        (key,) = table.key
        count = next(
            iter(
                build.query(
                    f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {table.rows} "
                    f"FILTER(isIRI(?s)) }}"
                )
            )
        )["n"].value
        keys = [row[key] for row in rows]
        assert len(keys) == len(set(keys)) == int(count), table.name
        assert keys == sorted(keys) or table.order != "its IRI", table.name
        assert list(rows[0]) == [c.name for c in table.columns]


def test_links_are_the_list_cells_one_per_row(tables: Path) -> None:
    """links.csv holds exactly the values of every list column of IRIs (or articles),
    each with its label and the table it is a row of."""
    links = read(tables / "links.csv")
    keys = [tuple(row[k] for k in LINKS.key) for row in links]
    assert keys == sorted(set(keys))  # unique, and sorted by its key
    homes: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    expected = set()
    for table in TABLES:
        for row in read(tables / f"{table.name}.csv"):
            homes.setdefault(row["iri"], set()).add(table.name)
            labels[row["iri"]] = row.get("label") or row.get("title", "")
            for column in listed(table):
                cells = [v for v in row[column.name].split(";") if v]
                expected |= {(table.name, row["iri"], column.name, v) for v in cells}
    assert expected  # sectors, actors, themes, documents, articles...
    found = {
        (r["table"], r["iri"], r["column"], r["item"].rsplit("/", 1)[1])
        if r["column"] == "articles"
        else (r["table"], r["iri"], r["column"], r["item"])
        for r in links
    }
    assert found == expected
    assert {r["column"] for r in links} >= {"sectors", "actors", "themes", "documents", "articles"}
    for row in links:
        assert row["item_table"] == ";".join(sorted(homes.get(row["item"], ()))), row
        if row["item"] in labels:
            assert row["item_label"] == labels[row["item"]], row


def test_every_fact_row_has_its_articles_and_quote(tables: Path) -> None:
    texts = {
        path.name.split("_", 1)[0]: path.read_text(encoding="utf-8")
        for path in (HOME / "seeds").glob("*.txt")
    }
    for name in ("targets", "observations", "expectations", "plans", "quotes", "claims"):
        for row in read(tables / f"{name}.csv"):
            first = row["articles"].split(";")[0]
            assert row["evidence"] and row["evidence"] in texts[first], (name, row["iri"])
    for row in read(tables / "evidence.csv"):
        text = texts[row["article"]]
        assert text[int(row["start"]) : int(row["end"])] == row["quote"]


def test_join_keys_and_values_as_the_graph_gives_them(build: Build, tables: Path) -> None:
    regions = {row["iri"]: row for row in read(tables / "regions.csv")}
    hubei = regions["https://w3id.org/lgde/id/region/hubei"]
    (code,) = (
        r["code"].value
        for r in build.query(
            "SELECT ?code WHERE { region:hubei skos:notation ?code "
            "FILTER(datatype(?code) = lgde:GBT2260Code) }"
        )
    )
    assert (hubei["label"], hubei["code"]) == ("Hubei", code)
    for row in read(tables / "observations.csv"):
        if row["region"]:
            assert row["region_code"] == regions[row["region"]]["code"]
        (value,) = (
            r["v"].value
            for r in build.query(f"SELECT ?v WHERE {{ <{row['iri']}> sdmx-measure:obsValue ?v }}")
        )
        assert float(row["value"]) == float(value)


def test_coded_columns_hold_only_the_values_the_codebook_lists(build: Build, tables) -> None:
    from rdflib import Graph

    layout = Layout.discover(HOME)
    ontology = Graph()
    for path in layout.ontology_files:
        ontology.parse(path, format="turtle")
    shapes = Graph().parse(layout.shapes_file, format="turtle")
    checked = 0
    for table in ALL_TABLES:
        rows = read(tables / f"{table.name}.csv")
        for d in describe(table, ontology, shapes):
            if not d.values:
                continue
            allowed = {v.split(" ", 1)[0] for v in d.values}
            found = {row[d.column.name] for row in rows} - {""}
            assert found <= allowed, (table.name, d.column.name, found - allowed)
            checked += 1
    assert checked >= 8


def test_the_codebook_covers_every_column(tables: Path) -> None:
    markdown = (tables / "codebook.md").read_text(encoding="utf-8")
    html = (tables / "codebook.html").read_text(encoding="utf-8")
    for table in ALL_TABLES:
        header = next(csv.reader(io.StringIO((tables / f"{table.name}.csv").read_text("utf-8"))))
        section = markdown.split(f"## {table.name}.csv", 1)[1].split("\n## ", 1)[0]
        for column in header:
            assert f"| `{column}` |" in section, (table.name, column)
            assert f'id="{table.name}.{column}"' in html, (table.name, column)


def test_tables_are_byte_stable_and_exported_as_built(runner, project_copy, tmp_path) -> None:
    first = build_graph(project_copy)
    second = build_graph(project_copy)
    assert first.manifest["tables"] == second.manifest["tables"]
    out = tmp_path / "out"
    done = runner.invoke(
        main,
        ["--home", str(project_copy.home), "export", "--tables", str(out)],
        env={"KG_BUILD_DIR": str(project_copy.build_root)},
    )
    assert done.exit_code == 0, done.output
    for name in first.manifest["tables"]["sha256"]:
        assert (out / name).read_bytes() == (second.path / TABLES_DIR / name).read_bytes()
    with zipfile.ZipFile(out / "lgde-tables.zip") as archive:
        for name in first.manifest["tables"]["sha256"]:
            if name != "lgde-tables.zip":
                assert archive.read(f"lgde-tables/{name}") == (out / name).read_bytes()


def test_pandas_reads_a_table_in_one_line(plain_server: str) -> None:
    import pandas as pd

    targets = pd.read_csv(f"{plain_server}/download/tables/targets.csv")
    assert len(targets) == 16
    assert targets["value"].dtype == float
    assert targets["year"].dropna().astype(int).between(2020, 2035).all()
    assert set(targets["comparator"]) <= {"exactly", "approximately", "atLeast", "moreThan", "upTo"}


def test_the_server_serves_the_tables(plain_server: str, build: Build) -> None:
    with urllib.request.urlopen(
        urllib.request.Request(
            f"{plain_server}/download/tables/", headers={"Accept": "application/json"}
        )
    ) as response:
        listing = json.load(response)
    assert {t["file"] for t in listing["tables"]} == {f"{t.name}.csv" for t in ALL_TABLES}
    assert (
        listing["files"]["targets.csv"]["sha256"]
        == build.manifest["tables"]["sha256"]["targets.csv"]
    )
    url = f"{plain_server}/download/tables/targets.csv"
    with urllib.request.urlopen(url) as response:
        assert response.headers["Content-Type"].startswith("text/csv")
        etag = response.headers["ETag"]
        assert response.read() == (build.path / TABLES_DIR / "targets.csv").read_bytes()
    with pytest.raises(urllib.error.HTTPError) as unchanged:
        urllib.request.urlopen(urllib.request.Request(url, headers={"If-None-Match": etag}))
    assert unchanged.value.code == 304
    with urllib.request.urlopen(f"{plain_server}/download/tables/csv-metadata.json") as response:
        assert response.headers["Content-Type"] == "application/csvm+json"
    for name in ("manifest.json", "..%2Fmanifest.json", "store"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{plain_server}/download/tables/{name}")
        assert missing.value.code == 404
        if name == "manifest.json":
            assert "No file manifest.json" in json.load(missing.value)["message"]
