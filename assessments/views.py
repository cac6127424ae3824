"""Internal pages: the dashboard and the Uthiek questionnaire.

Views parse, load, check permission, call an operation, commit, and render or redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from assessments import answers as answer_rules
from assessments import (
    forms,
    operations,
    permissions,
    presentation,
    queries,
    scoring,
    workflow,
)
from assessments.conditions import shown_questions
from assessments.models import Assessment
from assessments.outcome_display import page_context as outcome_context
from assessments.visibility import as_seen_by
from portal import audit_sentences
from portal.auth import queries as account_queries
from portal.auth.session import internal_required
from portal.db import utcnow
from portal.extensions import db
from portal.problems import translate, translate_all
from register.labels import field_label

blueprint = Blueprint("assessments", __name__, url_prefix="/intern")


def _lang() -> str:
    return str(get_locale() or "nl")


@blueprint.get("/")
@internal_required(permissions.can_use_internal_side)
def dashboard():
    lists = queries.dashboard(db.session, current_user, utcnow().date())
    admin_overview = None
    if permissions.can_administer_users(current_user):
        admin_overview = {
            "users": account_queries.active_user_count(db.session),
            "recent": audit_sentences.describe(
                db.session, account_queries.recent_activity(db.session), current_user
            ),
        }
    return render_template(
        "assessments/dashboard.html",
        my_activity=audit_sentences.describe(
            db.session,
            account_queries.recent_activity(db.session, actor_id=current_user.id),
            current_user,
        ),
        can_see_overview=permissions.can_view_overview(current_user),
        active_tokens=account_queries.active_token_count(db.session, current_user.id),
        admin_overview=admin_overview,
        mine=lists.mine,
        waiting=lists.waiting,
        overdue=lists.overdue,
        pending_records=lists.pending_records,
        can_create=permissions.can_create_assessment(current_user),
        overdue_conditions=_overdue_conditions(),
    )


def _overdue_conditions() -> list:
    """The board's conditions past their deadline that this user may see (owners theirs;
    board, directors and admins all they can view)."""
    from assessments import obligations

    return obligations.overdue_for(db.session, current_user, utcnow().date())


@blueprint.get("/toetsingen")
@internal_required(permissions.can_use_internal_side)
def index():
    return render_template(
        "assessments/index.html",
        assessments=queries.visible_assessments(db.session, current_user),
        can_create=permissions.can_create_assessment(current_user),
    )


@blueprint.route("/toetsingen/nieuw", methods=["GET", "POST"])
@internal_required(permissions.can_create_assessment)
def create():
    values = {"name": "", "description_short": ""}
    errors = {}
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip() for key in values}
        fields, problems = operations.clean_register_fields(
            values, organization=current_app.config["ORGANIZATION_NAME"]
        )
        errors = translate_all(problems)
        if not errors:
            assessment = operations.create(db.session, current_user, fields)
            db.session.commit()
            flash(
                _(
                    "The assessment has been created. Fill it in section by section;"
                    " you can save at any time."
                ),
                "ok",
            )
            return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    return render_template(
        "assessments/new.html", values=values, errors=errors
    ), 422 if errors else 200


def _load(assessment_id: int, rule=permissions.can_view_assessment) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id) or abort(404)
    if not rule(current_user, operations.facts(assessment)):
        abort(403)
    return assessment


def _refusal_status(assessment: Assessment) -> int:
    """409 when the user could change it were it still open, else 403."""
    open_again = permissions.allowed_in_state(
        permissions.can_edit_assessment, current_user, operations.facts(assessment), "draft"
    )
    return 409 if open_again else 403


def _form_version():
    """The row version the form was rendered with (hidden field `row_version`): None when
    the form has none; a value that is not a version matches nothing (a stale form)."""
    raw = request.form.get("row_version")
    if raw is None:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 19 else set()


def _stale_form_message() -> str:
    return _(
        "Not saved: this assessment was changed (by someone else or in another tab) after"
        " you opened this page. What you typed is still here. Check it against the saved"
        " answers, then save again."
    )


def _context(assessment: Assessment) -> dict:
    """What every questionnaire page shows; `assessment` as the viewer may see it."""
    assessment = as_seen_by(current_user, assessment)
    bank = operations.bank_of(assessment)
    context = {
        "assessment": assessment,
        "row_version": assessment.row_version,
        "bank": bank,
        "lang": _lang(),
        "risk": scoring.compute(
            bank, assessment.answers, register_fields=assessment.register_fields
        ).as_dict(_lang()),
        "completeness": answer_rules.completeness(bank, assessment.answers),
        "can_edit": permissions.can_edit_assessment(current_user, operations.facts(assessment)),
        # Group outcomes: `outcomes` (the analysis) and `outcome_view` (bank 2's figures).
        **outcome_context(bank, assessment.answers),
    }
    context["progress"] = presentation.section_progress(bank, context["completeness"], _lang())
    return context


def _item_href(assessment_id: int | None, item: presentation.LinkedItem) -> str | None:
    """Where a reason, rule or finding links to: its question's section page and anchor;
    on the review page (which has no rows) the question on that page."""
    if item.anchor is None or item.section_id is None:
        return None
    if request.endpoint == "assessments.review_page":
        question = item.anchor if item.anchor.startswith("question-") else None
        data = item.data or {}
        return f"#question-{data.get('question')}" if question is None else f"#{question}"
    if assessment_id is None:
        return None
    return (
        url_for("assessments.section", assessment_id=assessment_id, section_id=item.section_id)
        + "#"
        + item.anchor
    )


@blueprint.app_template_global("risk_panel_view")
def risk_panel_view(bank, risk: dict, answers: dict, assessment_id: int | None) -> dict:
    """What the risk panel shows besides the level: whether a level can be told yet, what
    lifted it above its score band, and every reason, rule, finding and requirement with
    a link to the answer behind it. Defensive: bank 1 results lack the newer keys."""
    risk = risk if isinstance(risk, dict) else {}
    answers = answers if isinstance(answers, dict) else {}
    completeness = answer_rules.completeness(bank, answers)
    explanation = presentation.explain_level(risk, completeness)

    def linked(key: str, *, rules: bool = False) -> list[dict]:
        return [
            {
                "text": item.text,
                "href": _item_href(assessment_id, item),
                "data": item.data or {},
            }
            for item in presentation.linked_items(bank, risk.get(key), answers, rules=rules)
        ]

    return {
        "determinable": explanation.determinable,
        "lifted": explanation.lifted,
        "band_level": explanation.band_level,
        "lifting_rule": explanation.lifting_rule,
        "rules": linked("rules", rules=True),
        "reasons": linked("reasons"),
        "findings": linked("findings"),
        "requirements": linked("requirements"),
        "core_href": url_for("assessments.section", assessment_id=assessment_id, section_id="core")
        if assessment_id is not None and bank.section("core") is not None
        else None,
    }


def _register_anchor(name: str) -> str:
    """The id of a register field on the register page (its first option for choices)."""
    kinds = {spec.name: spec.kind for spec in forms.REGISTER_FORM_FIELDS}
    if name not in kinds:
        return ""
    return f"{name}-1" if kinds[name] in ("enum", "list") else f"f-{name}"


@blueprint.get("/toetsingen/<int:assessment_id>")
@internal_required(permissions.can_use_internal_side)
def overview(assessment_id: int):
    assessment = _load(assessment_id)
    context = _context(assessment)
    problems = operations.submission_problems(assessment) if context["can_edit"] else {}
    facts = operations.facts(assessment)
    algorithm = assessment.algorithm
    owner_ids = {assessment.owner_id}
    open_threads = queries.open_thread_count(db.session, assessment)
    versions = context["assessment"].versions if context["can_edit"] else []
    return render_template(
        "assessments/overview.html",
        problems=problems,
        missing=presentation.missing_by_section(
            context["bank"],
            problems,
            _lang(),
            _("row %(number)s"),
            _("The algorithm in the register"),
            field_label,
            _register_anchor,
            translate,
        ),
        change_requests=presentation.change_requests(
            context["bank"], versions[-1] if versions else None, _lang()
        )
        if assessment.status == workflow.CHANGES_REQUESTED
        else [],
        open_threads=open_threads,
        can_withdraw=permissions.can_withdraw_assessment(current_user, facts),
        can_reassess=permissions.can_reassess(current_user, facts),
        can_retire=algorithm is not None
        and algorithm.is_published
        and not algorithm.is_retired
        and permissions.can_retire_algorithm(current_user, owner_ids),
        **context,
    )


@blueprint.route("/toetsingen/<int:assessment_id>/algoritme", methods=["GET", "POST"])
@internal_required(permissions.can_use_internal_side)
def register_fields(assessment_id: int):
    assessment = _load(assessment_id)
    context = _context(assessment)
    values, errors = dict(context["assessment"].register_fields), {}
    status = 200
    if request.method == "POST":
        if not context["can_edit"]:
            abort(_refusal_status(assessment))
        typed = forms.register_fields_from_form(request.form)
        try:
            operations.update_register_fields(
                db.session,
                current_user,
                assessment,
                typed,
                organization=current_app.config["ORGANIZATION_NAME"],
                expected_version=_form_version(),
            )
        except operations.VersionConflictError:
            db.session.rollback()
            flash(_stale_form_message(), "error")
            status = 409
        except operations.StateConflictError:
            db.session.rollback()
            abort(409)
        except operations.AnswersInvalidError as failure:
            db.session.rollback()
            errors = translate_all(failure.fields)
            status = 422
        else:
            db.session.commit()
            flash(_("Saved."), "ok")
            return redirect(url_for("assessments.register_fields", assessment_id=assessment.id))
        # Not saved: the form shows what was typed, and the version stored now.
        values = {**assessment.register_fields, **typed}
        context = _context(assessment)
    return render_template(
        "assessments/register_fields.html",
        values=values,
        errors=errors,
        form_fields=forms.REGISTER_FORM_FIELDS,
        **context,
    ), status


@blueprint.get("/toetsingen/<int:assessment_id>/intrekken")
@internal_required(permissions.can_use_internal_side)
def withdraw_confirm(assessment_id: int):
    """Withdrawing is final: this page asks to confirm; its form posts to `withdraw`."""
    assessment = _load(assessment_id, permissions.can_withdraw_assessment)
    return render_template(
        "assessments/withdraw.html", assessment=as_seen_by(current_user, assessment)
    )


@blueprint.route("/toetsingen/<int:assessment_id>/<section_id>", methods=["GET", "POST"])
@internal_required(permissions.can_use_internal_side)
def section(assessment_id: int, section_id: str):
    assessment = _load(assessment_id)
    context = _context(assessment)
    bank = context["bank"]
    if bank.section(section_id) is None:
        abort(404)
    answers = dict(context["assessment"].answers)
    errors: dict[str, str] = {}
    extra_rows: dict[str, int] = {}
    new_row = request.args.get("regel", "")
    if new_row and new_row in bank.by_id and bank.by_id[new_row].section == section_id:
        extra_rows[new_row] = 1  # "save and add a row" sent the browser back here
    status = 200
    saved_count = 0  # answers stored by a save that kept others back
    if request.method == "POST":
        if not context["can_edit"]:
            abort(_refusal_status(assessment))
        # The page holds every question of the section (the script shows follow-ups at
        # once); what counts is what applies given the answers as typed.
        in_section = [q for q in bank.questions if q.section == section_id]
        typed_all = forms.answers_from_form(in_section, request.form)
        applies = shown_questions(bank.questions, {**answers, **typed_all})
        typed = {q.id: typed_all[q.id] for q in applies if q.section == section_id}
        action = request.form.get("action", "save")
        bad_action = False
        if action.startswith("remove-row:"):
            question_id, _sep, index = action.removeprefix("remove-row:").rpartition(":")
            rows = typed.get(question_id)
            if not (index.isascii() and index.isdigit() and len(index) < 4):
                bad_action = True
            elif isinstance(rows, list) and int(index) < len(rows):
                rows.pop(int(index))
            # A row past the end was empty: the form leaves empty rows out already.
        # Save what passes the checks; what does not stays on the page with its message.
        valid, errors = forms.split_valid(bank, typed)
        if bad_action:
            valid = {}
            errors["action"] = _("This row cannot be removed. Nothing was saved; try again.")
        try:
            changed = operations.update_answers(
                db.session, current_user, assessment, valid, expected_version=_form_version()
            )
        except operations.VersionConflictError:
            db.session.rollback()
            flash(_stale_form_message(), "error")
            answers = {**assessment.answers, **typed}  # keep what was typed on the form
            status = 409
        except operations.StateConflictError:
            db.session.rollback()
            abort(409)
        except operations.AnswersInvalidError as failure:
            db.session.rollback()
            errors = {**errors, **failure.fields}
            answers = {**assessment.answers, **typed}  # keep what was typed on the form
            status = 422
        else:
            db.session.commit()
            section_url = url_for(
                "assessments.section", assessment_id=assessment.id, section_id=section_id
            )
            if errors:
                # The valid answers are stored; the others are shown as typed.
                not_saved = presentation.split_errors(errors)
                answers = {
                    **assessment.answers,
                    # Nothing was saved after a refused action: every typed answer stays.
                    **{k: v for k, v in typed.items() if bad_action or k in not_saved},
                }
                status = 422
                saved_count = len(changed)
                if action.startswith("add-row:"):
                    extra_rows[action.removeprefix("add-row:")] = 1
            elif action.startswith("add-row:"):
                question_id = action.removeprefix("add-row:")
                saved_rows = assessment.answers.get(question_id)
                index = len(saved_rows) if isinstance(saved_rows, list) else 0
                return redirect(
                    url_for(
                        "assessments.section",
                        assessment_id=assessment.id,
                        section_id=section_id,
                        regel=question_id,
                    )
                    + "#"
                    + presentation.row_anchor(question_id, index)
                )
            elif action == "save-next":
                following = presentation.next_section_id(bank, section_id)
                if following is not None:
                    return redirect(
                        url_for(
                            "assessments.section",
                            assessment_id=assessment.id,
                            section_id=following,
                        )
                    )
                return redirect(url_for("assessments.overview", assessment_id=assessment.id))
            else:
                flash(_("Saved."), "ok")
                return redirect(section_url)
        context = _context(assessment)
    page = presentation.section_page(bank, section_id, answers)
    missing = answer_rules.missing_required(bank, answers)
    return render_template(
        "assessments/section.html",
        section=bank.section(section_id),
        questions=page.questions,
        shown_ids=page.shown_ids,
        visible_elsewhere=page.visible_elsewhere,
        answers=answers,
        errors=errors,
        error_links=presentation.error_summary(bank, errors, _lang(), _("row %(number)s")),
        saved_count=saved_count,
        stale=status == 409,
        extra_rows=extra_rows,
        incomplete_rows={key.split("]")[0] for key in missing if "[" in key},
        field_name=forms.field_name,
        field_id=presentation.field_id,
        row_anchor=presentation.row_anchor,
        **context,
    ), status


@blueprint.post("/toetsingen/<int:assessment_id>/indienen")
@internal_required(permissions.can_use_internal_side)
def submit(assessment_id: int):
    assessment = _load(assessment_id)
    if not permissions.can_submit_assessment(current_user, operations.facts(assessment)):
        abort(_refusal_status(assessment))
    try:
        operations.submit(db.session, current_user, assessment)
    except operations.StateConflictError:
        db.session.rollback()
        abort(409)  # submitted a moment ago (another tab, the API): once is enough
    except operations.AnswersInvalidError:
        db.session.rollback()
        flash(
            _("Not submitted yet: some required answers are missing. See the list below."), "error"
        )
        return redirect(url_for("assessments.overview", assessment_id=assessment.id))
    db.session.commit()
    flash(
        _("Submitted. The sounding board can now review this version; the answers are frozen."),
        "ok",
    )
    return redirect(url_for("assessments.overview", assessment_id=assessment.id))


@blueprint.app_template_global("bank_changes")
def bank_changes(assessment: Assessment, lang: str) -> list:
    """What changed in the question bank since the last submitted version (a re-assessment
    moved to a newer bank), per section, for the overview's panel; empty otherwise."""
    from assessments import bank_diff

    diff = bank_diff.changes_for(assessment)
    return bank_diff.summary(diff, lang) if diff else []
