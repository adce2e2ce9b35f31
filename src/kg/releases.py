"""Releases as the server and the bundles read them: ``releases/<version>/release.json``.

A release (made by ``kg release``, :mod:`kg.build.release`) freezes a build under a
version. It is recognised by the digest of the build's inputs: a build made from the
same sources is that release, whatever machine made it, so the server can say which
release it serves and a citation can name it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.namespaces import BASE

RELEASES_DIR = "releases"
RELEASE_FILE = "release.json"
DATASET = BASE + "dataset"
TITLE = "China Local Government Digital Economy knowledge graph"
CREATOR = "LGDE knowledge graph contributors"
_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$")


def version_key(version: str) -> tuple:
    """A version's place in order, by Semantic Versioning (a pre-release comes first).

    >>> sorted(["1.10.0", "1.2.0", "1.2.0-rc.1", "0.9.1"], key=version_key)
    ['0.9.1', '1.2.0-rc.1', '1.2.0', '1.10.0']
    >>> version_key("v1")
    Traceback (most recent call last):
    ValueError: 'v1' is not a version MAJOR.MINOR.PATCH (1.0.0, 1.1.0-rc.1)
    """
    match = _VERSION.match(version)
    if not match:
        raise ValueError(f"{version!r} is not a version MAJOR.MINOR.PATCH (1.0.0, 1.1.0-rc.1)")
    major, minor, patch, pre = match.groups()
    pre_key = (
        (0, tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")))
        if pre
        else (1, ())
    )
    return (int(major), int(minor), int(patch), pre_key)


def inputs_digest(manifest: dict) -> str:
    """The identity of a build: the SHA-256 of its inputs' digests (sources, ontology,
    shapes, texts), so two builds of the same sources are the same release.

    >>> one = inputs_digest({"inputs": {"a.ttl": "00", "b.ttl": "01"}})
    >>> one == inputs_digest({"inputs": {"b.ttl": "01", "a.ttl": "00"}})
    True
    >>> one == inputs_digest({"inputs": {"a.ttl": "00", "b.ttl": "02"}})
    False
    """
    text = json.dumps(manifest.get("inputs", {}), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Release:
    version: str
    date: str  # YYYY-MM-DD
    inputs: str  # inputs_digest of the build it froze
    previous: str | None = None
    doi: str | None = None
    notes: str = ""
    files: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows

    @property
    def iri(self) -> str:
        return f"{DATASET}/{self.version}"

    @property
    def year(self) -> str:
        return self.date[:4]

    def citation(self, url: str = "") -> str:
        """The reference a researcher cites.

        >>> r = Release("1.0.0", "2026-12-01", "00")
        >>> r.citation()  # doctest: +NORMALIZE_WHITESPACE
        'LGDE knowledge graph contributors (2026). China Local Government Digital Economy
        knowledge graph (Version 1.0.0) [Data set]. https://w3id.org/lgde/dataset/1.0.0'
        """
        where = f"https://doi.org/{self.doi}" if self.doi else url or self.iri
        return f"{CREATOR} ({self.year}). {TITLE} (Version {self.version}) [Data set]. {where}"

    def as_dict(self) -> dict:
        return {
            "version": self.version,
            "date": self.date,
            "inputs": self.inputs,
            "previous": self.previous,
            "doi": self.doi,
            "notes": self.notes,
            "iri": self.iri,
            "files": dict(sorted(self.files.items())),
            "tables": dict(sorted(self.tables.items())),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Release:
        return cls(
            version=data["version"],
            date=data["date"],
            inputs=data["inputs"],
            previous=data.get("previous"),
            doi=data.get("doi"),
            notes=data.get("notes", ""),
            files=dict(data.get("files", {})),
            tables=dict(data.get("tables", {})),
        )


def read_releases(home: Path) -> list[Release]:
    """The releases of the project at ``home``, oldest first."""
    folder = home / RELEASES_DIR
    found = []
    for path in folder.glob(f"*/{RELEASE_FILE}") if folder.is_dir() else ():
        try:
            found.append(Release.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError):
            continue  # a damaged release file is not a release
    return sorted(found, key=lambda r: version_key(r.version))


def release_of(home: Path, manifest: dict) -> Release | None:
    """The release a build is (made from the same inputs), if any."""
    digest = inputs_digest(manifest)
    return next((r for r in reversed(read_releases(home)) if r.inputs == digest), None)
