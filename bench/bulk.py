"""Publishing a build by the Graph Store Protocol against a store's own bulk loader.

For each store (Oxigraph server, Virtuoso), in one run, on the bundled graph or a
generated one, each into a new store:

- ``kg publish``: staging graphs uploaded in chunks, the switch, the verification;
- the bulk path: ``kg publish --dump``, the store's own loader (``oxigraph load``,
  offline; Virtuoso's ``ld_dir`` and ``rdf_loader_run``, into the running server), then
  ``kg publish --verify-only``.

    python bench/bulk.py --triples 600000 --out bench/results/bulk-600k.md
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a file: the project's packages

from bench.projects import built_project  # noqa: E402
from bench.report import write_page  # noqa: E402
from tests.store_servers import (  # noqa: E402
    oxigraph_bulk_load,
    oxigraph_server,
    virtuoso_bulk_load,
    virtuoso_server,
)

KG = str(Path(sys.executable).with_name("kg"))


def timed(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[3:6])}: {done.stderr[-500:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=0, help="0: the bundled graph")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        home, env = built_project(work, args.triples)
        kg = [KG, "--home", str(home)]
        dump = work / "lgde.nq"
        dumping = timed([*kg, "publish", "--dump", str(dump)], env)
        quads = dump.read_bytes().count(b"\n")
        rows = []
        for kind in ("oxigraph", "virtuoso"):
            auth = ["--auth", "dba:dba"] if kind == "virtuoso" else []
            start = oxigraph_server if kind == "oxigraph" else virtuoso_server
            with start(work / f"{kind}-gsp") as store:
                gsp = timed([*kg, "publish", "--to", store, "--kind", kind, *auth], env)
            folder = work / f"{kind}-bulk"
            if kind == "oxigraph":
                started = time.perf_counter()
                oxigraph_bulk_load(folder, dump)
                loading = time.perf_counter() - started
                with start(folder) as store:
                    verify = timed([*kg, "publish", "--to", store, "--verify-only"], env)
            else:
                with start(folder) as store:
                    shutil.copy(dump, folder / dump.name)
                    started = time.perf_counter()
                    virtuoso_bulk_load(folder, folder / dump.name)
                    loading = time.perf_counter() - started
                    verify = timed(
                        [*kg, "publish", "--to", store, "--kind", kind, "--verify-only"], env
                    )
            bulk = dumping + loading + verify
            rows.append(
                f"| {kind} | {gsp:.1f} | {dumping:.1f} | {loading:.1f} | {verify:.1f} | "
                f"{bulk:.1f} | {gsp / bulk:.1f}x |"
            )
    scale = f"{args.triples:,} triples" if args.triples else "the bundled graph"
    lines = [
        f"# Publishing {scale}: the Graph Store Protocol against the stores' bulk loaders",
        "",
        f"Command: `python bench/bulk.py {' '.join(sys.argv[1:])}`. Each into a new store, "
        f"in one run; the file for the loaders holds {quads:,} quads. Seconds; the last "
        "column is how many times faster the bulk path is.",
        "",
        "| store | kg publish, verified | kg publish --dump | the store's loader | "
        "kg publish --verify-only | bulk path in all | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]
    write_page(args.out, lines)


if __name__ == "__main__":
    main()
