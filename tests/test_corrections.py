"""Regression tests for the corrections made when every fact was re-read against its
article: each says what the article states, and fails on the graph as it was before."""

from __future__ import annotations

from kg.store import Build

ID = "https://w3id.org/lgde/id/"


def _ask(build: Build, pattern: str) -> bool:
    return bool(build.query(f"ASK {{ {pattern} }}"))


def test_a_dollar_figure_is_credited_only_to_the_source_that_prints_it(build: Build) -> None:
    # 000: "exceeded 12 trillion yuan (US$ 1.89 trillion)"; 001: "exceeded 12 trillion yuan".
    fact = f"<{ID}observation/guangdong-gdp-2021>"
    assert not _ask(build, f"{fact} lgde:usdEquivalent ?usd")
    rows = build.select(
        f"""SELECT ?article ?usd WHERE {{ {fact} lgde:evidence ?e . ?e oa:hasSource ?article .
            OPTIONAL {{ ?e lgde:usdEquivalent ?usd }} }} ORDER BY ?article"""
    )
    assert [(r["article"].rsplit("/", 1)[1], r["usd"]) for r in rows] == [
        ("000", 1_890_000_000_000),
        ("001", None),
    ]


def test_a_company_expectation_is_not_a_government_target(build: Build) -> None:
    # 004: Yang "said that the company is confident of achieving a production value of 2.1
    # billion yuan ($330 million) this year".
    rows = build.select(
        """SELECT ?fact ?kind ?area ?about ?actor WHERE {
            ?fact sdmx-measure:obsValue 2100000000.0 ; a ?kind ; lgde:actor ?actor .
            FILTER(?kind IN (lgde:PolicyTarget, lgde:Expectation))
            OPTIONAL { ?fact sdmx-dimension:refArea ?area }
            OPTIONAL { ?fact lgde:aboutOrganization ?about } }"""
    )
    assert [(r["kind"].rsplit("#", 1)[1], r["area"], r["about"], r["actor"]) for r in rows] == [
        ("Expectation", None, ID + "organization/guizhou-cloud", ID + "organization/guizhou-cloud")
    ]
    # Its January figures are the company's, not the province's.
    assert not _ask(
        build,
        f"<{ID}observation/guizhou-cloud-production-value-2022-01> sdmx-dimension:refArea ?area",
    )


def test_efforts_made_are_not_plans(build: Build) -> None:
    # 002: "has strived to build the first national big data integrated pilot zone",
    # "has also strived to promote the in-depth integration of big data";
    # 004: "has been striving over the past few years to become a global hub of big data".
    description = build.select(
        f"SELECT ?d WHERE {{ <{ID}claim/guizhou-first-big-data-pilot-zone> lgde:description ?d }}"
    )[0]["d"]
    assert "strived to build" in description
    for claim in (
        "guizhou-big-data-integration-efforts",
        "guizhou-striving-for-global-big-data-hub",
    ):
        assert _ask(build, f"<{ID}claim/{claim}> a lgde:Claim")
    for plan in ("guizhou-big-data-integration", "guizhou-global-big-data-hub"):
        assert not _ask(build, f"<{ID}plan/{plan}> ?p ?o")


def test_the_outlet_a_quote_was_given_to_is_not_its_subject(build: Build) -> None:
    # 003: "he told Shanghai-based The Paper".
    quote = f"<{ID}quote/lu-ming-cover-it-all>"
    assert _ask(build, f"{quote} lgde:saidTo <{ID}organization/the-paper>")
    assert not _ask(build, f"{quote} lgde:about <{ID}organization/the-paper>")


def test_lu_ming_is_an_economic_adviser(build: Build) -> None:
    # 003: "according to the Economic Adviser's proposal".
    assert _ask(
        build,
        f"?m org:member <{ID}person/lu-ming> ; org:role <{ID}role/economic-adviser> ; "
        f"org:organization <{ID}organization/cppcc>",
    )


def test_the_2024_sessions_gather_what_was_said_for_them(build: Build) -> None:
    # 003: Lu's comments "came as local governments released their budgets and development
    # plans ahead of two sessions"; what was announced at them is connected to them too.
    rows = build.select(
        "SELECT ?fact WHERE { ?fact lgde:inConnectionWith "
        f"<{ID}event/national-two-sessions-2024> }}"
    )
    facts = {r["fact"].rsplit("/", 1)[1] for r in rows}
    assert {
        "lu-ming-blind-investments",
        "lu-ming-cover-it-all",
        "lu-ming-focus-on-competitive-sectors",  # lgde:announcedAt, by inference
        "local-computing-vouchers",
        "guizhou-computing-voucher-budget-2024",
    } <= facts


def test_spans_are_anchored_to_their_start(build: Build) -> None:
    # 000: Hefei "plans to cultivate ... in the next five years".
    rows = build.select(
        f"SELECT ?span ?start WHERE {{ <{ID}plan/hefei-metaverse-enterprises> "
        "lgde:timeframe ?span ; lgde:periodStart ?start }"
    )
    assert [(r["span"], r["start"]) for r in rows] == [("P5Y", "2022")]
    assert not _ask(
        build, "?fact lgde:timeframe ?span FILTER NOT EXISTS { ?fact lgde:periodStart ?s }"
    )


def test_every_period_is_a_year_that_compares(build: Build) -> None:
    # Periods mixed xsd:gYear and xsd:gYearMonth, which SPARQL cannot compare.
    assert not _ask(build, "?fact sdmx-dimension:refPeriod ?p FILTER(DATATYPE(?p) != xsd:gYear)")
    months = build.select(
        "SELECT ?fact ?month WHERE { ?fact lgde:refMonth ?month } ORDER BY ?month"
    )
    assert [r["month"] for r in months] == ["2022-01", "2022-01", "2023-03"]
    assert not _ask(build, "?fact lgde:deadline ?d")


def test_entities_are_mentioned_not_derived(build: Build) -> None:
    # China was recorded as prov:wasDerivedFrom a news article.
    assert not _ask(
        build,
        "?entity prov:wasDerivedFrom ?article . FILTER NOT EXISTS { ?entity a lgde:Fact }",
    )
    assert _ask(build, f"<{ID}region/china> lgde:mentionedIn <{ID}article/003>")
    # The inverse, schema:mentions, is inferred for tools that read articles.
    assert _ask(build, f"<{ID}article/003> schema:mentions <{ID}person/lu-ming>")


def test_every_fact_has_a_label_that_no_other_fact_has(build: Build) -> None:
    # Facts had no rdfs:label, so generic linked-data browsers showed bare IRIs.
    unlabelled = build.select(
        """SELECT ?fact WHERE { ?fact a lgde:Fact .
             FILTER NOT EXISTS { ?fact rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) } }"""
    )
    assert unlabelled == []
    shared = build.select(
        """SELECT ?label (COUNT(DISTINCT ?fact) AS ?n) WHERE {
             ?fact a lgde:Fact ; rdfs:label ?label }
           GROUP BY ?label HAVING (COUNT(DISTINCT ?fact) > 1)"""
    )
    assert shared == []
    labels = {
        r["fact"].rsplit("/", 1)[1]: r["label"]
        for r in build.select("SELECT ?fact ?label WHERE { ?fact a lgde:Fact ; rdfs:label ?label }")
    }
    # Amounts as the articles write them; what tells two figures apart is in the label.
    assert (
        labels["hubei-gdp-2021"] == "Hubei: gross domestic product, 2021, at least 5 trillion yuan"
    )
    assert labels["guizhou-telecommunications-revenue-growth-2021"] == (
        "Guizhou: revenue growth (telecommunications), 2021, 18.8%"
    )
    assert labels["guizhou-cloud-production-value-2022-01"].endswith(
        "January 2022, 92 million yuan"
    )
    assert labels["zhejiang-digital-economy-core-added-value"].endswith(
        "up to 12% (as article 000 gives it)"
    )


def test_alternative_labels_are_synonyms_not_neighbours(build: Build) -> None:
    # "AI processors" and "advanced chip-making equipment" were alternative labels of
    # integrated circuits; 003 names them as what U.S. sanctions restrict access to.
    alternatives = {
        r["label"]
        for r in build.select(
            f"SELECT ?label WHERE {{ <{ID}sector/integrated-circuits> skos:altLabel ?label }}"
        )
    }
    assert alternatives.isdisjoint({"AI processors", "advanced chip-making equipment"})
    assert _ask(build, f"<{ID}sector/ai-processors> skos:broader <{ID}sector/integrated-circuits>")
    assert _ask(
        build,
        f"<{ID}sector/chip-making-equipment> skos:related <{ID}sector/integrated-circuits>",
    )
    assert _ask(
        build,
        f"<{ID}claim/china-chip-challenges> lgde:sector <{ID}sector/ai-processors>, "
        f"<{ID}sector/chip-making-equipment>",
    )
    # No concept's alternative label is another concept's preferred one.
    assert not _ask(build, "?a skos:altLabel ?l . ?b skos:prefLabel ?l . FILTER(?a != ?b)")


def test_what_a_quote_is_about_is_what_it_says(build: Build) -> None:
    # 000/001: Tong Zhilei on the metaverse as an extension of the digital economy says
    # nothing about Beijing (his remark that Beijing must gain a head start is its own
    # quote); Liu Xiangdong speaks of "the competitiveness of the real economy", not of
    # integrating the digital and the real economy.
    assert not _ask(build, f"<{ID}quote/tong-zhilei-metaverse> lgde:about ?region")
    assert _ask(build, f"<{ID}quote/tong-zhilei-head-start> lgde:about <{ID}region/beijing>")
    assert _ask(build, f"<{ID}quote/liu-xiangdong-sme-role> lgde:theme <{ID}theme/real-economy>")
    integration = f"<{ID}theme/digital-real-economy-integration>"
    assert not _ask(build, f"<{ID}quote/liu-xiangdong-sme-role> lgde:theme {integration}")
