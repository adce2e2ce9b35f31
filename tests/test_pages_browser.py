"""Every page of the site in headless Chromium: it renders, asks no other host for anything,
and raises no script error. The screenshots it saves are the README's."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ARTIFACTS, PageLog, new_tab

SHOTS = ARTIFACTS / "screenshots"


def _count(server: str, query: str) -> int:
    url = f"{server}/sparql?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request) as reply:
        return int(json.load(reply)["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "China Local Government Digital Economy knowledge graph"),
        ("/query", "Query the graph"),
        ("/api/", "Stored queries API"),
        ("/ontology", None),
        ("/download/", None),
        ("/id/region/guizhou", "Guizhou"),
        ("/id/person/lu-ming", None),
        ("/id/sector/metaverse", None),
    ],
)
def test_page_renders_offline_without_errors(page, page_log: PageLog, path, heading) -> None:
    response = page.goto(path)
    assert response.status == 200
    assert page.inner_text("h1").strip()
    if heading:
        assert heading in page.inner_text("h1")
    page.wait_for_load_state("networkidle")
    assert page_log.blocked == []
    assert page_log.errors == []


def test_landing_page_counts_match_the_endpoint(server, page) -> None:
    page.goto("/")
    regions = _count(server, "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a lgde:Region }")
    row = page.locator("tr", has=page.locator("th", has_text="Regions"))
    assert row.locator("td").inner_text().strip() == str(regions)
    page.click("text=Query")
    page.wait_for_url("**/query")


def test_readme_screenshots(plain_server, browser) -> None:
    """The README's pictures, from the server as a researcher runs it: the landing page,
    the query page with a result, and a region's page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    log = PageLog()
    page = new_tab(browser, plain_server, log)
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto("/")
    page.screenshot(path=str(SHOTS / "landing.png"))

    page.goto("/query?example=targets-by-region&region=region:guizhou")
    page.wait_for_function(
        "() => !document.getElementById('run').disabled"
        " && !document.getElementById('results').hidden"
    )
    assert page.locator("table.results tbody tr").count() > 0
    page.locator("#outcome").scroll_into_view_if_needed()
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / "query.png"))

    page.goto("/id/region/guizhou")
    assert page.locator("blockquote").count() > 0  # evidence quotes are on the page
    page.screenshot(path=str(SHOTS / "resource.png"))
    for name in ("landing", "query", "resource"):
        assert (SHOTS / f"{name}.png").stat().st_size > 10_000
    page.context.close()
    assert log.blocked == [] and log.errors == []
