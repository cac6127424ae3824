"""marshmallow schemas of the internal assessment API: what it reads and what it answers.

One home for the body shapes: the views load requests and dump answers through these, and
`/api/openapi.json` is generated from them. Output fields are listed explicitly, so nothing
else leaves. The rules for register fields and answers stay in `assessments.operations` and
`assessments.answers`; these schemas check the shape of a body and describe the values
those rules accept (so integrators can build against the description).
"""

from __future__ import annotations

import re

from jsonschema import Draft7Validator
from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates_schema

from assessments import answers as answer_rules
from assessments import quorum, scoring, workflow
from assessments.bank import Question, current_bank
from assessments.conditions import shown_questions
from assessments.models import Assessment
from assessments.operations import bank_of
from assessments.outcomes import FLAG_REASONS, analyse_for
from assessments.review.validation import MAX_CONDITIONS
from assessments.review.validation import MAX_TEXT as MAX_REVIEW_TEXT
from portal.api import adjust_document
from register.standard import FIELDS, FIELDS_BY_NAME

DECISIONS = ("approve", "approve_with_conditions", "changes_requested", "reject")
SECTION_ADVICE = ("agree", "agree_with_conditions", "disagree")


def _text(value: dict | None, lang: str) -> str | None:
    return None if value is None else value.get(lang) or value.get("nl")


def _lang_of(schema: Schema) -> str:
    return getattr(schema, "lang", "nl")


class LangSchema(Schema):
    """A schema whose texts come out in one language (marshmallow 4 has no context)."""

    def __init__(self, *args, lang: str = "nl", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lang = lang


# ---------------------------------------------------------------- answers (out)


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class BankSchema(Schema):
    id = fields.String(required=True)
    version = fields.Integer(required=True)


class BankWithTitleSchema(BankSchema):
    title = fields.String(required=True, allow_none=True)


class RiskReasonSchema(Schema):
    question = fields.String(required=True)
    points = fields.Integer(required=True)
    text = fields.String(required=True)


class RiskRuleSchema(Schema):
    id = fields.String(required=True)
    min_level = fields.Integer(required=True, validate=validate.Range(1, 4))
    blocking = fields.Boolean(required=True)
    text = fields.String(required=True)
    # Bank version 2 (absent from version-1 assessments):
    question = fields.String(metadata={"description": "Bank 2: the question the rule is about"})
    row = fields.Integer(metadata={"description": "Bank 2: 0-based row of a repeatable group"})
    unsure = fields.Boolean(
        metadata={"description": "Bank 2: fired only because an answer is 'unsure'"}
    )
    suggested_condition = fields.String()


class RiskFindingSchema(Schema):
    """A cross-check between answers (bank 2): blocks submission until explained."""

    id = fields.String(required=True)
    text = fields.String(required=True)
    question = fields.String(required=True)
    row = fields.Integer()
    explained = fields.Boolean(required=True)
    explainable = fields.Boolean(required=True)
    blocks_submission = fields.Boolean(required=True)
    suggested_condition = fields.String()


class RiskRequirementSchema(Schema):
    """What the level demands (bank 2) and before which step."""

    id = fields.String(required=True)
    text = fields.String(required=True)
    met = fields.Boolean(required=True)
    before = fields.String(
        required=True, validate=validate.OneOf(("submission", "review", "publication"))
    )
    question = fields.String()


class RiskSchema(Schema):
    level = fields.Integer(required=True, validate=validate.Range(1, 4))
    label = fields.String(required=True)
    score = fields.Integer(required=True)
    raw_score = fields.Integer(required=True)
    max_score = fields.Integer(required=True)
    mitigation = fields.Integer(required=True)
    max_mitigation = fields.Integer(required=True)
    discount_applied = fields.Boolean(required=True)
    band_level = fields.Integer(required=True, validate=validate.Range(1, 4))
    blocking = fields.Boolean(required=True)
    reasons = fields.List(fields.Nested(RiskReasonSchema), required=True)
    rules = fields.List(fields.Nested(RiskRuleSchema), required=True)
    weights_version = fields.String(required=True)
    # Added with bank version 2; version-1 results carry neutral values (a stored version's
    # risk may lack them).
    determinable = fields.Boolean(
        metadata={"description": "False while the core section is unanswered"}
    )
    lifted_by_rule = fields.Boolean(metadata={"description": "level above the points' band"})
    findings = fields.List(fields.Nested(RiskFindingSchema))
    requirements = fields.List(fields.Nested(RiskRequirementSchema))
    high_risk_ai = fields.Boolean()
    publication_category = fields.String(
        allow_none=True, metadata={"description": "Derived from the AI Act answers"}
    )


def _v2(field: fields.Field, description: str) -> fields.Field:
    """A figure of bank version 2's analysis (absent from version-1 assessments)."""
    field.metadata["description"] = f"Bank version 2: {description}"
    return field


class GroupResultSchema(Schema):
    """One group. Version-1 assessments compare with the reference group
    (`ratio_to_reference`); version 2 compares each group with the rest of its table."""

    group = fields.String(required=True)
    in_scope = fields.Integer(required=True)
    selected = fields.Integer(required=True)
    reference = fields.Boolean(required=True)
    selection_rate = fields.Float(required=True, allow_none=True)
    ratio_to_reference = fields.Float(
        allow_none=True, metadata={"description": "Bank version 1 only"}
    )
    flagged = fields.Boolean(required=True)
    p_value = fields.Float(
        required=True,
        allow_none=True,
        metadata={"description": "Fisher's exact test (v1: against the reference; v2: the rest)"},
    )
    significant = fields.Boolean(required=True)
    table = _v2(fields.String(), "the table's name, empty when grouped by dimension and stage")
    dimension = _v2(fields.String(allow_none=True), "ground, area, age_band or other")
    stage = _v2(fields.String(allow_none=True), "selection, check, finding or sanction")
    hits = _v2(fields.Integer(allow_none=True), "of those selected, how many had a hit")
    rate_ci_low = _v2(fields.Float(allow_none=True), "95% Wilson interval of the rate, low")
    rate_ci_high = _v2(fields.Float(allow_none=True), "95% Wilson interval of the rate, high")
    expected_selected = _v2(fields.Float(), "selections expected at the table's overall rate")
    rest_in_scope = _v2(fields.Integer(), "in scope in all other groups of the table")
    rest_selected = _v2(fields.Integer(), "selected in all other groups of the table")
    rest_rate = _v2(fields.Float(allow_none=True), "selection rate of the rest")
    ratio_to_rest = _v2(
        fields.Float(allow_none=True), "rate / rate of the rest; null when the rest has none"
    )
    ci_low = _v2(fields.Float(allow_none=True), "95% interval of ratio_to_rest, low")
    ci_high = _v2(fields.Float(allow_none=True), "95% interval of ratio_to_rest, high")
    p_adjusted = _v2(fields.Float(allow_none=True), "p_value after Holm's correction")
    insufficient_data = _v2(
        fields.Boolean(), "fewer than 5 expected selections here or in the rest: never flagged"
    )
    hit_rate = _v2(fields.Float(allow_none=True), "hits / selected")
    rest_hit_rate = _v2(fields.Float(allow_none=True), "hit rate of the rest")
    hit_ratio_to_rest = _v2(fields.Float(allow_none=True), "hit_rate / rest_hit_rate")
    hit_p_value = _v2(fields.Float(allow_none=True), "Fisher's exact test of the hit rates")
    hit_p_adjusted = _v2(fields.Float(allow_none=True), "hit_p_value after Holm")
    hit_insufficient_data = _v2(fields.Boolean(), "fewer than 5 expected hits")
    hit_signal = _v2(
        fields.Boolean(), "selected more often but with a lower hit rate: biased selection"
    )
    flag_reasons = _v2(
        fields.List(fields.String(validate=validate.OneOf(FLAG_REASONS))),
        "why flagged: ratio_to_rest, extremes, hit_rate",
    )


class ExtremesSchema(Schema):
    highest = fields.String(required=True)
    lowest = fields.String(required=True)
    ratio = fields.Float(required=True, allow_none=True)
    p_value = fields.Float(required=True)
    p_adjusted = fields.Float(required=True)
    significant = fields.Boolean(required=True)
    flagged = fields.Boolean(required=True)


class OutcomeTableSchema(Schema):
    table = fields.String(required=True)
    dimension = fields.String(required=True, allow_none=True)
    stage = fields.String(required=True, allow_none=True)
    in_scope = fields.Integer(required=True)
    selected = fields.Integer(required=True)
    overall_rate = fields.Float(required=True, allow_none=True)
    rows = fields.List(fields.Nested(GroupResultSchema), required=True)
    extremes = fields.Nested(ExtremesSchema, required=True, allow_none=True)
    flagged_groups = fields.List(fields.String(), required=True)
    insufficient_groups = fields.List(fields.String(), required=True)
    problems = fields.List(fields.String(), required=True)


class GroupOutcomesSchema(Schema):
    rows = fields.List(fields.Nested(GroupResultSchema), required=True)
    flagged_groups = fields.List(fields.String(), required=True)
    problems = fields.List(fields.String(), required=True)
    method = _v2(fields.String(), "rest_of_table_holm")
    tables = _v2(fields.List(fields.Nested(OutcomeTableSchema)), "one entry per table")
    insufficient_groups = _v2(fields.List(fields.String()), "too small to compare")
    min_expected_selections = _v2(fields.Integer(), "the minimum size (5)")
    confidence = _v2(fields.Float(), "0.95")
    alpha = _v2(fields.Float(), "significance after Holm (0.05)")
    ratio_band = _v2(fields.List(fields.Float()), "[0.8, 1.25]")


class SectionProgressSchema(Schema):
    required = fields.Integer(required=True)
    answered = fields.Integer(required=True)


class CompletenessSchema(Schema):
    required = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    percent = fields.Integer(required=True, validate=validate.Range(0, 100))
    missing = fields.List(
        fields.String(), required=True, metadata={"description": "Ids of required questions"}
    )
    sections = fields.Dict(
        keys=fields.String(), values=fields.Nested(SectionProgressSchema), required=True
    )


class ReviewSchema(Schema):
    id = fields.Integer(required=True)
    reviewer = fields.Nested(PersonSchema, required=True)
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    comment = fields.String(required=True, allow_none=True)
    conditions = fields.List(fields.Dict(), required=True, allow_none=True)
    section_advice = fields.Dict(required=True, allow_none=True)
    remaining_risks = fields.String(required=True, allow_none=True)
    risk_accepted_by = fields.String(required=True, allow_none=True)
    proposed_reassessment = fields.Date(required=True, allow_none=True)
    as_board_member = fields.Boolean(required=True)
    as_privacy_officer = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)


class RecordDigestSchema(Schema):
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)


class VersionSchema(Schema):
    number = fields.Integer(required=True)
    risk_level = fields.Integer(required=True, allow_none=True)
    submitted_at = fields.DateTime(required=True)
    outcome = fields.String(required=True, allow_none=True)
    decided_at = fields.DateTime(required=True, allow_none=True)
    reviews = fields.List(fields.Nested(ReviewSchema), required=True)
    records = fields.Dict(
        keys=fields.String(metadata={"description": "internal or public"}),
        values=fields.Nested(RecordDigestSchema),
        required=True,
    )

    @pre_dump
    def _records(self, version, **_kwargs) -> dict:
        return {
            "number": version.number,
            "risk_level": version.risk_level,
            "submitted_at": version.submitted_at,
            "outcome": version.outcome,
            "decided_at": version.decided_at,
            "reviews": version.reviews,
            "records": {r.kind: {"sha256": r.sha256, "size": r.size} for r in version.records},
        }


class AssessmentSchema(LangSchema):
    """An assessment as its reader may see it (the board sees the last submitted version)."""

    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(workflow.STATES))
    version = fields.Integer(required=True)
    owner = fields.Nested(PersonSchema, required=True)
    bank = fields.Nested(BankSchema, required=True)
    algorithm = fields.Dict(
        required=True,
        metadata={"description": "The register fields (national v1.0 names), as stored"},
    )
    register_slug = fields.String(required=True, allow_none=True)
    risk = fields.Nested(RiskSchema, required=True)
    group_outcomes = fields.Nested(GroupOutcomesSchema, required=True)
    completeness = fields.Nested(CompletenessSchema, required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(required=True, allow_none=True)
    decided_at = fields.DateTime(required=True, allow_none=True)
    reassessment_due = fields.Date(required=True, allow_none=True)
    record_pending = fields.Boolean(required=True)
    versions = fields.List(fields.Nested(VersionSchema), required=True)

    class Meta:
        ordered = True

    @pre_dump
    def _computed(self, assessment: Assessment, **_kwargs) -> dict:
        bank = bank_of(assessment)
        rows = assessment.answers.get(answer_rules.GROUP_OUTCOMES) or []
        return {
            "id": assessment.id,
            "status": assessment.status,
            "version": assessment.version,
            "owner": assessment.owner,
            "bank": bank,
            "algorithm": assessment.register_fields,
            "register_slug": assessment.algorithm.slug if assessment.algorithm else None,
            "risk": scoring.compute(
                bank, assessment.answers, register_fields=assessment.register_fields
            ).as_dict(_lang_of(self)),
            "group_outcomes": analyse_for(bank.version, rows).as_dict(),
            "completeness": answer_rules.completeness(bank, assessment.answers),
            "created_at": assessment.created_at,
            "updated_at": assessment.updated_at,
            "submitted_at": assessment.submitted_at,
            "decided_at": assessment.decided_at,
            "reassessment_due": assessment.reassessment_due,
            "record_pending": assessment.publication_pending,
            "versions": assessment.versions,
        }


class OptionSchema(Schema):
    value = fields.String(required=True)
    label = fields.String(required=True, allow_none=True)
    weight = fields.Integer(required=True)


class SubQuestionSchema(Schema):
    """A question of the bank; keys without a value for this question are left out."""

    id = fields.String(required=True)
    type = fields.String(required=True)
    required = fields.Boolean(required=True)
    text = fields.String(required=True, allow_none=True)
    section = fields.String()
    public = fields.Boolean()
    scoring = fields.String()
    help = fields.String(allow_none=True)
    options = fields.List(fields.Nested(OptionSchema))
    max_length = fields.Integer()
    show_if = fields.Dict(metadata={"description": "equals/contains/any/all conditions"})


class QuestionSchema(SubQuestionSchema):
    questions = fields.List(
        fields.Nested(SubQuestionSchema), metadata={"description": "A group's sub-questions"}
    )
    answer = fields.Raw(
        allow_none=True, metadata={"description": "The current answer (null: none)"}
    )
    shown = fields.Boolean(metadata={"description": "Whether it applies, given the answers"})


class SectionSchema(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True, allow_none=True)


class QuestionsSchema(Schema):
    bank = fields.Nested(BankWithTitleSchema, required=True)
    sections = fields.List(fields.Nested(SectionSchema), required=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)


class OutcomeSchema(Schema):
    state = fields.String(
        required=True,
        validate=validate.OneOf(("pending", "approved", "rejected", "changes_requested")),
    )
    board_needed = fields.Integer(required=True)
    board_approvals = fields.Integer(required=True)
    privacy_officer_needed = fields.Boolean(required=True)
    privacy_officer_approved = fields.Boolean(required=True)
    with_conditions = fields.Boolean(required=True)
    dissent = fields.Integer(required=True)
    short_of_members = fields.Boolean(required=True)

    @pre_dump
    def _counted(self, outcome: quorum.Outcome, **_kwargs) -> dict:
        return {name: getattr(outcome, name) for name in self.fields} | {
            "dissent": len(outcome.dissent)
        }


class ReviewResultSchema(Schema):
    review = fields.Nested(ReviewSchema, required=True)
    outcome = fields.Nested(OutcomeSchema, required=True)
    assessment = fields.Nested(AssessmentSchema, required=True)


def question_json(question: Question, lang: str, answer=None, shown: bool | None = None) -> dict:
    """A question as plain data; QuestionSchema fixes what of it leaves."""
    data = {
        "id": question.id,
        "type": question.type,
        "required": question.required,
        "text": _text(question.text, lang),
    }
    if question.section:
        data["section"] = question.section
        data["public"] = question.public
        data["scoring"] = question.scoring
    if question.help:
        data["help"] = _text(question.help, lang)
    if question.options:
        data["options"] = [
            {"value": o.value, "label": _text(o.label, lang), "weight": o.weight}
            for o in question.options
        ]
    if question.length_limit and question.type in ("text", "textarea", "url"):
        data["max_length"] = question.length_limit
    if question.type == "group":
        data["questions"] = [question_json(sub, lang) for sub in question.questions]
    if question.show_if:
        data["show_if"] = question.show_if
    if shown is not None:
        data["answer"] = answer
        data["shown"] = shown
    return data


def questions_json(assessment: Assessment, lang: str) -> dict:
    bank = bank_of(assessment)
    shown_ids = {q.id for q in shown_questions(bank.questions, assessment.answers)}
    return QuestionsSchema().dump(
        {
            "bank": {"id": bank.id, "version": bank.version, "title": _text(bank.title, lang)},
            "sections": [{"id": s.id, "title": _text(s.title, lang)} for s in bank.sections],
            "questions": [
                question_json(q, lang, assessment.answers.get(q.id), q.id in shown_ids)
                for q in bank.questions
            ],
        }
    )


def assessment_json(assessment: Assessment, lang: str) -> dict:
    return AssessmentSchema(lang=lang).dump(assessment)


def review_json(review) -> dict:
    return ReviewSchema().dump(review)


def outcome_json(outcome: quorum.Outcome) -> dict:
    return OutcomeSchema().dump(outcome)


def review_result_json(review, outcome: quorum.Outcome, assessment: Assessment, lang: str) -> dict:
    return {
        "review": review_json(review),
        "outcome": outcome_json(outcome),
        "assessment": assessment_json(assessment, lang),
    }


# ---------------------------------------------------------------- bodies (in)


# The request guard (portal/input_guard.py) refuses a NUL anywhere in a JSON body (422).
_NO_NUL = "\\x00"
# The register rules' formats (register/standard.py), as patterns on what is sent: a web
# address starts with http(s):// in any case, and the rules check the text after trimming.
_URL = r"[hH][tT][tT][pP][sS]?://[^\s<>\"'\x00]+"
_EMAIL = r"[^@\s<>\x00]+@[^@\s<>\x00]+\.[^@\s<>\x00]+"
_PATTERNS = {
    "date": r"^(\d{4}-(0[1-9]|1[0-2]))?$",
    "url": rf"^({_URL})?$",
    "contact": rf"^({_EMAIL}|{_URL})?$",
}
_FORMAT_TEXT = {
    "date": "Year and month, YYYY-MM",
    "url": "A web address (http:// or https://)",
    "contact": "An email address or a web address",
    "html": "HTML limited to p, div, br, ul, ol, li (sanitised; the length counts the "
    "sanitised text)",
}


def _text_property(spec) -> dict:
    prop: dict = {"type": "string", "pattern": _PATTERNS.get(spec.kind, rf"^[^{_NO_NUL}]*$")}
    if spec.max_length:
        prop["maxLength"] = spec.max_length
    if spec.kind in _FORMAT_TEXT:
        prop["description"] = _FORMAT_TEXT[spec.kind]
    return prop


def _register_field_property(spec) -> dict:
    """What the register rules accept for one field, as JSON Schema (checked as such on
    every request, so the description cannot drift from what is accepted)."""
    if spec.kind == "list":
        return {"type": "array", "items": {"type": "string", "enum": list(spec.permitted)}}
    if spec.kind == "group":
        return {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {sub.name: _text_property(sub) for sub in spec.group_fields},
                "required": [sub.name for sub in spec.group_fields if sub.required],
                "additionalProperties": False,
                "description": "Rows with every value empty are left out",
            },
        }
    if spec.kind == "enum":
        return {"type": "string", "enum": ["", *spec.permitted]}
    prop = _text_property(spec)
    if spec.name == "name":
        # The name rule (assessments.operations.name_problem): a letter or digit somewhere.
        prop["pattern"] = r"^[^\x00]*[^\W_][^\x00]*$"
        prop["description"] = "At least one letter or digit"
    return prop


REGISTER_FIELDS_JSON_SCHEMA = {
    "type": "object",
    "properties": {spec.name: _register_field_property(spec) for spec in FIELDS},
    "additionalProperties": False,
}


def json_schema_errors(schema: dict, value) -> dict[str, str]:
    """Where `value` breaks `schema` (a JSON Schema): {"name": "message"}; empty: fine."""
    errors: dict[str, str] = {}
    for error in Draft7Validator(schema).iter_errors(value):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        # Name the key itself where the object is what is wrong.
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [k for k in error.validator_value if k not in error.instance]
            path += f".{missing[0]}" if missing else ""
        elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            extra = [str(k) for k in error.instance if k not in known]
            path += f".{extra[0][:100]}" if extra else ""
        errors.setdefault(
            path.lstrip(".") or "body", _SCHEMA_MESSAGES.get(error.validator, "not valid")
        )
        if len(errors) >= 20:
            break
    return errors


_SCHEMA_MESSAGES = {
    "type": "wrong type",
    "enum": "not one of the permitted values",
    "maxLength": "too long",
    "pattern": "wrong format",
    "required": "required",
    "additionalProperties": "not a field",
}


def _matches(schema: dict):
    def check(value) -> None:
        errors = json_schema_errors(schema, value)
        if errors:
            raise ValidationError(errors)

    return check


def _register_fields(*, required_fields: tuple[str, ...] = (), **kwargs) -> fields.Dict:
    extra = {"required": list(required_fields)} if required_fields else {}
    json_schema = {**REGISTER_FIELDS_JSON_SCHEMA, **extra}
    return fields.Dict(
        keys=fields.String(),
        validate=_matches(json_schema),
        metadata={
            **json_schema,
            "description": "Register fields with national v1.0 names (partial); checked "
            "against the national rules (lengths, permitted values, formats); 422 names "
            "each field that is wrong.",
        },
        **kwargs,
    )


def _answer_property(question: Question) -> dict:
    """What an answer to one question looks like, as JSON Schema (null clears it)."""
    kind = question.type
    if kind == "group":
        prop = {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {sub.id: _answer_property(sub) for sub in question.questions},
            },
        }
    elif kind == "multichoice":
        prop = {"type": "array", "items": {"type": "string", "enum": list(question.option_values)}}
        if "none" in question.option_values:
            # "None of these" stands alone (answers.py refuses it beside other choices).
            prop["not"] = {"allOf": [{"contains": {"const": "none"}}, {"minItems": 2}]}
    elif question.options:
        prop = {"type": "string", "enum": list(question.option_values)}
    elif kind == "number":
        prop = {"type": "number"}
    elif kind == "boolean":
        prop = {"type": "boolean"}
    elif kind == "date":
        prop = {"type": "string", "format": "date"}
    else:
        prop = {"type": "string"}
        if question.length_limit:
            prop["maxLength"] = question.length_limit
    return {**prop, "nullable": True}


def answers_json_schema() -> dict:
    bank = current_bank()
    return {
        "type": "object",
        "properties": {q.id: _answer_property(q) for q in bank.questions},
        "additionalProperties": False,
        "description": f"Answers by question id ({bank.id} version {bank.version}; see "
        "GET .../questions for the bank an assessment uses). Partial: questions not sent "
        "keep their answer. One invalid answer rejects the whole request (422).",
    }


class CreateAssessmentSchema(Schema):
    algorithm = _register_fields(required=True, required_fields=("name",))


class UpdateAssessmentSchema(Schema):
    answers = fields.Dict(keys=fields.String(), metadata={"x-answers": True})
    algorithm = _register_fields()

    @validates_schema
    def _something(self, data: dict, **_kwargs) -> None:
        if not data:
            raise ValidationError("required", "answers")


_NOT_BLANK = r"\S"  # a letter, digit or sign somewhere: the rules trim before they count


def _review_text(max_length: int = MAX_REVIEW_TEXT, **kwargs) -> fields.String:
    return fields.String(
        validate=validate.Length(max=max_length),
        metadata={"pattern": rf"^[^{_NO_NUL}]*$", **kwargs.pop("metadata", {})},
        **kwargs,
    )


class ConditionInSchema(Schema):
    """A condition of approval: what, who sees to it and by when, all three."""

    text = _review_text(required=True, metadata={"pattern": rf"^[^{_NO_NUL}]*\S[^{_NO_NUL}]*$"})
    owner = _review_text(required=True, metadata={"pattern": rf"^[^{_NO_NUL}]*\S[^{_NO_NUL}]*$"})
    deadline = fields.Date(required=True)


class SectionAdviceInSchema(Schema):
    advice = fields.String(required=True, validate=validate.OneOf(SECTION_ADVICE))
    motivation = _review_text(metadata={"description": "Required unless the advice is agree"})


# What the rules (assessments.review.validation) require across fields, as JSON Schema:
# a comment for changes_requested and reject, a condition for approve_with_conditions, a
# motivation for advice other than agree. Checked on every request and merged into the
# document, so the description says exactly what is refused.
_WITH_COMMENT = {"required": ["comment"], "properties": {"comment": {"pattern": _NOT_BLANK}}}
REVIEW_RULES = {
    "allOf": [
        {
            "anyOf": [
                {"properties": {"decision": {"enum": ["approve", "approve_with_conditions"]}}},
                _WITH_COMMENT,
            ]
        },
        {
            "anyOf": [
                {"properties": {"decision": {"not": {"enum": ["approve_with_conditions"]}}}},
                {"required": ["conditions"], "properties": {"conditions": {"minItems": 1}}},
            ]
        },
    ]
}
SECTION_ADVICE_RULES = {
    "anyOf": [
        {"properties": {"advice": {"enum": ["agree"]}}},
        {"required": ["motivation"], "properties": {"motivation": {"pattern": _NOT_BLANK}}},
    ]
}


def review_sections_json_schema() -> dict:
    """The sections a review may advise on: those of the current bank."""
    return {
        "type": "object",
        "properties": {
            section.id: {"$ref": "#/components/schemas/SectionAdviceIn"}
            for section in current_bank().sections
        },
        "additionalProperties": False,
        "description": "Advice per section id of the bank (GET .../questions)",
    }


class ReviewInSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    comment = _review_text(
        metadata={"description": "Required (not blank) for changes_requested and reject"}
    )
    conditions = fields.List(
        fields.Nested(ConditionInSchema),
        validate=validate.Length(max=MAX_CONDITIONS),
        metadata={"description": "At least one for approve_with_conditions"},
    )
    section_advice = fields.Dict(keys=fields.String(), values=fields.Nested(SectionAdviceInSchema))
    remaining_risks = _review_text()
    risk_accepted_by = _review_text(200)
    proposed_reassessment = fields.Date(metadata={"description": "A date after today"})

    @validates_schema
    def _across_fields(self, data: dict, **_kwargs) -> None:
        errors = {
            name: "required"
            for name, rule in zip(("comment", "conditions"), REVIEW_RULES["allOf"], strict=True)
            if json_schema_errors(rule, data)
        }
        sections = {s.id for s in current_bank().sections}
        for section_id, advice in (data.get("section_advice") or {}).items():
            if section_id not in sections:
                errors[f"section_advice.{section_id}"[:120]] = "unknown section"
            elif json_schema_errors(SECTION_ADVICE_RULES, advice):
                errors[f"section_advice.{section_id}.motivation"] = "required"
        if errors:
            raise ValidationError(errors)


@adjust_document
def review_in_document(document: dict) -> None:
    """Merge the across-field rules into the generated ReviewInSchema description."""
    schemas = document["components"]["schemas"]
    schemas["ReviewInSchema"] |= REVIEW_RULES
    schemas["ReviewInSchema"]["properties"]["section_advice"] = review_sections_json_schema()
    schemas["SectionAdviceIn"] |= SECTION_ADVICE_RULES
    # An empty update is refused (422): send answers, algorithm or both.
    schemas["UpdateAssessmentSchema"]["minProperties"] = 1


def flat_errors(messages: dict | list, prefix: str = "") -> dict[str, str]:
    """marshmallow's nested error messages as the API's `fields`: {"a.b": "message"}."""
    if isinstance(messages, list):
        # A field validator's dict of errors arrives inside marshmallow's list of messages.
        nested = [m for m in messages if isinstance(m, dict)]
        flat = {}
        for m in nested:
            flat.update(flat_errors(m, prefix))
        texts = [str(m) for m in messages if not isinstance(m, dict)]
        if texts or not flat:
            flat[prefix or "body"] = " ".join(texts)
        return flat
    flat: dict[str, str] = {}
    for key, value in messages.items():
        if isinstance(key, int):
            name = f"{prefix}[{key}]"
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict | list) and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            flat.update(flat_errors(value, name))
        else:
            flat[name] = " ".join(value) if isinstance(value, list) else str(value)
    return flat


def bare_register_names(errors: dict[str, str]) -> dict[str, str]:
    """`algorithm.name[...]` -> `name[...]` for the register's own fields."""
    renamed = {}
    for path, message in errors.items():
        rest = path.removeprefix("algorithm.")
        field = re.split(r"[.\[]", rest, maxsplit=1)[0]
        renamed[rest if rest != path and field in FIELDS_BY_NAME else path] = message
    return renamed


def check_shape(schema: Schema, body: dict) -> dict[str, str]:
    """The shape errors of a request body (empty: fine); the values' rules come after."""
    try:
        schema.load(body)
    except ValidationError as failure:
        return flat_errors(failure.messages)
    return {}
