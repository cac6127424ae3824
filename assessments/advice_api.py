"""The board's verdict, the director's decision and the conditions in the API (bearer
tokens). The rules live in `assessments.advice` and `assessments.obligations`; this module
only translates."""

from __future__ import annotations

from flask import g, jsonify
from marshmallow import Schema, fields, validate

from assessments import advice, obligations, operations, permissions, review, workflow
from assessments.api_requests import assessment_seen, json_body, refuse_unless_allowed, run_step
from assessments.models import Assessment
from assessments.records import jobs as record_jobs
from assessments.schemas import assessment_json
from assessments.visibility import as_seen_by
from portal.api import api_blueprint, document_schema
from portal.auth.session import token_required
from portal.db import utcnow
from portal.errors import json_error
from portal.extensions import db

_TEXT = {"validate": validate.Length(max=advice.MAX_VERDICT_TEXT)}


class VerdictInSchema(Schema):
    want_this = fields.String(
        required=True, metadata={"description": "Willen we dit? In the board's words"}, **_TEXT
    )
    explain_to_residents = fields.String(
        required=True,
        metadata={"description": "Kunnen we dit met goed fatsoen uitleggen aan onze bewoners?"},
        **_TEXT,
    )
    advice = fields.String(
        required=True,
        validate=validate.OneOf(advice.ADVICES),
        metadata={"description": "Must match what the members' decisions add up to, once known"},
    )
    reasons = fields.String(required=True, metadata={"description": "For residents (B1)"}, **_TEXT)
    thresholds = fields.Nested(
        "BoardThresholdsSchema",
        metadata={
            "description": "Monitoring thresholds the board sets (fixed at approval; the "
            "level's defaults for those left out). Without it a rewritten verdict keeps them."
        },
    )


_FRACTION = {"allow_none": True, "validate": validate.Range(0, 1)}
_COUNT = {"allow_none": True, "strict": True, "validate": validate.Range(0, 10_000_000)}


class BoardThresholdsSchema(Schema):
    max_override_rate = fields.Float(
        metadata={"description": "Highest share of cases where staff deviate (0-1)"}, **_FRACTION
    )
    max_objections = fields.Integer(
        metadata={"description": "Most objections per report"}, **_COUNT
    )
    max_complaints = fields.Integer(
        metadata={"description": "Most complaints per report"}, **_COUNT
    )
    min_group_ratio = fields.Float(
        metadata={
            "description": "Lowest selection rate of a group table as a share of its highest "
            "(0-1); no default"
        },
        **_FRACTION,
    )


class DirectorDecisionInSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(advice.DIRECTOR_DECISIONS))
    reasons = fields.String(metadata={"description": "Required to deviate"}, **_TEXT)


class EvidenceInSchema(Schema):
    text = fields.String()
    link = fields.String(metadata={"description": "http(s):// address"})


class ConditionUpdateInSchema(Schema):
    status = fields.String(
        validate=validate.OneOf(obligations.JUDGED),
        metadata={"description": "The board: met (needs evidence), waived (needs reason), open"},
    )
    evidence = fields.Raw(
        metadata={
            "description": "The owner: a text, or {text, link}",
            "oneOf": [{"type": "string"}, {"$ref": "#/components/schemas/EvidenceInSchema"}],
        }
    )
    reason = fields.String(metadata={"description": "Why it is waived or opened again"})


class ConditionSchema(Schema):
    id = fields.Integer(required=True)
    assessment_id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    text = fields.String(required=True)
    owner = fields.String(required=True)
    deadline = fields.String(required=True, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(obligations.STATUSES))
    set_by = fields.Integer(required=True, allow_none=True)
    evidence = fields.Dict(required=True)
    waive_reason = fields.String(required=True)
    history = fields.List(fields.Dict(), required=True)


class ConditionListSchema(Schema):
    conditions = fields.List(fields.Nested(ConditionSchema), required=True)


for _schema in (
    EvidenceInSchema,
    BoardThresholdsSchema,
    VerdictInSchema,
    DirectorDecisionInSchema,
    ConditionUpdateInSchema,
    ConditionSchema,
    ConditionListSchema,
):
    document_schema(_schema.__name__, _schema)


def _advice_json(assessment: Assessment) -> dict:
    version = review.current_version(assessment)
    verdict = advice.verdict_of(db.session, version)
    return {
        "verdict": advice.verdict_json(verdict),
        # Set with the verdict; the level's defaults for the rest (fixed at approval).
        "monitoring_thresholds": dict(verdict.monitoring_thresholds or {}) if verdict else {},
        "director_decision": advice.decision_json(advice.decision_of(db.session, version)),
        "assessment": assessment_json(as_seen_by(g.api_user, assessment), "nl"),
    }


@api_blueprint.post("/v1/assessments/<int:assessment_id>/verdict")
@token_required
def post_verdict(assessment_id: int):
    """The sounding board's joint verdict on the current version (rewritable until the
    director decides).
    ---
    post:
      summary: Write the board's verdict
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: assessment_id, required: true, schema: {type: integer}}]
      requestBody: {required: true, content: {application/json: {schema: VerdictInSchema}}}
      responses:
        200: {description: "verdict, director_decision (null) and the assessment"}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
        422: {description: "Not valid; advice 'mismatch' when it contradicts the decisions"}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_assessment)
    refuse_unless_allowed(permissions.can_write_verdict, assessment, workflow.SUBMITTED)
    body = json_body(VerdictInSchema())
    run_step(lambda: advice.write_verdict(db.session, g.api_user, assessment, body))
    return jsonify(_advice_json(assessment))


@api_blueprint.post("/v1/assessments/<int:assessment_id>/director-decision")
@token_required
def post_director_decision(assessment_id: int):
    """The director adopts the board's advice or deviates from it with reasons; approving
    publishes the entry with the advice and the decision.
    ---
    post:
      summary: The director's decision on the advice
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: assessment_id, required: true, schema: {type: integer}}]
      requestBody: {required: true, content: {application/json: {schema: DirectorDecisionInSchema}}}
      responses:
        200:
          description: "verdict, director_decision, the assessment (record_pending while
            the record renders)"
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
        422: {description: "Not valid (reasons are required to deviate)"}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_assessment)
    refuse_unless_allowed(
        permissions.can_decide_as_director, assessment, workflow.AWAITING_DECISION
    )
    body = json_body(DirectorDecisionInSchema())
    run_step(lambda: advice.decide_as_director(db.session, g.api_user, assessment, body))
    # The same path as an approval by the quorum: a worker renders when there is a queue.
    record_jobs.publish_after_approval(db.session, g.api_user, assessment)
    return jsonify(_advice_json(assessment))


@api_blueprint.get("/v1/assessments/<int:assessment_id>/conditions")
@token_required
def get_conditions(assessment_id: int):
    """The board's conditions on every approved version, with evidence and history.
    ---
    get:
      summary: Conditions of an assessment
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: assessment_id, required: true, schema: {type: integer}}]
      responses:
        200:
          description: The conditions
          content: {application/json: {schema: ConditionListSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_assessment)
    today = utcnow().date()
    return jsonify(
        {
            "conditions": [
                obligations.condition_json(c, today)
                for c in obligations.of_assessment(db.session, assessment.id)
            ]
        }
    )


@api_blueprint.put("/v1/conditions/<int:condition_id>")
@token_required
def put_condition(condition_id: int):
    """The owner reports evidence; the board accepts it (met), waives the condition with a
    reason, or opens it again.
    ---
    put:
      summary: Report evidence or judge a condition
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: condition_id, required: true, schema: {type: integer}}]
      requestBody: {required: true, content: {application/json: {schema: ConditionUpdateInSchema}}}
      responses:
        200: {description: The condition, content: {application/json: {schema: ConditionSchema}}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
        422: {description: Not valid}
    """
    condition = db.session.get(obligations.Condition, condition_id)
    if condition is None or not permissions.can_view_conditions(
        g.api_user, operations.facts(condition.assessment)
    ):
        # Who may not see the assessment does not learn the condition exists.
        return json_error(404, "No condition with this id.")
    body = json_body(ConditionUpdateInSchema())
    run_step(lambda: obligations.update(db.session, g.api_user, condition, body))
    return jsonify(obligations.condition_json(condition, utcnow().date()))
