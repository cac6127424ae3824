"""marshmallow schemas of residents' questions in the API (register/feedback_api.py)."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from register import feedback

_NO_NUL = r"^[^\x00]*$"
# Something besides spaces: the rules trim before they count.
_NOT_BLANK = r"^[^\x00]*\S[^\x00]*$"


class FeedbackInSchema(Schema):
    """A resident's question or error report. No login; rate limited per client address."""

    message = fields.String(
        required=True,
        validate=validate.Length(min=1, max=feedback.MAX_MESSAGE_LENGTH),
        metadata={
            "pattern": _NOT_BLANK,
            "description": "The question or what is not right (trimmed; not only spaces)",
        },
    )
    email = fields.String(
        allow_none=True,
        validate=validate.Length(max=feedback.MAX_EMAIL_LENGTH),
        metadata={
            "pattern": feedback.EMAIL_PATTERN,
            "description": "Optional: where the answer goes. Never published or logged; "
            "deleted after the retention period",
        },
    )


class FeedbackReferenceSchema(Schema):
    reference = fields.String(
        required=True, metadata={"description": "Reference number, also mailed to the asker"}
    )


class PublishedQuestionSchema(Schema):
    summary = fields.String(
        required=True, metadata={"description": "The question, as the coordinator summed it up"}
    )
    answer = fields.String(required=True)
    asked_on = fields.Date(required=True)
    answered_on = fields.Date(allow_none=True)


class PublicFeedbackSchema(Schema):
    """Questions about an entry, as the public sees them: never a name, address or message."""

    count = fields.Integer(required=True, metadata={"description": "Questions received"})
    answered = fields.Integer(required=True, metadata={"description": "Questions answered"})
    median_days_to_answer = fields.Float(
        required=True, allow_none=True, metadata={"description": "Median days to an answer"}
    )
    published = fields.List(fields.Nested(PublishedQuestionSchema), required=True)


class FeedbackItemSchema(Schema):
    """A question in the internal queue."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    algorithm = fields.String(required=True, metadata={"description": "The entry's slug"})
    algorithm_name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(feedback.STATUSES))
    message = fields.String(
        required=True, metadata={"description": "Empty once purged after the retention period"}
    )
    has_email = fields.Boolean(
        required=True,
        metadata={"description": "Whether the asker left an address (the answer is mailed)"},
    )
    owner_id = fields.Integer(allow_none=True, required=True)
    answer = fields.String(required=True)
    public_summary = fields.String(allow_none=True, required=True)
    published = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    due_at = fields.DateTime(required=True)
    overdue = fields.Boolean(required=True)
    answered_at = fields.DateTime(allow_none=True, required=True)


class FeedbackListSchema(Schema):
    items = fields.List(fields.Nested(FeedbackItemSchema), required=True)


class FeedbackQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(feedback.STATUSES))

    class Meta:
        unknown = EXCLUDE


class FeedbackUpdateSchema(Schema):
    """Change a question. A new `answer` is mailed to the asker and marks it answered; only
    the coordinator (admin) may set `public_summary` (null or empty: not published)."""

    status = fields.String(validate=validate.OneOf(feedback.STATUSES))
    answer = fields.String(
        validate=validate.Length(max=feedback.MAX_ANSWER_LENGTH), metadata={"pattern": _NO_NUL}
    )
    public_summary = fields.String(
        allow_none=True,
        validate=validate.Length(max=feedback.MAX_SUMMARY_LENGTH),
        metadata={"pattern": _NO_NUL},
    )


def item_json(item: feedback.Feedback, answer_days: int) -> dict:
    return FeedbackItemSchema().dump(
        {
            "id": item.id,
            "reference": item.reference,
            "algorithm": item.algorithm.slug,
            "algorithm_name": item.algorithm.name,
            "status": item.status,
            "message": item.message,
            "has_email": bool(item.email),
            "owner_id": item.owner_id,
            "answer": item.answer,
            "public_summary": item.public_summary,
            "published": item.is_published,
            "created_at": item.created_at,
            "due_at": item.due_at(answer_days),
            "overdue": item.is_overdue(answer_days),
            "answered_at": item.answered_at,
        }
    )


def public_json(summary: feedback.PublicFeedback) -> dict:
    return PublicFeedbackSchema().dump(
        {
            "count": summary.count,
            "answered": summary.answered,
            "median_days_to_answer": summary.median_days_to_answer,
            "published": summary.published,
        }
    )
