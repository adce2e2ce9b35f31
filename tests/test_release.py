"""Releases: ``kg release`` freezes a build with checksums and a changelog computed from
the data; CITATION.cff passes cffconvert; the server says which release it serves; a
replication bundle holds what it takes to rerun a query."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kg.build import build_graph
from kg.build.release import ReleaseError, make_release
from kg.cli import main
from kg.layout import Layout
from kg.releases import inputs_digest, read_releases

from .conftest import HOME, _free_port, replace_in, wait_until

DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
NEW_CLAIM = """
claim:guizhou-advantages-for-big-data a lgde:Claim ;
    lgde:about region:guizhou ;
    lgde:description "Guizhou has unique advantages and conditions for developing big data."@en ;
    lgde:sector sector:big-data ;
    prov:wasDerivedFrom article:004 ;
    lgde:evidence
        [ a oa:SpecificResource ; oa:hasSource article:004 ;
          oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "QUOTE" ] ] .
""".replace(
    "QUOTE", "Guizhou has unique advantages and conditions for the development of big data."
)
REMOVED = "claim:southwest-china-rising-tech-centre"


def kg(runner, layout: Layout, *args: str):
    return runner.invoke(
        main,
        ["--home", str(layout.home), *args],
        env={"KG_BUILD_DIR": str(layout.build_root)},
    )


@pytest.fixture
def released(runner, project_copy: Layout) -> Layout:
    done = kg(runner, project_copy, "release", "1.0.0", "--date", "2026-12-01", "--notes", "First.")
    assert done.exit_code == 0, done.output
    assert "Released 1.0.0" in done.output
    return project_copy


def change_sources(layout: Layout) -> None:
    """One target's value changed, one claim removed, one added."""
    smes = "    lgde:indicator indicator:specialized-innovative-smes ;\n"
    replace_in(
        layout.graph_dir / "article-001.ttl",
        smes + "    sdmx-measure:obsValue 100.0 ;",
        smes + "    sdmx-measure:obsValue 120.0 ;",
    )
    path = layout.graph_dir / "article-004.ttl"
    text = path.read_text(encoding="utf-8")
    block = re.search(rf"^{REMOVED} a lgde:Claim ;\n(?:.+\n)+?.*\] \.\n", text, re.M)
    assert block is not None
    path.write_text(text.replace(block.group(0), "") + NEW_CLAIM, encoding="utf-8")


def test_a_release_freezes_the_build_with_checksums(released: Layout) -> None:
    folder = released.home / "releases" / "1.0.0"
    (release,) = read_releases(released.home)
    assert (release.version, release.date, release.previous, release.notes) == (
        "1.0.0",
        "2026-12-01",
        None,
        "First.",
    )
    current = json.loads((released.current / "manifest.json").read_text())
    assert release.inputs == inputs_digest(current)
    for name, digest in release.files.items():
        assert hashlib.sha256((folder / "dist" / name).read_bytes()).hexdigest() == digest
    assert set(release.files) >= {"lgde.nq", "lgde.ttl", "lgde.jsonld", "lgde-tables.zip"}
    # The DCAT description, read by rdflib, gives the same checksums.
    graph = Graph().parse(folder / "release.ttl", format="turtle")
    me = URIRef("https://w3id.org/lgde/dataset/1.0.0")
    assert (URIRef("https://w3id.org/lgde/dataset"), URIRef(DCAT + "hasVersion"), me) in graph
    assert graph.value(me, URIRef(DCAT + "version")) == Literal("1.0.0")
    found = {}
    for dist in graph.objects(me, URIRef(DCAT + "distribution")):
        checksum = graph.value(dist, URIRef(SPDX + "checksum"))
        found[str(dist).rsplit("/", 1)[1]] = str(
            graph.value(checksum, URIRef(SPDX + "checksumValue"))
        )
    assert found == release.files
    sums = (folder / "dist" / "SHA256SUMS").read_text().splitlines()
    assert sums == [f"{d}  {n}" for n, d in sorted(release.files.items())]
    # The dumps are not committed; the rest is.
    assert (released.home / "releases" / ".gitignore").read_text().splitlines()[-1] == "*/dist/"


def test_two_releases_give_the_changelog_of_what_changed(runner, released: Layout) -> None:
    change_sources(released)
    done = kg(runner, released, "release", "1.1.0", "--date", "2026-12-15")
    assert done.exit_code == 0, done.output
    assert "since 1.0.0: 1 added, 1 removed, 1 changed" in done.output
    folder = released.home / "releases" / "1.1.0"
    changes = json.loads((folder / "changes.json").read_text())
    assert (changes["from"], changes["to"]) == ("1.0.0", "1.1.0")
    touched = {name: counts for name, counts in changes["summary"].items() if any(counts.values())}
    assert touched == {
        "targets": {"added": 0, "removed": 0, "changed": 1},
        "claims": {"added": 1, "removed": 1, "changed": 0},
    }
    (changed,) = changes["tables"]["targets"]["changed"]
    assert changed["iri"] == "https://w3id.org/lgde/id/target/zhejiang-specialized-smes-2022"
    assert changed["cells"]["value"] == ["100", "120"]
    assert changed["cells"]["value_text"] == ["100", "120"]
    claims = changes["tables"]["claims"]
    assert [c["iri"] for c in claims["added"]] == [
        "https://w3id.org/lgde/id/claim/guizhou-advantages-for-big-data"
    ]
    assert [c["iri"] for c in claims["removed"]] == [
        "https://w3id.org/lgde/id/claim/southwest-china-rising-tech-centre"
    ]
    notes = (folder / "CHANGES.md").read_text()
    assert "# Changes in 1.1.0 since 1.0.0" in notes
    assert "value: '100' → '120'" in notes
    graph = Graph().parse(folder / "release.ttl", format="turtle")
    assert graph.value(
        URIRef("https://w3id.org/lgde/dataset/1.1.0"), URIRef(DCAT + "previousVersion")
    ) == URIRef("https://w3id.org/lgde/dataset/1.0.0")
    assert 'version: "1.1.0"' in (released.home / "CITATION.cff").read_text()


@pytest.mark.parametrize(
    ("version", "words"),
    [
        ("1.0.0", "release 1.0.0 exists already"),
        ("0.9.0", "does not come after the latest release, 1.0.0"),
        ("v2", "is not a version MAJOR.MINOR.PATCH"),
        ("1.0.1", "nothing changed since release 1.0.0"),
    ],
)
def test_a_release_that_cannot_be_made_writes_nothing(runner, released, version, words) -> None:
    before = sorted(p.name for p in (released.home / "releases").iterdir())
    citation = (released.home / "CITATION.cff").read_bytes()
    done = kg(runner, released, "release", version)
    assert done.exit_code == 1
    assert words in done.output and "nothing was written" in done.output
    assert sorted(p.name for p in (released.home / "releases").iterdir()) == before
    assert (released.home / "CITATION.cff").read_bytes() == citation


def test_a_failed_release_leaves_no_half_release(released: Layout, monkeypatch) -> None:
    import kg.build.release as release_module

    change_sources(released)
    citation = (released.home / "CITATION.cff").read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(release_module, "export_store", full_disk)
    with pytest.raises(OSError):
        make_release(released, "1.1.0", date="2026-12-15")
    assert sorted(p.name for p in (released.home / "releases").iterdir()) == [".gitignore", "1.0.0"]
    assert (released.home / "CITATION.cff").read_bytes() == citation
    with pytest.raises(ReleaseError, match="not a date"):
        make_release(released, "1.1.0", date="15/12/2026")


def cffconvert() -> str:
    path = Path(os.environ.get("KG_CFFCONVERT", HOME / ".venv" / "cff" / "bin" / "cffconvert"))
    assert path.exists(), f"{path} is missing: 'make test' installs cffconvert"
    return str(path)


def test_citation_cff_passes_cffconvert(released: Layout) -> None:
    citation = released.home / "CITATION.cff"
    done = subprocess.run(
        [cffconvert(), "--validate", "-i", str(citation)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid according to schema version 1.2.0" in done.stdout
    converted = subprocess.run(
        [cffconvert(), "-f", "zenodo", "-i", str(citation)], capture_output=True, text=True
    )
    theirs = json.loads(converted.stdout)
    ours = json.loads((released.home / ".zenodo.json").read_text())
    assert {k: ours[k] for k in theirs} == theirs  # ours adds upload_type and identifiers
    assert ours["upload_type"] == "dataset"
    # A broken file is refused: cffconvert is a real check.
    broken = released.home / "broken.cff"
    broken.write_text(citation.read_text().replace("cff-version: 1.2.0\n", ""))
    refused = subprocess.run([cffconvert(), "--validate", "-i", str(broken)], capture_output=True)
    assert refused.returncode != 0


@pytest.fixture
def served(released: Layout):
    """``kg serve`` on the released project copy."""
    port = _free_port()
    env = dict(os.environ, KG_BUILD_DIR=str(released.build_root))
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("kg")),
            "--home",
            str(released.home),
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(base + "/release", timeout=5):
                return True
        except OSError:
            return process.poll() is not None

    wait_until(ready, what="kg serve to answer")
    yield base
    process.terminate()
    process.wait(timeout=10)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


@pytest.mark.slow
def test_the_server_says_which_release_it_serves(served: str) -> None:
    about = json.loads(fetch(served + "/release"))
    assert about["serving"]["version"] == "1.0.0"
    assert about["serving"]["citation"].startswith("LGDE knowledge graph contributors (2026).")
    landing = fetch(served + "/").decode()
    assert re.search(r'<td id="release"><b>1\.0\.0</b> \(2026-12-01\)', landing)
    page = fetch(served + "/query?release=0.1.0").decode()
    assert "This link was made on release 0.1.0; this server serves release 1.0.0" in page
    assert '"version": "1.0.0"' in page and "Version 1.0.0" in page


@pytest.mark.slow
def test_a_bundle_holds_what_it_takes_to_rerun_a_query(
    runner, served: str, released, tmp_path
) -> None:
    out, again = tmp_path / "b.zip", tmp_path / "again.zip"
    query = str(released.queries_dir / "targets-by-region.rq")
    for path in (out, again):
        done = kg(runner, released, "bundle", query, "-p", "from_year=2025", "-o", str(path))
        assert done.exit_code == 0, done.output
    assert out.read_bytes() == again.read_bytes()  # byte-stable
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    files = folder / "replication"
    assert sorted(p.name for p in files.iterdir()) == [
        "CITATION.txt",
        "README.md",
        "query.rq",
        "release.json",
        "results.csv",
        "results.csv-metadata.json",
    ]
    validator = Path(sys.executable).with_name("csvwvalidate")
    checked = subprocess.run(
        [str(validator), "-v", str(files / "results.csv-metadata.json")],
        capture_output=True,
        text=True,
    )
    assert checked.stdout.strip() == "OK", checked.stdout + checked.stderr
    rows = list(csv.DictReader(io.StringIO((files / "results.csv").read_text())))
    assert {r["areaLabel"] for r in rows} == {"Gui'an New Area", "Shandong"}
    readme = (files / "README.md").read_text()
    assert "release 1.0.0" in readme and "git checkout v1.0.0" in readme
    assert "kg query queries/targets-by-region.rq -p from_year=2025 --format csv" in readme
    assert json.loads((files / "release.json").read_text())["version"] == "1.0.0"
    # The server's bundle of the same stored query holds the same rows.
    with zipfile.ZipFile(
        io.BytesIO(fetch(served + "/bundle?example=targets-by-region&from_year=2025"))
    ) as archive:
        served_rows = list(
            csv.DictReader(io.StringIO(archive.read("replication/results.csv").decode()))
        )
        assert "retrieved from" in archive.read("replication/README.md").decode()
    assert sorted(r["target"] for r in served_rows) == sorted(r["target"] for r in rows)
    for bad, words in (
        ("/bundle", "Give the query"),
        (
            "/bundle?query="
            + urllib.parse.quote("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1"),
            "a SELECT query",
        ),
        ("/bundle?example=nothing", "No stored query"),
    ):
        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(served + bad)
        assert refused.value.code in (400, 404)
        assert words in json.load(refused.value)["message"]


def test_a_build_of_changed_sources_is_not_the_release(released: Layout) -> None:
    from kg.releases import release_of

    change_sources(released)
    build = build_graph(released)
    assert release_of(released.home, build.manifest) is None
