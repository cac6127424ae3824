"""The overview for admins and the director (/intern/overzicht): counts per state, time in
review, quorum gaps, overdue conditions, open re-assessments and suspensions, scoped to a
director's departments."""

import datetime as dt
import re

import pytest

from assessments import obligations, overview
from assessments.aftercare import MonitoringReport
from assessments.models import Assessment, AssessmentVersion
from portal.auth import operations as accounts
from portal.db import utcnow
from portal.extensions import db
from register.aftercare import EntryChange, Suspension
from tests.conftest import PASSWORD

NOW = utcnow()
DAY = dt.timedelta(days=1)


# ---------------------------------------------------------------------------- pure rules


def test_counts_cover_every_state_in_the_workflow_order_with_zeros():
    counts = overview.state_counts(["approved", "draft", "approved", "in_review"])
    assert counts[0] == ("draft", 1)
    assert dict(counts) == {
        "draft": 1,
        "submitted": 0,
        "in_review": 1,
        "changes_requested": 0,
        "awaiting_decision": 0,
        "approved": 2,
        "rejected": 0,
        "withdrawn": 0,
    }


def test_time_in_review_is_the_median_and_the_longest_in_days():
    assert overview.durations([]) == overview.Durations(0, None, None)
    assert overview.durations([3, 1, 10]) == overview.Durations(3, 3.0, 10)
    assert overview.durations([2, 5]) == overview.Durations(2, 3.5, 5)
    start = dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    assert overview.days_between(start, dt.date(2026, 3, 11)) == 10
    assert overview.days_between(start, dt.date(2026, 2, 1)) == 0  # never negative


def test_the_quorum_gap_counts_the_members_still_needed():
    assert overview.board_gap(3, 1) == 2
    assert overview.board_gap(1, 1) == 0
    assert overview.board_gap(1, 2) == 0


def test_what_opened_a_reassessment():
    approved = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    report, change = approved + 10 * DAY, approved + 5 * DAY
    started = approved + 20 * DAY
    # The first reopening after the approval counts; those before it are of an earlier round.
    assert overview.reassessment_cause(approved, [report], [change], started, None) == (
        "change",
        change,
    )
    assert overview.reassessment_cause(approved, [report], [approved - DAY], started, None) == (
        "monitoring",
        report,
    )
    # No report or change: the schedule once its date was reached, else the owner's choice.
    due = started.date()
    assert overview.reassessment_cause(approved, [], [], started, due) == ("schedule", started)
    assert overview.reassessment_cause(approved, [], [], started, due + DAY) == (
        "owner",
        started,
    )
    assert overview.reassessment_cause(approved, [], [], None, None) == ("owner", None)


# ------------------------------------------------------------------------------ fixtures


def _assessment(owner, status, *, name, department="Mobiliteit", days_ago=4, level=2, **extra):
    assessment = Assessment(
        owner_id=owner.id,
        status=status,
        bank_id="uthiek",
        bank_version=2,
        register_fields={"name": name, "department": department},
        answers={},
        submitted_at=None if status == "draft" else NOW - days_ago * DAY,
        **extra,
    )
    db.session.add(assessment)
    db.session.flush()
    if status != "draft":
        db.session.add(
            AssessmentVersion(
                assessment_id=assessment.id,
                number=1,
                bank_id="uthiek",
                bank_version=2,
                answers={},
                register_fields=assessment.register_fields,
                risk={},
                risk_level=level,
                submitted_by_id=owner.id,
                submitted_at=NOW - days_ago * DAY,
            )
        )
    db.session.flush()
    return assessment


@pytest.fixture
def process(users, publish_entry):
    """Assessments in several states and two departments, a condition overdue, a
    re-assessment opened by monitoring, and a suspended algorithm."""
    owner = users["submitter"]
    accounts.create_user(
        db.session, None, "k2@utrecht.nl", "Kees Twee", {"reviewer"}, password=PASSWORD
    )
    entry = publish_entry(slug="slim-vegen", name="Slim vegen", department="Mobiliteit")
    social = publish_entry(slug="bijstand", name="Bijstand check", department="Sociaal Domein")
    made = {
        "draft": _assessment(owner, "draft", name="Nog een schets"),
        "waiting": _assessment(owner, "in_review", name="Parkeren", days_ago=10, level=2),
        "fresh": _assessment(owner, "submitted", name="Afval", days_ago=2, level=1),
        "social": _assessment(
            owner, "in_review", name="Bijstand", department="Sociaal Domein", days_ago=30
        ),
        "approved": _assessment(owner, "approved", name="Bomen", days_ago=40),
    }
    made["approved"].versions[0].outcome = "approved"
    made["approved"].versions[0].decided_at = NOW - 36 * DAY
    # Re-assessment: approved before, reopened by a monitoring report, a draft again.
    reopened = _assessment(owner, "draft", name="Slim vegen", algorithm_id=entry.id)
    db.session.add(
        AssessmentVersion(
            assessment_id=reopened.id,
            number=1,
            bank_id="uthiek",
            bank_version=2,
            answers={},
            register_fields={"name": "Slim vegen"},
            risk={},
            risk_level=1,
            submitted_by_id=owner.id,
            submitted_at=NOW - 100 * DAY,
            outcome="approved",
            decided_at=NOW - 90 * DAY,
        )
    )
    reopened.submitted_at = NOW - 100 * DAY
    db.session.add(
        MonitoringReport(
            algorithm_id=entry.id,
            assessment_id=reopened.id,
            version_number=1,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 3, 31),
            reopened=True,
            created_at=NOW - 3 * DAY,
        )
    )
    db.session.add(
        EntryChange(algorithm_id=social.id, kind="purpose", material=True, description="Nieuw doel")
    )
    made["reopened"] = reopened
    db.session.add(
        obligations.Condition(
            assessment_id=made["approved"].id,
            version_number=1,
            text="Herhaal de groepsanalyse",
            owner="Team Data",
            deadline=NOW.date() - 5 * DAY,
        )
    )
    db.session.add(
        obligations.Condition(
            assessment_id=made["social"].id,
            version_number=1,
            text="Vraag de cliëntenraad",
            deadline=NOW.date() - 2 * DAY,
        )
    )
    db.session.add(Suspension(algorithm_id=social.id, reason="Klachten over de uitkomst"))
    users["director"] = accounts.create_user(
        db.session, None, "dir@utrecht.nl", "Dirk Directeur", {"director"}, password=PASSWORD
    )
    users["mobility"] = accounts.create_user(
        db.session, None, "mob@utrecht.nl", "Mo Mobiel", {"director"}, password=PASSWORD
    )
    users["mobility"].departments = ["Mobiliteit"]
    db.session.commit()
    return made


def test_the_admin_sees_everything_in_numbers(process, users):
    figures = overview.build(db.session, users["admin"], NOW.date())
    assert dict(figures.counts)["in_review"] == 2
    assert dict(figures.counts)["draft"] == 2  # admins see drafts too
    assert figures.total == 6
    # Waiting: submitted 2 days ago, in review 10 and 30 days ago.
    assert figures.waiting == overview.Durations(3, 10.0, 30)
    # Decided: the approval took 4 days, the earlier approval of the re-assessment 10.
    assert figures.decided == overview.Durations(2, 7.0, 10)
    gaps = {g.assessment.title: g for g in figures.quorum_gaps}
    assert set(gaps) == {"Parkeren", "Afval", "Bijstand"}
    assert gaps["Parkeren"].board_missing == 2  # level 2: two of the board
    assert gaps["Afval"].board_missing == 1
    assert [c.text for c in figures.overdue_conditions] == [
        "Herhaal de groepsanalyse",
        "Vraag de cliëntenraad",
    ]
    assert [(r.assessment.title, r.cause) for r in figures.reassessments] == [
        ("Slim vegen", "monitoring")
    ]
    assert [s.algorithm.name for s in figures.suspended] == ["Bijstand check"]


def test_a_director_with_departments_sees_only_those(process, users):
    figures = overview.build(db.session, users["mobility"], NOW.date())
    titles = {g.assessment.title for g in figures.quorum_gaps}
    assert titles == {"Parkeren", "Afval"}
    assert dict(figures.counts)["in_review"] == 1
    assert dict(figures.counts)["draft"] == 1  # the re-assessment, submitted before
    assert [c.text for c in figures.overdue_conditions] == ["Herhaal de groepsanalyse"]
    assert figures.suspended == []  # the suspended algorithm is of Sociaal Domein
    assert figures.departments == ("Mobiliteit",)


def test_a_director_without_departments_sees_all_but_unsubmitted_drafts(process, users):
    figures = overview.build(db.session, users["director"], NOW.date())
    assert dict(figures.counts)["in_review"] == 2
    assert dict(figures.counts)["draft"] == 1  # "Nog een schets" was never submitted
    assert len(figures.suspended) == 1


# ---------------------------------------------------------------------------------- views


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_overview_page_for_the_admin(client, process, users, login_as):
    login_as(users["admin"])
    response = client.get("/intern/overzicht")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = _text(page)
    assert "Overzicht van de toetsingen" in text
    assert "<svg" in page
    assert 'role="img"' in page
    assert re.search(r"In beoordeling\s*</th>\s*<td[^>]*>2</td>", page)
    assert "nog 2 leden van de klankbordgroep moeten akkoord geven" in text
    waiting = process["waiting"].id
    assert f'href="/intern/toetsingen/{waiting}/beoordeling"' in page
    assert "Herhaal de groepsanalyse" in text
    assert "een monitoringsrapport" in text
    assert "Bijstand check" in text
    assert "Klachten over de uitkomst" in text
    # The dashboard and the menu link to it.
    dashboard = client.get("/intern/").get_data(as_text=True)
    assert dashboard.count('href="/intern/overzicht"') == 2


def test_the_overview_page_for_a_director_of_one_department(client, process, users, login_as):
    login_as(users["mobility"])
    page = client.get("/intern/overzicht").get_data(as_text=True)
    text = _text(page)
    assert "U ziet de algoritmes van uw afdeling: Mobiliteit." in text
    assert "Parkeren" in text
    assert "Bijstand" not in text
    assert 'href="/intern/overzicht"' in client.get("/intern/").get_data(as_text=True)


def test_the_overview_page_for_a_director_of_every_department(client, process, users, login_as):
    login_as(users["director"])
    text = _text(client.get("/intern/overzicht").get_data(as_text=True))
    assert "U ziet alle afdelingen." in text
    assert "Bijstand check" in text
    assert "Nog een schets" not in text


@pytest.mark.parametrize("role", ["reviewer", "submitter", "privacy_officer"])
def test_others_may_not_see_the_overview(client, process, users, login_as, role):
    login_as(users[role])
    assert client.get("/intern/overzicht").status_code == 403
    assert 'href="/intern/overzicht"' not in client.get("/intern/").get_data(as_text=True)
