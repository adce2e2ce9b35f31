"""``kg check ARTICLE`` finds in one article's file what the full build would find there."""

from __future__ import annotations

import pytest

from kg.build import BuildError, build_graph
from kg.build.article_check import check_article
from kg.cli import main
from kg.layout import Layout
from kg.store import Build

from .conftest import replace_in


@pytest.fixture
def built_copy(project_copy: Layout) -> tuple[Layout, Build]:
    result = build_graph(project_copy)
    return project_copy, Build.open(result.path)


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_every_article_of_the_graph_checks(layout: Layout, build: Build, number: str) -> None:
    result = check_article(layout, number, build)
    assert result.problems == []


def _full_build_errors(layout: Layout) -> list[str]:
    with pytest.raises(BuildError) as caught:
        build_graph(layout)
    return [p.message for p in caught.value.problems]


@pytest.mark.parametrize(
    "number, old, new, words",
    [
        # A quote edited so that it is no longer the article's text.
        (
            "004",
            '"Tao Changhai, Guizhou\'s vice-governor"',
            '"Tao Changhai, the vice-governor of Guizhou"',
            "not found verbatim",
        ),
        # A required property removed: SHACL.
        (
            "003",
            "    lgde:isDirect false ;\n    lgde:sector sector:digital-economy ;\n"
            "    lgde:theme theme:regional-specialisation ;\n"
            "    prov:wasDerivedFrom article:003 ;\n"
            "    lgde:evidence\n        [ a oa:SpecificResource ; oa:hasSource article:003 ;\n"
            '          oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "said many',
            "    lgde:sector sector:digital-economy ;\n"
            "    lgde:theme theme:regional-specialisation ;\n"
            "    prov:wasDerivedFrom article:003 ;\n"
            "    lgde:evidence\n        [ a oa:SpecificResource ; oa:hasSource article:003 ;\n"
            '          oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "said many',
            "lgde:isDirect",
        ),
    ],
)
def test_an_error_in_the_file_is_found_as_the_build_finds_it(
    built_copy, number: str, old: str, new: str, words: str
) -> None:
    layout, build = built_copy
    replace_in(layout.graph_dir / f"article-{number}.ttl", old, new)
    result = check_article(layout, number, build)
    assert not result.passes
    assert any(words in p.message for p in result.problems), result.problems
    assert any(words in m for m in _full_build_errors(layout))


SECOND_CELL = """
observation:hubei-gdp-2021-again a lgde:IndicatorObservation ;
    qb:dataSet dataset:indicators ;
    sdmx-dimension:refArea region:hubei ;
    sdmx-dimension:refPeriod "2021"^^xsd:gYear ;
    lgde:indicator indicator:gdp ;
    sdmx-measure:obsValue 5000000000000.0 ;
    sdmx-attribute:unitMeasure unit:CCY_CNY ;
    lgde:comparator lgde:atLeast ;
    prov:wasDerivedFrom article:002 ;
    lgde:evidence
        [ a oa:SpecificResource ; oa:hasSource article:002 ;
          oa:hasSelector [ a oa:TextQuoteSelector ;
                           oa:exact "Southwest China\u2019s Guizhou province has strived" ] ] .
"""


def test_a_taken_data_cube_cell_is_an_error(built_copy) -> None:
    # A second observation of Hubei's GDP in 2021, the cell 000's holds (IC-12).
    layout, build = built_copy
    path = layout.graph_dir / "article-002.ttl"
    path.write_text(path.read_text(encoding="utf-8") + SECOND_CELL, encoding="utf-8")
    result = check_article(layout, "002", build)
    (problem,) = [p for p in result.problems if p.step == "datacube"]
    assert problem.subject.endswith("/hubei-gdp-2021-again")
    assert "observation/hubei-gdp-2021>" in problem.message
    assert any(m.startswith("IC-12") for m in _full_build_errors(layout))


def test_two_observations_of_one_cell_in_the_file_are_an_error(built_copy) -> None:
    # Regression: the check compared the file's cells with the rest of the graph only,
    # so the curation page saved a second observation of a cell its own draft held.
    layout, build = built_copy
    path = layout.graph_dir / "article-002.ttl"
    twice = SECOND_CELL + SECOND_CELL.replace("hubei-gdp-2021-again", "hubei-gdp-2021-thrice")
    path.write_text(path.read_text(encoding="utf-8") + twice, encoding="utf-8")
    result = check_article(layout, "002", build)
    found = sorted(
        (p.subject.rsplit("/", 1)[1], p.message) for p in result.problems if p.step == "datacube"
    )
    assert [subject for subject, _ in found] == [
        "hubei-gdp-2021-again",
        "hubei-gdp-2021-thrice",
        "hubei-gdp-2021-thrice",
    ]
    assert any("hubei-gdp-2021-again> is already" in message for _, message in found)


OTHER_FIGURE = """
<https://w3id.org/lgde/id/target/shandong-specialized-smes-2025-again> a lgde:PolicyTarget ;
    sdmx-dimension:refArea region:shandong ;
    lgde:indicator indicator:specialized-innovative-smes ;
    sdmx-measure:obsValue 450.0 ;
    sdmx-attribute:unitMeasure unit:NUM ;
    lgde:comparator lgde:exactly ;
    lgde:status lgde:planned ;
    sdmx-dimension:refPeriod "2025"^^xsd:gYear ;
    lgde:description "A different figure for the same target (a test)."@en ;
    prov:wasDerivedFrom article:002 ;
    lgde:evidence
        [ a oa:SpecificResource ; oa:hasSource article:002 ;
          oa:hasSelector [ a oa:TextQuoteSelector ;
                           oa:exact "Southwest China\u2019s Guizhou province has strived" ] ] .
"""


def test_an_undeclared_disagreement_with_another_article_is_a_warning(built_copy) -> None:
    # 001 gives Shandong's target as 400 SMEs by 2025; a figure of 450 in 002.
    layout, build = built_copy
    path = layout.graph_dir / "article-002.ttl"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + OTHER_FIGURE, encoding="utf-8")
    result = check_article(layout, "002", build)
    assert result.passes, result.problems
    (warning,) = [p for p in result.problems if p.step == "disagreements"]
    assert "450 (article 002)" in warning.message and "400 (article 001)" in warning.message


def test_the_command(runner, built_copy) -> None:
    layout, _ = built_copy
    ok = runner.invoke(
        main,
        ["--home", str(layout.home), "check", "002"],
        env={"KG_BUILD_DIR": str(layout.build_root)},
    )
    assert ok.exit_code == 0 and "article 002: 0 problem(s)" in ok.output
    missing = runner.invoke(main, ["--home", str(layout.home), "check", "042"])
    assert missing.exit_code == 1 and "no article '042'" in missing.output
