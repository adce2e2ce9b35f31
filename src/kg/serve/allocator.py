"""Run the server's processes on jemalloc, where the system has it.

Answering a query allocates and frees many small blocks: RocksDB's reads (C++),
Oxigraph's evaluation (Rust) and Python all go through ``malloc``. pyoxigraph, like
Oxigraph's server, links the C library's allocator; with jemalloc preloaded instead,
the stored queries run faster (``bench/allocator.py`` compares the two side by side).
A process's allocator is fixed when it starts, so ``kg serve`` starts itself once more
with jemalloc in ``LD_PRELOAD`` before it opens anything; its HTTP processes and query
workers inherit it. Where the system has no jemalloc (Debian:
``libjemalloc2``), or off Linux, the server runs on the C library's allocator.
"""

from __future__ import annotations

import ctypes.util
import os
import sys
from collections.abc import Mapping
from pathlib import Path

JEMALLOC = "jemalloc"


def jemalloc_library() -> str | None:
    """The system's jemalloc as ``LD_PRELOAD`` names it, or ``None`` if it has none."""
    if not sys.platform.startswith("linux"):
        return None
    return ctypes.util.find_library(JEMALLOC)  # a file name such as "libjemalloc.so.2"


def preloads(environ: Mapping[str, str]) -> list[str]:
    """The libraries ``environ`` preloads, as ld.so reads ``LD_PRELOAD``.

    >>> preloads({"LD_PRELOAD": "liba.so:libb.so libc.so"})
    ['liba.so', 'libb.so', 'libc.so']
    """
    return [entry for entry in environ.get("LD_PRELOAD", "").replace(" ", ":").split(":") if entry]


def preload_environment(environ: Mapping[str, str], library: str) -> dict[str, str] | None:
    """``environ`` with ``library`` first in ``LD_PRELOAD``; ``None`` if it is there already.

    >>> preload_environment({"LD_PRELOAD": "libfoo.so"}, "libjemalloc.so.2")["LD_PRELOAD"]
    'libjemalloc.so.2:libfoo.so'
    >>> preload_environment({"LD_PRELOAD": "/usr/lib/libjemalloc.so.2"}, "libjemalloc.so.2")
    """
    present = preloads(environ)
    if any(Path(entry).name == Path(library).name for entry in present):
        return None
    return {**environ, "LD_PRELOAD": ":".join([library, *present])}


def allocator_in_use(maps: Path = Path("/proc/self/maps")) -> str:
    """``"jemalloc"`` if this process has jemalloc loaded, else ``"system"``."""
    try:
        loaded = maps.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "system"
    return JEMALLOC if f"lib{JEMALLOC}" in loaded else "system"


def restart_with_jemalloc() -> None:
    """Start this command again, same arguments, with jemalloc preloaded.

    Returns (and the process goes on as it is) when the system has no jemalloc or it
    is preloaded already, so the restart happens at most once.
    """
    library = jemalloc_library()
    if library is None:
        return
    environment = preload_environment(os.environ, library)
    if environment is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, sys.orig_argv, environment)
