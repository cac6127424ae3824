"""Reading the questionnaire's HTML form into raw answers (validated by assessments.answers).

Field names: `q-<question id>` for a question; `q-<group id>-<row>-<sub id>` for a row of a
repeatable group, with `q-<group id>-rows` holding the number of rows on the page.
"""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from assessments import answers as answer_rules
from assessments.bank import Bank, Question
from register.standard import FIELDS, LIST_FIELDS

MAX_ROWS = 50
# Register fields edited on the assessment's "algorithm" page (groups go through the API).
REGISTER_FORM_FIELDS = tuple(
    spec
    for spec in FIELDS
    if spec.kind != "group"
    and spec.name not in ("organization", "lang", "standard_version", "source_id", "url")
)


def field_name(question_id: str, row: int | None = None, sub_id: str | None = None) -> str:
    if row is None:
        return f"q-{question_id}"
    return f"q-{question_id}-{row}-{sub_id}"


def _scalar(question: Question, form: MultiDict, name: str):
    if question.type == "multichoice":
        return form.getlist(name)
    if question.type == "boolean":
        return form.get(name) == "on"
    # Browsers send a textarea's line breaks as CR LF; the live counter and the length
    # check count one character per line break, as the person typing sees it.
    return form.get(name, "").replace("\r\n", "\n")


def row_count(form: MultiDict, question: Question) -> int:
    try:
        return max(0, min(MAX_ROWS, int(form.get(f"q-{question.id}-rows", "0"))))
    except ValueError:
        return 0


def answers_from_form(questions: list[Question], form: MultiDict) -> dict:
    """Raw answers for the questions that were on the page."""
    raw = {}
    for question in questions:
        if question.type != "group":
            raw[question.id] = _scalar(question, form, field_name(question.id))
            continue
        rows = []
        for index in range(row_count(form, question)):
            row = {
                sub.id: _scalar(sub, form, field_name(question.id, index, sub.id))
                for sub in question.questions
            }
            if any(value not in ("", [], False) for value in row.values()):
                rows.append(row)
        raw[question.id] = rows
    return raw


def register_fields_from_form(form: MultiDict) -> dict:
    values = {}
    for spec in REGISTER_FORM_FIELDS:
        values[spec.name] = (
            form.getlist(spec.name) if spec.name in LIST_FIELDS else form.get(spec.name, "")
        )
    return values


def split_valid(bank: Bank, typed: dict) -> tuple[dict, dict[str, str]]:
    """The web form saves what it can: the answers that pass the checks, and the messages
    of those that do not (kept on the page as typed). A group with one bad cell stays out
    whole, so a half-checked table is never stored. The API stays all or nothing."""
    _cleaned, errors = answer_rules.validate(bank, typed)
    bad = {key.partition("[")[0] for key in errors}
    return {qid: value for qid, value in typed.items() if qid not in bad}, errors
