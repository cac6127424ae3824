"""The board's session form (`/intern/toetsingen/<id>/sessies/...`) and the sessions shown
on the review page and the owner's overview. Thin: the form reads what was typed,
`assessments.board_sessions` decides (the same rules as the API). Works without JavaScript:
"add a participant" is a submit button that records nothing."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from assessments import board_sessions, operations, permissions, review
from assessments.models import Assessment
from assessments.views import blueprint
from portal.auth.session import internal_required
from portal.extensions import db

ROLE_LABELS = {
    board_sessions.TEAM_MEMBER: _l("Team member"),
    board_sessions.INVITED_EXPERT: _l("Invited expert"),
    board_sessions.RESIDENT: _l("Resident"),
}
PROBLEMS = {
    "required": _l("Fill this in."),
    "date": _l("Give a date as YYYY-MM-DD."),
    "future": _l("Give the day the session was held: today or earlier."),
    "choice": _l("Choose one of the options."),
    "too_long": _l("This text is too long."),
    "unstorable": _l("This contains characters that cannot be stored. Type the text again."),
    "unknown_member": _l("Choose the sounding-board members from the list."),
    "rows": _l("Check this list."),
}
# Codes that say something else on one field than the general sentence.
FIELD_PROBLEMS = {
    ("members", "required"): _l("Tick at least one sounding-board member who took part."),
    ("name", "required"): _l("Give the name of this participant, or leave the row empty."),
    ("role", "required"): _l("Choose the role of this participant."),
}
PARTICIPANT_ROWS = 3


class ParticipantForm(Form):
    name = StringField(_l("Name"))
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("", _l("Choose a role")),
            *(SelectChoice(value, label) for value, label in ROLE_LABELS.items()),
        ],
        validate_choice=False,
    )


class BoardSessionForm(FlaskForm):
    held_on = StringField(
        _l("Date of the session"), description=_l("The day the board met the team.")
    )
    members = SelectMultipleField(
        _l("Sounding-board members who took part"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    participants = FieldList(
        FormField(ParticipantForm),
        label=_l("Others who took part"),
        min_entries=PARTICIPANT_ROWS,
        max_entries=board_sessions.MAX_PARTICIPANTS,
    )
    dilemmas = TextAreaField(
        _l("The dilemmas the team brought"),
        description=_l("What the team found hard to weigh, in its own words."),
    )
    notes = TextAreaField(_l("Notes"))
    what_changed = TextAreaField(
        _l("What changed as a result"),
        description=_l("In the assessment, the algorithm or the way it is used."),
    )


def _load(assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id) or abort(404)
    if not permissions.can_view_board_sessions(current_user, operations.facts(assessment)):
        abort(403)
    return assessment


def _authorized(assessment: Assessment) -> None:
    try:
        board_sessions.authorize(current_user, assessment)
    except review.ReviewError as refusal:
        abort(refusal.status)


def _form(assessment: Assessment, item=None) -> BoardSessionForm:
    form = BoardSessionForm(
        data=None
        if request.method == "POST" or item is None
        else {
            "held_on": item.held_on.isoformat(),
            "members": [str(i) for i in item.member_ids or []],
            "participants": list(item.participants or []),
            "dilemmas": item.dilemmas,
            "notes": item.notes,
            "what_changed": item.what_changed,
        }
    )
    people = [(p.id, p.name) for p in board_sessions.eligible_members(db.session, assessment)]
    known = {i for i, _name in people}
    if item is not None:  # a member named before keeps their place, also if gone since
        names = board_sessions.member_names(db.session, item.member_ids or [])
        people += [(i, names.get(i, "?")) for i in item.member_ids or [] if i not in known]
    form.members.choices = [SelectChoice(str(i), name) for i, name in people]
    if request.method == "GET" and item is None and current_user.id in known:
        form.members.data = [str(current_user.id)]
    while len(form.participants) < PARTICIPANT_ROWS:
        form.participants.append_entry()
    return form


def form_data(form: BoardSessionForm) -> tuple[dict, dict[int, int]]:
    """The form as the API's body, and for each participant sent the form row it came from
    (rows left empty are not sent)."""
    members = []
    for value in form.members.data or []:
        value = str(value)
        members.append(
            int(value) if value.isascii() and value.isdigit() and len(value) < 10 else -1
        )
    participants, rows = [], {}
    for index, row in enumerate(form.participants):
        name = row.form.data.get("name") or ""
        role = row.form.data.get("role") or ""
        if not name.strip() and not role:
            continue
        rows[len(participants)] = index
        participants.append({"name": name, "role": role})
    data = {
        "held_on": form.held_on.data or "",
        "members": members,
        "participants": participants,
        "dilemmas": form.dilemmas.data or "",
        "notes": form.notes.data or "",
        "what_changed": form.what_changed.data or "",
    }
    return data, rows


def _message(name: str, code: str) -> str:
    return str(FIELD_PROBLEMS.get((name, code)) or PROBLEMS.get(code) or _("Check this value."))


def _attach(form: BoardSessionForm, fields: dict[str, str], rows: dict[int, int]) -> None:
    """The operation's problem codes as Dutch (or English) sentences on the fields."""
    for key, code in fields.items():
        if key.startswith("participants["):
            index, _sep, name = key[len("participants[") :].partition("].")
            row = rows.get(int(index)) if index.isdigit() else None
            if row is not None and name in ("name", "role"):
                field = form.participants[row].form[name]
                field.errors = [*(field.errors or []), _message(name, code)]
                continue
            key = "participants"
        field = getattr(form, key, None) if key in board_sessions.FIELDS else None
        if field is None:
            form.form_errors.append(_message(key, code))
        elif key == "participants":
            form.form_errors.append(str(PROBLEMS["rows"]))
        else:
            field.errors = [*(field.errors or []), _message(key, code)]


def _page(assessment: Assessment, form: BoardSessionForm, item=None, status: int = 200):
    return render_template(
        "assessments/board_session_form.html",
        assessment=assessment,
        version=review.current_version(assessment),
        form=form,
        item=item,
        ROLE_LABELS=ROLE_LABELS,
    ), status


def _save(assessment: Assessment, form: BoardSessionForm, item=None):
    if "add-participant" in request.form:
        # One more empty row, nothing recorded.
        if len(form.participants) < board_sessions.MAX_PARTICIPANTS:
            form.participants.append_entry()
        return _page(assessment, form, item)
    if not form.validate_on_submit():
        return _page(assessment, form, item, 422)
    data, rows = form_data(form)
    try:
        if item is None:
            board_sessions.record(db.session, current_user, assessment, data)
        else:
            board_sessions.change(db.session, current_user, assessment, item, data)
    except review.ReviewInvalidError as failure:
        db.session.rollback()
        _attach(form, failure.fields, rows)
        return _page(assessment, form, item, 422)
    except review.ReviewError as failure:
        db.session.rollback()
        abort(failure.status)
    db.session.commit()
    flash(_("The session is saved."), "ok")
    return redirect(
        url_for("assessments.review_page", assessment_id=assessment.id) + "#board-sessions"
    )


@blueprint.route("/toetsingen/<int:assessment_id>/sessies/nieuw", methods=["GET", "POST"])
@internal_required(permissions.can_use_internal_side)
def new_board_session(assessment_id: int):
    assessment = _load(assessment_id)
    _authorized(assessment)
    return (
        _save(assessment, _form(assessment))
        if request.method == "POST"
        else _page(assessment, _form(assessment))
    )


@blueprint.route(
    "/toetsingen/<int:assessment_id>/sessies/<int:session_id>", methods=["GET", "POST"]
)
@internal_required(permissions.can_use_internal_side)
def edit_board_session(assessment_id: int, session_id: int):
    assessment = _load(assessment_id)
    item = board_sessions.find(db.session, assessment, session_id) or abort(404)
    _authorized(assessment)
    if item.version_id != review.current_version(assessment).id:
        abort(409)  # a session of an earlier version stays as it was
    form = _form(assessment, item)
    return (
        _save(assessment, form, item) if request.method == "POST" else _page(assessment, form, item)
    )


@blueprint.app_context_processor
def _board_sessions_helper():
    """`board_sessions_shown(assessment, version)` for the review page and the overview:
    their views stay as they are (other work changes them); the rules stay here."""

    def shown(assessment, version=None):
        rules = operations.facts(assessment)
        if not permissions.can_view_board_sessions(current_user, rules):
            return {"sessions": [], "names": {}, "can_record": False}
        items = (
            board_sessions.of_version(db.session, version)
            if version is not None
            else board_sessions.of_assessment(db.session, assessment.id)
        )
        current = review.current_version(assessment)
        return {
            "sessions": items,
            "names": board_sessions.member_names(
                db.session, sorted({i for item in items for i in item.member_ids or []})
            ),
            "can_record": permissions.can_record_board_session(current_user, rules)
            and (version is None or current is version),
            "current_version_id": current.id if current else None,
            "ROLE_LABELS": ROLE_LABELS,
        }

    return {"board_sessions_shown": shown}
