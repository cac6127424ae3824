"""Notifications: sent after commit (logged when no mail server is configured), never on
rollback."""

import logging

from portal import mail
from portal.extensions import db


def test_queued_mail_is_logged_after_commit_and_dropped_on_rollback(app, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")
    with app.app_context():
        mail.queue(db.session, ["a@utrecht.nl"], "Teruggedraaid", "x")
        db.session.rollback()
        assert "Teruggedraaid" not in caplog.text
        mail.queue(db.session, ["b@utrecht.nl", "b@utrecht.nl", ""], "Verstuurd", "y")
        db.session.commit()
    sent = [r for r in caplog.records if getattr(r, "subject", "") == "Verstuurd"]
    assert len(sent) == 1
    assert sent[0].to == ["b@utrecht.nl"]
    assert not [r for r in caplog.records if getattr(r, "subject", "") == "Teruggedraaid"]


def test_submitting_tells_the_board_and_deciding_tells_the_owner(api, board, caplog):
    from tests.assessments.test_review import LOW_RISK, decide, submitted

    caplog.set_level(logging.INFO, logger="portal.mail")
    assessment = submitted(api, LOW_RISK)
    to_board = [r for r in caplog.records if "ter beoordeling" in getattr(r, "subject", "")]
    assert len(to_board) == 1
    assert set(to_board[0].to) == {
        "klankbord@utrecht.nl",
        "reviewer2@utrecht.example",
        "reviewer3@utrecht.example",
    }
    decide(api, "reviewer", assessment["id"])
    to_owner = [r for r in caplog.records if "goedgekeurd" in getattr(r, "subject", "")]
    assert [r.to for r in to_owner] == [["data@utrecht.nl"]]
    assert f"/intern/toetsingen/{assessment['id']}" in to_owner[0].body
    # Both languages, from the catalogue: Dutch first, then English.
    assert "assessment to review" in to_board[0].subject
    assert "wacht op uw beoordeling" in to_board[0].body
    assert "waits for your review" in to_board[0].body
    assert "/ approved" in to_owner[0].subject
    body = to_owner[0].body
    assert body.index(" is goedgekeurd.") < body.index(" was approved.")


def _subjects(caplog) -> list[str]:
    return [r.subject for r in caplog.records if getattr(r, "subject", "")]


def test_a_rolled_back_savepoint_drops_only_its_own_mail(app, caplog):
    """A refused row of an import rolls back its savepoint: the mail of the rows stored
    before it, in the same transaction, must still go out."""
    caplog.set_level(logging.INFO, logger="portal.mail")
    with app.app_context():
        mail.queue(db.session, ["a@utrecht.nl"], "Voor het savepoint", "x")
        savepoint = db.session.begin_nested()
        mail.queue(db.session, ["b@utrecht.nl"], "In het savepoint", "y")
        savepoint.rollback()
        kept = db.session.begin_nested()
        mail.queue(db.session, ["c@utrecht.nl"], "In een bewaard savepoint", "z")
        kept.commit()
        db.session.commit()
    assert _subjects(caplog) == ["Voor het savepoint", "In een bewaard savepoint"]


def test_rolling_back_the_transaction_drops_the_mail_of_its_released_savepoints(app, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")
    with app.app_context():
        savepoint = db.session.begin_nested()
        mail.queue(db.session, ["a@utrecht.nl"], "Weg", "x")
        savepoint.commit()
        db.session.rollback()
        db.session.commit()
    assert _subjects(caplog) == []
