"""Entities that may be one and the same: two IRIs with the same or nearly the same name.

A region, person or organisation, a sector, theme or indicator, named once under two
IRIs splits its facts in two. The build compares the English names of entities of one
kind, after dropping case, punctuation and level words ("Province", "City",
"Municipality", ...), and reports each pair whose names are the same, or, for
concepts and organisations, nearly so (two letters' difference in a longer name), as a
warning. A person settles the pair once: the same, by merging them into one IRI;
different, by stating
``A owl:differentFrom B`` in ``graph/identity.ttl``, after which it is not reported again.
Names that differ in their digits ("Group 3", "Group 4") are different names.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from difflib import SequenceMatcher
from itertools import combinations

from kg.build.data_store import DataStore
from kg.build.problems import Problem
from kg.namespaces import ID
from kg.typed_results import solutions, text_of

KINDS = ("region", "person", "organization", "sector", "theme", "indicator")
# Names of people and places that differ by a letter are, as a rule, different ones
# (Cao Yang and Cao Ying, Shanxi and Shaanxi): only the same name is asked about.
EXACT_ONLY = ("region", "person")
LEVEL_WORDS = {
    "province", "provincial", "city", "municipality", "municipal", "district", "county",
    "new", "area", "prefecture", "autonomous", "region", "the", "of",
}  # fmt: skip
NEAR = 0.9  # difflib ratio from which two longer names count as nearly the same

_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?name WHERE {
  { ?entity rdfs:label ?name } UNION { ?entity skos:prefLabel ?name }
  UNION { ?entity skos:altLabel ?name }
  FILTER(LANGMATCHES(LANG(?name), "en") || LANG(?name) = "")
}"""
_DIFFERENT = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?a ?b WHERE { ?a owl:differentFrom ?b }"""


def key(name: str) -> str:
    """A name as compared: letters and digits, lower case, no level words.

    >>> key("Guizhou Province"), key("Gui'an New Area"), key("Guiyang  City")
    ('guizhou', 'guian', 'guiyang')
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"['\u2019]", "", text)
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in LEVEL_WORDS]
    return " ".join(words)


def near(a: str, b: str) -> bool:
    """Whether two compared names are the same or nearly so.

    >>> near("guizhou", "guizhou"), near("shanxi", "shaanxi"), near("metaverse", "metavers")
    (True, False, True)
    >>> near("group 3", "group 4")
    False
    """
    if a == b:
        return True
    if re.sub(r"\D", "", a) != re.sub(r"\D", "", b):
        return False
    if min(len(a), len(b)) < 8:
        return False  # short names differ by one letter on purpose (Shanxi, Shaanxi)
    return SequenceMatcher(None, a, b).ratio() >= NEAR


def identity_problems(data: DataStore, file_of: Callable[[object], str]) -> list[Problem]:
    """A warning per pair of entities of one kind whose names are (nearly) the same."""
    names: dict[str, set[str]] = defaultdict(set)
    for row in solutions(data.query(_QUERY)):
        entity = text_of(row["entity"])
        if entity.startswith(ID) and entity[len(ID) :].split("/", 1)[0] in KINDS:
            names[entity].add(text_of(row["name"]))
    different = {
        frozenset((text_of(row["a"]), text_of(row["b"])))
        for row in solutions(data.query(_DIFFERENT))
    }
    by_kind: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for entity, labels in names.items():
        kind = entity[len(ID) :].split("/", 1)[0]
        for label in labels:
            compared = key(label)
            if compared:
                by_kind[kind][compared].append(entity)
    pairs: dict[frozenset[str], tuple[str, str]] = {}
    for kind, keys in by_kind.items():
        # Exact keys first: one pass. Near keys: within blocks of the same first letter.
        for compared, entities in keys.items():
            for a, b in combinations(sorted(set(entities)), 2):
                pairs.setdefault(frozenset((a, b)), (compared, compared))
        if kind in EXACT_ONLY:
            continue
        blocks: dict[str, list[str]] = defaultdict(list)
        for compared in keys:
            blocks[compared[:2]].append(compared)
        for block in blocks.values():
            for x, y in combinations(sorted(block), 2):
                if not near(x, y):
                    continue
                for a in keys[x]:
                    for b in keys[y]:
                        if a != b:
                            pairs.setdefault(frozenset((a, b)), (x, y))
    problems = []
    for pair, (x, y) in pairs.items():
        if pair in different:
            continue
        a, b = sorted(pair)
        said = f"'{x}'" if x == y else f"'{x}' and '{y}'"
        problems.append(
            Problem(
                "identity",
                file_of(a),
                a,
                f"may be the same as <{b}> (named {said}): merge them into one IRI, or "
                f"record <{a}> owl:differentFrom <{b}> in graph/identity.ttl",
                "warning",
            )
        )
    return sorted(problems)
