"""The overview page for admins and the director (/intern/overzicht): counts per state,
time in review, quorum gaps, overdue conditions, re-assessments and suspensions. The rules
and queries live in `assessments.overview`; this view loads, checks and renders."""

from __future__ import annotations

from flask import render_template
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from assessments import charts, overview, permissions
from assessments.views import blueprint
from portal.auth.session import internal_required
from portal.db import utcnow
from portal.extensions import db
from register.labels import status_label

CAUSE_LABELS = {
    overview.CAUSE_MONITORING: _l("a monitoring report"),
    overview.CAUSE_CHANGE: _l("a declared change"),
    overview.CAUSE_SCHEDULE: _l("the schedule (its date was reached)"),
    overview.CAUSE_OWNER: _l("the owner, before its date"),
}


def _days(value) -> str:
    if value is None:
        return "\u2013"
    return ngettext(
        "%(days)s day", "%(days)s days", 1 if value == 1 else 2, days=format_decimal(value)
    )


@blueprint.get("/overzicht")
@internal_required(permissions.can_view_overview)
def process_overview():
    today = utcnow().date()
    figures = overview.build(db.session, current_user, today)
    rows = [(status_label(state), count) for state, count in figures.counts]
    chart = charts.count_chart(
        rows,
        title=_("Assessments per state"),
        description=_("The number of assessments in each state."),
        chart_id="state-counts",
    )
    return render_template(
        "assessments/process_overview.html",
        figures=figures,
        rows=rows,
        chart=chart,
        today=today,
        cause_labels=CAUSE_LABELS,
        days=_days,
    )
