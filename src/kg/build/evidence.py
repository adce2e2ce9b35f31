"""Check that every evidence quote occurs, character for character, once, in its article,
and find where.

A quote that occurs more than once in its article says which occurrence it means with
``oa:prefix`` and/or ``oa:suffix`` (the text just before or after it), as the Web
Annotation model's TextQuoteSelector allows; one that still matches more than once is
refused. Positions count Unicode code points of the article text as stored (Python
string indices), the unit of the Web Annotation TextPositionSelector.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox

from kg.build.data_store import DataStore
from kg.build.problems import Problem
from kg.build.vocabulary import LGDE, OA, SCHEMA

_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_COUNT = ox.NamedNode("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")


@dataclass(frozen=True)
class Position:
    """Where one evidence annotation's quote is in its article: ``text[start:end]``."""

    annotation: str
    start: int
    end: int

    def triples(self) -> list[ox.Triple]:
        """A TextPositionSelector for the annotation, named after it."""
        annotation = ox.NamedNode(self.annotation)
        selector = ox.NamedNode(self.annotation + "/position")
        return [
            ox.Triple(annotation, ox.NamedNode(str(OA.hasSelector)), selector),
            ox.Triple(selector, _RDF_TYPE, ox.NamedNode(str(OA.TextPositionSelector))),
            ox.Triple(
                selector, ox.NamedNode(str(OA.start)), ox.Literal(str(self.start), datatype=_COUNT)
            ),
            ox.Triple(
                selector, ox.NamedNode(str(OA.end)), ox.Literal(str(self.end), datatype=_COUNT)
            ),
        ]


def occurrences(text: str, exact: str, prefix: str = "", suffix: str = "") -> list[int]:
    """Where ``exact`` starts in ``text``, each time with that prefix before and suffix after.

    >>> occurrences("a cat, a cat", "cat")
    [2, 9]
    >>> occurrences("a cat, a cat", "cat", prefix=", a ")
    [9]
    >>> occurrences("a cat, a cat", "cat", suffix=",")
    [2]
    >>> occurrences("猫, 猫", "猫", prefix=", ")  # code points, not bytes
    [3]
    """
    found = []
    at = text.find(exact)
    while at != -1:
        end = at + len(exact)
        if (
            text[max(0, at - len(prefix)) : at] == prefix
            and text[end : end + len(suffix)] == suffix
        ):
            found.append(at)
        at = text.find(exact, at + 1)
    return found


def check_evidence(data: DataStore, file_of: Callable[[object], str]) -> list[Problem]:
    """One problem per evidence annotation whose quote is not once in its source's text."""
    return locate_evidence(data, file_of)[0]


def locate_evidence(
    data: DataStore, file_of: Callable[[object], str]
) -> tuple[list[Problem], list[Position]]:
    """Problems with the evidence, and where each quote is in its article.

    A problem is an ``oa:exact`` not in its source's text, or in it more than once with
    no ``oa:prefix``/``oa:suffix`` that tells the occurrences apart. ``file_of`` maps a
    node to the source file that describes it; each annotation is reported against the
    resource it supports.
    """
    problems: list[Problem] = []
    positions: list[Position] = []
    texts = {
        row["article"]: row["text"].value
        for row in data.query(f"SELECT ?article ?text WHERE {{ ?article <{SCHEMA.text}> ?text }}")
    }
    rows = data.query(
        f"""SELECT ?owner ?annotation ?source ?selector ?exact ?prefix ?suffix WHERE {{
            ?owner <{LGDE.evidence}> ?annotation .
            OPTIONAL {{ ?annotation <{OA.hasSource}> ?source }}
            OPTIONAL {{
                ?annotation <{OA.hasSelector}> ?selector .
                OPTIONAL {{ ?selector <{OA.exact}> ?exact }}
                OPTIONAL {{ ?selector <{OA.prefix}> ?prefix }}
                OPTIONAL {{ ?selector <{OA.suffix}> ?suffix }}
            }}
        }} ORDER BY ?owner ?annotation ?source ?selector ?exact"""
    )
    done = set()  # (owner, annotation) already found to lack a source, text or selector
    located = set()  # annotations already located (one supports several owners)
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
            if exact is None:
                continue  # SHACL reports a selector without oa:exact
            if exact.value not in text:
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
            prefix, suffix = (
                row[k].value if row[k] is not None else "" for k in ("prefix", "suffix")
            )
            starts = occurrences(text, exact.value, prefix, suffix)
            if len(starts) == 1:
                if isinstance(annotation, ox.NamedNode) and annotation not in located:
                    located.add(annotation)
                    positions.append(
                        Position(annotation.value, starts[0], starts[0] + len(exact.value))
                    )
                continue
            told = " with its oa:prefix and oa:suffix" if prefix or suffix else ""
            message = (
                f"quote occurs {len(starts) or 'no'} times{told} in <{source.value}>"
                + (f", at code points {', '.join(map(str, starts))}" if starts else "")
                + f": {_clip(exact.value)!r}; add oa:prefix or oa:suffix (the text just before "
                "or after it) to say which"
            )
            problems.append(Problem("evidence", where, subject, message))
            continue
        done.add((owner, annotation))
        problems.append(Problem("evidence", where, subject, message))
    return problems, positions


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
