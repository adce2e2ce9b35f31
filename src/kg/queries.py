"""Stored SPARQL queries: a header that documents them, and typed parameters.

A stored query is a ``.rq`` file whose leading comment lines starting with ``#+``
say what it is::

    #+ title: Regions naming a sector
    #+ description: Regions whose targets, plans or claims name a sector,
    #+   with the fact and its source.
    #+ param: sector iri = sector:metaverse  The sector (a sector IRI or prefixed name).

A parameter is a variable of the query. Left unbound, the query runs as written
(usually: for every value); bound, the variable is replaced by an RDF term before
evaluation (pyoxigraph ``substitutions``), never by editing the query text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from kg.namespaces import PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"
TYPES = ("iri", "string", "integer", "decimal", "year", "date", "boolean")
MAX_DIGITS = 30  # of an integer parameter: more than any count or amount in this graph

_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z]+)"
    r"(?:\s*=\s*(?P<default>\S+))?(?:\s+(?P<description>.*))?$"
)


class ParameterError(ValueError):
    """A parameter value that cannot be bound; says which parameter and why."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"parameter '{name}': {reason}")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    description: str

    def term(self, value: str) -> ox.NamedNode | ox.Literal:
        """The RDF term for ``value``, or :class:`ParameterError`.

        Values are checked against the lexical space of their XSD type, so that no
        literal the engine would find ill-typed is ever bound.

        >>> Parameter("n", "integer", None, "").term("+007").value
        '7'
        >>> Parameter("n", "integer", None, "").term("9" * 5000)
        Traceback (most recent call last):
        ...
        kg.queries.ParameterError: parameter 'n': an integer of 5000 digits; at most 30 are taken
        >>> Parameter("x", "decimal", None, "").term("NaN")
        Traceback (most recent call last):
        ...
        kg.queries.ParameterError: parameter 'x': 'NaN' is not a decimal number (like 12.5)
        >>> Parameter("r", "iri", None, "").term("http://example.org/a\\nb")
        Traceback (most recent call last):
        ...
        kg.queries.ParameterError: parameter 'r': 'http://example.org/a\\nb' is not a valid IRI
        """
        value = value.strip()
        if self.type == "iri":
            iri = _expand_iri(self.name, value)
            try:
                return ox.NamedNode(iri)
            except ValueError:  # the engine's own IRI grammar decides
                raise ParameterError(self.name, f"{_shown(value)} is not a valid IRI") from None
        if self.type == "string":
            return ox.Literal(value)
        if self.type == "integer":
            match = re.fullmatch(r"([+-]?)([0-9]+)", value)
            if not match:
                raise ParameterError(self.name, f"{_shown(value)} is not an integer")
            sign, digits = match.groups()
            digits = digits.lstrip("0") or "0"
            if len(digits) > MAX_DIGITS:
                raise ParameterError(
                    self.name,
                    f"an integer of {len(digits)} digits; at most {MAX_DIGITS} are taken",
                )
            number = ("-" if sign == "-" and digits != "0" else "") + digits
            return ox.Literal(number, datatype=ox.NamedNode(XSD + "integer"))
        if self.type == "decimal":
            # xsd:decimal: digits with an optional point; no exponent, NaN or infinity.
            if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", value):
                raise ParameterError(
                    self.name, f"{_shown(value)} is not a decimal number (like 12.5)"
                )
            if len(value) > 2 * MAX_DIGITS:
                raise ParameterError(
                    self.name, f"a number of {len(value)} characters; at most {2 * MAX_DIGITS}"
                )
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))
        if self.type == "year":
            if not re.fullmatch(r"[0-9]{4}", value):
                raise ParameterError(self.name, f"{_shown(value)} is not a four-digit year")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "gYear"))
        if self.type == "date":
            try:
                if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                    raise ValueError(value)
                date.fromisoformat(value)
            except ValueError:
                raise ParameterError(
                    self.name, f"{_shown(value)} is not a date (YYYY-MM-DD)"
                ) from None
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
        if self.type == "boolean":
            if value not in ("true", "false"):
                raise ParameterError(self.name, f"{_shown(value)} is not true or false")
            return ox.Literal(value, datatype=ox.NamedNode(XSD + "boolean"))
        raise ParameterError(self.name, f"unknown type {self.type!r}")


def _shown(value: str) -> str:
    """``value`` for a message: quoted, and cut if long."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _expand_iri(name: str, value: str) -> str:
    if value.startswith("<") and value.endswith(">"):
        value = value[1:-1]
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
        return value  # checked by the engine's IRI grammar (Parameter.term)
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and re.fullmatch(r"[A-Za-z0-9_.\-]*", local):
        return PREFIXES[prefix] + local
    raise ParameterError(
        name, f"{_shown(value)} is neither an absolute IRI nor a prefixed name with a known prefix"
    )


@dataclass(frozen=True)
class StoredQuery:
    name: str
    title: str
    description: str
    text: str
    parameters: tuple[Parameter, ...] = field(default=())

    def summary(self) -> dict:
        """Name, title, description and parameters, as the API and the query page show them."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parameters": [
                {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
                for p in self.parameters
            ],
        }

    def arguments(self, given: Mapping[str, str]) -> dict[str, str]:
        """The values among ``given`` (a request's arguments) that name a parameter."""
        known = {p.name for p in self.parameters}
        return {name: value for name, value in given.items() if name in known}

    def substitutions(
        self, values: dict[str, str] | None = None, *, defaults: bool = True
    ) -> dict[ox.Variable, ox.NamedNode | ox.Literal]:
        """RDF terms for the given values, falling back to declared defaults."""
        values = dict(values or {})
        known = {p.name for p in self.parameters}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(
                unknown[0],
                f"unknown parameter; this query takes {', '.join(sorted(known)) or 'none'}",
            )
        result = {}
        for parameter in self.parameters:
            value = values.get(parameter.name)
            if value is None and defaults:
                value = parameter.default
            if value is not None and value != "":
                result[ox.Variable(parameter.name)] = parameter.term(value)
        return result


def parse_stored_query(path: Path) -> StoredQuery:
    """Read a ``.rq`` file and its ``#+`` header."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[str] = []
    last: str | None = None
    for line in text.splitlines():
        if not line.startswith("#+"):
            if line.strip() and not line.startswith("#"):
                break
            continue
        content = line[2:]
        if content.startswith("   ") and last is not None:  # continuation line
            if last == "param":
                params[-1] += " " + content.strip()
            else:
                fields[last] += " " + content.strip()
            continue
        key, _, value = content.strip().partition(":")
        key = key.strip().lower()
        last = key
        if key == "param":
            params.append(value.strip())
        else:
            fields[key] = value.strip()
    parameters = []
    for spec in params:
        match = _PARAM.match(spec)
        if not match or match["type"] not in TYPES:
            raise ValueError(f"{path.name}: cannot read parameter declaration {spec!r}")
        parameters.append(
            Parameter(
                match["name"], match["type"], match["default"], (match["description"] or "").strip()
            )
        )
    return StoredQuery(
        path.stem,
        fields.get("title", path.stem),
        fields.get("description", ""),
        text,
        tuple(parameters),
    )


def stored_queries(folder: Path) -> dict[str, StoredQuery]:
    """Every ``*.rq`` file in ``folder``, by name."""
    return {q.name: q for q in map(parse_stored_query, sorted(folder.glob("*.rq")))}
