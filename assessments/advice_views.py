"""Internal pages for the board's verdict, the director's decision and the conditions.

`/intern/toetsingen/<id>/advies`: the verdict form (board) and the decision form (director),
one step from the review page. `/intern/toetsingen/<id>/voorwaarden`: the conditions with
their evidence, history and forms. Rules live in `assessments.advice` and
`assessments.obligations`; works without JavaScript.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assessments import advice, monitoring_rules, obligations, operations, permissions, review
from assessments.models import Assessment
from assessments.monitoring_rules import BOARD_KEYS
from assessments.records import jobs as record_jobs
from assessments.review import drafts
from assessments.views import blueprint
from portal.auth.session import internal_required
from portal.db import utcnow
from portal.extensions import db

PROBLEMS = {
    "required": _l("Fill this in."),
    "choice": _l("Choose one of the options."),
    "too_long": _l("This text is too long."),
    "unstorable": _l("This contains characters that cannot be stored. Type the text again."),
    "mismatch": _l("This advice does not match what the members decided."),
    "url": _l("Give a web address that starts with https://."),
    "file_type": _l("Upload a PDF, PNG, JPEG, text or CSV file."),
    "too_large": _l("The file is larger than 5 MB."),
    "fraction": _l("Give a percentage from 0 to 100."),
    "count": _l("Give a whole number of 0 or more."),
}
FIELD_LABELS = {
    "want_this": _l("Do we want this?"),
    "explain_to_residents": _l("Can we explain this decently to our residents?"),
    "advice": _l("Advice"),
    "reasons": _l("Reasons"),
    "decision": _l("Decision"),
    "status": _l("Status"),
    "reason": _l("Reason"),
    "evidence.text": _l("Evidence"),
    "evidence.link": _l("Link to the evidence"),
    "evidence.file": _l("File with the evidence"),
    "thresholds.max_override_rate": _l("Highest share of deviations by staff"),
    "thresholds.max_objections": _l("Most objections"),
    "thresholds.max_complaints": _l("Most complaints"),
    "thresholds.min_group_ratio": _l("Lowest group ratio"),
}
ADVICE_LABELS = {
    advice.POSITIVE: _l("Positive"),
    advice.POSITIVE_WITH_CONDITIONS: _l("Positive, with conditions"),
    advice.NEGATIVE: _l("Negative"),
}
STATUS_LABELS = {
    obligations.OPEN: _l("open"),
    obligations.MET: _l("met"),
    obligations.OVERDUE: _l("overdue"),
    obligations.WAIVED: _l("waived"),
}


THRESHOLD_LABELS = {
    "max_override_rate": _l("Staff deviate from the outcome at most (percent of cases)"),
    "max_objections": _l("At most this many objections per report"),
    "max_complaints": _l("At most this many complaints per report"),
    "min_group_ratio": _l(
        "Lowest selection rate of a group at least (percent of the highest in its table)"
    ),
}
PERCENT_KEYS = frozenset({"max_override_rate", "min_group_ratio"})


def _threshold_field(key: str) -> str:
    return f"threshold-{key}"


def thresholds_from(typed: dict) -> dict:
    """The threshold fields as typed -> the values the rules check: a percentage becomes a
    fraction, a count a whole number; empty means the level's default; what cannot be read
    goes through as typed, so the rules name it (one rule for web and API)."""
    values: dict = {}
    for key in BOARD_KEYS:
        text = (typed.get(_threshold_field(key)) or "").strip().replace(",", ".")
        if not text:
            continue
        try:
            number = Decimal(text)
        except InvalidOperation:
            values[key] = text
            continue
        if not number.is_finite():
            values[key] = text
        elif key in PERCENT_KEYS:
            values[key] = float(number / 100)
        else:
            values[key] = int(number) if number == number.to_integral_value() else text
    return values


def threshold_values(thresholds: dict | None) -> dict[str, str]:
    """Stored thresholds as the form shows them (percentages for fractions)."""
    shown = {}
    for key, value in (thresholds or {}).items():
        if key in BOARD_KEYS and value is not None:
            number = Decimal(str(value)) * 100 if key in PERCENT_KEYS else Decimal(str(value))
            shown[_threshold_field(key)] = format(number.normalize(), "f")
    return shown


def _load(assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id) or abort(404)
    if not permissions.can_view_assessment(current_user, operations.facts(assessment)):
        abort(403)
    return assessment


def _errors(fields: dict[str, str], prefix: str = "") -> list[tuple[str, str, str]]:
    """(field id, label, sentence) per problem: the summary names and links each field."""
    return [
        (
            prefix + key.replace(".", "-"),
            str(FIELD_LABELS.get(key, key)),
            str(PROBLEMS.get(code, _("Check this value."))),
        )
        for key, code in fields.items()
    ]


def _advice_page(
    assessment: Assessment, *, verdict_values=None, decision_values=None, errors=None, status=200
):
    version = review.current_version(assessment) or abort(404)
    rules = operations.facts(assessment)
    state = review.quorum_state(db.session, assessment, version)
    verdict = advice.verdict_of(db.session, version)
    decision = advice.decision_of(db.session, version)
    today = utcnow().date()
    can_write_verdict = permissions.can_write_verdict(current_user, rules) and decision is None
    # The reader's saved draft of the verdict ("Save draft"), unless the verdict is newer.
    verdict_draft = (
        drafts.newer_draft_of(
            db.session,
            current_user,
            version,
            drafts.VERDICT,
            verdict.updated_at if verdict else None,
        )
        if can_write_verdict
        else None
    )
    return render_template(
        "assessments/advice.html",
        assessment=assessment,
        version=version,
        state=state,
        expected=advice.expected_advice(state.outcome),
        verdict=verdict,
        decision=decision,
        can_write_verdict=can_write_verdict,
        has_verdict_draft=verdict_draft is not None,
        can_decide=permissions.can_decide_as_director(current_user, rules) and decision is None,
        director_required=advice.director_required(db.session, assessment),
        verdict_values=verdict_values
        or verdict_draft
        or (
            {**advice.verdict_json(verdict), **threshold_values(verdict.monitoring_thresholds)}
            if verdict
            else {"advice": advice.expected_advice(state.outcome)}
        ),
        threshold_fields=[(key, _threshold_field(key)) for key in BOARD_KEYS],
        THRESHOLD_LABELS=THRESHOLD_LABELS,
        level_defaults=monitoring_rules.default_thresholds(version.risk_level),
        decision_values=decision_values or {},
        errors=errors or [],
        overdue=obligations.overdue_of(db.session, assessment.id, today),
        conditions_to_come=[
            c
            for r in version.reviews
            if r.decision in ("approve_with_conditions",)
            for c in r.conditions
        ],
        ADVICE_LABELS=ADVICE_LABELS,
    ), status


@blueprint.get("/toetsingen/<int:assessment_id>/advies")
@internal_required(permissions.can_use_internal_side)
def advice_page(assessment_id: int):
    return _advice_page(_load(assessment_id))


@blueprint.post("/toetsingen/<int:assessment_id>/advies/oordeel")
@internal_required(permissions.can_use_internal_side)
def write_verdict(assessment_id: int):
    assessment = _load(assessment_id)
    data = {
        name: request.form.get(name, "")
        for name in ("want_this", "explain_to_residents", "advice", "reasons")
    }
    # The monitoring thresholds, as typed (kept in the draft and on a failed save).
    data.update({field: request.form.get(field, "") for field in map(_threshold_field, BOARD_KEYS)})
    if "save-draft" in request.form:
        rules = operations.facts(assessment)
        if not permissions.can_write_verdict(current_user, rules):
            abort(403)
        version = review.current_version(assessment) or abort(404)
        if advice.decision_of(db.session, version) is not None:
            abort(409)  # the director has decided: the verdict is final
        drafts.save(db.session, current_user, version, data, drafts.VERDICT)
        db.session.commit()
        flash(_("Your draft is saved. It is here until you save the verdict."), "ok")
        return redirect(
            url_for("assessments.advice_page", assessment_id=assessment.id) + "#verdict"
        )
    try:
        advice.write_verdict(
            db.session, current_user, assessment, {**data, "thresholds": thresholds_from(data)}
        )
        # Saved, so the version exists; the permission and state checks above decided.
        drafts.discard(db.session, current_user, review.current_version(assessment), drafts.VERDICT)
    except review.ReviewInvalidError as failure:
        db.session.rollback()
        return _advice_page(
            assessment,
            verdict_values=data,
            errors=_errors(failure.fields, "verdict-"),
            status=422,
        )
    except review.ReviewError as failure:
        db.session.rollback()
        abort(failure.status)
    db.session.commit()
    flash(_("The board's verdict is saved. The director decides on it."), "ok")
    return redirect(url_for("assessments.advice_page", assessment_id=assessment.id) + "#verdict")


@blueprint.post("/toetsingen/<int:assessment_id>/advies/besluit")
@internal_required(permissions.can_use_internal_side)
def director_decision(assessment_id: int):
    assessment = _load(assessment_id)
    data = {
        "decision": request.form.get("decision", ""),
        "reasons": request.form.get("reasons", ""),
    }
    try:
        decision = advice.decide_as_director(db.session, current_user, assessment, data)
    except review.ReviewInvalidError as failure:
        db.session.rollback()
        return _advice_page(
            assessment,
            decision_values=data,
            errors=_errors(failure.fields, "decision-"),
            status=422,
        )
    except review.ReviewConflictError as failure:
        db.session.rollback()
        flash(str(failure), "error")  # e.g. an overdue condition; nothing was recorded
        return redirect(url_for("assessments.advice_page", assessment_id=assessment.id))
    except review.ReviewError as failure:
        db.session.rollback()
        abort(failure.status)
    db.session.commit()
    publication = record_jobs.publish_after_approval(db.session, current_user, assessment)
    if decision.result == "approved":
        flash(_("Your decision is recorded: the assessment is approved and published."), "ok")
        if publication == record_jobs.QUEUED:
            flash(_("The record is being rendered; the entry is published in a moment."), "ok")
        elif publication == record_jobs.FAILED:
            flash(
                _("The record could not be rendered yet; publication waits until it is stored."),
                "error",
            )
    else:
        flash(_("Your decision is recorded: the assessment is rejected."), "ok")
    return redirect(url_for("assessments.advice_page", assessment_id=assessment.id))


@blueprint.get("/toetsingen/<int:assessment_id>/voorwaarden")
@internal_required(permissions.can_use_internal_side)
def conditions_page(assessment_id: int, errors=None, status=200, failed_id=None, values=None):
    assessment = _load(assessment_id)
    rules = operations.facts(assessment)
    today = utcnow().date()
    return render_template(
        "assessments/conditions.html",
        assessment=assessment,
        conditions=obligations.of_assessment(db.session, assessment.id),
        today=today,
        can_report=permissions.can_report_condition_evidence(current_user, rules),
        can_judge=permissions.can_judge_condition(current_user, rules),
        errors=errors or [],
        failed_id=failed_id,
        values=values or {},
        STATUS_LABELS=STATUS_LABELS,
    ), status


@blueprint.post("/voorwaarden/<int:condition_id>")
@internal_required(permissions.can_use_internal_side)
def update_condition(condition_id: int):
    condition = db.session.get(obligations.Condition, condition_id) or abort(404)
    assessment = _load(condition.assessment_id)
    data: dict = {"reason": request.form.get("reason", "")}
    if request.form.get("status"):
        data["status"] = request.form["status"]
    if request.form.get("evidence_text") or request.form.get("evidence_link"):
        data["evidence"] = {
            "text": request.form.get("evidence_text", ""),
            "link": request.form.get("evidence_link", ""),
        }
    upload = None
    file = request.files.get("evidence_file")
    if file is not None and file.filename:
        upload = (file.filename, file.mimetype or "", file.read(obligations.MAX_FILE + 1))
    try:
        obligations.update(db.session, current_user, condition, data, upload)
    except review.ReviewInvalidError as failure:
        db.session.rollback()
        return conditions_page(
            assessment.id,
            errors=_errors(failure.fields, f"condition-{condition_id}-"),
            status=422,
            failed_id=condition_id,
            values=request.form,
        )
    except review.ReviewConflictError as failure:
        db.session.rollback()
        flash(str(failure), "error")
        return redirect(url_for("assessments.conditions_page", assessment_id=assessment.id))
    except review.ReviewError as failure:
        db.session.rollback()
        abort(failure.status)
    db.session.commit()
    flash(_("The condition is updated."), "ok")
    return redirect(
        url_for("assessments.conditions_page", assessment_id=assessment.id)
        + f"#condition-{condition_id}"
    )


@blueprint.get("/voorwaarden/<int:condition_id>/bewijs")
@internal_required(permissions.can_use_internal_side)
def condition_evidence(condition_id: int):
    condition = db.session.get(obligations.Condition, condition_id) or abort(404)
    _load(condition.assessment_id)
    if not condition.evidence_file_name:
        abort(404)
    from flask import Response

    response = Response(condition.evidence_file, mimetype=condition.evidence_file_type)
    extension = obligations.FILE_TYPES.get(condition.evidence_file_type, "")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="voorwaarde-{condition.id}-bewijs{extension}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
