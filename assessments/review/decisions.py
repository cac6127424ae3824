"""A reviewer's decision and the quorum's outcome; withdrawing and re-assessing. Each takes
the assessment's row lock first (concurrent decisions are serialised by the database and
give exactly one outcome), changes the session and audits; the caller commits."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessments import advice, notifications, operations, permissions, quorum, workflow
from assessments.bank import get_bank
from assessments.models import Assessment, Review
from assessments.operations import facts
from assessments.review.drafts import DECISION as DRAFT_DECISION
from assessments.review.drafts import discard as discard_draft
from assessments.review.errors import (
    ReviewConflictError,
    ReviewForbiddenError,
    ReviewInvalidError,
)
from assessments.review.outcome import apply_outcome
from assessments.review.queries import current_version, quorum_state
from assessments.review.transitions import lock, transition
from assessments.review.validation import clean_review
from portal import audit
from portal.auth.roles import PRIVACY_OFFICER, REVIEWER
from portal.db import utcnow


def decide(session: Session, actor, assessment: Assessment, data: dict) -> quorum.Outcome:
    """Record `actor`'s decision on the current version and apply the quorum's outcome."""
    lock(session, assessment)
    rules = facts(assessment)
    if not permissions.allowed_in_state(
        permissions.can_review_assessment, actor, rules, workflow.SUBMITTED
    ):
        raise ReviewForbiddenError(
            "Only sounding-board members and privacy officers decide, and never on an "
            "assessment they own or edited."
        )
    if assessment.status not in workflow.UNDER_REVIEW:
        raise ReviewConflictError(f"The assessment is {assessment.status}; it is not in review.")
    version = current_version(assessment)
    if any(r.reviewer_id == actor.id for r in version.reviews):
        raise ReviewConflictError("You have already decided on this version.")
    bank = get_bank(version.bank_id, version.bank_version)
    clean, errors = clean_review(data, [s.id for s in bank.sections])
    if errors:
        raise ReviewInvalidError("The review is not complete.", errors)

    review = Review(
        version_id=version.id,
        reviewer_id=actor.id,
        as_board_member=REVIEWER in actor.roles,
        as_privacy_officer=PRIVACY_OFFICER in actor.roles,
        **clean,
    )
    session.add(review)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ReviewConflictError("You have already decided on this version.") from None
    version.reviews.append(review)
    discard_draft(session, actor, version, DRAFT_DECISION)  # the decision is cast
    audit.record(
        session,
        actor,
        "review.decided",
        assessment,
        f"assessment {assessment.id} version {version.number}: {clean['decision']}",
        details={"version": version.number, "decision": clean["decision"]},
    )

    state = quorum_state(session, assessment, version)
    outcome = state.outcome
    if outcome.state == quorum.PENDING:
        if assessment.status == workflow.SUBMITTED:
            transition(session, actor, assessment, workflow.START_REVIEW)
        return outcome

    if outcome.state == quorum.OUTCOME_CHANGES_REQUESTED:
        transition(session, actor, assessment, workflow.REQUEST_CHANGES)
        now = utcnow()
        version.outcome = outcome.state
        version.decided_at = now
        assessment.decided_at = now
        notifications.notify_owner(session, assessment, outcome.state)
    elif advice.director_required(session, assessment):
        # The quorum's outcome is the board's advice; the director decides on it.
        transition(session, actor, assessment, workflow.ADVISE)
        advice.notify_directors(session, assessment)
    else:
        apply_outcome(session, actor, assessment, version, outcome.state)
    return outcome


def withdraw(session: Session, actor, assessment: Assessment) -> None:
    lock(session, assessment)  # not in the middle of a save, a submit or a decision
    if not permissions.can_withdraw_assessment(actor, facts(assessment)):
        raise ReviewForbiddenError("You cannot withdraw this assessment.")
    transition(session, actor, assessment, workflow.WITHDRAW)


def reassess(session: Session, actor, assessment: Assessment) -> None:
    """A new round on an approved assessment: a draft again, answers kept, next version."""
    lock(session, assessment)
    if not permissions.can_reassess(actor, facts(assessment)):
        raise ReviewForbiddenError("You cannot start a re-assessment of this assessment.")
    if assessment.publication_pending:
        raise ReviewConflictError("The record of the approved version is not stored yet.")
    transition(session, actor, assessment, workflow.REASSESS)
    # The new round is answered on the newest bank; the overview shows what changed.
    operations.move_to_current_bank(session, actor, assessment)
