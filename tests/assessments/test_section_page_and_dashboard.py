"""The rules the section page and the dashboard used to keep inside their views, now in
`assessments.presentation` and `assessments.queries`, on plain data and on the database."""

import datetime as dt

from assessments import presentation, queries
from assessments.models import Assessment
from portal.auth.models import User
from portal.extensions import db
from tests.assessments.small_bank import small_bank
from tests.assessments.test_review import LOW_RISK, decide, submitted


def test_a_section_lists_all_its_questions_and_shows_the_ones_that_apply():
    bank = small_bank()
    hidden = presentation.section_page(bank, "core", {"core.risk_profiling": "no"})
    assert [q.section for q in hidden.questions] == ["core"] * len(hidden.questions)
    assert "core.why" in {q.id for q in hidden.questions}  # on the page, for the script
    assert "core.why" not in hidden.shown_ids
    shown = presentation.section_page(bank, "core", {"core.risk_profiling": "unsure"})
    assert "core.why" in shown.shown_ids


def test_answers_elsewhere_are_passed_to_the_section_for_its_conditions():
    bank = small_bank()
    page = presentation.section_page(
        bank, "provenance", {"core.risk_profiling": "yes", "core.purpose": "Doel"}
    )
    assert page.visible_elsewhere == {"core.risk_profiling": "yes", "core.purpose": "Doel"}
    assert all(q.section == "provenance" for q in page.questions)


def test_the_next_section_and_none_after_the_last():
    bank = small_bank()
    assert presentation.next_section_id(bank, "core") == "provenance"
    assert presentation.next_section_id(bank, "provenance") is None


def test_the_dashboard_lists_overdue_approvals_for_owner_and_admin_only(api, board, users):
    assessment = submitted(api, LOW_RISK)
    decide(api, "reviewer", assessment["id"])
    stored = db.session.get(Assessment, assessment["id"])
    stored.reassessment_due = dt.date(2020, 1, 1)
    db.session.commit()
    today = dt.date(2026, 12, 1)

    def person(role):
        return db.session.get(User, users[role].id)

    owner = db.session.get(User, stored.owner_id)
    assert [a.id for a in queries.dashboard(db.session, owner, today).overdue] == [stored.id]
    assert [a.id for a in queries.dashboard(db.session, person("admin"), today).overdue] == [
        stored.id
    ]
    assert queries.dashboard(db.session, person("reviewer"), today).overdue == []
    assert queries.dashboard(db.session, owner, dt.date(2019, 12, 31)).overdue == []
