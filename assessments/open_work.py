"""A person's open work on assessments, for the page that confirms deactivating them
(registered with `portal.auth.open_work` at app creation): the versions in review they may
decide on and have not, the board's advice waiting for them as director, and open
conditions they carry out (of their own assessments, or named as owner) or set and accept."""

from __future__ import annotations

from flask import Flask, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from assessments import obligations, workflow
from assessments.models import Assessment
from assessments.review.queries import current_version, waiting_for
from portal.auth import open_work
from portal.db import utcnow


def init_app(app: Flask) -> None:
    open_work.register(app, open_work_of)


def open_work_of(session: Session, user) -> list[open_work.OpenItem]:
    items = []
    for assessment in waiting_for(session, user):
        version = current_version(assessment)
        number = version.number if version else assessment.version
        if assessment.status == workflow.AWAITING_DECISION:
            items.append(
                open_work.OpenItem(
                    _("Decisions as director"),
                    _("%(title)s, version %(number)s", title=assessment.title, number=number),
                    url_for("assessments.advice_page", assessment_id=assessment.id),
                )
            )
        else:
            items.append(
                open_work.OpenItem(
                    _("Reviews to decide"),
                    _("%(title)s, version %(number)s", title=assessment.title, number=number),
                    url_for("assessments.review_page", assessment_id=assessment.id),
                )
            )
    names = {n.strip().lower() for n in (user.name, user.email) if n and n.strip()}
    today = utcnow().date()
    conditions = session.scalars(
        select(obligations.Condition)
        .join(Assessment, Assessment.id == obligations.Condition.assessment_id)
        .where(
            obligations.Condition.status.not_in(obligations.CLOSED),
            or_(
                Assessment.owner_id == user.id,
                obligations.Condition.set_by_id == user.id,
                func.lower(obligations.Condition.owner).in_(names or {""}),
            ),
        )
        .order_by(obligations.Condition.deadline, obligations.Condition.id)
    )
    for condition in conditions:
        title, text = condition.assessment.title, condition.text
        if condition.deadline is None:
            words = _("%(title)s: %(text)s", title=title, text=text)
        elif condition.status_on(today) == obligations.OVERDUE:
            words = _(
                "%(title)s: %(text)s (overdue since %(date)s)",
                title=title,
                text=text,
                date=format_date(condition.deadline),
            )
        else:
            words = _(
                "%(title)s: %(text)s (due %(date)s)",
                title=title,
                text=text,
                date=format_date(condition.deadline),
            )
        items.append(
            open_work.OpenItem(
                _("Open conditions"),
                words,
                url_for("assessments.conditions_page", assessment_id=condition.assessment_id)
                + f"#condition-{condition.id}",
            )
        )
    return items
