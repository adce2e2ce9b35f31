"""Read a SPARQL request's text into tokens, as the SPARQL 1.1 grammar defines them.

The endpoint decides before evaluation whether a request is a query or an update,
which query form it is, whether it names other hosts (``SERVICE``), whether it
declares its own dataset (``FROM``) and how deeply it nests. All of these are
keywords and brackets, and in SPARQL a keyword or a bracket is whatever is left once
the text is cut into its terminals (SPARQL 1.1 Query, section 19.8): a bare word
``SERVICE`` can only be the keyword, never part of a name, because names carry a
``:``, ``?``, ``$`` or ``_:`` that a word does not. So what decides safety is cutting
the text exactly where the engine does: where a comment ends (at a carriage return as
much as at a line feed), which characters an IRI may hold (any but ``<>"{}|^`\\`` and
the controls and space, so a no-break space or U+3000 does not end it), how a
prefixed name's local part runs (``ex:a\\#b`` is one name, not a name and a comment).

Two readings are made and a keyword found in either counts:

- the text as written, which is how the engine reads it;
- the text with its ``\\u`` and ``\\U`` escapes replaced first, as section 19.2 of the
  recommendation says they are, so that ``SERVI\\u0043E`` is the keyword whichever
  way an engine takes the rule.

A character that no terminal accepts is skipped, and reading goes on: such a query is
a syntax error for the engine, and skipping one character can never hide what follows.
``tests/test_sparql_lexer.py`` holds the outline to the engine's own reading of the
W3C syntax tests and to adversarial spellings; the query workers cannot open network
connections in any case (:mod:`kg.serve.isolation`), so a reading this module gets
wrong still reaches nothing.

>>> outline("PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:p ?o }").form
'SELECT'
>>> outline("SELECT * { #x\\rSERVICE <http://h/> { ?s ?p ?o } }").uses_service
True
>>> outline('SELECT * { ?s ?p "SERVICE <http://h/> {}" }').uses_service
False
>>> outline("INSERT DATA { <a> <b> <c> }").is_update
True
>>> outline("ASK { { { } } }").depth
3
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

# Terminals of SPARQL 1.1 (section 19.8), as regular expressions.
_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_HEX = "[0-9A-Fa-f]"
_UCHAR = rf"\\u{_HEX}{{4}}|\\U{_HEX}{{8}}"
_PLX = rf"%{_HEX}{_HEX}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (
    rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
    rf"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_VARNAME = rf"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_ECHAR = r"""\\[tbnrf\\"']"""
_WS = "\x20\x09\x0d\x0a"

_TOKEN = re.compile(
    rf"""
    (?P<space>[{_WS}]+)
    |(?P<comment>\#[^\r\n]*)
    |(?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*>)
    |(?P<string>
        '''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''
        |\"\"\"(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*\"\"\"
        |'(?:[^'\\\r\n]|{_ECHAR}|{_UCHAR})*'
        |"(?:[^"\\\r\n]|{_ECHAR}|{_UCHAR})*")
    |(?P<blank>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
    |(?P<name>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
    |(?P<var>[?$]{_VARNAME})
    |(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
    |(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<punct>\^\^|\|\||&&|!=|<=|>=|[{{}}()\[\].,;*/+\-|^!=<>?])
    """,
    re.VERBOSE,
)
_ESCAPE = re.compile(rf"\\u({_HEX}{{4}})|\\U({_HEX}{{8}})")

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# The words an update request can open with (after its prologue).
UPDATE_WORDS = frozenset(
    ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
)
_OPEN, _CLOSE = frozenset("({["), frozenset(")}]")


@dataclass(frozen=True)
class QueryOutline:
    """What a request's text is, read before it is run."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None if not a query
    is_update: bool  # an update request, or a query that holds an update keyword
    uses_service: bool  # the SERVICE keyword, anywhere
    declares_dataset: bool  # FROM or FROM NAMED
    depth: int  # the deepest nesting of brackets: ( { [
    tokens: int  # terminals, not counting white space and comments
    readable: bool  # every character belongs to a terminal


def tokens(text: str) -> Iterator[tuple[str, str]]:
    """The terminals of ``text`` as ``(kind, text)``; words are upper-cased.

    White space and comments are left out; a character no terminal accepts comes as
    ``("bad", character)``.

    >>> [kind for kind, _ in tokens("ASK{?s ex:p 'x'} #c")]
    ['word', 'punct', 'var', 'name', 'string', 'punct']
    """
    for kind, value, _ in spans(text):
        yield kind, value


def spans(text: str) -> Iterator[tuple[str, str, int]]:
    """The terminals of ``text`` as ``(kind, text, where it starts)``, as :func:`tokens`.

    >>> [(value, at) for _, value, at in spans("ASK { ?s }")]
    [('ASK', 0), ('{', 4), ('?s', 6), ('}', 9)]
    """
    position, end = 0, len(text)
    match_at = _TOKEN.match
    while position < end:
        found = match_at(text, position)
        if found is None:
            yield "bad", text[position], position
            position += 1
            continue
        start, position = position, found.end()
        kind = found.lastgroup or ""
        if kind in ("space", "comment"):
            continue
        value = found.group()
        yield kind, value.upper() if kind == "word" else value, start


def _unescaped(text: str) -> str:
    """``text`` with its ``\\u`` and ``\\U`` escapes replaced by the characters they name."""

    def replace(found: re.Match[str]) -> str:
        code = int(found.group(1) or found.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else ""

    return _ESCAPE.sub(replace, text)


def _read(text: str) -> QueryOutline:
    form, is_update, uses_service, declares_dataset = None, False, False, False
    depth = count = level = 0
    readable = True
    opening = True  # still before the first keyword that is not BASE or PREFIX
    for kind, value in tokens(text):
        count += 1
        if kind == "word":
            if opening and value not in ("BASE", "PREFIX"):
                opening = False
                if value in QUERY_FORMS:
                    form = value
            # None of these words has another use in SPARQL: wherever one stands,
            # the text is an update (or a syntax error) and is refused as one.
            if value in UPDATE_WORDS:
                is_update = True
            elif value == "SERVICE":
                uses_service = True
            elif value == "FROM":
                declares_dataset = True
        elif kind == "punct":
            if value in _OPEN:
                level += 1
                depth = max(depth, level)
            elif value in _CLOSE:
                level -= 1
        elif kind == "bad":
            readable = False
    return QueryOutline(form, is_update, uses_service, declares_dataset, depth, count, readable)


LONGEST_REMEMBERED = 16_384  # characters; longer texts are read each time, not kept


def outline(text: str) -> QueryOutline:
    """Read ``text`` as the engine does, and as the recommendation's escape rule does."""
    if len(text) > LONGEST_REMEMBERED:
        return _outline(text)
    return _outline_remembered(text)


def _outline(text: str) -> QueryOutline:
    written = _read(text)
    if "\\u" not in text and "\\U" not in text:
        return written
    decoded = _read(_unescaped(text))
    return QueryOutline(
        form=written.form or decoded.form,
        is_update=written.is_update or decoded.is_update,
        uses_service=written.uses_service or decoded.uses_service,
        declares_dataset=written.declares_dataset or decoded.declares_dataset,
        depth=max(written.depth, decoded.depth),
        tokens=max(written.tokens, decoded.tokens),
        readable=written.readable,
    )


# Tools send the same queries again and again; reading a stored query takes about as
# long as running a lookup. At most 1,024 texts of at most 16 kB are kept.
_outline_remembered = functools.lru_cache(maxsize=1_024)(_outline)
