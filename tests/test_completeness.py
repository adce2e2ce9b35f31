"""Everything the graph names can be found in the articles' text."""

from __future__ import annotations

import re

import pytest

from kg.store import Build

from .conftest import HOME


@pytest.fixture(scope="module")
def corpus() -> str:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((HOME / "seeds").glob("*.txt")))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u2019", "'")).lower()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).lower()


def test_every_person_is_named_in_an_article(build: Build, corpus: str) -> None:
    names = [
        r["n"]
        for r in build.select(
            "SELECT ?n WHERE { ?p a foaf:Person ; rdfs:label ?n FILTER(LANG(?n) = 'en') }"
        )
    ]
    assert len(names) == 17
    assert [n for n in names if _norm(n) not in corpus] == []


def test_every_sector_wording_an_article_uses_is_a_label(build: Build, corpus: str) -> None:
    # Wordings taken from the articles, machine-translation variants included.
    for wording, sector in [
        ("metacosm", "metaverse"),
        ("metaworld", "metaverse"),
        ("metaversion", "metaverse"),
        ("metal integration", "metaverse"),
        ("brain-like intelligence", "brain-like-intelligence"),
        ("ultra-high-definition display", "ultra-high-definition-display"),
        ("ultra-high definition display", "ultra-high-definition-display"),
        ("intellectual transformation", "intelligent-manufacturing"),
        ("hi-tech software", "software"),
        ("border areas", "frontier-fields"),
    ]:
        assert _norm(wording) in corpus, wording
        rows = build.select(f"""SELECT ?s WHERE {{ ?s skos:prefLabel|skos:altLabel ?l
                                FILTER(LCASE(STR(?l)) = "{wording}") }}""")
        assert [r["s"].rsplit("/", 1)[1] for r in rows] == [sector], wording


def test_every_sector_and_theme_is_used_or_groups_others(build: Build) -> None:
    unused = build.select(
        """SELECT ?c WHERE { { ?c a lgde:Sector } UNION { ?c a lgde:Theme }
               FILTER NOT EXISTS { ?x lgde:sector|lgde:theme ?c }
               FILTER NOT EXISTS { ?n skos:broader ?c } }"""
    )
    assert unused == []


def test_every_region_label_or_wording_is_in_the_text(build: Build, corpus: str) -> None:
    rows = build.select(
        """SELECT ?r (GROUP_CONCAT(?l; separator="|") AS ?labels) WHERE {
               ?r a lgde:Region .
               { ?r rdfs:label ?l FILTER(LANG(?l) = "en") } UNION { ?r skos:altLabel ?l }
           } GROUP BY ?r"""
    )
    assert len(rows) == 33
    missing = [
        r["r"]
        for r in rows
        if not any(
            _norm(label.split(" (")[0].strip("“”")) in corpus for label in r["labels"].split("|")
        )
    ]
    assert missing == []


def test_all_numbers_of_article_004_are_in_the_graph(build: Build) -> None:
    # Every figure the article prints, in base units (percentages as stated).
    expected = {
        27.8,
        18.8,
        2_100_000_000,
        330_000_000,
        92_000_000,
        17.6,
        8,
        10,
        12,
        4_000_000,
        40_000_000_000,
        5000,
        164_900_000_000,
        38,
    }
    rows = build.select(
        """SELECT ?v WHERE { ?f prov:wasDerivedFrom article:004 .
               { ?f sdmx-measure:obsValue ?v } UNION { ?f lgde:usdEquivalent ?v } }"""
    )
    assert expected <= {r["v"] for r in rows}
