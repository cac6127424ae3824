"""What the assessment API adds to the OpenAPI document: its schemas, and the answers a
question bank accepts (data from question_banks/*.yaml, not a class)."""

from __future__ import annotations

from assessments import schemas
from portal.api import adjust_document, document_schema

for _name in (
    "AssessmentSchema",
    "QuestionsSchema",
    "ReviewResultSchema",
    "CreateAssessmentSchema",
    "UpdateAssessmentSchema",
    "ReviewInSchema",
):
    document_schema(_name, getattr(schemas, _name))


@adjust_document
def _answers(document: dict) -> None:
    properties = document["components"]["schemas"]["UpdateAssessmentSchema"]["properties"]
    properties["answers"] = schemas.answers_json_schema()
