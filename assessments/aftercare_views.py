"""The monitoring page of an algorithm in use (`/intern/algoritmes/<slug>/nazorg`): file a
monitoring report, record and close incidents, suspend and lift, declare a change. Thin:
the forms read, `assessments.aftercare` decides (the same rules as the API)."""

from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assessments import aftercare, permissions, review
from assessments.aftercare_forms import (
    ChangeForm,
    CloseIncidentForm,
    IncidentForm,
    MonitoringForm,
    ReasonForm,
    parse_group_lines,
)
from assessments.operations import facts
from assessments.views import blueprint
from portal.auth.session import internal_required
from portal.extensions import db
from register import aftercare as register_aftercare

PROBLEMS = {
    "required": _l("Fill this in."),
    "date": _l("Give a date as YYYY-MM-DD."),
    "future": _l("This date lies in the future."),
    "before_start": _l("The end lies before the start."),
    "fraction": _l("Give a percentage from 0 to 100."),
    "count": _l("Give a whole number of 0 or more."),
    "too_long": _l("This text is too long."),
    "choice": _l("Choose one of the options."),
}
RULE_LABELS = {
    "override_rate": _l("staff deviated from the outcome too often"),
    "objections": _l("too many objections"),
    "complaints": _l("too many complaints"),
    "flagged_groups": _l("the group outcomes flag a group"),
    "group_ratio": _l("a group's selection rate is too far below the highest"),
}


def _context(slug: str):
    algorithm = aftercare.algorithm_by_slug(db.session, slug) or abort(404)
    assessment = aftercare.assessment_of(db.session, algorithm)
    rules = facts(assessment) if assessment else None
    if not permissions.can_view_aftercare(current_user, rules, algorithm.department):
        abort(403)
    return algorithm, assessment, rules


def _authorized(slug: str, action: str):
    """The algorithm, once the user may do `action` with it (before the form is read)."""
    algorithm, _assessment, _rules = _context(slug)
    try:
        aftercare.authorize(db.session, current_user, algorithm, action)
    except aftercare.AftercareForbiddenError:
        abort(403)
    except aftercare.AftercareConflictError:
        abort(409)
    return algorithm


def _page(slug: str, status: int = 200, **forms):
    algorithm, assessment, rules = _context(slug)
    may_report = rules is not None and permissions.can_file_monitoring(current_user, rules)
    context = {
        "algorithm": algorithm,
        "assessment": assessment,
        "suspension": register_aftercare.current_suspension(db.session, algorithm.id),
        "reports": aftercare.reports_of(db.session, algorithm),
        "incidents": register_aftercare.incidents_of(db.session, algorithm.id),
        "changes": register_aftercare.declared_changes(db.session, algorithm.id),
        "thresholds": aftercare.thresholds_for(db.session, assessment) if assessment else None,
        # Which apply and who set each (the board's verdict, or the level's default).
        "threshold_rows": aftercare.thresholds_shown(db.session, assessment) if assessment else [],
        "threshold_level": _approved_level(assessment),
        "may_report": may_report,
        "may_record": permissions.can_record_incident(current_user, rules, algorithm.department),
        "may_suspend": permissions.can_suspend(current_user, algorithm.department),
        "rule_labels": RULE_LABELS,
        "monitoring_form": forms.get("monitoring_form") or MonitoringForm(prefix="m"),
        "incident_form": forms.get("incident_form") or IncidentForm(prefix="i"),
        "close_form": forms.get("close_form") or CloseIncidentForm(prefix="c"),
        "suspend_form": forms.get("suspend_form") or ReasonForm(prefix="s"),
        "lift_form": forms.get("lift_form") or ReasonForm(prefix="l"),
        "change_form": forms.get("change_form") or ChangeForm(prefix="w"),
    }
    return render_template("assessments/aftercare.html", **context), status


def _approved_level(assessment) -> int | None:
    version = aftercare.approved_version(assessment) if assessment else None
    return version.risk_level if version else None


@blueprint.app_context_processor
def _thresholds_helper():
    """`monitoring_thresholds_shown(assessment)` for the assessment's own page (its views
    stay as they are): the rows of `assessments/_thresholds.html` and the level."""

    def shown(assessment):
        if getattr(assessment, "algorithm_id", None) is None:
            return None
        level = _approved_level(assessment)
        if level is None:
            return None
        return {"rows": aftercare.thresholds_shown(db.session, assessment), "level": level}

    return {"monitoring_thresholds_shown": shown}


def _attach(form, fields: dict[str, str], names: dict[str, str] | None = None) -> None:
    """The operation's problem codes as errors on the form's fields."""
    for key, code in fields.items():
        name = (names or {}).get(key, key)
        field = getattr(form, name, None)
        message = str(PROBLEMS.get(code, code if " " in code else _("Check this value.")))
        if field is not None:
            field.errors = [*(field.errors or []), message]
        else:
            form.form_errors.append(message)


def _act(slug: str, form, form_key: str, step, done: str):
    """Run `step` for a valid form; refusals and problems come back on the page."""
    if not form.validate_on_submit():
        return _page(slug, 422, **{form_key: form})
    try:
        step()
    except (aftercare.AftercareForbiddenError, review.ReviewForbiddenError):
        db.session.rollback()
        abort(403)
    except (aftercare.AftercareConflictError, review.ReviewConflictError) as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _page(slug, 409, **{form_key: form})
    except aftercare.AftercareInvalidError as error:
        db.session.rollback()
        _attach(form, error.fields)
        return _page(slug, 422, **{form_key: form})
    except LookupError:
        db.session.rollback()
        abort(404)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("assessments.aftercare_page", slug=slug))


@blueprint.get("/algoritmes/nazorg")
@internal_required(permissions.can_use_internal_side)
def aftercare_index():
    """The algorithms in use that this user follows up (owner, director, admin)."""
    return render_template(
        "assessments/aftercare_index.html",
        algorithms=aftercare.algorithms_for(db.session, current_user),
    )


@blueprint.get("/algoritmes/<slug>/nazorg")
@internal_required(permissions.can_use_internal_side)
def aftercare_page(slug: str):
    return _page(slug)


@blueprint.post("/algoritmes/<slug>/nazorg/monitoring")
@internal_required(permissions.can_use_internal_side)
def aftercare_monitoring(slug: str):
    algorithm = _authorized(slug, aftercare.MONITOR)
    form = MonitoringForm(prefix="m")
    rows, wrong = parse_group_lines(form.group_outcomes.data or "")
    if wrong and form.validate_on_submit():
        form.group_outcomes.errors = [
            _("These lines cannot be read: %(lines)s.", lines=", ".join(map(str, wrong)))
        ]
        return _page(slug, 422, monitoring_form=form)
    rate = form.override_rate.data

    def step():
        report, _found = aftercare.file_report(
            db.session,
            current_user,
            algorithm,
            {
                "period_start": form.period_start.data,
                "period_end": form.period_end.data,
                "group_outcomes": rows,
                "override_rate": None if rate is None else float(rate / Decimal(100)),
                "objections": form.objections.data or 0,
                "complaints": form.complaints.data or 0,
                "notes": form.notes.data or "",
            },
        )
        return report

    return _act(slug, form, "monitoring_form", step, _("The monitoring report is saved."))


@blueprint.post("/algoritmes/<slug>/nazorg/incidenten")
@internal_required(permissions.can_use_internal_side)
def aftercare_incident(slug: str):
    algorithm = _authorized(slug, aftercare.RECORD_INCIDENT)
    form = IncidentForm(prefix="i")
    return _act(
        slug,
        form,
        "incident_form",
        lambda: aftercare.record_incident(
            db.session,
            current_user,
            algorithm,
            {
                "kind": form.kind.data,
                "occurred_on": form.occurred_on.data,
                "description": form.description.data,
                "people_affected": form.people_affected.data,
                "severity": form.severity.data,
                "action_taken": form.action_taken.data or "",
            },
        ),
        _("The incident is recorded."),
    )


@blueprint.post("/algoritmes/<slug>/nazorg/incidenten/sluiten")
@internal_required(permissions.can_use_internal_side)
def aftercare_close_incident(slug: str):
    algorithm = _authorized(slug, aftercare.RECORD_INCIDENT)
    form = CloseIncidentForm(prefix="c")
    incident_id = form.incident_id.data or ""
    if not incident_id.isdigit():
        abort(404)
    return _act(
        slug,
        form,
        "close_form",
        lambda: aftercare.update_incident(
            db.session,
            current_user,
            algorithm,
            int(incident_id),
            {
                "status": "closed",
                "public_description": form.public_description.data,
                "action_taken": form.action_taken.data or "",
            },
        ),
        _("The incident is closed."),
    )


@blueprint.post("/algoritmes/<slug>/nazorg/schorsing")
@internal_required(permissions.can_use_internal_side)
def aftercare_suspend(slug: str):
    algorithm = _authorized(slug, aftercare.SUSPEND)
    form = ReasonForm(prefix="s")
    return _act(
        slug,
        form,
        "suspend_form",
        lambda: aftercare.suspend(
            db.session, current_user, algorithm, {"reason": form.reason.data}
        ),
        _("The algorithm is suspended."),
    )


@blueprint.post("/algoritmes/<slug>/nazorg/schorsing/opheffen")
@internal_required(permissions.can_use_internal_side)
def aftercare_lift(slug: str):
    algorithm = _authorized(slug, aftercare.SUSPEND)
    form = ReasonForm(prefix="l")
    return _act(
        slug,
        form,
        "lift_form",
        lambda: aftercare.lift_suspension(
            db.session, current_user, algorithm, {"reason": form.reason.data}
        ),
        _("The suspension is lifted."),
    )


@blueprint.post("/algoritmes/<slug>/nazorg/wijziging")
@internal_required(permissions.can_use_internal_side)
def aftercare_change(slug: str):
    algorithm = _authorized(slug, aftercare.DECLARE_CHANGE)
    form = ChangeForm(prefix="w")
    return _act(
        slug,
        form,
        "change_form",
        lambda: aftercare.declare_change(
            db.session,
            current_user,
            algorithm,
            {
                "kind": form.kind.data,
                "description": form.description.data,
                "material": bool(form.material.data),
            },
        ),
        _("The change is saved."),
    )
