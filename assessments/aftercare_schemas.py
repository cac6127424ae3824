"""marshmallow schemas of the monitoring, incidents, suspension and change API
(`/api/v1/algorithms/<slug>/...`), registered in the OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from assessments.aftercare import MAX_COUNT, MAX_NOTES, MAX_ROWS
from assessments.schemas import GroupOutcomesSchema
from register.aftercare import (
    CHANGE_KINDS,
    INCIDENT_KINDS,
    INCIDENT_STATUSES,
    MAX_AFFECTED,
    MAX_PUBLIC_TEXT,
    MAX_TEXT,
    SEVERITIES,
)

_NO_NUL = "\\x00"
_ANY = rf"^[^{_NO_NUL}]*$"
_NOT_BLANK = rf"^[^{_NO_NUL}]*\S[^{_NO_NUL}]*$"


def _text(max_length: int, *, required: bool = False, blank: bool = True, **metadata):
    return fields.String(
        required=required,
        validate=validate.Length(max=max_length),
        metadata={"pattern": _ANY if blank else _NOT_BLANK, **metadata},
    )


def _count(**metadata):
    return fields.Integer(
        strict=True, validate=validate.Range(0, MAX_COUNT), load_default=0, metadata=metadata
    )


class GroupOutcomeRowSchema(Schema):
    """One group of a table, in the question bank's format (discrimination.group_outcomes)."""

    group = _text(200, required=True)
    table = _text(200)
    dimension = fields.String(allow_none=True, validate=validate.Length(max=60))
    stage = fields.String(allow_none=True, validate=validate.Length(max=60))
    in_scope = fields.Integer(strict=True, required=True, validate=validate.Range(0, MAX_COUNT))
    selected = fields.Integer(strict=True, required=True, validate=validate.Range(0, MAX_COUNT))
    hits = fields.Integer(strict=True, allow_none=True, validate=validate.Range(0, MAX_COUNT))
    reference = fields.Boolean(metadata={"description": "Bank version 1: the reference group"})


class MonitoringReportInSchema(Schema):
    period_start = fields.Date(required=True)
    period_end = fields.Date(
        required=True, metadata={"description": "Not before period_start, not after today"}
    )
    group_outcomes = fields.List(
        fields.Nested(GroupOutcomeRowSchema),
        load_default=list,
        validate=validate.Length(max=MAX_ROWS),
        metadata={"description": "The bank's group outcome tables for the period"},
    )
    override_rate = fields.Float(
        allow_none=True,
        validate=validate.Range(0, 1),
        metadata={"description": "Share of cases where staff deviated from the output (0-1)"},
    )
    objections = _count(description="Objections (bezwaren) in the period")
    complaints = _count(description="Complaints in the period")
    notes = _text(MAX_NOTES)


class BreachSchema(Schema):
    rule = fields.String(
        required=True,
        metadata={
            "enum": ["override_rate", "objections", "complaints", "flagged_groups", "group_ratio"]
        },
    )
    value = fields.Raw(required=True, metadata={"description": "The report's figure"})
    limit = fields.Raw(required=True, allow_none=True)


class MonitoringReportSchema(Schema):
    id = fields.Integer(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    override_rate = fields.Float(required=True, allow_none=True)
    objections = fields.Integer(required=True)
    complaints = fields.Integer(required=True)
    notes = fields.String(required=True)
    analysis = fields.Nested(GroupOutcomesSchema, required=True)
    thresholds = fields.Dict(keys=fields.String(), values=fields.Raw(), required=True)
    breaches = fields.List(fields.Nested(BreachSchema), required=True)
    reopened = fields.Boolean(
        required=True, metadata={"description": "True: a re-assessment (new version) started"}
    )
    assessment_id = fields.Integer(required=True)


class IncidentInSchema(Schema):
    kind = fields.String(validate=validate.OneOf(INCIDENT_KINDS), load_default="incident")
    occurred_on = fields.Date(required=True)
    description = _text(
        MAX_TEXT, required=True, blank=False, description="What happened (internal)"
    )
    people_affected = fields.Integer(
        strict=True,
        validate=validate.Range(0, MAX_AFFECTED),
        load_default=0,
        metadata={"description": "How many people: a number, never who"},
    )
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    action_taken = _text(MAX_TEXT)


class IncidentUpdateSchema(Schema):
    status = fields.String(validate=validate.OneOf(INCIDENT_STATUSES), load_default="closed")
    action_taken = _text(MAX_TEXT)
    public_description = _text(
        MAX_PUBLIC_TEXT,
        description="For residents; required (not blank) when status is closed",
    )


class IncidentSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    occurred_on = fields.Date(required=True)
    description = fields.String(required=True)
    people_affected = fields.Integer(required=True)
    severity = fields.String(required=True)
    action_taken = fields.String(required=True)
    status = fields.String(required=True)
    public_description = fields.String(required=True)


class ReasonInSchema(Schema):
    reason = _text(MAX_TEXT, required=True, blank=False, description="The decision's reason")


class SuspensionResultSchema(Schema):
    suspended = fields.Boolean(required=True)
    since = fields.DateTime(required=True)
    reason = fields.String(required=True)
    lifted_at = fields.DateTime(required=True, allow_none=True)
    lift_reason = fields.String(required=True)


class ChangeInSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(CHANGE_KINDS))
    description = _text(MAX_PUBLIC_TEXT, required=True, blank=False)
    material = fields.Boolean(
        load_default=False,
        metadata={"description": "Call another kind material too (minor is the default)"},
    )


class ChangeResultSchema(Schema):
    kind = fields.String(required=True)
    description = fields.String(required=True)
    material = fields.Boolean(required=True)
    reopened = fields.Boolean(required=True)
    assessment_id = fields.Integer(required=True)
