"""VoID and DCAT descriptions of the dataset, and its downloads."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request

from kg.formats import by_key
from kg.namespaces import BASE, GRAPHS, ID, LGDE, PREFIXES
from kg.serve.errors import ApiError
from kg.serve.formats import GRAPH_FORMATS
from kg.serve.respond import choose, rdf_response, site_root
from kg.serve.state import server_state
from kg.typed_results import solutions

bp = Blueprint("dataset", __name__)

VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FOAF_PAGE = "http://xmlns.com/foaf/0.1/page"
DATASET_IRI = BASE + "dataset"
DUMP_NAME = "lgde"
FORMATS = by_key(GRAPH_FORMATS)  # the dumps offered, by key
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Download:
    body: bytes
    etag: str


class Downloads:
    """Exports of the build, made once per format on first request and kept.

    Each is written by the build side (:mod:`kg.build.export`) in a child process:
    JSON-LD takes rdflib, which the serving side does not load.
    """

    def __init__(self, build_store: Path) -> None:
        self.build_store = build_store
        self._made: dict[str, Download] = {}
        self._lock = threading.Lock()

    def get(self, fmt: str) -> Download:
        with self._lock:
            if fmt not in self._made:
                command = [sys.executable, "-m", "kg.build.export", str(self.build_store), fmt]
                made = subprocess.run(command, capture_output=True, check=False)
                if made.returncode != 0:
                    log.error("export to %s failed: %s", fmt, made.stderr.decode(errors="replace"))
                    raise ApiError(
                        500, "The download could not be made; the error has been logged."
                    )
                body = made.stdout
                self._made[fmt] = Download(body, hashlib.sha256(body).hexdigest()[:32])
            return self._made[fmt]


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _statistics(state) -> dict[str, int]:
    store = ox.Store.read_only(str(state.build_store))

    def count(query: str) -> int:
        result = solutions(store.query(query, use_default_graph_as_union=True, prefixes=PREFIXES))
        return int(next(iter(result))[0].value)

    return {
        "articles": count("SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a schema:NewsArticle }"),
        "regions": count("SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a lgde:Region }"),
        "people": count("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a foaf:Person }"),
        "targets": count("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a lgde:PolicyTarget }"),
        "indicators": count(
            "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a lgde:IndicatorObservation }"
        ),
        "facts": count("SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a lgde:Fact }"),
        "entities": count(
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o "
            f'FILTER(STRSTARTS(STR(?s), "{ID}")) }}'
        ),
        "classes": count("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"),
        "properties": count("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        "triples": count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"),
    }


def description_triples(root: str, state) -> list[ox.Triple]:
    """VoID and DCAT for the dataset, with this server's URLs for endpoint and dumps."""
    stats = state.statistics
    dataset = _n(DATASET_IRI)
    service = _n(root + "/sparql")
    t = ox.Triple
    triples = [
        t(dataset, _n(RDF_TYPE), _n(VOID + "Dataset")),
        t(dataset, _n(RDF_TYPE), _n(DCAT + "Dataset")),
        t(
            dataset,
            _n(DCT + "title"),
            ox.Literal("China Local Government Digital Economy knowledge graph", language="en"),
        ),
        t(
            dataset,
            _n(DCT + "description"),
            ox.Literal(
                "Targets, plans, indicators, officials, quotes and policy documents on how China's "
                "local governments plan and report the digital economy, each tied to the news "
                "article that reports it and a verbatim quote.",
                language="en",
            ),
        ),
        t(dataset, _n(DCT + "license"), _n("https://www.apache.org/licenses/LICENSE-2.0")),
        t(dataset, _n(DCT + "conformsTo"), _n(str(LGDE).rstrip("#"))),
        t(dataset, _n(VOID + "vocabulary"), _n(str(LGDE))),
        t(dataset, _n(VOID + "uriSpace"), ox.Literal(ID)),
        t(dataset, _n(VOID + "triples"), ox.Literal(stats["triples"])),
        t(dataset, _n(VOID + "entities"), ox.Literal(stats["entities"])),
        t(dataset, _n(VOID + "classes"), ox.Literal(stats["classes"])),
        t(dataset, _n(VOID + "properties"), ox.Literal(stats["properties"])),
        t(dataset, _n(VOID + "sparqlEndpoint"), service),
        t(service, _n(RDF_TYPE), _n(DCAT + "DataService")),
        t(service, _n(DCAT + "endpointURL"), service),
        t(service, _n(DCAT + "servesDataset"), dataset),
        t(dataset, _n(DCAT + "accessService"), service),
    ]
    for name in sorted(str(g) for g in GRAPHS):
        graph = _n(name)
        triples += [
            t(dataset, _n(VOID + "subset"), graph),
            t(graph, _n(RDF_TYPE), _n(VOID + "Dataset")),
            t(graph, _n(VOID + "triples"), ox.Literal(state.graph_sizes.get(name, 0))),
        ]
    for fmt in FORMATS.values():
        url = _n(f"{root}/download/{DUMP_NAME}.{fmt.extension}")
        triples += [
            t(dataset, _n(VOID + "dataDump"), url),
            t(dataset, _n(DCAT + "distribution"), url),
            t(url, _n(RDF_TYPE), _n(DCAT + "Distribution")),
            t(url, _n(DCAT + "downloadURL"), url),
            t(
                url,
                _n(DCAT + "mediaType"),
                _n("https://www.iana.org/assignments/media-types/" + fmt.media_type),
            ),
            t(url, _n(DCT + "format"), ox.Literal(fmt.media_type)),
        ]
    return triples


@bp.route("/.well-known/void")
@bp.route("/dataset")
def void() -> Response:
    state = server_state()
    fmt = choose(GRAPH_FORMATS, request.args.get("format"))
    triples = description_triples(site_root(), state)
    return rdf_response(triples, fmt, {"void": VOID, "dcat": DCAT, "dcterms": DCT})


def _manifest(state) -> dict:
    path = Path(state.build_store).parent / "manifest.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def schema_org(root: str, state, manifest: dict) -> dict:
    """A schema.org Dataset description, for dataset search engines."""
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": DATASET_IRI,
        "name": "China Local Government Digital Economy knowledge graph",
        "description": "Targets, plans, indicators, officials, quotes and policy documents on "
        "how China's local governments plan and report the digital economy, "
        "each tied to the news article that reports it and a verbatim quote.",
        "url": root + "/",
        "license": "https://www.apache.org/licenses/LICENSE-2.0",
        "isAccessibleForFree": True,
        "keywords": [
            "China",
            "local government",
            "digital economy",
            "industrial policy",
            "two sessions",
            "linked data",
            "knowledge graph",
        ],
        "spatialCoverage": {
            "@type": "Place",
            "name": "China",
            "sameAs": "http://www.wikidata.org/entity/Q148",
        },
        "temporalCoverage": "2020/2025",
        "dateModified": manifest.get("created"),
        "variableMeasured": ["GDP", "growth of added value", "policy targets"],
        "distribution": [
            {
                "@type": "DataDownload",
                "encodingFormat": f.media_type,
                "contentUrl": f"{root}/download/{DUMP_NAME}.{f.extension}",
            }
            for f in FORMATS.values()
        ],
    }


def province_divisions(state) -> dict:
    """The map's data, counted once from the build's store (it cannot change)."""
    from kg.serve.pictures import divisions

    if state.divisions is None:
        state.divisions = divisions(ox.Store.read_only(str(state.build_store)))
    return state.divisions


@bp.route("/")
def index() -> Response:
    from kg.serve.pictures import MEASURES, map_svg

    state = server_state()
    root = site_root()
    manifest = _manifest(state)
    measure = request.args.get("map", "targets")
    if measure not in MEASURES:
        raise ApiError(400, f"map={measure!r}: use one of {', '.join(MEASURES)}.")
    page = render_template(
        "index.html",
        stats=state.statistics,
        graphs=sorted(state.graph_sizes.items()),
        root=root,
        built=manifest.get("created", "unknown"),
        shacl=manifest.get("shacl", {}),
        queries=len(state.queries),
        json_ld=json.dumps(schema_org(root, state, manifest), indent=2, ensure_ascii=False),
        tile_map=map_svg(province_divisions(state), measure, request.script_root),
        measures=MEASURES,
        measure=measure,
    )
    return Response(page, mimetype="text/html")


@bp.route("/download/")
def download_index() -> Response:
    if request.accept_mimetypes.quality("text/html") > request.accept_mimetypes.quality(
        "application/json"
    ):
        return Response(
            render_template("downloads.html", formats=FORMATS.values(), name=DUMP_NAME),
            mimetype="text/html",
        )
    root = site_root()
    from flask import jsonify

    return jsonify(
        {
            f.key: {"url": f"{root}/download/{DUMP_NAME}.{f.extension}", "mediaType": f.media_type}
            for f in FORMATS.values()
        }
    )


@bp.route(f"/download/{DUMP_NAME}.<extension>")
def download(extension: str) -> Response:
    state = server_state()
    fmt = next((f for f in FORMATS.values() if f.extension == extension), None)
    if fmt is None:
        raise ApiError(404, f"No download {DUMP_NAME}.{extension}; see /download/.")
    made = state.downloads.get(fmt.key)
    response = Response(made.body, mimetype=fmt.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{DUMP_NAME}.{extension}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(made.etag)
    # 304 Not Modified when If-None-Match names this ETag; Range requests work too.
    response.make_conditional(request)  # changes the response itself
    return response
