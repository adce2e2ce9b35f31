"""The curation page's routes through Flask's test client: reading a selected span,
stating a new fact from it, the pickers that list a class's instances, and the
changes it refuses (nothing saved, the reason given)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from kg.authoring.curate import create_curate_app
from kg.authoring.review import digest, drafted
from kg.build import build_graph
from kg.cli import main
from kg.layout import Layout
from kg.store import Build

NEWS = (
    "Hubei plans to build 20 new smart factories by 2025, its governor said.\n\n"
    "Last year, Hubei's GDP reached 5.4 trillion yuan, and the GDP of Wuhan exceeded "
    "2 trillion yuan.\n"
)
WUHAN = "the GDP of Wuhan exceeded 2 trillion yuan"
SDMX_D = "http://purl.org/linked-data/sdmx/2009/dimension#"
LGDE = "https://w3id.org/lgde/ontology#"


@pytest.fixture
def article(runner, project_copy: Layout, tmp_path: Path) -> Path:
    source = tmp_path / "hubei.txt"
    source.write_text(NEWS, encoding="utf-8")
    home = ["--home", str(project_copy.home)]
    env = {"KG_BUILD_DIR": str(project_copy.build_root)}
    for args in (
        ["add-article", str(source), "--title", "Hubei", "--date", "2025-02"],
        ["build", "-q"],
        ["suggest", "005", "--write"],
    ):
        done = runner.invoke(main, [*home, *args], env=env)
        assert done.exit_code == 0, done.output
    return project_copy.graph_dir / "article-005.ttl"


@pytest.fixture
def client(project_copy: Layout, article: Path):
    app = create_curate_app(project_copy, "005")
    app.config["TESTING"] = True
    return app.test_client()


def version(path: Path) -> str:
    return digest(path.read_text(encoding="utf-8"))


def reject_wuhan(client, article: Path) -> None:
    answer = client.post(
        "/reject",
        data={"iri": "observation:wuhan-gdp-2024-a005", "version": version(article)},
    )
    assert answer.status_code == 303


def test_a_selected_span_is_read_as_the_figure_it_states(client) -> None:
    start = NEWS.index(WUHAN)
    # The page counts code points; a selection with blanks around it is trimmed.
    answer = client.get(
        "/read", query_string={"start": start - 1, "end": start + len(WUHAN), "quote": " " + WUHAN}
    )
    assert answer.status_code == 200
    reading = answer.get_json()
    assert (reading["start"], reading["end"]) == (start, start + len(WUHAN))
    assert reading["quote"] == WUHAN
    assert reading["kind"] == "observation"
    values = reading["values"]
    # Of the sentence's two figures, the one whose amount is in the selection.
    assert values[SDMX_D + "refArea"] == "region:wuhan"
    assert values["http://purl.org/linked-data/sdmx/2009/measure#obsValue"] == "2000000000000"
    assert values[SDMX_D + "refPeriod"] == "2024"
    assert values[LGDE + "comparator"] == "lgde:moreThan"


def test_a_selection_not_in_the_text_is_refused(client) -> None:
    answer = client.get("/read", query_string={"start": 0, "end": 5, "quote": "Wuchang"})
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "the selection is not in the article's text"}
    answer = client.get("/read", query_string={"start": "x", "end": 5, "quote": "Hubei"})
    assert answer.status_code == 400
    assert "must be numbers" in answer.get_json()["error"]


def test_a_new_fact_from_a_span_is_drafted_checked_and_built(
    client, article: Path, project_copy: Layout
) -> None:
    reject_wuhan(client, article)
    start = NEWS.index(WUHAN)
    values = client.get(
        "/read", query_string={"start": start, "end": start + len(WUHAN), "quote": WUHAN}
    ).get_json()["values"]
    values[LGDE + "comparator"] = "lgde:atLeast"  # the person's correction
    answer = client.post(
        "/new",
        data={
            "kind": "observation",
            "start": start,
            "end": start + len(WUHAN),
            "quote": WUHAN,
            "version": version(article),
            **{f"field:{path}": value for path, value in values.items()},
        },
    )
    assert answer.status_code == 303, answer.text
    message = parse_qs(urlsplit(answer.headers["Location"]).query)["message"][0]
    assert message.startswith("added observation:wuhan-gdp-2024-a005 from the selection")
    text = article.read_text(encoding="utf-8")
    new = next(f for f in drafted(text) if f.iri == "observation:wuhan-gdp-2024-a005")
    assert "lgde:comparator lgde:atLeast ;" in new.block
    assert f'oa:exact "{WUHAN}"' in new.block
    assert "lgde:reviewStatus lgde:suggested ;" in new.block
    # The page lists it with the other suggestions, its quote marked in the text.
    page = client.get("/").text
    assert 'data-iri="observation:wuhan-gdp-2024-a005"' in page
    # Inside the sentence's mark for Hubei's figure; the mention of Wuhan inside it.
    assert (
        '<mark data-iri="observation:hubei-gdp-2024-a005">Last year, Hubei&#x27;s GDP reached '
        '5.4 trillion yuan, and <mark data-iri="observation:wuhan-gdp-2024-a005">the GDP of '
        '<mark data-iri="region:wuhan">Wuhan</mark> exceeded 2 trillion yuan</mark>.</mark>'
    ) in page
    # Accepted and built, it is reviewed data with its quote.
    accepted = client.post(
        "/accept", data={"iri": "observation:wuhan-gdp-2024-a005", "version": version(article)}
    )
    assert accepted.status_code == 303
    store = Build.open(build_graph(project_copy).path).store
    rows = list(
        store.query(
            f"""PREFIX oa: <http://www.w3.org/ns/oa#>
               SELECT ?quote WHERE {{ GRAPH ?g {{
                 <https://w3id.org/lgde/id/observation/wuhan-gdp-2024-a005>
                     <{LGDE}comparator> <{LGDE}atLeast> ;
                     <{LGDE}evidence>/oa:hasSelector/oa:exact ?quote }} }}"""
        )
    )
    assert [r["quote"].value for r in rows] == [WUHAN]


def test_a_new_fact_the_checks_refuse_is_not_saved(client, article: Path) -> None:
    start = NEWS.index(WUHAN)
    span = {"start": start, "end": start + len(WUHAN), "quote": WUHAN}
    values = client.get("/read", query_string=span).get_json()["values"]
    before = article.read_text(encoding="utf-8")
    form = {
        "kind": "observation",
        **span,
        "version": version(article),
        **{f"field:{path}": value for path, value in values.items()},
    }
    # The draft has Wuhan's 2024 GDP already: a second observation of that cell.
    answer = client.post("/new", data=form)
    assert answer.status_code == 422
    assert "not saved: the change would not check" in answer.text
    assert article.read_text(encoding="utf-8") == before
    # A required field left empty.
    answer = client.post("/new", data={**form, f"field:{LGDE}indicator": ""})
    assert answer.status_code == 422
    assert "a lgde:IndicatorObservation needs lgde:indicator" in answer.text
    # A value that is not a number.
    answer = client.post(
        "/new", data={**form, "field:http://purl.org/linked-data/sdmx/2009/measure#obsValue": "x"}
    )
    assert answer.status_code == 422
    assert "is not a number" in answer.text
    # A property the shapes do not give the kind.
    answer = client.post("/new", data={**form, "field:http://example.org/colour": "red"})
    assert answer.status_code == 422
    assert "not a property of a lgde:IndicatorObservation" in answer.text
    # An unknown kind, and a quote that is not in the text.
    assert client.post("/new", data={**form, "kind": "rumour"}).status_code == 400
    assert client.post("/new", data={**form, "quote": "Wuchang"}).status_code == 400
    # Made on an old version of the file: someone else saved first.
    reject_wuhan(client, article)
    theirs = article.read_text(encoding="utf-8")
    assert theirs != before
    answer = client.post("/new", data=form)
    assert answer.status_code == 409
    assert "has changed since it was read" in answer.text
    assert article.read_text(encoding="utf-8") == theirs


def test_a_mention_from_a_span(client, article: Path) -> None:
    start = NEWS.index("Wuhan")
    span = {"start": start, "end": start + 5, "quote": "Wuhan"}

    def mention():
        form = {"kind": "mention", **span, "version": version(article)}
        return client.post("/new", data={**form, "field:entity": "region:wuhan"})

    answer = mention()
    # The draft records that mention already.
    assert answer.status_code == 422
    assert "already recorded" in answer.text
    client.post("/reject", data={"iri": "region:wuhan", "version": version(article)})
    answer = mention()
    assert answer.status_code == 303, answer.text
    block = next(f for f in drafted(article.read_text("utf-8")) if f.iri == "region:wuhan").block
    assert "lgde:mentionedIn article:005" in block
    assert 'oa:exact "Wuhan"' in block


def test_pickers_list_a_class_instances_by_label(client) -> None:
    comparators = client.get("/labels", query_string={"class": "lgde:Comparator"}).get_json()
    names = [c["name"] for c in comparators]
    assert {"lgde:atLeast", "lgde:moreThan", "lgde:exactly"} <= set(names)
    assert [c["label"] for c in comparators] == sorted(
        (c["label"] for c in comparators), key=str.lower
    )
    regions = client.get("/labels", query_string={"class": "lgde:Region", "q": "hubei"}).get_json()
    assert regions[0]["name"] == "region:hubei"
    assert all(re.match(r"region:", r["name"]) for r in regions)
    # A region is not an indicator.
    indicators = client.get(
        "/labels", query_string={"class": "lgde:Indicator", "q": "hubei"}
    ).get_json()
    assert "region:hubei" not in [r["name"] for r in indicators]


def test_the_forms_fields_come_from_the_shapes(client) -> None:
    page = client.get("/").text
    new_target = page.split('data-kind="target"', 1)[1].split("</form>", 1)[0]
    # Required by TargetShape, offered with a picker over the class's instances.
    assert f'name="field:{LGDE}status"' in new_target
    assert f'data-class="{LGDE}TargetStatus"' in new_target
    expectation = page.split('data-kind="expectation"', 1)[1].split("</form>", 1)[0]
    # ExpectationShape forbids a status (sh:maxCount 0): its form does not offer one.
    assert f'name="field:{LGDE}status"' not in expectation
    assert f'name="field:{SDMX_D}refArea"' not in expectation
