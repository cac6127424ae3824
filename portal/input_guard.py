"""One guard for every request: text that cannot be stored never reaches a view.

PostgreSQL refuses NUL characters and lone surrogates cannot be encoded as UTF-8, so either
one deep inside a query turns into a server error. Werkzeug also quietly mangles what it
cannot decode (`%ED%A0%80` stays the literal text `%ED%A0%80`, a form body with a stray byte
arrives empty), which would lose what a user sent. The guard therefore reads the raw path,
query string and body before anything else (CSRF, page cache, sessions) touches them and
refuses the whole request with 400 (or 422 for a JSON body, naming each field), in the
user's language.

Numbers: parameters that hold an id, a page or a count must be plain ASCII digits within
range (`int()` accepts `٣`, and `'²'.isdigit()` is true; ids are INTEGER columns, 32 bits
on PostgreSQL), URL ids use a bounded `int` converter, and a JSON body may hold no number
beyond 64 bits, no NaN or Infinity, and no nesting deeper than MAX_JSON_DEPTH.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from urllib.parse import unquote_to_bytes

from flask import Flask, Response, render_template, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, ValidationError

from portal.errors import json_error, wants_json
from portal.text import is_storable_text

MAX_INT = 2**63 - 1  # the largest value a BIGINT column (and SQLite's INTEGER) holds
MIN_INT = -(2**63)
MAX_ID = 2**31 - 1  # ids and version numbers are INTEGER columns: 32 bits on PostgreSQL
MAX_JSON_DEPTH = 32  # the deepest body the API reads is four levels
MAX_FIELD_ERRORS = 20
# Parameters that carry an id or version number, or a page number or row count.
_ID_PARAMETER = re.compile(r"^(?:id|versie)$|_id$")
_NUMBER_PARAMETER = re.compile(r"^(?:id|page|per_page|risk_level|versie)$|_id$|-rows$")
_ASCII_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_MAX_DIGITS = len(str(MAX_INT))
FORM_MIMETYPE = "application/x-www-form-urlencoded"


class RequestRefusedError(Exception):
    """What the guard found; turned into a 400/422 response."""

    def __init__(self, status: int, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = fields or {}


# ---------------------------------------------------------------- pure rules


def parse_int(value: object, default: int, low: int, high: int) -> int:
    """A whole number written in ASCII digits, clamped to [low, high]; anything else is
    `default`. Never raises, and never builds a number from thousands of digits."""
    if isinstance(value, bool) or value is None:
        return default
    if isinstance(value, int):
        return min(max(value, low), high)
    if not isinstance(value, str):
        return default
    text = value.strip()
    if not _ASCII_INTEGER.fullmatch(text):
        return default
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > _MAX_DIGITS:
        return low if text.startswith("-") else high
    return min(max(int(text), low), high)


def number_parameter_problem(name: str, value: str) -> bool:
    """True when an id/page/count parameter is written as digits that we would misread:
    other scripts' digits (`٣`, `²`) or a value beyond 64 bits. Words stay the view's
    business (`page=abc` falls back to the first page)."""
    if not _NUMBER_PARAMETER.search(name):
        return False
    text = value.strip()
    unsigned = text[1:] if text[:1] in "+-" else text
    if not unsigned or not all(ch.isdigit() for ch in unsigned):
        return False
    if not _ASCII_INTEGER.fullmatch(text):
        return True
    if len(unsigned.lstrip("0")) > _MAX_DIGITS:
        return True
    high = MAX_ID if _ID_PARAMETER.search(name) else MAX_INT
    return not -high - 1 <= int(text) <= high


def _label(name: str) -> str:
    return name[:100] if is_storable_text(name) else "?"


def check_pairs(pairs: Iterable[tuple[str, str]], where: str) -> None:
    """Refuse NUL, unencodable text and misread numbers in decoded name/value pairs."""
    for name, value in pairs:
        if not (is_storable_text(name) and is_storable_text(value)):
            raise RequestRefusedError(400, bad_text_message(), {_label(name): field_text()})
        if number_parameter_problem(name, value):
            raise RequestRefusedError(400, bad_number_message(), {_label(name): field_number()})


def _unquote(raw: bytes) -> str | None:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Decode `a=1&b=2` strictly (as Werkzeug splits it): a name or value that is not
    UTF-8, raw or percent-escaped, is refused, naming the parameter where it can."""
    pairs = []
    for part in raw.split(b"&"):
        if not part:
            continue
        raw_name, _sep, raw_value = part.partition(b"=")
        name = _unquote(raw_name)
        if name is None:
            raise RequestRefusedError(400, bad_text_message(), {where: field_text()})
        value = _unquote(raw_value)
        if value is None:
            raise RequestRefusedError(400, bad_text_message(), {_label(name): field_text()})
        pairs.append((name, value))
    return pairs


def _walk_json(body: object) -> dict[str, str]:
    """Problems per JSON path (iteratively: a deep body must not exhaust the stack)."""
    problems: dict[str, str] = {}
    stack: list[tuple[object, str, int]] = [(body, "", 0)]
    while stack and len(problems) < MAX_FIELD_ERRORS:
        value, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise RequestRefusedError(400, too_deep_message())
        label = path or "body"
        if isinstance(value, dict):
            for key, item in value.items():
                key_text = str(key)
                if not is_storable_text(key_text):
                    problems[label] = field_text()
                    continue
                stack.append((item, f"{path}.{key_text}" if path else key_text, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            if not is_storable_text(value):
                problems[label] = field_text()
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not MIN_INT <= value <= MAX_INT:
                problems[label] = field_number()
        elif isinstance(value, float) and not math.isfinite(value):
            problems[label] = field_not_finite()
    return problems


# ---------------------------------------------------------------- messages


def bad_text_message() -> str:
    return _(
        "What you sent contains a character we cannot process (a NUL character or text "
        "that is not valid UTF-8). Remove it and try again."
    )


def bad_number_message() -> str:
    return _("A number in what you sent is too large or is not written with the digits 0 to 9.")


def too_deep_message() -> str:
    return _(
        "The JSON has too many levels inside each other (at most %(depth)s).", depth=MAX_JSON_DEPTH
    )


def json_values_message() -> str:
    return _("Some values in the JSON cannot be processed.")


def field_text() -> str:
    return _("contains a character we cannot process")


def field_number() -> str:
    return _("not a whole number with the digits 0 to 9, or too large")


def field_not_finite() -> str:
    return _("not a valid number")


# ---------------------------------------------------------------- the request


def _path_text() -> str:
    """PATH_INFO as the client sent it: WSGI servers hand over its bytes as latin-1."""
    raw = request.environ.get("PATH_INFO", "")
    try:
        data = raw.encode("latin-1")
    except UnicodeEncodeError:
        return raw  # already text (some test clients); checked as such below
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRefusedError(400, bad_text_message(), {"path": field_text()}) from None


def _form_pairs() -> Iterator[tuple[str, str]]:
    if request.mimetype == FORM_MIMETYPE:
        # Cached, so request.form parses the same bytes afterwards.
        yield from decode_pairs(request.get_data(cache=True), "form")
    elif request.mimetype == "multipart/form-data":
        # Werkzeug replaces undecodable bytes in parts with U+FFFD; no form here uploads files.
        for name, value in request.form.items(multi=True):
            if "\ufffd" in value:
                raise RequestRefusedError(400, bad_text_message(), {_label(name): field_text()})
            yield name, value


def _check_json_body() -> None:
    if not request.is_json:
        return
    data = request.get_data(cache=True)
    if not data:
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRefusedError(400, bad_text_message(), {"body": field_text()}) from None
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        raise RequestRefusedError(400, too_deep_message()) from None
    if body is None:
        return  # not JSON: the view answers that
    problems = _walk_json(body)
    if problems:
        raise RequestRefusedError(422, json_values_message(), problems)


def inspect_request() -> None:
    """Raise RequestRefusedError for anything in this request we cannot safely process."""
    path = _path_text()
    if not is_storable_text(path):
        raise RequestRefusedError(400, bad_text_message(), {"path": field_text()})
    check_pairs(decode_pairs(request.query_string, "query"), "query")
    check_pairs(_form_pairs(), "form")
    _check_json_body()
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and not is_storable_text(value):
            raise RequestRefusedError(400, bad_text_message(), {name: field_text()})


def refusal_response(refused: RequestRefusedError) -> Response | tuple[str, int]:
    if wants_json():
        return json_error(refused.status, refused.message, refused.fields)
    return render_template(
        "errors/error.html",
        status=refused.status,
        title=_("Something is wrong with this request"),
        explanation=refused.message,
    ), refused.status


def guard_request():
    try:
        inspect_request()
    except RequestRefusedError as refused:
        return refusal_response(refused)
    return None


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` for ids and version numbers that fit their INTEGER column; beyond that
    (or written as `٣`) is 404 instead of an out-of-range error from the database."""

    # \d would also match Arabic-Indic and other digits, which int() then accepts.
    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs) -> None:
        super().__init__(map, *args, **kwargs)
        self.max = MAX_ID if self.max is None else min(self.max, MAX_ID)
        self.min = -MAX_ID - 1 if self.min is None else max(self.min, -MAX_ID - 1)

    def to_python(self, value: str) -> int:
        if len(value.lstrip("-").lstrip("0")) > _MAX_DIGITS:
            raise ValidationError()
        return super().to_python(value)


def init_app(app: Flask) -> None:
    """Install before any blueprint (the converter) and before CSRF reads the form."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(guard_request)
