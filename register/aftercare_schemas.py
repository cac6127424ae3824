"""marshmallow schemas of what the public API shows of an entry after publication:
suspension, incident counts with closed incidents, declared changes."""

from __future__ import annotations

from marshmallow import Schema, fields

from register.aftercare import CHANGE_KINDS, INCIDENT_KINDS, SEVERITIES


class SuspensionSchema(Schema):
    since = fields.DateTime(required=True, metadata={"description": "Suspended since (UTC)"})
    reason = fields.String(required=True, metadata={"description": "The decision's reason"})


class ClosedIncidentSchema(Schema):
    kind = fields.String(metadata={"enum": list(INCIDENT_KINDS)})
    occurred_on = fields.Date()
    severity = fields.String(metadata={"enum": list(SEVERITIES)})
    people_affected = fields.Integer(metadata={"description": "A number, never who"})
    closed_on = fields.Date(allow_none=True)
    description = fields.String(metadata={"description": "Short public description"})


class PublicIncidentsSchema(Schema):
    total = fields.Integer()
    open = fields.Integer()
    closed = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    by_severity = fields.Dict(keys=fields.String(), values=fields.Integer())
    people_affected = fields.Integer(metadata={"description": "Sum over all incidents"})
    closed_incidents = fields.List(fields.Nested(ClosedIncidentSchema))


class DeclaredChangeSchema(Schema):
    kind = fields.String(metadata={"enum": list(CHANGE_KINDS)})
    material = fields.Boolean(metadata={"description": "True: the change reopened the assessment"})
    description = fields.String()
    declared_on = fields.Date()
