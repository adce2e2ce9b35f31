"""How ``kg serve`` preloads jemalloc: the environment it restarts with, and the check."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kg.serve import allocator
from kg.serve.allocator import allocator_in_use, preload_environment
from kg.serve.settings import Settings


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "libjemalloc.so.2"),
        ("", "libjemalloc.so.2"),
        ("libfoo.so", "libjemalloc.so.2:libfoo.so"),
        ("libfoo.so libbar.so", "libjemalloc.so.2:libfoo.so:libbar.so"),
    ],
)
def test_jemalloc_goes_first_and_other_preloads_stay(before: str | None, after: str) -> None:
    environ = {"PATH": "/bin"} | ({} if before is None else {"LD_PRELOAD": before})
    changed = preload_environment(environ, "libjemalloc.so.2")
    assert changed == {"PATH": "/bin", "LD_PRELOAD": after}
    assert environ.get("LD_PRELOAD") == before  # the caller's mapping is left alone


@pytest.mark.parametrize(
    "preloaded",
    ["libjemalloc.so.2", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "a.so:libjemalloc.so.2"],
)
def test_a_process_with_jemalloc_preloaded_is_not_restarted(preloaded: str) -> None:
    assert preload_environment({"LD_PRELOAD": preloaded}, "libjemalloc.so.2") is None


def test_the_allocator_is_read_from_the_process_memory_map(tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    maps.write_text("7f00-7f01 r-xp 0 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n")
    assert allocator_in_use(maps) == "system"
    maps.write_text(maps.read_text() + "7f02-7f03 r-xp 0 08:01 2 /usr/lib/libjemalloc.so.2\n")
    assert allocator_in_use(maps) == "jemalloc"
    assert allocator_in_use(tmp_path / "missing") == "system"


def test_no_restart_off_linux_or_without_jemalloc(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*arguments: object) -> None:
        raise AssertionError("restarted")

    monkeypatch.setattr(allocator.os, "execve", refuse)
    monkeypatch.setattr(allocator.sys, "platform", "darwin")
    assert allocator.jemalloc_library() is None
    allocator.restart_with_jemalloc()  # returns: nothing to preload
    monkeypatch.setattr(allocator.sys, "platform", "linux")
    monkeypatch.setattr(allocator.ctypes.util, "find_library", lambda name: None)
    allocator.restart_with_jemalloc()


def test_the_restart_keeps_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(allocator.os, "execve", lambda *arguments: calls.append(arguments))
    monkeypatch.setattr(allocator.ctypes.util, "find_library", lambda name: "libjemalloc.so.2")
    monkeypatch.setattr(allocator.sys, "platform", "linux")
    monkeypatch.setattr(allocator.sys, "orig_argv", ["python3", "kg", "serve", "--port", "1"])
    monkeypatch.setattr(allocator.os, "environ", {"HOME": "/home/a"})
    allocator.restart_with_jemalloc()
    [(executable, argv, environ)] = calls
    assert executable == sys.executable
    assert argv == ["python3", "kg", "serve", "--port", "1"]
    assert environ == {"HOME": "/home/a", "LD_PRELOAD": "libjemalloc.so.2"}


@pytest.mark.parametrize("value", ["2", "-1", "0.5"])
def test_the_jemalloc_setting_is_a_switch(value: str) -> None:
    with pytest.raises(ValueError, match="jemalloc"):
        Settings().with_values({"jemalloc": value})
    assert Settings().with_values({"jemalloc": "0"}).jemalloc == 0
