"""A damaged build, a missing store or a full disk: a message that says what is wrong and
what to do, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import HOME

KG = str(Path(sys.executable).with_name("kg"))


@pytest.fixture
def build_copy(build, tmp_path) -> Path:
    """A copy of the session's build, made current in a build root of its own."""
    root = tmp_path / "var"
    folder = root / "builds" / build.path.name
    shutil.copytree(build.path, folder)
    (root / "current").symlink_to(folder)
    return folder


def _kg(build_root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KG_BUILD_DIR=str(build_root))
    return subprocess.run(
        [KG, "--home", str(HOME), *args], env=env, capture_output=True, text=True, timeout=120
    )


def _damage_store(folder: Path) -> None:
    for path in (folder / "store").iterdir():
        if path.is_file():
            path.write_bytes(b"\0" * 64)


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda folder: shutil.rmtree(folder / "store"), "store/ folder is missing"),
        (lambda folder: (folder / "manifest.json").write_text("{not json"), "manifest.json"),
        (lambda folder: (folder / "manifest.json").unlink(), "manifest.json"),
        (_damage_store, "store/ cannot be opened"),
    ],
    ids=["store missing", "manifest garbled", "manifest missing", "store garbled"],
)
@pytest.mark.parametrize("command", [["query", "ASK { ?s ?p ?o }"], ["stats"], ["serve"]])
def test_a_damaged_build_is_named_with_what_to_do(build_copy, damage, says, command) -> None:
    damage(build_copy)
    ran = _kg(build_copy.parents[1], *command)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "is damaged" in ran.stderr and says in ran.stderr and "kg build" in ran.stderr
    assert "Traceback" not in ran.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_said_plainly(build_copy) -> None:
    # /dev/full answers every write with ENOSPC, as a full disk does.
    ran = _kg(build_copy.parents[1], "export", "--format", "ntriples", "-o", "/dev/full")
    assert ran.returncode == 1
    assert "disk is full" in ran.stderr and "Traceback" not in ran.stderr
