"""Figures about the same thing are compared, and a disagreement no one declared is
reported; agreement within the articles' wording is not a disagreement."""

from __future__ import annotations

from kg.build import build_graph
from kg.layout import Layout

from .conftest import replace_in


def _warnings(layout: Layout) -> list[str]:
    return [w.message for w in build_graph(layout).warnings if w.step == "disagreements"]


def test_the_graph_declares_every_disagreement(layout: Layout, build) -> None:
    assert build.manifest["disagreements"] == []


def test_an_undeclared_disagreement_is_reported(project_copy: Layout) -> None:
    # 000: "by as much as 12%"; 001: "by 12 percent". Without the declaration:
    for name, other in (("", "-001"), ("-001", "")):
        replace_in(
            project_copy.graph_dir / f"article-{'000' if name == '' else '001'}.ttl",
            f"    lgde:conflictsWith target:zhejiang-digital-economy-core-added-value{other} ;\n",
            "",
        )
    (message,) = _warnings(project_copy)
    assert "zhejiang-digital-economy-core-added-value-001" in message
    assert "lgde:conflictsWith does not say so" in message
    assert "up to 12% (article 000) against 12% (article 001)" in message


def test_a_declared_conflict_between_figures_that_agree_is_reported(
    project_copy: Layout,
) -> None:
    # Were 000 to say "by 12%" too, the two would agree: the declaration would be wrong.
    replace_in(
        project_copy.graph_dir / "article-000.ttl",
        "    lgde:comparator lgde:upTo ;",
        "    lgde:comparator lgde:exactly ;",
    )
    (message,) = _warnings(project_copy)
    assert "declared in conflict" in message and "the two agree" in message


def test_agreement_within_the_stated_precision_is_no_disagreement(
    project_copy: Layout,
) -> None:
    # A second source giving Shandong's target as "about 400": the same figure.
    replace_in(
        project_copy.graph_dir / "article-001.ttl",
        "target:zhejiang-specialized-smes-2022 a lgde:PolicyTarget ;",
        """target:shandong-specialized-smes-2025-again a lgde:PolicyTarget ;
    sdmx-dimension:refArea region:shandong ;
    lgde:indicator indicator:specialized-innovative-smes ;
    sdmx-measure:obsValue 400.0 ;
    sdmx-attribute:unitMeasure unit:NUM ;
    lgde:comparator lgde:approximately ;
    lgde:status lgde:planned ;
    sdmx-dimension:refPeriod "2025"^^xsd:gYear ;
    lgde:description "Incubate about 400 specialized and innovative SMEs by 2025."@en ;
    lgde:theme theme:specialized-innovative-smes ;
    prov:wasDerivedFrom article:001 ;
    lgde:evidence
        [ a oa:SpecificResource ; oa:hasSource article:001 ;
          oa:hasSelector [ a oa:TextQuoteSelector ;
                           oa:exact "it is planned to incubate 400 such SMEs" ] ] .

target:zhejiang-specialized-smes-2022 a lgde:PolicyTarget ;""",
    )
    assert _warnings(project_copy) == []
    # ...but 410 is not 400, even "about".
    replace_in(
        project_copy.graph_dir / "article-001.ttl",
        "    sdmx-measure:obsValue 400.0 ;\n    sdmx-attribute:unitMeasure unit:NUM ;\n"
        "    lgde:comparator lgde:approximately ;",
        "    sdmx-measure:obsValue 410.0 ;\n    sdmx-attribute:unitMeasure unit:NUM ;\n"
        "    lgde:comparator lgde:approximately ;",
    )
    (message,) = _warnings(project_copy)
    assert "about 410" in message and "400" in message
