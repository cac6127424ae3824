"""The audit log's filters: which action, who, which kind of object, from and to which day.

`parse` reads the query string into `AuditFilters` and a message per field that is wrong
(the page answers 422 and names the field); `statement` turns valid filters into the query.
Days are days in Utrecht (Europe/Amsterdam); the log stores UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.audit import AuditEvent

LOCAL = ZoneInfo("Europe/Amsterdam")
SYSTEM = "system"  # the actor filter's value for events without a person
FIELDS = ("action", "actor", "object_type", "from", "to")
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor_id: int | None = None
    system_only: bool = False
    object_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def parse_day(text: str) -> dt.date | None:
    """'2025-03-31' (what a date field sends) or '31-3-2025' (typed by hand); None if it
    is not a day of the calendar (or lies outside the years 1900 to 9998)."""
    text = (text or "").strip()
    day = None
    try:
        if _ISO_DATE.fullmatch(text):
            day = dt.date.fromisoformat(text)
        elif match := _DUTCH_DATE.fullmatch(text):
            number, month, year = (int(part) for part in match.groups())
            day = dt.date(year, month, number)
    except ValueError:
        return None
    return day if day is not None and 1900 <= day.year <= 9998 else None


def raw_values(args) -> dict[str, str]:
    """The filter values as sent, bounded, for the form and the page links."""
    return {name: (args.get(name) or "").strip()[:60] for name in FIELDS}


def parse(
    raw: dict[str, str],
    *,
    actions: set[str],
    object_types: set[str],
    actor_ids: set[int],
) -> tuple[AuditFilters, dict[str, str]]:
    """Valid filters and, per field, what is wrong in words for the person filtering."""
    errors: dict[str, str] = {}
    action = raw.get("action", "")
    if action and action not in actions:
        errors["action"] = _("Choose an action from the list.")
    object_type = raw.get("object_type", "")
    if object_type and object_type not in object_types:
        errors["object_type"] = _("Choose a kind of object from the list.")
    actor, actor_id, system_only = raw.get("actor", ""), None, False
    if actor == SYSTEM:
        system_only = True
    elif actor:
        if actor.isascii() and actor.isdigit() and len(actor) < 12 and int(actor) in actor_ids:
            actor_id = int(actor)
        else:
            errors["actor"] = _("Choose a person from the list.")
    days = {}
    for name, label in (("from", _("From")), ("to", _("To"))):
        text = raw.get(name, "")
        days[name] = parse_day(text) if text else None
        if text and days[name] is None:
            errors[name] = _(
                "'%(field)s' is not a date. Enter a date like 31-12-2025.", field=label
            )
    if days["from"] and days["to"] and days["to"] < days["from"]:
        errors["to"] = _("'To' is before 'From'. Choose a later date, or the same day.")
    filters = AuditFilters(
        action=action if "action" not in errors else "",
        actor_id=actor_id,
        system_only=system_only,
        object_type=object_type if "object_type" not in errors else "",
        date_from=days["from"] if "from" not in errors else None,
        date_to=days["to"] if "to" not in errors else None,
    )
    return filters, errors


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight of `day` in Utrecht, in UTC."""
    return dt.datetime.combine(day, dt.time(), tzinfo=LOCAL).astimezone(dt.UTC)


def statement(filters: AuditFilters) -> Select:
    """The events that match, newest first."""
    query = select(AuditEvent)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    elif filters.system_only:
        query = query.where(AuditEvent.actor_id.is_(None))
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.date_from:
        query = query.where(AuditEvent.created_at >= start_of_day(filters.date_from))
    if filters.date_to:
        next_day = filters.date_to + dt.timedelta(days=1)
        query = query.where(AuditEvent.created_at < start_of_day(next_day))
    return query.order_by(AuditEvent.id.desc())
