"""Find facts that state different figures for the same thing, declared or not.

Two figures are *about the same thing* when they are the same kind of fact (two
observations, two targets, two expectations) of the same region or organisation,
indicator, year, month and sectors. They are compared in the same unit: the unit they
are stored in, or US dollars where an article gives a dollar equivalent.

They *agree* when they say the same within what the articles' wording allows:

- the same kind of bound: a figure ("12 percent", "about 2.5 percent"), a floor ("more
  than 7", "exceeds 7", "at least"), or a ceiling ("as much as 12%", "up to");
- the same value within the precision of the less precise wording: "3.6 trillion" is
  3.55 to 3.65 trillion, so "3.57 trillion" agrees with it; "about" allows a whole unit
  of the last digit stated.

Anything else is a disagreement. A disagreement that ``lgde:conflictsWith`` does not
declare is reported as a warning, and so is a declared conflict between figures that
agree. Precision is read from the value as the articles write numbers (a scale word
from a million up, then the digits after the point).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from kg.amounts import amount, number
from kg.build.data_store import DataStore
from kg.build.problems import Problem
from kg.namespaces import LGDE
from kg.typed_results import solutions, text_of

USD = "http://qudt.org/vocab/unit/CCY_USD"

# The kind of bound a comparator states.
BOUND = {
    LGDE + "exactly": "figure",
    LGDE + "approximately": "figure",
    LGDE + "atLeast": "floor",
    LGDE + "moreThan": "floor",
    LGDE + "upTo": "ceiling",
}

_QUERY = """
PREFIX lgde: <https://w3id.org/lgde/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX sdmx-dimension: <http://purl.org/linked-data/sdmx/2009/dimension#>
PREFIX sdmx-measure: <http://purl.org/linked-data/sdmx/2009/measure#>
PREFIX sdmx-attribute: <http://purl.org/linked-data/sdmx/2009/attribute#>
SELECT ?fact ?kind ?subject ?indicator ?period ?month ?sector ?value ?unit ?comparator ?usd
       ?other ?article
WHERE {
  VALUES ?kind { lgde:IndicatorObservation lgde:PolicyTarget lgde:Expectation }
  ?fact a ?kind ; lgde:indicator ?indicator ; sdmx-measure:obsValue ?value ;
        sdmx-attribute:unitMeasure ?unit ; lgde:comparator ?comparator .
  OPTIONAL { ?fact sdmx-dimension:refArea|lgde:aboutOrganization ?subject }
  OPTIONAL { ?fact sdmx-dimension:refPeriod ?period }
  OPTIONAL { ?fact lgde:refMonth ?month }
  OPTIONAL { ?fact lgde:sector ?sector }
  OPTIONAL { ?fact lgde:usdEquivalent ?usd }
  OPTIONAL { ?fact lgde:conflictsWith ?other }
  OPTIONAL { ?fact prov:wasDerivedFrom/dcterms:identifier ?article }
}"""


@dataclass
class Figure:
    """One stated figure: what it is about, and its value in each unit it is given in."""

    iri: str
    about: tuple
    comparator: str
    values: dict[str, Decimal] = field(default_factory=dict)
    conflicts: set[str] = field(default_factory=set)
    articles: set[str] = field(default_factory=set)

    def wording(self, unit: str) -> str:
        return amount(self.values[unit], unit, self.comparator)


def precision(value: Decimal) -> Decimal:
    """One unit of the last digit, as an article would write the value.

    >>> precision(Decimal("3600000000000")), precision(Decimal("3570000000000"))
    (Decimal('1E+11'), Decimal('1E+10'))
    >>> precision(Decimal("12")), precision(Decimal("19.5")), precision(Decimal("4000000"))
    (Decimal('1'), Decimal('0.1'), Decimal('1E+6'))
    """
    words = number(value).replace(",", "").split()
    digits = words[0].lstrip("-")
    places = len(digits.split(".")[1]) if "." in digits else 0
    scale = {"trillion": 12, "billion": 9, "million": 6}.get(words[1] if len(words) > 1 else "", 0)
    return Decimal(1).scaleb(scale - places)


def agree(a: Figure, b: Figure, unit: str) -> bool:
    """Whether two figures in ``unit`` say the same within their wording.

    >>> t = "https://w3id.org/lgde/ontology#"
    >>> f = lambda v, c="exactly": Figure("x", (), t + c, {"u": Decimal(v)})
    >>> agree(f("3600000000000"), f("3570000000000"), "u")  # 3.6 and 3.57 trillion
    True
    >>> agree(f("7", "moreThan"), f("7", "moreThan"), "u")  # "more than 7", "exceeds 7"
    True
    >>> agree(f("12", "upTo"), f("12"), "u")  # "as much as 12%" against "by 12 percent"
    False
    >>> agree(f("2.5", "approximately"), f("2.6"), "u"), agree(f("2.5"), f("2.6"), "u")
    (True, False)
    """
    if BOUND[a.comparator] != BOUND[b.comparator]:
        return False
    x, y = a.values[unit], b.values[unit]
    loose = LGDE + "approximately" in (a.comparator, b.comparator)
    tolerance = max(precision(x), precision(y)) / (1 if loose else 2)
    return abs(x - y) <= tolerance


def _figures(data: DataStore) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    sectors: dict[str, set[str]] = defaultdict(set)
    for row in solutions(data.query(_QUERY)):
        iri = text_of(row["fact"])
        if row["sector"] is not None:
            sectors[iri].add(text_of(row["sector"]))
        figure = figures.get(iri)
        if figure is None:
            about = tuple(
                text_of(row[name]) if row[name] is not None else ""
                for name in ("kind", "subject", "indicator", "period", "month")
            )
            figure = figures[iri] = Figure(iri, about, text_of(row["comparator"]))
            figure.values[text_of(row["unit"])] = Decimal(text_of(row["value"]))
            if row["usd"] is not None:
                figure.values[USD] = Decimal(text_of(row["usd"]))
        if row["other"] is not None:
            figure.conflicts.add(text_of(row["other"]))
        if row["article"] is not None:
            figure.articles.add(text_of(row["article"]).split("_", 1)[0])
    for iri, figure in figures.items():
        figure.about += (tuple(sorted(sectors[iri])),)
    return figures


def disagreement_problems(data: DataStore, file_of: Callable[[object], str]) -> list[Problem]:
    """A warning for each undeclared disagreement and each declared one that is none."""
    by_thing: dict[tuple, list[Figure]] = defaultdict(list)
    for figure in _figures(data).values():
        by_thing[figure.about].append(figure)
    problems = []
    for figures in by_thing.values():
        figures.sort(key=lambda f: f.iri)
        for i, a in enumerate(figures):
            for b in figures[i + 1 :]:
                units = sorted(set(a.values) & set(b.values))
                if not units:
                    continue  # no unit to compare them in
                unit = units[0]
                declared = b.iri in a.conflicts or a.iri in b.conflicts
                agreed = agree(a, b, unit)
                if agreed == declared:
                    message = (
                        f"declared in conflict with <{b.iri}>, but the two agree: "
                        if declared
                        else f"disagrees with <{b.iri}> and lgde:conflictsWith does not say so: "
                    )
                    message += (
                        f"{a.wording(unit)} (article {', '.join(sorted(a.articles))}) against "
                        f"{b.wording(unit)} (article {', '.join(sorted(b.articles))})"
                    )
                    problems.append(
                        Problem("disagreements", file_of(a.iri), a.iri, message, "warning")
                    )
    return sorted(problems)
