"""Problems found while building: what is wrong, where, so a person can fix it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.namespaces import compact


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the inputs.

    ``file`` is relative to the project home where possible; ``subject`` is the IRI
    of the resource at fault, if there is one.
    """

    step: str
    file: str
    subject: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file or "-"
        who = compact(self.subject) if self.subject else ""
        head = f"{where}: {who}" if who else where
        return f"[{self.step}] {head}: {self.message}"


def relative(path: Path, home: Path) -> str:
    try:
        return str(path.resolve().relative_to(home))
    except ValueError:
        return str(path)
