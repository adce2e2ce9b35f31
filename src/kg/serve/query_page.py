"""The query page: a SPARQL editor with the stored queries as examples.

Everything the page needs beyond the endpoint itself (prefixes, examples, the
ontology's terms for completion) is embedded in the page as JSON, so the editor works
with no network beyond this server. ``/query?query=...`` and
``/query?example=NAME&PARAM=VALUE`` reopen a query: they are the page's share links.
"""

from __future__ import annotations

import json
from functools import cache

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from kg.namespaces import BASE, GRAPH_ONTOLOGY, LGDE, PREFIXES
from kg.serve.errors import ApiError
from kg.serve.state import server_state
from kg.typed_results import solutions

bp = Blueprint("query_page", __name__)

# The editor starts with the prefixes most queries need; others are added as they are typed.
STARTING_PREFIXES = ("lgde", "rdfs", "skos", "prov", "sdmx-dimension", "sdmx-measure")

STARTING_QUERY = """\
# Policy targets: the region that set each, what it measures, the value and the year.
# Pick a stored query above, or write your own; Ctrl+Space completes prefixes and terms.
SELECT ?area ?target ?indicator ?value ?year WHERE {
  ?target a lgde:PolicyTarget ;
          sdmx-dimension:refArea ?area ;
          lgde:indicator ?indicator ;
          sdmx-measure:obsValue ?value .
  OPTIONAL { ?target sdmx-dimension:refPeriod ?year }
}
ORDER BY ?area ?target
"""

_TERMS_QUERY = f"""
SELECT ?term ?kind ?label WHERE {{
  GRAPH <{GRAPH_ONTOLOGY}> {{
    ?term a ?kind ; <http://www.w3.org/2000/01/rdf-schema#label> ?label .
    FILTER(STRSTARTS(STR(?term), "{LGDE}"))
    FILTER(?kind IN (<http://www.w3.org/2002/07/owl#Class>,
                     <http://www.w3.org/2002/07/owl#ObjectProperty>,
                     <http://www.w3.org/2002/07/owl#DatatypeProperty>))
  }}
}} ORDER BY ?term
"""


@cache
def ontology_terms(store_path: str) -> tuple[dict[str, str], ...]:
    """The ontology's classes and properties, for the editor's completion list."""
    store = ox.Store.read_only(store_path)
    kinds = {"Class": "class", "ObjectProperty": "property", "DatatypeProperty": "property"}
    terms: dict[str, dict[str, str]] = {}
    for row in solutions(store.query(_TERMS_QUERY)):
        name = "lgde:" + row["term"].value[len(str(LGDE)) :]
        terms.setdefault(
            name,
            {
                "name": name,
                "kind": kinds[row["kind"].value.rsplit("#", 1)[1]],
                "label": row["label"].value,
            },
        )
    return tuple(terms.values())


def starting_query() -> str:
    prologue = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in STARTING_PREFIXES)
    return prologue + "\n" + STARTING_QUERY


def script_json(data: object) -> str:
    """``data`` as JSON that a ``<script>`` element holds whole, whatever its strings say.

    Escaping ``</`` is not enough: after ``<!--`` and ``<script``, HTML reads the rest
    of the element as "double escaped", and ``</script>`` no longer ends it. JSON may
    write any character as ``\\u`` escape, so ``<``, ``>`` and ``&`` never appear.

    >>> script_json({"query": "<!--<script>"})
    '{"query": "\\\\u003c!--\\\\u003cscript\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@bp.route("/query")
def query_page() -> Response:
    state = server_state()
    example = request.args.get("example")
    arguments: dict[str, str] = {}
    if example is not None:
        stored = state.queries.get(example)
        if stored is None:
            raise ApiError(404, f"No stored query {example!r}; the query page lists them.")
        arguments = stored.arguments(request.args)
        text = stored.text
    else:
        text = request.args.get("query") or starting_query()
    data = {
        "endpoint": request.script_root + "/sparql",
        "api": request.script_root + "/api/queries/",
        "root": request.script_root,
        "base": BASE,
        "linked": [BASE + "id/", BASE + "ontology"],
        "prefixes": PREFIXES,
        "terms": list(ontology_terms(str(state.engine.store_path))),
        "examples": [{**q.summary(), "text": q.text} for _, q in sorted(state.queries.items())],
        "example": example,
        "arguments": arguments,
        # A shared link runs at once; the bare page waits for the researcher.
        "run": example is not None or "query" in request.args,
        "release": (
            {"version": state.release.version, "citation": state.release.citation()}
            if state.release
            else None
        ),
        "latestRelease": state.latest_release.version if state.latest_release else None,
    }
    # A permalink names the release it was made on; say so if this is another.
    pinned = request.args.get("release")
    served = state.release.version if state.release else None
    notice = (
        f"This link was made on release {pinned}; this server serves "
        + (f"release {served}" if served else "a build that is not a release")
        + ": the results may differ."
        if pinned and pinned != served
        else ""
    )
    page = render_template(
        "query.html",
        text=text,
        data=script_json(data),
        examples=data["examples"],
        example=example,
        notice=notice,
    )
    return Response(page, mimetype="text/html")
