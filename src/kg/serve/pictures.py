"""Pictures of the data, drawn on the server as SVG: no script, no tiles, no network.

- **The map** is a tile-grid cartogram of China's 34 province-level divisions: one
  square each, placed roughly where the division lies, so that Beijing and Tibet get
  the same room. It needs no geography and so no licence. Each tile is coloured by what
  the graph holds about the division and the places within it (targets, reported
  figures, sectors named) and links to the division's page.
- **The timeline** of a region puts its targets, plans and reported figures (its own and
  those of places within it) on a line of years, each mark linking to the fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pyoxigraph as ox

from kg.namespaces import BASE, PREFIXES
from kg.typed_results import solutions, text_of

# GB/T 2260 code, English name, row, column. The codes and names are checked against
# the standard's data (tests/test_pictures.py); the places are a layout, not coordinates.
TILES: tuple[tuple[str, str, int, int], ...] = (
    ("230000", "Heilongjiang", 0, 6),
    ("150000", "Inner Mongolia", 1, 3),
    ("110000", "Beijing", 1, 4),
    ("220000", "Jilin", 1, 6),
    ("650000", "Xinjiang", 2, 0),
    ("620000", "Gansu", 2, 2),
    ("640000", "Ningxia", 2, 3),
    ("130000", "Hebei", 2, 4),
    ("120000", "Tianjin", 2, 5),
    ("210000", "Liaoning", 2, 6),
    ("630000", "Qinghai", 3, 1),
    ("610000", "Shaanxi", 3, 2),
    ("140000", "Shanxi", 3, 3),
    ("410000", "Henan", 3, 4),
    ("370000", "Shandong", 3, 5),
    ("540000", "Tibet", 4, 0),
    ("510000", "Sichuan", 4, 1),
    ("500000", "Chongqing", 4, 2),
    ("420000", "Hubei", 4, 3),
    ("340000", "Anhui", 4, 4),
    ("320000", "Jiangsu", 4, 5),
    ("310000", "Shanghai", 4, 6),
    ("530000", "Yunnan", 5, 1),
    ("520000", "Guizhou", 5, 2),
    ("430000", "Hunan", 5, 3),
    ("360000", "Jiangxi", 5, 4),
    ("330000", "Zhejiang", 5, 5),
    ("450000", "Guangxi", 6, 2),
    ("440000", "Guangdong", 6, 3),
    ("350000", "Fujian", 6, 4),
    ("710000", "Taiwan", 6, 5),
    ("460000", "Hainan", 7, 2),
    ("820000", "Macao", 7, 3),
    ("810000", "Hong Kong", 7, 4),
)
MEASURES = {
    "targets": "targets set",
    "figures": "figures reported",
    "sectors": "sectors named",
}
TILE, GAP = 64, 4
# A sequential scale, light to dark (ColorBrewer's Blues, five classes).
SHADES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
EMPTY = "#f2f2f2"


@dataclass
class Division:
    code: str
    name: str
    iri: str | None = None  # the graph's region with this code, if it has one
    targets: int = 0
    figures: int = 0
    sectors: int = 0


def _rows(store: ox.Store, query: str) -> list:
    return list(solutions(store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES)))


def divisions(store: ox.Store) -> dict[str, Division]:
    """Each province-level division with what the graph holds about it and the places
    within it, by GB/T 2260 code."""
    out = {code: Division(code, name) for code, name, _, _ in TILES}
    code = """?region skos:notation ?code
        FILTER(datatype(?code) = lgde:GBT2260Code && STRENDS(STR(?code), "0000"))"""
    for row in _rows(store, f"SELECT ?region ?code WHERE {{ {code} }}"):
        if text_of(row["code"]) in out:
            out[text_of(row["code"])].iri = text_of(row["region"])
    counted = {
        "targets": "?fact a lgde:PolicyTarget ; sdmx-dimension:refArea ?area .",
        "figures": "?fact a lgde:IndicatorObservation ; sdmx-dimension:refArea ?area .",
        "sectors": "?x sdmx-dimension:refArea|lgde:about ?area ; lgde:sector ?fact .",
    }
    for measure, pattern in counted.items():
        query = f"""SELECT ?code (COUNT(DISTINCT ?fact) AS ?n) WHERE {{
            {code} {pattern} ?area lgde:withinRegion* ?region }} GROUP BY ?code"""
        for row in _rows(store, query):
            if text_of(row["code"]) in out:
                setattr(out[text_of(row["code"])], measure, int(text_of(row["n"])))
    return out


def shade(value: int, highest: int) -> str:
    """The fill for ``value`` on a scale up to ``highest``: grey for none.

    >>> shade(0, 10), shade(1, 10), shade(10, 10)
    ('#f2f2f2', '#eff3ff', '#08519c')
    """
    if value <= 0 or highest <= 0:
        return EMPTY
    return SHADES[min(len(SHADES) - 1, (value - 1) * len(SHADES) // highest)]


def map_svg(found: dict[str, Division], measure: str, root: str, highlight: str = "") -> str:
    """The tile-grid map, coloured by ``measure``; the tile ``highlight`` (a code) outlined."""
    highest = max((getattr(d, measure) for d in found.values()), default=0)
    width = 7 * (TILE + GAP)
    height = 8 * (TILE + GAP) + 30
    parts = [
        f'<svg class="tile-map" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="map-title" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="map-title">China\'s province-level divisions by {MEASURES[measure]}</title>',
    ]
    for code, _, row, col in TILES:
        d = found[code]
        value = getattr(d, measure)
        x, y = col * (TILE + GAP), row * (TILE + GAP)
        summary = f"{d.name}: {d.targets} targets, {d.figures} figures, {d.sectors} sectors named"
        stroke = ' stroke="#d62728" stroke-width="3"' if code == highlight else ""
        dark = SHADES.index(shade(value, highest)) >= 3 if value else False
        ink = "#fff" if dark else "#222"
        tile = (
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="4" '
            f'fill="{shade(value, highest)}"{stroke}/>'
            f'<text x="{x + TILE / 2}" y="{y + 26}" text-anchor="middle" font-size="11" '
            f'fill="{ink}">{escape(_short(d.name))}</text>'
            f'<text x="{x + TILE / 2}" y="{y + 46}" text-anchor="middle" font-size="15" '
            f'font-weight="600" fill="{ink}">{value if value else ""}</text>'
        )
        title = f"<title>{escape(summary)}</title>"
        if d.iri and d.iri.startswith(BASE + "id/"):
            href = root + "/" + d.iri[len(BASE) :]
            parts.append(
                f'<a href="{escape(href)}" data-code="{code}" class="tile">{title}{tile}</a>'
            )
        else:
            parts.append(f'<g data-code="{code}" class="tile">{title}{tile}</g>')
    # The legend: the scale's classes, from one to the highest count.
    y = 8 * (TILE + GAP) + 6
    parts.append(
        f'<text x="0" y="{y + 13}" font-size="12" fill="#444">{escape(MEASURES[measure])}:</text>'
    )
    for i, colour in enumerate((EMPTY, *SHADES)):
        parts.append(f'<rect x="{110 + i * 30}" y="{y}" width="28" height="16" fill="{colour}"/>')
    parts.append(
        f'<text x="{110 + 6 * 30 + 6}" y="{y + 13}" font-size="12" fill="#444">0 to '
        f"{highest}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _short(name: str) -> str:
    return {"Inner Mongolia": "Inner Mong.", "Heilongjiang": "Heilongj."}.get(name, name)


# --------------------------------------------------------------------------- timeline

KINDS = {
    PREFIXES["lgde"] + "PolicyTarget": ("target", "#d62728"),
    PREFIXES["lgde"] + "PolicyPlan": ("plan", "#ff7f0e"),
    PREFIXES["lgde"] + "IndicatorObservation": ("reported figure", "#1f77b4"),
}


def timeline_query(region: str) -> str:
    """The dated facts about ``region`` and the places within it."""
    kinds = " ".join(f"<{k}>" for k in KINDS)
    return f"""PREFIX lgde: <{PREFIXES["lgde"]}>
PREFIX sdmx-dimension: <{PREFIXES["sdmx-dimension"]}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?fact ?kind ?year ?label WHERE {{
  VALUES ?kind {{ {kinds} }}
  ?fact a ?kind ; sdmx-dimension:refArea ?area ; sdmx-dimension:refPeriod ?period .
  ?area lgde:withinRegion* <{region}> .
  BIND(STR(?period) AS ?year)
  OPTIONAL {{ ?fact rdfs:label ?label }}
}} ORDER BY ?year ?kind ?fact"""


@dataclass(frozen=True)
class Mark:
    fact: str
    kind: str
    year: int
    label: str


def marks(bindings: list[dict]) -> list[Mark]:
    """The timeline's marks, from the SPARQL JSON bindings of :func:`timeline_query`."""
    out: dict[str, Mark] = {}
    for b in bindings:
        try:
            year = int(b["year"]["value"][:4])
        except (KeyError, ValueError):
            continue
        fact = b["fact"]["value"]
        out.setdefault(
            fact, Mark(fact, b["kind"]["value"], year, b.get("label", {}).get("value", ""))
        )
    return sorted(out.values(), key=lambda m: (m.year, m.kind, m.fact))


def timeline_svg(found: list[Mark], root: str) -> str:
    """The marks on a line of years; one lane per kind of fact."""
    if not found:
        return ""
    first, last = found[0].year, found[-1].year
    span = max(1, last - first)
    lanes = [k for k in KINDS if any(m.kind == k for m in found)]
    left, right, lane = 130, 30, 36
    width = 720
    height = 40 + lane * len(lanes)

    def x(year: int) -> float:
        return (
            left + (year - first) * (width - left - right) / span
            if last > first
            else (left + (width - left - right) / 2)
        )

    parts = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="timeline-title" '
        f'xmlns="http://www.w3.org/2000/svg">',
        '<title id="timeline-title">Targets, plans and reported figures by year</title>',
    ]
    for year in range(first, last + 1):
        parts.append(
            f'<line x1="{x(year):.1f}" x2="{x(year):.1f}" y1="10" y2="{height - 24}" '
            'stroke="#e4e4e4"/>'
            f'<text x="{x(year):.1f}" y="{height - 8}" text-anchor="middle" font-size="12" '
            f'fill="#444">{year}</text>'
        )
    for i, kind in enumerate(lanes):
        name, colour = KINDS[kind]
        y = 24 + i * lane
        parts.append(
            f'<text x="0" y="{y + 4}" font-size="12" fill="{colour}">{escape(name)}s</text>'
        )
        in_lane = [m for m in found if m.kind == kind]
        for m in in_lane:
            # Marks of one year side by side, centred on it.
            same = [o for o in in_lane if o.year == m.year]
            cx = x(m.year) + (same.index(m) - (len(same) - 1) / 2) * 13
            href = root + "/" + m.fact[len(BASE) :] if m.fact.startswith(BASE) else m.fact
            parts.append(
                f'<a href="{escape(href)}" class="mark" data-year="{m.year}">'
                f"<title>{escape(m.label or m.fact)}</title>"
                f'<circle cx="{cx:.1f}" cy="{y}" r="6" fill="{colour}" fill-opacity="0.8"/></a>'
            )
    parts.append("</svg>")
    return "".join(parts)
