"""Public JSON API (`/api/v1/algorithms`) and its OpenAPI document (`/api/openapi.json`)."""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec_webframeworks.flask import FlaskPlugin
from flask import current_app, jsonify, request
from marshmallow import ValidationError

from portal.api import api_blueprint, document_adjustments, documented_schemas, json_error
from portal.db import utcnow
from portal.extensions import db
from portal.urls import absolute_url
from register import aftercare, feedback, queries
from register.national import status as national_status
from register.schemas import (
    AlgorithmListSchema,
    AlgorithmSchema,
    ErrorSchema,
    algorithm_list_schema,
    algorithm_query_schema,
    algorithm_schema,
    entry_payload,
    flat_query_errors,
    load_query,
)


@api_blueprint.get("/v1/algorithms")
def list_algorithms():
    """Search published algorithms.
    ---
    get:
      summary: Search and filter the published register
      description: Same search and filters as /algoritmes on the site, but a parameter of
        the wrong type or out of range is refused (422, `fields` names it) where the site
        falls back to its default. Filter parameters repeat (`theme=a&theme=b`); the others
        are given at most once.
      parameters:
        - in: query
          schema: AlgorithmQuerySchema
      responses:
        200:
          content:
            application/json:
              schema: AlgorithmListSchema
    """
    try:
        args = load_query(algorithm_query_schema, request.args)
    except ValidationError as failure:
        return json_error(
            422, "The query parameters are not valid.", fields=flat_query_errors(failure)
        )
    query = queries.RegisterQuery(
        q=args.get("q", "").strip(),
        **{facet: [v for v in args.get(facet, []) if v != ""] for facet in queries.FACETS},
        sort=args.get("sort", ""),
        page=args["page"],
        per_page=min(args["per_page"], current_app.config["API_MAX_PAGE_SIZE"]),
    )
    result = queries.search_register(db.session, query, with_facets=False)
    numbers = queries.latest_published_numbers(db.session, [a.id for a in result.items])
    return jsonify(
        algorithm_list_schema.dump(
            {
                "items": [entry_payload(a, numbers[a.id]) for a in result.items],
                "total": result.total,
                "total_is_exact": result.total_is_exact,
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
    payload = entry_payload(algorithm, number)
    payload["feedback"] = feedback.public_feedback(db.session, algorithm.id)
    # The board's verdict, the director's decision and the conditions (issue 12), as the
    # assessment side wrote them into the entry; open conditions past their deadline are
    # overdue.
    payload["verdict"] = algorithm.verdict
    payload["director_decision"] = algorithm.director_decision
    payload["conditions"] = algorithm.conditions_on(utcnow().date())
    payload["suspended"] = aftercare.suspended_json(
        aftercare.current_suspension(db.session, algorithm.id)
    )
    payload["incidents"] = aftercare.public_incidents(db.session, algorithm.id)
    payload["declared_changes"] = aftercare.public_changes(db.session, algorithm.id)
    payload["national"] = national_status.public_national(
        db.session, algorithm, lambda slug: absolute_url("register.entry", slug=slug)
    )
    return jsonify(algorithm_schema.dump(payload))


# Answers every operation can get: the request guard (portal/input_guard.py) refuses text
# that cannot be stored, huge numbers and deep JSON (400, or 422 for a JSON body); a body
# over MAX_CONTENT_LENGTH gets 413; token routes answer 401 without a valid token and 429
# past their rate limit.
_ERROR_RESPONSES = {
    "BadRequest": "The request cannot be read: malformed JSON or a body that is not a JSON "
    "object, characters that cannot be stored (NUL, lone surrogates), numbers out of range",
    "Unauthorized": "A valid API token is required (Authorization: Bearer <token>)",
    "Forbidden": "Your roles or your relation to this assessment do not allow this",
    "NotFound": "No such object (or not visible to you)",
    "Conflict": "The object's state does not allow this (for example already submitted or "
    "already decided by you)",
    "PayloadTooLarge": "The request body is larger than 2 MiB",
    "ValidationFailed": "The body or a parameter is not valid; `fields` names each problem",
    "TooManyRequests": "Rate limit reached; wait and try again",
}
_ALWAYS = {"400": "BadRequest"}
_WITH_TOKEN = {"401": "Unauthorized", "429": "TooManyRequests"}
_WITH_BODY = {"413": "PayloadTooLarge", "422": "ValidationFailed"}


def _document_common_errors(spec: dict) -> None:
    """Add the error answers every operation of its kind can give, unless it names them."""
    for operations in spec["paths"].values():
        for operation in operations.values():
            extra = dict(_ALWAYS)
            if operation.get("security"):
                extra |= _WITH_TOKEN
            if "requestBody" in operation or any(
                p.get("in") == "query" for p in operation.get("parameters", [])
            ):
                extra |= _WITH_BODY
            responses = operation.setdefault("responses", {})
            for status, name in extra.items():
                responses.setdefault(status, {"$ref": f"#/components/responses/{name}"})


def build_spec() -> dict:
    spec = APISpec(
        title="Algoritmeregister Gemeente Utrecht",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[FlaskPlugin(), MarshmallowPlugin()],
        info={
            "description": "Published algorithms of the municipality of Utrecht, with the "
            "national publication standard v1.0 field names, and the internal Uthiek "
            "assessment API. Errors are "
            '`{"error": {"code", "message", "fields"}}` (ErrorSchema).'
        },
    )
    spec.components.schema("AlgorithmSchema", schema=AlgorithmSchema)
    spec.components.schema("AlgorithmListSchema", schema=AlgorithmListSchema)
    spec.components.schema("ErrorSchema", schema=ErrorSchema)
    # The other packages' schemas, registered with portal.api when they were imported.
    for name, schema in documented_schemas().items():
        spec.components.schema(name, schema=schema)
    error_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorSchema"}}}
    for name, description in _ERROR_RESPONSES.items():
        spec.components.response(name, {"description": description, "content": error_body})
    spec.components.header(
        "ETag",
        {
            "description": "The version of what you read; send it as If-Match to save only "
            "if nothing changed since",
            "schema": {"type": "string"},
        },
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for endpoint in sorted(current_app.view_functions):
        if endpoint.startswith("api.") and endpoint != "api.openapi":
            spec.path(view=current_app.view_functions[endpoint])
    document = spec.to_dict()
    for change in document_adjustments():
        change(document)
    _document_common_errors(document)
    return document


@api_blueprint.get("/openapi.json")
def openapi():
    spec = current_app.extensions.get("portal_openapi")
    if spec is None:
        spec = current_app.extensions["portal_openapi"] = build_spec()
    return jsonify(spec)
