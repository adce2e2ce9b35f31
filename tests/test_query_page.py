"""The query page as HTML, and the front-end files it loads: pinned, licensed, served here."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import urllib.parse
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import HOME
from tests.http_client import request

STATIC = HOME / "src" / "kg" / "serve" / "static"
VENDOR = STATIC / "vendor"
FRONTEND = HOME / "frontend"


def _manifest() -> dict:
    return json.loads((VENDOR / "manifest.json").read_text(encoding="utf-8"))


class _Assets(HTMLParser):
    """The URLs a page loads by itself: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.page_data: str | None = None
        self._in_data = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if tag in ("script", "img") and found.get("src"):
            self.urls.append(found["src"])
        if tag == "link" and found.get("href"):
            self.urls.append(found["href"])
        self._in_data = tag == "script" and found.get("id") == "page-data"

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.page_data = (self.page_data or "") + data

    def handle_endtag(self, tag: str) -> None:
        self._in_data = False


def _page(server: str, path: str) -> tuple[str, _Assets]:
    reply = request(server, "GET", path, headers={"Accept": "text/html"})
    assert reply.status == 200, reply.body[:300]
    html = reply.body.decode("utf-8")
    assets = _Assets()
    assets.feed(html)
    return html, assets


def test_vendored_files_are_the_pinned_packages() -> None:
    lock = json.loads((FRONTEND / "package-lock.json").read_text())
    pins = json.loads((FRONTEND / "package.json").read_text())["dependencies"]
    manifest = _manifest()
    by_name = {p["name"]: p for p in manifest["packages"]}
    for name, version in pins.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly"
        assert by_name[name]["version"] == version
    for package in manifest["packages"]:
        locked = lock["packages"][f"node_modules/{package['name']}"]
        assert package["version"] == locked["version"]
        assert package["integrity"] == locked["integrity"]
        for target, digest in package["files"].items():
            assert hashlib.sha256((VENDOR / target).read_bytes()).hexdigest() == digest, target


def test_every_vendored_file_is_listed_and_every_package_has_its_licence() -> None:
    manifest = _manifest()
    listed = {t for p in manifest["packages"] for t in p["files"]}
    on_disk = {
        str(path.relative_to(VENDOR))
        for path in VENDOR.rglob("*")
        if path.is_file() and path.name != "manifest.json"
    }
    assert on_disk == listed
    for package in manifest["packages"]:
        assert package["license"] == "MIT"
        text = (VENDOR / package["licence_file"]).read_text(encoding="utf-8")
        assert "Permission is hereby granted, free of charge" in text


def test_pages_load_nothing_from_other_hosts(server) -> None:
    for path in ("/", "/query", "/api/", "/ontology", "/download/", "/id/region/guizhou"):
        _, assets = _page(server, path)
        for url in assets.urls:
            parts = urllib.parse.urlsplit(url)
            assert not parts.netloc, f"{path} loads {url}"


def test_query_page_serves_the_files_it_names(server) -> None:
    _, assets = _page(server, "/query")
    scripts = [u for u in assets.urls if u.endswith(".js")]
    assert any("codemirror" in u for u in scripts) and any("chart" in u for u in scripts)
    for url in assets.urls:
        if url.startswith("data:"):
            continue
        reply = request(server, "GET", url)
        assert reply.status == 200, url
        assert reply.body == (STATIC / url.removeprefix("/static/")).read_bytes()


def test_page_data_names_every_stored_query_and_ontology_term(server) -> None:
    _, assets = _page(server, "/query")
    data = json.loads(assets.page_data)
    listed = request(server, "GET", "/api/queries", headers={"Accept": "application/json"})
    assert [e["name"] for e in data["examples"]] == [q["name"] for q in listed.json()]
    count = request(
        server,
        "GET",
        "/sparql?"
        + urllib.parse.urlencode(
            {
                "query": "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { GRAPH "
                "<https://w3id.org/lgde/graph/ontology> { ?t a ?k ; rdfs:label ?l } "
                "FILTER(STRSTARTS(STR(?t), STR(lgde:)) && "
                "?k IN (owl:Class, owl:ObjectProperty, owl:DatatypeProperty)) }"
            }
        ),
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    n = int(count["results"]["bindings"][0]["n"]["value"])
    assert len(data["terms"]) == n > 0
    assert all(t["name"].startswith("lgde:") and t["label"] for t in data["terms"])
    assert data["run"] is False


def test_a_shared_query_is_prefilled_escaped(server) -> None:
    hostile = "SELECT * WHERE { ?s ?p '</textarea><script>alert(1)</script>' }"
    html, assets = _page(server, "/query?" + urllib.parse.urlencode({"query": hostile}))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert json.loads(assets.page_data)["run"] is True


def test_a_shared_example_keeps_only_its_own_parameters(server) -> None:
    _, assets = _page(server, "/query?example=targets-by-region&region=region:guizhou&x=1")
    data = json.loads(assets.page_data)
    assert data["example"] == "targets-by-region"
    assert data["arguments"] == {"region": "region:guizhou"}


def test_unknown_example_is_404(server) -> None:
    reply = request(server, "GET", "/query?example=nope", headers={"Accept": "application/json"})
    assert reply.status == 404
    assert "nope" in reply.json()["message"]


def test_the_wheel_carries_the_front_end(tmp_path: Path) -> None:
    import shutil

    source = tmp_path / "source"  # setuptools writes build/ beside the sources
    shutil.copytree(HOME / "src", source / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(HOME / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        check=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"kg/serve/static/vendor/{t}" for p in _manifest()["packages"] for t in p["files"]}
    expected |= {f"kg/serve/static/{n}" for n in ("sparql-editor.js", "results-chart.js")}
    expected |= {"kg/serve/static/query.js", "kg/serve/static/sparql-results.js"}
    expected |= {"kg/serve/static/query.css", "kg/serve/templates/query.html"}
    assert expected <= names
