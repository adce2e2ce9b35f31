"""``kg release VERSION``: freeze a build as a numbered, citable release.

A release is a folder ``releases/<version>/`` that is committed with the sources:

- ``release.json``: the version, date, previous version, the digest of the build's
  inputs (which identifies the build: :mod:`kg.releases`), its files' SHA-256, rows per
  table;
- ``release.ttl``: the same in DCAT 3 (a version of the dataset, with
  ``dcat:previousVersion`` and one distribution per file, each with its checksum);
- ``tables.zip``: the release's tidy tables, from which the next release's changelog is
  computed;
- ``CHANGES.md`` and ``changes.json``: the facts and entities added, removed and
  changed since the previous release, table by table, computed from the data.

The dumps themselves (``dist/``, not committed) are written beside them for uploading
with a repository release: every export is byte-stable, so the checksums in
``release.ttl`` hold for anyone who rebuilds the tagged sources with the same library
versions. ``CITATION.cff`` and ``.zenodo.json`` (the metadata a DOI service reads from
a repository release) are rewritten for the new version.

The release is written into a temporary folder and renamed into place only when
complete: a failure leaves no half release.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from kg.build.export import FORMATS, export_store
from kg.build.tables import TABLES, TABLES_DIR, ZIP_FILE
from kg.layout import Layout
from kg.namespaces import PREFIXES
from kg.releases import (
    CREATOR,
    DATASET,
    RELEASE_FILE,
    RELEASES_DIR,
    TITLE,
    Release,
    inputs_digest,
    read_releases,
    version_key,
)

DESCRIPTION = (
    "Targets, plans, indicator observations, officials and their posts, quotes and policy "
    "documents on how China's local governments plan and report the digital economy, each "
    "tied to the news article that reports it and a verbatim quote."
)
KEYWORDS = ("China", "local government", "digital economy", "knowledge graph", "linked data")
LICENSE = "Apache-2.0"
DUMP_NAME = "lgde"


class ReleaseError(ValueError):
    """The release cannot be made; the message says why. Nothing was written."""


@dataclass(frozen=True)
class Made:
    release: Release
    folder: Path
    changes: dict


def make_release(
    layout: Layout,
    version: str,
    *,
    date: str | None = None,
    notes: str = "",
    doi: str | None = None,
    build_path: Path | None = None,
) -> Made:
    """Release the current build (``build_path``, else a fresh build) as ``version``."""
    from kg.store import Build

    try:
        version_key(version)
    except ValueError as error:
        raise ReleaseError(str(error)) from None
    date = date or datetime.now(UTC).date().isoformat()
    try:
        datetime.strptime(date, "%Y-%m-%d")
    except ValueError:
        raise ReleaseError(f"{date!r} is not a date YYYY-MM-DD") from None
    earlier = read_releases(layout.home)
    if any(r.version == version for r in earlier):
        raise ReleaseError(f"release {version} exists already (releases/{version}/)")
    latest = earlier[-1] if earlier else None
    if latest and version_key(version) <= version_key(latest.version):
        raise ReleaseError(f"{version} does not come after the latest release, {latest.version}")

    if build_path is None:
        from kg.build import build_graph

        build_path = build_graph(layout).path
    build = Build.open(build_path)
    tables = build.manifest.get("tables")
    if not tables:
        raise ReleaseError("the build has no tables; run 'kg build' again")
    digest = inputs_digest(build.manifest)
    if latest and latest.inputs == digest:
        raise ReleaseError(f"nothing changed since release {latest.version}: the same sources")

    releases = layout.home / RELEASES_DIR
    releases.mkdir(exist_ok=True)
    staging = releases / f".{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        dist = staging / "dist"
        dist.mkdir(parents=True)
        files: dict[str, str] = {}
        for fmt in sorted(FORMATS.values(), key=lambda f: f.key):
            data = export_store(build.store, fmt.key)
            files[_write(dist / f"{DUMP_NAME}.{fmt.extension}", data)] = _sha256(data)
        zipped = (build.path / TABLES_DIR / ZIP_FILE).read_bytes()
        files[_write(dist / ZIP_FILE, zipped)] = _sha256(zipped)
        _write(staging / "tables.zip", zipped)
        previous_zip = releases / latest.version / "tables.zip" if latest else None
        changes = changes_between(
            previous_zip.read_bytes() if previous_zip and previous_zip.exists() else None,
            zipped,
        )
        release = Release(
            version=version,
            date=date,
            inputs=digest,
            previous=latest.version if latest else None,
            doi=doi,
            notes=notes,
            files=files,
            tables=dict(tables["rows"]),
        )
        changes = {"from": release.previous, "to": version, **changes}
        _write(staging / RELEASE_FILE, _json(release.as_dict()))
        _write(staging / "changes.json", _json(changes))
        _write(staging / "CHANGES.md", changes_markdown(changes).encode("utf-8"))
        _write(staging / "release.ttl", release_turtle(release))
        sums = "".join(f"{files[name]}  {name}\n" for name in sorted(files))
        _write(dist / "SHA256SUMS", sums.encode("ascii"))
        os.replace(staging, releases / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    (releases / ".gitignore").write_text("# The dumps, rebuilt from the tagged sources.\n*/dist/\n")
    _write(layout.home / "CITATION.cff", citation_cff(release).encode("utf-8"))
    _write(layout.home / ".zenodo.json", _json(zenodo(release)))
    return Made(release, releases / version, changes)


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return path.name


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(document: dict) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


# --------------------------------------------------------------------------- changes

# The entity and fact tables a changelog compares; the evidence table changes with them.
COMPARED = tuple(t.name for t in TABLES)


def _rows(archive: zipfile.ZipFile, name: str) -> dict[str, dict[str, str]]:
    try:
        text = archive.read(f"lgde-tables/{name}.csv").decode("utf-8")
    except KeyError:
        return {}
    return {row["iri"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}


def changes_between(old: bytes | None, new: bytes) -> dict:
    """What was added, removed and changed, table by table, between two releases'
    tables (``old`` is None for a first release: everything is added).

    A row is the same fact or entity when its IRI is; it changed when any cell did, and
    the change lists those cells, old and new.
    """
    tables: dict[str, dict] = {}
    with zipfile.ZipFile(io.BytesIO(new)) as after_zip:
        before_zip = zipfile.ZipFile(io.BytesIO(old)) if old else None
        for name in COMPARED:
            after = _rows(after_zip, name)
            before = _rows(before_zip, name) if before_zip else {}
            changed = []
            for iri in sorted(set(before) & set(after)):
                cells = {
                    column: [before[iri].get(column, ""), value]
                    for column, value in after[iri].items()
                    if before[iri].get(column, "") != value
                }
                cells.update(
                    {c: [v, ""] for c, v in before[iri].items() if c not in after[iri] and v}
                )
                if cells:
                    changed.append({"iri": iri, "label": _name(after[iri]), "cells": cells})
            tables[name] = {
                "added": [
                    {"iri": i, "label": _name(after[i])} for i in sorted(set(after) - set(before))
                ],
                "removed": [
                    {"iri": i, "label": _name(before[i])} for i in sorted(set(before) - set(after))
                ],
                "changed": changed,
            }
        if before_zip:
            before_zip.close()
    summary = {
        name: {kind: len(entry[kind]) for kind in ("added", "removed", "changed")}
        for name, entry in tables.items()
    }
    return {"summary": summary, "tables": tables}


def _name(row: dict[str, str]) -> str:
    return row.get("label") or row.get("title") or ""


def changes_markdown(changes: dict) -> str:
    since = f"since {changes['from']}" if changes.get("from") else "(first release)"
    lines = [
        f"# Changes in {changes['to']} {since}",
        "",
        "Computed from the data: rows of the tables (one per fact or entity) added, "
        "removed or changed, matched by IRI. `changes.json` holds the same, with every "
        "changed cell.",
        "",
        "| table | added | removed | changed |",
        "|---|---:|---:|---:|",
    ]
    for name, counts in changes["summary"].items():
        lines.append(f"| {name} | {counts['added']} | {counts['removed']} | {counts['changed']} |")
    if not changes.get("from"):
        return "\n".join(lines) + "\n"  # a first release adds everything: the counts say it
    for name, entry in changes["tables"].items():
        if not any(entry.values()):
            continue
        lines += ["", f"## {name}", ""]
        for item in entry["added"]:
            lines.append(f"- added: {item['label'] or item['iri']} (<{item['iri']}>)")
        for item in entry["removed"]:
            lines.append(f"- removed: {item['label'] or item['iri']} (<{item['iri']}>)")
        for item in entry["changed"]:
            cells = "; ".join(
                f"{column}: {old!r} → {new!r}" for column, (old, new) in item["cells"].items()
            )
            lines.append(f"- changed: {item['label'] or item['iri']}: {cells}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- metadata


def release_turtle(release: Release) -> bytes:
    """The release in DCAT 3: a version of the dataset, its distributions and checksums."""
    n, lit = ox.NamedNode, ox.Literal
    dcat = "http://www.w3.org/ns/dcat#"
    dct, spdx = PREFIXES["dcterms"], PREFIXES["spdx"]
    rdf_type = n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    me = n(release.iri)
    triples = [
        ox.Triple(n(DATASET), n(dcat + "hasVersion"), me),
        ox.Triple(me, rdf_type, n(dcat + "Dataset")),
        ox.Triple(me, n(dct + "isVersionOf"), n(DATASET)),
        ox.Triple(me, n(dct + "title"), lit(f"{TITLE}, version {release.version}", language="en")),
        ox.Triple(me, n(dct + "description"), lit(DESCRIPTION, language="en")),
        ox.Triple(me, n(dcat + "version"), lit(release.version)),
        ox.Triple(me, n(dct + "issued"), lit(release.date, datatype=n(xsd + "date"))),
        ox.Triple(me, n(dct + "creator"), lit(CREATOR)),
        ox.Triple(me, n(dct + "license"), n("https://www.apache.org/licenses/LICENSE-2.0")),
        ox.Triple(me, n(dct + "identifier"), lit(release.inputs)),
    ]
    if release.previous:
        triples.append(
            ox.Triple(me, n(dcat + "previousVersion"), n(f"{DATASET}/{release.previous}"))
        )
    if release.doi:
        triples.append(ox.Triple(me, n(dct + "identifier"), lit(f"https://doi.org/{release.doi}")))
    if release.notes:
        triples.append(
            ox.Triple(
                me, n("http://www.w3.org/ns/adms#versionNotes"), lit(release.notes, language="en")
            )
        )
    for name, digest in sorted(release.files.items()):
        dist = n(f"{release.iri}/{name}")
        checksum = n(f"{release.iri}/{name}#sha256")
        triples += [
            ox.Triple(me, n(dcat + "distribution"), dist),
            ox.Triple(dist, rdf_type, n(dcat + "Distribution")),
            ox.Triple(dist, n(dct + "title"), lit(name)),
            ox.Triple(dist, n(dcat + "downloadURL"), dist),
            ox.Triple(dist, n(spdx + "checksum"), checksum),
            ox.Triple(checksum, rdf_type, n(spdx + "Checksum")),
            ox.Triple(checksum, n(spdx + "algorithm"), n(spdx + "checksumAlgorithm_sha256")),
            ox.Triple(
                checksum, n(spdx + "checksumValue"), lit(digest, datatype=n(xsd + "hexBinary"))
            ),
        ]
    triples.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    prefixes = {
        "dcat": dcat,
        "dcterms": dct,
        "spdx": spdx,
        "xsd": xsd,
        "adms": "http://www.w3.org/ns/adms#",
    }
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b""


def _yaml_string(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of YAML's)."""
    return json.dumps(text, ensure_ascii=False)


def citation_cff(release: Release) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for ``release``."""
    lines = [
        "# Written by `kg release`; the project's citation metadata is in",
        "# src/kg/build/release.py and src/kg/releases.py.",
        "cff-version: 1.2.0",
        f"message: {_yaml_string('If you use this dataset, please cite it as below.')}",
        "type: dataset",
        f"title: {_yaml_string(TITLE)}",
        "authors:",
        f"  - name: {_yaml_string(CREATOR)}",
        f"version: {_yaml_string(release.version)}",
        f"date-released: {_yaml_string(release.date)}",
        f"license: {LICENSE}",
        f"abstract: {_yaml_string(DESCRIPTION)}",
        "keywords:",
        *(f"  - {_yaml_string(k)}" for k in KEYWORDS),
        f"url: {_yaml_string(release.iri)}",
    ]
    if release.doi:
        lines.append(f"doi: {_yaml_string(release.doi)}")
    return "\n".join(lines) + "\n"


def zenodo(release: Release) -> dict:
    """``.zenodo.json``: the metadata Zenodo takes from a repository release."""
    document: dict = {
        "title": TITLE,
        "upload_type": "dataset",
        "description": DESCRIPTION,
        "creators": [{"name": CREATOR}],
        "license": {"id": LICENSE},
        "version": release.version,
        "publication_date": release.date,
        "keywords": list(KEYWORDS),
        "related_identifiers": [
            {"identifier": release.iri, "relation": "isIdenticalTo", "scheme": "url"}
        ],
    }
    if release.previous:
        document["related_identifiers"].append(
            {
                "identifier": f"{DATASET}/{release.previous}",
                "relation": "isNewVersionOf",
                "scheme": "url",
            }
        )
    return document
