"""What the tidy tables (:mod:`kg.build.tables`) hold, said for people and machines:
each column's meaning, type, whether the shapes require it and the values they allow
(:func:`describe`), written as W3C CSVW metadata, a Frictionless data package, and the
codebook in Markdown and HTML."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

from kg.build.tables import (
    CSVW_FILE,
    FACT_LABEL,
    FRICTIONLESS,
    LICENSE,
    PACKAGE_FILE,
    SEPARATOR,
    Built,
    Column,
    Table,
    _local,
)
from kg.namespaces import PREFIXES, expand


@dataclass(frozen=True)
class Described:
    """A column as the codebook describes it."""

    table: str
    column: Column
    meaning: str
    required: bool
    values: tuple[str, ...]  # the codes it allows, with their labels
    derived: str  # how the value is found


def describe(table: Table, ontology: Graph, shapes: Graph) -> list[Described]:
    """Each column of ``table`` with its meaning, whether the shapes require it, and the
    values they allow."""
    out = []
    for column in table.columns:
        path = column.argument if column.kind in ("path", "code", "articles", "quote") else ""
        prop = expand(path) if path and "/" not in path and path not in ("iri", "rdf:type") else ""
        meaning = column.meaning or _comment(ontology, prop) or column.name
        required: bool = False
        values: tuple[str, ...] = column.allowed
        if prop and table.rows:
            required, values = _constraints(ontology, shapes, expand(table.rows), prop)
        # Every row has its IRI, and the build labels every fact (kg.build.labels).
        required = required or column.filled or column.kind == "iri" or column is FACT_LABEL
        out.append(Described(table.name, column, meaning, required, values, _derivation(column)))
    return out


def _comment(ontology: Graph, prop: str) -> str:
    for text in ontology.objects(URIRef(prop), URIRef(expand("rdfs:comment"))):
        if getattr(text, "language", None) in (None, "en"):
            return str(text)
    return ""


def _constraints(
    ontology: Graph, shapes: Graph, cls: str, prop: str
) -> tuple[bool, tuple[str, ...]]:
    """Whether the shapes targeting ``cls`` require ``prop``, and the codes they allow
    (``sh:in``, or the instances of its ``sh:class`` where that is a closed list)."""
    required = False
    values: tuple[str, ...] = ()
    for shape in shapes.subjects(SH.targetClass, URIRef(cls)):
        for node in shapes.objects(shape, SH.property):
            if shapes.value(node, SH.path) != URIRef(prop):
                continue
            minimum = shapes.value(node, SH.minCount)
            required = required or (minimum is not None and int(str(minimum)) > 0)
            listed = shapes.value(node, SH["in"])
            if listed is not None:
                values = tuple(str(v) for v in Collection(shapes, listed))
            kind = shapes.value(node, SH["class"])
            if kind is not None and not values and str(kind).startswith(PREFIXES["lgde"]):
                members = sorted(
                    str(s) for s in ontology.subjects(URIRef(expand("rdf:type")), kind)
                )
                if members:
                    values = tuple(members)
    labelled = tuple(
        f"{_local(v)} ({label})" if (label := _label(ontology, v)) else _local(v) for v in values
    )
    return required, labelled


def _label(ontology: Graph, iri: str) -> str:
    for prop in ("rdfs:label", "skos:prefLabel"):
        for text in ontology.objects(URIRef(iri), URIRef(expand(prop))):
            return str(text)
    return ""


def _derivation(column: Column) -> str:
    kind, arg = column.kind, column.argument
    if kind == "iri":
        return "the row's IRI"
    if kind == "path":
        return f"`{arg}`"
    if kind == "code":
        return "last segment of the row's IRI" if arg == "iri" else f"last segment of `{arg}`"
    if kind == "label":
        return "`rdfs:label`@zh" if arg == "@zh" else f"English label of `{arg}`"
    if kind == "gbt2260":
        return f"`skos:notation` of `{arg}` typed `lgde:GBT2260Code`"
    if kind == "wikidata":
        return f"`skos:exactMatch` of `{arg}` in Wikidata"
    if kind == "articles":
        return f"numbers of the articles `{arg}` names"
    if kind == "quote":
        return "`lgde:evidence/oa:hasSelector/oa:exact` from the first source"
    if kind == "reading":
        return "value, unit and comparator in words"
    return "see meaning"


TITLE = "China Local Government Digital Economy knowledge graph: tables"


def csvw_metadata(tables: Iterable[Table], described: dict[str, list[Described]]) -> dict:
    """A W3C CSVW table group describing the CSV files."""
    group = []
    for table in tables:
        columns = []
        for d in described[table.name]:
            column: dict[str, object] = {
                "name": d.column.name,
                "titles": d.column.name,
                "dc:description": d.meaning,
                "datatype": d.column.datatype,
            }
            if d.column.many:
                column["separator"] = SEPARATOR
            if d.required:
                column["required"] = True
            columns.append(column)
        key = list(table.key)
        schema: dict[str, object] = {
            "columns": columns,
            "primaryKey": key[0] if len(key) == 1 else key,
        }
        keys = [
            {
                "columnReference": d.column.name,
                "reference": {"resource": f"{d.column.references}.csv", "columnReference": "iri"},
            }
            for d in described[table.name]
            # CSVW validators refuse an empty foreign key: only filled columns get one.
            if d.column.references and d.required
        ]
        if keys:
            schema["foreignKeys"] = keys
        group.append(
            {
                "url": f"{table.name}.csv",
                "dc:title": table.title,
                "dc:description": table.description,
                "tableSchema": schema,
            }
        )
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "dc:title": TITLE,
        "dc:license": {"@id": LICENSE},
        "tables": group,
    }


def data_package(
    tables: Iterable[Table], described: dict[str, list[Described]], built: Built
) -> dict:
    """A Frictionless data package descriptor for the CSV files."""
    resources = []
    for table in tables:
        fields = []
        for d in described[table.name]:
            spec: dict[str, object] = {"name": d.column.name, "description": d.meaning}
            if d.column.many:
                spec.update({"type": "list", "delimiter": SEPARATOR, "itemType": "string"})
            else:
                spec.update(FRICTIONLESS[d.column.datatype])
            if d.required:
                spec["constraints"] = {"required": True}
            fields.append(spec)
        schema: dict[str, object] = {"fields": fields, "primaryKey": list(table.key)}
        keys = [
            {
                "fields": [d.column.name],
                "reference": {"resource": d.column.references, "fields": ["iri"]},
            }
            for d in described[table.name]
            if d.column.references
        ]
        if keys:
            schema["foreignKeys"] = keys
        resources.append(
            {
                "name": table.name,
                "title": table.title,
                "description": table.description,
                "path": f"{table.name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{built.files[f'{table.name}.csv']}",
                "schema": schema,
            }
        )
    return {
        "name": "lgde-tables",
        "title": TITLE,
        "licenses": [{"name": "Apache-2.0", "path": LICENSE, "title": "Apache License 2.0"}],
        "resources": resources,
    }


def _layout(table: Table, open_code: str, close_code: str = "") -> str:
    """What a row of ``table`` is and how the rows are sorted, in a sentence.

    >>> from kg.build.tables import LINKS, TABLES
    >>> _layout(TABLES[0], "`")
    'One row per `schema:NewsArticle`, sorted by its IRI.'
    >>> _layout(LINKS, "`")
    'Sorted by table, iri, column and item.'
    """
    order = f"orted by {table.order}."
    if not table.rows:
        return "S" + order
    return f"One row per {open_code}{escape(table.rows)}{close_code or open_code}, s{order}"


def _type(d: Described) -> str:
    kind = d.column.datatype
    return f"list of {kind} (separated by `{SEPARATOR}`)" if d.column.many else kind


def codebook_markdown(
    tables: Iterable[Table], described: dict[str, list[Described]], built: Built
) -> str:
    lines = [
        f"# {TITLE}",
        "",
        "One CSV file per kind of fact and entity, one row per fact or entity, UTF-8, "
        "with a header row. IRIs are the join keys between tables; labels stand beside "
        f"them. List cells separate their values with `{SEPARATOR}`, and `links.csv` has "
        "the same values one per row. Values are in base "
        "units (yuan, US dollars, items, percent). A required column is filled in every "
        "row. Machine-readable: `csv-metadata.json` (CSVW) and `datapackage.json` "
        "(Frictionless).",
        "",
    ]
    for table in tables:
        lines += [
            f"## {table.name}.csv: {table.title}",
            "",
            f"{table.description} Rows: {built.rows[table.name]}. {_layout(table, '`')}",
            "",
            "| column | type | required | meaning | values | from |",
            "|---|---|---|---|---|---|",
        ]
        for d in described[table.name]:
            values = "; ".join(d.values)
            cells = (
                f"`{d.column.name}`",
                _type(d),
                "yes" if d.required else "",
                d.meaning,
                values,
                d.derived,
            )
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def codebook_html(
    tables: Iterable[Table], described: dict[str, list[Described]], built: Built
) -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(TITLE)}: codebook</title>",
        "<style>body{font:15px/1.5 system-ui,sans-serif;margin:1.5em;max-width:75em}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
        "vertical-align:top;text-align:left}code{font-size:13px}</style>",
        "</head><body>",
        f"<h1>{escape(TITLE)}: codebook</h1>",
        "<p>One CSV file per kind of fact and entity, one row per fact or entity, UTF-8, "
        f"with a header row. List cells separate their values with <code>{SEPARATOR}"
        '</code>, and <a href="links.csv">links.csv</a> has the same values one per row. '
        "Values are in base units. Machine-readable: "
        f'<a href="{CSVW_FILE}">{CSVW_FILE}</a> (CSVW) and '
        f'<a href="{PACKAGE_FILE}">{PACKAGE_FILE}</a> (Frictionless).</p>',
    ]
    for table in tables:
        parts += [
            f'<h2 id="{table.name}"><a href="{table.name}.csv">{table.name}.csv</a>: '
            f"{escape(table.title)}</h2>",
            f"<p>{escape(table.description)} Rows: {built.rows[table.name]}. "
            f"{_layout(table, '<code>', '</code>')}</p>",
            "<table><tr><th>column</th><th>type</th><th>required</th><th>meaning</th>"
            "<th>values</th><th>from</th></tr>",
        ]
        for d in described[table.name]:
            derived = escape(d.derived).replace("`", "")
            parts.append(
                f'<tr id="{table.name}.{d.column.name}"><td><code>{d.column.name}</code></td>'
                f"<td>{escape(_type(d))}</td><td>{'yes' if d.required else ''}</td>"
                f"<td>{escape(d.meaning)}</td><td>{escape('; '.join(d.values))}</td>"
                f"<td>{derived}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
