"""``kg curate ARTICLE``: a local page to review an article's draft.

The page shows the article's text with each suggested fact's quote highlighted, and
beside each fact what the one-article check (:mod:`kg.build.article_check`) finds in it,
with buttons to accept, edit or reject it. Selecting a span of the text opens a form
for a new fact with that span as its quote, filled in with what the suggester reads in
it. The forms' fields come from the SHACL shapes; a field whose values are of a class
picks them from the graph's instances of that class, by label. Every change goes
through :mod:`kg.authoring.review` (a change made on an old version of the file is
refused, nothing is lost) and is followed by the check again; a change the check
refuses is not kept. The server listens on the loopback interface only, unless told
otherwise.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from flask import Flask, jsonify, redirect, render_template_string, request, url_for
from rdflib import Graph, URIRef

from kg.authoring import quantities
from kg.authoring.quantities import Quantity
from kg.authoring.review import (
    Field,
    ReviewError,
    StaleFile,
    accept,
    add,
    compose,
    digest,
    drafted,
    edit,
    form_fields,
    reject,
    save,
)
from kg.authoring.suggest import Suggestion
from kg.authoring.turtle import name, prefix_lines
from kg.build.evidence import occurrences
from kg.layout import Layout
from kg.namespaces import expand

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Review article {{ number }}</title>
<style>
 body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #222; }
 header { padding: .6em 1.2em; background: #f3f3f3; border-bottom: 1px solid #ddd; }
 main { display: grid; grid-template-columns: 1fr 1fr; gap: 1.2em; padding: 1em 1.2em; }
 .text { white-space: pre-wrap; max-height: 85vh; overflow: auto; }
 mark { background: #fff0a8; } mark mark { background: #ffd97a; }
 .fact, #new { border: 1px solid #ddd; border-radius: 4px; padding: .5em .8em;
   margin-bottom: .8em; }
 #new { border-color: #7a9; background: #f6fbf7; }
 .fact pre { font-size: 12px; white-space: pre-wrap; margin: .4em 0; }
 .finding { color: #a00; font-size: 13px; } .finding.warning { color: #965; }
 .message { padding: .5em 1.2em; background: #e8f4e8; } .message.error { background: #fbe3e3; }
 form.inline { display: inline; }
 label.field { display: block; margin: .15em 0; }
 label.field span { display: inline-block; min-width: 16em; }
 .hint { color: #666; font-size: 13px; }
</style></head><body>
<header><b>Article {{ number }}</b> · {{ path }} ·
 <span id="count">{{ facts|length }}</span> unreviewed suggestion(s) ·
 check: <span id="check">{{ errors }} error(s), {{ warnings }} warning(s)</span>
 <form class="inline" id="search" onsubmit="return find(event)">
  · find an entity <input id="q" name="q" size="18"> <span id="found"></span></form>
</header>
{% if message %}
<div class="message{{ ' error' if failed else '' }}" id="message">{{ message }}</div>
{% endif %}
{% macro inputs(fields, prefix) %}
 {% for field in fields %}
 <label class="field"><span>{{ field.name }}{{ ' *' if field.required else '' }}</span>
  <input name="field:{{ field.path }}" value="{{ field.value }}" title="{{ field.message }}"
   size="36" list="{{ prefix }}-{{ loop.index }}"
   {% if field.cls %}class="picker" data-class="{{ field.cls }}"{% endif %}>
  {% if field.many %}<span class="hint">one value here; more in the file</span>{% endif %}
 </label>
 <datalist id="{{ prefix }}-{{ loop.index }}">
  {% for value in field.allowed %}<option value="{{ value }}">{% endfor %}</datalist>
 {% endfor %}
{% endmacro %}
<main>
 <div>
  <p class="hint">Select a span of the text to state a new fact with it as the quote.</p>
  <div class="text" id="text">{{ text|safe }}</div>
 </div>
 <div id="facts">
 <section id="new" hidden>
  <b>New fact</b> from «<span id="new-quote"></span>»
  <span class="hint" id="new-reading"></span><br>
  <label>kind <select id="new-kind">
   {% for kind in kinds %}<option value="{{ kind.name }}">{{ kind.title }}</option>{% endfor %}
  </select></label>
  {% for kind in kinds %}
  <form class="new-fact" method="post" action="{{ url_for('new') }}" data-kind="{{ kind.name }}"
   {% if not loop.first %}hidden{% endif %}>
   <input type="hidden" name="kind" value="{{ kind.name }}">
   <input type="hidden" name="start"><input type="hidden" name="end">
   <input type="hidden" name="quote">
   <input type="hidden" name="version" value="{{ version }}">
   {{ inputs(kind.fields, "new-" ~ kind.name) }}
   <button class="add">Add as a suggestion</button>
  </form>
  {% endfor %}
 </section>
 {% for fact in facts %}
  <div class="fact" id="fact-{{ loop.index }}" data-iri="{{ fact.iri }}">
   <b>{{ fact.kind }}</b> {{ fact.iri }}
   {% for finding in fact.findings %}
   <div class="finding {{ finding.severity }}">{{ finding.message }}</div>
   {% endfor %}
   <pre>{{ fact.block }}</pre>
   {% if fact.fields %}
   <details class="edit"><summary>Edit</summary>
   <form method="post" action="{{ url_for('change') }}">
    <input type="hidden" name="iri" value="{{ fact.iri }}">
    <input type="hidden" name="version" value="{{ version }}">
    {{ inputs(fact.fields, "edit-" ~ loop.index) }}
    <button class="save">Save</button>
   </form></details>
   {% endif %}
   <form class="inline" method="post" action="{{ url_for('act', action='accept') }}">
    <input type="hidden" name="iri" value="{{ fact.iri }}">
    <input type="hidden" name="version" value="{{ version }}">
    <button class="accept">Accept</button></form>
   <form class="inline" method="post" action="{{ url_for('act', action='reject') }}">
    <input type="hidden" name="iri" value="{{ fact.iri }}">
    <input type="hidden" name="version" value="{{ version }}">
    <button class="reject">Reject</button></form>
  </div>
 {% else %}<p id="none">No suggestion is waiting for review.</p>{% endfor %}
 </div>
</main>
<script>
function find(event) {
  event.preventDefault();
  fetch("{{ url_for('labels') }}?q=" + encodeURIComponent(document.getElementById("q").value))
    .then(r => r.json()).then(rows => {
      document.getElementById("found").textContent =
        rows.map(r => r.label + " = " + r.name).join(" · ") || "nothing";
    });
  return false;
}
// Pickers: a field whose values are of a class offers the graph's instances of that
// class whose labels match what has been typed.
function pick(input) {
  const typed = input.value;
  const url = "{{ url_for('labels') }}?class=" + encodeURIComponent(input.dataset.class) +
    "&q=" + encodeURIComponent(typed);
  fetch(url).then(r => r.json()).then(rows => {
    if (input.value !== typed) return;  // an answer to what was typed before: stale
    const list = document.getElementById(input.getAttribute("list"));
    list.replaceChildren(...rows.map(r => {
      const option = document.createElement("option");
      option.value = r.name; option.label = r.label;
      return option;
    }));
  });
}
for (const input of document.querySelectorAll("input.picker")) {
  input.addEventListener("focus", () => pick(input));
  input.addEventListener("input", () => pick(input));
}
// A selected span: its place in the text in code points, as the server counts them.
function showKind(kind) {
  document.getElementById("new-kind").value = kind;
  for (const form of document.querySelectorAll("form.new-fact")) {
    form.hidden = form.dataset.kind !== kind;
  }
}
document.getElementById("new-kind").addEventListener("change", e => showKind(e.target.value));
document.getElementById("text").addEventListener("mouseup", () => {
  const selection = window.getSelection();
  if (selection.isCollapsed) return;
  const text = document.getElementById("text");
  const range = selection.getRangeAt(0);
  if (!text.contains(range.commonAncestorContainer)) return;
  const before = document.createRange();
  before.setStart(text, 0);
  before.setEnd(range.startContainer, range.startOffset);
  const start = [...before.toString()].length;
  const quote = range.toString();
  const query = new URLSearchParams({start: start, end: start + [...quote].length, quote: quote});
  fetch("{{ url_for('read') }}?" + query).then(r => r.json()).then(reading => {
    const panel = document.getElementById("new");
    if (reading.error) {
      panel.hidden = false;
      document.getElementById("new-quote").textContent = quote;
      document.getElementById("new-reading").textContent = reading.error;
      return;
    }
    document.getElementById("new-quote").textContent = reading.quote;
    document.getElementById("new-reading").textContent = reading.reading;
    for (const form of document.querySelectorAll("form.new-fact")) {
      form.elements.start.value = reading.start;
      form.elements.end.value = reading.end;
      form.elements.quote.value = reading.quote;
      for (const input of form.querySelectorAll("input[name^='field:']")) input.value = "";
    }
    const form = document.querySelector(`form.new-fact[data-kind='${reading.kind}']`);
    for (const [path, value] of Object.entries(reading.values)) {
      const input = form.elements["field:" + path];
      if (input) input.value = value;
    }
    showKind(reading.kind);
    panel.hidden = false;
  });
});
</script>
</body></html>"""


class Refused(ValueError):
    """A change the one-article check refuses: not kept."""


@dataclass
class Finding:
    severity: str
    message: str


@dataclass
class FieldView:
    path: str
    name: str
    value: str
    required: bool
    allowed: list[str]
    message: str
    cls: str = ""
    many: bool = False


@dataclass
class FactView:
    iri: str
    kind: str
    block: str
    findings: list[Finding]
    fields: list[FieldView]


@dataclass
class KindView:
    """A kind of fact a person can state from a selected span, and its form."""

    name: str
    title: str
    cls: str
    fields: list[FieldView]


# The kinds of fact a new one can be, with the classes the shapes target. A mention
# is not a class: it records that the article names an entity.
NEW_KINDS = (
    ("observation", "reported figure", "lgde:IndicatorObservation"),
    ("target", "target", "lgde:PolicyTarget"),
    ("expectation", "expectation (an organisation's forecast)", "lgde:Expectation"),
    ("affiliation", "person and post", "lgde:Affiliation"),
    ("mention", "mention of an entity", ""),
)
MENTION = "mention"
ENTITY_FIELD = Field("entity", True, False, None, None, (), "the region, person or organisation")
# A fact's IRI is made from the labels of these properties' values, in this order.
IRI_PARTS = {
    "observation": (
        "sdmx-dimension:refArea",
        "lgde:aboutOrganization",
        "lgde:indicator",
        "sdmx-dimension:refPeriod",
    ),
    "target": ("sdmx-dimension:refArea", "lgde:indicator", "sdmx-dimension:refPeriod"),
    "expectation": (
        "lgde:aboutOrganization",
        "lgde:actor",
        "lgde:indicator",
        "sdmx-dimension:refPeriod",
    ),
    "affiliation": ("org:member", "org:role", "org:organization"),
}


def _current(block: str, prefixed: str) -> str:
    """The value a block gives a property, as a person would type it."""
    match = re.search(rf"^    {re.escape(prefixed)} ([^\n]*) ;$", block, re.M)
    if not match:
        return ""
    text = match.group(1)
    literal = re.match(r'^"((?:[^"\\]|\\.)*)"(?:\^\^\S+|@\S+)?$', text)
    return literal.group(1).replace('\\"', '"') if literal else text


def locate(text: str, start: int, end: int, quote: str) -> tuple[int, int]:
    """Where a selected ``quote`` is in ``text``: at ``start`` if it is there, else its
    occurrence nearest to ``start``; without the blanks around it.

    >>> locate("Hubei plans. Hubei plans.", 13, 25, "Hubei plans.")
    (13, 25)
    >>> locate("Hubei plans. Hubei plans.", 11, 23, " Hubei plans")
    (13, 24)
    >>> locate("Hubei", 0, 3, "Wuhan")
    Traceback (most recent call last):
    ValueError: the selection is not in the article's text
    """
    if text[start:end] != quote:
        found = [m.start() for m in re.finditer(re.escape(quote), text)] if quote else []
        if not found:
            raise ValueError("the selection is not in the article's text")
        start = min(found, key=lambda at: abs(at - start))
        end = start + len(quote)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise ValueError("the selection is empty")
    return start, end


def prefill(s: Suggestion, article: str) -> dict[str, str]:
    """A suggestion as the values of the form for its kind (prefixed property → text).

    >>> from kg.authoring.suggest import Suggestion
    >>> s = Suggestion("target", "Hubei aims at 12%", 0, 17,
    ...                [{"role": "area", "label": "Hubei",
    ...                  "iri": "https://w3id.org/lgde/id/region/hubei"}],
    ...                value="12", unit="http://qudt.org/vocab/unit/PERCENT",
    ...                when={"period": "2025"})
    >>> for path, value in sorted(prefill(s, "005").items()): print(path, "=", value)
    lgde:comparator = lgde:exactly
    lgde:description = As article 005 states it: Hubei aims at 12%
    lgde:status = lgde:planned
    sdmx-attribute:unitMeasure = unit:PERCENT
    sdmx-dimension:refArea = region:hubei
    sdmx-dimension:refPeriod = 2025
    sdmx-measure:obsValue = 12
    """
    roles = {e["role"]: e for e in s.entities if "iri" in e}
    values: dict[str, str] = {}

    def put(path: str, value: str | None) -> None:
        if value:
            values[path] = value

    if s.kind == MENTION:
        put("entity", name(roles["mention"]["iri"]) if "mention" in roles else "")
        return values
    if s.kind == "affiliation":
        for role, path in (
            ("member", "org:member"),
            ("role", "org:role"),
            ("organization", "org:organization"),
        ):
            put(path, name(roles[role]["iri"]) if role in roles else None)
        former = s.when.get("tenure") == "former"
        put("lgde:tenure", "lgde:formerTenure" if former else "lgde:currentTenure")
        return values
    area, organisation = roles.get("area"), roles.get("organization")
    if s.kind == "expectation":
        if organisation:
            put("lgde:aboutOrganization", name(organisation["iri"]))
            put("lgde:actor", name(organisation["iri"]))
    else:
        put("sdmx-dimension:refArea", name(area["iri"]) if area else None)
        if s.kind == "observation" and organisation and not area:
            put("lgde:aboutOrganization", name(organisation["iri"]))
    if s.kind == "target":
        put("lgde:status", "lgde:planned")
        if "actor" in roles:
            put("lgde:actor", name(roles["actor"]["iri"]))
    if s.kind in ("target", "expectation"):
        put("lgde:description", f"As article {article} states it: {' '.join(s.quote.split())}")
    if s.kind == "observation":
        on_org = "lgde:aboutOrganization" in values
        month = s.when.get("month")
        dataset = (
            "organisation-indicators"
            if on_org
            else ("monthly-indicators" if month else "indicators")
        )
        put("qb:dataSet", f"dataset:{dataset}")
    put(
        "lgde:indicator",
        name((s.indicator or {}).get("iri", "")) if s.indicator and "iri" in s.indicator else None,
    )
    put("sdmx-measure:obsValue", s.value)
    put("sdmx-attribute:unitMeasure", name(s.unit) if s.unit else None)
    put("lgde:comparator", name(s.comparator or "https://w3id.org/lgde/ontology#exactly"))
    put("lgde:usdEquivalent", s.usd)
    put("sdmx-dimension:refPeriod", s.when.get("period"))
    put("lgde:refMonth", s.when.get("month"))
    put("lgde:timeframe", s.when.get("timeframe"))
    put("lgde:periodStart", s.when.get("period_start"))
    return values


def reading(
    suggestions: list[Suggestion], start: int, end: int, amounts: frozenset[Decimal] = frozenset()
) -> Suggestion | None:
    """The suggestion that best reads a selected span: the fact (a figure or a post)
    that overlaps it most, a figure whose amount is in the span (``amounts``) first;
    else a mention inside it.

    >>> from kg.authoring.suggest import Suggestion
    >>> both = "Hubei's GDP reached 5.4 trillion yuan, Wuhan's exceeded 2 trillion yuan."
    >>> hubei = Suggestion("observation", both, 0, 73, value="5400000000000")
    >>> wuhan = Suggestion("observation", both, 0, 73, value="2000000000000")
    >>> reading([hubei, wuhan], 39, 73, frozenset({Decimal("2E12")})) is wuhan
    True
    >>> reading([hubei, wuhan], 0, 37) is hubei
    True
    """

    def overlap(s: Suggestion) -> int:
        return max(0, min(end, s.end) - max(start, s.start))

    def selected(s: Suggestion) -> bool:
        return s.value is not None and Decimal(s.value) in amounts

    facts = [s for s in suggestions if s.kind != MENTION and overlap(s) > 0]
    if facts:
        return max(facts, key=lambda s: (selected(s), overlap(s), s.confidence, -s.start))
    mentions = [s for s in suggestions if s.kind == MENTION and overlap(s) > 0]
    return max(mentions, key=overlap) if mentions else None


def _highlighted(text: str, blocks: list[tuple[str, str]]) -> str:
    """The text as HTML with each fact's quote marked (its first or only occurrence)."""
    found: list[tuple[int, int, str]] = []
    oa = "http://www.w3.org/ns/oa#"
    for iri, block in blocks:
        graph = Graph().parse(data="\n".join(prefix_lines()) + "\n" + block, format="turtle")
        quote = next(graph.objects(None, URIRef(oa + "exact")), None)
        if quote is None:
            continue
        before = next(graph.objects(None, URIRef(oa + "prefix")), None)
        after = next(graph.objects(None, URIRef(oa + "suffix")), None)
        starts = occurrences(text, str(quote), str(before or ""), str(after or ""))
        if starts:
            found.append((starts[0], starts[0] + len(str(quote)), iri))
    return marked(text, found)


def marked(text: str, found: list[tuple[int, int, str]]) -> str:
    """``text`` as HTML with the spans ``found`` (start, end, IRI) in ``<mark>``s; a
    span inside another is marked inside it; of two that cross, the longer is marked.

    >>> marked("a GDP of 5 yuan.", [(2, 15, "x"), (9, 15, "y"), (0, 5, "z")])
    'a <mark data-iri="x">GDP of <mark data-iri="y">5 yuan</mark></mark>.'
    """
    spans: list[tuple[int, int, str]] = []
    for start, end, iri in sorted(found, key=lambda s: (s[0] - s[1], s[0])):
        crossing = any(s < start < e < end or start < s < end < e for s, e, _ in spans)
        if not crossing:
            spans.append((start, end, iri))
    out, at = [], 0
    open_ends: list[int] = []  # the ends of the marks open here, innermost last
    for start, end, iri in sorted(spans, key=lambda s: (s[0], -s[1])):
        while open_ends and open_ends[-1] <= start:
            close = open_ends.pop()
            out.append(escape(text[at:close]) + "</mark>")
            at = close
        out.append(escape(text[at:start]) + f'<mark data-iri="{escape(iri)}">')
        at = start
        open_ends.append(end)
    while open_ends:
        close = open_ends.pop()
        out.append(escape(text[at:close]) + "</mark>")
        at = close
    out.append(escape(text[at:]))
    return "".join(out)


def create_curate_app(layout: Layout, number: str) -> Flask:
    from kg.authoring.articles import read_article
    from kg.authoring.draft import Writer, evidence_block, known_from_build, known_from_graph
    from kg.authoring.gazetteer import from_build
    from kg.authoring.suggest import Suggester
    from kg.build.article_check import check_article
    from kg.store import open_build
    from kg.typed_results import solutions, text_of

    app = Flask(__name__)
    path = layout.graph_dir / f"article-{number}.ttl"
    if not path.exists():
        raise FileNotFoundError(f"no article {number}")
    lock = threading.Lock()  # one change at a time; the version check covers the rest
    source = read_article(layout.graph_dir, layout.seeds_dir, number)
    shapes = Graph().parse(layout.shapes_file, format="turtle")
    gazetteer = from_build(open_build(layout))
    labels_of = {e.iri: e.label or e.name for e in gazetteer.entries if e.iri}
    # Made when first needed: reading a span runs the suggester over the whole text
    # once (a sentence's subject can come from the sentences before it).
    read_cache: dict[str, tuple[list[Suggestion], list[Quantity]]] = {}
    instances_cache: dict[tuple[str, str], list[tuple[str, str]]] = {}

    def fields_of(cls: str, *, new: bool) -> list[Field]:
        if not cls:
            return [ENTITY_FIELD]
        fields = form_fields(shapes, expand(cls))
        # An edit changes one value of a property; several values are edited in the file.
        return fields if new else [f for f in fields if f.required or not f.many]

    def views(fields: list[Field], block: str = "") -> list[FieldView]:
        return [
            FieldView(
                f.path,
                name(f.path) if ":" in f.path else f.path,
                _current(block, name(f.path)) if block else "",
                f.required,
                [name(v) for v in f.allowed],
                f.message,
                f.cls or "",
                f.many,
            )
            for f in fields
        ]

    kinds = [
        KindView(kind, title, cls, views(fields_of(cls, new=True)))
        for kind, title, cls in NEW_KINDS
    ]

    def view(message: str = "", failed: bool = False, status: int = 200):
        text = path.read_text(encoding="utf-8")
        result = check_article(layout, number, open_build(layout))
        facts = []
        for fact in drafted(text):
            iri = expand(fact.iri)
            findings = [Finding(p.severity, p.message) for p in result.problems if p.subject == iri]
            editable = [] if fact.kind == "lgde:Mention" else fields_of(fact.kind, new=False)
            facts.append(
                FactView(fact.iri, fact.kind, fact.block, findings, views(editable, fact.block))
            )
        errors = sum(p.severity == "error" for p in result.problems)
        html = render_template_string(
            PAGE,
            number=number,
            path=path.relative_to(layout.home),
            facts=facts,
            kinds=kinds,
            text=_highlighted(source.text, [(f.iri, f.block) for f in facts]),
            version=digest(text),
            errors=errors,
            warnings=len(result.problems) - errors,
            message=message,
            failed=failed,
        )
        return html, status

    def checked_save(version: str, change) -> None:
        """Save ``change`` if the file is still ``version`` and the article still checks;
        otherwise keep the file as it was and say why."""
        with lock:
            before = path.read_text(encoding="utf-8")
            save(path, version, change)
            result = check_article(layout, number, open_build(layout))
            errors = [p for p in result.problems if p.severity == "error"]
            if errors:
                path.write_text(before, encoding="utf-8")
                found = "; ".join(p.message for p in errors[:5])
                raise Refused(f"not saved: the change would not check ({found})")

    @app.errorhandler(Refused)
    def refused(error: Refused):
        return view(str(error), True, 422)

    @app.errorhandler(ReviewError)
    def unusable(error: ReviewError):
        # Someone else saved the file first: a conflict. Otherwise the change itself
        # cannot be made (a missing field, a number that is not one).
        return view(str(error), True, 409 if isinstance(error, StaleFile) else 422)

    @app.get("/favicon.ico")
    def favicon():
        return "", 204

    @app.get("/")
    def index():
        message = request.args.get("message", "")
        return view(message, request.args.get("failed") == "1")

    @app.post("/edit")
    def change():
        iri = expand(request.form.get("iri", ""))
        version = request.form.get("version", "")
        text = path.read_text(encoding="utf-8")
        try:
            fact = next(f for f in drafted(text) if expand(f.iri) == iri)
        except StopIteration:
            return view(
                f"{request.form.get('iri')} is not among the draft's suggestions", True, 409
            )
        fields = form_fields(shapes, expand(fact.kind))
        values = {
            key.split(":", 1)[1]: value
            for key, value in request.form.items()
            if key.startswith("field:")
            and value.strip()
            and value.strip() != _current(fact.block, name(key.split(":", 1)[1]))
        }
        checked_save(version, lambda t: edit(t, iri, values, fields))
        return redirect(url_for("index", message=f"edited {request.form.get('iri')}"), 303)

    @app.post("/<action>")
    def act(action: str):
        if action not in ("accept", "reject"):
            return view(f"unknown action {action!r}", True, 404)
        iri = expand(request.form.get("iri", ""))
        version = request.form.get("version", "")
        change = accept if action == "accept" else reject
        with lock:
            save(path, version, lambda text: change(text, iri))
        done = "accepted" if action == "accept" else "rejected"
        return redirect(url_for("index", message=f"{done} {request.form.get('iri')}"), 303)

    def span() -> tuple[int, int]:
        args = request.values
        try:
            start, end = int(args.get("start", "")), int(args.get("end", ""))
        except ValueError:
            raise ReviewError("start and end must be numbers (code points)") from None
        return locate(source.text, start, end, args.get("quote", ""))

    @app.get("/read")
    def read():
        try:
            start, end = span()
        except (ValueError, ReviewError) as error:
            return jsonify({"error": str(error)}), 400
        if "all" not in read_cache:
            suggester = Suggester(gazetteer)
            read_cache["all"] = (
                suggester.suggest(source.text, source.year),
                quantities.find(suggester.nlp(source.text), suggester.amounts),
            )
        suggestions, amounts = read_cache["all"]
        inside = frozenset(a.value for a in amounts if start <= a.start and a.end <= end)
        best = reading(suggestions, start, end, inside)
        kind = (
            best.kind
            if best and best.kind in dict((k, 1) for k, *_ in NEW_KINDS)
            else ("observation")
        )
        return jsonify(
            {
                "start": start,
                "end": end,
                "quote": source.text[start:end],
                "kind": kind,
                "values": {
                    expand(p) if p != "entity" else p: v
                    for p, v in (prefill(best, number) if best else {}).items()
                },
                "reading": (
                    f"read as a {best.kind}, confidence {best.confidence:.2f}"
                    if best
                    else "nothing read in it; fill the form in"
                ),
            }
        )

    @app.post("/new")
    def new():
        kind = request.form.get("kind", "")
        known_kinds = {k: cls for k, _, cls in NEW_KINDS}
        if kind not in known_kinds:
            return view(f"unknown kind of fact {kind!r}", True, 400)
        try:
            start, end = span()
        except ValueError as error:
            return view(str(error), True, 400)
        quote = source.text[start:end]
        values = {
            key.split(":", 1)[1]: value
            for key, value in request.form.items()
            if key.startswith("field:") and value.strip()
        }
        text = path.read_text(encoding="utf-8")
        own = Graph().parse(data=text, format="turtle")
        writer = Writer(
            known_from_build(open_build(layout), number) | known_from_graph(own, number),
            number,
            source.text,
        )
        selected = Suggestion(kind, quote, start, end)
        if kind == MENTION:
            entity = expand(values.get("entity", ""))
            selected.entities = [
                {"role": MENTION, "label": labels_of.get(entity, entity), "iri": entity}
            ]
            block, why = writer.mention(selected)
            if block is None:
                return view(f"not added: {why}", True, 422)
            block += "\n"
        else:
            cls = expand(known_kinds[kind])
            words = []
            for part in IRI_PARTS[kind]:
                value = expand(values.get(expand(part), ""))
                if value:
                    # As kg suggest --write names facts: people and places by label,
                    # indicators and organisations by their IRI's last segment.
                    local = value.rsplit("/", 1)[-1]
                    by_label = part not in ("lgde:indicator", "org:organization")
                    words.append(labels_of.get(value, local) if by_label else local)
            iri = writer.fresh(kind, *words)
            block = compose(
                iri,
                cls,
                values,
                fields_of(known_kinds[kind], new=True),
                evidence_block(number, source.text, selected),
                number,
            )
        version = request.form.get("version", "")
        checked_save(version, lambda t: add(t, block))
        made = block.split(" ", 1)[0]
        return redirect(
            url_for("index", message=f"added {made} from the selection, as a suggestion to review"),
            303,
        )

    def instances(cls: str) -> list[tuple[str, str]]:
        """(IRI, label) of the build's instances of ``cls``, by label."""
        build = open_build(layout)
        key = (str(build.path), cls)
        if key not in instances_cache:
            rows = build.store.query(
                f"""SELECT DISTINCT ?s ?label WHERE {{
                      GRAPH ?g {{ ?s a <{cls}> }}
                      GRAPH ?h {{ ?s <http://www.w3.org/2000/01/rdf-schema#label>
                          |<http://www.w3.org/2004/02/skos/core#prefLabel>
                          |<http://www.w3.org/2004/02/skos/core#altLabel>
                          |<http://xmlns.com/foaf/0.1/name> ?label }}
                      FILTER(isIRI(?s) && (lang(?label) = "" || langMatches(lang(?label), "en")))
                    }}"""
            )
            found = {(text_of(row["s"]), text_of(row["label"])) for row in solutions(rows)}
            instances_cache[key] = sorted(found, key=lambda p: (p[1].lower(), p[0]))
        return instances_cache[key]

    @app.get("/labels")
    def labels():
        from rapidfuzz import fuzz, process
        from rapidfuzz.utils import default_process

        wanted = request.args.get("q", "").strip()
        cls = request.args.get("class", "")
        if cls:
            pairs = instances(expand(cls))
            if not wanted:
                firsts: dict[str, str] = {}
                for iri, label in pairs:
                    firsts.setdefault(iri, label)
                return jsonify(
                    [{"label": label, "name": name(iri)} for iri, label in firsts.items()][:30]
                )
            choices = {i: label for i, (_, label) in enumerate(pairs)}
            best = process.extract(
                wanted, choices, scorer=fuzz.WRatio, processor=default_process, limit=30
            )
            out: dict[str, str] = {}
            for label, score, i in best:
                if score >= 60:
                    out.setdefault(pairs[i][0], label)
            return jsonify([{"label": label, "name": name(iri)} for iri, label in out.items()])
        if not wanted:
            return jsonify([])
        names = {e.name: e for e in gazetteer.entries if e.iri}
        found = process.extract(
            wanted, list(names), scorer=fuzz.WRatio, processor=default_process, limit=8
        )
        return jsonify(
            [
                {
                    "label": label,
                    "name": name(names[label].iri or ""),
                    "kind": names[label].kind,
                }
                for label, score, _ in found
                if score >= 60
            ]
        )

    return app


def check_host(host: str, allow_remote: bool) -> None:
    """Refuse to listen beyond this machine unless told to."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not allow_remote:
        raise ValueError(
            f"{host} is not a loopback address: the curation page edits files, so it "
            "listens on this machine only (127.0.0.1); add --allow-remote to override"
        )


def serve(layout: Layout, number: str, host: str, port: int, allow_remote: bool) -> None:
    from werkzeug.serving import make_server

    check_host(host, allow_remote)
    app = create_curate_app(layout, number)
    server = make_server(host, port, app, threaded=True)
    print(f"Reviewing article {number} at http://{host}:{server.port}/", flush=True)
    server.serve_forever()
