"""Check that every evidence quote occurs, character for character, in its article."""

from __future__ import annotations

from collections.abc import Callable

from kg.build.data_store import DataStore
from kg.build.problems import Problem
from kg.build.vocabulary import LGDE, OA, SCHEMA


def check_evidence(data: DataStore, file_of: Callable[[object], str]) -> list[Problem]:
    """One problem per evidence annotation whose ``oa:exact`` is not in its source's text.

    ``file_of`` maps a node to the source file that describes it; each annotation is
    reported against the resource it supports.
    """
    problems: list[Problem] = []
    texts = {
        row["article"]: row["text"].value
        for row in data.query(f"SELECT ?article ?text WHERE {{ ?article <{SCHEMA.text}> ?text }}")
    }
    rows = data.query(
        f"""SELECT ?owner ?annotation ?source ?selector ?exact WHERE {{
            ?owner <{LGDE.evidence}> ?annotation .
            OPTIONAL {{ ?annotation <{OA.hasSource}> ?source }}
            OPTIONAL {{
                ?annotation <{OA.hasSelector}> ?selector .
                OPTIONAL {{ ?selector <{OA.exact}> ?exact }}
            }}
        }} ORDER BY ?owner ?annotation ?source ?selector ?exact"""
    )
    done = set()  # (owner, annotation) already found to lack a source, text or selector
    for row in rows:
        owner, annotation, source = row["owner"], row["annotation"], row["source"]
        if (owner, annotation) in done:
            continue
        where, subject = file_of(owner), owner.value
        text = texts.get(source) if source is not None else None
        if source is None:
            message = "evidence has no oa:hasSource"
        elif text is None:
            message = f"evidence source <{source.value}> has no text"
        elif row["selector"] is None:
            message = "evidence has no selector"
        else:
            exact = row["exact"]
            if exact is not None and exact.value not in text:
                problems.append(
                    Problem(
                        "evidence",
                        where,
                        subject,
                        f"quote not found verbatim in <{source.value}>: {_clip(exact.value)!r}"
                        + _hint(exact.value, text),
                    )
                )
            continue
        done.add((owner, annotation))
        problems.append(Problem("evidence", where, subject, message))
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
