"""History rows are immutable in the database itself, not only in the ORM: plain SQL from the
application's own connection cannot change or delete them (triggers, both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from assessments.models import Assessment, AssessmentVersion, Record, Review
from portal import audit
from portal.db import utcnow
from portal.extensions import db
from register import operations
from register.models import Algorithm, AlgorithmVersion
from tests.conftest import entry_data, wipe_database


def _refused(statement: str, **params) -> None:
    with pytest.raises(DBAPIError) as caught:
        db.session.execute(text(statement), params)
    db.session.rollback()
    assert "immutable" in str(caught.value)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def history(users):
    """A published entry with a draft after it, an audit event, a decided submitted version
    with a review and a stored record, and an undecided second version."""
    content = entry_data()
    algorithm = operations.create_algorithm(db.session, content)
    db.session.flush()
    published = operations.publish(db.session, algorithm, content, "eerste versie")
    draft = operations.save_draft(db.session, algorithm, {**content, "name": "Concept"})
    assessment = Assessment(
        owner=users["submitter"], bank_id="uthiek", bank_version=1, status="approved"
    )
    db.session.add(assessment)
    db.session.flush()

    def version(number: int, outcome: str | None) -> AssessmentVersion:
        return AssessmentVersion(
            assessment_id=assessment.id,
            number=number,
            bank_id="uthiek",
            bank_version=1,
            answers={"core.purpose": "Handhaven"},
            register_fields={"name": "Parkeervergunning"},
            risk={"level": 2},
            risk_level=2,
            submitted_by_id=users["submitter"].id,
            outcome=outcome,
            decided_at=utcnow() if outcome else None,
        )

    decided, open_version = version(1, "approved"), version(2, None)
    db.session.add_all([decided, open_version])
    db.session.flush()
    review = Review(version_id=decided.id, reviewer_id=users["reviewer"].id, decision="approve")
    record = Record(
        version_id=decided.id, algorithm_id=algorithm.id, kind="public", sha256="0" * 64, size=3
    )
    record.pdf = b"pdf"
    db.session.add_all([review, record])
    event = audit.record(db.session, users["admin"], "test.event", algorithm, "iets gebeurd")
    db.session.commit()
    return {
        "algorithm": algorithm.id,
        "published": published.id,
        "draft": draft.id,
        "decided": decided.id,
        "open": open_version.id,
        "review": review.id,
        "record": record.id,
        "event": event.id,
    }


def test_published_versions_refuse_update_and_delete(history):
    _refused(
        "UPDATE algorithm_versions SET summary = 'herschreven' WHERE id = :id",
        id=history["published"],
    )
    _refused(
        "UPDATE algorithm_versions SET state = 'draft' WHERE id = :id", id=history["published"]
    )
    _refused("DELETE FROM algorithm_versions WHERE id = :id", id=history["published"])
    _refused("DELETE FROM algorithm_versions")
    version = db.session.get(AlgorithmVersion, history["published"])
    assert version.summary == "eerste versie"
    assert version.state == "published"


def test_draft_versions_stay_editable(history):
    db.session.execute(
        text("UPDATE algorithm_versions SET summary = 'bijgewerkt' WHERE id = :id"),
        {"id": history["draft"]},
    )
    db.session.commit()
    assert db.session.get(AlgorithmVersion, history["draft"]).summary == "bijgewerkt"


def test_audit_log_refuses_update_and_delete(history):
    _refused(
        "UPDATE audit_events SET summary = 'niets gebeurd' WHERE id = :id", id=history["event"]
    )
    _refused("UPDATE audit_events SET actor_id = NULL")
    _refused("DELETE FROM audit_events WHERE id = :id", id=history["event"])
    assert db.session.get(audit.AuditEvent, history["event"]).summary == "iets gebeurd"


def test_stored_records_refuse_update_and_delete(history):
    _refused(
        "UPDATE assessment_records SET pdf = :pdf WHERE id = :id", pdf=b"fake", id=history["record"]
    )
    _refused("UPDATE assessment_records SET sha256 = 'f' WHERE id = :id", id=history["record"])
    _refused("DELETE FROM assessment_records")
    assert db.session.get(Record, history["record"]).pdf == b"pdf"


def test_submitted_versions_are_frozen_but_take_their_decision_once(history):
    _refused(
        "UPDATE assessment_versions SET answers = :a WHERE id = :id", a="{}", id=history["open"]
    )
    _refused("UPDATE assessment_versions SET risk_level = 1 WHERE id = :id", id=history["open"])
    _refused("DELETE FROM assessment_versions WHERE id = :id", id=history["open"])
    # A decided version keeps its decision.
    _refused(
        "UPDATE assessment_versions SET outcome = 'rejected' WHERE id = :id", id=history["decided"]
    )
    # The open version's decision is written once, as review.decide does.
    version = db.session.get(AssessmentVersion, history["open"])
    version.outcome, version.decided_at = "changes_requested", utcnow()
    db.session.commit()
    _refused(
        "UPDATE assessment_versions SET outcome = 'approved' WHERE id = :id", id=history["open"]
    )
    assert db.session.get(AssessmentVersion, history["open"]).outcome == "changes_requested"


def test_decided_reviews_refuse_update_and_delete(history):
    _refused("UPDATE reviews SET decision = 'reject' WHERE id = :id", id=history["review"])
    _refused("UPDATE reviews SET comment = 'later bedacht' WHERE id = :id", id=history["review"])
    _refused("DELETE FROM reviews WHERE id = :id", id=history["review"])
    assert db.session.get(Review, history["review"]).decision == "approve"


def test_postgresql_refuses_truncate_of_history(app, history):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    for table in ("audit_events", "algorithm_versions", "assessment_records", "reviews"):
        _refused(f"TRUNCATE {table} CASCADE")


def test_removing_a_version_from_its_entry_does_not_delete_it(history):
    algorithm = db.session.get(Algorithm, history["algorithm"])
    algorithm.versions.remove(algorithm.versions[-1])  # the draft: not deleted, only detached
    with pytest.raises(DBAPIError):
        # Without delete-orphan the ORM tries to detach the row; the column is required.
        db.session.flush()
    db.session.rollback()
    assert _count(AlgorithmVersion) == 2


def test_the_test_wipe_keeps_the_triggers(history):
    wipe_database()
    assert _count(AlgorithmVersion) == 0
    content = entry_data()
    algorithm = operations.create_algorithm(db.session, content)
    db.session.flush()
    version = operations.publish(db.session, algorithm, content)
    db.session.commit()
    _refused("DELETE FROM algorithm_versions WHERE id = :id", id=version.id)
