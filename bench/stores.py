"""Publishing to an existing store, and ``kg serve --store`` against the store itself.

For each store (Oxigraph server, Virtuoso), on the bundled graph or a generated one:

- ``kg publish``: seconds from start to a verified publication, and how it switched;
- the stored queries, run one after another with their default parameters, in rounds
  that take turns: straight to the store (the text and dataset ``kg serve --store``
  sends); through ``kg serve --store`` with its caches off; and through ``kg serve
  --store`` with its caches on, after a first round that fills them: repeated queries
  answered without the store. The ratio of the second to the first is the proxy's
  overhead.

    python bench/stores.py --triples 0 --out bench/results/stores-seed.md
    python bench/stores.py --triples 600000 --rounds 3 --stores virtuoso \
        --leave-out gdp-figures,targets-and-actuals,sectors-named-by-several-regions \
        --out bench/results/stores-600k-virtuoso.md
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
HOME = HERE.parent
sys.path.insert(0, str(HOME))

from bench.projects import built_project  # noqa: E402
from bench.report import write_page  # noqa: E402
from kg.layout import Layout  # noqa: E402
from kg.namespaces import GRAPHS  # noqa: E402
from kg.queries import stored_queries  # noqa: E402
from kg.serve.remote import remote_text  # noqa: E402
from kg.serve.worker import Job  # noqa: E402
from kg.stores.profiles import profile  # noqa: E402
from tests.store_servers import oxigraph_server, virtuoso_server  # noqa: E402

KG = str(Path(sys.executable).with_name("kg"))
ROUNDS = 5
DEADLINE = ("-s", "query_timeout", "300", "-s", "worker_wait", "300")


def timed(url: str, body: bytes | None, accept: str) -> float:
    started = time.perf_counter()
    request = urllib.request.Request(url, data=body, headers={"Accept": accept})
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with urllib.request.urlopen(request, timeout=300) as response:
        response.read()
    return time.perf_counter() - started


def wait_for(url: str, process: subprocess.Popen) -> None:
    for _ in range(600):
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{url}: the server stopped") from None
            time.sleep(0.1)
    raise RuntimeError(f"{url}: no answer")


def serve(home: Path, env: dict, store: str, kind: str, *settings: str) -> tuple:
    port = int(
        subprocess.check_output(
            [
                sys.executable,
                "-c",
                "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])",
            ]
        )
    )
    command = [
        KG,
        "--home",
        str(home),
        "serve",
        "--port",
        str(port),
        "--store",
        store,
        "--kind",
        kind,
        *settings,
    ]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(base + "/sparql?query=ASK%7B%7D", process)
    return base, process


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=0, help="0: the bundled graph")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds per figure")
    parser.add_argument("--stores", default="oxigraph,virtuoso", help="which stores")
    parser.add_argument(
        "--leave-out",
        default="",
        metavar="NAME,…",
        help="stored queries to leave out (at scale, a few take most of a round)",
    )
    args = parser.parse_args()
    left_out = {name for name in args.leave_out.split(",") if name}
    lines = []
    with tempfile.TemporaryDirectory() as work:
        home, env = built_project(Path(work), args.triples)
        queries = stored_queries(Layout(home=home, build_root=Path(work) / "var").queries_dir)
        names = sorted(set(queries) - left_out)
        scale = f"{args.triples:,} triples" if args.triples else "the bundled graph"
        lines += [
            f"# Publishing to a store, and `kg serve --store`, on {scale}",
            "",
            f"Command: `python bench/stores.py {' '.join(sys.argv[1:])}`. "
            f"{len(names)} stored queries with their default parameters, one after another"
            + (f" (left out: {', '.join(sorted(left_out))})" if left_out else "")
            + f"; each figure is the median of {args.rounds} rounds, all in the same run.",
            "",
            "| store | publish, verified (s) | straight to the store (s) | through kg serve "
            "--store, no cache (s) | overhead | through kg serve --store, cached (s) |",
            "|---|---|---:|---:|---:|---:|",
        ]
        # Deadlines that the queries of a large graph fit in, alike for the store and
        # for kg serve in front of it: this measures time, not refusals.
        launchers = (
            ("oxigraph", lambda folder: oxigraph_server(folder, timeout=300)),
            ("virtuoso", lambda folder: virtuoso_server(folder, 100_000, 300)),
        )
        for kind, start in launchers:
            if kind not in args.stores.split(","):
                continue
            with start(Path(work) / kind) as store:
                auth = ["--auth", "dba:dba"] if kind == "virtuoso" else []
                started = time.perf_counter()
                done = subprocess.run(
                    [KG, "--home", str(home), "publish", "--to", store, "--kind", kind, *auth],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                publish = time.perf_counter() - started
                if done.returncode != 0:
                    # What the store refused is a finding too: it goes in the table.
                    said = done.stderr.strip().splitlines() or ["?"]
                    why = next((s for s in said if "Error" in s), said[-1])[:300]
                    lines.append(f"| {kind} | failed after {publish:.0f} s: {why} | | | | |")
                    continue
                stepwise = "switching graph by graph" in done.stderr
                switch = "switched graph by graph" if stepwise else "switched in one transaction"
                chosen = profile(kind, store)

                def direct(chosen=chosen) -> list[float]:
                    out = []
                    for name in names:
                        stored = queries[name]
                        job = Job(
                            stored.text,
                            "SELECT",
                            "json",
                            10_000,
                            substitutions=tuple(stored.substitutions({}).items()),
                        )
                        fields = [("query", remote_text(job))]
                        fields += [
                            (p, g) for g in GRAPHS for p in ("default-graph-uri", "named-graph-uri")
                        ]
                        out.append(
                            timed(
                                chosen.query_url,
                                urllib.parse.urlencode(fields).encode(),
                                "application/sparql-results+json",
                            )
                        )
                    return out

                def through(base: str) -> list[float]:
                    return [
                        timed(f"{base}/api/queries/{name}", None, "application/sparql-results+json")
                        for name in names
                    ]

                servers = {
                    "proxy": serve(home, env, store, kind, "-s", "cache_bytes", "0", *DEADLINE),
                    "cached": serve(home, env, store, kind, *DEADLINE),
                }
                try:
                    through(servers["cached"][0])  # the first round fills the caches
                    seconds: dict[str, list[float]] = {"direct": []}
                    seconds.update({name: [] for name in servers})
                    for _ in range(args.rounds):  # taking turns, so drift hits all alike
                        seconds["direct"].append(sum(direct()))
                        for name, (base, _) in servers.items():
                            seconds[name].append(sum(through(base)))
                finally:
                    for _, process in servers.values():
                        process.terminate()
                        process.wait(timeout=20)
                median = {name: statistics.median(s) for name, s in seconds.items()}
                lines.append(
                    f"| {kind} | {publish:.2f} ({switch}) | {median['direct']:.3f} | "
                    f"{median['proxy']:.3f} | {median['proxy'] / median['direct'] - 1:+.0%} | "
                    f"{median['cached']:.3f} |"
                )
    lines.append("")
    write_page(args.out, lines)


if __name__ == "__main__":
    main()
