"""An ``rdfs:label`` for every fact that has none, made from its parts.

Facts are nodes of their own (a target, an observation, a quote); a generic linked-data
browser shows a node by its ``rdfs:label`` and otherwise by its bare IRI. The articles
give facts no titles, so the build writes one from what the fact says: whose, what,
when, how much ("Hubei: gross domestic product, 2021, at least 5 trillion yuan"). Two
facts that would read the same (two sources disagreeing) are told apart by their source
articles. The labels are derived like the inferences and kept with them.
"""

from __future__ import annotations

import calendar
from collections import defaultdict

import pyoxigraph as ox

from kg.amounts import amount
from kg.build.data_store import DataStore
from kg.typed_results import solutions

RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")

_PREFIXES = """\
PREFIX lgde: <https://w3id.org/lgde/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
"""

# The English name of a thing, whichever naming property it uses.
_NAME = "COALESCE(?{v}Label, ?{v}Pref)"


def _named(variable: str) -> str:
    v = variable
    return (
        f"OPTIONAL {{ ?{v} rdfs:label ?{v}Label FILTER(LANGMATCHES(LANG(?{v}Label), 'en')) }} "
        f"OPTIONAL {{ ?{v} skos:prefLabel ?{v}Pref FILTER(LANGMATCHES(LANG(?{v}Pref), 'en')) }}"
    )


_FACTS = (
    _PREFIXES
    + f"""
SELECT ?fact ?kind ?subjectName ?indicatorName ?sectorName ?period ?month ?value ?unit
       ?comparator ?description ?words ?speakerName ?caption ?memberName ?roleName
       ?organizationName ?tenure ?conflicted ?suggested
WHERE {{
  ?fact a ?kind .
  VALUES ?kind {{ lgde:IndicatorObservation lgde:PolicyTarget lgde:Expectation lgde:PolicyPlan
                  lgde:Claim lgde:Quote lgde:Affiliation lgde:SectorClaim lgde:Photograph
                  lgde:Video }}
  FILTER NOT EXISTS {{ ?fact rdfs:label ?given }}
  OPTIONAL {{ ?fact sdmx-dimension:refArea|lgde:aboutOrganization ?subject . {_named("subject")} }}
  OPTIONAL {{ ?fact lgde:indicator ?indicator . {_named("indicator")} }}
  OPTIONAL {{ ?fact a lgde:SectorClaim ; lgde:sector ?claimed . {_named("claimed")} }}
  OPTIONAL {{ ?fact qb:dataSet/qb:structure/qb:component/qb:dimension lgde:sector ;
                    lgde:sector ?sector . {_named("sector")} }}
  OPTIONAL {{ ?fact sdmx-dimension:refPeriod ?period }}
  OPTIONAL {{ ?fact lgde:refMonth ?month }}
  OPTIONAL {{ ?fact sdmx-measure:obsValue ?value ; sdmx-attribute:unitMeasure ?unit ;
                    lgde:comparator ?comparator }}
  OPTIONAL {{ ?fact lgde:description ?description }}
  OPTIONAL {{ ?fact schema:text ?words }}
  OPTIONAL {{ ?fact lgde:speaker ?speaker . {_named("speaker")} }}
  OPTIONAL {{ ?fact schema:caption ?caption }}
  OPTIONAL {{ ?fact org:member ?member . {_named("member")} }}
  OPTIONAL {{ ?fact org:role ?role . {_named("role")} }}
  OPTIONAL {{ ?fact org:organization ?organization . {_named("organization")} }}
  OPTIONAL {{ ?fact lgde:tenure ?tenure }}
  BIND(EXISTS {{ ?fact lgde:conflictsWith ?other }} AS ?conflicted)
  BIND(EXISTS {{ ?fact lgde:reviewStatus lgde:suggested }} AS ?suggested)
  BIND({_NAME.format(v="subject")} AS ?subjectName)
  BIND({_NAME.format(v="indicator")} AS ?indicatorName)
  BIND(COALESCE({_NAME.format(v="sector")}, {_NAME.format(v="claimed")}) AS ?sectorName)
  BIND({_NAME.format(v="speaker")} AS ?speakerName)
  BIND({_NAME.format(v="member")} AS ?memberName)
  BIND({_NAME.format(v="role")} AS ?roleName)
  BIND({_NAME.format(v="organization")} AS ?organizationName)
}}"""
).replace("PREFIX lgde:", "PREFIX qb: <http://purl.org/linked-data/cube#>\nPREFIX lgde:", 1)

_SOURCES = (
    _PREFIXES
    + """SELECT ?fact ?id WHERE { ?fact lgde:conflictsWith ?other ; prov:wasDerivedFrom ?article .
                                ?article dcterms:identifier ?id }"""
)


def clip(text: str, limit: int = 90) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters.

    >>> clip("Launch 20 major application scenarios", 20)
    'Launch 20 major…'
    >>> clip("short", 20)
    'short'
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _month(month: str) -> str:
    """
    >>> _month("2022-01")
    'January 2022'
    """
    year, number = month.split("-")[:2]
    return f"{calendar.month_name[int(number)]} {year}"


def _label(row: dict[str, str]) -> str | None:
    kind = row["kind"].rsplit("#", 1)[1]
    when = _month(row["month"]) if row.get("month") else row.get("period", "")
    how_much = amount(row["value"], row["unit"], row.get("comparator")) if row.get("value") else ""
    what = row.get("indicatorName", "")
    if row.get("sectorName") and kind != "SectorClaim":
        what += f" ({row['sectorName']})"
    measured = ", ".join(part for part in (what, when, how_much) if part)
    subject = row.get("subjectName", "")
    if kind == "IndicatorObservation":
        return f"{subject}: {measured}"
    if kind == "PolicyTarget":
        return f"Target, {subject}: {measured}"
    if kind == "Expectation":
        return f"Expectation, {subject}: {measured}"
    if kind == "PolicyPlan":
        return f"Plan, {subject}: {clip(row.get('description', ''))}"
    if kind == "Claim":
        return f"Claim: {clip(row.get('description', ''))}"
    if kind == "Quote":
        return f"{row.get('speakerName', '')}: “{clip(row.get('words', ''), 70)}”"
    if kind == "Affiliation":
        former = " (former)" if row.get("tenure", "").endswith("formerTenure") else ""
        parts = (row.get("memberName"), row.get("roleName"), row.get("organizationName"))
        return ", ".join(p for p in parts if p) + former
    if kind == "SectorClaim":
        return f"Sector named: {row.get('sectorName', '')}"
    if kind == "Photograph":
        return f"Photograph: {clip(row.get('caption', ''), 70)}"
    return None


def fact_labels(data: DataStore) -> list[ox.Triple]:
    """``rdfs:label`` triples (English) for the facts that have no label."""
    rows = solutions(data.query(_FACTS, with_ontology=True))
    variables = [v.value for v in rows.variables]
    by_fact: dict[str, dict[str, str]] = {}
    for solution in rows:
        row = {name: solution[name].value for name in variables if solution[name] is not None}
        # One row per fact is enough: the parts are single-valued, or any one will do.
        by_fact.setdefault(row["fact"], row)
    sources: dict[str, set[str]] = defaultdict(set)
    for solution in solutions(data.query(_SOURCES)):
        sources[solution["fact"].value].add(solution["id"].value.split("_", 1)[0])
    triples = []
    for fact, row in sorted(by_fact.items()):
        text = _label(row)
        if not text:
            continue
        if row.get("conflicted") == "true" and sources.get(fact):
            text += f" (as article {', '.join(sorted(sources[fact]))} gives it)"
        if row.get("suggested") == "true":
            text += " [suggested, not reviewed]"
        triples.append(ox.Triple(ox.NamedNode(fact), RDFS_LABEL, ox.Literal(text, language="en")))
    return triples
