"""When an approved assessment must be done again. Pure."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

# Months until re-assessment by risk level, unless the board sets a date.
REASSESSMENT_MONTHS = {1: 36, 2: 24, 3: 12, 4: 6}


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reassessment_due(
    level: int, decided_on: dt.date, proposed: Iterable[dt.date | None] = ()
) -> dt.date:
    """The board's earliest proposed date when it set one, else the level's interval."""
    dates = [d for d in proposed if d is not None]
    if dates:
        return min(dates)
    return add_months(decided_on, REASSESSMENT_MONTHS[level])


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    return due is not None and due < today
