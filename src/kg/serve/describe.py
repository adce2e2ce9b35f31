"""Describe one resource: what to fetch for it, and a readable view of the result."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.amounts import amount
from kg.namespaces import BASE, compact
from kg.typed_results import text_of

LABELS = (
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LGDE_EVIDENCE = BASE + "ontology#evidence"
OA_SOURCE = "http://www.w3.org/ns/oa#hasSource"
OA_SELECTOR = "http://www.w3.org/ns/oa#hasSelector"
OA_EXACT = "http://www.w3.org/ns/oa#exact"
TITLE = "http://purl.org/dc/terms/title"
DESCRIPTION = BASE + "ontology#description"  # facts have no label; their summary names them


def describe_query(iri: str) -> str:
    """CONSTRUCT the resource's triples, those of nodes minted under its IRI (two levels:
    evidence and selector), the triples that point at it, and labels of its neighbours."""
    r = f"<{iri}>"
    child = f'FILTER(isIRI(?c) && STRSTARTS(STR(?c), "{iri}/"))'
    labels = " ".join(f"<{p}>" for p in LABELS)
    return f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
      {{ BIND({r} AS ?s) {r} ?p ?o }}
      UNION {{ {r} ?q ?c {child} BIND(?c AS ?s) ?c ?p ?o }}
      UNION {{ {r} ?q ?c {child} ?c ?q2 ?d FILTER(isIRI(?d) && STRSTARTS(STR(?d), STR(?c)))
               BIND(?d AS ?s) ?d ?p ?o }}
      UNION {{ ?s ?p {r} BIND({r} AS ?o) }}
      UNION {{ {{ {r} ?q ?s }} UNION {{ ?s ?q {r} }} UNION {{ {r} ?s ?x }} UNION {{ ?x ?s {r} }}
               UNION {{ {r} ?q ?c {child} ?c ?q2 ?s }}
               FILTER(isIRI(?s)) VALUES ?p {{ {labels} <{TITLE}> <{DESCRIPTION}> }} ?s ?p ?o }}
    }}"""


@dataclass
class Link:
    iri: str
    label: str


@dataclass
class Value:
    text: str
    iri: str | None = None
    language: str | None = None
    datatype: str | None = None
    reading: str | None = None  # an amount as people read it: "5 trillion yuan"


@dataclass
class Evidence:
    quote: str
    source: Link | None


@dataclass
class Description:
    iri: str
    label: str
    types: list[Link] = field(default_factory=list)
    properties: list[tuple[Link, list[Value]]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    incoming: list[tuple[Link, Link]] = field(default_factory=list)  # (subject, predicate)

    @property
    def empty(self) -> bool:
        return not (self.types or self.properties or self.incoming)


def build_description(iri: str, triples: list[ox.Triple]) -> Description:
    """Arrange the triples fetched by :func:`describe_query` for a page."""
    by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
    for triple in triples:
        if isinstance(triple.subject, ox.NamedNode):
            by_subject[triple.subject.value].append(triple)

    def label(node_iri: str) -> str:
        for predicate in (*LABELS, TITLE, DESCRIPTION):
            values = [
                t.object
                for t in by_subject.get(node_iri, [])
                if t.predicate.value == predicate and isinstance(t.object, ox.Literal)
            ]
            english = [v for v in values if v.language in (None, "", "en")]
            if english or values:
                return (english or values)[0].value
        return compact(node_iri)

    def link(node_iri: str) -> Link:
        return Link(node_iri, label(node_iri))

    description = Description(iri, label(iri))
    grouped: dict[str, list[Value]] = defaultdict(list)
    for triple in by_subject.get(iri, []):
        predicate, obj = triple.predicate.value, triple.object
        if predicate == RDF_TYPE and isinstance(obj, ox.NamedNode):
            description.types.append(link(obj.value))
        elif isinstance(obj, ox.NamedNode):
            grouped[predicate].append(Value(label(obj.value), obj.value))
        elif isinstance(obj, ox.Literal):
            datatype = obj.datatype.value if obj.datatype else None
            grouped[predicate].append(Value(obj.value, None, obj.language or None, datatype))
    description.types.sort(key=lambda item: item.label.lower())
    _read_amounts(grouped)
    description.properties = sorted(
        ((link(p), sorted(values, key=lambda v: v.text)) for p, values in grouped.items()),
        key=lambda item: compact(item[0].iri),
    )

    for evidence in grouped.get(LGDE_EVIDENCE, []):
        items = by_subject.get(evidence.iri or "", [])
        source = next((text_of(t.object) for t in items if t.predicate.value == OA_SOURCE), None)
        # The quote selector, among the annotation's selectors (the build adds a
        # position selector beside it).
        selectors = [text_of(t.object) for t in items if t.predicate.value == OA_SELECTOR]
        exact = next(
            (
                text_of(t.object)
                for selector in sorted(selectors)
                for t in by_subject.get(selector, [])
                if t.predicate.value == OA_EXACT
            ),
            None,
        )
        if exact:
            description.evidence.append(Evidence(exact, link(source) if source else None))

    for triple in triples:
        if (
            isinstance(triple.object, ox.NamedNode)
            and triple.object.value == iri
            and isinstance(triple.subject, ox.NamedNode)
            and not triple.subject.value.startswith(iri + "/")
        ):
            description.incoming.append((link(triple.subject.value), link(triple.predicate.value)))
    description.incoming.sort(key=lambda pair: (pair[1].label, pair[0].label))
    return description


OBS_VALUE = "http://purl.org/linked-data/sdmx/2009/measure#obsValue"
UNIT_MEASURE = "http://purl.org/linked-data/sdmx/2009/attribute#unitMeasure"
USD_EQUIVALENT = BASE + "ontology#usdEquivalent"
USD = "http://qudt.org/vocab/unit/CCY_USD"


def _read_amounts(grouped: dict[str, list[Value]]) -> None:
    """Give values in base units their reading in the fact's unit."""
    unit = next((v.iri for v in grouped.get(UNIT_MEASURE, []) if v.iri), None)
    for predicate, in_unit in ((OBS_VALUE, unit), (USD_EQUIVALENT, USD)):
        for value in grouped.get(predicate, []):
            if in_unit and value.iri is None:
                value.reading = amount(value.text, in_unit)


# --- Facts about an entity, grouped by kind ----------------------------------------------

FACT_KINDS = (  # (class local name, heading), in the order a researcher reads them
    ("PolicyTarget", "Targets"),
    ("Expectation", "Expectations"),
    ("IndicatorObservation", "Indicators"),
    ("Affiliation", "Posts and affiliations"),
    ("Quote", "Quotes"),
    ("PolicyPlan", "Plans"),
    ("Claim", "Claims"),
    ("SectorClaim", "Disputed sectors"),
    ("Photograph", "Photographs"),
    ("Video", "Video"),
)


def _refers(variable: str, iri: str) -> str:
    """Patterns by which fact ``?variable`` refers to the entity."""
    v, r = "?" + variable, f"<{iri}>"
    return (
        f"{{ {v} ?p {r} }} UNION {{ {v} lgde:sectorClaim/lgde:sector {r} }} "
        f"UNION {{ ?claim lgde:sector {r} . {v} lgde:sectorClaim ?claim }}"
    )


def facts_query(iri: str) -> str:
    """SELECT the facts that refer to the entity (directly, or through a sector claim),
    with their kind, summary, value, evidence and conflicts."""
    kinds = ", ".join(f"lgde:{name}" for name, _ in FACT_KINDS)
    return f"""SELECT ?fact ?kind ?summary ?value ?unit ?comparator ?period ?month ?exact
                      ?article ?title ?other ?counterpart ?area WHERE {{
      {{ {_refers("fact", iri)} BIND(false AS ?counterpart) }}
      UNION {{ {{ {_refers("near", iri)} }} ?near lgde:conflictsWith ?fact
               BIND(true AS ?counterpart) }}
      ?fact a lgde:Fact, ?kind . FILTER(?kind IN ({kinds}))
      OPTIONAL {{ ?fact lgde:description ?description }}
      OPTIONAL {{ ?fact schema:text ?words }}
      OPTIONAL {{ ?fact schema:caption ?caption }}
      OPTIONAL {{ ?fact org:member/rdfs:label ?member . ?fact org:role/skos:prefLabel ?role .
                  ?fact org:organization/rdfs:label ?organization }}
      OPTIONAL {{ ?fact lgde:indicator/skos:prefLabel ?indicator }}
      OPTIONAL {{ ?fact lgde:sector/skos:prefLabel ?sectorLabel }}
      # The build labels every fact from its parts: for a figure, that label says what
      # tells it apart from another figure of the same indicator (sector, month, source).
      OPTIONAL {{ ?fact rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
      BIND(COALESCE(?description, ?words, ?caption, ?label,
                    CONCAT(?member, ", ", ?role, ", ", ?organization),
                    ?indicator, ?sectorLabel) AS ?summary)
      OPTIONAL {{ ?fact sdmx-measure:obsValue ?value ; sdmx-attribute:unitMeasure ?unit ;
                        lgde:comparator ?comparator }}
      OPTIONAL {{ ?fact sdmx-dimension:refPeriod ?period }}
      OPTIONAL {{ ?fact lgde:refMonth ?month }}
      OPTIONAL {{ ?fact sdmx-dimension:refArea/rdfs:label ?area FILTER(LANG(?area) = "en") }}
      ?fact lgde:evidence ?evidence . ?evidence oa:hasSource ?article ;
            oa:hasSelector/oa:exact ?exact . ?article dcterms:title ?title .
      OPTIONAL {{ ?fact lgde:conflictsWith ?other }}
    }} ORDER BY ?kind ?fact ?article"""


@dataclass
class Fact:
    iri: str
    kind: str
    summary: str
    value: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    counterpart: bool = True  # only here as the other side of a conflict


@dataclass
class FactGroups:
    groups: list[tuple[str, list[Fact]]]
    conflicts: list[tuple[Fact, Fact]]


def group_facts(rows: list[dict]) -> FactGroups:
    """Arrange SPARQL JSON rows of :func:`facts_query` by kind, and pair conflicts."""
    facts: dict[str, Fact] = {}
    for row in rows:
        iri = row["fact"]["value"]
        kind = row["kind"]["value"].rsplit("#", 1)[1]
        fact = facts.get(iri)
        if fact is None:
            value = None
            if "value" in row:
                value = amount(
                    row["value"]["value"], row["unit"]["value"], row["comparator"]["value"]
                )
                when = "month" if "month" in row else "period"
                where = [row[k]["value"] for k in ("area", when) if k in row]
                if where:
                    value += f" ({', '.join(where)})"
            summary = row["summary"]["value"] if "summary" in row else compact(iri)
            fact = facts[iri] = Fact(iri, kind, summary, value)
        if row.get("counterpart", {}).get("value") == "false":
            fact.counterpart = False
        quote = row["exact"]["value"]
        if all(e.quote != quote for e in fact.evidence):
            fact.evidence.append(
                Evidence(quote, Link(row["article"]["value"], row["title"]["value"]))
            )
        if "other" in row and row["other"]["value"] not in fact.conflicts:
            fact.conflicts.append(row["other"]["value"])
    groups = []
    for name, heading in FACT_KINDS:
        members = sorted(
            (f for f in facts.values() if f.kind == name and not f.counterpart),
            key=lambda f: f.summary,
        )
        if members:
            groups.append((heading, members))
    pairs = []
    for fact in facts.values():
        for other in fact.conflicts:
            if (
                other in facts
                and fact.iri < other
                and not (fact.counterpart and facts[other].counterpart)
            ):
                pairs.append((fact, facts[other]))
    return FactGroups(groups, pairs)
