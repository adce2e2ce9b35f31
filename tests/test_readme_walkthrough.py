"""The README's walkthrough of adding an article, run as written, in a copy of the
project: its commands, then the query it sends to the endpoint of ``kg serve``."""

from __future__ import annotations

import csv
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.layout import Layout

from .conftest import HOME, _free_port, wait_until

pytestmark = pytest.mark.slow


def walkthrough_commands() -> list[list[str]]:
    """The command lines of the walkthrough's shell blocks, continuations joined."""
    readme = (HOME / "README.md").read_text(encoding="utf-8")
    part = readme.split("<!-- walkthrough: begin -->", 1)[1].split("<!-- walkthrough: end -->")[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", part, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(words)
    return commands


def test_the_walkthrough_has_the_steps_the_readme_describes() -> None:
    programs = [" ".join(c[:2]) for c in walkthrough_commands()]
    assert programs == [
        "kg add-article",
        "kg suggest",
        "kg suggest",
        "kg check",
        "kg review",
        "kg build",
        "curl -s",
    ]


def test_adding_an_article_as_the_readme_says(project_copy: Layout) -> None:
    home = project_copy.home
    shutil.copytree(HOME / "docs" / "walkthrough", home / "docs" / "walkthrough")
    env = dict(os.environ, KG_HOME=str(home), KG_BUILD_DIR=str(project_copy.build_root))
    kg = str(Path(sys.executable).with_name("kg"))
    server = None
    try:
        for words in walkthrough_commands():
            if words[0] == "kg":
                done = subprocess.run(
                    [kg, *words[1:]], cwd=home, env=env, capture_output=True, text=True
                )
                assert done.returncode == 0, (words, done.stdout, done.stderr)
                if words[1] == "add-article":
                    assert done.stdout.strip() == "https://w3id.org/lgde/id/article/005"
                continue
            # Step 6: the server the README starts in another terminal, then its request.
            assert words[0] == "curl"
            port = _free_port()
            server = subprocess.Popen(
                [kg, "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _wait_for(server, port)
            rows = list(csv.DictReader(io.StringIO(_as_curl_would(words, port))))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    facts = {row["fact"]: row["label"] for row in rows}
    assert set(facts) == {
        "https://w3id.org/lgde/id/target/hubei-smart-factories-2025-a005",
        "https://w3id.org/lgde/id/observation/hubei-gdp-2024-a005",
    }
    assert not any("not reviewed" in label for label in facts.values())
    assert facts["https://w3id.org/lgde/id/observation/hubei-gdp-2024-a005"].startswith("Hubei")


def _wait_for(server: subprocess.Popen, port: int) -> None:
    def ready() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return True
        except OSError:
            return server.poll() is not None

    wait_until(ready, what="kg serve to answer")
    assert server.poll() is None, "kg serve stopped"


def _as_curl_would(words: list[str], port: int) -> str:
    """The request a ``curl -s URL -H … --data-urlencode …`` line sends, to ``port``."""
    url, headers, fields = "", {}, []
    rest = iter(words[1:])
    for word in rest:
        if word == "-s":
            continue
        if word == "-H":
            key, value = next(rest).split(":", 1)
            headers[key.strip()] = value.strip()
        elif word == "--data-urlencode":
            key, value = next(rest).split("=", 1)
            fields.append((key, value))
        else:
            url = word.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
    assert url and fields, words
    body = urllib.parse.urlencode(fields).encode()
    headers["Content-Type"] = "application/x-www-form-urlencoded"

    request = urllib.request.Request(url, data=body, headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read().decode("utf-8")
