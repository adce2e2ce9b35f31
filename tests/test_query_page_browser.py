"""The query page in a real headless Chromium, against the real server, with no network.

Expected answers come from the server's own API in the same test, never from constants.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import zipfile

import pytest

from kg.namespaces import BASE
from tests.conftest import PageLog


def _get_json(url: str, accept: str = "application/sparql-results+json") -> dict:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept})) as reply:
        return json.load(reply)


def _sparql(server: str, query: str) -> dict:
    return _get_json(f"{server}/sparql?{urllib.parse.urlencode({'query': query})}")


def _run(page) -> None:
    page.click("#run")
    _wait_for_answer(page)


def _wait_for_answer(page) -> None:
    page.wait_for_function(
        "() => !document.getElementById('run').disabled"
        " && !document.getElementById('results').hidden"
    )


def _set_query(page, text: str) -> None:
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", text)


def _editor_text(page) -> str:
    return page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")


def _table(page) -> list[list[str]]:
    return page.eval_on_selector_all(
        "table.results tbody tr",
        "rows => rows.map(r => [...r.cells].map(c => c.innerText.trim()))",
    )


def _headings(page) -> list[str]:
    return page.eval_on_selector_all("table.results thead th", "ths => ths.map(t => t.innerText)")


def test_example_runs_offline_and_shows_every_row(server, page, page_log: PageLog) -> None:
    expected = _get_json(f"{server}/api/queries/regions")
    page.goto("/query")
    listed = {q["name"]: q for q in _get_json(f"{server}/api/queries", "application/json")}
    page.select_option("#examples", "regions")
    assert page.inner_text("#example-description") == listed["regions"]["description"]
    _run(page)
    assert _headings(page) == [f"?{v}" for v in expected["head"]["vars"]]
    shown = len(expected["results"]["bindings"])
    assert page.inner_text("#status").startswith(f"{shown} results")
    assert len(_table(page)) == min(shown, 100)
    assert page_log.blocked == []
    assert page_log.errors == []


def test_result_iris_show_labels_and_link_to_resource_pages(server, page, page_log) -> None:
    page.goto("/query")
    _run(page)
    link = page.locator("table.results tbody tr:first-child td:first-child a")
    iri = link.get_attribute("title")
    assert iri.startswith(BASE + "id/")
    labels = _sparql(
        server,
        f'SELECT ?l WHERE {{ <{iri}> rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en")) }}',
    )["results"]["bindings"]
    assert link.inner_text() == labels[0]["l"]["value"]
    assert link.get_attribute("href") == "/" + iri[len(BASE) :]
    link.click()
    page.wait_for_url(f"**/{iri[len(BASE) :]}")
    assert labels[0]["l"]["value"] in page.inner_text("h1")
    assert page_log.blocked == []
    assert page_log.errors == []


def test_csv_download_holds_the_rows_of_the_table(server, page, page_log) -> None:
    page.goto("/query")
    page.select_option("#examples", "articles")
    _run(page)
    with page.expect_download() as waiting:
        page.click("#downloads >> text=CSV")
    download = waiting.value
    assert download.suggested_filename == "articles.csv"
    with open(download.path(), encoding="utf-8", newline="") as saved:
        rows = list(csv.reader(saved))
    expected = _get_json(f"{server}/api/queries/articles")
    assert rows[0] == expected["head"]["vars"]
    assert len(rows) - 1 == len(_table(page)) == len(expected["results"]["bindings"])
    titles = {b["title"]["value"] for b in expected["results"]["bindings"]}
    assert {row[rows[0].index("title")] for row in rows[1:]} == titles
    for label in ("TSV", "JSON"):
        href = page.get_attribute(f"#downloads >> text={label}", "href")
        assert f"format={label.lower()}" in href
    assert page_log.blocked == []


def test_csv_with_labels_puts_a_label_beside_each_iri(server, page, page_log) -> None:
    page.goto("/query")
    page.select_option("#examples", "articles")
    _run(page)
    with page.expect_download() as waiting:
        page.click("#download-labelled")
    download = waiting.value
    assert download.suggested_filename == "articles-labelled.csv"
    with open(download.path(), encoding="utf-8", newline="") as saved:
        rows = list(csv.DictReader(saved))
    plain = _get_json(f"{server}/api/queries/articles")
    variables = plain["head"]["vars"]
    assert "article_label" in rows[0]
    assert list(rows[0])[: variables.index("article") + 2][-2:] == ["article", "article_label"]
    titles = {r["article"]: r["article_label"] for r in rows}
    for binding in plain["results"]["bindings"]:
        assert titles[binding["article"]["value"]] == binding["title"]["value"]
    assert page_log.blocked == []


def test_cite_this_result_gives_a_citation_a_permalink_and_a_bundle(server, page) -> None:
    page.goto("/query")
    page.select_option("#examples", "articles")
    _run(page)
    page.click("#cite summary")
    citation = page.inner_text("#citation")
    # The test server serves the project's build, which is not a release.
    assert "not a release" in citation and "Query: " in citation
    permalink = page.get_attribute("#permalink", "href")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(permalink).query) == {
        "example": ["articles"]
    }
    with page.expect_download() as waiting:
        page.click("#bundle")
    download = waiting.value
    assert download.suggested_filename == "articles-replication.zip"
    with zipfile.ZipFile(download.path()) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("replication/results.csv").decode())))
        assert "stored query `articles`" in archive.read("replication/README.md").decode()
    assert len(rows) == len(_table(page))
    # A permalink made on another release says so.
    page.goto("/query?example=articles&release=1.0.0")
    assert "made on release 1.0.0" in page.inner_text("#release-notice")


def test_own_query_downloads_come_from_the_endpoint(server, page) -> None:
    page.goto("/query")
    query = "SELECT ?article WHERE { ?article a schema:NewsArticle } ORDER BY ?article"
    _set_query(page, query)
    _run(page)
    href = page.get_attribute("#downloads >> text=TSV", "href")
    parts = urllib.parse.urlsplit(href)
    assert parts.path == "/sparql"
    assert urllib.parse.parse_qs(parts.query) == {"query": [query], "format": ["tsv"]}


def test_share_link_reopens_and_reruns_the_query(server, page, browser) -> None:
    page.goto("/query")
    query = (
        "SELECT ?region ?label WHERE { ?region a lgde:Region ; rdfs:label ?label "
        'FILTER(LANG(?label) = "zh") } ORDER BY ?label LIMIT 3'
    )
    _set_query(page, query)
    page.click("#share")
    link = page.input_value("#share-link")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["query"] == [query]
    other = page.context.new_page()
    other.goto(link)
    _wait_for_answer(other)
    assert _editor_text(other) == query
    assert len(_table(other)) == 3
    other.close()


@pytest.mark.parametrize(
    "markup", ["<!--<script>", "</script><script>alert(1)</script>", "<!-- -->&amp;"]
)
def test_a_share_link_with_markup_in_a_parameter_opens_the_page_whole(
    server, page, page_log, markup
) -> None:
    # Regression: "<!--<script>" in a shared link's parameter put the page's data in
    # HTML's double-escaped script state; the element then swallowed the next script
    # tags, and the page never ran.
    page.goto(
        "/query?"
        + urllib.parse.urlencode({"example": "find-concept-by-wording", "wording": markup})
    )
    _wait_for_answer(page)
    assert page.input_value("input[data-parameter=wording]") == markup
    assert page.inner_text("#status")
    assert page_log.errors == []


def test_example_parameters_are_bound_by_the_api_and_shared(server, page) -> None:
    expected = _get_json(f"{server}/api/queries/targets-by-region?region=region:guizhou")
    everything = _get_json(f"{server}/api/queries/targets-by-region")
    assert 0 < len(expected["results"]["bindings"]) < len(everything["results"]["bindings"])
    page.goto("/query")
    page.select_option("#examples", "targets-by-region")
    page.fill("input[data-parameter=region]", "region:guizhou")
    _run(page)
    assert len(_table(page)) == len(expected["results"]["bindings"])
    page.click("#share")
    link = page.input_value("#share-link")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(link).query) == {
        "example": ["targets-by-region"],
        "region": ["region:guizhou"],
    }
    other = page.context.new_page()
    other.goto(link)
    _wait_for_answer(other)
    assert other.input_value("input[data-parameter=region]") == "region:guizhou"
    assert len(_table(other)) == len(expected["results"]["bindings"])
    other.close()


def test_a_bad_parameter_shows_the_apis_message(page) -> None:
    page.goto("/query")
    page.select_option("#examples", "targets-by-region")
    page.fill("input[data-parameter=from_year]", "soon")
    _run(page)
    assert page.is_visible("#error")
    message = page.inner_text("#error")
    assert message.startswith("400") and "from_year" in message and "soon" in message


def test_editing_an_example_makes_it_your_own_query(page) -> None:
    page.goto("/query")
    page.select_option("#examples", "targets-by-region")
    assert page.is_visible("#parameters")
    page.click(".CodeMirror-code")
    page.keyboard.press("Control+End")
    page.keyboard.type(" LIMIT 1")
    assert page.input_value("#examples") == ""
    assert not page.is_visible("#parameters")
    _run(page)
    assert len(_table(page)) == 1


def test_syntax_error_is_explained_and_its_line_marked(server, page) -> None:
    query = "SELECT ?s\nWHERE { ?s ?p ?o }\nORDER ?s\nLIMIT 1\n"
    reply = urllib.request.Request(
        f"{server}/sparql", data=urllib.parse.urlencode({"query": query}).encode()
    )
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(reply)
    expected = json.load(error.value)["message"]
    line = int(re.search(r"line (\d+)", expected).group(1))
    page.goto("/query")
    _set_query(page, query)
    _run(page)
    assert page.inner_text("#error") == f"400 {expected}"
    assert _marked_lines(page) == [query.splitlines()[line - 1]]
    page.click(".CodeMirror-code")
    page.keyboard.type(" ")  # editing clears the mark
    assert _marked_lines(page) == []


def _marked_lines(page) -> list[str]:
    return page.evaluate(
        """() => { const cm = document.querySelector('.CodeMirror').CodeMirror; const found = [];
        cm.eachLine(h => { if ((cm.lineInfo(h).bgClass || '').includes('error-line'))
          found.push(h.text); }); return found; }"""
    )


def test_typing_a_known_prefix_declares_it(page) -> None:
    page.goto("/query")
    _set_query(page, "SELECT * WHERE {\n  ?s a \n}\n")
    page.click(".CodeMirror-code")
    page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.setCursor(1, 7)")
    page.keyboard.type("region:")
    text = _editor_text(page)
    assert text.startswith("PREFIX region: <https://w3id.org/lgde/id/region/>\n")
    assert "?s a region:" in text
    page.keyboard.type(" ")
    page.keyboard.type("lgde:")
    page.keyboard.press("Escape")  # the completion list opened on ':'
    page.keyboard.type("PolicyTar")
    page.keyboard.press("Control+Space")
    hints = page.eval_on_selector_all(".CodeMirror-hint", "items => items.map(i => i.innerText)")
    assert hints and hints[0].startswith("lgde:PolicyTarget")
    page.keyboard.press("Enter")
    text = _editor_text(page)
    assert "?s a region: lgde:PolicyTarget\n" in text
    assert text.count("PREFIX lgde:") == 1


def test_chart_is_offered_only_for_numeric_results(server, page) -> None:
    page.goto("/query")
    page.select_option("#examples", "articles")
    _run(page)
    assert page.is_enabled("#tab-chart")
    page.click("#tab-chart")
    assert page.is_visible("#chart")
    expected = _get_json(f"{server}/api/queries/articles")["results"]["bindings"]
    assert page.get_attribute("#chart-view", "data-points") == str(
        len({b["published"]["value"] for b in expected})
    )
    assert page.input_value("#chart-y") == "facts"
    drawn = page.evaluate(
        "() => { const c = document.getElementById('chart');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"
    )
    assert drawn > 1000  # pixels painted: axes, labels and the line
    _set_query(page, "SELECT ?region ?label WHERE { ?region a lgde:Region ; rdfs:label ?label }")
    _run(page)
    assert page.is_disabled("#tab-chart")
    assert page.is_visible("#table-view")


def test_construct_results_are_a_table_of_triples(server, page) -> None:
    page.goto("/query")
    query = "CONSTRUCT { ?a dcterms:title ?t } WHERE { ?a a schema:NewsArticle ; dcterms:title ?t }"
    _set_query(page, query)
    _run(page)
    assert _headings(page) == ["?subject", "?predicate", "?object"]
    count = len(
        _sparql(server, query.replace("CONSTRUCT { ?a dcterms:title ?t }", "SELECT *"))["results"][
            "bindings"
        ]
    )
    assert len(_table(page)) == count
    assert page.inner_text("#status").startswith(f"{count} triples")
    labels = [a.inner_text() for a in page.locator("#downloads a").all()]
    assert labels == ["Turtle", "N-Triples", "JSON-LD"]


def test_long_results_are_paged(page) -> None:
    page.goto("/query")
    _set_query(page, "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 250")
    _run(page)
    assert len(_table(page)) == 100
    assert "Rows 1\u2013100 of 250" in page.inner_text(".pager")
    page.click(".pager >> text=Next")
    assert "Rows 101\u2013200 of 250" in page.inner_text(".pager")
    page.click(".pager >> text=Next")
    assert len(_table(page)) == 50
    assert page.is_disabled(".pager >> text=Next")


def test_truncated_results_say_so(page) -> None:
    page.goto("/query")
    _set_query(page, "SELECT * WHERE { ?s ?p ?o }")  # more than the test server's 1000 rows
    _run(page)
    status = page.inner_text("#status")
    assert status.startswith("1000 results") and "Only the first 1000 are shown" in status


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (
            "LgdeResults.parseNTriples("
            '\'<http://a/s> <http://a/p> "say \\\\"hi\\\\"\\\\u00A0!"@en .\\n'
            '_:b0 <http://a/p> "3"^^<http://www.w3.org/2001/XMLSchema#integer> .\\n\')',
            {
                "head": {"vars": ["subject", "predicate", "object"]},
                "results": {
                    "bindings": [
                        {
                            "subject": {"type": "uri", "value": "http://a/s"},
                            "predicate": {"type": "uri", "value": "http://a/p"},
                            "object": {
                                "type": "literal",
                                "value": 'say "hi"\u00a0!',
                                "xml:lang": "en",
                            },
                        },
                        {
                            "subject": {"type": "bnode", "value": "b0"},
                            "predicate": {"type": "uri", "value": "http://a/p"},
                            "object": {
                                "type": "literal",
                                "value": "3",
                                "datatype": "http://www.w3.org/2001/XMLSchema#integer",
                            },
                        },
                    ]
                },
            },
        ),
        (
            "LgdeResults.compact('https://w3id.org/lgde/id/region/hubei', "
            "{region: 'https://w3id.org/lgde/id/', x: 'https://w3id.org/lgde/id/region/'})",
            "x:hubei",
        ),
        ("LgdeResults.compact('http://elsewhere/a b', {})", "<http://elsewhere/a b>"),
    ],
)
def test_result_helpers(page, script: str, expected) -> None:
    page.goto("/query")
    assert page.evaluate(f"() => {script}") == expected


def test_chart_plan_and_data(page) -> None:
    page.goto("/query")
    year = "http://www.w3.org/2001/XMLSchema#gYear"
    integer = "http://www.w3.org/2001/XMLSchema#integer"

    def row(region: str, when: str, value: str) -> dict:
        return {
            "region": {"type": "uri", "value": f"http://r/{region}"},
            "year": {"type": "literal", "value": when, "datatype": year},
            "n": {"type": "literal", "value": value, "datatype": integer},
        }

    rows = [
        row("a", "2025", "1"),
        row("a", "2023", "2"),
        row("b", "2023", "5"),
        row("b", "2024", "7"),
        row("b", "2024", "1"),
    ]
    plan = page.evaluate("rows => LgdeResults.chartPlan(['region', 'year', 'n'], rows)", rows)
    assert plan == {"type": "line", "x": "year", "y": "n", "series": "region"}
    data = page.evaluate(
        "([rows, plan]) => LgdeResults.chartData(rows, plan, t => t.value)", [rows, plan]
    )
    assert data["labels"] == ["2023", "2024", "2025"]  # in time order, not row order
    assert data["datasets"] == [
        {"label": "http://r/a", "data": [2, None, 1]},
        {"label": "http://r/b", "data": [5, 8, None]},  # two rows for (b, 2024) are added
    ]
    assert data["merged"] == 1
    no_numbers = [{"s": {"type": "uri", "value": "http://r/a"}}]
    assert page.evaluate("rows => LgdeResults.chartPlan(['s'], rows)", no_numbers) is None
    bars = [{"s": {"type": "uri", "value": "http://r/a"}, "n": row("a", "2020", "4")["n"]}]
    assert page.evaluate("rows => LgdeResults.chartPlan(['s', 'n'], rows)", bars) == {
        "type": "bar",
        "x": "s",
        "y": "n",
        "series": None,
    }
