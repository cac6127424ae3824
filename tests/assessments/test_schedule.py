"""Re-assessment dates by risk level (pure)."""

import datetime as dt

import pytest

from assessments.schedule import add_months, is_overdue, reassessment_due

DECIDED = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("level", "due"),
    [
        (1, dt.date(2029, 11, 22)),
        (2, dt.date(2028, 11, 22)),
        (3, dt.date(2027, 11, 22)),
        (4, dt.date(2027, 5, 22)),
    ],
)
def test_interval_follows_the_level(level, due):
    assert reassessment_due(level, DECIDED) == due


def test_the_boards_earliest_date_wins():
    proposed = [None, dt.date(2027, 3, 1), dt.date(2027, 2, 1)]
    assert reassessment_due(1, DECIDED, proposed) == dt.date(2027, 2, 1)


def test_month_ends_are_kept_valid():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)


def test_overdue():
    assert is_overdue(dt.date(2026, 11, 21), DECIDED)
    assert not is_overdue(DECIDED, DECIDED)
    assert not is_overdue(None, DECIDED)
