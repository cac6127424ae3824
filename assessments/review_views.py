"""Internal pages of the review: the queue, the review page with comment threads and the
decision form, withdrawing, re-assessing and retiring. Routes join the `assessments`
blueprint; rules live in `review`, `quorum`, `workflow` and `permissions`."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assessments import (
    advice,
    operations,
    permissions,
    presentation,
    queries,
    records,
    review,
    workflow,
)
from assessments import answers as answer_rules
from assessments.models import Assessment, Comment
from assessments.outcome_display import page_context as outcome_context
from assessments.records import jobs as record_jobs
from assessments.review import drafts
from assessments.review import summary as review_summary
from assessments.views import _lang, blueprint
from assessments.visibility import as_seen_by
from portal.auth.session import internal_required
from portal.extensions import db
from register import operations as register_operations
from register.models import Algorithm

PROBLEM_MESSAGES = {
    "required": _l("Fill this in."),
    "choice": _l("Choose one of the options."),
    "date": _l("Give a date as YYYY-MM-DD."),
    "future": _l("Choose a date in the future."),
    "too_long": _l("This text is too long."),
    "unknown": _l("This is not part of the assessment."),
    "unstorable": _l("This contains characters that cannot be stored. Type the text again."),
}
FIELD_LABELS = {
    "decision": _l("Decision"),
    "comment": _l("Motivation"),
    "conditions": _l("Conditions"),
    "remaining_risks": _l("Remaining risks"),
    "risk_accepted_by": _l("Risks accepted by"),
    "proposed_reassessment": _l("Proposed re-assessment date"),
    "section_advice": _l("Advice per section"),
}
CONDITION_ROWS = 3


def _load(assessment_id: int, rule=permissions.can_view_assessment) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id) or abort(404)
    if not rule(current_user, operations.facts(assessment)):
        abort(403)
    return assessment


def field_label(key: str) -> str:
    """The form field a problem key names, in the reader's language ("Condition 2: Owner")."""
    if key.startswith("conditions["):
        index, _sep, name = key[len("conditions[") :].partition("].")
        parts = {"text": _("Text"), "owner": _("Owner"), "deadline": _("Deadline")}
        number = int(index) + 1 if index.isdigit() else index
        label = _("Condition %(number)s", number=number)
        return f"{label}: {parts.get(name, name)}" if name else label
    if key.startswith("section_advice."):
        return str(FIELD_LABELS["section_advice"])
    return str(FIELD_LABELS.get(key, key))


def _messages(errors: dict[str, str]) -> dict[str, str]:
    """Stable problem codes → sentences in the user's language, keyed like the form."""
    return {
        key: str(PROBLEM_MESSAGES.get(code, _("Check this value."))) for key, code in errors.items()
    }


class FormTamperedError(ValueError):
    """A hidden field of the decision form holds something the page never sends."""


def _condition_rows(form) -> int:
    raw = form.get("conditions-rows")
    if raw is None or raw == "":
        return CONDITION_ROWS
    if not (raw.isascii() and raw.isdigit() and len(raw) < 4):
        raise FormTamperedError("conditions-rows")
    return min(int(raw), review.MAX_CONDITIONS)


def review_form_data(form, section_ids: list[str]) -> dict:
    """The decision form as the same structure the API accepts. Raises FormTamperedError
    when the row count is not a number (the page always sends one)."""
    conditions = []
    for index in range(_condition_rows(form)):
        conditions.append(
            {
                "text": form.get(f"conditions-{index}-text", ""),
                "owner": form.get(f"conditions-{index}-owner", ""),
                "deadline": form.get(f"conditions-{index}-deadline", ""),
            }
        )
    return {
        "decision": form.get("decision"),
        "comment": form.get("comment", ""),
        "remaining_risks": form.get("remaining_risks", ""),
        "risk_accepted_by": form.get("risk_accepted_by", ""),
        "proposed_reassessment": form.get("proposed_reassessment", ""),
        "section_advice": {
            section_id: {
                "advice": form.get(f"advice-{section_id}", ""),
                "motivation": form.get(f"advice-{section_id}-motivation", ""),
            }
            for section_id in section_ids
        },
        "conditions": conditions,
    }


def _review_page(
    assessment: Assessment, *, values=None, errors=None, status=200, anchor_rows: int = 0
):
    version_number = request.args.get("versie", type=int)
    versions = assessment.versions
    if not versions:
        abort(404)
    version = next((v for v in versions if v.number == version_number), versions[-1])
    previous = review.previous_version(assessment, version)
    bank = operations.bank_of(assessment)
    changes = review.diff_answers(previous.answers, version.answers) if previous else {}
    state = review.quorum_state(db.session, assessment, version)
    facts = operations.facts(assessment)
    is_current = version is versions[-1]
    can_decide = (
        is_current
        and permissions.can_review_assessment(current_user, facts)
        and not any(r.reviewer_id == current_user.id for r in version.reviews)
    )
    people = {u.id: u for u in state.board + state.privacy_officers}
    sections = presentation.section_answers(
        bank,
        version.answers,
        _lang(),
        changes=changes,
        previous_answers=previous.answers if previous else None,
    )
    threads = review.threads(db.session, assessment)
    risk = version.risk[_lang()]
    draft = drafts.draft_of(db.session, current_user, version) if can_decide else None
    if values is None and draft is not None:
        values = draft  # the decision as the reviewer left it before commenting
    page_summary = review_summary.build(
        bank,
        sections,
        presentation.section_progress(
            bank, answer_rules.completeness(bank, version.answers), _lang()
        ),
        answers=version.answers,
        previous_answers=previous.answers if previous else None,
        changes=changes,
        threads=threads,
        risk=risk,
        outcome=state.outcome,
        eligible_members=len(state.board),
        lang=_lang(),
    )
    return render_template(
        "assessments/review.html",
        assessment=as_seen_by(current_user, assessment),
        version=version,
        previous=previous,
        bank=bank,
        lang=_lang(),
        sections=sections,
        summary=page_summary,
        change_requests=presentation.change_requests(bank, previous, _lang()),
        has_draft=draft is not None,
        changes=changes,
        risk=risk,
        state=state,
        waiting=[people[i] for i in state.outcome.waiting_for if i in people],
        threads=threads,
        can_comment=is_current and permissions.can_comment_on_assessment(current_user, facts),
        can_decide=can_decide,
        values=values or {},
        errors=errors or {},
        condition_rows=min(
            review.MAX_CONDITIONS,
            max(CONDITION_ROWS, anchor_rows, len((values or {}).get("conditions", []))),
        ),
        error_labels={key: field_label(key) for key in (errors or {})},
        director_required=advice.director_required(db.session, assessment),
        record=records.latest_record(db.session, assessment, "internal"),
        **outcome_context(bank, version.answers),
    ), status


@blueprint.get("/beoordelen")
@internal_required(permissions.can_use_internal_side)
def review_queue():
    from assessments.review.queries import triage
    from portal.db import utcnow

    today = utcnow().date()
    waiting = review.waiting_for(db.session, current_user)
    mine = {a.id for a in waiting}
    # The rest of what is in review, without repeating what waits for this reader.
    in_review = [a for a in queries.in_review(db.session, current_user) if a.id not in mine]
    return render_template(
        "assessments/queue.html",
        waiting=triage(db.session, waiting, today),
        in_review=triage(db.session, in_review, today),
    )


@blueprint.get("/toetsingen/<int:assessment_id>/beoordeling")
@internal_required(permissions.can_use_internal_side)
def review_page(assessment_id: int):
    return _review_page(_load(assessment_id))


@blueprint.get("/toetsingen/<int:assessment_id>/record.pdf")
@internal_required(permissions.can_use_internal_side)
def record_download(assessment_id: int):
    """The internal record (every answer, every reviewer) of the latest approved version."""
    assessment = _load(assessment_id)
    record = records.latest_record(db.session, assessment, "internal") or abort(404)
    return records.record_response(
        record, f"uthiek-{assessment.id}-v{record.version.number}-intern.pdf"
    )


@blueprint.post("/toetsingen/<int:assessment_id>/besluit")
@internal_required(permissions.can_use_internal_side)
def decide(assessment_id: int):
    assessment = _load(assessment_id)
    bank = operations.bank_of(assessment)
    section_ids = [s.id for s in bank.sections]
    try:
        data = review_form_data(request.form, section_ids)
    except FormTamperedError:
        # Keep what was typed in the first rows; nothing is recorded.
        form = request.form.copy()
        form["conditions-rows"] = str(CONDITION_ROWS)
        data = review_form_data(form, section_ids)
        flash(
            _("Not saved: the form was incomplete. Check your decision and send it again."), "error"
        )
        return _review_page(
            assessment,
            values=data,
            errors={"conditions": _("The conditions could not be read. Check them.")},
            status=422,
        )
    if "save-draft" in request.form:
        # "Save draft": kept on the server, so commenting next does not wipe it.
        drafts.save(db.session, current_user, _draft_version(assessment), data)
        db.session.commit()
        flash(_("Your draft is saved. It is here until you record your decision."), "ok")
        return redirect(
            url_for("assessments.review_page", assessment_id=assessment.id) + "#decision"
        )
    if "add-condition" in request.form:
        # One more condition row, nothing recorded: works without JavaScript.
        data["conditions"].append({"text": "", "owner": "", "deadline": ""})
        return _review_page(assessment, values=data, anchor_rows=len(data["conditions"]))
    try:
        outcome = review.decide(db.session, current_user, assessment, data)
    except review.ReviewInvalidError as failure:
        db.session.rollback()
        flash(
            _("Not saved: correct the fields marked below. What you typed is still here."), "error"
        )
        return _review_page(assessment, values=data, errors=_messages(failure.fields), status=422)
    except review.ReviewError as failure:
        db.session.rollback()
        abort(failure.status)
    db.session.commit()
    publication = record_jobs.publish_after_approval(db.session, current_user, assessment)
    messages = {
        "pending": _("Your decision is recorded. The assessment waits for the other reviewers."),
        "approved": _("Your decision completed the quorum: the assessment is approved."),
        "rejected": _("Your decision completed the review: the assessment is rejected."),
        "changes_requested": _("The assessment goes back to its owner for changes."),
    }
    flash(messages[outcome.state], "ok")
    if outcome.state == "approved" and publication == record_jobs.FAILED:
        flash(
            _("The record could not be rendered yet; publication waits until it is stored."),
            "error",
        )
    elif outcome.state == "approved" and publication == record_jobs.QUEUED:
        flash(_("The record is being rendered; the entry is published in a moment."), "ok")
    return redirect(url_for("assessments.review_page", assessment_id=assessment.id))


def _draft_version(assessment: Assessment):
    """The version the reader may keep a draft decision on: the current one, in review,
    not yet decided by them. 403 for someone who may not review it, 409 once decided."""
    if not permissions.can_review_assessment(current_user, operations.facts(assessment)):
        abort(403)
    version = review.current_version(assessment)
    if (
        version is None
        or assessment.status not in workflow.UNDER_REVIEW
        or any(r.reviewer_id == current_user.id for r in version.reviews)
    ):
        abort(409)
    return version


def _keep_draft_from_comment_form(assessment: Assessment) -> None:
    """With script running (review.js), a comment, reply or "resolved" posted from the review
    page carries the decision form as typed ("with-draft"): keep it as the reviewer's draft,
    so the reloaded page shows it again. Quietly nothing when the reviewer may not decide
    (any more) or the fields cannot be read."""
    if request.form.get("with-draft") != "1":
        return
    facts = operations.facts(assessment)
    version = review.current_version(assessment)
    if (
        version is None
        or assessment.status not in workflow.UNDER_REVIEW
        or not permissions.can_review_assessment(current_user, facts)
        or any(r.reviewer_id == current_user.id for r in version.reviews)
    ):
        return
    section_ids = [s.id for s in operations.bank_of(assessment).sections]
    try:
        data = review_form_data(request.form, section_ids)
    except FormTamperedError:
        return
    drafts.save(db.session, current_user, version, data)


@blueprint.post("/toetsingen/<int:assessment_id>/opmerkingen")
@internal_required(permissions.can_use_internal_side)
def add_comment(assessment_id: int):
    assessment = _load(assessment_id, permissions.can_comment_on_assessment)
    question_id = request.form.get("question_id", "")
    try:
        review.add_comment(
            db.session,
            current_user,
            assessment,
            question_id,
            request.form.get("body", ""),
            parent_id=request.form.get("parent_id", type=int),
        )
    except review.ReviewInvalidError as failure:
        db.session.rollback()
        if failure.fields.get("body") == "unstorable":
            flash(str(PROBLEM_MESSAGES["unstorable"]), "error")
        elif "body" in failure.fields:
            flash(_("Write a comment before sending it."), "error")
        else:
            abort(400)
    except review.ReviewError as failure:
        db.session.rollback()
        abort(failure.status)
    else:
        _keep_draft_from_comment_form(assessment)
        db.session.commit()
        flash(_("Comment added."), "ok")
    return redirect(_back_to_question(assessment, question_id))


@blueprint.post("/toetsingen/<int:assessment_id>/opmerkingen/<int:comment_id>/opgelost")
@internal_required(permissions.can_use_internal_side)
def resolve_comment(assessment_id: int, comment_id: int):
    assessment = _load(assessment_id, permissions.can_comment_on_assessment)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.assessment_id != assessment.id or comment.parent_id:
        abort(404)
    try:
        review.resolve_comment(db.session, current_user, assessment, comment)
    except review.ReviewConflictError:
        db.session.rollback()
        flash(_("This thread was already resolved."), "error")
    else:
        _keep_draft_from_comment_form(assessment)
        db.session.commit()
        flash(_("Thread resolved."), "ok")
    return redirect(_back_to_question(assessment, comment.question_id))


def _back_to_question(assessment: Assessment, question_id: str) -> str:
    anchor = f"question-{question_id}" if question_id else "general-comments"
    if assessment.owner_id == current_user.id and assessment.status in workflow.EDITABLE:
        return url_for("assessments.overview", assessment_id=assessment.id) + "#comments"
    return url_for("assessments.review_page", assessment_id=assessment.id) + f"#{anchor}"


@blueprint.post("/toetsingen/<int:assessment_id>/intrekken")
@internal_required(permissions.can_use_internal_side)
def withdraw(assessment_id: int):
    assessment = _load(assessment_id, permissions.can_withdraw_assessment)
    try:
        review.withdraw(db.session, current_user, assessment)
    except review.ReviewError:
        db.session.rollback()
        abort(409)  # its state changed a moment ago
    db.session.commit()
    flash(_("The assessment has been withdrawn."), "ok")
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


@blueprint.post("/toetsingen/<int:assessment_id>/hertoetsen")
@internal_required(permissions.can_use_internal_side)
def reassess(assessment_id: int):
    assessment = _load(assessment_id, permissions.can_reassess)
    try:
        review.reassess(db.session, current_user, assessment)
    except review.ReviewError:
        db.session.rollback()
        abort(409)
    db.session.commit()
    flash(
        _("A new version has started from the approved answers. Update them and submit again."),
        "ok",
    )
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


@blueprint.post("/algoritmes/<int:algorithm_id>/buiten-gebruik")
@internal_required(permissions.can_use_internal_side)
def retire(algorithm_id: int):
    algorithm = db.session.get(Algorithm, algorithm_id) or abort(404)
    if not permissions.can_retire_algorithm(
        current_user, queries.owner_ids_of_algorithm(db.session, algorithm.id)
    ):
        abort(403)
    if not algorithm.is_published or algorithm.is_retired:
        abort(409)
    back = redirect(request.referrer or url_for("assessments.dashboard"), code=303)
    try:
        end_date = dt.date.fromisoformat(request.form.get("end_date", "").strip())
    except ValueError:
        flash(_("Give the date the algorithm stopped being used (YYYY-MM-DD)."), "error")
        return back
    try:
        # The entry keeps the month (YYYY-MM), as the national standard writes it.
        register_operations.retire(
            db.session,
            algorithm,
            end_date,
            request.form.get("reason", "").strip()[:300],
            actor=current_user,
        )
    except register_operations.PublicationRefusedError:
        db.session.rollback()
        flash(_("The entry does not meet the national standard, so it was not changed."), "error")
        return back
    db.session.commit()
    flash(_("The algorithm is marked as retired. It stays in the register with its history."), "ok")
    return redirect(url_for("register.entry", slug=algorithm.slug))
