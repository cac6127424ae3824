"""marshmallow schemas for the public API and the exports.

Fields are listed explicitly: a new column never leaks into the public output by accident.
"""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from portal.urls import absolute_url
from register.aftercare_schemas import DeclaredChangeSchema, PublicIncidentsSchema, SuspensionSchema
from register.feedback_schemas import PublicFeedbackSchema
from register.queries import MAX_FILTER_LENGTH, MAX_PAGE, SORTS
from register.search import MAX_QUERY_LENGTH
from register.standard import FIELDS

API_MAX_PER_PAGE = 100
# The request guard (portal/input_guard.py) refuses a NUL in any parameter (400).
_NO_NUL = r"^[^\x00]*$"
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,12}", re.ASCII)


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


class NationalSchema(Schema):
    """The entry in the national algorithm register (register/national)."""

    lars = fields.String(
        allow_none=True, metadata={"description": "The national register's id of the entry"}
    )
    state = fields.String(
        metadata={
            "description": "not_delivered, in_sync, ours_newer (changed here since the last "
            "delivery), national_newer (edited in the national register), failed (the last "
            "delivery failed) or retracted (out of use, taken off the national register)"
        }
    )
    delivered_at = fields.DateTime(
        allow_none=True, metadata={"description": "Our last delivery (UTC)"}
    )


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
    national = fields.Nested(
        NationalSchema,
        allow_none=True,
        metadata={
            "description": "The entry in the national register, null when it is not known "
            "there: only in GET /api/v1/algorithms/{slug}"
        },
    )
    feedback = fields.Nested(
        PublicFeedbackSchema,
        metadata={"description": "Residents' questions: only in GET /api/v1/algorithms/{slug}"},
    )
    verdict = fields.Dict(
        allow_none=True,
        metadata={
            "description": "The sounding board's verdict on the approved version "
            "(want_this, explain_to_residents, advice, reasons), or null: only in GET "
            "/api/v1/algorithms/{slug}"
        },
    )
    director_decision = fields.Dict(
        allow_none=True,
        metadata={
            "description": "The director's decision on that advice (decision adopt|deviate, "
            "reasons, advice, result, overrides_negative_advice, decided_at), or null: only "
            "in GET /api/v1/algorithms/{slug}"
        },
    )
    conditions = fields.List(
        fields.Dict(),
        metadata={
            "description": "The board's conditions [{text, deadline, status: open|met|"
            "overdue|waived}], no names: only in GET /api/v1/algorithms/{slug}"
        },
    )
    suspended = fields.Nested(
        SuspensionSchema,
        allow_none=True,
        metadata={
            "description": "Null, or since when and why the algorithm is suspended (its "
            "national status stays as published): only in GET /api/v1/algorithms/{slug}"
        },
    )
    incidents = fields.Nested(
        PublicIncidentsSchema,
        metadata={"description": "Incidents and complaints: only in GET /api/v1/algorithms/{slug}"},
    )
    declared_changes = fields.List(
        fields.Nested(DeclaredChangeSchema),
        metadata={
            "description": "Changes the owner declared, newest first: only in GET "
            "/api/v1/algorithms/{slug}"
        },
    )

    class Meta:
        ordered = True


class AlgorithmListSchema(Schema):
    items = fields.List(fields.Nested(AlgorithmSchema))
    total = fields.Integer(
        metadata={"description": "Matching entries; a lower bound when total_is_exact is false"}
    )
    total_is_exact = fields.Boolean(
        metadata={
            "description": "False when a search matched more than 10,000 entries and counting "
            "stopped there (every page can still be fetched)"
        }
    )
    page = fields.Integer()
    per_page = fields.Integer()


class _WholeNumber(fields.Integer):
    """A query-string integer in ASCII digits (int() would also read `٣` or ` 5 `)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _WHOLE_NUMBER.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def _text(max_length: int, description: str = "") -> fields.String:
    return fields.String(
        validate=validate.Length(max=max_length),
        metadata={"pattern": _NO_NUL, **({"description": description} if description else {})},
    )


def _filter(max_items: int) -> fields.List:
    return fields.List(
        _text(MAX_FILTER_LENGTH),
        validate=validate.Length(max=max_items),
        metadata={
            "description": f"Repeat for more values (at most {max_items}); empty values "
            "are ignored; values are exact facet values"
        },
    )


class AlgorithmQuerySchema(Schema):
    """The list's query parameters. Stricter than the site's /algoritmes (which reads
    nonsense as the default): a value of the wrong type or out of range is a 422 naming the
    parameter, so a caller's bug does not silently give page 1."""

    q = _text(MAX_QUERY_LENGTH, "Full-text search")
    status = _filter(10)
    publication_category = _filter(10)
    department = _filter(20)
    theme = _filter(20)
    risk_level = fields.List(
        _WholeNumber(validate=validate.Range(1, 4)), metadata={"description": "Uthiek risk level"}
    )
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={"description": "Default: relevance with q, else name"},
    )
    page = _WholeNumber(validate=validate.Range(1, MAX_PAGE), load_default=1)
    per_page = _WholeNumber(validate=validate.Range(1, API_MAX_PER_PAGE), load_default=20)

    class Meta:
        ordered = True
        unknown = EXCLUDE  # other parameters (lang, tracking tags) are no business of ours


def load_query(schema: Schema, args: MultiDict) -> dict:
    """Query arguments through `schema`: list fields take every value, the others exactly
    one (a repeated `page` is an error, not "the first one wins"). Raises ValidationError."""
    data: dict = {}
    repeated: dict[str, list[str]] = {}
    for name, field in schema.fields.items():
        values = args.getlist(name)
        if isinstance(field, fields.List):
            if values:
                data[name] = values
        elif len(values) > 1:
            repeated[name] = ["Give this parameter once."]
        elif values:
            data[name] = values[0]
    if repeated:
        raise ValidationError(repeated)
    return schema.load(data)


def flat_query_errors(failure: ValidationError) -> dict[str, str]:
    """marshmallow's messages as the error's `fields`: {"risk_level[0]": "message"}."""
    flat: dict[str, str] = {}

    def walk(messages, name: str) -> None:
        if isinstance(messages, dict):
            for key, value in messages.items():
                walk(value, f"{name}[{key}]" if isinstance(key, int) else str(key))
        else:
            flat[name] = " ".join(map(str, messages if isinstance(messages, list) else [messages]))

    walk(failure.messages, "query")
    return flat


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
algorithm_query_schema = AlgorithmQuerySchema()
