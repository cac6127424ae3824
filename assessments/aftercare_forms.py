"""The forms of the monitoring page (`/intern/algoritmes/<slug>/nazorg`): Flask-WTF with
CSRF, one per action, each with its own prefix so they can share a page. They only read
what was typed; `assessments.aftercare` checks it (the same rules as the API)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from register.aftercare import MAX_PUBLIC_TEXT, MAX_TEXT

SEVERITY_CHOICES = [
    ("low", _l("Minor")),
    ("medium", _l("Serious")),
    ("high", _l("Very serious")),
]
KIND_CHOICES = [("incident", _l("Incident")), ("complaint", _l("Complaint"))]
CHANGE_CHOICES = [
    ("data_source", _l("New data source")),
    ("variable", _l("New variable")),
    ("retrained_model", _l("Retrained model")),
    ("purpose", _l("New purpose")),
    ("affected_group", _l("New group of people affected")),
    ("minor", _l("A minor change (none of the above)")),
]


class MonitoringForm(FlaskForm):
    period_start = DateField(_l("Period from"), validators=[InputRequired()])
    period_end = DateField(_l("Period until"), validators=[InputRequired()])
    group_outcomes = TextAreaField(
        _l("Group outcomes"),
        validators=[Optional(), Length(max=20000)],
        description=_l(
            "One group per line: table; group; number in scope; number selected; number "
            "with a hit (may be left out). For example: Wijk; Noord; 1000; 50; 20"
        ),
    )
    override_rate = DecimalField(
        _l("How often staff deviated from the outcome (percent)"),
        places=None,
        validators=[Optional(), NumberRange(0, 100)],
    )
    objections = IntegerField(
        _l("Number of objections"), default=0, validators=[Optional(), NumberRange(0)]
    )
    complaints = IntegerField(
        _l("Number of complaints"), default=0, validators=[Optional(), NumberRange(0)]
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=4000)])


class IncidentForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(v, label) for v, label in KIND_CHOICES],
        default="incident",
    )
    occurred_on = DateField(_l("Date"), validators=[InputRequired()])
    description = TextAreaField(
        _l("What happened"),
        validators=[DataRequired(), Length(max=MAX_TEXT)],
        description=_l("Internal. Do not write names, addresses or other personal data."),
    )
    people_affected = IntegerField(
        _l("Number of people affected"), default=0, validators=[InputRequired(), NumberRange(0)]
    )
    severity = SelectField(
        _l("Severity"), choices=[SelectChoice(v, label) for v, label in SEVERITY_CHOICES]
    )
    action_taken = TextAreaField(_l("Action taken"), validators=[Optional(), Length(max=MAX_TEXT)])


class CloseIncidentForm(FlaskForm):
    incident_id = HiddenField(validators=[DataRequired()])
    public_description = TextAreaField(
        _l("Short description for residents"),
        validators=[DataRequired(), Length(max=MAX_PUBLIC_TEXT)],
        description=_l("Shown on the public page. Numbers only, no personal data."),
    )
    action_taken = TextAreaField(_l("Action taken"), validators=[Optional(), Length(max=MAX_TEXT)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the decision"), validators=[DataRequired()])


class ChangeForm(FlaskForm):
    kind = SelectField(
        _l("What changed"), choices=[SelectChoice(v, label) for v, label in CHANGE_CHOICES]
    )
    description = StringField(
        _l("Describe the change"),
        validators=[DataRequired(), Length(max=MAX_PUBLIC_TEXT)],
        description=_l("Shown on the entry's public history."),
    )
    material = BooleanField(_l("This change is material: assess the algorithm again"))


def parse_group_lines(text: str) -> tuple[list[dict], list[int]]:
    """The textarea's lines -> rows in the bank's format, and the numbers (1-based) of the
    lines that could not be read."""
    rows, wrong = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(";")]
        if len(parts) not in (4, 5) or not all(p.isdigit() for p in parts[2:] if p):
            wrong.append(number)
            continue
        row = {"table": parts[0], "group": parts[1], "in_scope": int(parts[2] or -1)}
        row["selected"] = int(parts[3]) if parts[3] else -1
        if len(parts) == 5 and parts[4]:
            row["hits"] = int(parts[4])
        rows.append(row)
    return rows, wrong
