"""A project to measure: the bundled one, or one generated at a given size, built."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
KG = str(Path(sys.executable).with_name("kg"))


def built_project(work: Path, triples: int) -> tuple[Path, dict[str, str]]:
    """The project's folder and the environment whose ``kg`` builds into ``work``: the
    bundled project for ``triples`` 0, else one ``bench/generate.py`` writes there."""
    home = HERE.parent
    if triples:
        home = work / "project"
        command = [sys.executable, str(HERE / "generate.py"), "--triples", str(triples)]
        subprocess.run([*command, "--out", str(home)], check=True, stdout=subprocess.DEVNULL)
    env = dict(os.environ, KG_BUILD_DIR=str(work / "var"))
    subprocess.run(
        [KG, "--home", str(home), "build", "-q"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return home, env
