"""Residents' questions in the JSON API: the public question endpoint and the internal queue
(`/api/v1/feedback`). Views only; the rules are in register/feedback.py."""

from __future__ import annotations

from flask import abort, current_app, g, jsonify, request
from flask_babel import get_locale
from marshmallow import ValidationError

from portal.api import api_blueprint, document_schema, json_error, token_required
from portal.extensions import db
from register import feedback, feedback_schemas, queries
from register.schemas import flat_query_errors, load_query

for _name in (
    "FeedbackInSchema",
    "FeedbackReferenceSchema",
    "FeedbackItemSchema",
    "FeedbackListSchema",
    "FeedbackUpdateSchema",
):
    document_schema(_name, getattr(feedback_schemas, _name))


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(json_error(400, "The body must be a JSON object."))
    return body


def _shape(schema, body: dict) -> dict:
    try:
        return schema.load(body)
    except ValidationError as failure:
        abort(
            json_error(
                422,
                "The request body is not valid.",
                fields={
                    k: " ".join(map(str, v)) if isinstance(v, list) else str(v)
                    for k, v in failure.messages.items()
                },
            )
        )


@api_blueprint.post("/v1/algorithms/<slug>/feedback")
@feedback.feedback_limit
def post_feedback(slug: str):
    """Ask a question about a published entry, or report an error in it.
    ---
    post:
      summary: A resident's question or error report (no login)
      description: The answer goes to `email` when given. Rate limited per client address
        (429), together with the form on the entry page.
      parameters:
        - {in: path, name: slug, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: FeedbackInSchema
      responses:
        201:
          description: Received
          content:
            application/json:
              schema: FeedbackReferenceSchema
        404: {$ref: "#/components/responses/NotFound"}
        429: {$ref: "#/components/responses/TooManyRequests"}
    """
    algorithm = queries.get_published(db.session, slug)
    if algorithm is None:
        return json_error(404, "No published algorithm with this slug")
    body = _shape(feedback_schemas.FeedbackInSchema(), _json_object())
    try:
        item = feedback.submit(
            db.session, algorithm, body["message"], body.get("email"), str(get_locale() or "nl")
        )
    except feedback.FeedbackError as error:
        return json_error(422, "The question is not valid.", fields=error.fields)
    db.session.commit()
    return jsonify(feedback_schemas.FeedbackReferenceSchema().dump(item)), 201


@api_blueprint.get("/v1/feedback")
@token_required
def list_feedback():
    """Residents' questions the caller may handle.
    ---
    get:
      summary: The question queue (the coordinator sees all, an owner their algorithms')
      security: [{bearerAuth: []}]
      parameters:
        - in: query
          schema: FeedbackQuerySchema
      responses:
        200:
          description: Oldest first
          content:
            application/json:
              schema: FeedbackListSchema
    """
    try:
        args = load_query(feedback_schemas.FeedbackQuerySchema(), request.args)
    except ValidationError as failure:
        return json_error(
            422, "The query parameters are not valid.", fields=flat_query_errors(failure)
        )
    days = int(current_app.config["FEEDBACK_ANSWER_DAYS"])
    items = feedback.queue_for(db.session, g.api_user, args.get("status"))
    return jsonify({"items": [feedback_schemas.item_json(i, days) for i in items]})


@api_blueprint.put("/v1/feedback/<int:feedback_id>")
@token_required
def update_feedback(feedback_id: int):
    """Change the status, answer (mailed to the asker) or public summary of a question.
    ---
    put:
      summary: Handle a question
      security: [{bearerAuth: []}]
      parameters:
        - {in: path, name: feedback_id, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema: FeedbackUpdateSchema
      responses:
        200:
          description: The question as it is now
          content:
            application/json:
              schema: FeedbackItemSchema
        403: {$ref: "#/components/responses/Forbidden"}
        404: {$ref: "#/components/responses/NotFound"}
    """
    item = db.session.get(feedback.Feedback, feedback_id)
    if item is None or not feedback.can_see(g.api_user, item):
        return json_error(404, "No question with this id.")
    body = _shape(feedback_schemas.FeedbackUpdateSchema(), _json_object())
    changes = {k: body[k] for k in ("status", "answer") if k in body}
    if "public_summary" in body:
        changes["public_summary"] = body["public_summary"]
    try:
        feedback.update(db.session, g.api_user, item, **changes)
    except feedback.FeedbackPermissionError:
        db.session.rollback()
        return json_error(403, "Only the register coordinator may do this.")
    db.session.commit()
    return jsonify(
        feedback_schemas.item_json(item, int(current_app.config["FEEDBACK_ANSWER_DAYS"]))
    )
