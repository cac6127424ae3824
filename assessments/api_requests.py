"""What the API modules of assessments share: the JSON body of a request, the assessment the
caller may see, the 403 for who may never take a step, and running an operation so that its
refusal becomes the JSON error it names."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, g, request
from marshmallow import Schema

from assessments import operations, permissions, review
from assessments.models import Assessment
from assessments.schemas import check_shape
from portal.errors import json_error
from portal.extensions import db

FORBIDDEN = "You may not do this with this assessment."


def json_body(schema: Schema | None = None) -> dict:
    """The request's JSON object (400 when it is none); with a schema, its shape is checked
    first (422 naming the fields)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(json_error(400, "The body must be a JSON object."))
    if schema is not None:
        errors = check_shape(schema, body)
        if errors:
            abort(json_error(422, "The request body is not valid.", fields=errors))
    return body


def assessment_seen(assessment_id: int, may_see: Callable) -> Assessment:
    """The assessment, once `may_see(user, facts)` lets the caller see it (404, 403)."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        abort(json_error(404, "No assessment with this id."))
    if not may_see(g.api_user, operations.facts(assessment)):
        abort(json_error(403, FORBIDDEN))
    return assessment


def refuse_unless_allowed(
    rule: Callable, assessment: Assessment, state: str, message: str = FORBIDDEN
) -> None:
    """Who may never do this, even in `state`, hears so (403) whatever the body holds."""
    if not permissions.allowed_in_state(rule, g.api_user, operations.facts(assessment), state):
        abort(json_error(403, message))


def run_step(step: Callable):
    """Run an operation and commit; a ReviewError rolls back and becomes its JSON error."""
    try:
        result = step()
    except review.ReviewError as failure:
        db.session.rollback()
        abort(json_error(failure.status, str(failure), fields=failure.fields or None))
    db.session.commit()
    return result
