"""Public JSON API (`/api/v1/algorithms`) and its OpenAPI document (`/api/openapi.json`)."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import current_app, jsonify

from portal.api import api_blueprint, json_error
from portal.extensions import db
from register import queries
from register.schemas import (
    AlgorithmListSchema,
    AlgorithmSchema,
    ErrorSchema,
    algorithm_list_schema,
    algorithm_schema,
    entry_payload,
)
from register.views import _register_query


@api_blueprint.get("/v1/algorithms")
def list_algorithms():
    """Search published algorithms.
    ---
    get:
      summary: Search and filter the published register
      description: Same search and filters as /algoritmes on the site.
      parameters:
        - {in: query, name: q, schema: {type: string, maxLength: 200}, description: Full-text search}
        - {in: query, name: status, schema: {type: array, items: {type: string}}, explode: true}
        - {in: query, name: publication_category, schema: {type: array, items: {type: string}}, explode: true}
        - {in: query, name: department, schema: {type: array, items: {type: string}}, explode: true}
        - {in: query, name: theme, schema: {type: array, items: {type: string}}, explode: true}
        - {in: query, name: risk_level, schema: {type: array, items: {type: integer, minimum: 1, maximum: 4}}, explode: true}
        - {in: query, name: sort, schema: {type: string, enum: [relevance, name, recent]}}
        - {in: query, name: page, schema: {type: integer, minimum: 1, default: 1}}
        - {in: query, name: per_page, schema: {type: integer, minimum: 1, maximum: 100, default: 20}}
      responses:
        200:
          content:
            application/json:
              schema: AlgorithmListSchema
    """
    query = _register_query()
    result = queries.search_register(db.session, query, with_facets=False)
    numbers = queries.latest_published_numbers(db.session, [a.id for a in result.items])
    return jsonify(
        algorithm_list_schema.dump(
            {
                "items": [entry_payload(a, numbers[a.id]) for a in result.items],
                "total": result.total,
                "page": result.page,
                "per_page": result.per_page,
            }
        )
    )


@api_blueprint.get("/v1/algorithms/<slug>")
def get_algorithm(slug: str):
    """One published algorithm.
    ---
    get:
      summary: A published register entry
      parameters:
        - {in: path, name: slug, required: true, schema: {type: string}}
      responses:
        200:
          content:
            application/json:
              schema: AlgorithmSchema
        404:
          content:
            application/json:
              schema: ErrorSchema
    """
    algorithm = queries.get_published(db.session, slug)
    if algorithm is None:
        return json_error(404, "No published algorithm with this slug")
    number = queries.latest_published_numbers(db.session, [algorithm.id])[algorithm.id]
    return jsonify(algorithm_schema.dump(entry_payload(algorithm, number)))


def build_spec() -> APISpec:
    spec = APISpec(
        title="Algoritmeregister Gemeente Utrecht",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        info={
            "description": "Published algorithms of the municipality of Utrecht, with the "
            "national publication standard v1.0 field names. Errors are "
            '`{"error": {"code", "message", "fields"}}`.'
        },
    )
    spec.components.schema("AlgorithmSchema", schema=AlgorithmSchema)
    spec.components.schema("AlgorithmListSchema", schema=AlgorithmListSchema)
    spec.components.schema("ErrorSchema", schema=ErrorSchema)
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for endpoint in sorted(current_app.view_functions):
        if endpoint.startswith("api.") and endpoint != "api.openapi":
            spec.path(view=current_app.view_functions[endpoint])
    return spec


@api_blueprint.get("/openapi.json")
def openapi():
    spec = current_app.extensions.get("portal_openapi")
    if spec is None:
        spec = current_app.extensions["portal_openapi"] = build_spec().to_dict()
    return jsonify(spec)
