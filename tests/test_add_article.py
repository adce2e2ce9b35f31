"""``kg add-article`` registers a text as the next article, or refuses it with a reason
and writes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.build import build_graph
from kg.cli import main
from kg.layout import Layout

from .conftest import HOME, replace_in

TEXT = (
    "Jiangxi Province plans to build 20 smart factories by 2025, its governor said.\n"
    "The province's digital economy grew 15 percent last year.\n"
)
ARTICLE = "https://w3id.org/lgde/id/article/"


def _files(layout: Layout) -> set[str]:
    return {p.name for p in layout.seeds_dir.iterdir()} | {
        p.name for p in layout.graph_dir.iterdir()
    }


def _add(runner, layout: Layout, path: Path, *options: str):
    return runner.invoke(main, ["--home", str(layout.home), "add-article", str(path), *options])


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "jiangxi.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_an_article_is_registered_and_builds(runner, project_copy: Layout, text_file) -> None:
    result = _add(
        runner,
        project_copy,
        text_file,
        "--title",
        "Jiangxi bets on smart factories",
        "--date",
        "2025-03-05",
        "--publisher",
        "Xinhua News Agency",
        "--url",
        "https://example.org/jiangxi",
        "--translated",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ARTICLE + "005"
    digest = hashlib.sha256(TEXT.encode()).hexdigest()
    seed = project_copy.seeds_dir / f"005_{digest[:16]}.txt"
    assert seed.read_bytes() == TEXT.encode()  # byte for byte
    article = Graph().parse(project_copy.graph_dir / "article-005.ttl")
    subject = URIRef(ARTICLE + "005")
    schema = "https://schema.org/"
    assert article.value(subject, URIRef(schema + "datePublished")) == Literal(
        "2025-03-05", datatype=XSD.date
    )
    assert str(article.value(subject, URIRef(schema + "publisher"))).endswith("/xinhua")
    # The build reads it: checksum verified, shapes met, text attached.
    built = build_graph(project_copy)
    store = ox.Store.read_only(str(built.path / "store"))
    rows = list(
        store.query(f"SELECT ?text WHERE {{ GRAPH ?g {{ <{ARTICLE}005> <{schema}text> ?text }} }}")
    )
    assert [r["text"].value for r in rows] == [TEXT]
    # The next one is 006.
    other = text_file.with_name("other.txt")
    other.write_text("Anhui sets up a data exchange.\n", encoding="utf-8")
    second = _add(runner, project_copy, other, "--title", "Anhui", "--date", "2025")
    assert second.exit_code == 0 and second.stdout.strip() == ARTICLE + "006"


@pytest.mark.parametrize(
    "content, options, words",
    [
        (TEXT.encode(), ["--date", "05/03/2025"], "cannot read the date"),
        (TEXT.encode(), ["--date", "2025-02-30"], "cannot read the date"),
        (b"", ["--date", "2025"], "is empty"),
        (b"  \n\n", ["--date", "2025"], "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", ["--date", "2025"], "is not text"),
        ("Jiangxi".encode("utf-16"), ["--date", "2025"], "is not text"),
        ("Jiāngxī".encode("latin-1", "replace") + b"\xe9", ["--date", "2025"], "not UTF-8"),
        (TEXT.encode(), ["--date", "2025", "--publisher", "Xinhau"], "did you mean"),
        (TEXT.encode(), ["--date", "2025", "--url", "not a url"], "not an http(s) URL"),
        (TEXT.encode(), ["--date", "2025", "--language", "english!"], "not a language tag"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(
    runner, project_copy: Layout, tmp_path: Path, content: bytes, options, words: str
) -> None:
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    before = _files(project_copy)
    result = _add(runner, project_copy, path, "--title", "A title", *options)
    assert result.exit_code == 1
    assert words in result.output
    assert "Traceback" not in result.output
    assert _files(project_copy) == before


def test_a_text_already_present_is_refused(runner, project_copy: Layout, tmp_path: Path) -> None:
    seed = next((HOME / "seeds").glob("003_*.txt"))
    path = tmp_path / "again.txt"
    path.write_bytes(seed.read_bytes())
    before = _files(project_copy)
    result = _add(runner, project_copy, path, "--title", "Again", "--date", "2024-03")
    assert result.exit_code == 1
    assert f"already in the graph, as seeds/{seed.name}" in result.output
    assert _files(project_copy) == before


NEWS = (
    "Hubei plans to build 20 new smart factories by 2025, its governor said.\n\n"
    "Last year, Hubei's GDP reached 5.4 trillion yuan, and the GDP of Wuhan exceeded "
    "2 trillion yuan.\n"
)


def _draft(project_copy: Layout, tmp_path: Path, runner) -> Path:
    source = tmp_path / "hubei.txt"
    source.write_text(NEWS, encoding="utf-8")
    added = _add(runner, project_copy, source, "--title", "Hubei's factories", "--date", "2025-02")
    assert added.exit_code == 0, added.output
    return project_copy.graph_dir / "article-005.ttl"


def test_suggestions_written_as_a_draft_build_and_are_marked(
    runner, project_copy: Layout, tmp_path: Path
) -> None:
    path = _draft(project_copy, tmp_path, runner)
    hand_written = path.read_text(encoding="utf-8")
    home = ["--home", str(project_copy.home)]
    result = runner.invoke(main, [*home, "suggest", "005", "--write"])
    assert result.exit_code == 0, result.output
    assert "Wrote 5 unreviewed fact(s)" in result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith(hand_written.rstrip("\n"))  # the hand-written part untouched
    # A second run replaces the draft, it does not add another.
    again = runner.invoke(main, [*home, "suggest", "005", "--write"])
    assert again.exit_code == 0 and path.read_text(encoding="utf-8") == text
    # Built and queryable, and marked as unreviewed.
    built = build_graph(project_copy)
    store = ox.Store.read_only(str(built.path / "store"))
    rows = {
        (r["fact"].value.rsplit("/", 1)[1], r["value"].value, r["label"].value)
        for r in store.query(
            """PREFIX lgde: <https://w3id.org/lgde/ontology#>
               PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
               PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
               SELECT ?fact ?value ?label WHERE { GRAPH ?g {
                 ?fact lgde:reviewStatus lgde:suggested ; sdmx-measure:obsValue ?value } .
                 GRAPH ?h { ?fact rdfs:label ?label } }"""
        )
    }
    assert {(fact, value) for fact, value, _ in rows} == {
        ("hubei-smart-factories-2025-a005", "20"),
        ("hubei-gdp-2024-a005", "5400000000000"),
        ("wuhan-gdp-2024-a005", "2000000000000"),
    }
    assert all(label.endswith("[suggested, not reviewed]") for _, _, label in rows)


def test_a_draft_that_would_not_check_is_not_written(
    runner, project_copy: Layout, tmp_path: Path
) -> None:
    path = _draft(project_copy, tmp_path, runner)
    before = path.read_text(encoding="utf-8")
    # An observation of Hubei's GDP in 2024 exists already in another file: the draft's
    # would be a second in the same Data Cube cell. The writer leaves it out, says why.
    replace_in(
        project_copy.graph_dir / "article-000.ttl",
        'sdmx-dimension:refPeriod "2021"^^xsd:gYear ;\n    lgde:indicator indicator:gdp ;\n'
        "    sdmx-measure:obsValue 5000000000000.0 ;",
        'sdmx-dimension:refPeriod "2024"^^xsd:gYear ;\n    lgde:indicator indicator:gdp ;\n'
        "    sdmx-measure:obsValue 5000000000000.0 ;",
    )
    result = runner.invoke(main, ["--home", str(project_copy.home), "suggest", "005", "--write"])
    assert result.exit_code == 0, result.output
    assert "an observation of this area, indicator and period exists already" in path.read_text(
        encoding="utf-8"
    )
    # A project that does not check (here: a broken quote elsewhere) gets no draft.
    replace_in(project_copy.graph_dir / "article-000.ttl", "Wang Zhonglin, governor of Hubei", "W")
    path.write_text(before, encoding="utf-8")
    failed = runner.invoke(main, ["--home", str(project_copy.home), "suggest", "005", "--write"])
    assert failed.exit_code == 1 and "the file is unchanged" in failed.output
    assert path.read_text(encoding="utf-8") == before
