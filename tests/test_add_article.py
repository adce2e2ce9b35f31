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

from .conftest import HOME

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
