"""Write a store as sorted N-Quads: the canonical, diff-friendly form of a build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.typed_results import written


def write_store_nquads(store: ox.Store, path: Path) -> int:
    """Every quad of ``store`` as one N-Quads line, sorted, written to ``path``."""
    lines = written(store.dump(format=ox.RdfFormat.N_QUADS)).splitlines(keepends=True)
    lines.sort()  # UTF-8 bytes sort as their code points do, as sorted text would
    path.write_bytes(b"".join(lines))
    return len(lines)
