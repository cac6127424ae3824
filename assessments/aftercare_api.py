"""After approval, in the API: monitoring reports, incidents, suspension and declared
changes of a register entry (`/api/v1/algorithms/<slug>/...`), with bearer tokens. The
rules live in `assessments.aftercare`; this module only translates."""

from __future__ import annotations

from flask import abort, g, jsonify, request

from assessments import aftercare, review
from assessments.aftercare_schemas import (
    ChangeInSchema,
    ChangeResultSchema,
    IncidentInSchema,
    IncidentSchema,
    IncidentUpdateSchema,
    MonitoringReportInSchema,
    MonitoringReportSchema,
    ReasonInSchema,
    SuspensionResultSchema,
)
from assessments.api_requests import json_body
from assessments.schemas import check_shape
from portal.api import api_blueprint, document_schema
from portal.auth.session import token_required
from portal.errors import json_error
from portal.extensions import db

for _schema in (
    ChangeInSchema,
    ChangeResultSchema,
    IncidentInSchema,
    IncidentSchema,
    IncidentUpdateSchema,
    MonitoringReportInSchema,
    MonitoringReportSchema,
    ReasonInSchema,
    SuspensionResultSchema,
):
    document_schema(_schema.__name__, _schema)


def _algorithm(slug: str, action: str):
    """The algorithm, once the caller may do `action` with it (before the body is read)."""
    algorithm = aftercare.algorithm_by_slug(db.session, slug)
    if algorithm is None:
        abort(json_error(404, "No algorithm with this slug."))
    try:
        aftercare.authorize(db.session, g.api_user, algorithm, action)
    except aftercare.AftercareForbiddenError as error:
        abort(json_error(403, str(error)))
    except aftercare.AftercareConflictError as error:
        abort(json_error(409, str(error)))
    return algorithm


def _reason_body() -> dict:
    """The reason of a DELETE: a JSON object or form fields (DELETE clients often send no
    JSON); without a reason, a 422 that says so."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        body = request.form.to_dict() if request.form else {}
    errors = check_shape(ReasonInSchema(), body)
    if errors:
        abort(
            json_error(
                422,
                "Give the reason for lifting the suspension: "
                'a JSON body {"reason": "..."} or a form field reason.',
                fields=errors,
            )
        )
    return body


def _run(step):
    """Run an operation; its refusals become 403, 409 and 422."""
    try:
        result = step()
    except (aftercare.AftercareForbiddenError, review.ReviewForbiddenError) as error:
        db.session.rollback()
        abort(json_error(403, str(error)))
    except (aftercare.AftercareConflictError, review.ReviewConflictError) as error:
        db.session.rollback()
        abort(json_error(409, str(error)))
    except aftercare.AftercareInvalidError as error:
        db.session.rollback()
        abort(json_error(422, "The request body is not valid.", fields=error.fields))
    except LookupError:
        db.session.rollback()
        abort(json_error(404, "No such incident for this algorithm."))
    db.session.commit()
    return result


def report_json(report) -> dict:
    return MonitoringReportSchema().dump(report)


def incident_json(incident) -> dict:
    return IncidentSchema().dump(incident)


def suspension_json(suspension) -> dict:
    return SuspensionResultSchema().dump(
        {
            "suspended": suspension.lifted_at is None,
            "since": suspension.suspended_at,
            "reason": suspension.reason,
            "lifted_at": suspension.lifted_at,
            "lift_reason": suspension.lift_reason,
        }
    )


_SLUG = "{in: path, name: slug, required: true, schema: {type: string}}"


@api_blueprint.post("/v1/algorithms/<slug>/monitoring")
@token_required
def post_monitoring(slug: str):
    """File a monitoring report.
    ---
    post:
      summary: A monitoring report of one period (the owner or an admin)
      description: The group outcome tables get the bank's statistics. A report that
        breaches a threshold (override rate, objections, complaints) or flags a group
        reopens the assessment as a new draft version and mails the board.
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: slug, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/json: {schema: MonitoringReportInSchema}}
      responses:
        201:
          description: "The stored report with its analysis and breaches"
          content: {application/json: {schema: MonitoringReportSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
    """
    algorithm = _algorithm(slug, aftercare.MONITOR)
    body = json_body(MonitoringReportInSchema())
    report, _found = _run(lambda: aftercare.file_report(db.session, g.api_user, algorithm, body))
    return jsonify(report_json(report)), 201


@api_blueprint.post("/v1/algorithms/<slug>/incidents")
@token_required
def post_incident(slug: str):
    """Record an incident or complaint.
    ---
    post:
      summary: An incident or complaint (the owner, the director, an admin)
      description: Numbers of people affected only, never who. The public sees counts and,
        once it is closed, the short public description.
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: slug, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/json: {schema: IncidentInSchema}}
      responses:
        201:
          description: "The incident"
          content: {application/json: {schema: IncidentSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    algorithm = _algorithm(slug, aftercare.RECORD_INCIDENT)
    body = json_body(IncidentInSchema())
    incident = _run(lambda: aftercare.record_incident(db.session, g.api_user, algorithm, body))
    return jsonify(incident_json(incident)), 201


@api_blueprint.put("/v1/algorithms/<slug>/incidents/<int:incident_id>")
@token_required
def put_incident(slug: str, incident_id: int):
    """Close (or reopen) an incident.
    ---
    put:
      summary: Close an incident with its public description, or reopen it
      security: [{bearerAuth: []}]
      parameters:
        - {in: path, name: slug, required: true, schema: {type: string}}
        - {in: path, name: incident_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content: {application/json: {schema: IncidentUpdateSchema}}
      responses:
        200:
          description: "The incident"
          content: {application/json: {schema: IncidentSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    algorithm = _algorithm(slug, aftercare.RECORD_INCIDENT)
    body = json_body(IncidentUpdateSchema())
    incident = _run(
        lambda: aftercare.update_incident(db.session, g.api_user, algorithm, incident_id, body)
    )
    return jsonify(incident_json(incident))


@api_blueprint.post("/v1/algorithms/<slug>/suspension")
@token_required
def post_suspension(slug: str):
    """Suspend an algorithm.
    ---
    post:
      summary: Suspend (the director responsible, an admin)
      description: The entry page and GET /api/v1/algorithms/{slug} show it as suspended
        with the reason; the national status stays as published.
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: slug, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/json: {schema: ReasonInSchema}}
      responses:
        201:
          description: "The suspension"
          content: {application/json: {schema: SuspensionResultSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409:
          description: "Already suspended"
          content: {application/json: {schema: ErrorSchema}}
    """
    algorithm = _algorithm(slug, aftercare.SUSPEND)
    body = json_body(ReasonInSchema())
    suspension = _run(lambda: aftercare.suspend(db.session, g.api_user, algorithm, body))
    return jsonify(suspension_json(suspension)), 201


@api_blueprint.delete("/v1/algorithms/<slug>/suspension")
@token_required
def delete_suspension(slug: str):
    """Lift a suspension.
    ---
    delete:
      summary: Lift the suspension (the director responsible, an admin), with the reason
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: slug, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content:
          application/json: {schema: ReasonInSchema}
          application/x-www-form-urlencoded: {schema: ReasonInSchema}
      responses:
        200:
          description: "The lifted suspension"
          content: {application/json: {schema: SuspensionResultSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409:
          description: "Not suspended"
          content: {application/json: {schema: ErrorSchema}}
    """
    algorithm = _algorithm(slug, aftercare.SUSPEND)
    body = _reason_body()
    suspension = _run(lambda: aftercare.lift_suspension(db.session, g.api_user, algorithm, body))
    return jsonify(suspension_json(suspension))


@api_blueprint.post("/v1/algorithms/<slug>/changes")
@token_required
def post_change(slug: str):
    """Declare a change.
    ---
    post:
      summary: Declare a change to an algorithm in use (the owner, an admin)
      description: A new data source, variable, retrained model, purpose or affected group
        (or one called material) starts a re-assessment version; a minor one is only listed
        on the entry's history.
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: slug, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/json: {schema: ChangeInSchema}}
      responses:
        201:
          description: "The declared change"
          content: {application/json: {schema: ChangeResultSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
    """
    algorithm = _algorithm(slug, aftercare.DECLARE_CHANGE)
    body = json_body(ChangeInSchema())
    result = _run(lambda: aftercare.declare_change(db.session, g.api_user, algorithm, body))
    change = result["change"]
    return jsonify(
        ChangeResultSchema().dump(
            {
                "kind": change.kind,
                "description": change.description,
                "material": result["material"],
                "reopened": result["reopened"],
                "assessment_id": result["assessment"].id,
            }
        )
    ), 201
