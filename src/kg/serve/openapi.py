"""An OpenAPI 3 document for the stored-query API, generated from the queries' headers."""

from __future__ import annotations

import re
from collections.abc import Callable

from kg.queries import Parameter, StoredQuery

RESULT_TYPES = ("application/sparql-results+json", "text/csv", "text/tab-separated-values")

_SCHEMAS = {
    "iri": {"type": "string"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "year": {"type": "string", "pattern": r"^\d{4}$"},
    "date": {"type": "string", "format": "date"},
    "boolean": {"type": "boolean"},
}

_TYPE_NOTES = {
    "iri": " An IRI, or a prefixed name with one of the project's prefixes (region:guizhou).",
    "year": " A four-digit year.",
}


def _operation_id(name: str) -> str:
    head, *rest = re.split(r"[-_]", name)
    return head + "".join(part.capitalize() for part in rest)


def _parameter(parameter: Parameter) -> dict:
    schema: dict[str, object] = dict(_SCHEMAS[parameter.type])
    if parameter.default is not None:
        convert: dict[str, Callable[[str], object]] = {
            "integer": int,
            "decimal": float,
            "boolean": lambda v: v == "true",
        }
        schema["default"] = convert.get(parameter.type, str)(parameter.default)
    return {
        "name": parameter.name,
        "in": "query",
        "required": False,
        "description": (parameter.description or parameter.name)
        + _TYPE_NOTES.get(parameter.type, ""),
        "schema": schema,
    }


LABELS_PARAMETER = {
    "name": "labels",
    "in": "query",
    "required": False,
    "description": "on: a column <name>_label beside each column that holds IRIs, with "
    "the label the pages show (English first).",
    "schema": {"type": "string", "enum": ["on", "off"], "default": "off"},
}


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi_document(queries: dict[str, StoredQuery], server: str, version: str) -> dict:
    paths: dict = {
        "/api/queries": {
            "get": {
                "summary": "List the stored queries",
                "operationId": "listQueries",
                "responses": {
                    "200": {
                        "description": "Every stored query with its parameters.",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/StoredQuery"},
                                }
                            }
                        },
                    }
                },
            }
        },
    }
    for name, query in sorted(queries.items()):
        paths[f"/api/queries/{name}"] = {
            "get": {
                "summary": query.title,
                "description": query.description,
                "operationId": _operation_id(name),
                "tags": ["stored queries"],
                "parameters": [_parameter(p) for p in query.parameters] + [LABELS_PARAMETER],
                "responses": {
                    "200": {
                        "description": "The results, as SPARQL JSON, CSV or TSV (by Accept, or the "
                        "extension .json, .csv, .tsv). A result longer than the "
                        "row cap says so in X-Result-Truncated.",
                        "content": {
                            RESULT_TYPES[0]: {
                                "schema": {"$ref": "#/components/schemas/SparqlResults"}
                            },
                            RESULT_TYPES[1]: {"schema": {"type": "string"}},
                            RESULT_TYPES[2]: {"schema": {"type": "string"}},
                        },
                    },
                    "400": _error("A parameter cannot be used; the message says which and why."),
                    "406": _error("None of the accepted media types can be produced."),
                    "503": _error("The query ran past its deadline, or the server is busy."),
                },
            }
        }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "LGDE stored queries",
            "version": version,
            "description": "The knowledge graph's competency questions as a stable API. Each "
            "parameter is bound as an RDF term, never pasted into the query.",
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["status", "error", "message"],
                    "properties": {
                        "status": {"type": "integer"},
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                    },
                },
                "SparqlResults": {
                    "type": "object",
                    "properties": {
                        "head": {
                            "type": "object",
                            "properties": {"vars": {"type": "array", "items": {"type": "string"}}},
                        },
                        "results": {
                            "type": "object",
                            "properties": {
                                "bindings": {"type": "array", "items": {"type": "object"}}
                            },
                        },
                        "boolean": {"type": "boolean"},
                    },
                },
                "StoredQuery": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "url": {"type": "string"},
                        "parameters": {"type": "array", "items": {"type": "object"}},
                    },
                },
            }
        },
    }
