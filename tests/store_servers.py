"""Real SPARQL stores on loopback ports for the tests: Oxigraph server (from PyPI, the
``oxigraph`` command) and Virtuoso (Debian's virtuoso-opensource, which ``make test``
installs), each with its data in a temporary folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .conftest import _free_port, wait_until

VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = {dir}
{transaction_limit}NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
"""


def _answers(url: str, process: subprocess.Popen) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except OSError:
        return process.poll() is not None


@contextmanager
def oxigraph_server(folder: Path, timeout: int = 10, read_only: bool = False) -> Iterator[str]:
    """Oxigraph server on the store at ``folder``; ``read_only``: with no write endpoints
    (``serve-read-only``, for a store its bulk loader filled)."""
    port = _free_port()
    command = [
        str(Path(sys.executable).with_name("oxigraph")),
        "serve-read-only" if read_only else "serve",
        "--location",
        str(folder),
        "--bind",
        f"127.0.0.1:{port}",
        # The server's own deadline, so that a query kg serve gave up on stops here too.
        "--timeout-s",
        str(timeout),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{base}/query?query=ASK%7B%7D", process), what="oxigraph")
        assert process.poll() is None, "oxigraph serve stopped"
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


def oxigraph_bulk_load(folder: Path, data: Path) -> None:
    """``data`` into the Oxigraph store at ``folder`` by its own bulk loader, offline."""
    oxigraph = str(Path(sys.executable).with_name("oxigraph"))
    command = [oxigraph, "load", "--location", str(folder), "--file", str(data)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def virtuoso_bulk_load(folder: Path, data: Path) -> None:
    """``data`` (a file in ``folder``, which the server's DirsAllowed names) into the
    running Virtuoso whose files are in ``folder``, by its bulk loader (``ld_dir``)."""
    ini = (folder / "virtuoso.ini").read_text(encoding="utf-8")
    port = ini.split("[Parameters]", 1)[1].split("ServerPort = 127.0.0.1:", 1)[1].split()[0]
    isql = shutil.which("isql-vt")
    assert isql, "isql-vt is missing: 'make test' installs Debian's virtuoso-opensource"
    # The third argument names the graph of triples without one; every quad has one.
    statements = f"ld_dir('{folder}', '{data.name}', 'urn:x-unused'); rdf_loader_run(); checkpoint;"
    done = subprocess.run(
        [isql, port, "dba", "dba", f"exec={statements}"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "Error" not in done.stdout, done.stdout + done.stderr
    errors = subprocess.run(
        [
            isql,
            port,
            "dba",
            "dba",
            "exec=SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;",
        ],
        capture_output=True,
        text=True,
    )
    assert "0 Rows" in errors.stdout, errors.stdout


def virtuoso_binary() -> str:
    found = shutil.which("virtuoso-t")
    assert found, "virtuoso-t is missing: 'make test' installs Debian's virtuoso-opensource"
    return found


@contextmanager
def virtuoso_server(
    folder: Path,
    max_rows: int = 10000,
    max_seconds: int = 60,
    transaction_bytes: int | None = None,  # None: Virtuoso's default
) -> Iterator[str]:
    folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = _free_port(), _free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            dir=folder,
            sql_port=sql_port,
            http_port=http_port,
            max_rows=max_rows,
            max_seconds=max_seconds,
            transaction_limit=(
                f"TransactionAfterImageLimit = {transaction_bytes}\n" if transaction_bytes else ""
            ),
        )
    )
    process = subprocess.Popen(
        [virtuoso_binary(), "+foreground", "+configfile", str(ini)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until(
            lambda: _answers(f"{base}/sparql?query=ASK%7B%7D", process),
            limit=120,
            what="virtuoso",
        )
        assert process.poll() is None, (folder / "virtuoso.log").read_text()[-2000:]
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
