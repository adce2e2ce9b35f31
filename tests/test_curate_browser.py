"""The curation page in headless Chromium, against ``kg curate`` on a loopback port."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from kg.authoring.curate import check_host
from kg.cli import main
from kg.layout import Layout

from .conftest import ARTIFACTS, PageLog, _free_port, new_tab, wait_until

NEWS = (
    "Hubei plans to build 20 new smart factories by 2025, its governor said.\n\n"
    "Last year, Hubei's GDP reached 5.4 trillion yuan, and the GDP of Wuhan exceeded "
    "2 trillion yuan.\n"
)


@pytest.fixture
def curation(runner, project_copy: Layout, tmp_path: Path):
    source = tmp_path / "hubei.txt"
    source.write_text(NEWS, encoding="utf-8")
    home = ["--home", str(project_copy.home)]
    env = {"KG_BUILD_DIR": str(project_copy.build_root)}
    added = runner.invoke(
        main, [*home, "add-article", str(source), "--title", "Hubei", "--date", "2025-02"], env=env
    )
    assert added.exit_code == 0, added.output
    assert runner.invoke(main, [*home, "build", "-q"], env=env).exit_code == 0
    assert runner.invoke(main, [*home, "suggest", "005", "--write"], env=env).exit_code == 0
    port = _free_port()
    kg = Path(sys.executable).with_name("kg")
    process = subprocess.Popen(
        [str(kg), *home, "curate", "005", "--port", str(port)],
        env={**__import__("os").environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(base + "/", timeout=5):
                return True
        except OSError:
            return process.poll() is not None

    wait_until(ready, what="kg curate to answer")
    assert process.poll() is None, process.stdout.read() if process.stdout else ""
    yield base, project_copy.graph_dir / "article-005.ttl"
    process.terminate()
    process.wait(timeout=10)


def test_review_an_article_in_the_browser(browser, curation) -> None:
    base, path = curation
    log = PageLog()
    page = new_tab(browser, base, log)
    page.goto("/")
    facts = page.eval_on_selector_all(".fact", "els => els.map(e => e.dataset.iri)")
    assert "target:hubei-smart-factories-2025-a005" in facts
    # The quotes are marked in the text.
    marked = page.eval_on_selector_all("mark", "els => els.map(e => e.textContent)")
    assert "Hubei plans to build 20 new smart factories by 2025, its governor said." in marked
    # Accept the target.
    page.click(".fact[data-iri='target:hubei-smart-factories-2025-a005'] button.accept")
    page.wait_for_selector("#message")
    assert "accepted target:hubei-smart-factories-2025-a005" in page.inner_text("#message")
    left = page.eval_on_selector_all(".fact", "els => els.map(e => e.dataset.iri)")
    assert "target:hubei-smart-factories-2025-a005" not in left
    reviewed = path.read_text(encoding="utf-8").split("# --- Suggestions", 1)[0]
    assert "target:hubei-smart-factories-2025-a005 a lgde:PolicyTarget" in reviewed
    # Someone else changes the file; this page's next change is refused, nothing lost.
    theirs = path.read_text(encoding="utf-8") + "\n# A note saved by someone else.\n"
    path.write_text(theirs, encoding="utf-8")
    page.click(".fact[data-iri='observation:wuhan-gdp-2024-a005'] button.reject")
    page.wait_for_selector("#message.error")
    assert "has changed since it was read" in page.inner_text("#message")
    assert path.read_text(encoding="utf-8") == theirs
    # Reloaded, the rejection goes through.
    page.goto("/")
    page.click(".fact[data-iri='observation:wuhan-gdp-2024-a005'] button.reject")
    page.wait_for_selector("#message:not(.error)")
    assert "wuhan-gdp-2024" not in path.read_text(encoding="utf-8")
    # Edit a value through the form built from the shapes: saved, checked.
    hubei = ".fact[data-iri='observation:hubei-gdp-2024-a005']"
    page.click(f"{hubei} details.edit summary")
    value = f"{hubei} input[name='field:http://purl.org/linked-data/sdmx/2009/measure#obsValue']"
    assert page.input_value(value) == "5400000000000.0"
    page.fill(value, "5430000000000")
    page.click(f"{hubei} button.save")
    page.wait_for_selector("#message:not(.error)")
    assert "sdmx-measure:obsValue 5430000000000.0 ;" in path.read_text(encoding="utf-8")
    # An edit that breaks a shape is not saved: the check says why, the file is kept.
    kept = path.read_text(encoding="utf-8")
    page.click(f"{hubei} details.edit summary")
    comparator = f"{hubei} input[name='field:https://w3id.org/lgde/ontology#comparator']"
    page.fill(comparator, "lgde:roughly")
    page.click(f"{hubei} button.save")
    page.wait_for_selector("#message.error")
    assert "not saved: the change would not check" in page.inner_text("#message")
    assert "lgde:comparator" in page.inner_text("#message")
    assert path.read_text(encoding="utf-8") == kept
    # The entity search finds IRIs by name.
    page.fill("#q", "Hubei")
    page.press("#q", "Enter")
    page.wait_for_function("() => document.getElementById('found').textContent.length > 0")
    assert "region:hubei" in page.inner_text("#found")
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "curate.png"), full_page=True)
    # Built, the accepted target is reviewed data, queryable without its marks.
    from kg.build import build_graph
    from kg.store import Build

    layout = Layout(home=path.parents[1], build_root=path.parents[1].parent / "var")
    store = Build.open(build_graph(layout).path).store
    rows = list(
        store.query(
            """PREFIX lgde: <https://w3id.org/lgde/ontology#>
               SELECT ?status WHERE { GRAPH ?g {
                 <https://w3id.org/lgde/id/target/hubei-smart-factories-2025-a005>
                     lgde:status ?status
                 OPTIONAL { <https://w3id.org/lgde/id/target/hubei-smart-factories-2025-a005>
                     lgde:reviewStatus ?review } FILTER(!BOUND(?review)) } }"""
        )
    )
    assert len(rows) == 1
    # The refused changes answered 409 and 422, which the browser logs; nothing else.
    refused = ("409 (CONFLICT)", "422 (UNPROCESSABLE")
    assert [e for e in log.errors if not any(r in e for r in refused)] == []
    assert log.blocked == []


SELECT = """quote => {
  // Select the first occurrence of the quote in the text, as a mouse would, across
  // the marks it spans; then let the page's own handler read the selection.
  const root = document.getElementById("text");
  const at = root.textContent.indexOf(quote);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let seen = 0, node;
  while ((node = walker.nextNode())) {
    const length = node.textContent.length;
    if (seen <= at && at < seen + length) range.setStart(node, at - seen);
    const end = at + quote.length;
    if (seen < end && end <= seen + length) { range.setEnd(node, end - seen); break; }
    seen += length;
  }
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  root.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
}"""


def test_a_new_fact_from_a_selected_span(browser, curation) -> None:
    base, path = curation
    log = PageLog()
    page = new_tab(browser, base, log)
    page.goto("/")
    page.click(".fact[data-iri='observation:wuhan-gdp-2024-a005'] button.reject")
    page.wait_for_selector("#message:not(.error)")
    # Select the clause that states Wuhan's figure: the form opens, filled in.
    wuhan = "the GDP of Wuhan exceeded 2 trillion yuan"
    page.evaluate(SELECT, wuhan)
    page.wait_for_selector("#new:not([hidden])")
    assert page.inner_text("#new-quote") == wuhan
    assert page.input_value("#new-kind") == "observation"
    form = "form.new-fact[data-kind='observation']"
    sdmx = "http://purl.org/linked-data/sdmx/2009/"
    area = f"{form} input[name='field:{sdmx}dimension#refArea']"
    assert page.input_value(area) == "region:wuhan"
    assert page.input_value(f"{form} input[name='field:{sdmx}measure#obsValue']") == (
        "2000000000000"
    )
    # The comparator's picker offers the graph's comparators by label.
    comparator = f"{form} input[name='field:https://w3id.org/lgde/ontology#comparator']"
    page.fill(comparator, "at least")
    page.wait_for_function(
        """selector => {
             const input = document.querySelector(selector);
             const list = document.getElementById(input.getAttribute("list"));
             return [...list.options].some(o => o.value === "lgde:atLeast");
           }""",
        arg=comparator,
    )
    page.fill(comparator, "lgde:atLeast")
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "curate-new-fact.png"), full_page=True)
    page.click(f"{form} button.add")
    page.wait_for_selector("#message:not(.error)")
    assert "added observation:wuhan-gdp-2024-a005" in page.inner_text("#message")
    facts = page.eval_on_selector_all(".fact", "els => els.map(e => e.dataset.iri)")
    assert "observation:wuhan-gdp-2024-a005" in facts
    block = page.inner_text(".fact[data-iri='observation:wuhan-gdp-2024-a005'] pre")
    assert "lgde:comparator lgde:atLeast ;" in block
    assert f'oa:exact "{wuhan}"' in block
    assert "lgde:comparator lgde:atLeast ;" in path.read_text(encoding="utf-8")
    # The same span again: a second observation of that cell is refused, not saved.
    kept = path.read_text(encoding="utf-8")
    page.evaluate(SELECT, wuhan)
    page.wait_for_selector("#new:not([hidden])")
    page.click(f"{form} button.add")
    page.wait_for_selector("#message.error")
    assert "IC-12" in page.inner_text("#message")
    assert path.read_text(encoding="utf-8") == kept
    assert [e for e in log.errors if "422 (UNPROCESSABLE" not in e] == []
    assert log.blocked == []


def test_the_page_listens_on_this_machine_only() -> None:
    check_host("127.0.0.1", False)
    check_host("::1", False)
    check_host("localhost", False)
    with pytest.raises(ValueError, match="not a loopback address"):
        check_host("0.0.0.0", False)
    check_host("0.0.0.0", True)
