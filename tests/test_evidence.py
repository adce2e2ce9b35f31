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
        "(2021, itself inferred).\"@en ;\n    prov:wasDerivedFrom article:002 ;\n",
        "Cumulative to the article's date; the period is the article's year "
        "(2021, itself inferred).\"@en ;\n",
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
