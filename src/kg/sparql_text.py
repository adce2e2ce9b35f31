"""Just enough lexical analysis of SPARQL text to route a request before running it.

The endpoint needs to know, before evaluation, whether a request is a query or an
update, which query form it is (to negotiate a result format) and whether it uses
SERVICE (which would make the engine fetch other hosts). Strings, IRIs and comments
are blanked out first, so keywords inside them do not count. Anything this lexer
gets wrong is caught by the real parser, which runs next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STRINGS_IRIS_COMMENTS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>"
    r"|#[^\n]*",
)
_PROLOGUE = re.compile(r"(?i)\s*(?:BASE\s*|PREFIX\s+[^\s:]*:\s*)")
_WORD = re.compile(r"(?<![?$:@\w-])[A-Za-z_][A-Za-z0-9_]*")
# SERVICE SILENT? VarOrIri: the keyword, then an IRI, a variable or a prefixed name.
_SERVICE = re.compile(
    r"(?i)(?<![?$:@\w-])SERVICE(?![\w:-])(?=\s*(?:SILENT\b|<|\?|\$|[A-Za-z_][\w.-]*:|:))"
)

_FROM = re.compile(r"(?i)(?<![?$:@\w-])FROM(?![\w:-])(?=\s*(?:NAMED\b|<|[A-Za-z_][\w.-]*:|:))")

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_WORDS = (
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
)


@dataclass(frozen=True)
class Shape:
    """What the text looks like: its form, and whether it reaches out to other hosts."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None if not a query
    is_update: bool
    uses_service: bool
    declares_dataset: bool  # FROM or FROM NAMED


def _blank(match: re.Match[str]) -> str:
    text = match.group(0)
    # Keep IRIs as a token (so "PREFIX x: <...>" stays well-formed), drop the rest.
    return " <> " if text.startswith("<") else " "


def shape(text: str) -> Shape:
    """Classify SPARQL ``text`` without parsing it fully."""
    bare = _STRINGS_IRIS_COMMENTS.sub(_blank, text)
    words = [w.upper() for w in _WORD.findall(bare)]
    # Skip the prologue: BASE <> and PREFIX p: <>.
    form = None
    is_update = False
    for word in words:
        if word in ("BASE", "PREFIX"):
            continue
        if word in QUERY_FORMS:
            form = word
            break
        if word in UPDATE_WORDS:
            is_update = True
            break
    return Shape(
        form=form,
        is_update=is_update,
        uses_service=bool(_SERVICE.search(bare)),
        declares_dataset=bool(_FROM.search(bare)),
    )
