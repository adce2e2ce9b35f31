"""How long checking one article takes in a large project: ``kg check`` against the
full checks (``kg validate``), same project, same run.

Generates (or reuses) a synthetic project, builds it, registers a new article (the text
of article 000 with a sentence added), writes ``kg suggest``'s draft into it, then
times ``check_article`` on that article and the full checks.

Usage::

    python bench/article_check.py --triples 600000 --out bench/data/600k \\
        [--results bench/results/article-check-600k.md]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from kg.authoring.articles import add_article, read_article
from kg.authoring.draft import write
from kg.authoring.gazetteer import from_build, reference
from kg.authoring.suggest import Suggester
from kg.build import build_graph, check_sources
from kg.build.article_check import check_article
from kg.layout import Layout
from kg.store import Build

HOME = Path(__file__).resolve().parents[1]
ADDED = "\nHubei plans to build 20 new smart factories by 2025, its governor said.\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=600_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--results", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    sys.path.insert(0, str(HOME / "bench"))
    from generate import generate

    if not (args.out / "graph").exists():
        generate(args.out, args.triples)
    layout = Layout(home=args.out.resolve(), build_root=(args.out / "var").resolve())
    built = Build.open(build_graph(layout).path)
    quads = sum(1 for _ in built.store)

    text = next((HOME / "seeds").glob("000_*.txt")).read_text(encoding="utf-8") + ADDED
    source = args.out / "new-article.txt"
    source.write_text(text, encoding="utf-8")
    article = add_article(layout, source, title="Added for the benchmark", published="2025-02")
    number = article.number
    read = read_article(layout.graph_dir, layout.seeds_dir, number)
    started = time.perf_counter()
    suggester = Suggester(reference(from_build(built)))
    found = suggester.suggest(read.text, read.year)
    suggest_seconds = time.perf_counter() - started
    started = time.perf_counter()
    draft = write(layout, number, read.text, found)
    write_seconds = time.perf_counter() - started

    checks = []
    for _ in range(args.runs):
        result = check_article(layout, number, built)
        checks.append(result.seconds)
    fulls = []
    for _ in range(max(1, args.runs // 2)):
        started = time.perf_counter()
        check_sources(layout)
        fulls.append(time.perf_counter() - started)
    check, full = statistics.median(checks), statistics.median(fulls)
    lines = [
        f"# Checking one article in a {args.triples:,}-triple project",
        "",
        f"Command: `python bench/article_check.py --triples {args.triples} --out DIR`.",
        f"The build holds {quads:,} quads. The new article {number} has "
        f"{len(draft.written)} drafted facts ({len(found)} suggestions).",
        "",
        "| what | seconds |",
        "|---|---:|",
        f"| `kg check {number}` (median of {len(checks)}) | {check:.2f} |",
        f"| full checks, `kg validate` (median of {len(fulls)}) | {full:.2f} |",
        f"| ratio | {full / check:.0f}x |",
        f"| `kg suggest` on the article (gazetteer included) | {suggest_seconds:.2f} |",
        f"| `kg suggest --write`, its check included | {write_seconds:.2f} |",
        "",
        f"Problems found by the one-article check: {len(result.problems)}.",
    ]
    report = "\n".join(lines) + "\n"
    sys.stdout.write(report)
    if args.results:
        args.results.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
