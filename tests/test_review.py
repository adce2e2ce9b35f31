"""Reviewing a draft: accepted facts leave the draft, rejected ones are not suggested
again, and a change made on an old version of the file is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from kg.authoring.review import (
    ReviewError,
    StaleFile,
    accept,
    digest,
    drafted,
    form_fields,
    reject,
    save,
)
from kg.build import build_graph
from kg.cli import main
from kg.layout import Layout

from .conftest import HOME

ID = "https://w3id.org/lgde/id/"
LGDE = "https://w3id.org/lgde/ontology#"
NEWS = (
    "Hubei plans to build 20 new smart factories by 2025, its governor said.\n\n"
    "Last year, Hubei's GDP reached 5.4 trillion yuan, and the GDP of Wuhan exceeded "
    "2 trillion yuan.\n"
)


@pytest.fixture
def drafted_article(runner, project_copy: Layout, tmp_path: Path) -> Path:
    source = tmp_path / "hubei.txt"
    source.write_text(NEWS, encoding="utf-8")
    home = ["--home", str(project_copy.home)]
    added = runner.invoke(
        main, [*home, "add-article", str(source), "--title", "Hubei", "--date", "2025-02"]
    )
    assert added.exit_code == 0, added.output
    written = runner.invoke(main, [*home, "suggest", "005", "--write"])
    assert written.exit_code == 0, written.output
    return project_copy.graph_dir / "article-005.ttl"


def test_accepting_moves_a_fact_out_of_the_draft(runner, project_copy, drafted_article) -> None:
    target = ID + "target/hubei-smart-factories-2025-a005"
    before = drafted_article.read_text(encoding="utf-8")
    assert any(f.iri == "target:hubei-smart-factories-2025-a005" for f in drafted(before))
    save(drafted_article, digest(before), lambda text: accept(text, target))
    after = drafted_article.read_text(encoding="utf-8")
    assert all(f.iri != "target:hubei-smart-factories-2025-a005" for f in drafted(after))
    reviewed = after.split("# --- Suggestions", 1)[0]
    assert "target:hubei-smart-factories-2025-a005 a lgde:PolicyTarget" in reviewed
    assert "reviewStatus" not in reviewed.split("target:hubei-smart-factories", 1)[1]
    # A new draft leaves it be; the build takes it as reviewed data.
    again = runner.invoke(main, ["--home", str(project_copy.home), "suggest", "005", "--write"])
    assert again.exit_code == 0
    text = drafted_article.read_text(encoding="utf-8")
    assert text.count("20.0") == 1  # not suggested a second time
    built = build_graph(project_copy)
    assert built.manifest["triples"]


def test_a_rejected_suggestion_is_not_proposed_again(runner, project_copy, drafted_article) -> None:
    wuhan = ID + "observation/wuhan-gdp-2024-a005"
    text = drafted_article.read_text(encoding="utf-8")
    save(drafted_article, digest(text), lambda t: reject(t, wuhan))
    after = drafted_article.read_text(encoding="utf-8")
    assert "# Rejected suggestion: lgde:IndicatorObservation 2000000000000.0" in after
    assert "wuhan-gdp-2024" not in after
    again = runner.invoke(main, ["--home", str(project_copy.home), "suggest", "005", "--write"])
    assert again.exit_code == 0
    assert "wuhan-gdp-2024" not in drafted_article.read_text(encoding="utf-8")


def test_an_article_whose_suggestions_are_all_rejected(runner, project_copy, drafted_article):
    home = ["--home", str(project_copy.home)]
    for fact in drafted(drafted_article.read_text(encoding="utf-8")):
        result = runner.invoke(main, [*home, "review", "005", "--reject", fact.iri])
        assert result.exit_code == 0, result.output
    text = drafted_article.read_text(encoding="utf-8")
    assert drafted(text) == []
    assert text.count("# Rejected suggestion:") == 5
    # A new draft proposes none of them again, and the article still builds.
    assert runner.invoke(main, [*home, "suggest", "005", "--write"]).exit_code == 0
    assert drafted(drafted_article.read_text(encoding="utf-8")) == []
    assert build_graph(project_copy).manifest["triples"]


def test_a_change_on_an_old_version_is_refused(drafted_article) -> None:
    old = digest(drafted_article.read_text(encoding="utf-8"))
    # Someone else saves first.
    save(drafted_article, old, lambda t: reject(t, ID + "observation/wuhan-gdp-2024-a005"))
    theirs = drafted_article.read_text(encoding="utf-8")
    with pytest.raises(StaleFile, match="has changed since it was read"):
        save(
            drafted_article, old, lambda t: accept(t, ID + "target/hubei-smart-factories-2025-a005")
        )
    assert drafted_article.read_text(encoding="utf-8") == theirs  # nothing lost
    with pytest.raises(ReviewError, match="not among the draft"):
        accept(theirs, ID + "target/no-such-thing")


def test_the_form_for_a_target_is_the_shapes() -> None:
    shapes = Graph().parse(HOME / "ontology" / "shapes.ttl")
    fields = {
        f.path.rsplit("#", 1)[-1].rsplit("/", 1)[-1]: f
        for f in form_fields(shapes, LGDE + "PolicyTarget")
    }
    assert fields["refArea"].required and fields["refArea"].cls == LGDE + "Region"
    assert fields["indicator"].required and not fields["indicator"].many
    assert fields["obsValue"].datatype == "http://www.w3.org/2001/XMLSchema#decimal"
    assert set(fields["unitMeasure"].allowed) == {
        "http://qudt.org/vocab/unit/" + u for u in ("CCY_CNY", "CCY_USD", "PERCENT", "NUM")
    }
    assert fields["sector"].many and not fields["sector"].required
    expectation = {f.path for f in form_fields(shapes, LGDE + "Expectation") if f.required}
    assert LGDE + "actor" in expectation


def test_the_command(runner, project_copy, drafted_article) -> None:
    home = ["--home", str(project_copy.home)]
    listed = runner.invoke(main, [*home, "review", "005"])
    assert "target:hubei-smart-factories-2025-a005\tlgde:PolicyTarget" in listed.stdout
    done = runner.invoke(
        main, [*home, "review", "005", "--accept", "target:hubei-smart-factories-2025-a005"]
    )
    assert done.exit_code == 0 and "target:hubei" not in done.stdout
    bad = runner.invoke(main, [*home, "review", "005", "--reject", "target:nothing"])
    assert bad.exit_code == 1 and "not among the draft" in bad.output


def test_an_edit_changes_one_property_and_keeps_the_rest(drafted_article) -> None:
    from kg.authoring.review import edit

    shapes = Graph().parse(HOME / "ontology" / "shapes.ttl")
    fields = form_fields(shapes, LGDE + "IndicatorObservation")
    text = drafted_article.read_text(encoding="utf-8")
    iri = ID + "observation/hubei-gdp-2024-a005"
    changed = edit(
        text,
        iri,
        {"http://purl.org/linked-data/sdmx/2009/measure#obsValue": "5,430,000,000,000"},
        fields,
    )
    block = next(f for f in drafted(changed) if f.iri == "observation:hubei-gdp-2024-a005").block
    assert "sdmx-measure:obsValue 5430000000000.0 ;" in block
    assert "lgde:reviewStatus lgde:suggested ;" in block and 'oa:exact "Last year' in block
    assert changed.replace("5430000000000.0", "5400000000000.0") == text
    with pytest.raises(ReviewError, match="not a number"):
        edit(text, iri, {"http://purl.org/linked-data/sdmx/2009/measure#obsValue": "lots"}, fields)
    with pytest.raises(ReviewError, match="not a property"):
        edit(text, iri, {"https://example.org/colour": "red"}, fields)
