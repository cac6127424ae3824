"""HTML forms of the accounts side (WTForms, CSRF on)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.auth.roles import ADMIN, DIRECTOR, PRIVACY_OFFICER, REVIEWER, SUBMITTER

ROLE_LABELS = {
    SUBMITTER: _l("Submitter (data scientist, algorithm owner)"),
    REVIEWER: _l("Reviewer (Uthiek sounding board)"),
    PRIVACY_OFFICER: _l("Privacy officer"),
    ADMIN: _l("Administrator (register coordinator)"),
    DIRECTOR: _l("Director (accountable for the algorithms of a department)"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        description=_l("At least 12 characters. A sentence of unrelated words works well."),
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two passwords are not the same.")),
        ],
    )


class SetPasswordForm(FlaskForm):
    new_password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired()],
        description=_l("At least 12 characters. A sentence of unrelated words works well."),
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two passwords are not the same.")),
        ],
    )


class InviteUserForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )


class EditUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(
        _l("Roles"),
        choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )
    active = BooleanField(_l("Account is active"))


class TokenForm(FlaskForm):
    name = StringField(
        _l("What is this token for?"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("For example: the name of the script that uses it."),
    )


class ConfirmForm(FlaskForm):
    """A POST button with nothing but its CSRF token (log out, revoke)."""
