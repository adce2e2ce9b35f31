"""Dereferenceable IRIs: every IRI of the graph resolves here, as a page or as data."""

from __future__ import annotations

import json

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from kg.namespaces import BASE, GRAPH_ONTOLOGY, LGDE, ONTOLOGY_IRI, compact
from kg.serve.describe import build_description, describe_query, facts_query, group_facts
from kg.serve.errors import ApiError
from kg.serve.formats import GRAPH_FORMATS, MediaFormat
from kg.serve.respond import choose, requested_format
from kg.serve.response_cache import mark_repeatable
from kg.serve.state import server_state
from kg.serve.worker import Answer, Job

bp = Blueprint("resources", __name__)

HTML = MediaFormat("html", "text/html", ("application/xhtml+xml",))
_BY_KEY = {f.key: f for f in GRAPH_FORMATS}
# Turtle first: a client that states no preference gets data; browsers ask for HTML.
RESOURCE_FORMATS = (_BY_KEY["turtle"], HTML, _BY_KEY["jsonld"], _BY_KEY["ntriples"], _BY_KEY["xml"])
DATA_FORMATS = [f for f in RESOURCE_FORMATS if f is not HTML]
EXTENSIONS = {
    ".ttl": "turtle",
    ".nt": "ntriples",
    ".jsonld": "jsonld",
    ".rdf": "xml",
    ".html": "html",
}


def local(iri: str) -> str:
    """The path of ``iri`` on this server, if it is one of the project's IRIs."""
    return "/" + iri[len(BASE) :] if iri.startswith(BASE) else iri


def init_app(app) -> None:
    app.add_template_filter(local, "local")
    app.add_template_filter(compact, "compact")


def _choose(explicit: str | None) -> MediaFormat:
    return choose(RESOURCE_FORMATS, explicit)


def _construct(query: str, format_key: str) -> Answer:
    state = server_state()
    job = Job(
        query=query, form="CONSTRUCT", format_key=format_key, max_rows=state.settings.max_rows
    )
    return state.service.run(job, request.remote_addr or "").answer


def _data_response(body: bytes, fmt: MediaFormat) -> Response:
    response = Response(body, mimetype=fmt.media_type)
    response.headers["Vary"] = "Accept"
    mark_repeatable(request.environ)
    return response


# What an IRI's path may hold (the IRIREF production of SPARQL, less nothing): no
# character that could end the IRI or the string it is also written into.
@bp.route("/id/<path:rest>")
def resource(rest: str) -> Response:
    rest, explicit = requested_format(rest, EXTENSIONS)
    iri = BASE + "id/" + rest
    try:
        ox.NamedNode(iri)  # the engine's own IRI grammar: what passes is safe in <…>
    except ValueError:
        raise ApiError(404, f"There is no resource /id/{rest!r} in this graph.") from None
    fmt = _choose(explicit)
    query = describe_query(iri)
    if fmt is HTML:
        triples = [
            ox.Triple(t.subject, t.predicate, t.object)
            for t in ox.parse(_construct(query, "ntriples").body, format=ox.RdfFormat.N_TRIPLES)
        ]
        description = build_description(iri, triples)
        if description.empty:
            raise ApiError(404, f"There is no resource <{iri}> in this graph.")
        state = server_state()
        job = Job(
            query=facts_query(iri),
            form="SELECT",
            format_key="json",
            max_rows=state.settings.max_rows,
        )
        answer = state.service.run(job, request.remote_addr or "").answer
        facts = group_facts(json.loads(answer.body)["results"]["bindings"])
        timeline, tile_map = _region_pictures(iri) if rest.startswith("region/") else ("", "")
        page = render_template(
            "resource.html",
            d=description,
            facts=facts,
            formats=DATA_FORMATS,
            path=request.path,
            timeline=timeline,
            tile_map=tile_map,
        )
        response = Response(page, mimetype="text/html")
        response.headers["Vary"] = "Accept"
        mark_repeatable(request.environ)
        return response
    answer = _construct(query, fmt.key)
    if answer.rows == 0:
        raise ApiError(404, f"There is no resource <{iri}> in this graph.")
    return _data_response(answer.body, fmt)


def _select(query: str) -> list[dict]:
    """The bindings of a page's own SELECT, run by the request service."""
    state = server_state()
    job = Job(query=query, form="SELECT", format_key="json", max_rows=state.settings.max_rows)
    answer = state.service.run(job, request.remote_addr or "").answer
    return json.loads(answer.body)["results"]["bindings"]


def _region_pictures(iri: str) -> tuple[str, str]:
    """A region's timeline, and the map with its province outlined."""
    from kg.serve.dataset_description import province_divisions
    from kg.serve.pictures import map_svg, marks, timeline_query, timeline_svg

    root = request.script_root
    timeline = timeline_svg(marks(_select(timeline_query(iri))), root)
    province = _select(
        f"""SELECT ?code WHERE {{ <{iri}> <{LGDE}withinRegion>* ?p .
            ?p <http://www.w3.org/2004/02/skos/core#notation> ?code
            FILTER(datatype(?code) = <{LGDE}GBT2260Code> && STRENDS(STR(?code), "0000")) }}
            LIMIT 1"""
    )
    if not province:
        return timeline, ""
    code = province[0]["code"]["value"]
    return timeline, map_svg(province_divisions(server_state()), "targets", root, code)


ONTOLOGY_QUERY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}"


@bp.route("/ontology")
def ontology() -> Response:
    fmt = _choose(request.args.get("format"))
    if fmt is not HTML:
        return _data_response(_construct(ONTOLOGY_QUERY, fmt.key).body, fmt)
    triples = list(
        ox.parse(_construct(ONTOLOGY_QUERY, "ntriples").body, format=ox.RdfFormat.N_TRIPLES)
    )
    return Response(
        render_template(
            "ontology.html", formats=DATA_FORMATS, iri=str(ONTOLOGY_IRI), **_ontology_view(triples)
        ),
        mimetype="text/html",
    )


def _ontology_view(triples: list) -> dict:
    from collections import defaultdict

    facts: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        if isinstance(t.subject, ox.NamedNode):
            facts[t.subject.value][t.predicate.value].append(t.object.value)
    rdf, rdfs, owl = (
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2002/07/owl#",
    )
    namespace = str(ONTOLOGY_IRI) + "#"
    kinds = {
        "Classes": owl + "Class",
        "Object properties": owl + "ObjectProperty",
        "Datatype properties": owl + "DatatypeProperty",
    }
    sections = []
    for heading, kind in kinds.items():
        terms = []
        for iri, props in sorted(facts.items()):
            if iri.startswith(namespace) and kind in props.get(rdf + "type", []):
                terms.append(
                    {
                        "name": iri[len(namespace) :],
                        "label": (props.get(rdfs + "label") or [""])[0],
                        "comment": (props.get(rdfs + "comment") or [""])[0],
                        "domain": next(iter(props.get(rdfs + "domain", [])), None),
                        "range": next(iter(props.get(rdfs + "range", [])), None),
                        "parents": props.get(rdfs + "subClassOf", [])
                        + props.get(rdfs + "subPropertyOf", []),
                    }
                )
        sections.append((heading, terms))
    head = facts.get(str(ONTOLOGY_IRI), {})
    return {
        "title": (head.get(rdfs + "label") or ["LGDE ontology"])[0],
        "comment": (head.get(rdfs + "comment") or [""])[0],
        "sections": sections,
    }
