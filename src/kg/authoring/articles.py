"""``kg add-article``: register a source text as the graph's next article.

The text goes into ``seeds/`` as ``NNN_<16 hex>.txt`` (the next number; the hex digits
start the text's SHA-256) and a new ``graph/article-NNN.ttl`` describes it: title,
date as precise as given, publisher, language, checksum. Its facts come later (``kg
suggest``, ``kg curate``). Nothing is written unless every check passes, and then both
files appear together or neither does.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.authoring.turtle import literal as _literal
from kg.authoring.turtle import prefix_lines
from kg.layout import Layout
from kg.namespaces import ID

SEED_NAME = re.compile(r"^(\d{3})_[0-9a-f]{16}\.txt$")
ARTICLE_FILE = re.compile(r"^article-(\d{3})\.ttl$")
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")


class ArticleError(ValueError):
    """The article cannot be added; the message says why and what to do."""


@dataclass(frozen=True)
class PublishedDate:
    """A date as precise as it was given: ``2022``, ``2022-02`` or ``2022-02-17``."""

    lexical: str
    datatype: str  # xsd local name
    precision: str  # lgde local name

    @classmethod
    def parse(cls, text: str) -> PublishedDate:
        """
        >>> PublishedDate.parse("2022-02-17")
        PublishedDate(lexical='2022-02-17', datatype='date', precision='dayPrecision')
        >>> PublishedDate.parse("2024-03").datatype, PublishedDate.parse("2021").precision
        ('gYearMonth', 'yearPrecision')
        >>> PublishedDate.parse("17 Feb 2022")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        kg.authoring.articles.ArticleError: cannot read the date '17 Feb 2022': give it as ...
        """
        text = text.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                date.fromisoformat(text)
                return cls(text, "date", "dayPrecision")
            if re.fullmatch(r"\d{4}-\d{2}", text):
                date.fromisoformat(text + "-01")
                return cls(text, "gYearMonth", "monthPrecision")
            if re.fullmatch(r"\d{4}", text) and int(text) > 0:
                return cls(text, "gYear", "yearPrecision")
        except ValueError:
            pass
        raise ArticleError(f"cannot read the date {text!r}: give it as YYYY-MM-DD, YYYY-MM or YYYY")


@dataclass(frozen=True)
class NewArticle:
    number: str
    iri: str
    seed: Path
    turtle: Path


def read_text(path: Path) -> str:
    """The file's text, if it is non-empty UTF-8 text."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ArticleError(f"cannot read {path}: {error.strerror}") from None
    if not raw.strip():
        raise ArticleError(f"{path} is empty: an article needs its text")
    if b"\x00" in raw:
        raise ArticleError(
            f"{path} is not text (it holds NUL bytes); give the article as UTF-8 text"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArticleError(
            f"{path} is not UTF-8 text (byte {error.start} cannot be read); "
            "convert it, e.g. with iconv -t UTF-8"
        ) from None


def next_number(layout: Layout) -> str:
    """One more than the highest article number among seeds and article files."""
    numbers = [int(m.group(1)) for m in _matches(SEED_NAME, layout.seeds_dir.iterdir())]
    numbers += [int(m.group(1)) for m in _matches(ARTICLE_FILE, layout.graph_dir.iterdir())]
    return f"{max(numbers, default=-1) + 1:03d}"


def _matches(pattern: re.Pattern[str], paths: Iterable[Path]) -> list[re.Match[str]]:
    return [m for p in paths if (m := pattern.match(p.name))]


def already_present(layout: Layout, digest: str) -> Path | None:
    for seed in sorted(layout.seeds_dir.glob("*.txt")):
        if hashlib.sha256(seed.read_bytes()).hexdigest() == digest:
            return seed
    return None


def organisations(layout: Layout) -> dict[str, list[str]]:
    """IRI → English names (label first, then other names) of the organisations the
    shared files define."""
    graph = Graph()
    for path in layout.data_files:
        if not path.name.startswith("article-"):
            graph.parse(path, format="turtle")
    found: dict[str, list[str]] = {}
    for subject in sorted(set(graph.subjects(RDF.type, None)), key=str):
        if isinstance(subject, URIRef) and str(subject).startswith(ID + "organization/"):
            names = [
                str(name)
                for predicate in (RDFS.label, SKOS.altLabel)
                for name in sorted(graph.objects(subject, predicate), key=str)
                if getattr(name, "language", None) in (None, "en")
            ]
            if names:
                found[str(subject)] = names
    return found


def resolve_publisher(layout: Layout, given: str) -> str:
    """The organisation IRI for ``given``: an IRI, ``organization:name`` or its label."""
    known = organisations(layout)
    wanted = given.strip()
    if wanted.startswith("organization:"):
        wanted = ID + "organization/" + wanted.split(":", 1)[1]
    if wanted in known:
        return wanted
    for iri, names in known.items():
        if any(name.casefold() == wanted.casefold() for name in names):
            return iri
    close = sorted(
        names[0] for names in known.values() if wanted.casefold()[:4] in names[0].casefold()
    )
    hint = f"; did you mean {', '.join(repr(c) for c in close[:5])}?" if close else ""
    raise ArticleError(
        f"no organisation {given!r} in the graph{hint} Give its IRI, organization:name or "
        "English label, or add it to graph/organisations.ttl first"
    )


def article_turtle(
    number: str,
    seed_name: str,
    digest: str,
    title: str,
    published: PublishedDate,
    language: str,
    publisher: str | None,
    url: str | None,
    translated: bool,
) -> str:
    """The article file in the house style: header, prefixes, the article block."""
    lines = [
        f"# Article {number}: {_literal(title)}, and the facts it reports.",
        "#",
        "# Registered with `kg add-article`; facts are proposed by `kg suggest` and reviewed",
        "# with `kg curate`, each with its verbatim evidence quote.",
        "",
        *prefix_lines(),
        "",
        "# --- The article -------------------------------------------------------------------",
        "",
        f"# Date, {published.precision.removesuffix('Precision')} precision, as registered.",
        f"article:{number} a schema:NewsArticle ;",
        f"    dcterms:title {_literal(title)}@{language} ;",
        f"    schema:headline {_literal(title)}@{language} ;",
    ]
    if publisher:
        lines.append(f"    schema:publisher organization:{publisher.rsplit('/', 1)[1]} ;")
    if url:
        lines.append(f"    schema:url <{url}> ;")
    lines += [
        f'    schema:datePublished "{published.lexical}"^^xsd:{published.datatype} ;',
        f"    lgde:datePrecision lgde:{published.precision} ;",
        f'    schema:inLanguage "{language}" ;',
    ]
    if translated:
        lines.append("    lgde:isTranslation true ;")
    stem = seed_name.removesuffix(".txt")
    lines += [
        f'    dcterms:identifier "{stem}" ;',
        f'    lgde:seedFile "{seed_name}" ;',
        "    spdx:checksum [ a spdx:Checksum ;",
        "        spdx:algorithm spdx:checksumAlgorithm_sha256 ;",
        f'        spdx:checksumValue "{digest}"^^xsd:hexBinary ] .',
        "",
    ]
    return "\n".join(lines)


def add_article(
    layout: Layout,
    text_file: Path,
    *,
    title: str,
    published: str,
    publisher: str | None = None,
    url: str | None = None,
    language: str = "en",
    translated: bool = False,
) -> NewArticle:
    """Register ``text_file`` as the next article; raise :class:`ArticleError` if it cannot be."""
    text = read_text(text_file)
    if not title.strip():
        raise ArticleError("the title is empty")
    when = PublishedDate.parse(published)
    if not LANGUAGE_TAG.match(language):
        raise ArticleError(f"{language!r} is not a language tag (en, zh, zh-Hans…)")
    if url is not None and not re.match(r"^https?://[^\s<>\"]+$", url):
        raise ArticleError(f"{url!r} is not an http(s) URL")
    raw = text.encode("utf-8")
    digest = hashlib.sha256(raw).hexdigest()
    present = already_present(layout, digest)
    if present is not None:
        raise ArticleError(f"this text is already in the graph, as seeds/{present.name}")
    publisher_iri = resolve_publisher(layout, publisher) if publisher else None

    number = next_number(layout)
    seed_name = f"{number}_{digest[:16]}.txt"
    seed = layout.seeds_dir / seed_name
    turtle = layout.graph_dir / f"article-{number}.ttl"
    body = article_turtle(
        number,
        seed_name,
        digest,
        title.strip(),
        when,
        language,
        publisher_iri,
        url,
        translated,
    )
    Graph().parse(data=body, format="turtle")  # never write a file the build cannot read
    _write_both({seed: raw, turtle: body.encode("utf-8")})
    return NewArticle(number, f"{ID}article/{number}", seed, turtle)


def _write_both(files: dict[Path, bytes]) -> None:
    """Write every file, or none: each goes to a temporary name first."""
    written: list[Path] = []
    temporaries: list[tuple[Path, Path]] = []
    try:
        for path, data in files.items():
            if path.exists():
                raise ArticleError(f"{path} already exists; nothing was written")
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_bytes(data)
            temporaries.append((temporary, path))
        for temporary, path in temporaries:
            os.replace(temporary, path)
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        for temporary, _ in temporaries:
            temporary.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class Source:
    """An article's number, text and year, read from its file and seed."""

    number: str
    text: str
    year: int | None


def read_article(graph_dir, seeds_dir, article: str) -> Source:
    """The article ``article`` names: a number (``005``), ``article:005`` or its IRI."""
    number = article.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    path = graph_dir / f"article-{number}.ttl"
    if not re.fullmatch(r"\d{3}", number) or not path.exists():
        raise ValueError(f"no article {article!r}: give its number, e.g. 005")
    graph = Graph().parse(path, format="turtle")
    subject = URIRef(f"{ID}article/{number}")
    seed = graph.value(subject, URIRef("https://w3id.org/lgde/ontology#seedFile"))
    published = graph.value(subject, URIRef("https://schema.org/datePublished"))
    if seed is None:
        raise ValueError(f"{path.name} names no seed file (lgde:seedFile)")
    text = (seeds_dir / str(seed)).read_text(encoding="utf-8")
    year = int(str(published)[:4]) if published is not None else None
    return Source(number, text, year)
