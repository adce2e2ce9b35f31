"""``kg suggest`` reads amounts, times, places and posts from an article's text."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest
import spacy

from kg.authoring import periods, quantities
from kg.authoring.articles import read_article
from kg.authoring.gazetteer import divisions, from_graph, reference
from kg.authoring.suggest import Suggester
from kg.cli import main

from .conftest import HOME

UNIT = "http://qudt.org/vocab/unit/"
LGDE = "https://w3id.org/lgde/ontology#"
ID = "https://w3id.org/lgde/id/"


@pytest.fixture(scope="module")
def suggester() -> Suggester:
    return Suggester(reference(from_graph(HOME / "graph")))


def _amounts(text: str) -> list[quantities.Quantity]:
    nlp = spacy.blank("en")
    return quantities.find(nlp(text), quantities.make_matcher(nlp))


@pytest.mark.parametrize(
    "text, span, value, unit, comparator, usd",
    [
        (
            "GDP reached 5 trillion yuan (US$ 789 billion) last year",
            "reached 5 trillion yuan",
            "5E+12",
            "CCY_CNY",
            "atLeast",
            "7.89E+11",
        ),
        (
            "increase the added value by as much as 12%.",
            "by as much as 12%",
            "12",
            "PERCENT",
            "upTo",
            None,
        ),
        (
            "More than 5,000 big data companies",
            "More than 5,000",
            "5000",
            "NUM",
            "moreThan",
            None,
        ),
        ("grew by 19.5 per cent", "19.5 per cent", "19.5", "PERCENT", "exactly", None),
        ("Guangdong now has four cities", "four", "4", "NUM", "exactly", None),
        (
            "to about 2.5 percent in 2022",
            "about 2.5 percent",
            "2.5",
            "PERCENT",
            "approximately",
            None,
        ),
        (
            "a budget of 100 million yuan ($13.9 million)",
            "100 million yuan",
            "1E+8",
            "CCY_CNY",
            "exactly",
            "1.39E+7",
        ),
    ],
)
def test_amounts_in_base_units(text, span, value, unit, comparator, usd) -> None:
    (amount,) = _amounts(text)
    assert text[amount.start : amount.end] == span  # the wording, comparator included
    assert amount.value == Decimal(value)
    assert amount.unit == UNIT + unit and amount.comparator == LGDE + comparator
    assert amount.usd == (Decimal(usd) if usd else None)


@pytest.mark.parametrize(
    "text",
    [
        "a new state-backed 5G carrier",  # a name
        "over the next five years",  # a span of time
        "In 2021, the province grew",  # a year
        "the 14th Five-Year Plan",  # an ordinal
    ],
)
def test_what_is_not_an_amount(text: str) -> None:
    assert _amounts(text) == []


def test_times_relative_to_the_article() -> None:
    assert periods.read("As of March last year, more than 30 cities", 2024).as_dict() == {
        "period": "2023",
        "month": "2023-03",
    }
    assert periods.read("in the coming four years", 2022).as_dict() == {
        "timeframe": "P4Y",
        "period_start": "2022",
    }


def test_article_000(suggester: Suggester) -> None:
    source = read_article(HOME / "graph", HOME / "seeds", "000")
    found = [s.as_dict() for s in suggester.suggest(source.text, source.year)]
    by_quote = {}
    for s in found:
        by_quote.setdefault(s["kind"], []).append(s)
    # "the Gross Domestic Product (GDP) of Hubei Province reached 5 trillion yuan (US$ 789
    # billion) last year": an observation of Hubei, 2021.
    hubei = next(s for s in by_quote["observation"] if s["value"] == "5000000000000")
    assert hubei["entities"][0]["iri"] == ID + "region/hubei"
    assert hubei["period"] == "2021" and hubei["usd"] == "789000000000"
    assert hubei["indicator"]["iri"] == ID + "indicator/gdp"
    # "Beijing municipal government targets launching 20 major application scenarios":
    # a target for Beijing, set by its government.
    beijing = next(s for s in by_quote["target"] if s["value"] == "20")
    roles = {e["role"]: e["iri"] for e in beijing["entities"]}
    assert roles == {"area": ID + "region/beijing", "actor": ID + "organization/beijing-government"}
    # "Wang Zhonglin, governor of Hubei"
    (wang,) = [s for s in by_quote["affiliation"] if s["quote"].startswith("Wang")]
    assert {e["role"]: e["iri"] for e in wang["entities"]} == {
        "member": ID + "person/wang-zhonglin",
        "role": ID + "role/governor",
        "organization": ID + "organization/hubei-government",  # the post is in its government
    }


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_every_quote_is_the_text_at_its_position(suggester: Suggester, number: str) -> None:
    # Positions count code points of the text as stored, curly quotes and all.
    source = read_article(HOME / "graph", HOME / "seeds", number)
    found = suggester.suggest(source.text, source.year)
    assert found
    for s in found:
        assert source.text[s.start : s.end] == s.quote


def test_a_place_the_graph_lacks_is_proposed_from_the_reference_list(suggester) -> None:
    text = "Jiangxi Province plans to build 20 smart factories by 2025."
    (target,) = [s for s in suggester.suggest(text, 2025) if s.kind == "target"]
    (area,) = target.entities
    jiangxi = next(d for d in divisions() if d.name == "Jiangxi")
    assert area == {
        "role": "area",
        "label": "Jiangxi",
        "proposed": ID + "region/jiangxi",
        "code": jiangxi.code,
        "class": "Province",
    }
    assert target.when == {"period": "2025", "deadline": True}


def test_a_new_person_and_company_are_proposed(suggester: Suggester) -> None:
    text = (
        "Zhang Wei, chairman of Lanting Data, said the company expects revenue of "
        "3 billion yuan this year."
    )
    found = suggester.suggest(text, 2024)
    (post,) = [s for s in found if s.kind == "affiliation"]
    roles = {e["role"]: e for e in post.entities}
    assert roles["member"]["proposed"] == ID + "person/zhang-wei"
    assert roles["organization"]["proposed"] == ID + "organization/lanting-data"
    (figure,) = [s for s in found if s.value == "3000000000"]
    assert figure.kind == "expectation"
    assert figure.entities[0]["label"] == "Lanting Data"


def test_the_command_prints_json(runner) -> None:
    result = runner.invoke(main, ["--home", str(HOME), "suggest", "004", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    kinds = {s["kind"] for s in found}
    assert {"observation", "target", "mention", "affiliation"} <= kinds
    assert all(0 <= s["confidence"] <= 1 for s in found)
    bad = runner.invoke(main, ["--home", str(HOME), "suggest", "999"])
    assert bad.exit_code == 1 and "no article '999'" in bad.output


def test_leave_one_out_finds_most_numeric_facts() -> None:
    sys.path.insert(0, str(Path(HOME / "bench")))
    from suggest_eval import evaluate

    rows = evaluate()
    assert [row[0] for row in rows] == ["000", "001", "002", "003", "004"]
    found = sum(row[1].found for row in rows)
    total = sum(row[1].total for row in rows)
    right = sum(row[1].right for row in rows)
    suggested = sum(row[1].suggested for row in rows)
    # Measured at 80% and 85% (bench/results/suggest-leave-one-out.md); a guard
    # against a change that loses much of it.
    assert found / total >= 0.7 and right / suggested >= 0.7


def test_the_gazetteer_from_the_build_is_the_one_from_the_files(build) -> None:
    from kg.authoring.gazetteer import from_build

    def keyed(gazetteer):
        return {
            (e.name, e.kind, e.iri, e.label, e.code, e.division_class, e.area)
            for e in gazetteer.entries
        }

    from_files = keyed(from_graph(HOME / "graph"))
    assert len(from_files) > 200
    assert keyed(from_build(build)) == from_files
