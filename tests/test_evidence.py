"""Every fact is traceable: sources declared, and every evidence quote verbatim."""

from __future__ import annotations

import pytest

from kg.build import BuildError, build_graph
from kg.store import Build

from .conftest import replace_in


def test_every_evidence_quote_is_verbatim_in_its_article(build: Build) -> None:
    rows = build.select(
        """SELECT ?owner ?exact ?text WHERE {
               ?owner lgde:evidence ?e . ?e oa:hasSource ?article ; oa:hasSelector/oa:exact ?exact .
               ?article schema:text ?text }"""
    )
    assert len(rows) > 200
    missing = [(r["owner"], r["exact"]) for r in rows if r["exact"] not in r["text"]]
    assert missing == []


def test_article_text_is_the_seed_file_byte_for_byte(build: Build, layout) -> None:
    rows = build.select("SELECT ?file ?text WHERE { ?a lgde:seedFile ?file ; schema:text ?text }")
    assert len(rows) == 5
    for row in rows:
        assert (layout.seeds_dir / row["file"]).read_text(encoding="utf-8") == row["text"]


def test_every_fact_has_a_source_and_evidence_per_source(build: Build) -> None:
    unsourced = build.select(
        "SELECT ?f WHERE { ?f a lgde:Fact FILTER NOT EXISTS { ?f prov:wasDerivedFrom ?a } }"
    )
    assert unsourced == []
    lacking = build.select(
        """SELECT ?f ?a WHERE { ?f a lgde:Fact ; prov:wasDerivedFrom ?a .
               FILTER NOT EXISTS { ?f lgde:evidence/oa:hasSource ?a } }"""
    )
    assert lacking == []


def test_facts_agreed_by_two_articles_carry_both(build: Build) -> None:
    rows = build.select(
        """SELECT ?a WHERE { observation:hubei-gdp-2021 prov:wasDerivedFrom ?a } ORDER BY ?a"""
    )
    assert [r["a"].rsplit("/", 1)[1] for r in rows] == ["000", "001"]


def test_a_quote_that_is_not_verbatim_fails_the_build(project_copy) -> None:
    # One changed character (typographic apostrophe to ASCII) is enough.
    replace_in(
        project_copy.graph_dir / "article-000.ttl",
        '"Southwest China\u2019s Chongqing Municipality plans to speed up',
        "\"Southwest China's Chongqing Municipality plans to speed up",
    )
    with pytest.raises(BuildError) as caught:
        build_graph(project_copy)
    error = caught.value
    assert error.step == "evidence"
    (problem,) = error.problems
    assert problem.file == "graph/article-000.ttl"
    assert problem.subject.endswith("/plan/chongqing-intelligent-transformation")
    assert "not found verbatim" in problem.message
    assert "the first 15 characters match" in problem.message


def test_a_fact_without_a_source_fails_the_build(project_copy) -> None:
    replace_in(
        project_copy.graph_dir / "article-002.ttl",
        "Cumulative to the article's date; the period is the article's year "
        '(2021, itself inferred)."@en ;\n    prov:wasDerivedFrom article:002 ;\n',
        "Cumulative to the article's date; the period is the article's year "
        '(2021, itself inferred)."@en ;\n',
    )
    with pytest.raises(BuildError) as caught:
        build_graph(project_copy)
    assert caught.value.step == "shacl"
    messages = {
        p.message
        for p in caught.value.problems
        if p.subject.endswith("/observation/guizhou-big-data-expos")
    }
    assert any("needs at least one source" in m for m in messages), messages


def test_every_quote_has_its_position_in_code_points(build: Build) -> None:
    rows = build.select(
        """SELECT ?exact ?text ?start ?end WHERE {
            ?annotation oa:hasSource ?article ;
                        oa:hasSelector [ oa:exact ?exact ] ,
                            [ a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end ] .
            ?article schema:text ?text .
        }"""
    )
    quotes = build.select(
        "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a oa:hasSelector/oa:exact ?e }"
    )[0]["n"]
    assert len(rows) == quotes > 250
    for row in rows:
        # Web Annotation counts code points; Python strings index them.
        assert row["text"][int(row["start"]) : int(row["end"])] == row["exact"]
    # 003 has a curly quote before the caption: positions past it are not byte offsets.
    caption = [r for r in rows if r["exact"].startswith("A Chinese AI-generated cartoon")]
    assert {int(r["start"]) for r in caption} == {1234}


def test_a_quote_printed_twice_must_say_which(project_copy) -> None:
    # Regression: 003 prints the caption "A Chinese AI-generated cartoon series aired on
    # state television" twice; without its oa:prefix the quote is ambiguous.
    replace_in(
        project_copy.graph_dir / "article-003.ttl",
        " ;\n              # The caption is printed twice; the first is meant.\n"
        '              oa:prefix "Two Sessions”.\\n\\n\\n" ] ] .',
        " ] ] .",
    )
    with pytest.raises(BuildError) as caught:
        build_graph(project_copy)
    assert caught.value.step == "evidence"
    (problem,) = caught.value.problems
    assert problem.subject.endswith("/photo/ai-generated-cartoon")
    assert "occurs 2 times" in problem.message and "1234, 1299" in problem.message
    assert "oa:prefix" in problem.message


def test_a_prefix_that_matches_nothing_is_refused(project_copy) -> None:
    replace_in(
        project_copy.graph_dir / "article-003.ttl",
        'oa:prefix "Two Sessions”.\\n\\n\\n" ] ] .',
        'oa:prefix "Three Sessions" ] ] .',
    )
    with pytest.raises(BuildError) as caught:
        build_graph(project_copy)
    (problem,) = caught.value.problems
    assert "occurs no times with its oa:prefix and oa:suffix" in problem.message
