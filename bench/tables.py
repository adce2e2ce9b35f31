"""The tables step of ``kg build`` at scale, against the whole build in the same run.

Generates a project (``bench/generate.py``), builds it, and reports the ``tables`` step's
seconds beside every step's and the build's total, with the rows of each table:

    python bench/tables.py --triples 600000 --out bench/results/tables-600k.md
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a file: the project's packages

from bench.projects import built_project  # noqa: E402
from bench.report import write_page  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=600_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        built_project(Path(work), args.triples)
        manifest = json.loads((Path(work) / "var" / "current" / "manifest.json").read_text())
    timings = {t["step"]: t["seconds"] for t in manifest["timings"]}
    total = sum(timings.values())
    quads = sum(manifest["triples"].values())
    lines = [
        f"# The tables step of `kg build` at {args.triples:,} triples",
        "",
        f"Command: `python bench/tables.py --triples {args.triples} --out {args.out}`.",
        f"The build holds {quads:,} quads; its steps took {total:.1f} s in all.",
        "",
        "| step | seconds | share |",
        "|---|---:|---:|",
        *(f"| {step} | {s:.2f} | {s / total:.0%} |" for step, s in timings.items()),
        "",
        "| table | rows |",
        "|---|---:|",
        *(f"| {name} | {rows:,} |" for name, rows in sorted(manifest["tables"]["rows"].items())),
        "",
    ]
    write_page(args.out, lines)


if __name__ == "__main__":
    main()
