"""Tidy tables of a build: one CSV per kind of fact and entity, with a codebook.

A researcher who works in R, Stata or pandas loads one file per unit of analysis: one
row per target, per observation, per region, with labels beside IRIs, GB/T 2260 codes
and Wikidata ids as join keys, values in base units with their unit and comparator,
the source articles and the evidence quote. Each table is defined once here, column by
column; from those definitions come the CSV files, their CSVW metadata
(``csv-metadata.json``, W3C Tabular Data), a Frictionless data package
(``datapackage.json``) and the codebook (``codebook.md``, ``codebook.html``). A column's
meaning is the definition's, or the ontology's comment on the property it reads; whether
it is always filled and which values it allows come from the SHACL shapes.

Everything written is sorted and free of dates, so one build always gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.amounts import amount
from kg.namespaces import PREFIXES
from kg.typed_results import Term, solutions, text_of

TABLES_DIR = "tables"
SEPARATOR = ";"  # between the values of a list column (IRIs, codes, article ids)
CSVW_FILE = "csv-metadata.json"
PACKAGE_FILE = "datapackage.json"
LICENSE = "https://www.apache.org/licenses/LICENSE-2.0"
GBT2260 = PREFIXES["lgde"] + "GBT2260Code"
WIKIDATA = PREFIXES["wd"]
# The properties that name a thing, most preferred first; English or untagged.
LABELS = ("skos:prefLabel", "rdfs:label", "dcterms:title", "schema:name", "foaf:name")

# CSVW datatypes and the Frictionless types that read the same lexical forms.
FRICTIONLESS = {
    "string": {"type": "string"},
    "anyURI": {"type": "string", "format": "uri"},
    "decimal": {"type": "number"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "date": {"type": "date"},
    "gYear": {"type": "year"},
    "gYearMonth": {"type": "yearmonth"},
    "duration": {"type": "duration"},
}


@dataclass(frozen=True)
class Column:
    """One column: its name, where its value comes from, and what it means.

    ``source`` is one of:

    - ``iri``: the row's own IRI;
    - ``path P``: the values of the SPARQL property path ``P`` from the row's subject
      (IRIs written in full, literals as written);
    - ``code P``: the last segment of the IRIs ``P`` leads to (a code from a closed list);
    - ``label C``, ``label @zh``: the English labels of the IRIs in column ``C``; the
      Chinese label of the row's subject;
    - ``gbt2260 C``, ``wikidata C``: the GB/T 2260 code, the Wikidata id of the IRIs in
      column ``C``;
    - ``articles P``: the numbers of the articles ``P`` leads to (``000``);
    - ``quote P``: the evidence quote from the first of those articles;
    - ``reading``: the value, unit and comparator as a reader would write them.
    """

    name: str
    source: str
    meaning: str = ""
    datatype: str = "string"
    many: bool = False
    references: str = ""  # the table whose ``iri`` column this column's IRIs are in
    filled: bool = False  # in every row, whatever the shapes say (the link table's keys)
    allowed: tuple[str, ...] = ()  # the values it may hold, where the shapes do not say

    @property
    def kind(self) -> str:
        return self.source.split(" ", 1)[0]

    @property
    def argument(self) -> str:
        return self.source.split(" ", 1)[1] if " " in self.source else ""


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    rows: str  # the class whose instances are the rows ("" for the link table)
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("iri",)  # the columns that tell rows apart
    order: str = "its IRI"  # what the rows are sorted by, in words


def _area(prefix: str, path: str, what: str) -> tuple[Column, ...]:
    """An IRI column with its label, GB/T 2260 code and Wikidata id beside it."""
    return (
        Column(prefix, f"path {path}", what, "anyURI", references="regions"),
        Column(f"{prefix}_label", f"label {prefix}", f"The English name of the {prefix}."),
        Column(
            f"{prefix}_code",
            f"gbt2260 {prefix}",
            f"The {prefix}'s GB/T 2260 code (six digits), where the graph gives one.",
        ),
        Column(
            f"{prefix}_wikidata",
            f"wikidata {prefix}",
            f"The {prefix}'s Wikidata id, where the graph gives one.",
        ),
    )


def _linked(name: str, path: str, what: str, table: str = "", many: bool = False) -> tuple:
    """An IRI column (or list) with its labels beside it."""
    labels = f"{name.removesuffix('s')}_labels" if many else f"{name}_label"
    return (
        Column(name, f"path {path}", what, "anyURI", many=many, references="" if many else table),
        Column(
            labels,
            f"label {name}",
            f"The English label of each in {name}." if many else f"The English label of {name}.",
            many=many,
        ),
    )


FACT_LABEL = Column("label", "label iri", "The build's one-line summary of the fact.")
SOURCES = (
    Column(
        "articles",
        "articles prov:wasDerivedFrom",
        "The articles that report the fact (their numbers, as in articles.csv).",
        many=True,
    ),
    Column(
        "evidence",
        "quote prov:wasDerivedFrom",
        "The words of the first of those articles that state the fact; every quote, with "
        "its position, is in evidence.csv.",
    ),
    Column(
        "review_status",
        "code lgde:reviewStatus",
        "Empty once a person has reviewed the fact; 'suggested' while it is a suggestion.",
    ),
)
MENTIONS = Column(
    "articles",
    "articles lgde:mentionedIn",
    "The articles that name it (their numbers, as in articles.csv).",
    many=True,
)
AMOUNT = (
    Column(
        "value",
        "path sdmx-measure:obsValue",
        "The value, in base units (yuan, US dollars, items, percent).",
        "decimal",
    ),
    Column("unit", "code sdmx-attribute:unitMeasure", "The unit of value, a QUDT unit."),
    Column("comparator", "code lgde:comparator"),
    Column(
        "value_text",
        "reading",
        "The value, unit and comparator in words (more than 5 "
        "trillion yuan), as the pages show them; the article's own words are in evidence.",
    ),
    Column("usd_equivalent", "path lgde:usdEquivalent", datatype="decimal"),
)
CONCEPT = (
    Column("iri", "iri", "The concept's IRI.", "anyURI"),
    Column("label", "label iri", "The preferred English label."),
    Column("alt_labels", "path skos:altLabel", "Other wordings the articles use.", many=True),
    *_linked("broader", "skos:broader", "Broader concepts of the same scheme.", many=True),
    Column("wikidata", "wikidata iri", "The Wikidata id, where the graph gives one."),
)

TABLES: tuple[Table, ...] = (
    Table(
        "articles",
        "Articles",
        "The news articles the graph is built from, one row each.",
        "schema:NewsArticle",
        (
            Column("iri", "iri", "The article's IRI.", "anyURI"),
            Column(
                "number", "code iri", "The article's number: its file in seeds/ starts with it."
            ),
            Column("title", "path dcterms:title", "The article's title, as published."),
            Column(
                "date",
                "path schema:datePublished",
                "The publication date, as precise as "
                "known: a day (2022-02-17), a month (2022-02) or a year (2022).",
            ),
            Column("date_precision", "code lgde:datePrecision"),
            *_linked(
                "publisher", "schema:publisher", "The publishing organisation.", "organisations"
            ),
            Column("language", "path schema:inLanguage", "The language of the text, a BCP 47 tag."),
            Column("translation", "path lgde:isTranslation", datatype="boolean"),
            Column("seed_file", "path lgde:seedFile"),
            Column(
                "sha256",
                "path spdx:checksum/spdx:checksumValue",
                "The SHA-256 of the article's text file, which the build verifies.",
            ),
        ),
    ),
    Table(
        "regions",
        "Regions",
        "Countries, macro-regions, provinces, cities, districts and smaller places named.",
        "lgde:Region",
        (
            Column("iri", "iri", "The region's IRI.", "anyURI"),
            Column("label", "label iri", "The English name."),
            Column("label_zh", "label @zh", "The Chinese name, where the graph gives one."),
            Column("kind", "code rdf:type", "The kind of region (its most specific class)."),
            Column(
                "code", "gbt2260 iri", "The GB/T 2260 code (six digits), where the graph gives one."
            ),
            Column("wikidata", "wikidata iri", "The Wikidata id, where the graph gives one."),
            *_linked("part_of", "lgde:partOf", "The region it is part of.", "regions"),
            MENTIONS,
        ),
    ),
    Table(
        "organisations",
        "Organisations",
        "Governments, legislatures, Party bodies, companies, institutes and news "
        "organisations named.",
        "org:Organization",
        (
            Column("iri", "iri", "The organisation's IRI.", "anyURI"),
            Column("label", "label iri", "The English name."),
            Column("kind", "code rdf:type", "The kind of organisation (its most specific class)."),
            *_linked("jurisdiction", "lgde:jurisdiction", "The region it governs.", "regions"),
            *_linked("based_in", "lgde:basedIn", "The region it is based in.", "regions"),
            MENTIONS,
        ),
    ),
    Table(
        "people",
        "People",
        "The people named: officials, executives, researchers, journalists.",
        "foaf:Person",
        (
            Column("iri", "iri", "The person's IRI.", "anyURI"),
            Column("label", "label iri", "The name, in English order as the articles write it."),
            Column("label_zh", "label @zh", "The Chinese name, where the graph gives one."),
            Column("wikidata", "wikidata iri", "The Wikidata id, where the graph gives one."),
            MENTIONS,
        ),
    ),
    Table(
        "sectors",
        "Sectors",
        "The sector scheme: technologies, industries and fields named in plans and reports.",
        "lgde:Sector",
        CONCEPT,
    ),
    Table(
        "themes",
        "Themes",
        "Policy themes (talent, industrial upgrading, western development...).",
        "lgde:Theme",
        CONCEPT,
    ),
    Table(
        "indicators",
        "Indicators",
        "What a target or an observation measures.",
        "lgde:Indicator",
        (
            Column("iri", "iri", "The indicator's IRI.", "anyURI"),
            Column("label", "label iri", "The preferred English label."),
            Column("definition", "path skos:definition", "What the indicator counts or measures."),
        ),
    ),
    Table(
        "targets",
        "Policy targets",
        "A region's stated aim for an indicator, by a year or over a span.",
        "lgde:PolicyTarget",
        (
            Column("iri", "iri", "The target's IRI.", "anyURI"),
            FACT_LABEL,
            *_area("region", "sdmx-dimension:refArea", "The region the target is for."),
            *_linked("indicator", "lgde:indicator", "What the target measures.", "indicators"),
            *AMOUNT,
            Column(
                "year",
                "path sdmx-dimension:refPeriod",
                "The year by which the value is to be reached.",
                "gYear",
            ),
            Column("timeframe", "path lgde:timeframe", datatype="duration"),
            Column("period_start", "path lgde:periodStart", datatype="gYear"),
            Column("status", "code lgde:status"),
            Column("announced_on", "path lgde:announcedOn"),
            *_linked("sectors", "lgde:sector", "The sectors it concerns.", many=True),
            *_linked("actors", "lgde:actor", "Who set it.", many=True),
            Column("description", "path lgde:description"),
            *SOURCES,
        ),
    ),
    Table(
        "observations",
        "Indicator observations",
        "A reported figure: a region's (or an organisation's) value of an indicator for a "
        "year or month. Rows are the observations of the four Data Cube data sets.",
        "lgde:IndicatorObservation",
        (
            Column("iri", "iri", "The observation's IRI.", "anyURI"),
            FACT_LABEL,
            Column("dataset", "code qb:dataSet", "The Data Cube data set it belongs to."),
            *_area("region", "sdmx-dimension:refArea", "The region the figure is for."),
            *_linked(
                "organisation",
                "lgde:aboutOrganization",
                "The organisation the figure is for, when it is not a region's.",
                "organisations",
            ),
            *_linked("indicator", "lgde:indicator", "What is measured.", "indicators"),
            *_linked(
                "sector",
                "lgde:sector",
                "The sector measured, in the sector-indicators data set.",
                "sectors",
            ),
            Column("year", "path sdmx-dimension:refPeriod", "The year the figure is for.", "gYear"),
            Column(
                "month",
                "path lgde:refMonth",
                "The month, for a figure of part of a year.",
                "gYearMonth",
            ),
            *AMOUNT,
            *SOURCES,
        ),
    ),
    Table(
        "expectations",
        "Expectations",
        "An organisation's forecast of its own figure.",
        "lgde:Expectation",
        (
            Column("iri", "iri", "The expectation's IRI.", "anyURI"),
            FACT_LABEL,
            *_linked(
                "organisation",
                "lgde:aboutOrganization",
                "The organisation whose figure it is.",
                "organisations",
            ),
            *_linked("indicator", "lgde:indicator", "What is forecast.", "indicators"),
            *AMOUNT,
            Column(
                "year", "path sdmx-dimension:refPeriod", "The year the forecast is for.", "gYear"
            ),
            *_linked("actors", "lgde:actor", "Who expects it.", many=True),
            Column("description", "path lgde:description"),
            *SOURCES,
        ),
    ),
    Table(
        "plans",
        "Policy plans",
        "A plan or programme a region or body announces, without a figure.",
        "lgde:PolicyPlan",
        (
            Column("iri", "iri", "The plan's IRI.", "anyURI"),
            FACT_LABEL,
            *_area("region", "sdmx-dimension:refArea", "The region the plan is for."),
            Column("status", "code lgde:status"),
            Column("description", "path lgde:description"),
            Column(
                "year",
                "path sdmx-dimension:refPeriod",
                "The year the plan is for or ends.",
                "gYear",
            ),
            Column("timeframe", "path lgde:timeframe", datatype="duration"),
            Column("period_start", "path lgde:periodStart", datatype="gYear"),
            *_linked("actors", "lgde:actor", "Who announced it.", many=True),
            *_linked(
                "documents", "lgde:inDocument", "The policy documents that set it out.", many=True
            ),
            *_linked("sectors", "lgde:sector", "The sectors it concerns.", many=True),
            *_linked("themes", "lgde:theme", "The themes it concerns.", many=True),
            *SOURCES,
        ),
    ),
    Table(
        "quotes",
        "Quotes",
        "Speech an article attributes to a person, in their words or reported.",
        "lgde:Quote",
        (
            Column("iri", "iri", "The quote's IRI.", "anyURI"),
            FACT_LABEL,
            *_linked("speaker", "lgde:speaker", "Who said it.", "people"),
            Column("text", "path schema:text", "What was said, as the article gives it."),
            Column("direct", "path lgde:isDirect", datatype="boolean"),
            *_linked("about", "lgde:about", "What it is about.", many=True),
            *_linked("said_to", "lgde:saidTo", "Whom it was said to.", many=True),
            *_linked("sectors", "lgde:sector", "The sectors it concerns.", many=True),
            *_linked("themes", "lgde:theme", "The themes it concerns.", many=True),
            *SOURCES,
        ),
    ),
    Table(
        "claims",
        "Claims",
        "An assertion an article reports about a region, body, document or sector.",
        "lgde:Claim",
        (
            Column("iri", "iri", "The claim's IRI.", "anyURI"),
            FACT_LABEL,
            Column("description", "path lgde:description"),
            *_linked("about", "lgde:about", "What it is about.", many=True),
            *_linked("sectors", "lgde:sector", "The sectors it concerns.", many=True),
            *_linked("themes", "lgde:theme", "The themes it concerns.", many=True),
            *SOURCES,
        ),
    ),
    Table(
        "affiliations",
        "Affiliations",
        "A person holding a role in an organisation (a post), as an article states it.",
        "lgde:Affiliation",
        (
            Column("iri", "iri", "The affiliation's IRI.", "anyURI"),
            FACT_LABEL,
            *_linked("person", "org:member", "The person.", "people"),
            *_linked("role", "org:role", "The role."),
            *_linked("organisation", "org:organization", "The organisation.", "organisations"),
            *_linked("post", "opengov:post", "The post, where the graph names it."),
            Column("tenure", "code lgde:tenure"),
            *SOURCES,
        ),
    ),
)


@dataclass
class Built:
    """The tables written, with their rows, and the files' SHA-256."""

    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


class _Reader:
    """The build's store, read one column at a time."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._labels: dict[str, str] | None = None
        self._codes: dict[str, dict[str, list[str]]] = {}

    def subjects(self, cls: str) -> list[str]:
        rows = solutions(
            self.store.query(
                f"SELECT DISTINCT ?s WHERE {{ ?s a {cls} FILTER(isIRI(?s)) }}",
                use_default_graph_as_union=True,
                prefixes=PREFIXES,
            )
        )
        return sorted(text_of(r["s"]) for r in rows)

    def values(self, cls: str, path: str, where: str = "") -> dict[str, list[Term]]:
        """Subject → the terms ``path`` leads to, in a stable order."""
        rows = solutions(
            self.store.query(
                f"SELECT DISTINCT ?s ?v WHERE {{ ?s a {cls} . ?s {path} ?v {where} }}",
                use_default_graph_as_union=True,
                prefixes=PREFIXES,
            )
        )
        out: dict[str, list[Term]] = {}
        for row in rows:
            out.setdefault(text_of(row["s"]), []).append(row["v"])
        for terms in out.values():
            terms.sort(key=lambda t: (str(getattr(t, "value", t)), str(t)))
        return out

    @property
    def labels(self) -> dict[str, str]:
        """IRI → its English (or untagged) label, by the order of ``LABELS``."""
        if self._labels is None:
            found: dict[str, tuple[int, str]] = {}
            for rank, prop in enumerate(LABELS):
                rows = solutions(
                    self.store.query(
                        f"""SELECT ?s ?v WHERE {{ ?s {prop} ?v
                            FILTER(isIRI(?s) && (lang(?v) = "" || langMatches(lang(?v), "en")))
                        }}""",
                        use_default_graph_as_union=True,
                        prefixes=PREFIXES,
                    )
                )
                for row in rows:
                    key, text = text_of(row["s"]), text_of(row["v"])
                    if key not in found or (rank, text) < found[key]:
                        found[key] = (rank, text)
            self._labels = {key: text for key, (_, text) in found.items()}
        return self._labels

    def codes(self, kind: str) -> dict[str, list[str]]:
        """IRI → its GB/T 2260 codes (``gbt2260``) or Wikidata ids (``wikidata``)."""
        if kind not in self._codes:
            if kind == "gbt2260":
                query = f"SELECT DISTINCT ?s ?v WHERE {{ ?s skos:notation ?v FILTER(datatype(?v) = <{GBT2260}>) }}"  # noqa: E501
            else:
                query = f'SELECT DISTINCT ?s ?v WHERE {{ ?s skos:exactMatch ?v FILTER(STRSTARTS(STR(?v), "{WIKIDATA}")) }}'  # noqa: E501
            found: dict[str, list[str]] = {}
            for row in solutions(
                self.store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)
            ):
                value = text_of(row["v"])
                found.setdefault(text_of(row["s"]), []).append(
                    value.removeprefix(WIKIDATA) if kind == "wikidata" else value
                )
            self._codes[kind] = {k: sorted(v) for k, v in found.items()}
        return self._codes[kind]


def _local(iri: str) -> str:
    """The last segment of an IRI: ``lgde:atLeast`` → ``atLeast``, ``…/article/001`` → ``001``.

    >>> _local("https://w3id.org/lgde/ontology#atLeast")
    'atLeast'
    >>> _local("https://w3id.org/lgde/id/article/001")
    '001'
    """
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _most_specific(store: ox.Store, types: list[str]) -> list[str]:
    """Of ``types``, those no other of them is a subclass of (the asserted kind)."""
    keep = []
    for cls in types:
        narrower = [
            other
            for other in types
            if other != cls
            and store.query(
                f"ASK {{ <{other}> rdfs:subClassOf+ <{cls}> }}",
                use_default_graph_as_union=True,
                prefixes=PREFIXES,
            )
        ]
        if not narrower:
            keep.append(cls)
    return keep


Items = dict[str, dict[str, list[str]]]  # list column -> subject -> the IRIs in its cell


def table_rows(reader: _Reader, table: Table) -> tuple[list[dict[str, str]], Items]:
    """The rows of ``table``, each a dict of column name → cell text, sorted by IRI; and
    the IRIs in its list columns (:func:`listed`), which :data:`LINKS` writes one per row."""
    cls = table.rows
    subjects = reader.subjects(cls)
    cells: dict[str, dict[str, list[str]]] = {c.name: {} for c in table.columns}
    for column in table.columns:
        kind, arg = column.kind, column.argument
        out = cells[column.name]
        if kind == "iri":
            out.update({s: [s] for s in subjects})
        elif kind == "path":
            for s, terms in reader.values(cls, arg).items():
                out[s] = [text_of(t) for t in terms]
        elif kind == "code":
            if arg == "iri":
                out.update({s: [_local(s)] for s in subjects})
            elif arg == "rdf:type":
                for s, terms in reader.values(cls, "a", "FILTER(isIRI(?v))").items():
                    asserted = [
                        text_of(t) for t in terms if text_of(t).startswith(PREFIXES["lgde"])
                    ]
                    out[s] = sorted(_local(t) for t in _most_specific(reader.store, asserted))
            else:
                for s, terms in reader.values(cls, arg).items():
                    out[s] = [_local(text_of(t)) for t in terms]
        elif kind == "label":
            if arg == "@zh":
                for s, terms in reader.values(cls, "rdfs:label", 'FILTER(lang(?v) = "zh")').items():
                    out[s] = [text_of(t) for t in terms]
            else:
                for s, iris in cells[arg].items():
                    out[s] = [reader.labels.get(i, "") for i in iris]
        elif kind in ("gbt2260", "wikidata"):
            codes = reader.codes(kind)
            for s, iris in cells[arg].items():
                out[s] = [c for i in iris for c in codes.get(i, [])]
        elif kind == "articles":
            # The articles' IRIs, in the order of their numbers, which the cell shows.
            for s, terms in reader.values(cls, arg).items():
                out[s] = sorted((text_of(t) for t in terms), key=_local)
        elif kind == "quote":
            out.update(_first_quotes(reader, cls, arg))
        elif kind == "reading":
            for s in subjects:
                value = cells["value"].get(s)
                unit = cells["unit"].get(s)
                comparator = cells["comparator"].get(s)
                if value and unit:
                    out[s] = [
                        amount(
                            value[0],
                            PREFIXES["unit"] + unit[0],
                            PREFIXES["lgde"] + comparator[0] if comparator else None,
                        )
                    ]
        else:
            raise ValueError(f"unknown column source {column.source!r}")
    rows = []
    for s in subjects:
        row = {}
        for column in table.columns:
            values = cells[column.name].get(s, [])
            if column.kind == "articles":
                values = [_local(iri) for iri in values]
            if column.many:
                row[column.name] = SEPARATOR.join(values)
            elif len(values) > 1 and column.kind == "quote":
                row[column.name] = values[0]
            else:
                # One value expected; more would be a modelling error the shapes catch,
                # so they are kept visible rather than one picked at random.
                row[column.name] = SEPARATOR.join(values)
        rows.append(row)
    return rows, {c.name: cells[c.name] for c in listed(table)}


def _first_quotes(reader: _Reader, cls: str, path: str) -> dict[str, list[str]]:
    """Subject → the evidence quote from the first (lowest-numbered) of its articles."""
    rows = solutions(
        reader.store.query(
            f"""SELECT ?s ?article ?exact WHERE {{
                ?s a {cls} ; {path} ?article ; lgde:evidence ?e .
                ?e oa:hasSource ?article ; oa:hasSelector/oa:exact ?exact }}""",
            use_default_graph_as_union=True,
            prefixes=PREFIXES,
        )
    )
    best: dict[str, tuple[str, str]] = {}
    for row in rows:
        s, article, exact = text_of(row["s"]), text_of(row["article"]), text_of(row["exact"])
        if s not in best or (article, exact) < best[s]:
            best[s] = (article, exact)
    return {s: [exact] for s, (_, exact) in best.items()}


EVIDENCE = Table(
    "evidence",
    "Evidence",
    "Every evidence quote: which fact or entity it supports, in which article, where.",
    "oa:SpecificResource",
    (
        Column(
            "annotation",
            "iri",
            "The annotation's IRI (a Web Annotation specific resource).",
            "anyURI",
        ),
        Column("subject", "", "The fact or entity the quote supports.", "anyURI"),
        Column("subject_label", "", "Its English label."),
        Column("article", "", "The article's number, as in articles.csv."),
        Column("quote", "", "The article's exact words (oa:exact)."),
        Column(
            "start",
            "",
            "Where the quote starts in the article's text, in Unicode code points from 0.",
            "integer",
        ),
        Column(
            "end", "", "Where it ends (exclusive), so that text[start:end] is the quote.", "integer"
        ),
    ),
    key=("annotation",),
    order="the subject's IRI, the article and where the quote starts",
)


def evidence_rows(reader: _Reader) -> list[dict[str, str]]:
    rows = solutions(
        reader.store.query(
            """SELECT ?e ?s ?article ?exact ?start ?end WHERE {
                 ?s lgde:evidence ?e .
                 ?e oa:hasSource ?article ; oa:hasSelector ?quote .
                 ?quote oa:exact ?exact .
                 OPTIONAL { ?e oa:hasSelector ?at . ?at oa:start ?start ; oa:end ?end }
                 FILTER(isIRI(?e)) }""",
            use_default_graph_as_union=True,
            prefixes=PREFIXES,
        )
    )
    out = set()
    for row in rows:
        out.add(
            (
                text_of(row["s"]),
                _local(text_of(row["article"])),
                int(text_of(row["start"])) if row["start"] is not None else -1,
                text_of(row["e"]),
                text_of(row["exact"]),
                text_of(row["end"]) if row["end"] is not None else "",
            )
        )
    return [
        {
            "annotation": e,
            "subject": s,
            "subject_label": reader.labels.get(s, ""),
            "article": article,
            "quote": exact,
            "start": str(start) if start >= 0 else "",
            "end": end,
        }
        for s, article, start, e, exact, end in sorted(out)
    ]


def listed(table: Table) -> list[Column]:
    """The columns of ``table`` whose cells are lists of IRIs, or of articles: the
    columns :data:`LINKS` writes in long form."""
    return [c for c in table.columns if c.many and (c.datatype == "anyURI" or c.kind == "articles")]


# The tables with list columns, and the names of those columns.
LISTING = tuple(t.name for t in TABLES if listed(t))
LISTED = tuple(sorted({c.name for t in TABLES for c in listed(t)}))


LINKS = Table(
    "links",
    "Links",
    "The long form of the list columns: one row for each item of a list of IRIs or "
    "articles in another table (a target's sectors, a plan's actors, a fact's articles), "
    "to join on without splitting cells.",
    "",
    (
        Column(
            "table",
            "",
            "The table the row is in (targets, plans...).",
            filled=True,
            allowed=LISTING,
        ),
        Column("iri", "", "The row's IRI, in that table's iri column.", "anyURI", filled=True),
        Column(
            "column",
            "",
            "The list column of that table (sectors, actors...).",
            filled=True,
            allowed=LISTED,
        ),
        Column(
            "item",
            "",
            "One IRI of that list; for the articles columns, the article's IRI (its number "
            "is the last segment).",
            "anyURI",
            filled=True,
        ),
        Column("item_label", "", "The item's English label (an article's title)."),
        Column(
            "item_table",
            "",
            "The table whose iri column holds the item, where one does (an actor is in "
            "people or organisations).",
        ),
    ),
    key=("table", "iri", "column", "item"),
    order="table, iri, column and item",
)

# Every file, in the order the codebook and the metadata list them.
ALL_TABLES = (*TABLES, EVIDENCE, LINKS)


def link_rows(
    reader: _Reader, rows: dict[str, list[dict[str, str]]], items: dict[str, Items]
) -> list[dict[str, str]]:
    """Each item of each list column of the tables whose ``rows`` and list ``items``
    (from :func:`table_rows`) are given, one row each, sorted by table, IRI, column and
    item."""
    homes: dict[str, set[str]] = {}
    for name, written in rows.items():
        for row in written:
            homes.setdefault(row["iri"], set()).add(name)
    found: set[tuple[str, str, str, str]] = set()
    for name, columns in items.items():
        keys = {row["iri"] for row in rows[name]}
        for column, cells in columns.items():
            for s in keys & cells.keys():
                found.update((name, s, column, item) for item in cells[s])
    return [
        {
            "table": name,
            "iri": s,
            "column": column,
            "item": item,
            "item_label": reader.labels.get(item, ""),
            "item_table": SEPARATOR.join(sorted(homes.get(item, ()))),
        }
        for name, s, column, item in sorted(found)
    ]


# --------------------------------------------------------------------------- writing


def _csv_text(columns: Iterable[Column], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    names = [c.name for c in columns]
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in names})
    return out.getvalue()


def write_tables(store: ox.Store, ontology: Graph, shapes: Graph, directory: Path) -> Built:
    """Write every table, its metadata and the codebook into ``directory``."""
    from kg.build.table_metadata import (
        Described,
        codebook_html,
        codebook_markdown,
        csvw_metadata,
        data_package,
        describe,
    )

    directory.mkdir(parents=True, exist_ok=True)
    reader = _Reader(store)
    built = Built()
    described: dict[str, list[Described]] = {}
    written: dict[str, list[dict[str, str]]] = {}
    items: dict[str, Items] = {}
    for table in ALL_TABLES:
        if table is EVIDENCE:
            rows = evidence_rows(reader)
        elif table is LINKS:
            rows = link_rows(reader, {t.name: written[t.name] for t in TABLES}, items)
        else:
            rows, items[table.name] = table_rows(reader, table)
        written[table.name] = rows
        _write(directory / f"{table.name}.csv", _csv_text(table.columns, rows), built)
        built.rows[table.name] = len(rows)
        described[table.name] = describe(table, ontology, shapes)
    tables = ALL_TABLES
    _write(directory / CSVW_FILE, _json(csvw_metadata(tables, described)), built)
    _write(directory / PACKAGE_FILE, _json(data_package(tables, described, built)), built)
    _write(directory / "codebook.md", codebook_markdown(tables, described, built), built)
    _write(directory / "codebook.html", codebook_html(tables, described, built), built)
    _write_zip(directory, built)
    return built


ZIP_FILE = "lgde-tables.zip"


def _write_zip(directory: Path, built: Built) -> None:
    """All the files in one zip, byte-stable: sorted, with a fixed date."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(built.files):
            info = zipfile.ZipInfo(f"lgde-tables/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (directory / name).read_bytes())
    data = out.getvalue()
    (directory / ZIP_FILE).write_bytes(data)
    built.files[ZIP_FILE] = hashlib.sha256(data).hexdigest()


def _write(path: Path, text: str, built: Built) -> None:
    data = text.encode("utf-8")
    path.write_bytes(data)
    built.files[path.name] = hashlib.sha256(data).hexdigest()


def _json(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
