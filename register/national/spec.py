"""The national register's submission API ("aanleverapi" v1_0) as published, and checks of a
payload against it.

`aanleverapi-v1_0-openapi.json` beside this module is a copy of the published OpenAPI 3.1
document (EUPL-1.2), so the project runs without ../shared/. A test keeps it equal to the
reference copy. Pure functions: no Flask, no database.
"""

from __future__ import annotations

import copy
import functools
import html
import json
import re
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).with_name("aanleverapi-v1_0-openapi.json")
BASE_PATH = "/aanleverapi/v1_0"
_SPEC_URI = "urn:aanleverapi-v1_0"


@functools.cache
def published_spec() -> dict:
    """The document exactly as published (read once; callers must not change it)."""
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def _without_enum_type(node):
    if isinstance(node, dict):
        return {
            key: _without_enum_type(value)
            for key, value in node.items()
            if not (key == "type" and value == "enum")
        }
    if isinstance(node, list):
        return [_without_enum_type(item) for item in node]
    return node


def normalised_spec() -> dict:
    """The document with its one defect repaired, for validators.

    The published schemas carry `"type": "enum"` beside a `$ref` to an enum (a generator's
    note, not a JSON Schema type: every validator refuses the document with it). Dropping
    that key changes nothing else; the `$ref` still holds the permitted values."""
    return _without_enum_type(copy.deepcopy(published_spec()))


@functools.cache
def _algorithm_in_validator() -> jsonschema.protocols.Validator:
    document = normalised_spec()
    registry = Registry().with_resource(
        _SPEC_URI, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    schema = {"$ref": f"{_SPEC_URI}#/components/schemas/AlgorithmIn"}
    return jsonschema.Draft202012Validator(schema, registry=registry)


def algorithm_in_schema() -> dict:
    return published_spec()["components"]["schemas"]["AlgorithmIn"]


_TAG_RE = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)[^>]*>")


def text_without_html(value: str) -> str:
    """What the national register counts for `max_length_without_html`."""
    return html.unescape(_TAG_RE.sub("", value))


def _extension_problems(payload: dict) -> list[str]:
    """The document's own keywords that JSON Schema ignores: `max_length_without_html` and
    `allowed_html_tags`, on the fields and inside the {title, link} rows."""
    problems = []
    schemas = published_spec()["components"]["schemas"]

    def check(label: str, field_schema: dict, value) -> None:
        if not isinstance(value, str):
            return
        limit = field_schema.get("max_length_without_html")
        length = len(text_without_html(value))
        if limit is not None and length > limit:
            problems.append(f"{label}: longer than {limit} characters without HTML ({length})")
        allowed = field_schema.get("allowed_html_tags")
        tags = {match.lower() for match in _TAG_RE.findall(value)}
        if allowed is None and tags:
            problems.append(f"{label}: HTML is not allowed here")
        elif allowed is not None and tags - set(allowed):
            problems.append(
                f"{label}: HTML tags not allowed: {', '.join(sorted(tags - set(allowed)))}"
            )

    for name, field_schema in algorithm_in_schema()["properties"].items():
        value = payload.get(name)
        if isinstance(value, list):
            ref = (field_schema.get("anyOf") or [{}])[0].get("items", {}).get("$ref", "")
            row_schema = schemas.get(ref.rpartition("/")[2], {}).get("properties", {})
            for index, row in enumerate(value):
                if isinstance(row, dict):
                    for key, sub_schema in row_schema.items():
                        check(f"{name}[{index}].{key}", sub_schema, row.get(key))
        else:
            check(name, field_schema, value)
    return problems


def payload_problems(payload: dict) -> list[str]:
    """Everything in `payload` (an AlgorithmIn body) that the API's description refuses:
    JSON Schema (required fields, types, permitted values) plus its length and HTML rules.
    Empty means valid."""
    problems = []
    for error in sorted(_algorithm_in_validator().iter_errors(payload), key=lambda e: e.path):
        while error.context:  # anyOf [the type, null]: say what is wrong with the type
            error = max(error.context, key=lambda e: len(e.absolute_path))
        where = ".".join(str(part) for part in error.absolute_path) or "body"
        problems.append(f"{where}: {error.message}")
    return problems + _extension_problems(payload)
