"""The serving side stands apart from the build side: it never loads rdflib, owlrl or
pySHACL, so a server starts fast and carries none of the build's libraries."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from kg.layout import STORE_DIR

SRC = Path(__file__).resolve().parents[1] / "src" / "kg"
BUILD_LIBRARIES = ("rdflib", "owlrl", "pyshacl")


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_serving_module_imports_the_build_side() -> None:
    serving = sorted((SRC / "serve").rglob("*.py"))
    assert len(serving) > 20
    for path in serving:
        for name in _imported(path):
            top = name.split(".")[0]
            assert top not in BUILD_LIBRARIES, f"{path.name} imports {name}"
            assert not name.startswith("kg.build"), f"{path.name} imports {name}"
            assert not name.startswith("kg.authoring"), f"{path.name} imports {name}"


# Runs in a fresh interpreter: the app over the build, a request to every kind of
# route, then the modules that were loaded.
_PROBE = """
import json, sys
from pathlib import Path
from kg.serve import create_app
from kg.serve.settings import Settings
import kg.serve.worker, kg.cli

app = create_app(Settings(query_workers=1, http_workers=1), store_path=Path(sys.argv[1]))
client = app.test_client()
statuses = {}
for url, accept in [
    ("/sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%203", "text/csv"),
    ("/sparql?query=CONSTRUCT%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%203", "text/turtle"),
    ("/sparql", "text/turtle"),
    ("/query", "text/html"),
    ("/id/region/hubei", "text/html"),
    ("/id/region/hubei", "application/ld+json"),
    ("/ontology", "text/html"),
    ("/api/queries/regions", "application/json"),
    ("/.well-known/void", "text/turtle"),
    ("/download/lgde.jsonld", "*/*"),
    ("/download/lgde.ttl", "*/*"),
]:
    statuses[url + " " + accept] = client.get(url, headers={"Accept": accept}).status_code
app.extensions["kg"].engine.close()
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("rdflib", "owlrl", "pyshacl"))
print(json.dumps({"statuses": statuses, "loaded": loaded}))
"""


def test_serving_every_route_loads_none_of_the_build_libraries(build) -> None:
    ran = subprocess.run(
        [sys.executable, "-c", _PROBE, str(build.path / STORE_DIR)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    seen = json.loads(ran.stdout.strip().splitlines()[-1])
    assert set(seen["statuses"].values()) == {200}, seen["statuses"]
    assert seen["loaded"] == []
