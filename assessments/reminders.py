"""`flask --app wsgi reminders send`: the daily run for the board's conditions (a timer).

Before a deadline (REMIND_DAYS_BEFORE days) the owner hears it once; on the day after the
deadline the condition becomes overdue, the register entry shows it, and the owner, the
member who set it and the responsible directors hear it once. Idempotent: the stamps on the
condition say which reminder went out, so a second run the same day (or any later day)
sends nothing new. Mail goes out after the commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import advice, obligations
from assessments.notifications import _dutch_and_english
from assessments.operations import facts
from portal import mail
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.problems import N_
from portal.urls import absolute_path


@dataclass
class Sent:
    before: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)


def _authors(session: Session, assessment) -> list[User]:
    ids = {assessment.owner_id, *(assessment.editor_ids or ())}
    return [u for u in (session.get(User, i) for i in sorted(ids)) if u is not None and u.active]


def send(session: Session, today: dt.date) -> Sent:
    """Queue the reminders due `today` and mark them sent; the caller commits."""
    sent = Sent()
    candidates = session.scalars(
        select(obligations.Condition)
        .where(
            obligations.Condition.status.not_in(obligations.CLOSED),
            obligations.Condition.deadline.is_not(None),
        )
        .order_by(obligations.Condition.id)
    )
    changed = set()
    for condition in candidates:
        due = obligations.reminder_due(
            condition.status,
            condition.deadline,
            today,
            condition.reminded_before_on,
            condition.reminded_overdue_on,
        )
        if due is None:
            continue
        assessment = condition.assessment
        people = _authors(session, assessment)
        link = absolute_path(
            f"/intern/toetsingen/{assessment.id}/voorwaarden#condition-{condition.id}"
        )
        if due == "before":
            condition.reminded_before_on = today
            subject = N_("condition due soon")
            body = N_(
                "The condition '%(text)s' of '%(title)s' is due on %(date)s. Report your evidence."
            )
            sent.before.append(condition.id)
        else:
            condition.reminded_overdue_on = today
            condition.status = obligations.OVERDUE
            obligations._event(session, condition, None, "overdue")
            changed.add(assessment)
            setter = session.get(User, condition.set_by_id) if condition.set_by_id else None
            if setter is not None and setter.active:
                people.append(setter)
            people += advice.directors_for(session, facts(assessment).department)
            subject = N_("condition overdue")
            body = N_(
                "The condition '%(text)s' of '%(title)s' was due on %(date)s and is overdue. "
                "No new version can be approved until it is met or waived."
            )
            sent.overdue.append(condition.id)
        subject_nl, subject_en = _dutch_and_english(subject)
        params = {
            "text": condition.text,
            "title": assessment.title,
            "date": condition.deadline.isoformat(),
        }
        body_nl, body_en = _dutch_and_english(body, **params)
        mail.queue(
            session,
            [p.email for p in people],
            f"Uthiek: {subject_nl} / {subject_en}: {assessment.title}",
            f"{body_nl}\n{body_en}\n\n{link}\n",
        )
    for assessment in changed:
        obligations.sync_register(session, assessment, today)
    session.flush()
    return sent


reminders_cli = click.Group("reminders", help="Reminders about the board's conditions.")


@reminders_cli.command("send")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="For testing: the day.")
@with_appcontext
def send_command(today) -> None:
    """Send the reminders due today (for a daily timer; running twice sends nothing twice)."""
    day = today.date() if today else utcnow().date()
    sent = send(db.session, day)
    db.session.commit()
    click.echo(f"{len(sent.before)} before the deadline, {len(sent.overdue)} overdue")
