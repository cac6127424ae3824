"""marshmallow schemas for the public API and the exports.

Fields are listed explicitly: a new column never leaks into the public output by accident.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from portal.urls import absolute_url
from register.standard import FIELDS


class LinkSchema(Schema):
    title = fields.String(required=True)
    link = fields.String()


def _content_field(spec) -> fields.Field:
    if spec.kind == "list":
        return fields.List(
            fields.String(), metadata={"description": "Thema's (national `category`)"}
        )
    if spec.kind == "group":
        return fields.List(fields.Nested(LinkSchema))
    description = "HTML limited to p, div, br, ul, ol, li" if spec.kind == "html" else ""
    return fields.String(metadata={"description": description} if description else {})


def _content_fields() -> dict[str, fields.Field]:
    return {spec.name: _content_field(spec) for spec in FIELDS}


class AlgorithmSchema(Schema.from_dict(_content_fields(), name="AlgorithmFields")):
    """A published register entry: the national v1.0 field names plus Utrecht's additions."""

    slug = fields.String(required=True)
    version = fields.Integer(
        required=True,
        metadata={
            "description": "Number of the latest published version: the N of the site's "
            "/algoritmes/{slug}/versies/N"
        },
    )
    published_at = fields.DateTime(
        metadata={"description": "When this version was published (UTC)"}
    )
    first_published_at = fields.DateTime()
    risk_level = fields.Integer(allow_none=True, metadata={"description": "Uthiek risk level 1-4"})
    register_url = fields.String(metadata={"description": "The entry's page on this site"})

    class Meta:
        ordered = True


class AlgorithmListSchema(Schema):
    items = fields.List(fields.Nested(AlgorithmSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class ErrorDetailSchema(Schema):
    code = fields.String(
        required=True, metadata={"description": "Stable, machine-readable: e.g. not_found"}
    )
    message = fields.String(required=True, metadata={"description": "For people"})
    fields = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Per field (dotted path) what is wrong; only for 422 and 400"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


def entry_payload(algorithm, version_number: int | None = None) -> dict:
    """The data an AlgorithmSchema dumps: published content plus identity and links."""
    return {
        **algorithm.content,
        "slug": algorithm.slug,
        "version": version_number,
        "published_at": algorithm.published_at,
        "first_published_at": algorithm.first_published_at,
        "risk_level": algorithm.risk_level,
        "register_url": absolute_url("register.entry", slug=algorithm.slug),
    }


algorithm_schema = AlgorithmSchema()
algorithm_list_schema = AlgorithmListSchema()
