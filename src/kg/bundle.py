"""A replication bundle: one query, its result and what it takes to get it again.

The zip holds the query (``query.rq``), its result (``results.csv``) with W3C CSVW
metadata for it (``results.csv-metadata.json``), the release it was run on
(``release.json``, and ``CITATION.txt``) and a ``README.md`` that says how to rerun it
against that release. A journal's replication package takes it as it is. Made the same
way by ``kg bundle`` and by the server's ``/bundle``; its bytes depend only on what it
holds (fixed dates, sorted entries).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass

from kg.releases import Release

_DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$")


@dataclass(frozen=True)
class Rerun:
    """How the result was asked for: a stored query and its parameters, or a text."""

    query: str
    stored: str | None = None  # the stored query's name
    parameters: tuple[tuple[str, str], ...] = ()
    served_at: str = ""  # the server's address, when the bundle came from one


def column_types(text: str) -> dict[str, str]:
    """Each column's CSVW datatype, read from the values: ``anyURI`` if every value is
    an absolute IRI, ``decimal`` if every one is a number, else ``string``.

    >>> column_types("a,n,s\\r\\nhttp://x/1,3,y\\r\\nhttp://x/2,,z\\r\\n")
    {'a': 'anyURI', 'n': 'decimal', 's': 'string'}
    """
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    out = {}
    for i, name in enumerate(header):
        values = [row[i] for row in body if i < len(row) and row[i] != ""]
        if values and all(_IRI.match(v) for v in values):
            out[name] = "anyURI"
        elif values and all(_DECIMAL.match(v) for v in values):
            out[name] = "decimal"
        else:
            out[name] = "string"
    return out


def csvw_for(text: str, rerun: Rerun, release: Release | None) -> dict:
    """CSVW metadata for a result's CSV."""
    columns = [
        {"name": _csvw_name(name), "titles": name, "datatype": kind}
        for name, kind in column_types(text).items()
    ]
    document: dict = {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": "results.csv",
        "dc:title": f"Result of {rerun.stored or 'a SPARQL query'}",
        "dc:description": "The result of query.rq, as the SPARQL endpoint wrote it (SPARQL 1.1 "
        "Query Results CSV: IRIs and literals as text, an unbound value empty).",
        "tableSchema": {"columns": columns},
    }
    if release is not None:
        document["dc:source"] = {"@id": release.iri}
    return document


def _csvw_name(title: str) -> str:
    """A CSVW column name (no leading underscore, URI-template safe)."""
    name = re.sub(r"[^A-Za-z0-9_.]", "_", title)
    return name.lstrip("_") or "column"


def readme(rerun: Rerun, release: Release | None, rows: int) -> str:
    if release is not None:
        which = (
            f"release {release.version} of the {TITLE_SHORT} ({release.iri}, "
            f"{release.date}), whose sources are tagged v{release.version}"
        )
        checkout = f"git checkout v{release.version}"
    else:
        which = "a build that is not a release; its results may not be reproducible exactly"
        checkout = "git checkout <the commit you used>"
    params = " ".join(f"-p {k}={v}" for k, v in rerun.parameters)
    command = (
        f"kg query queries/{rerun.stored}.rq {params} --format csv".replace("  ", " ")
        if rerun.stored
        else "kg query query.rq --format csv"
    )
    lines = [
        "# Replication bundle",
        "",
        f"`results.csv` ({rows} rows) is the result of `query.rq` on {which}.",
        "",
        "Files:",
        "",
        "- `query.rq`: the SPARQL query"
        + (f" (stored query `{rerun.stored}`)" if rerun.stored else ""),
        "- `results.csv`: its result, SPARQL 1.1 Query Results CSV",
        "- `results.csv-metadata.json`: the columns described in W3C CSVW",
        "- `release.json`: the release (version, date, the digest of its sources, checksums)",
        "- `CITATION.txt`: how to cite the data",
        "",
    ]
    if rerun.parameters:
        lines += [
            "Parameters, bound as RDF terms:",
            "",
            *(f"- `{k}` = `{v}`" for k, v in rerun.parameters),
            "",
        ]
    lines += [
        "To run it again, from a clone of the project's repository:",
        "",
        "```sh",
        checkout,
        "make build   # installs the tools and builds the graph of those sources",
        f".venv/bin/{command}",
        "```",
        "",
        "The result should equal `results.csv` row for row (`ORDER BY` fixes the order; "
        "without it, compare the rows as a set).",
    ]
    if rerun.served_at:
        lines += ["", f"It was retrieved from {rerun.served_at}."]
    return "\n".join(lines) + "\n"


TITLE_SHORT = "LGDE knowledge graph"


def make_bundle(rerun: Rerun, results_csv: bytes, release: Release | None) -> bytes:
    """The zip, as bytes."""
    text = results_csv.decode("utf-8")
    rows = max(0, len(list(csv.reader(io.StringIO(text, newline="")))) - 1)
    citation = (
        release.citation()
        if release is not None
        else "An unreleased build of the LGDE knowledge graph (cite a release instead)."
    )
    files = {
        "query.rq": rerun.query.rstrip("\n") + "\n",
        "results.csv": text,
        "results.csv-metadata.json": _json(csvw_for(text, rerun, release)),
        "release.json": _json(release.as_dict() if release else {"version": None}),
        "CITATION.txt": citation + "\n",
        "README.md": readme(rerun, release, rows),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"replication/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name].encode("utf-8"))
    return out.getvalue()


def _json(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
