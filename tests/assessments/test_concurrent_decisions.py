"""Decisions arriving at the same moment: the database serialises them, so there is exactly
one outcome and one record. Runs on SQLite and, in CI, on PostgreSQL (row locks)."""

import threading

from assessments.models import Assessment, Record, Review
from portal import audit
from portal.extensions import db
from tests.assessments.test_review import LOW_RISK, PROFILING, decide, submitted


def at_once(app, calls):
    """Run each call in its own thread and app context, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        with app.app_context():
            barrier.wait()
            results[index] = call()
            db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def approvals(app, api, assessment_id, roles):
    """One approve call per role; tokens are issued before the race starts."""
    headers = {role: api(role).headers for role in roles}

    def approve(role):
        return lambda: app.test_client().post(
            f"/api/v1/assessments/{assessment_id}/reviews",
            json={"decision": "approve"},
            headers=headers[role],
        )

    return [approve(role) for role in roles]


def counts(action):
    return db.session.scalar(
        db.select(db.func.count())
        .select_from(audit.AuditEvent)
        .where(audit.AuditEvent.action == action)
    )


def test_two_members_approving_a_level_1_version_at_once(app, api, board):
    assessment = submitted(api, LOW_RISK)
    responses = at_once(app, approvals(app, api, assessment["id"], ["reviewer", "reviewer2"]))
    assert sorted(r.status_code for r in responses) == [201, 409]
    db.session.expire_all()
    assert db.session.get(Assessment, assessment["id"]).status == "approved"
    assert db.session.query(Review).count() == 1
    assert db.session.query(Record).count() == 2  # one public, one internal
    assert counts("assessment.approve") == 1
    assert counts("register.published") == 1


def test_last_two_members_of_a_full_board_at_once(app, api, board):
    assessment = submitted(api, PROFILING)
    assert decide(api, "reviewer", assessment["id"]).status_code == 201
    responses = at_once(app, approvals(app, api, assessment["id"], ["reviewer2", "reviewer3"]))
    assert [r.status_code for r in responses] == [201, 201]
    outcomes = sorted(r.json["outcome"]["state"] for r in responses)
    assert outcomes == ["approved", "pending"]  # exactly one of them completed the quorum
    db.session.expire_all()
    assert db.session.get(Assessment, assessment["id"]).status == "approved"
    assert db.session.query(Review).count() == 3
    assert db.session.query(Record).count() == 2
    assert counts("assessment.approve") == 1
