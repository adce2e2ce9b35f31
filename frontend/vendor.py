"""Copy the query page's front-end libraries from ``node_modules`` into the package.

The libraries are pinned in ``package.json`` and ``package-lock.json`` (with the
registry's integrity hashes). ``npm ci`` fetches exactly those; this script copies the
files the page loads, with each package's licence, into ``src/kg/serve/static/vendor/``
and writes ``manifest.json`` there: package, version, licence, registry integrity and the
SHA-256 of every copied file. The test suite checks the copies against the manifest and
the manifest against the lock file; ``--check`` checks them against a fresh ``npm ci``.

Usage::

    python frontend/vendor.py           # npm ci, then copy
    python frontend/vendor.py --check   # npm ci in a scratch copy, compare, change nothing
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FRONTEND = Path(__file__).resolve().parent
VENDOR = FRONTEND.parent / "src" / "kg" / "serve" / "static" / "vendor"

# What the query page loads from each package, and the file that holds its licence.
FILES: dict[str, dict[str, object]] = {
    "codemirror": {
        "licence": "LICENSE",
        "files": [
            "lib/codemirror.js",
            "lib/codemirror.css",
            "mode/sparql/sparql.js",
            "addon/edit/matchbrackets.js",
            "addon/hint/show-hint.js",
            "addon/hint/show-hint.css",
        ],
    },
    "chart.js": {"licence": "LICENSE.md", "files": ["dist/chart.umd.min.js"]},
    # Bundled inside chart.umd.min.js; its licence travels with it.
    "@kurkle/color": {"licence": "LICENSE.md", "files": []},
}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _npm_ci(directory: Path) -> None:
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=directory,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def collect(node_modules: Path, lock: dict) -> tuple[dict, dict[str, Path]]:
    """The manifest for ``node_modules``, and where each vendored file comes from."""
    packages = []
    sources: dict[str, Path] = {}
    for name, spec in sorted(FILES.items()):
        root = node_modules / name
        locked = lock["packages"][f"node_modules/{name}"]
        version = json.loads((root / "package.json").read_text())["version"]
        if version != locked["version"]:
            pinned = locked["version"]
            raise SystemExit(f"{name}: node_modules has {version}, the lock pins {pinned}")
        files = {}
        for relative in [*spec["files"], spec["licence"]]:
            target = f"{name}/{relative}"
            sources[target] = root / relative
            files[target] = _sha256(root / relative)
        packages.append(
            {
                "name": name,
                "version": version,
                "license": locked.get("license", ""),
                "integrity": locked["integrity"],
                "licence_file": f"{name}/{spec['licence']}",
                "files": files,
            }
        )
    return {"packages": packages}, sources


def write(manifest: dict, sources: dict[str, Path]) -> None:
    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    for target, source in sources.items():
        destination = VENDOR / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    (VENDOR / "manifest.json").write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, change nothing")
    check = parser.parse_args().check
    lock = json.loads((FRONTEND / "package-lock.json").read_text())
    if not check:
        _npm_ci(FRONTEND)
        write(*collect(FRONTEND / "node_modules", lock))
        print(f"vendored {len(FILES)} packages into {VENDOR.relative_to(FRONTEND.parent)}")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(FRONTEND / name, Path(scratch) / name)
        _npm_ci(Path(scratch))
        fresh, _ = collect(Path(scratch) / "node_modules", lock)
    shipped = json.loads((VENDOR / "manifest.json").read_text())
    if fresh != shipped:
        print("the vendored files differ from a fresh npm ci; run: make vendor", file=sys.stderr)
        return 1
    on_disk = {
        target: _sha256(VENDOR / target)
        for package in shipped["packages"]
        for target in package["files"]
    }
    listed = {t: h for p in shipped["packages"] for t, h in p["files"].items()}
    if on_disk != listed:
        print("vendored files were edited after copying; run: make vendor", file=sys.stderr)
        return 1
    print(f"vendored files match a fresh npm ci ({len(listed)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
