"""Validation of answers against the question bank, shared by the web form and the API.

`validate` checks a partial update as a whole: it returns cleaned values and per-field
messages, and the caller applies nothing when there is any message (atomic updates).
"""

from __future__ import annotations

import datetime as dt
import math
import re

from flask_babel import gettext as _

from assessments.bank import Bank, Question
from assessments.conditions import shown_questions
from assessments.outcomes import COUNT_FIELDS, row_problems, table_row_problems
from portal.text import holds_unstorable_text

_URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
MAX_GROUP_ROWS = 50
GROUP_OUTCOMES = "discrimination.group_outcomes"
# Numbers without a maximum in the bank (the bank's numbers are counts of people or cases):
# ten million is above any count of a municipality's algorithm and keeps Fisher's exact test
# fast (it slows down with the counts: about 6 s per group at a billion).
MAX_NUMBER = 10**7


# Text no database can store (lone surrogates, NUL): the one rule in portal.text.
unstorable_text = holds_unstorable_text


def _unstorable_message() -> str:
    return _("This contains characters that cannot be stored. Type the text again.")


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _clean_scalar(question: Question, value, path: str, errors: dict):
    """The cleaned value, or None after adding a message to `errors`."""
    kind = question.type
    if unstorable_text(value):
        errors[path] = _unstorable_message()
        return None
    if kind in ("text", "textarea", "url"):
        if not isinstance(value, str):
            errors[path] = _("Give text.")
            return None
        value = value.strip()
        limit = question.length_limit
        if limit and len(value) > limit:
            errors[path] = _(
                "Use at most %(max)d characters (now %(count)d).", max=limit, count=len(value)
            )
            return None
        if kind == "url" and value and not _URL_RE.match(value):
            errors[path] = _("Give a web address that starts with https://.")
            return None
        return value
    if kind in ("yes_no_unsure", "choice", "scale4"):
        if not isinstance(value, str) or value not in question.option_values:
            errors[path] = _("Choose one of the options.")
            return None
        return value
    if kind == "multichoice":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors[path] = _("Choose one or more of the options.")
            return None
        unknown = [v for v in value if v not in question.option_values]
        if unknown:
            errors[path] = _("Unknown option: %(value)s.", value=", ".join(unknown)[:100])
            return None
        chosen = list(dict.fromkeys(value))
        if "none" in chosen and len(chosen) > 1:
            errors[path] = _("“None” cannot be combined with other options.")
            return None
        return chosen
    if kind == "number":
        if isinstance(value, str):
            try:
                value = float(value.replace(",", ".")) if value.strip() else None
            except ValueError:
                errors[path] = _("Give a number.")
                return None
            if value is None:
                return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors[path] = _("Give a number.")
            return None
        if value != value or value in (float("inf"), float("-inf")):
            errors[path] = _("Give a number.")
            return None
        if question.min is not None and value < question.min:
            errors[path] = _("Give at least %(min)s.", min=question.min)
            return None
        # Compared before any conversion: float() of a huge whole number overflows.
        maximum = question.max if question.max is not None else MAX_NUMBER
        if value > maximum or value < -MAX_NUMBER:
            errors[path] = _("Give at most %(max)s.", max=maximum)
            return None
        return int(value) if float(value).is_integer() else value
    if kind == "date":
        try:
            return (
                dt.date.fromisoformat(value).isoformat()
                if isinstance(value, str)
                else _bad_date(path, errors)
            )
        except ValueError:
            return _bad_date(path, errors)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in ("on", "true", "1", "yes"):
            return True
        if value is None or value in ("", "false", "0", "no", "off"):
            return False  # an unticked box, or a row that leaves it out
        errors[path] = _("Give true or false.")
        return None
    errors[path] = _("This question cannot be answered here.")
    return None


_DIGITS = re.compile(r"^\d+$")
# Dutch writes thousands with a dot ("1.150") and often with a (narrow) space ("1 150").
_DUTCH_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_SPACED_THOUSANDS = re.compile(r"^\d{1,3}([ \u00a0\u202f]\d{3})+$")
_COMMA_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+$")
_DECIMAL = re.compile(r"^\d*[.,]\d+$")


def _clean_count(question: Question, value, path: str, errors: dict):
    """A count of people or cases (group outcome tables): a whole number. Text may use Dutch
    thousands separators: "1.150" and "1 150" are 1150. "1,150" is refused as unclear (in
    Dutch the comma separates decimals; in English it groups thousands), and a fraction is
    refused, each with a message that says what to write."""
    if isinstance(value, str):
        text = value.strip()
        if _DIGITS.match(text):
            value = int(text)
        elif _DUTCH_THOUSANDS.match(text) or _SPACED_THOUSANDS.match(text):
            value = int(re.sub(r"\D", "", text))
        elif _COMMA_THOUSANDS.match(text):
            errors[path] = _(
                "“%(value)s” is unclear: in Dutch a comma separates decimals. Write the whole"
                " number as 1150 or 1.150.",
                value=text,
            )
            return None
        elif _DECIMAL.match(text):
            errors[path] = _("Give a whole number, such as 1150 or 1.150.")
            return None
    if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        errors[path] = _("Give a whole number, such as 1150 or 1.150.")
        return None
    return _clean_scalar(question, value, path, errors)


def _bad_date(path: str, errors: dict):
    errors[path] = _("Give a date as YYYY-MM-DD.")


def _clean_group(question: Question, value, path: str, errors: dict, *, tables: bool = False):
    """`tables`: the bank's group outcomes come in tables (bank version 2), without a
    reference group."""
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        errors[path] = _("Give a list of rows.")
        return None
    if unstorable_text(value):
        errors[path] = _unstorable_message()
        return None
    if len(value) > MAX_GROUP_ROWS:
        errors[path] = _("Use at most %(max)d rows.", max=MAX_GROUP_ROWS)
        return None
    subs = {sub.id: sub for sub in question.questions}
    rows = []
    for index, row in enumerate(value):
        unknown = sorted(set(row) - set(subs))
        if unknown:
            errors[f"{path}[{index}]"] = _(
                "Unknown field: %(name)s.", name=", ".join(unknown)[:100]
            )
            continue
        cleaned = {}
        for sub in question.questions:
            sub_path = f"{path}[{index}].{sub.id}"
            raw = row.get(sub.id)
            if _is_empty(raw) and sub.type != "boolean":
                # Drafts may have half-filled rows; submitting checks required fields.
                cleaned[sub.id] = None
                continue
            if question.id == GROUP_OUTCOMES and sub.id in COUNT_FIELDS:
                cleaned[sub.id] = _clean_count(sub, raw, sub_path, errors)
            else:
                cleaned[sub.id] = _clean_scalar(sub, raw, sub_path, errors)
        rows.append(cleaned)
    complete = [r for r in rows if r.get("in_scope") is not None and r.get("selected") is not None]
    if (
        question.id == GROUP_OUTCOMES
        and len(complete) == len(rows)
        and not any(k.startswith(path) for k in errors)
    ):
        problems = table_row_problems(rows) if tables else row_problems(rows)
        for field, problem in problems.items():
            key = (
                path
                if field == "reference"
                else f"{path}[{field.split('.')[0]}].{field.split('.')[1]}"
            )
            errors[key] = _outcome_message(problem)
    return rows


def _outcome_message(problem: str) -> str:
    messages = {
        "selected cannot be more than in_scope": _(
            "Selected cannot be more than the number in scope."
        ),
        "mark exactly one group as the reference group": _(
            "Mark exactly one group as the reference group."
        ),
        "hits cannot be more than selected": _("Hits cannot be more than the number selected."),
        "each group appears once in a table": _("Each group can appear only once in a table."),
    }
    return messages.get(problem, _("Give a whole number of at least 0."))


def validate(bank: Bank, updates: dict) -> tuple[dict, dict[str, str]]:
    """Clean a partial update {question id: value}. Empty values clear an answer (None)."""
    cleaned, errors = {}, {}
    if not isinstance(updates, dict):
        return {}, {"answers": _("Give an object of question ids and answers.")}
    for question_id, value in updates.items():
        question = bank.by_id.get(question_id) if isinstance(question_id, str) else None
        if question is None:
            name = str(question_id)[:100]
            # The message names the key; one that cannot be stored is not repeated back.
            errors["?" if unstorable_text(name) else name] = _("Unknown question.")
            continue
        if _is_empty(value):
            cleaned[question_id] = None
        elif question.type == "group":
            cleaned[question_id] = _clean_group(
                question, value, question_id, errors, tables=bank.version >= 2
            )
        else:
            cleaned[question_id] = _clean_scalar(question, value, question_id, errors)
    return cleaned, errors


def apply(answers: dict, cleaned: dict) -> dict:
    merged = {**answers, **cleaned}
    return {key: value for key, value in merged.items() if value is not None}


def missing_required(bank: Bank, answers: dict) -> list[str]:
    """Shown required questions without an answer, and required fields of group rows
    ("provenance.sources[0].dataset")."""
    missing = []
    for question in shown_questions(bank.questions, answers):
        value = answers.get(question.id)
        if question.required and _is_empty(value):
            missing.append(question.id)
        if question.type == "group" and isinstance(value, list):
            for index, row in enumerate(value):
                missing += [
                    f"{question.id}[{index}].{sub.id}"
                    for sub in question.questions
                    if sub.required and sub.type != "boolean" and _is_empty(row.get(sub.id))
                ]
    return missing


def shown_answers(bank: Bank, answers: dict) -> dict:
    """The answers of the questions that apply now (conditions.shown_questions). An answer
    left behind a changed choice stays stored, but no rule may count it."""
    return {
        question.id: answers[question.id]
        for question in shown_questions(bank.questions, answers)
        if question.id in answers
    }


PERSONAL_DATA = "privacy.personal_data"
SPECIAL_CATEGORIES = "privacy.special_categories"


def processes_personal_data(bank: Bank, answers: dict) -> bool:
    """Whether the algorithm (possibly) processes personal data, so the privacy officer must
    sign off: personal data used or possibly used, or a special category chosen. The one
    place this is decided; it reads shown answers only."""
    shown = shown_answers(bank, answers)
    if shown.get(PERSONAL_DATA) in ("yes", "unsure"):
        return True
    special = shown.get(SPECIAL_CATEGORIES)
    chosen = special if isinstance(special, list) else [special] if special else []
    return any(value != "none" for value in chosen)


def completeness(bank: Bank, answers: dict) -> dict:
    shown = shown_questions(bank.questions, answers)
    required = [q for q in shown if q.required]
    answered = [q for q in required if not _is_empty(answers.get(q.id))]
    per_section = {}
    for section in bank.sections:
        in_section = [q for q in required if q.section == section.id]
        done = [q for q in in_section if not _is_empty(answers.get(q.id))]
        per_section[section.id] = {"required": len(in_section), "answered": len(done)}
    return {
        "required": len(required),
        "answered": len(answered),
        "percent": round(100 * len(answered) / len(required)) if required else 100,
        "missing": [q.id for q in required if _is_empty(answers.get(q.id))],
        "sections": per_section,
    }
