"""The board's sessions in the API (bearer tokens). The rules live in
`assessments.board_sessions`; this module only translates."""

from __future__ import annotations

from flask import g, jsonify
from marshmallow import Schema, fields, validate

from assessments import board_sessions, permissions, workflow
from assessments.api_requests import assessment_seen, json_body, refuse_unless_allowed, run_step
from assessments.models import Assessment
from portal.api import api_blueprint, document_schema
from portal.auth.session import token_required
from portal.errors import json_error
from portal.extensions import db

_TEXT = validate.Length(max=board_sessions.MAX_SESSION_TEXT)


class ParticipantSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=board_sessions.MAX_NAME),
        metadata={"description": "A name as the person wants it written; nothing else"},
    )
    role = fields.String(required=True, validate=validate.OneOf(board_sessions.PARTICIPANT_ROLES))


class BoardSessionInSchema(Schema):
    held_on = fields.Date(
        required=True, metadata={"description": "The day it was held, not after today"}
    )
    members = fields.List(
        fields.Integer(strict=True),
        required=True,
        validate=validate.Length(min=1, max=board_sessions.MAX_MEMBERS),
        metadata={
            "description": "Account ids of the sounding-board members who took part (active "
            "reviewers, not the assessment's authors)"
        },
    )
    participants = fields.List(
        fields.Nested(ParticipantSchema),
        validate=validate.Length(max=board_sessions.MAX_PARTICIPANTS),
        metadata={"description": "Team members, invited experts and residents: name and role"},
    )
    dilemmas = fields.String(
        required=True,
        validate=validate.Length(min=1, max=board_sessions.MAX_SESSION_TEXT),
        metadata={"description": "The dilemmas the team brought"},
    )
    notes = fields.String(validate=_TEXT)
    what_changed = fields.String(
        validate=_TEXT, metadata={"description": "What changed as a result of the session"}
    )


class SessionMemberSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class BoardSessionSchema(Schema):
    id = fields.Integer(required=True)
    assessment_id = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata={"description": "The submitted version"})
    held_on = fields.Date(required=True)
    members = fields.List(fields.Nested(SessionMemberSchema), required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)
    dilemmas = fields.String(required=True)
    notes = fields.String(required=True)
    what_changed = fields.String(required=True)
    created_by = fields.Integer(required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class BoardSessionListSchema(Schema):
    sessions = fields.List(fields.Nested(BoardSessionSchema), required=True)


for _schema in (
    ParticipantSchema,
    BoardSessionInSchema,
    SessionMemberSchema,
    BoardSessionSchema,
    BoardSessionListSchema,
):
    document_schema(_schema.__name__, _schema)


def _may(assessment: Assessment) -> None:
    """Who may never record a session hears so (403) before the body is read."""
    refuse_unless_allowed(
        permissions.can_record_board_session,
        assessment,
        workflow.IN_REVIEW,
        "Only sounding-board members and admins record sessions.",
    )


@api_blueprint.get("/v1/assessments/<int:assessment_id>/sessions")
@token_required
def get_board_sessions(assessment_id: int):
    """The sounding board's sessions with the team, on every submitted version.
    ---
    get:
      summary: The board's sessions of an assessment
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: assessment_id, required: true, schema: {type: integer}}]
      responses:
        200:
          description: The sessions, oldest first
          content: {application/json: {schema: BoardSessionListSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_board_sessions)
    items = board_sessions.of_assessment(db.session, assessment.id)
    names = board_sessions.member_names(
        db.session, sorted({i for item in items for i in item.member_ids or []})
    )
    return jsonify({"sessions": [board_sessions.session_json(db.session, i, names) for i in items]})


@api_blueprint.post("/v1/assessments/<int:assessment_id>/sessions")
@token_required
def post_board_session(assessment_id: int):
    """Record a session of the board with the team on the version in review.
    ---
    post:
      summary: Record a board session
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: assessment_id, required: true, schema: {type: integer}}]
      requestBody: {required: true, content: {application/json: {schema: BoardSessionInSchema}}}
      responses:
        201:
          description: The session
          content: {application/json: {schema: BoardSessionSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409:
          description: "The assessment is not in review (sessions are recorded while it is)"
          content: {application/json: {schema: ErrorSchema}}
        422:
          description: "Not valid: a date after today, a member who is not a sounding-board
            member of this assessment, an empty name or an unknown role; `fields` names each"
          content: {application/json: {schema: ErrorSchema}}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_board_sessions)
    _may(assessment)
    body = json_body(BoardSessionInSchema())
    item = run_step(lambda: board_sessions.record(db.session, g.api_user, assessment, body))
    return jsonify(board_sessions.session_json(db.session, item)), 201


@api_blueprint.put("/v1/assessments/<int:assessment_id>/sessions/<int:session_id>")
@token_required
def put_board_session(assessment_id: int, session_id: int):
    """Rewrite a session of the version in review (every field, as for a new one).
    ---
    put:
      summary: Change a board session
      security: [{bearerAuth: []}]
      parameters:
        - {in: path, name: assessment_id, required: true, schema: {type: integer}}
        - {in: path, name: session_id, required: true, schema: {type: integer}}
      requestBody: {required: true, content: {application/json: {schema: BoardSessionInSchema}}}
      responses:
        200:
          description: The session
          content: {application/json: {schema: BoardSessionSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409:
          description: "The assessment is not in review, or the session belongs to an
            earlier version"
          content: {application/json: {schema: ErrorSchema}}
        422:
          description: "Not valid (as for a new session); `fields` names each problem"
          content: {application/json: {schema: ErrorSchema}}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_board_sessions)
    item = board_sessions.find(db.session, assessment, session_id)
    if item is None:
        return json_error(404, "No session with this id on this assessment.")
    _may(assessment)
    body = json_body(BoardSessionInSchema())
    run_step(lambda: board_sessions.change(db.session, g.api_user, assessment, item, body))
    return jsonify(board_sessions.session_json(db.session, item))
