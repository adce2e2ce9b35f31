"""``kg curate ARTICLE``: a local page to review an article's draft.

The page shows the article's text with each suggested fact's quote highlighted, and
beside each fact what the one-article check (:mod:`kg.build.article_check`) finds in it,
with buttons to accept or reject it. Every change goes through :mod:`kg.authoring.review`
(a change made on an old version of the file is refused, nothing is lost) and is
followed by the check again. A search box finds the IRIs of the graph's entities by
name. The server listens on the loopback interface only, unless told otherwise.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from dataclasses import dataclass
from html import escape

from flask import Flask, jsonify, redirect, render_template_string, request, url_for
from rdflib import Graph, URIRef

from kg.authoring.review import (
    ReviewError,
    accept,
    digest,
    drafted,
    edit,
    form_fields,
    reject,
    save,
)
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
 mark { background: #fff0a8; } mark.selected { background: #ffc94d; }
 .fact { border: 1px solid #ddd; border-radius: 4px; padding: .5em .8em; margin-bottom: .8em; }
 .fact pre { font-size: 12px; white-space: pre-wrap; margin: .4em 0; }
 .finding { color: #a00; font-size: 13px; } .finding.warning { color: #965; }
 .message { padding: .5em 1.2em; background: #e8f4e8; } .message.error { background: #fbe3e3; }
 form.inline { display: inline; }
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
<main>
 <div class="text" id="text">{{ text|safe }}</div>
 <div id="facts">
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
    {% for field in fact.fields %}
    <label>{{ field.name }}{{ ' *' if field.required else '' }}
     <input name="field:{{ field.path }}" value="{{ field.value }}" title="{{ field.message }}"
      {% if field.allowed %}list="allowed-{{ loop.index }}-{{ fact.iri }}"{% endif %}></label>
    {% if field.allowed %}<datalist id="allowed-{{ loop.index }}-{{ fact.iri }}">
     {% for value in field.allowed %}<option value="{{ value }}">{% endfor %}</datalist>{% endif %}
    <br>
    {% endfor %}
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
</script>
</body></html>"""


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


@dataclass
class FactView:
    iri: str
    kind: str
    block: str
    findings: list[Finding]
    fields: list[FieldView]


def _current(block: str, prefixed: str) -> str:
    """The value a block gives a property, as a person would type it."""
    match = re.search(rf"^    {re.escape(prefixed)} ([^\n]*) ;$", block, re.M)
    if not match:
        return ""
    text = match.group(1)
    literal = re.match(r'^"((?:[^"\\]|\\.)*)"(?:\^\^\S+|@\S+)?$', text)
    return literal.group(1).replace('\\"', '"') if literal else text


def _highlighted(text: str, blocks: list[tuple[str, str]]) -> str:
    """The text as HTML with each fact's quote marked (its first or only occurrence);
    where quotes overlap, the longer is marked."""
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
    spans: list[tuple[int, int, str]] = []
    for start, end, iri in sorted(found, key=lambda s: s[0] - s[1]):
        if not any(start < e and s < end for s, e, _ in spans):
            spans.append((start, end, iri))
    out, at = [], 0
    for start, end, iri in sorted(spans):
        out.append(escape(text[at:start]))
        out.append(f'<mark data-iri="{escape(iri)}">{escape(text[start:end])}</mark>')
        at = end
    out.append(escape(text[at:]))
    return "".join(out)


def create_curate_app(layout: Layout, number: str) -> Flask:
    from kg.authoring.gazetteer import from_build
    from kg.build.article_check import check_article
    from kg.store import open_build

    app = Flask(__name__)
    path = layout.graph_dir / f"article-{number}.ttl"
    if not path.exists():
        raise FileNotFoundError(f"no article {number}")
    lock = threading.Lock()  # one change at a time; the version check covers the rest

    def view(message: str = "", failed: bool = False, status: int = 200):
        from kg.authoring.articles import read_article

        text = path.read_text(encoding="utf-8")
        source = read_article(layout.graph_dir, layout.seeds_dir, number)
        result = check_article(layout, number, open_build(layout))
        facts = []
        for fact in drafted(text):
            iri = expand(fact.iri)
            findings = [Finding(p.severity, p.message) for p in result.problems if p.subject == iri]
            facts.append(
                FactView(fact.iri, fact.kind, fact.block, findings, _fields(fact.kind, fact.block))
            )
        errors = sum(p.severity == "error" for p in result.problems)
        html = render_template_string(
            PAGE,
            number=number,
            path=path.relative_to(layout.home),
            facts=facts,
            text=_highlighted(source.text, [(f.iri, f.block) for f in facts]),
            version=digest(text),
            errors=errors,
            warnings=len(result.problems) - errors,
            message=message,
            failed=failed,
        )
        return html, status

    shapes = Graph().parse(layout.shapes_file, format="turtle")

    def _fields(kind: str, block: str) -> list[FieldView]:
        if kind in ("lgde:Mention", ""):
            return []
        views = []
        for field in form_fields(shapes, expand(kind)):
            if field.many and not field.required:
                continue  # several values: edit them in the file
            prefixed = name(field.path)
            views.append(
                FieldView(
                    field.path,
                    prefixed,
                    _current(block, prefixed),
                    field.required,
                    [name(v) for v in field.allowed],
                    field.message,
                )
            )
        return views

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
        try:
            with lock:
                before = path.read_text(encoding="utf-8")
                save(path, version, lambda t: edit(t, iri, values, fields))
                result = check_article(layout, number, open_build(layout))
                errors = [p for p in result.problems if p.severity == "error"]
                if errors:
                    path.write_text(before, encoding="utf-8")
                    found = "; ".join(p.message for p in errors[:5])
                    return view(f"not saved: the edit would not check ({found})", True, 422)
        except ReviewError as error:
            return view(str(error), True, 409)
        return redirect(url_for("index", message=f"edited {request.form.get('iri')}"), 303)

    @app.get("/")
    def index():
        message = request.args.get("message", "")
        return view(message, request.args.get("failed") == "1")

    @app.post("/<action>")
    def act(action: str):
        if action not in ("accept", "reject"):
            return view(f"unknown action {action!r}", True, 404)
        iri = expand(request.form.get("iri", ""))
        version = request.form.get("version", "")
        change = accept if action == "accept" else reject
        try:
            with lock:
                save(path, version, lambda text: change(text, iri))
        except ReviewError as error:
            return view(str(error), True, 409)
        done = "accepted" if action == "accept" else "rejected"
        return redirect(url_for("index", message=f"{done} {request.form.get('iri')}"), 303)

    gazetteer = from_build(open_build(layout))

    @app.get("/labels")
    def labels():
        from rapidfuzz import fuzz, process
        from rapidfuzz.utils import default_process

        wanted = request.args.get("q", "").strip()
        if not wanted:
            return jsonify([])
        names = {e.name: e for e in gazetteer.entries if e.iri}
        best = process.extract(
            wanted, list(names), scorer=fuzz.WRatio, processor=default_process, limit=8
        )
        return jsonify(
            [
                {
                    "label": label,
                    "name": name(names[label].iri or ""),
                    "kind": names[label].kind,
                }
                for label, score, _ in best
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
