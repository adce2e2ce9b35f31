"""The build's tidy tables, served as the files the build wrote (:mod:`kg.build.tables`).

Only the files the build's manifest lists are served, each with its SHA-256 as ETag,
so a URL can never reach anything else in the build's folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, jsonify, render_template, request

from kg.serve.errors import ApiError
from kg.serve.respond import site_root
from kg.serve.state import server_state

bp = Blueprint("tables", __name__)

TABLES_DIR = "tables"  # as kg.build.tables writes it; the server does not import the build
MEDIA_TYPES = {
    ".csv": "text/csv; charset=utf-8; header=present",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".zip": "application/zip",
}
CSVW_MEDIA_TYPE = "application/csvm+json"  # CSVW metadata's registered type


def _folder() -> Path:
    return server_state().build_store.parent / TABLES_DIR


def _manifest() -> dict:
    path = server_state().build_store.parent / "manifest.json"
    tables = json.loads(path.read_text(encoding="utf-8")).get("tables")
    if not tables:
        raise ApiError(404, "This build has no tables; rebuild it with a current 'kg build'.")
    return tables


@bp.route("/download/tables/")
def index() -> Response:
    tables = _manifest()
    package = json.loads((_folder() / "datapackage.json").read_text(encoding="utf-8"))
    resources = [
        {
            "name": r["name"],
            "title": r["title"],
            "description": r["description"],
            "file": r["path"],
            "rows": tables["rows"].get(r["name"], 0),
        }
        for r in package["resources"]
    ]
    if request.accept_mimetypes.quality("text/html") > request.accept_mimetypes.quality(
        "application/json"
    ):
        return Response(render_template("tables.html", resources=resources), mimetype="text/html")
    root = site_root()
    return jsonify(
        {
            "tables": [{**r, "url": f"{root}/download/tables/{r['file']}"} for r in resources],
            "files": {
                name: {"url": f"{root}/download/tables/{name}", "sha256": digest}
                for name, digest in sorted(tables["sha256"].items())
            },
        }
    )


@bp.route("/download/tables/<name>")
def table_file(name: str) -> Response:
    digests = _manifest()["sha256"]
    if name not in digests:
        raise ApiError(404, f"No file {name} among the tables; see /download/tables/.")
    body = (_folder() / name).read_bytes()
    media_type = CSVW_MEDIA_TYPE if name == "csv-metadata.json" else MEDIA_TYPES[Path(name).suffix]
    response = Response(body, content_type=media_type)
    if name.endswith(".zip"):
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "public, max-age=300"
    response.set_etag(digests[name])
    response.make_conditional(request)
    return response
