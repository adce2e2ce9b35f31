"""``kg suggest --write``: the suggestions as unreviewed facts in the article's file.

Each suggestion that names everything its kind needs (a figure: a known area or
organisation, a known indicator and, for an observation, a year) becomes a fact marked
``lgde:reviewStatus lgde:suggested`` with its confidence, its source and its evidence
quote (with ``oa:prefix`` where the quote is printed more than once). The rest are
listed as comments saying what was missing. Everything goes between two marker lines
at the end of the file, which a second run replaces: the hand-written part is never
touched, nor is any other file.

The file is written only if the project still checks (evidence, SHACL, Data Cube cells
left free): a draft is always queryable, and a failed write leaves the file as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from kg.authoring.gazetteer import slug
from kg.authoring.suggest import Suggestion
from kg.authoring.turtle import literal, name
from kg.layout import Layout
from kg.namespaces import ID

BEGIN = "# --- Suggestions, not yet reviewed (written by `kg suggest --write`) -----------"
END = "# --- End of suggestions -----------------------------------------------------"
QB = "http://purl.org/linked-data/cube#"
SDMX_D = "http://purl.org/linked-data/sdmx/2009/dimension#"
LGDE = "https://w3id.org/lgde/ontology#"


@dataclass
class Draft:
    """What a write did: the facts written, the suggestions left out and why."""

    written: list[str] = field(default_factory=list)
    skipped: list[tuple[Suggestion, str]] = field(default_factory=list)
    text: str = ""


def evidence_block(article: str, text: str, suggestion: Suggestion) -> str:
    """The ``lgde:evidence`` object for ``suggestion``'s quote in ``text``, with the text
    before or after it where the quote is printed more than once."""
    prefix = suffix = ""
    quote = suggestion.quote
    if text.count(quote) > 1:
        # The text just before (or after) this occurrence, long enough to be the only one.
        start, end = suggestion.start, suggestion.end
        for width in range(8, 400, 8):
            before = text[max(0, start - width) : start]
            after = text[end : end + width]
            if before and text.count(before + quote) == 1:
                prefix = before
                break
            if after and text.count(quote + after) == 1:
                suffix = after
                break
    selector = f"a oa:TextQuoteSelector ; oa:exact {literal(quote)}"
    if prefix:
        selector += f" ;\n              oa:prefix {literal(prefix)}"
    if suffix:
        selector += f" ;\n              oa:suffix {literal(suffix)}"
    return (
        f"        [ a oa:SpecificResource ; oa:hasSource article:{article} ;\n"
        f"          oa:hasSelector [ {selector} ] ]"
    )


@dataclass
class Known:
    """What the rest of the graph already holds, that a draft must not repeat."""

    taken: set[str] = field(default_factory=set)  # IRIs in use
    cells: set[tuple] = field(default_factory=set)  # Data Cube cells with an observation
    mentioned: set[str] = field(default_factory=set)  # entities whose mention is recorded

    def __or__(self, other: Known) -> Known:
        return Known(
            self.taken | other.taken,
            self.cells | other.cells,
            self.mentioned | other.mentioned,
        )


def known_from_graph(graph: Graph, article: str) -> Known:
    def cell(obs) -> tuple:
        g = graph
        return tuple(
            str(v)
            for v in (
                g.value(obs, URIRef(QB + "dataSet")),
                g.value(obs, URIRef(SDMX_D + "refArea"))
                or g.value(obs, URIRef(LGDE + "aboutOrganization")),
                g.value(obs, URIRef(LGDE + "indicator")),
                g.value(obs, URIRef(SDMX_D + "refPeriod")),
                g.value(obs, URIRef(LGDE + "refMonth")),
                g.value(obs, URIRef(LGDE + "sector")),
            )
        )

    source = URIRef(f"{ID}article/{article}")
    return Known(
        {str(s) for s in graph.subjects()},
        {cell(obs) for obs in graph.subjects(URIRef(QB + "dataSet"), None)},
        {str(s) for s in graph.subjects(URIRef(LGDE + "mentionedIn"), source)},
    )


def known_from_build(build, article: str) -> Known:
    """The same, read from the current build's store; what the article's own file gave
    it at the last build is left out (the file says it afresh)."""
    import pyoxigraph as ox

    from kg.namespaces import GRAPH_ASSERTED
    from kg.typed_results import solutions, text_of

    source = f"<{ID}article/{article}>"
    mine = f"FILTER NOT EXISTS {{ ?s <http://www.w3.org/ns/prov#wasDerivedFrom> {source} }}"
    graph = f"GRAPH <{GRAPH_ASSERTED}>"
    taken = {
        text_of(r["s"])
        for r in solutions(
            build.store.query(f"SELECT DISTINCT ?s WHERE {{ {graph} {{ ?s a ?type {mine} }} }}")
        )
        if isinstance(r["s"], ox.NamedNode)
    }
    cells = set()
    rows = build.store.query(
        f"""SELECT ?d ?a ?i ?p ?m ?sector WHERE {{ {graph} {{
            ?s <{QB}dataSet> ?d ; <{LGDE}indicator> ?i ; <{SDMX_D}refPeriod> ?p ;
               <{SDMX_D}refArea>|<{LGDE}aboutOrganization> ?a .
            OPTIONAL {{ ?s <{LGDE}refMonth> ?m }} OPTIONAL {{ ?s <{LGDE}sector> ?sector }}
            {mine} }} }}"""
    )
    for r in solutions(rows):
        cells.add(
            tuple(
                text_of(r[v]) if r[v] is not None else "None"
                for v in ("d", "a", "i", "p", "m", "sector")
            )
        )
    return Known(taken, cells, set())


KIND_CLASS = {
    "observation": "lgde:IndicatorObservation",
    "target": "lgde:PolicyTarget",
    "expectation": "lgde:Expectation",
    "affiliation": "lgde:Affiliation",
    "mention": "lgde:Mention",
}


def rejection_key(s: Suggestion) -> tuple[str, str, str]:
    """How a rejected suggestion is recognised again: kind, value, quote."""
    quote = literal(s.quote)[1:-1]
    value = _decimal(s.value) if s.value is not None else "-"
    return (KIND_CLASS.get(s.kind, s.kind), value, quote)


class Writer:
    def __init__(self, known: Known, article: str, text: str) -> None:
        self.article = article
        self.text = text
        self.taken = set(known.taken)
        self.cells = set(known.cells)
        self.mentioned = set(known.mentioned)

    def fresh(self, kind: str, *parts: str) -> str:
        base = f"{ID}{kind}/" + "-".join(slug(p) for p in parts if p) + f"-a{self.article}"
        iri, n = base, 2
        while iri in self.taken:
            iri, n = f"{base}-{n}", n + 1
        self.taken.add(iri)
        return iri

    def figure(self, s: Suggestion) -> tuple[str | None, str]:
        """Turtle for a figure, or (None, why it cannot be written)."""
        roles = {e["role"]: e for e in s.entities}
        subject = roles.get("area") or roles.get("organization")
        if subject is None:
            return None, "no area or organisation found"
        if "iri" not in subject:
            return None, f"{subject['label']} is new to the graph; add it first"
        indicator = (s.indicator or {}).get("iri")
        if not indicator:
            return None, "no indicator of the graph matches; choose or add one"
        period = s.when.get("period")
        month = s.when.get("month")
        on_org = "organization" in roles and "area" not in roles
        lines: list[str]
        if s.kind == "observation":
            if period is None:
                return None, "no year found"
            dataset = (
                "organisation-indicators"
                if on_org
                else ("monthly-indicators" if month else "indicators")
            )
            if on_org and not month:
                return None, "an organisation's figure needs its month"
            cell = (
                f"{ID}dataset/{dataset}",
                subject["iri"],
                indicator,
                period,
                month or "None",
                "None",
            )
            if cell in self.cells:
                return None, "an observation of this area, indicator and period exists already"
            self.cells.add(cell)
            iri = self.fresh("observation", subject["label"], indicator.rsplit("/", 1)[1], period)
            lines = [
                f"{name(iri)} a lgde:IndicatorObservation ;",
                f"    qb:dataSet dataset:{dataset} ;",
                ("    lgde:aboutOrganization " if on_org else "    sdmx-dimension:refArea ")
                + f"{name(subject['iri'])} ;",
                f'    sdmx-dimension:refPeriod "{period}"^^xsd:gYear ;',
            ]
            if month:
                lines.append(f'    lgde:refMonth "{month}"^^xsd:gYearMonth ;')
        elif s.kind in ("target", "expectation"):
            if s.kind == "expectation" and not on_org:
                return None, "an expectation needs the organisation that expects it"
            if s.kind == "target" and on_org:
                return None, "a target needs the region it is for"
            kind = "expectation" if s.kind == "expectation" else "target"
            iri = self.fresh(kind, subject["label"], indicator.rsplit("/", 1)[1], period or "")
            cls = "lgde:Expectation" if kind == "expectation" else "lgde:PolicyTarget"
            lines = [f"{name(iri)} a {cls} ;"]
            if kind == "expectation":
                lines += [
                    f"    lgde:actor {name(subject['iri'])} ;",
                    f"    lgde:aboutOrganization {name(subject['iri'])} ;",
                ]
            else:
                lines.append(f"    sdmx-dimension:refArea {name(subject['iri'])} ;")
                if "actor" in roles and "iri" in roles["actor"]:
                    lines.append(f"    lgde:actor {name(roles['actor']['iri'])} ;")
                lines.append("    lgde:status lgde:planned ;")
            if period:
                lines.append(f'    sdmx-dimension:refPeriod "{period}"^^xsd:gYear ;')
            if "timeframe" in s.when:
                lines += [
                    f'    lgde:timeframe "{s.when["timeframe"]}"^^xsd:duration ;',
                    f'    lgde:periodStart "{s.when["period_start"]}"^^xsd:gYear ;',
                ]
            summary = f"As article {self.article} states it: {_clip(s.quote)}"
            lines.append(f"    lgde:description {literal(summary)}@en ;")
        else:
            return None, f"a {s.kind} is not written"
        lines += [
            f"    lgde:indicator {name(indicator)} ;",
            f"    sdmx-measure:obsValue {_decimal(s.value)} ;",
            f"    sdmx-attribute:unitMeasure {name(s.unit or '')} ;",
            f"    lgde:comparator {name(s.comparator or LGDE + 'exactly')} ;",
        ]
        if s.usd:
            lines.append(f"    lgde:usdEquivalent {_decimal(s.usd)} ;")
        return self._finish(iri, lines, s), ""

    def affiliation(self, s: Suggestion) -> tuple[str | None, str]:
        roles = {e["role"]: e for e in s.entities}
        missing = [r for r in ("member", "role", "organization") if "iri" not in roles.get(r, {})]
        if missing:
            new = ", ".join(roles[r]["label"] for r in missing if r in roles)
            return None, f"new to the graph: {new}; add them first"
        iri = self.fresh(
            "affiliation",
            roles["member"]["label"],
            roles["role"]["label"],
            self._local(roles["organization"]["iri"]),
        )
        tenure = "lgde:formerTenure" if s.when.get("tenure") == "former" else "lgde:currentTenure"
        lines = [
            f"{name(iri)} a lgde:Affiliation ;",
            f"    org:member {name(roles['member']['iri'])} ;",
            f"    org:organization {name(roles['organization']['iri'])} ;",
            f"    org:role {name(roles['role']['iri'])} ;",
            f"    lgde:tenure {tenure} ;",
        ]
        return self._finish(iri, lines, s), ""

    def mention(self, s: Suggestion) -> tuple[str | None, str]:
        entity = s.entities[0]
        if "iri" not in entity:
            return None, f"{entity['label']} is new to the graph"
        iri = entity["iri"]
        if not iri.startswith((ID + "region/", ID + "person/", ID + "organization/")):
            return None, "only regions, people and organisations record their mentions"
        if iri in self.mentioned:
            return None, "already recorded"
        self.mentioned.add(iri)
        lines = [
            f"{name(iri)} lgde:mentionedIn article:{self.article} ;",
            "    lgde:evidence",
            evidence_block(self.article, self.text, s) + " .",
        ]
        return "\n".join(lines), ""

    @staticmethod
    def _local(iri: str) -> str:
        return iri.rsplit("/", 1)[1]

    def _finish(self, iri: str, lines: list[str], s: Suggestion) -> str:
        lines += [
            "    lgde:reviewStatus lgde:suggested ;",
            f"    lgde:confidence {s.confidence:.2f} ;",
            f"    prov:wasDerivedFrom article:{self.article} ;",
            "    lgde:evidence",
            evidence_block(self.article, self.text, s) + " .",
        ]
        return "\n".join(lines)


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _decimal(value: str | None) -> str:
    text = value or "0"
    return text if "." in text else text + ".0"


def section(
    known: Known,
    article: str,
    text: str,
    suggestions: Iterable[Suggestion],
    rejected: frozenset[tuple[str, str, str]] = frozenset(),
) -> Draft:
    """The draft section for ``suggestions``: Turtle blocks, and comments for the rest;
    none for a suggestion a person has rejected."""
    writer = Writer(known, article, text)
    draft = Draft()
    blocks: list[str] = []
    for s in suggestions:
        if rejection_key(s) in rejected:
            continue
        if s.kind in ("observation", "target", "expectation"):
            block, why = writer.figure(s)
        elif s.kind == "affiliation":
            block, why = writer.affiliation(s)
        elif s.kind == "mention":
            block, why = writer.mention(s)
        else:
            block, why = None, f"a {s.kind} is not written"
        if block is None:
            draft.skipped.append((s, why))
            continue
        draft.written.append(block.split(" ", 1)[0])
        blocks.append(block)
    lines = [
        BEGIN,
        "#",
        "# Review each: remove lgde:reviewStatus and lgde:confidence to accept it,",
        "# edit it, or delete it. Left out, with the reason:",
    ]
    for s, why in draft.skipped:
        if s.kind == "mention" and why == "already recorded":
            continue
        lines.append(f"#   {s.kind} at {s.start}: {_clip(s.quote, 60)!r}: {why}")
    lines.append("")
    draft.text = (
        "\n".join(lines) + "\n" + "\n\n".join(blocks) + ("\n\n" if blocks else "") + END + "\n"
    )
    return draft


def replace_section(existing: str, new_section: str) -> str:
    """``existing`` with its draft section replaced by ``new_section`` (or added)."""
    if BEGIN in existing and END in existing:
        head = existing[: existing.index(BEGIN)]
        tail = existing[existing.index(END) + len(END) :].lstrip("\n")
        return head.rstrip("\n") + "\n\n" + new_section + tail
    return existing.rstrip("\n") + "\n\n" + new_section


def encoded(graph: Graph) -> set[tuple[str, str, str]]:
    """(kind, value, quote) of the facts a file already states, reviewed: a draft does
    not suggest them again."""
    out = set()
    rows = graph.query(
        """PREFIX lgde: <https://w3id.org/lgde/ontology#>
           PREFIX oa: <http://www.w3.org/ns/oa#>
           PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
           SELECT ?type ?value ?exact WHERE {
             ?fact a ?type ; lgde:evidence/oa:hasSelector/oa:exact ?exact .
             OPTIONAL { ?fact sdmx-measure:obsValue ?value } }"""
    )
    for row in rows:
        kind = name(str(row[0]))  # type: ignore[index]
        value = row[1]  # type: ignore[index]
        quote = literal(str(row[2]))[1:-1]  # type: ignore[index]
        out.add((kind, _decimal(str(value)) if value is not None else "-", quote))
    return out


def project_graph(layout: Layout, without: Path | None = None) -> Graph:
    graph = Graph()
    for path in layout.data_files:
        if path != without:
            graph.parse(path, format="turtle")
    return graph


def write(layout: Layout, article: str, text: str, suggestions: list[Suggestion]) -> Draft:
    """Write the draft into ``graph/article-<article>.ttl`` if the project still checks."""
    from kg.store import NoBuildError, open_build

    path = layout.graph_dir / f"article-{article}.ttl"
    before = path.read_text(encoding="utf-8")
    # The graph as it would be without the old draft: its cells and IRIs are free again.
    own = Graph().parse(data=replace_section(before, f"{BEGIN}\n{END}\n"), format="turtle")
    try:
        known = known_from_build(open_build(layout, ensure=False), article)
    except NoBuildError:
        known = known_from_graph(project_graph(layout, without=path), article)
    from kg.authoring.review import rejections

    draft = section(
        known | known_from_graph(own, article),
        article,
        text,
        suggestions,
        frozenset(rejections(before) | encoded(own)),
    )
    after = replace_section(before, draft.text)
    Graph().parse(data=after, format="turtle")  # never write what the build cannot read
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(after, encoding="utf-8")
    os.replace(temporary, path)
    errors = _check(layout, article)
    if errors:
        path.write_text(before, encoding="utf-8")
        raise ValueError(
            f"the draft would not check ({'; '.join(errors[:5])}); the file is unchanged"
        )
    return draft


def _check(layout: Layout, article: str) -> list[str]:
    """The errors in the article's file: against the current build, quickly, when there
    is one (:mod:`kg.build.article_check`); otherwise by the full checks."""
    from kg.build import BuildError, check_sources
    from kg.build.article_check import check_article
    from kg.store import NoBuildError, open_build

    try:
        build = open_build(layout, ensure=False)
    except NoBuildError:
        try:
            check_sources(layout)
        except BuildError as error:
            return [f"{error.step}: {p}" for p in error.problems]
        return []
    result = check_article(layout, article, build)
    return [str(p) for p in result.problems if p.severity == "error"]
