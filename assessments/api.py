"""Internal assessment API (`/api/v1/assessments`), authenticated with bearer tokens."""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from assessments import operations, permissions, records, review, workflow
from assessments.api_requests import assessment_seen, json_body
from assessments.models import RECORD_INTERNAL, RECORD_PUBLIC
from assessments.records import jobs as record_jobs
from assessments.schemas import (
    CreateAssessmentSchema,
    ReviewInSchema,
    UpdateAssessmentSchema,
    assessment_json,
    bare_register_names,
    check_shape,
    questions_json,
    review_result_json,
)
from assessments.visibility import as_seen_by
from portal.api import api_blueprint
from portal.auth.session import token_required
from portal.errors import json_error
from portal.extensions import db


def _lang() -> str:
    wanted = request.args.get("lang") or request.accept_languages.best_match(["nl", "en"]) or "nl"
    return wanted if wanted in ("nl", "en") else "nl"


def etag_of(assessment) -> str:
    """The ETag of what the caller sees: the row version of the working copy (authors and
    admins), or the number of the submitted version the board is shown."""
    shown = getattr(assessment, "shown_version", None)
    return f"v{shown.number}" if shown is not None else str(assessment.row_version)


def _with_etag(response, assessment):
    response.set_etag(etag_of(assessment))
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response


def _if_match():
    """The row versions an If-Match header accepts: None when there is none (or `*`); an
    ETag that is not one of ours matches nothing (412)."""
    if "If-Match" not in request.headers or request.if_match.star_tag:
        return None
    return {int(tag) for tag in request.if_match.as_set() if tag.isascii() and tag.isdigit()}


@api_blueprint.post("/v1/assessments")
@token_required
def create_assessment():
    """Create a draft assessment.
    ---
    post:
      summary: Start an assessment (draft) with the algorithm's register fields
      security: [{bearerAuth: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: CreateAssessmentSchema
      responses:
        201: {description: "The new draft, as GET /api/v1/assessments/{id}", content: {application/json: {schema: AssessmentSchema}}}
        403: {$ref: "#/components/responses/Forbidden"}
    """
    if not permissions.can_create_assessment(g.api_user):
        return json_error(403, "Your roles do not allow starting an assessment.")
    body = json_body()
    shape = check_shape(CreateAssessmentSchema(), body)
    if shape:
        # Named as the register rules name them on create: a field bare, the rest in full.
        return json_error(
            422, "The register fields are not valid.", fields=bare_register_names(shape)
        )
    fields, errors = operations.clean_register_fields(
        body.get("algorithm"), organization=current_app.config["ORGANIZATION_NAME"]
    )
    if not errors and not fields.get("name"):
        errors["algorithm.name"] = "required"
    if errors:
        return json_error(422, "The register fields are not valid.", fields=errors)
    assessment = operations.create(db.session, g.api_user, fields)
    db.session.commit()
    return jsonify(assessment_json(assessment, _lang())), 201


@api_blueprint.get("/v1/assessments/<int:assessment_id>")
@token_required
def get_assessment(assessment_id: int):
    """An assessment with its computed risk level, group outcomes and completeness.
    ---
    get:
      summary: One assessment
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: assessment_id, required: true, schema: {type: integer}}]
      responses:
        200:
          description: "status, version, risk {level, label, score, max_score, discount_applied, reasons, rules, weights_version; bank 2 adds determinable, lifted_by_rule, findings, requirements, high_risk_ai, publication_category}, group_outcomes, completeness, algorithm. Reviewers and the privacy officer get the answers and register fields of the last submitted version, never unsubmitted edits. The ETag header is the assessment's row version (send it as If-Match with PUT .../answers)."
          headers: {ETag: {$ref: "#/components/headers/ETag"}}
          content: {application/json: {schema: AssessmentSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    assessment = as_seen_by(
        g.api_user, assessment_seen(assessment_id, permissions.can_view_assessment)
    )
    return _with_etag(jsonify(assessment_json(assessment, _lang())), assessment)


@api_blueprint.get("/v1/assessments/<int:assessment_id>/questions")
@token_required
def get_questions(assessment_id: int):
    """The question bank as this assessment sees it.
    ---
    get:
      summary: Questions with their current answer and whether they apply
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: assessment_id, required: true, schema: {type: integer}}]
      responses:
        200:
          description: "questions: id, section, type, required, options, answer, shown; a group lists its sub-questions under questions. Answers as in GET /api/v1/assessments/{id} (the board sees the last submitted version); same ETag."
          headers: {ETag: {$ref: "#/components/headers/ETag"}}
          content: {application/json: {schema: QuestionsSchema}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    assessment = as_seen_by(
        g.api_user, assessment_seen(assessment_id, permissions.can_view_assessment)
    )
    return _with_etag(jsonify(questions_json(assessment, _lang())), assessment)


@api_blueprint.put("/v1/assessments/<int:assessment_id>/answers")
@token_required
def put_answers(assessment_id: int):
    """Save answers: partial, validated per question, all or nothing.
    ---
    put:
      summary: Save some answers
      security: [{bearerAuth: []}]
      parameters:
        - {in: path, name: assessment_id, required: true, schema: {type: integer}}
        - {in: header, name: If-Match, required: false, schema: {type: string}, description: "The ETag of GET /api/v1/assessments/{id}: the save is refused with 412 when the assessment changed since. Without it, the answers and fields sent are merged into the stored ones (other questions keep their answers)."}
      requestBody:
        required: true
        content:
          application/json:
            schema: UpdateAssessmentSchema
      responses:
        200: {description: "The assessment after the update, with its new ETag", headers: {ETag: {$ref: "#/components/headers/ETag"}}, content: {application/json: {schema: AssessmentSchema}}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {description: "The assessment is submitted or decided; its answers are frozen", content: {application/json: {schema: ErrorSchema}}}
        412: {description: "If-Match does not match the current ETag: someone changed the assessment since you read it; nothing was saved. Read it again (GET) and repeat your change. The ETag header carries the current one.", headers: {ETag: {$ref: "#/components/headers/ETag"}}, content: {application/json: {schema: ErrorSchema}}}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_assessment)
    facts = operations.facts(assessment)
    if not permissions.can_edit_assessment(g.api_user, facts):
        if permissions.allowed_in_state(
            permissions.can_edit_assessment, g.api_user, facts, workflow.DRAFT
        ):
            return json_error(
                409, f"The assessment is {assessment.status}; its answers are frozen."
            )
        return json_error(403, "You may not change this assessment.")
    body = json_body(UpdateAssessmentSchema())
    if "answers" not in body and "algorithm" not in body:
        return json_error(422, "Send answers and/or algorithm.", fields={"answers": "required"})
    expected = _if_match()
    try:
        # Each operation takes the row lock first (once per transaction) and checks the
        # state and the version under it: an edit racing a submit or a newer save loses
        # cleanly (409/412) instead of landing on top of it.
        if "answers" in body:
            operations.update_answers(
                db.session, g.api_user, assessment, body["answers"], expected_version=expected
            )
        if "algorithm" in body:
            try:
                operations.update_register_fields(
                    db.session,
                    g.api_user,
                    assessment,
                    body["algorithm"],
                    organization=current_app.config["ORGANIZATION_NAME"],
                    # Checked once, before the answers of this same request moved it on.
                    expected_version=None if "answers" in body else expected,
                )
            except operations.AnswersInvalidError as failure:
                raise operations.AnswersInvalidError(
                    {
                        k if k.startswith("algorithm") else f"algorithm.{k}": v
                        for k, v in failure.fields.items()
                    }
                ) from None
    except operations.VersionConflictError as conflict:
        db.session.rollback()
        response = json_error(
            412,
            "The assessment changed since you read it; nothing was saved. "
            "Read it again and repeat your change.",
            code="precondition_failed",
        )
        response.set_etag(str(conflict.current))
        return response
    except operations.StateConflictError:
        db.session.rollback()
        return json_error(409, f"The assessment is {assessment.status}; its answers are frozen.")
    except operations.AnswersInvalidError as failure:
        db.session.rollback()
        return json_error(
            422, "Some answers are not valid; nothing was saved.", fields=failure.fields
        )
    db.session.commit()
    return _with_etag(jsonify(assessment_json(assessment, _lang())), assessment)


@api_blueprint.post("/v1/assessments/<int:assessment_id>/submit")
@token_required
def submit_assessment(assessment_id: int):
    """Submit for review; the answers freeze.
    ---
    post:
      summary: Submit the assessment
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: assessment_id, required: true, schema: {type: integer}}]
      responses:
        200: {description: The submitted assessment, content: {application/json: {schema: AssessmentSchema}}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
        422: {description: "Not complete: fields names each missing answer or register field ('required' or a message), and for bank 2 each unmet demand of the level and each finding that blocks submission, keyed by its question", content: {application/json: {schema: ErrorSchema}}}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_assessment)
    if not permissions.allowed_in_state(
        permissions.can_submit_assessment, g.api_user, operations.facts(assessment), workflow.DRAFT
    ):
        return json_error(403, "Only the owner submits an assessment.")
    try:
        operations.submit(db.session, g.api_user, assessment)
    except operations.StateConflictError as conflict:
        db.session.rollback()
        return json_error(409, str(conflict))
    except operations.AnswersInvalidError as failure:
        db.session.rollback()
        return json_error(422, "The assessment is not complete.", fields=failure.fields)
    db.session.commit()
    return jsonify(assessment_json(assessment, _lang()))


@api_blueprint.post("/v1/assessments/<int:assessment_id>/reviews")
@token_required
def review_assessment(assessment_id: int):
    """A sounding-board member's or the privacy officer's decision on the current version.
    ---
    post:
      summary: Decide on the submitted version
      security: [{bearerAuth: []}]
      parameters: [{in: path, name: assessment_id, required: true, schema: {type: integer}}]
      requestBody:
        required: true
        content:
          application/json:
            schema: ReviewInSchema
      responses:
        201: {description: "review, outcome (the quorum's state) and the assessment", content: {application/json: {schema: ReviewResultSchema}}}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
        409: {$ref: "#/components/responses/Conflict"}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_assessment)
    may_review = permissions.allowed_in_state(
        permissions.can_review_assessment,
        g.api_user,
        operations.facts(assessment),
        workflow.SUBMITTED,
    )
    # Who may not review hears so (403 from decide) whatever the body holds.
    body = json_body(ReviewInSchema() if may_review else None)
    try:
        outcome = review.decide(db.session, g.api_user, assessment, body)
    except review.ReviewError as failure:
        db.session.rollback()
        return json_error(failure.status, str(failure), fields=failure.fields or None)
    db.session.commit()
    # With a job queue a worker renders the records; the answer says record_pending.
    record_jobs.publish_after_approval(db.session, g.api_user, assessment)
    mine = next(
        r for r in review.current_version(assessment).reviews if r.reviewer_id == g.api_user.id
    )
    return jsonify(
        review_result_json(mine, outcome, as_seen_by(g.api_user, assessment), _lang())
    ), 201


@api_blueprint.get("/v1/assessments/<int:assessment_id>/record.pdf")
@token_required
def assessment_record(assessment_id: int):
    """The stored PDF record of the latest approved version (internal: every answer).
    ---
    get:
      summary: The signed record
      security: [{bearerAuth: []}]
      parameters:
        - {in: path, name: assessment_id, required: true, schema: {type: integer}}
        - {in: query, name: kind, schema: {type: string, enum: [internal, public]}, description: "internal (default) or the public record"}
      responses:
        200: {description: "application/pdf; the X-Record-SHA256 header carries its hash", headers: {X-Record-SHA256: {schema: {type: string}}, ETag: {$ref: "#/components/headers/ETag"}}, content: {application/pdf: {schema: {type: string, format: binary}}}}
        304: {description: "Not modified (If-None-Match matched the ETag)"}
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    assessment = assessment_seen(assessment_id, permissions.can_view_assessment)
    kind = request.args.get("kind", RECORD_INTERNAL)
    if kind not in (RECORD_INTERNAL, RECORD_PUBLIC):
        return json_error(422, "kind is internal or public.", fields={"kind": "choice"})
    record = records.latest_record(db.session, assessment, kind)
    if record is None:
        return json_error(404, "This assessment has no stored record (yet).")
    return records.record_response(
        record, f"uthiek-{assessment.id}-v{record.version.number}-{kind}.pdf"
    )
