"""Each SHACL shape rejects a minimal bad graph with a readable message.

``VALID`` is a small graph with one instance of every class the shapes target; it must
conform with no result at all. Each case changes it in one place and names the shape
that must reject the change, the focus node and words of the message.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from kg.build.validate import run_shacl

from .conftest import HOME

PREFIXES = """
@prefix lgde: <https://w3id.org/lgde/ontology#> .
@prefix ex: <https://w3id.org/lgde/id/test/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix opengov: <http://www.w3.org/ns/opengov#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix schema: <https://schema.org/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix spdx: <http://spdx.org/rdf/terms#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#> .
@prefix sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#> .
@prefix sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix time: <http://www.w3.org/2006/time#> .
"""


def ev(article: str, exact: str) -> str:
    return (
        f"[ a oa:SpecificResource ; oa:hasSource ex:{article} ; "
        f'oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{exact}" ] ]'
    )


E1 = ev("a1", "Alpha plans ten smart factories")
E2 = ev("a2", "Alpha wants ten smart factories")

VALID = (
    PREFIXES
    + f"""
ex:a1 a schema:NewsArticle ; dcterms:title "One"@en ; schema:datePublished "2022-02-17"^^xsd:date ;
    lgde:datePrecision lgde:dayPrecision ; schema:inLanguage "en" ; lgde:seedFile "a1.txt" ;
    schema:text "Alpha plans ten smart factories."@en ; schema:publisher ex:news ;
    spdx:checksum ex:a1-sum .
ex:a1-sum spdx:algorithm spdx:checksumAlgorithm_sha256 ;
    spdx:checksumValue "{"a" * 64}"^^xsd:hexBinary .
ex:a2 a schema:NewsArticle ; dcterms:title "Two"@en ; schema:datePublished "2022"^^xsd:gYear ;
    lgde:datePrecision lgde:yearPrecision ; schema:inLanguage "en" ; lgde:seedFile "a2.txt" ;
    schema:text "Alpha wants ten smart factories."@en ; spdx:checksum ex:a2-sum .
ex:a2-sum spdx:algorithm spdx:checksumAlgorithm_sha256 ;
    spdx:checksumValue "{"b" * 64}"^^xsd:hexBinary .

ex:country a lgde:Country ; rdfs:label "Country"@en, "国"@zh ;
    lgde:mentionedIn ex:a1 ; lgde:evidence {E1} .
ex:alpha a lgde:Province ; rdfs:label "Alpha"@en, "甲省"@zh ; lgde:partOf ex:country ;
    skos:notation "110000"^^lgde:GBT2260Code ;
    skos:exactMatch <http://www.wikidata.org/entity/Q1> ;
    lgde:mentionedIn ex:a1 ; lgde:evidence {E1} .

ex:news a lgde:NewsOrganization ; rdfs:label "News"@en ; lgde:basedIn ex:country ;
    lgde:mentionedIn ex:a1 ; lgde:evidence {E1} .
ex:gov a lgde:Government ; rdfs:label "Alpha government"@en ; lgde:jurisdiction ex:alpha ;
    lgde:mentionedIn ex:a1 ; lgde:evidence {E1} .
ex:governor a lgde:OfficialRole ; skos:prefLabel "governor"@en .
ex:governor-post a org:Post ; rdfs:label "Governor of Alpha"@en ;
    org:postIn ex:gov ; org:role ex:governor .
ex:bob a foaf:Person ; rdfs:label "Bob"@en ; lgde:mentionedIn ex:a1 ; lgde:evidence {E1} .
ex:carol a foaf:Person ; rdfs:label "Carol"@en ; lgde:mentionedIn ex:a1 ; lgde:evidence {E1} .
ex:bob-governor a lgde:Affiliation ; org:member ex:bob ; org:organization ex:gov ;
    org:role ex:governor ; opengov:post ex:governor-post ; lgde:tenure lgde:currentTenure ;
    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .

ex:scheme a skos:ConceptScheme ; skos:prefLabel "Test scheme"@en ; skos:hasTopConcept ex:ai .
ex:ai a lgde:Sector ; skos:prefLabel "AI"@en ; skos:altLabel "artificial intelligence"@en ;
    skos:inScheme ex:scheme .
ex:xr a lgde:Sector ; skos:prefLabel "XR"@en ; skos:broader ex:ai ; skos:inScheme ex:scheme .
ex:ar a lgde:Sector ; skos:prefLabel "AR"@en ; skos:broader ex:xr ; skos:inScheme ex:scheme .
ex:smes a lgde:Theme ; skos:prefLabel "SMEs"@en ; skos:inScheme ex:scheme .
ex:factories a lgde:Indicator ; skos:prefLabel "smart factories"@en ; skos:inScheme ex:scheme .
ex:dataset a qb:DataSet ; rdfs:label "Test dataset"@en ; qb:structure ex:structure .
ex:structure a qb:DataStructureDefinition ;
    qb:component [ qb:dimension sdmx-dimension:refArea ], [ qb:measure sdmx-measure:obsValue ] .

ex:target a lgde:PolicyTarget ; sdmx-dimension:refArea ex:alpha ; lgde:indicator ex:factories ;
    sdmx-measure:obsValue 10.0 ; sdmx-attribute:unitMeasure unit:NUM ; lgde:comparator lgde:exactly ;
    lgde:status lgde:planned ; lgde:description "Ten smart factories."@en ;
    sdmx-dimension:refPeriod "2025"^^xsd:gYear ; lgde:actor ex:gov ; lgde:sector ex:ai ;
    lgde:sectorClaim ex:claim-xr, ex:claim-ar ;
    prov:wasDerivedFrom ex:a1, ex:a2 ; lgde:evidence {E1}, {E2} .
ex:claim-xr a lgde:SectorClaim ; lgde:sector ex:xr ; lgde:conflictsWith ex:claim-ar ;
    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .
ex:claim-ar a lgde:SectorClaim ; lgde:sector ex:ar ; lgde:conflictsWith ex:claim-xr ;
    prov:wasDerivedFrom ex:a2 ; lgde:evidence {E2} .
ex:observation a lgde:IndicatorObservation ; qb:dataSet ex:dataset ; sdmx-dimension:refArea ex:alpha ;
    sdmx-dimension:refPeriod "2021"^^xsd:gYear ; lgde:indicator ex:factories ;
    sdmx-measure:obsValue 5000000000000.0 ; sdmx-attribute:unitMeasure unit:CCY_CNY ;
    lgde:comparator lgde:moreThan ; lgde:usdEquivalent 789000000000.0 ;
    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .
ex:plan a lgde:PolicyPlan ; sdmx-dimension:refArea ex:alpha ; lgde:status lgde:planned ;
    lgde:description "Promote AI."@en ; lgde:sector ex:ai ; lgde:inDocument ex:document ;
    lgde:timeframe "P5Y"^^xsd:duration ; lgde:periodStart "2022"^^xsd:gYear ;
    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .
ex:company a lgde:Company ; rdfs:label "Alpha Cloud"@en ; lgde:basedIn ex:alpha ;
    lgde:mentionedIn ex:a1 ; lgde:evidence {E1} .
ex:expectation a lgde:Expectation ; lgde:actor ex:company ; lgde:aboutOrganization ex:company ;
    lgde:indicator ex:factories ; sdmx-measure:obsValue 12.0 ; sdmx-attribute:unitMeasure unit:NUM ;
    lgde:comparator lgde:exactly ; sdmx-dimension:refPeriod "2022"^^xsd:gYear ;
    lgde:description "Alpha Cloud expects twelve factories."@en ;
    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .
ex:company-observation a lgde:IndicatorObservation ; qb:dataSet ex:dataset ;
    lgde:aboutOrganization ex:company ; sdmx-dimension:refPeriod "2022"^^xsd:gYear ;
    lgde:refMonth "2022-01"^^xsd:gYearMonth ; lgde:indicator ex:factories ;
    sdmx-measure:obsValue 3.0 ; sdmx-attribute:unitMeasure unit:NUM ; lgde:comparator lgde:exactly ;
    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .
ex:claim a lgde:Claim ; lgde:description "Alpha leads."@en ; lgde:about ex:alpha ;
    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .
ex:quote a lgde:Quote ; lgde:speaker ex:bob ; schema:text "ten smart factories"@en ;
    lgde:isDirect true ; prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .
ex:photo a lgde:Photograph ; schema:caption "A factory"@en ; schema:dateCreated "2021-07-19"^^xsd:date ;
    schema:contentLocation ex:alpha ; schema:creator ex:carol ;
    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .
ex:video a lgde:Video ; schema:creator ex:carol ; schema:editor ex:bob ;
    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .
ex:plan lgde:reviewStatus lgde:suggested ; lgde:confidence 0.5 .
ex:sessions a lgde:TwoSessions ; rdfs:label "Sessions"@en ; dcterms:date "2022"^^xsd:gYear ;
    schema:organizer ex:gov ; lgde:mentionedIn ex:a1 ; lgde:evidence {E1} .
ex:document a lgde:Guideline ; rdfs:label "Guideline"@en ; dcterms:creator ex:gov ;
    dcterms:issued "2022"^^xsd:gYear ; dcterms:temporal ex:period ;
    lgde:mentionedIn ex:a1 ; lgde:evidence {E1} .
ex:period a time:ProperInterval ; time:hasBeginning ex:start ; time:hasEnd ex:end .
ex:start a time:Instant ; time:inXSDgYear "2021"^^xsd:gYear .
ex:end a time:Instant ; time:inXSDgYear "2025"^^xsd:gYear .
"""
)


@dataclass(frozen=True)
class Case:
    shape: str
    old: str
    new: str
    focus: str
    words: str


CASES = [
    Case(
        "SourcedShape",
        'ex:claim a lgde:Claim ; lgde:description "Alpha leads."@en ; '
        "lgde:about ex:alpha ;\n    prov:wasDerivedFrom ex:a1 ;",
        'ex:claim a lgde:Claim ; lgde:description "Alpha leads."@en ; lgde:about ex:alpha ;',
        "claim",
        "needs at least one source",
    ),
    Case(
        "SourcedShape",
        'ex:claim a lgde:Claim ; lgde:description "Alpha leads."@en ; lgde:about ex:alpha ;\n'
        "    prov:wasDerivedFrom ex:a1 ;",
        'ex:claim a lgde:Claim ; lgde:description "Alpha leads."@en ; lgde:about ex:alpha ;\n'
        "    prov:wasDerivedFrom ex:a1, ex:a2 ;",
        "claim",
        "gives no evidence quote from it",
    ),
    Case(
        "SourcedShape",
        f"lgde:about ex:alpha ;\n    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .",
        f"lgde:about ex:alpha ;\n    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1}, {E2} .",
        "claim",
        "which it does not cite",
    ),
    Case(
        "EvidenceShape",
        "ex:video a lgde:Video ; schema:creator ex:carol ; schema:editor ex:bob ;\n"
        f"    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .",
        "ex:video a lgde:Video ; schema:creator ex:carol ; schema:editor ex:bob ;\n"
        "    prov:wasDerivedFrom ex:a1 ; lgde:evidence ex:loose .\n"
        'ex:loose a oa:SpecificResource ; oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "xyz" ] .',
        "loose",
        "exactly one oa:hasSource",
    ),
    Case(
        "SelectorShape",
        'ex:quote a lgde:Quote ; lgde:speaker ex:bob ; schema:text "ten smart factories"@en ;\n'
        f"    lgde:isDirect true ; prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .",
        'ex:quote a lgde:Quote ; lgde:speaker ex:bob ; schema:text "ten smart factories"@en ;\n'
        f"    lgde:isDirect true ; prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .\n"
        'ex:short a oa:TextQuoteSelector ; oa:exact "ab" .',
        "short",
        "at least 3 characters",
    ),
    Case(
        "ConflictShape",
        "ex:claim-ar a lgde:SectorClaim ; lgde:sector ex:ar ; lgde:conflictsWith ex:claim-xr ;\n"
        f"    prov:wasDerivedFrom ex:a2 ; lgde:evidence {E2} .",
        "ex:claim-ar a lgde:SectorClaim ; lgde:sector ex:ar ; lgde:conflictsWith ex:claim-xr ;\n"
        f"    prov:wasDerivedFrom ex:a1 ; lgde:evidence {E1} .",
        "claim-xr",
        "one of the other's too",
    ),
    Case(
        "MentionedShape",
        'ex:carol a foaf:Person ; rdfs:label "Carol"@en ; lgde:mentionedIn ex:a1 ;',
        'ex:carol a foaf:Person ; rdfs:label "Carol"@en ; prov:wasDerivedFrom ex:a1 ;',
        "carol",
        "not derived from them",
    ),
    Case(
        "MentionedShape",
        'ex:carol a foaf:Person ; rdfs:label "Carol"@en ; lgde:mentionedIn ex:a1 ;',
        'ex:carol a foaf:Person ; rdfs:label "Carol"@en ; lgde:mentionedIn ex:a2 ;',
        "carol",
        "no evidence quote from it",
    ),
    Case(
        "ReviewShape",
        "lgde:reviewStatus lgde:suggested ; lgde:confidence 0.5 .",
        "lgde:reviewStatus lgde:suggested ; lgde:confidence 1.5 .",
        "plan",
        "from 0 to 1",
    ),
    Case(
        "ReviewShape",
        "lgde:reviewStatus lgde:suggested ; lgde:confidence 0.5 .",
        "lgde:reviewStatus lgde:planned ; lgde:confidence 0.5 .",
        "plan",
        "lgde:reviewStatus is lgde:suggested",
    ),
    Case(
        "DivisionShape",
        '    skos:notation "110000"^^lgde:GBT2260Code ;\n',
        "",
        "alpha",
        "should carry its GB/T 2260 code",
    ),
    Case(
        "RegionShape",
        '"Alpha"@en, "甲省"@zh ;',
        '"Alpha"@en ;',
        "alpha",
        "not the Chinese name that goes with it",
    ),
    Case(
        "RegionShape",
        'skos:notation "110000"^^lgde:GBT2260Code',
        'skos:notation "1100"^^lgde:GBT2260Code',
        "alpha",
        "six digits",
    ),
    Case(
        "ArticleShape",
        'ex:a2 a schema:NewsArticle ; dcterms:title "Two"@en ;',
        "ex:a2 a schema:NewsArticle ;",
        "a2",
        "one dcterms:title",
    ),
    Case(
        "ArticleShape",
        "lgde:datePrecision lgde:yearPrecision",
        "lgde:datePrecision lgde:monthPrecision",
        "a2",
        "does not match lgde:datePrecision",
    ),
    Case(
        "ChecksumShape",
        f'"{"b" * 64}"^^xsd:hexBinary',
        '"b0b0"^^xsd:hexBinary',
        "a2-sum",
        "64 lower-case hex digits",
    ),
    Case("PhotographShape", 'schema:caption "A factory"@en ;', "", "photo", "needs its caption"),
    Case(
        "VideoShape",
        "ex:video a lgde:Video ; schema:creator ex:carol ;",
        "ex:video a lgde:Video ;",
        "video",
        "at least one schema:creator",
    ),
    Case(
        "RegionShape",
        'ex:alpha a lgde:Province ; rdfs:label "Alpha"@en, "甲省"@zh ;',
        'ex:alpha a lgde:Province ; rdfs:label "甲省"@zh ;',
        "alpha",
        "exactly one English rdfs:label",
    ),
    Case(
        "RegionShape",
        "lgde:partOf ex:country ;",
        "lgde:partOf ex:country, ex:gov ;",
        "alpha",
        "the one direct parent",
    ),
    Case(
        "RegionShape",
        'ex:country a lgde:Country ; rdfs:label "Country"@en, "国"@zh ;',
        'ex:country a lgde:Country ; rdfs:label "Country"@en, "国"@zh ; lgde:partOf ex:alpha ;',
        "alpha",
        "cannot lie within itself",
    ),
    Case(
        "RegionShape",
        "skos:exactMatch <http://www.wikidata.org/entity/Q1> ;",
        "owl:sameAs <http://www.wikidata.org/entity/Q1> ;",
        "alpha",
        "not owl:sameAs",
    ),
    Case(
        "RegionShape",
        "<http://www.wikidata.org/entity/Q1>",
        "<https://example.org/alpha>",
        "alpha",
        "Wikidata entity IRI",
    ),
    Case(
        "PersonShape",
        'ex:bob a foaf:Person ; rdfs:label "Bob"@en ;',
        'ex:bob a foaf:Person ; rdfs:label "Bob"@en, "Robert"@en ;',
        "bob",
        "exactly one English",
    ),
    Case(
        "OrganizationShape",
        'ex:news a lgde:NewsOrganization ; rdfs:label "News"@en ;',
        "ex:news a lgde:NewsOrganization ;",
        "news",
        "exactly one English rdfs:label",
    ),
    Case(
        "PostShape",
        "org:postIn ex:gov ; org:role ex:governor .",
        "org:role ex:governor .",
        "governor-post",
        "exactly one organisation (org:postIn)",
    ),
    Case(
        "RoleShape",
        'ex:governor a lgde:OfficialRole ; skos:prefLabel "governor"@en .',
        "ex:governor a lgde:OfficialRole .",
        "governor",
        "one English skos:prefLabel",
    ),
    # The trap ORG sets: org:member is functional, so two members would make OWL RL
    # infer that Bob and Carol are one person.
    Case(
        "AffiliationShape",
        "org:member ex:bob ; org:organization ex:gov ;",
        "org:member ex:bob, ex:carol ; org:organization ex:gov ;",
        "bob-governor",
        "exactly one org:member",
    ),
    Case(
        "AffiliationShape",
        "org:postIn ex:gov ; org:role ex:governor .",
        "org:postIn ex:news ; org:role ex:governor .",
        "bob-governor",
        "does not match",
    ),
    Case(
        "AffiliationShape",
        "lgde:tenure lgde:currentTenure ;",
        "",
        "bob-governor",
        "lgde:tenure: current or former",
    ),
    Case(
        "ConceptShape",
        'ex:smes a lgde:Theme ; skos:prefLabel "SMEs"@en ; skos:inScheme ex:scheme .',
        'ex:smes a lgde:Theme ; skos:prefLabel "SMEs"@en .',
        "smes",
        "must be in a skos:ConceptScheme",
    ),
    Case(
        "ConceptShape",
        'skos:altLabel "artificial intelligence"@en',
        'skos:altLabel "AI"@en',
        "ai",
        "repeats the skos:prefLabel",
    ),
    Case(
        "ValueShape",
        "sdmx-attribute:unitMeasure unit:NUM",
        "sdmx-attribute:unitMeasure unit:KiloGM",
        "target",
        "one unit from",
    ),
    Case(
        "ValueShape",
        "sdmx-measure:obsValue 5000000000000.0",
        "sdmx-measure:obsValue 5.0",
        "observation",
        "not in base units",
    ),
    Case(
        "ValueShape",
        "sdmx-measure:obsValue 10.0",
        "sdmx-measure:obsValue 10",
        "target",
        "as xsd:decimal",
    ),
    Case(
        "ValueShape",
        "sdmx-dimension:refArea ex:alpha ; lgde:indicator ex:factories ;\n"
        "    sdmx-measure:obsValue 10.0",
        "sdmx-dimension:refArea ex:gov ; lgde:indicator ex:factories ;\n    sdmx-measure:obsValue 10.0",
        "target",
        "refArea is at most one region",
    ),
    Case(
        "ValueShape",
        'sdmx-dimension:refPeriod "2025"^^xsd:gYear',
        'sdmx-dimension:refPeriod "2025-06"^^xsd:gYearMonth',
        "target",
        "one period datatype",
    ),
    Case(
        "ValueShape",
        'lgde:refMonth "2022-01"^^xsd:gYearMonth',
        'lgde:refMonth "2021-01"^^xsd:gYearMonth',
        "company-observation",
        "not in the year",
    ),
    Case(
        "ValueShape",
        "ex:target a lgde:PolicyTarget ; sdmx-dimension:refArea ex:alpha ;",
        "ex:target a lgde:PolicyTarget ; sdmx-dimension:refArea ex:alpha ; "
        'lgde:timeframe "P3Y"^^xsd:duration ;',
        "target",
        "needs lgde:periodStart",
    ),
    Case(
        "ObservationShape",
        "lgde:aboutOrganization ex:company ; sdmx-dimension:refPeriod",
        "sdmx-dimension:refArea ex:alpha ; lgde:aboutOrganization ex:company ; "
        "sdmx-dimension:refPeriod",
        "company-observation",
        "not both",
    ),
    Case(
        "TargetShape",
        "ex:target a lgde:PolicyTarget ; sdmx-dimension:refArea ex:alpha ;",
        "ex:target a lgde:PolicyTarget ;",
        "target",
        "the region it is for",
    ),
    Case(
        "ExpectationShape",
        "ex:expectation a lgde:Expectation ; lgde:actor ex:company ;",
        "ex:expectation a lgde:Expectation ; lgde:actor ex:company ; lgde:status lgde:planned ;",
        "expectation",
        "has no lgde:status",
    ),
    Case(
        "ExpectationShape",
        "ex:expectation a lgde:Expectation ; lgde:actor ex:company ;",
        "ex:expectation a lgde:Expectation ; lgde:actor ex:company ; "
        "sdmx-dimension:refArea ex:alpha ;",
        "expectation",
        "not a region's",
    ),
    Case(
        "ObservationShape", "qb:dataSet ex:dataset ;", "", "observation", "exactly one qb:DataSet"
    ),
    Case(
        "TargetShape",
        'lgde:status lgde:planned ; lgde:description "Ten smart factories."@en ;',
        'lgde:description "Ten smart factories."@en ;',
        "target",
        "exactly one lgde:status",
    ),
    Case(
        "PlanShape",
        'lgde:description "Promote AI."@en ; lgde:sector ex:ai ;',
        'lgde:description "Promote AI."@en ;',
        "plan",
        "at least one lgde:sector or lgde:theme",
    ),
    Case(
        "ClaimShape",
        'lgde:description "Alpha leads."@en ; lgde:about ex:alpha ;',
        'lgde:description "Alpha leads."@en ;',
        "claim",
        "what it is about",
    ),
    Case(
        "SectorClaimShape",
        "lgde:sectorClaim ex:claim-xr, ex:claim-ar ;",
        "lgde:sectorClaim ex:claim-xr ;",
        "claim-ar",
        "belong to exactly one target or plan",
    ),
    Case(
        "QuoteShape",
        'schema:text "ten smart factories"@en',
        'schema:text "twenty robots"@en',
        "quote",
        "appear in none of its evidence quotes",
    ),
    Case("QuoteShape", "lgde:speaker ex:bob ;", "lgde:speaker ex:gov ;", "quote", "a person"),
    Case(
        "EventShape",
        'ex:sessions a lgde:TwoSessions ; rdfs:label "Sessions"@en ;',
        "ex:sessions a lgde:TwoSessions ;",
        "sessions",
        "one English rdfs:label",
    ),
    Case(
        "DocumentShape",
        "dcterms:creator ex:gov ;",
        "dcterms:creator ex:alpha ;",
        "document",
        "organisation or a person",
    ),
    Case(
        "ConceptSchemeShape",
        'ex:scheme a skos:ConceptScheme ; skos:prefLabel "Test scheme"@en ;',
        "ex:scheme a skos:ConceptScheme ;",
        "scheme",
        "one English skos:prefLabel",
    ),
    Case("DataSetShape", "qb:structure ex:structure .", ".", "dataset", "exactly one qb:structure"),
    Case(
        "DataStructureShape",
        ", [ qb:measure sdmx-measure:obsValue ]",
        "",
        "structure",
        "needs a measure",
    ),
    Case(
        "IntervalShape",
        "time:hasEnd ex:end .",
        "time:hasEnd ex:start, ex:end .",
        "period",
        "exactly one time:hasEnd",
    ),
    Case(
        "IntervalShape",
        'ex:end a time:Instant ; time:inXSDgYear "2025"',
        'ex:end a time:Instant ; time:inXSDgYear "2020"',
        "period",
        "ends (2020) before it begins (2021)",
    ),
    Case(
        "InstantShape",
        'ex:start a time:Instant ; time:inXSDgYear "2021"^^xsd:gYear .',
        "ex:start a time:Instant .",
        "start",
        "one time:inXSDgYear",
    ),
]

EX = "https://w3id.org/lgde/id/test/"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(HOME / "ontology" / "shapes.ttl")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    graph = Graph()
    for name in ("lgde.ttl", "external.ttl"):
        graph.parse(HOME / "ontology" / name)
    return graph


def _validate(text: str, shapes: Graph, ontology: Graph):
    data = Graph().parse(data=text, format="turtle")
    return run_shacl(data, shapes, ontology, lambda node: "")


def test_valid_example_of_every_class_conforms_without_any_result(shapes, ontology) -> None:
    report = _validate(VALID, shapes, ontology)
    assert report.problems == []
    assert report.conforms


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.shape}-{c.words[:24]}")
def test_shape_rejects_bad_data(case: Case, shapes, ontology) -> None:
    assert case.old in VALID, "the case must change the valid graph"
    report = _validate(VALID.replace(case.old, case.new, 1), shapes, ontology)
    assert not report.conforms
    matching = [
        p for p in report.problems if p.subject == EX + case.focus and case.words in p.message
    ]
    assert matching, [str(p) for p in report.problems]
    # The report names the shape that caught it.
    caught_by = {
        str(report.graph.value(result, SH.sourceShape))
        for result in report.graph.subjects(RDF.type, SH.ValidationResult)
    }
    assert any(case.shape in iri for iri in caught_by) or _property_shape_of(
        shapes, case.shape, caught_by
    )


def _property_shape_of(shapes: Graph, node_shape: str, caught: set[str]) -> bool:
    """True when one of ``caught`` is a property or SPARQL shape of ``node_shape``."""
    shape = URIRef("https://w3id.org/lgde/shapes#" + node_shape)
    parts = {str(o) for o in shapes.objects(shape, SH.property)}
    parts |= {str(o) for o in shapes.objects(shape, SH.sparql)}
    parts.add(str(shape))
    return bool(parts & caught)


def test_two_passages_of_one_article_may_conflict(shapes, ontology) -> None:
    # Regression: article 003 quotes Lu Ming twice, once in the text and once as a pull
    # quote, saying opposite things; a conflict needs different quotes, not different
    # articles.
    other = ev("a1", "ten smart factories")
    data = VALID.replace(
        "ex:claim-ar a lgde:SectorClaim ; lgde:sector ex:ar ; lgde:conflictsWith ex:claim-xr ;\n"
        f"    prov:wasDerivedFrom ex:a2 ; lgde:evidence {E2} .",
        "ex:claim-ar a lgde:SectorClaim ; lgde:sector ex:ar ; lgde:conflictsWith ex:claim-xr ;\n"
        f"    prov:wasDerivedFrom ex:a1 ; lgde:evidence {other} .",
    )
    assert data != VALID
    report = _validate(data, shapes, ontology)
    assert report.passes and report.problems == []


def test_a_division_without_its_code_is_only_a_warning(shapes, ontology) -> None:
    report = _validate(
        VALID.replace('    skos:notation "110000"^^lgde:GBT2260Code ;\n', ""), shapes, ontology
    )
    assert report.passes and not report.conforms
    (problem,) = report.problems
    assert problem.severity == "warning" and "GB/T 2260 code" in problem.message


def test_every_shape_has_a_rejection_case(shapes) -> None:
    declared = {
        str(s).rsplit("#", 1)[1]
        for s in shapes.subjects(RDF.type, SH.NodeShape)
        if str(s).startswith("https://w3id.org/lgde/shapes#")
    }
    tested = {case.shape for case in CASES}
    assert declared == tested


def test_every_class_the_data_uses_has_a_shape(build, shapes) -> None:
    targets = {str(t) for t in shapes.objects(predicate=SH.targetClass)}
    used = build.select(
        """SELECT DISTINCT ?class WHERE { GRAPH <https://w3id.org/lgde/graph/asserted> { ?x a ?class } }"""
    )
    unshaped = []
    for row in used:
        supers = build.select(f"SELECT ?s WHERE {{ <{row['class']}> rdfs:subClassOf* ?s }}")
        if not ({row["class"]} | {r["s"] for r in supers}) & targets:
            unshaped.append(row["class"])
    assert unshaped == []
