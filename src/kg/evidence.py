"""Check that every evidence quote occurs, character for character, in its article."""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph

from kg.namespaces import LGDE, OA, SCHEMA
from kg.problems import Problem


def check_evidence(data: Graph, file_of: Callable[[object], str]) -> list[Problem]:
    """One problem per evidence annotation whose ``oa:exact`` is not in its source's text.

    ``file_of`` maps a node to the source file that describes it; each annotation is
    reported against the resource it supports.
    """
    problems: list[Problem] = []
    texts = {article: str(text) for article, text in data.subject_objects(SCHEMA.text)}
    for owner, annotation in sorted(data.subject_objects(LGDE.evidence)):
        source = data.value(annotation, OA.hasSource)
        where = file_of(owner)
        if source is None:
            problems.append(Problem("evidence", where, str(owner), "evidence has no oa:hasSource"))
            continue
        text = texts.get(source)
        if text is None:
            problems.append(
                Problem("evidence", where, str(owner), f"evidence source <{source}> has no text")
            )
            continue
        selectors = list(data.objects(annotation, OA.hasSelector))
        if not selectors:
            problems.append(Problem("evidence", where, str(owner), "evidence has no selector"))
        for selector in selectors:
            for exact in data.objects(selector, OA.exact):
                if str(exact) not in text:
                    problems.append(
                        Problem(
                            "evidence",
                            where,
                            str(owner),
                            f"quote not found verbatim in <{source}>: {_clip(str(exact))!r}"
                            + _hint(str(exact), text),
                        )
                    )
    return problems


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hint(exact: str, text: str) -> str:
    """Say where the quote stops matching, which is usually the thing to fix."""
    longest = 0
    for end in range(len(exact), 0, -1):
        if exact[:end] in text:
            longest = end
            break
    if longest == 0:
        return " (not even its first character matches)"
    wrong = exact[longest : longest + 20]
    return f" (the first {longest} characters match; from there {wrong!r} does not)"
