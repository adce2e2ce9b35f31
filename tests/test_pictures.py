"""The map and the timeline: tiles named and coded as the standard's data gives them,
counts as the graph gives them, rendered in Chromium with no network, linking to the
right pages."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from kg.serve.pictures import TILES, shade

from .conftest import ARTIFACTS, PageLog, new_tab


def test_the_tiles_are_the_province_level_divisions_of_gb_t_2260() -> None:
    from kg.authoring.gazetteer import divisions

    provinces = {d.code: d.name for d in divisions() if d.parent_code is None}
    assert {code: name for code, name, _, _ in TILES} == provinces
    places = [(row, col) for _, _, row, col in TILES]
    assert len(set(places)) == len(places) == 34


def test_a_shade_darkens_with_the_count() -> None:
    shades = [shade(n, 7) for n in range(0, 8)]
    assert shades[0] == "#f2f2f2"
    assert len(set(shades[1:])) == 5 and shades[-1] == "#08519c"


def sparql(server: str, query: str) -> list[dict]:
    url = f"{server}/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["results"]["bindings"]


@pytest.mark.slow
def test_the_map_and_a_timeline_in_the_browser(browser, plain_server: str) -> None:
    log = PageLog()
    page = new_tab(browser, plain_server, log)
    page.goto("/")
    tiles = page.locator("svg.tile-map .tile")
    assert tiles.count() == 34
    assert page.locator("svg.tile-map").is_visible()
    # Guizhou's tile: the count of targets for Guizhou and the places within it.
    guizhou = page.locator("svg.tile-map a[data-code='520000']")
    targets = sparql(
        plain_server,
        "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a lgde:PolicyTarget ; "
        "sdmx-dimension:refArea ?a . ?a lgde:withinRegion* region:guizhou }",
    )[0]["n"]["value"]
    assert int(targets) > 0
    assert guizhou.locator("text").nth(1).text_content() == targets
    assert f"Guizhou: {targets} targets" in guizhou.locator("title").text_content()
    # A division the graph does not hold is a plain tile, not a link.
    assert page.locator("svg.tile-map g[data-code='650000']").count() == 1
    # Another measure.
    page.click("text=figures reported")
    page.wait_for_url("**/?map=figures#map")
    assert "figures reported" in page.locator("svg.tile-map title").first.text_content()
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.locator("#map").screenshot(path=str(shots / "map.png"))
    # The tile leads to the division's page, which has a timeline.
    page.goto("/")
    guizhou.click()
    page.wait_for_url("**/id/region/guizhou")
    marks = page.locator("svg.timeline a.mark")
    dated = sparql(
        plain_server,
        "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { VALUES ?k { lgde:PolicyTarget "
        "lgde:PolicyPlan lgde:IndicatorObservation } ?f a ?k ; sdmx-dimension:refArea ?a ; "
        "sdmx-dimension:refPeriod ?p . ?a lgde:withinRegion* region:guizhou }",
    )[0]["n"]["value"]
    assert marks.count() == int(dated) > 0
    years = sorted({int(m.get_attribute("data-year")) for m in marks.all()})
    labels = [t.text_content() for t in page.locator("svg.timeline > text").all()]
    assert [str(y) for y in range(years[0], years[-1] + 1)] == [t for t in labels if t.isdigit()]
    page.locator("#timeline").screenshot(path=str(shots / "timeline.png"))
    # Each mark leads to its fact's page.
    href = marks.first.get_attribute("href")
    marks.first.click()
    page.wait_for_url(f"**{href}")
    assert page.locator("h1").is_visible()
    page.context.close()
    assert log.blocked == [] and log.errors == []
