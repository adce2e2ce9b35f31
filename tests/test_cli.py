"""The ``kg`` command, run as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph
from rdflib.namespace import RDF, SH

from kg.cli import main

from .conftest import HOME, replace_in


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def kg(runner, layout, build):
    """Invoke ``kg`` on the project, against the session's build."""

    def invoke(*args: str):
        env = {"KG_BUILD_DIR": str(layout.build_root)}
        return runner.invoke(main, ["--home", str(HOME), *args], env=env, catch_exceptions=False)

    return invoke


def test_query_table_with_a_stored_query_and_a_parameter(kg) -> None:
    result = kg("query", str(HOME / "queries" / "gdp-figures.rq"), "-p", "region=region:shanxi")
    assert result.exit_code == 0, result.output
    assert "region:shanxi" in result.output and "2000000000000" in result.output
    assert result.output.rstrip().endswith("(1 row)")


def test_query_csv_and_json(kg) -> None:
    text = "SELECT ?r WHERE { ?r a lgde:Municipality } ORDER BY ?r"
    rows = list(csv.DictReader(io.StringIO(kg("query", text, "--format", "csv").output)))
    assert [r["r"].rsplit("/", 1)[1] for r in rows] == [
        "beijing",
        "chongqing",
        "shanghai",
        "tianjin",
    ]
    data = json.loads(kg("query", text, "--format", "json").output)
    assert len(data["results"]["bindings"]) == 4


def test_ask_and_construct(kg) -> None:
    assert kg("query", "ASK { region:wuhan lgde:withinRegion region:china }").output == "true\n"
    result = kg(
        "query",
        "CONSTRUCT { region:hubei rdfs:label ?l } WHERE { region:hubei rdfs:label ?l }",
    )
    graph = Graph().parse(data=result.output, format="turtle")
    assert {str(o) for o in graph.objects()} == {"Hubei", "湖北省"}


def test_malformed_query_is_a_clear_error_without_traceback(kg) -> None:
    result = kg("query", "SELECT ?x WHERE { ?x ?y }")
    assert result.exit_code == 2
    assert "Query error" in result.output and "Traceback" not in result.output


def test_bad_parameter_names_the_parameter(kg) -> None:
    result = kg("query", str(HOME / "queries" / "gdp-figures.rq"), "-p", "region=Hubei")
    assert result.exit_code == 2
    assert "parameter 'region'" in result.output


def test_stats(kg) -> None:
    result = kg("stats", "--format", "json")
    numbers = json.loads(result.output)
    assert set(numbers["triples_per_graph"]) == {
        "https://w3id.org/lgde/graph/ontology",
        "https://w3id.org/lgde/graph/asserted",
        "https://w3id.org/lgde/graph/inferred",
    }
    articles = numbers["facts_per_article"]
    assert len(articles) == 5
    # 002, 003 and 004 share no fact with another article; 000 rewrites 001 and adds
    # six of its own ("Guangdong" city, extended reality, the 5G carrier, emerging tech,
    # digital technology in planned growth, and Zhejiang's "as much as 12%", which 001
    # gives as "by 12 percent").
    assert (
        articles["https://w3id.org/lgde/id/article/002"]["only_this_article"]
        == articles["https://w3id.org/lgde/id/article/002"]["facts"]
    )
    assert articles["https://w3id.org/lgde/id/article/000"]["only_this_article"] == 6
    text = kg("stats").output
    assert "Instances per class" in text and "lgde:PolicyTarget" in text


def test_export_to_a_file(kg, tmp_path: Path) -> None:
    target = tmp_path / "graph.ttl"
    result = kg("export", "--format", "turtle", "--no-inferred", "-o", str(target))
    assert result.exit_code == 0
    graph = Graph().parse(target, format="turtle")
    assert len(graph) > 3000


def test_validate_text_and_turtle(runner) -> None:
    result = runner.invoke(main, ["--home", str(HOME), "validate"])
    assert result.exit_code == 0, result.output
    assert "Valid" in result.output and "0 warning(s)" in result.output
    report = runner.invoke(main, ["--home", str(HOME), "validate", "--format", "turtle"])
    graph = Graph().parse(data=report.output, format="turtle")
    # No result at all, warnings included (test_shapes holds a warning to sh:conforms false).
    (conforms,) = graph.objects(predicate=SH.conforms)
    assert conforms.toPython() is True
    assert list(graph.subjects(RDF.type, SH.ValidationResult)) == []


def test_validate_reports_a_bad_source_and_exits_non_zero(runner, project_copy) -> None:
    replace_in(
        project_copy.graph_dir / "article-003.ttl",
        "lgde:speaker person:lu-ming ;\n",
        "",
    )
    result = runner.invoke(main, ["--home", str(project_copy.home), "validate"])
    assert result.exit_code == 1
    assert "graph/article-003.ttl" in result.output
    assert "exactly one lgde:speaker" in result.output


def test_commands_that_need_a_build_make_one(runner, project_copy) -> None:
    env = {"KG_BUILD_DIR": str(project_copy.build_root)}
    result = runner.invoke(
        main,
        [
            "--home",
            str(project_copy.home),
            "query",
            "SELECT (COUNT(*) AS ?n) WHERE { ?a a schema:NewsArticle }",
            "--format",
            "csv",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "5"
    assert project_copy.current.exists()


def test_failed_build_says_the_last_good_build_is_kept(runner, project_copy) -> None:
    env = {"KG_BUILD_DIR": str(project_copy.build_root)}
    assert (
        runner.invoke(main, ["--home", str(project_copy.home), "build", "-q"], env=env).exit_code
        == 0
    )
    replace_in(project_copy.seeds_dir / "004_6f65f1687d70448b.txt", "Guian", "Gui'an")
    result = runner.invoke(main, ["--home", str(project_copy.home), "build"], env=env)
    assert result.exit_code == 1
    assert "Build failed at step 'seeds'" in result.output
    assert "The last good build is unchanged" in result.output


def test_installed_console_script_runs() -> None:
    kg = Path(sys.executable).with_name("kg")
    result = subprocess.run(
        [str(kg), "--help"], capture_output=True, text=True, env=dict(os.environ), check=True
    )
    for command in ("build", "validate", "export", "query", "stats"):
        assert command in result.stdout


def test_validate_turtle_report_of_a_bad_source(runner, project_copy) -> None:
    replace_in(project_copy.graph_dir / "people.ttl", 'skos:prefLabel "governor"@en ;', "")
    result = runner.invoke(
        main, ["--home", str(project_copy.home), "validate", "--format", "turtle"]
    )
    assert result.exit_code == 1
    graph = Graph().parse(data=result.stdout, format="turtle")
    (conforms,) = graph.objects(predicate=SH.conforms)
    assert conforms.toPython() is False
    focus = {str(o) for o in graph.objects(predicate=SH.focusNode)}
    assert "https://w3id.org/lgde/id/role/governor" in focus


def test_long_inline_query_is_not_taken_for_a_file_name(kg) -> None:
    # Regression: a query longer than a file name may be made the CLI crash (ENAMETOOLONG).
    padding = " ".join(f"?v{i}" for i in range(120))
    result = kg("query", f"SELECT ?r {padding} WHERE {{ ?r a lgde:Province }}", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == 8


def test_settings_lists_each_setting_and_says_whether_queries_are_isolated() -> None:
    from kg.serve.isolation import availability
    from kg.serve.settings import meanings

    result = CliRunner().invoke(main, ["settings"])
    assert result.exit_code == 0
    for name, _, _ in meanings():
        assert f"\n{name} " in "\n" + result.output
    expected = "Network isolation: on" if not availability() else "NOT AVAILABLE"
    assert expected in result.output
