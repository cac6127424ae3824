"""The national publication standard v1.0 (algoritmeregister) plus Utrecht's own fields.

Field names, limits and permitted values mirror the national register's `config-v1_0.json`;
a test checks them against that file so the two cannot drift. This module is pure data and
pure functions: no Flask, no database.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from dataclasses import dataclass, field
from enum import StrEnum

import nh3

from portal.problems import N_, Problem, problem

CATEGORIES = (
    "Organisatie en bedrijfsvoering",
    "Cultuur en recreatie",
    "Economie",
    "Overheidsfinanciën",
    "Wonen",
    "Internationaal",
    "Migratie en integratie",
    "Natuur en milieu",
    "Onderwijs en wetenschap",
    "Openbare orde en veiligheid",
    "Recht",
    "Ruimte en infrastructuur",
    "Sociale zekerheid",
    "Verkeer",
    "Werk",
    "Zorg en gezondheid",
)
STATUSES = ("In ontwikkeling", "In gebruik", "Buiten gebruik")
STATUS_RETIRED = "Buiten gebruik"
PUBLICATION_CATEGORIES = ("Hoog-risico AI-systeem", "Impactvolle algoritmes", "Overige algoritmes")
LANGS = ("nld",)
STANDARD_VERSIONS = ("1.0",)
ALLOWED_HTML_TAGS = frozenset({"div", "br", "p", "ul", "ol", "li"})
UTHIEK_ASSESSMENT_TITLE = "Utrecht Uthiek Assessment"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # "text", "html", "enum", "list", "group", "date", "url", "contact"
    max_length: int | None = None
    required: bool = False
    permitted: tuple[str, ...] = ()
    group_fields: tuple[FieldSpec, ...] = ()
    national: bool = True  # part of the national v1.0 standard (exported in its format)
    public: bool = True
    extra: dict = field(default_factory=dict)


def _group(name: str, title_max: int, link_required: bool) -> FieldSpec:
    return FieldSpec(
        name,
        "group",
        group_fields=(
            FieldSpec("title", "text", title_max, required=True),
            FieldSpec("link", "url", 500, required=link_required),
        ),
    )


FIELDS: tuple[FieldSpec, ...] = (
    # Algemene informatie
    FieldSpec("name", "text", 100, required=True),
    FieldSpec("description_short", "text", 400, required=True),
    FieldSpec("organization", "text", 100, required=True),
    FieldSpec("category", "list", permitted=CATEGORIES),
    FieldSpec("status", "enum", required=True, permitted=STATUSES),
    FieldSpec("begin_date", "date", 7),
    FieldSpec("end_date", "date", 7),
    FieldSpec("contact_email", "contact", 500, required=True),
    FieldSpec("website", "url", 500),
    FieldSpec("publication_category", "enum", required=True, permitted=PUBLICATION_CATEGORIES),
    FieldSpec("url", "url", 500),
    # Verantwoord gebruik
    FieldSpec("goal", "html", 2500),
    FieldSpec("proportionality", "html", 2500),
    FieldSpec("human_intervention", "html", 2500),
    FieldSpec("risks", "html", 2500),
    FieldSpec("lawful_basis", "html", 2500),
    _group("lawful_basis_grouping", 100, link_required=True),
    FieldSpec("process_index_url", "url", 500),
    FieldSpec(
        "impacttoetsen_grouping",
        "group",
        group_fields=(
            # The standard sets no limit on the title; 500 keeps a row sane.
            FieldSpec("title", "text", 500, required=True),
            FieldSpec("link", "url", 500),
        ),
    ),
    FieldSpec("impacttoetsen", "html", 2500),
    # Werking
    FieldSpec("source_data", "html", 2500),
    _group("source_data_grouping", 500, link_required=True),
    FieldSpec("methods_and_models", "html", 5000),
    FieldSpec("provider", "text", 200),
    FieldSpec("publiccode", "url", 500),
    # Metadata
    FieldSpec("lang", "enum", required=True, permitted=LANGS),
    FieldSpec("standard_version", "enum", permitted=STANDARD_VERSIONS),
    FieldSpec("source_id", "text", 100),
    FieldSpec("tags", "html", 2500),
    # Utrecht additions: what users of the national register miss.
    FieldSpec("department", "text", 200, national=False),
    FieldSpec("objection_procedure", "html", 2500, national=False),
    FieldSpec("monitoring", "html", 2500, national=False),
    FieldSpec("performance", "html", 2500, national=False),
    FieldSpec("withheld_reason", "html", 2500, national=False),
    # EU AI Act, Annex VIII section C (deployer registration).
    FieldSpec("eu_database_url", "url", 500, national=False),
    FieldSpec("fria_summary", "html", 2500, national=False),
    FieldSpec("dpia_summary", "html", 2500, national=False),
)
FIELDS_BY_NAME = {spec.name: spec for spec in FIELDS}
FIELD_NAMES = tuple(spec.name for spec in FIELDS)
NATIONAL_FIELD_NAMES = tuple(spec.name for spec in FIELDS if spec.national)
LIST_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind in ("list", "group"))
HTML_FIELDS = tuple(spec.name for spec in FIELDS if spec.kind == "html")
# Required by Utrecht before anything is published through the portal itself.
UTRECHT_REQUIRED = ("objection_procedure",)

# Older national field names that still occur in exported files.
LEGACY_ALIASES = {"iama_description": "impacttoetsen"}


class Code(StrEnum):
    """What validate_entry and clean_entry can find wrong with a field."""

    REQUIRED = "required"
    GIVE_TEXT = "give_text"
    TOO_LONG = "too_long"
    NOT_PERMITTED = "not_permitted"
    NOT_A_MONTH = "not_a_month"
    NOT_A_WEB_ADDRESS = "not_a_web_address"
    NOT_CONTACT = "not_contact"
    GIVE_LIST = "give_list"
    UNKNOWN_VALUE = "unknown_value"
    GIVE_GROUP_LIST = "give_group_list"
    GIVE_GROUP_ROW = "give_group_row"
    BEFORE_BEGIN = "before_begin"
    TEXT_NOT_BOOLEAN = "text_not_boolean"
    NOT_A_NUMBER = "not_a_number"
    TEXT_NOT_LIST = "text_not_list"
    GIVE_ENTRY = "give_entry"
    UNSTORABLE = "unstorable"
    NOT_A_FIELD = "not_a_field"
    NAME_MISSING = "name_missing"


# English templates (msgids). The first ones keep the wording the import report and the
# API have always used, so scripts reading them keep working.
TEXTS: dict[Code, str] = {
    Code.REQUIRED: N_("required"),
    Code.GIVE_TEXT: N_("give text"),
    Code.TOO_LONG: N_("longer than %(max)d characters (%(count)d)"),
    Code.NOT_PERMITTED: N_("not one of: %(values)s"),
    Code.NOT_A_MONTH: N_("not a month in the form YYYY-MM"),
    Code.NOT_A_WEB_ADDRESS: N_("not a web address starting with https://"),
    Code.NOT_CONTACT: N_("not an email address or web address"),
    Code.GIVE_LIST: N_("give a list of values"),
    Code.UNKNOWN_VALUE: N_("unknown value %(value)s"),
    Code.GIVE_GROUP_LIST: N_("give a list of {title, link} objects"),
    Code.GIVE_GROUP_ROW: N_("give an object with title and link"),
    Code.BEFORE_BEGIN: N_("before the begin date"),
    Code.TEXT_NOT_BOOLEAN: N_("give text, not true or false"),
    Code.NOT_A_NUMBER: N_("not a valid number"),
    Code.TEXT_NOT_LIST: N_("give text, not a list or object"),
    Code.GIVE_ENTRY: N_("give an object with register fields"),
    Code.UNSTORABLE: N_("text with characters that cannot be stored"),
    Code.NOT_A_FIELD: N_("not a register field"),
    Code.NAME_MISSING: N_("Give the algorithm a name."),
}
# For the catalogue test (portal.problems.RULE_MODULES).
PROBLEM_CODES = Code
PROBLEM_TEXTS = TEXTS


def field_problem(code: Code, **params) -> Problem:
    return problem(TEXTS, code, **params)


_DATE_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


# nh3 returns text without any of these characters unchanged (tags, entities, and what the
# HTML parser rewrites: NUL, CR, no-break space, a leading BOM); most text has none, and
# skipping the parser for it is most of an import's validation time.
_NH3_REWRITES = re.compile("[\x00\r&<>\xa0\ufeff]")


def sanitize_html(value: str) -> str:
    """Keep only the standard's allowlisted tags, without attributes."""
    if not _NH3_REWRITES.search(value):
        return value.strip()
    cleaned = nh3.clean(value, tags=set(ALLOWED_HTML_TAGS), attributes={}, link_rel=None)
    return cleaned.strip()


def plain_text(value: str) -> str:
    """Text fields hold plain text: markup is removed, entities decoded (the page escapes it)."""
    if not _NH3_REWRITES.search(value):
        return " ".join(value.split())
    stripped = nh3.clean(value, tags=set(), attributes={})
    return " ".join(html.unescape(stripped).split())


_LINE_BREAKS = re.compile(r"<(br|/p|/li|/div)\s*/?>", re.IGNORECASE)
_BARE_TAGS = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\s*/?>")


def html_to_text(value: str) -> str:
    """Readable text from an HTML field, for search, CSV readers and feeds.

    Sanitised HTML has only bare allowed tags and escaped text (no attributes, comments,
    scripts or a stray `<`): there dropping the tags reads exactly as the HTML parser does,
    in about half the time. Anything else goes through the parser."""
    text = _LINE_BREAKS.sub("\n", value or "").replace("\n", " \n ")
    tags = _BARE_TAGS.findall(text)
    if (
        text.count("<") == len(tags)
        and ALLOWED_HTML_TAGS.issuperset(name.lower() for name in tags)
        and "\x00" not in text
        and "\r" not in text
    ):
        # Like the HTML parser: entities read between tags, a leading byte order mark dropped.
        pieces = _BARE_TAGS.sub("\x00", text.removeprefix("\ufeff")).split("\x00")
        return " ".join("".join(html.unescape(piece) for piece in pieces).split())
    return plain_text(text)


def empty_entry() -> dict:
    return {name: ([] if name in LIST_FIELDS else "") for name in FIELD_NAMES}


class CleanedEntry(dict):
    """An entry as clean_entry returns it, plus `problems`: {field: why} for values of the
    wrong type (a number where a list belongs, an object where text belongs). Such a field
    is left empty and validate_entry reports the problem, so every caller that validates
    refuses the entry with field errors instead of failing."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.problems: dict[str, Problem] = {}


class _WrongTypeError(ValueError):
    def __init__(self, code: Code) -> None:
        super().__init__(TEXTS[code])
        self.problem = field_problem(code)


def _scalar_text(value) -> str:
    """Text for a scalar field: text as is, a finite number written out, nothing else."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise _WrongTypeError(Code.TEXT_NOT_BOOLEAN)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _WrongTypeError(Code.NOT_A_NUMBER)
        return str(value)
    raise _WrongTypeError(Code.TEXT_NOT_LIST)


def _clean_scalar(spec: FieldSpec, value) -> str:
    value = _scalar_text(value).strip()
    if spec.kind == "html":
        return sanitize_html(value)
    value = plain_text(value)
    if spec.kind == "enum" and spec.name == "lang":
        return value.lower()  # the national exports write "NLD"
    return value


def _clean_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = re.split(r"[;|]", value)
    elif not isinstance(value, list | tuple):
        raise _WrongTypeError(Code.GIVE_LIST)
    cleaned = []
    for item in value:
        text = plain_text(_scalar_text(item))
        if text:
            cleaned.append(text)
    return cleaned


def _clean_group(spec: FieldSpec, value, problems: dict[str, str]) -> list[dict]:
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple):
        raise _WrongTypeError(Code.GIVE_GROUP_LIST)
    rows = []
    for index, row in enumerate(value):
        if isinstance(row, str):
            rows.append({"title": plain_text(row), "link": ""})
            continue
        if not isinstance(row, dict):
            problems[f"{spec.name}[{index}]"] = field_problem(Code.GIVE_GROUP_ROW)
            continue
        cleaned = {}
        for sub in spec.group_fields:
            try:
                cleaned[sub.name] = _clean_scalar(sub, row.get(sub.name))
            except _WrongTypeError as error:
                problems[f"{spec.name}[{index}].{sub.name}"] = error.problem
                cleaned[sub.name] = ""
        rows.append(cleaned)
    return [row for row in rows if any(row.values())]


def clean_entry(raw: dict) -> tuple[CleanedEntry, list[str]]:
    """Normalise a raw mapping into an entry: sanitised values, known fields only.

    Returns the entry and the names of unknown fields that were ignored. Values of the
    wrong type never raise: they are left empty and listed in `entry.problems`, which
    validate_entry reports.
    """
    entry = CleanedEntry(empty_entry())
    ignored: list[str] = []
    if not isinstance(raw, dict):
        entry.problems["entry"] = field_problem(Code.GIVE_ENTRY)
        return entry, ignored
    for key, value in raw.items():
        name = LEGACY_ALIASES.get(key, key) if isinstance(key, str) else key
        spec = FIELDS_BY_NAME.get(name) if isinstance(name, str) else None
        if spec is None:
            ignored.append(key)
            continue
        try:
            if spec.kind == "list":
                entry[name] = _clean_list(value)
            elif spec.kind == "group":
                entry[name] = _clean_group(spec, value, entry.problems)
            else:
                entry[name] = _clean_scalar(spec, value)
        except _WrongTypeError as error:
            entry.problems[name] = error.problem
    return entry, ignored


def is_web_address(value: str) -> bool:
    return bool(value) and bool(_URL_RE.match(value))


def _check_scalar(spec: FieldSpec, value: str, label: str, errors: dict, formats: bool) -> None:
    if not isinstance(value, str):
        errors[label] = field_problem(Code.GIVE_TEXT)
        return
    if not value:
        if spec.required:
            errors[label] = field_problem(Code.REQUIRED)
        return
    if spec.max_length and len(value) > spec.max_length:
        errors[label] = field_problem(Code.TOO_LONG, max=spec.max_length, count=len(value))
    elif spec.kind == "enum" and value not in spec.permitted:
        errors[label] = field_problem(Code.NOT_PERMITTED, values=", ".join(spec.permitted))
    elif not formats:
        return
    elif spec.kind == "date" and not _DATE_RE.match(value):
        errors[label] = field_problem(Code.NOT_A_MONTH)
    elif spec.kind == "url" and not _URL_RE.match(value):
        errors[label] = field_problem(Code.NOT_A_WEB_ADDRESS)
    elif spec.kind == "contact" and not (_EMAIL_RE.match(value) or _URL_RE.match(value)):
        errors[label] = field_problem(Code.NOT_CONTACT)


def validate_entry(
    entry: dict, *, utrecht: bool = False, formats: bool = True
) -> dict[str, Problem]:
    """Check a cleaned entry against the standard. Returns {field: Problem}; empty means valid.

    The national rules are: required fields, maximum lengths and permitted values.
    `formats` adds our checks of dates, web and email addresses (the national register does
    not check them, so imports report them as notes); `utrecht` adds the rules Utrecht sets
    for its own publications.
    """
    errors: dict[str, str] = {}
    for spec in FIELDS:
        value = entry.get(spec.name)
        if spec.kind == "list":
            if not isinstance(value, list | tuple | type(None)):
                errors[spec.name] = field_problem(Code.GIVE_LIST)
                continue
            for item in value or []:
                if item not in spec.permitted:
                    errors[spec.name] = field_problem(Code.UNKNOWN_VALUE, value=repr(item))
                    break
        elif spec.kind == "group":
            if not isinstance(value, list | tuple | type(None)):
                errors[spec.name] = field_problem(Code.GIVE_GROUP_LIST)
                continue
            for index, row in enumerate(value or []):
                if not isinstance(row, dict):
                    errors[f"{spec.name}[{index}]"] = field_problem(Code.GIVE_GROUP_ROW)
                    continue
                for sub in spec.group_fields:
                    label = f"{spec.name}[{index}].{sub.name}"
                    sub_value = row.get(sub.name)
                    _check_scalar(
                        sub, "" if sub_value is None else sub_value, label, errors, formats
                    )
        else:
            _check_scalar(spec, value or "", spec.name, errors, formats)
    errors.update(getattr(entry, "problems", {}))
    begin, end = entry.get("begin_date"), entry.get("end_date")
    if begin and end and _DATE_RE.match(begin) and _DATE_RE.match(end) and end < begin:
        errors["end_date"] = field_problem(Code.BEFORE_BEGIN)
    if utrecht:
        for name in UTRECHT_REQUIRED:
            if not entry.get(name):
                errors[name] = field_problem(Code.REQUIRED)
    return errors


def national_problems(entry: dict) -> dict[str, Problem]:
    """What fails the national register's own rules (required fields, lengths, permitted
    values): a publication that fails them would be refused by the national register and
    breaks our own export, so nothing is published with any of these."""
    return validate_entry(entry, formats=False)


def national_month(value: dt.date | str) -> str:
    """A date in the national format for begin_date/end_date: the month, YYYY-MM.

    Accepts a date or an ISO date text (YYYY-MM-DD, as a date input sends it) and a text
    that already is a month; raises ValueError for anything else."""
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    text = (value or "").strip()
    if _DATE_RE.match(text):
        return text
    return national_month(dt.date.fromisoformat(text))


def changed_fields(old: dict, new: dict) -> list[str]:
    """Field names whose value differs between two entries, in standard order."""
    return [name for name in FIELD_NAMES if (old.get(name) or None) != (new.get(name) or None)]
