"""Reviewing a draft: accept, or reject, each suggested fact of an article's file.

Accepting a fact drops its two review marks and moves it out of the draft section,
above it, where ``kg suggest --write`` never writes. Rejecting one deletes it and
leaves a comment in the reviewed part, which later drafts respect: a rejected
suggestion is not proposed again. Every change names the version of the file it was
made on (its SHA-256); if the file has changed since, the change is refused and
nothing is lost: two people reviewing one article are told, not overwritten.

The fields a form offers for each kind of fact come from the SHACL shapes
(:func:`form_fields`), so the form and the checks say the same.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from kg.authoring.draft import BEGIN, END
from kg.authoring.turtle import literal, name
from kg.namespaces import expand

REVIEW_MARKS = re.compile(r"^    lgde:(reviewStatus|confidence) [^\n]*\n", re.M)
REJECTED = "# Rejected suggestion: "


class ReviewError(ValueError):
    """The change cannot be made; the message says why."""


class StaleFile(ReviewError):
    """The file changed since it was read: reload it and review again."""


@dataclass(frozen=True)
class Drafted:
    """One suggested fact of the draft section."""

    iri: str
    block: str

    @property
    def kind(self) -> str:
        match = re.search(r" a (lgde:\w+) ;", self.block)
        return match.group(1) if match else "lgde:Mention"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _split(text: str) -> tuple[str, str, str]:
    """(reviewed part, draft section body, what follows it)."""
    if BEGIN not in text or END not in text:
        return text, "", ""
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    return head, body, tail


def drafted(text: str) -> list[Drafted]:
    """The suggested facts of ``text``'s draft section, in order."""
    _, body, _ = _split(text)
    out = []
    for block in re.split(r"\n\s*\n", body):
        block = block.strip("\n")
        if not block or block.lstrip().startswith("#"):
            continue
        subject = block.split(None, 1)[0]
        out.append(Drafted(subject, block + "\n"))
    return out


def _find(text: str, iri: str) -> Drafted:
    wanted = {iri, name(iri)}
    for fact in drafted(text):
        if fact.iri in wanted:
            return fact
    raise ReviewError(f"{iri} is not among the draft's suggestions")


def accept(text: str, iri: str) -> str:
    """``text`` with the suggestion ``iri`` reviewed: unmarked, above the draft."""
    fact = _find(text, iri)
    head, body, tail = _split(text)
    reviewed = REVIEW_MARKS.sub("", fact.block)
    body = body.replace(fact.block, "", 1)
    head = head.rstrip("\n") + "\n\n" + reviewed + "\n"
    return head + BEGIN + _tidy(body) + END + tail


def reject(text: str, iri: str) -> str:
    """``text`` without the suggestion ``iri``, with a comment saying it was rejected."""
    fact = _find(text, iri)
    head, body, tail = _split(text)
    body = body.replace(fact.block, "", 1)
    quote = re.search(r'oa:exact "((?:[^"\\]|\\.)*)"', fact.block)  # as written, escaped
    value = re.search(r"sdmx-measure:obsValue (\S+) ;", fact.block)
    amount = value.group(1) if value else "-"
    words = quote.group(1) if quote else ""
    note = f'{REJECTED}{fact.kind} {amount} "{words}"'
    head = head.rstrip("\n") + "\n\n" + note.rstrip() + "\n\n"
    return head + BEGIN + _tidy(body) + END + tail


def rejections(text: str) -> set[tuple[str, str, str]]:
    """(kind, value, quote) of each suggestion rejected in ``text``."""
    out = set()
    for line in text.splitlines():
        if line.startswith(REJECTED):
            match = re.match(rf'{re.escape(REJECTED)}(\S+) (\S+) "(.*)"$', line)
            if match:
                out.add((match.group(1), match.group(2), match.group(3)))
    return out


def _tidy(body: str) -> str:
    return "\n" + re.sub(r"\n{3,}", "\n\n", body.strip("\n")) + ("\n\n" if body.strip() else "\n")


def save(path: Path, expected: str, change) -> str:
    """Apply ``change`` (text → text) to the file, if it is still version ``expected``.

    Returns the new version's digest. The new text must parse as Turtle.
    """
    before = path.read_text(encoding="utf-8")
    if digest(before) != expected:
        raise StaleFile(
            f"{path.name} has changed since it was read (someone else saved it): reload "
            "it; nothing was written"
        )
    after = change(before)
    try:
        Graph().parse(data=after, format="turtle")
    except Exception as error:  # rdflib raises several kinds for bad Turtle
        raise ReviewError(f"the change would not be valid Turtle: {error}") from None
    temporary = path.with_name(f".{path.name}.review")
    temporary.write_text(after, encoding="utf-8")
    os.replace(temporary, path)
    return digest(after)


@dataclass(frozen=True)
class Field:
    """One property a form for a kind of fact asks for, as the shapes define it."""

    path: str
    required: bool
    many: bool
    datatype: str | None
    cls: str | None
    allowed: tuple[str, ...]
    message: str
    language: str | None = None


def form_fields(shapes: Graph, target_class: str) -> list[Field]:
    """The property shapes of the node shapes that target ``target_class``; a property
    a shape forbids (``sh:maxCount 0``) is not offered."""
    fields: dict[str, Field] = {}
    forbidden: set[str] = set()
    for shape in shapes.subjects(SH.targetClass, URIRef(target_class)):
        for prop in shapes.objects(shape, SH.property):
            path = shapes.value(prop, SH.path)
            if not isinstance(path, URIRef):
                continue
            allowed: tuple[str, ...] = ()
            values = shapes.value(prop, SH["in"])
            if values is not None:
                allowed = tuple(str(v) for v in Collection(shapes, values))
            languages = shapes.value(prop, SH.languageIn)
            language = (
                str(next(iter(Collection(shapes, languages)), "")) or None
                if languages is not None
                else None
            )
            minimum = shapes.value(prop, SH.minCount)
            maximum = shapes.value(prop, SH.maxCount)
            if maximum is not None and int(str(maximum)) == 0:
                forbidden.add(str(path))
                continue
            field = Field(
                str(path),
                bool(minimum is not None and int(str(minimum)) > 0),
                not (maximum is not None and int(str(maximum)) <= 1),
                str(shapes.value(prop, SH.datatype) or "") or None,
                str(shapes.value(prop, SH["class"]) or "") or None,
                allowed,
                str(shapes.value(prop, SH.message) or ""),
                language,
            )
            known = fields.get(field.path)
            # Several shapes constrain one property (the value shape, the target shape):
            # the form asks for what all of them ask.
            fields[field.path] = (
                field
                if known is None
                else Field(
                    field.path,
                    known.required or field.required,
                    known.many and field.many,
                    known.datatype or field.datatype,
                    known.cls or field.cls,
                    known.allowed or field.allowed,
                    "; ".join(m for m in (known.message, field.message) if m),
                    known.language or field.language,
                )
            )
    offered = [f for f in fields.values() if f.path not in forbidden]
    return sorted(offered, key=lambda f: (not f.required, f.path))


def _object(value: str, field: Field) -> str:
    """A form's value as a Turtle object for ``field``.

    >>> f = Field("p", True, False, "http://www.w3.org/2001/XMLSchema#decimal", None, (), "")
    >>> _object("12", f)
    '12.0'
    >>> _object("region:hubei", Field("p", True, False, None, "C", (), ""))
    'region:hubei'
    >>> _object('Aims at "12%"', Field("p", True, False, None, None, (), "", "en"))
    '"Aims at \\\\"12%\\\\""@en'
    """
    value = value.strip()
    xsd = "http://www.w3.org/2001/XMLSchema#"
    if field.datatype == xsd + "decimal":
        number = value.replace(",", "")
        float(number)  # refuses what is not a number
        return number if "." in number else number + ".0"
    if field.datatype in (xsd + "gYear", xsd + "gYearMonth", xsd + "duration", xsd + "boolean"):
        return f"{literal(value)}^^xsd:{field.datatype.rsplit('#', 1)[1]}"
    if field.language:
        return f"{literal(value)}@{field.language}"
    if field.datatype == "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString":
        return f"{literal(value)}@en"
    if field.cls or field.allowed or (":" in value and " " not in value):
        return name(expand(value))
    return literal(value)


def edit(text: str, iri: str, values: dict[str, str], fields: list[Field]) -> str:
    """``text`` with the suggestion ``iri``'s properties set to ``values`` (property IRI →
    the form's text), one value each; the rest of the fact is kept as written."""
    fact = _find(text, iri)
    by_path = {f.path: f for f in fields}
    block = fact.block
    for path, value in sorted(values.items()):
        field = by_path.get(path)
        if field is None:
            raise ReviewError(f"{path} is not a property of a {fact.kind}")
        try:
            obj = _object(value, field)
        except ValueError:
            raise ReviewError(f"{value!r} is not a number, as {name(path)} needs") from None
        line = re.compile(rf"^    {re.escape(name(path))} [^\n]*;\n", re.M)
        new = f"    {name(path)} {obj} ;\n"
        if line.search(block):
            match = line.search(block)
            assert match is not None
            block = block[: match.start()] + new + block[match.end() :]
        else:
            block = block.replace("    lgde:reviewStatus", new + "    lgde:reviewStatus", 1)
    return text.replace(fact.block, block, 1)


def compose(
    iri: str, kind: str, values: dict[str, str], fields: list[Field], evidence: str, article: str
) -> str:
    """A new suggested fact of class ``kind``, from a form's ``values`` (property IRI →
    the form's text) for the ``fields`` the shapes define, with its source and evidence.

    >>> fields = [Field("https://w3id.org/lgde/ontology#indicator", True, False, None,
    ...                 "https://w3id.org/lgde/ontology#Indicator", (), "")]
    >>> print(compose("https://w3id.org/lgde/id/target/t-a005",
    ...               "https://w3id.org/lgde/ontology#PolicyTarget",
    ...               {"https://w3id.org/lgde/ontology#indicator": "indicator:gdp"},
    ...               fields, "        [ a oa:SpecificResource ]", "005"))
    target:t-a005 a lgde:PolicyTarget ;
        lgde:indicator indicator:gdp ;
        lgde:reviewStatus lgde:suggested ;
        prov:wasDerivedFrom article:005 ;
        lgde:evidence
            [ a oa:SpecificResource ] .
    <BLANKLINE>
    >>> compose("x", "https://w3id.org/lgde/ontology#PolicyTarget", {}, fields, "", "005")
    Traceback (most recent call last):
    kg.authoring.review.ReviewError: a lgde:PolicyTarget needs lgde:indicator
    """
    offered = {f.path for f in fields}
    unknown = sorted(name(p) for p, v in values.items() if v.strip() and p not in offered)
    if unknown:
        raise ReviewError(f"not a property of a {name(kind)}: {', '.join(unknown)}")
    missing = [name(f.path) for f in fields if f.required and not values.get(f.path, "").strip()]
    if missing:
        raise ReviewError(f"a {name(kind)} needs {', '.join(missing)}")
    lines = [f"{name(iri)} a {name(kind)} ;"]
    for field in fields:
        value = values.get(field.path, "").strip()
        if not value:
            continue
        try:
            lines.append(f"    {name(field.path)} {_object(value, field)} ;")
        except ValueError:
            raise ReviewError(f"{value!r} is not a number, as {name(field.path)} needs") from None
    lines += [
        "    lgde:reviewStatus lgde:suggested ;",
        f"    prov:wasDerivedFrom article:{article} ;",
        "    lgde:evidence",
        evidence + " .",
    ]
    return "\n".join(lines) + "\n"


def add(text: str, block: str) -> str:
    """``text`` with ``block`` as the last suggestion of its draft section (made if the
    file has none)."""
    head, body, tail = _split(text)
    if not body and BEGIN not in text:
        return text.rstrip("\n") + "\n\n" + BEGIN + "\n\n" + block + "\n" + END + "\n"
    return head + BEGIN + _tidy(body.rstrip("\n") + "\n\n" + block) + END + tail
