"""The data a server serves: a build's store, plus any RDF files given on the command line."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from kg.layout import DATASET_FILE, STORE_DIR


class DataFileError(ValueError):
    """An extra data file that cannot be read."""


def serving_store(build_path: Path, extra_files: list[Path]) -> tuple[Path, Path | None]:
    """The store to serve, and a temporary folder to remove afterwards (or None).

    With no extra files this is the build's own store. Otherwise the build's N-Quads
    and the files are loaded into a new store in a temporary folder: N-Quads and TriG
    keep their graph names; triples of other formats go into a graph named by the
    file's URI, which is also the base of the file's relative IRIs.
    """
    if not extra_files:
        return build_path / STORE_DIR, None
    folder = Path(tempfile.mkdtemp(prefix="kg-serve-"))
    try:
        store = ox.Store(str(folder / STORE_DIR))
        store.bulk_load(path=str(build_path / DATASET_FILE), format=ox.RdfFormat.N_QUADS)
        for path in extra_files:
            fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".").lower())
            if fmt is None:
                raise DataFileError(f"{path}: unknown RDF format (from its extension)")
            uri = path.resolve().as_uri()
            graph = None if fmt.supports_datasets else ox.NamedNode(uri)
            try:
                # Relative IRIs in the file are resolved against the file's own URI.
                store.bulk_load(path=str(path), format=fmt, to_graph=graph, base_iri=uri)
            except (SyntaxError, OSError, ValueError) as error:
                raise DataFileError(f"{path}: {error}") from None
        store.optimize()
        del store
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder / STORE_DIR, folder
