"""Each stored query answers its competency question as the articles give it.

The expected values below are the articles' own figures; the comment on each test
quotes the sentence it comes from.
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from kg.queries import ParameterError, stored_queries
from kg.store import Build, to_python

from .conftest import HOME
from .http_client import request

QUERIES = stored_queries(HOME / "queries")


def _in_process(build: Build, name: str, **params: str) -> list[dict]:
    query = QUERIES[name]
    result = build.query(query.text, substitutions=query.substitutions(params))
    names = [v.value for v in result.variables]
    return [{n: to_python(row[n]) for n in names} for row in result]


def _json_value(term: dict | None):
    """A SPARQL JSON term as the same plain value :func:`to_python` gives."""
    if term is None:
        return None
    if term["type"] != "literal" or "datatype" not in term:
        return term["value"]
    return to_python(ox.Literal(term["value"], datatype=ox.NamedNode(term["datatype"])))


def _through_api(server: str, name: str, **params: str) -> list[dict]:
    reply = request(
        server,
        "GET",
        f"/api/queries/{name}?{urlencode(params)}",
        headers={"Accept": "application/sparql-results+json"},
    )
    assert reply.status == 200, reply.body[:300]
    data = reply.json()
    names = data["head"]["vars"]
    return [
        {n: _json_value(binding.get(n)) for n in names} for binding in data["results"]["bindings"]
    ]


@pytest.fixture(params=["in-process", "api"])
def run(request: pytest.FixtureRequest, build: Build):
    """Run a stored query in the store directly, or through the HTTP API of the server."""
    if request.param == "in-process":
        return lambda name, **params: _in_process(build, name, **params)
    server = request.getfixturevalue("server")
    return lambda name, **params: _through_api(server, name, **params)


def local(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1] if iri else iri


def test_every_stored_query_is_documented_and_tested() -> None:
    assert len(QUERIES) >= 15
    for query in QUERIES.values():
        assert query.title and query.title != query.name, query.name
        assert len(query.description) > 40, query.name
    tested = {name for name in QUERIES if f"test_{name.replace('-', '_')}" in globals()}
    assert tested == set(QUERIES)


def test_targets_by_region(run) -> None:
    # 004: "Guian New Area ... plans to create a hub of 12 mega data centers and 4 million
    # servers with a fixed-asset investment of over 40 billion yuan by 2025."
    rows = run("targets-by-region", region="region:guizhou")
    by_target = {local(r["target"]): r for r in rows}
    assert by_target["guian-servers-2025"]["value"] == 4_000_000
    assert by_target["guian-mega-data-centres-2025"]["value"] == 12
    investment = by_target["guian-fixed-asset-investment-2025"]
    assert investment["value"] == 40_000_000_000
    assert local(investment["comparator"]) == "moreThan"
    assert investment["period"] == "2025"
    # 003: "a budget of 100 million yuan (US$13.9 million) in vouchers" (Guizhou itself).
    assert by_target["guizhou-computing-voucher-budget-2024"]["value"] == 100_000_000
    assert {local(r["area"]) for r in rows} == {"guizhou", "guian-new-area"}
    # 001: "Shandong ... plans to incubate 400 such SMEs by 2025"; year filters narrow it.
    shandong = run("targets-by-region", region="region:shandong")
    assert [(r["value"], r["period"]) for r in shandong] == [(400, "2025")]
    assert run("targets-by-region", region="region:shandong", to_year="2024") == []
    assert len(run("targets-by-region", region="region:shandong", from_year="2025")) == 1
    # Year range over all regions: the 2025 deadlines are Shandong's and Gui'an's.
    in_2025 = run("targets-by-region", from_year="2025", to_year="2025")
    assert {local(r["area"]) for r in in_2025} == {"shandong", "guian-new-area"}


def test_targets_of_the_2022_plans_have_their_year(run) -> None:
    # Regression: Beijing's, Zhejiang's and Chongqing's targets, reported by 001 as part
    # of "their economic planning for 2022", had no year, so a year filter dropped them.
    in_2022 = run("targets-by-region", from_year="2022", to_year="2022")
    assert {"beijing", "zhejiang", "chongqing", "anhui"} <= {local(r["area"]) for r in in_2022}


def test_a_company_expectation_is_not_a_regional_target(run) -> None:
    # Regression: Guizhou-Cloud's president "is confident of achieving a production value
    # of 2.1 billion yuan" (004): the company's expectation, not a target of Guizhou's.
    guizhou = run("targets-by-region", region="region:guizhou")
    assert all(r["value"] != 2_100_000_000 for r in guizhou)


def test_targets_by_region_all_regions(run) -> None:
    rows = run("targets-by-region")
    areas = {local(r["area"]) for r in rows}
    assert {
        "beijing",
        "chongqing",
        "zhejiang",
        "anhui",
        "guangdong",
        "shandong",
        "guizhou",
        "guian-new-area",
        "pingfang-district",
        "china",
    } == areas
    beijing = next(r for r in rows if local(r["target"]) == "beijing-application-scenarios")
    # 000 and 001: Beijing's 20 major application scenarios; both articles report it.
    assert beijing["value"] == 20
    assert sorted(beijing["sources"].split()) == [
        "https://w3id.org/lgde/id/article/000",
        "https://w3id.org/lgde/id/article/001",
    ]


def test_regions_naming_sector(run) -> None:
    # 000/001: Zhejiang promotes "brain-like intelligence and quantum information".
    rows = run("regions-naming-sector")
    assert {local(r["region"]) for r in rows} == {"zhejiang", "china"}
    # Metaverse: Hefei, Wuhan (000/001), Beijing (Tong Zhilei's quote), China's local
    # governments in general (001).
    metaverse = run("regions-naming-sector", sector="sector:metaverse")
    assert {local(r["region"]) for r in metaverse} == {"hefei", "wuhan", "beijing", "china"}
    # Narrower sectors count: augmented reality is a kind of extended reality, and
    # Beijing's disputed sector claims name both.
    xr = run("regions-naming-sector", sector="sector:extended-reality")
    assert {local(r["named"]) for r in xr if local(r["region"]) == "beijing"} == {
        "extended-reality",
        "augmented-reality",
    }


def test_officials_and_posts(run) -> None:
    rows = run("officials-and-posts", category="lgde:Official")
    people = {(r["name"], r["roleLabel"], local(r["organization"])) for r in rows}
    # 000: "Wang Zhonglin, governor of Hubei"; 004: "Tao Changhai, Guizhou's vice-governor";
    # 004: "Liao Fei, head of Science and Technology Department of Guizhou provincial government".
    assert people == {
        ("Wang Zhonglin", "governor", "hubei-government"),
        ("Tao Changhai", "vice-governor", "guizhou-government"),
        ("Liao Fei", "head of department", "guizhou-sci-tech-department"),
    }
    wang = next(r for r in rows if r["name"] == "Wang Zhonglin")
    assert wang["nameZh"] == "王忠林" and local(wang["post"]) == "hubei-governor"
    # 001: "Chen Hongyu, a former vice president of the ... Party School".
    everyone = run("officials-and-posts")
    chen = next(r for r in everyone if r["name"] == "Chen Hongyu")
    assert local(chen["tenure"]) == "formerTenure"
    assert len({r["person"] for r in everyone}) == 17
    # Regression: the category column was always empty. Every row now has the
    # person's category; "Tong Zhilei, a deputy to the Beijing Municipal People's
    # Congress" (000) is a deputy by reasoning.
    assert {local(r["category"]) for r in rows} == {"Official"}
    assert all(r["category"] for r in everyone)
    tong = {local(r["category"]) for r in everyone if r["name"] == "Tong Zhilei"}
    assert tong == {"Deputy"}


def test_gdp_figures(run) -> None:
    rows = run("gdp-figures")
    figures = {(local(r["region"]), local(r["article"])): r for r in rows}
    # 000: "GDP of Hubei Province reached 5 trillion yuan (US$ 789 billion) last year";
    # 001 gives the same figure.
    assert figures[("hubei", "000")]["value"] == 5_000_000_000_000
    assert figures[("hubei", "000")]["usd"] == 789_000_000_000
    assert figures[("hubei", "001")]["value"] == 5_000_000_000_000
    # Guangdong "exceeded 12 trillion yuan (US$ 1.89 trillion)"; Shanxi "exceeded two trillion".
    assert figures[("guangdong", "000")]["value"] == 12_000_000_000_000
    assert local(figures[("guangdong", "000")]["comparator"]) == "moreThan"
    assert figures[("shanxi", "001")]["value"] == 2_000_000_000_000
    assert {r["year"] for r in rows} == {"2021"}
    assert [local(r["region"]) for r in run("gdp-figures", region="region:dongguan")] == [
        "dongguan"
    ]


def test_conflicting_facts(run) -> None:
    rows = run("conflicting-facts")
    pairs = {
        (local(r["fact"]), local(r["article"]), local(r["other"]), local(r["otherArticle"]))
        for r in rows
    }
    assert pairs == {
        ("dongguan-gdp-2021", "001", "guangdong-city-gdp-2021-as-reported", "000"),
        ("beijing-scenarios-augmented-reality", "001", "beijing-scenarios-extended-reality", "000"),
        # 000 "by as much as 12%" against 001 "by 12 percent".
        (
            "zhejiang-digital-economy-core-added-value",
            "000",
            "zhejiang-digital-economy-core-added-value-001",
            "001",
        ),
        # 003's text has growth "less corporate and city-centric", its pull quote growth
        # "centered on fewer companies and cities".
        ("lu-ming-let-the-market-move", "003", "lu-ming-let-the-market-move-pull-quote", "003"),
    }


def test_everything_in_region(run) -> None:
    rows = run("everything-in-region")  # default: Guizhou
    places = {local(r["place"]) for r in rows}
    assert places == {"guizhou", "guian-new-area"}
    facts = {local(r["fact"]) for r in rows}
    # 002: Gui'an has one of the largest numbers of super-large data centres;
    # 004: "The output of the area's digital economy reached 164.9 billion yuan in 2020".
    assert {
        "guian-super-large-data-centres",
        "guian-digital-economy-output-2020",
        "guizhou-years-first-in-digital-economy-growth",
        "tao-changhai-big-data",
    } <= facts
    # Three articles report on Guizhou: 002 (big data), 003 (vouchers), 004 (the guideline).
    sources = {local(a) for r in rows for a in r["sources"].split()}
    assert sources == {"002", "003", "004"}


def test_sectors_named_by_several_regions(run) -> None:
    rows = run("sectors-named-by-several-regions")
    by_sector = {local(r["sector"]): r for r in rows}
    assert all(r["regions"] >= 2 for r in rows)
    # Metaverse: Hefei, Wuhan, Beijing (quote), China's local governments.
    assert by_sector["metaverse"]["regions"] == 4
    # Big data: Wuhan's pilot zone (000/001), Guizhou's strategy (002/004), Gui'an's
    # data-centre hub (004) and China's lead in new industries (002).
    assert set(by_sector["big-data"]["regionNames"].split(", ")) == {
        "Wuhan",
        "Guizhou",
        "China",
        "Gui'an New Area",
    }
    # Cloud computing: Wuhan (000/001) and Guizhou, "China's cloud computing capital" (003).
    assert set(by_sector["cloud-computing"]["regionNames"].split(", ")) == {"Wuhan", "Guizhou"}
    three = run("sectors-named-by-several-regions", min_regions="4")
    assert {local(r["sector"]) for r in three} <= {local(r["sector"]) for r in rows}
    assert all(r["regions"] >= 4 for r in three)


def test_quotes_by_speaker(run) -> None:
    rows = run("quotes-by-speaker", speaker="person:tong-zhilei")
    words = {(local(r["article"]), r["words"]) for r in rows}
    # The same remark in two translations, one per source (000 "metaverse", 001 "metaworld").
    assert (
        "000",
        "The concept of metaverse can be regarded as the comprehensive development "
        "and innovative extension of the digital economy",
    ) in words
    assert (
        "001",
        "The concept of the metaworld can be seen as a comprehensive development "
        "and innovative expansion of the digital economy",
    ) in words
    lu = run("quotes-by-speaker", speaker="person:lu-ming")
    assert any(
        r["words"] == "blind investments, wastage of resources and overlapping of projects"
        for r in lu
    )
    assert all(r["words"] in r["passage"] for r in lu)


def test_targets_and_actuals(run) -> None:
    rows = run("targets-and-actuals")
    # 004: Guizhou-Cloud expects "a production value of 2.1 billion yuan ($330 million)
    # this year"; "In January, the company achieved a production value of 92 million yuan".
    # The company's expectation, beside the company's figure: not Guizhou's.
    assert [
        (
            local(r["subject"]),
            r["kind"],
            r["targetValue"],
            r["actualValue"],
            r["actualPeriod"],
            r["actualMonth"],
        )
        for r in rows
    ] == [("guizhou-cloud", "expectation", 2_100_000_000, 92_000_000, "2022", "2022-01")]


def test_articles(run) -> None:
    rows = run("articles")
    assert [local(r["article"]) for r in rows] == ["000", "001", "002", "003", "004"]
    xinhua = rows[1]
    assert xinhua["publisher"] == "Xinhua News Agency"
    assert xinhua["published"] == "2022-02-17" and local(xinhua["precision"]) == "dayPrecision"
    assert rows[3]["published"] == "2024-03" and rows[3]["publisher"] is None
    assert all(len(r["sha256"]) == 64 and r["facts"] > 10 for r in rows)


def test_find_concept_by_wording(run) -> None:
    for wording in ("metacosm", "metaworld", "metaversion", "metal integration"):
        rows = run("find-concept-by-wording", wording=wording)
        assert [local(r["concept"]) for r in rows] == ["metaverse"], wording
    rows = run("find-concept-by-wording", wording="intellectual transformation")
    assert [local(r["concept"]) for r in rows] == ["intelligent-manufacturing"]


def test_policy_documents(run) -> None:
    rows = run("policy-documents")
    kinds = {local(r["document"]): local(r["type"]) for r in rows}
    assert kinds["state-council-guizhou-guideline"] == "Guideline"
    assert kinds["14th-five-year-plan"] == "FiveYearPlan"
    assert kinds["lu-ming-proposal-2024"] == "Proposal"
    assert kinds["national-computing-hubs-project"] == "PolicyDocument"
    guideline = next(r for r in rows if local(r["document"]) == "state-council-guizhou-guideline")
    assert guideline["creator"] == "State Council" and guideline["facts"] == 3


def test_regions(run) -> None:
    rows = run("regions")
    by_region = {local(r["region"]): r for r in rows}
    assert len(by_region) == 33
    assert local(by_region["shanxi"]["wikidata"]) == "Q46913"
    assert local(by_region["guiyang"]["capitalOf"]) == "guizhou"
    assert by_region["guiyang"]["wikidata"] is None  # unconfirmed, left unlinked
    assert local(by_region["guian-new-area"]["kind"]) == "NewArea"
    assert by_region["chongqing"]["nameZh"] == "重庆市"
    assert by_region["guizhou"]["articles"] == 3


def test_evidence_for_fact(run) -> None:
    rows = run("evidence-for-fact")
    assert [local(r["article"]) for r in rows] == ["000", "001"]
    assert "20 major application scenarios" in rows[0]["passage"]
    assert "20 key application scenarios" in rows[1]["passage"]


def test_money_amounts(run) -> None:
    rows = run("money-amounts", min_yuan="1000000000000")
    assert {r["yuan"] for r in rows} == {
        12_000_000_000_000,
        5_000_000_000_000,
        2_000_000_000_000,
        1_000_000_000_000,
    }
    everything = run("money-amounts")
    hubei = next(r for r in everything if local(r["fact"]) == "hubei-gdp-2021")
    # 789 billion dollars for 5 trillion yuan: about 0.1578 dollars a yuan.
    assert Decimal(str(hubei["rate"])) == Decimal("0.1578")


def test_organisations(run) -> None:
    rows = run("organisations", kind="lgde:Company")
    companies = {r["label"]: r for r in rows}
    assert set(companies) == {
        "Sany Group",
        "Masterwork Group Co., Ltd.",
        "Guizhou-Cloud",
        "New state-backed 5G carrier (unnamed)",
    }
    assert companies["Masterwork Group Co., Ltd."]["place"] == "Tianjin"
    assert companies["Guizhou-Cloud"]["people"] == "Yang Yunyong"


def test_events(run) -> None:
    rows = run("events")
    by_event = {local(r["event"]): r for r in rows}
    assert by_event["provincial-two-sessions-2022"]["date"] == "2022"
    assert by_event["provincial-two-sessions-2022"]["announced"] >= 10
    assert "national-two-sessions-2024" in by_event and "us-chip-sanctions" in by_event


def test_plans_by_theme(run) -> None:
    rows = run("plans-by-theme")
    assert {local(r["fact"]) for r in rows} == {
        "shandong-specialized-smes-2025",
        "zhejiang-specialized-smes-2022",
        "local-governments-sme-tax-credit",
    }
    vouchers = run("plans-by-theme", theme="theme:computing-vouchers")
    assert {r["areaLabel"] for r in vouchers} == {"China", "Guizhou"}


def test_sector_scheme(run) -> None:
    rows = run("sector-scheme")
    by_sector = {local(r["sector"]): r for r in rows}
    assert (
        len(by_sector) == 57
    )  # 51, and six split off as neighbours of a concept they were labels of
    assert set(by_sector["metaverse"]["altLabels"].split(" | ")) == {
        "metacosm",
        "metaworld",
        "metaversion",
        "metal integration",
    }
    assert local(by_sector["artificial-intelligence"]["wikidata"]) == "Q11660"
    assert by_sector["quantum-computing"]["broader"] == "quantum information"


@pytest.mark.parametrize(
    "name,params,words",
    [
        ("targets-by-region", {"region": "not a region"}, "neither an absolute IRI"),
        ("targets-by-region", {"from_year": "20x5"}, "not an integer"),
        ("money-amounts", {"min_yuan": "lots"}, "not a decimal"),
        ("regions-naming-sector", {"colour": "red"}, "unknown parameter"),
        ("regions-naming-sector", {"sector": "nope:metaverse"}, "known prefix"),
    ],
)
def test_bad_parameters_are_refused_with_the_reason(name, params, words) -> None:
    with pytest.raises(ParameterError) as caught:
        QUERIES[name].substitutions(params)
    assert caught.value.name == next(iter(params))
    assert words in str(caught.value)
