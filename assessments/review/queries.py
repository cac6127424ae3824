"""Read-only questions about a review: which version, what changed, where the quorum
stands, who still has to decide, the comment threads. Nothing here changes the session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessments import permissions, quorum, workflow
from assessments.models import Assessment, AssessmentVersion, Comment
from assessments.operations import facts
from portal.auth.models import User
from portal.auth.queries import people_with_role
from portal.auth.roles import PRIVACY_OFFICER, REVIEWER


def current_version(assessment: Assessment) -> AssessmentVersion | None:
    return assessment.versions[-1] if assessment.versions else None


def previous_version(assessment: Assessment, version: AssessmentVersion):
    earlier = [v for v in assessment.versions if v.number < version.number]
    return earlier[-1] if earlier else None


@dataclass
class QuorumState:
    requirement: quorum.Requirement
    outcome: quorum.Outcome
    board: list[User]
    privacy_officers: list[User]


def quorum_state(session: Session, assessment: Assessment, version: AssessmentVersion):
    """Who must decide on this version, and where the decisions stand."""
    rules = facts(assessment)
    authors = {rules.owner_id, *rules.editor_ids}
    board = [u for u in people_with_role(session, REVIEWER) if u.id not in authors]
    officers = [u for u in people_with_role(session, PRIVACY_OFFICER) if u.id not in authors]
    needed = quorum.requirement(
        version.risk_level, blocking=version.blocking, personal_data=version.personal_data
    )
    decisions = [
        quorum.Decision(r.reviewer_id, r.decision, r.as_board_member, r.as_privacy_officer)
        for r in version.reviews
    ]
    outcome = quorum.evaluate(
        needed,
        decisions,
        board_ids=[u.id for u in board],
        privacy_officer_ids=[u.id for u in officers],
    )
    return QuorumState(needed, outcome, board, officers)


def threads(session: Session, assessment: Assessment) -> dict[str, list[Comment]]:
    """Top-level comments per question id ('' for the assessment as a whole)."""
    grouped: dict[str, list[Comment]] = {}
    for comment in session.scalars(
        select(Comment)
        .where(Comment.assessment_id == assessment.id, Comment.parent_id.is_(None))
        .order_by(Comment.created_at, Comment.id)
    ):
        grouped.setdefault(comment.question_id, []).append(comment)
    return grouped


def diff_answers(old: dict, new: dict) -> dict[str, str]:
    """Per question id: 'added', 'removed' or 'changed' against the previous version."""
    changes = {}
    for key in set(old) | set(new):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if before in (None, "", []):
            changes[key] = "added"
        elif after in (None, "", []):
            changes[key] = "removed"
        else:
            changes[key] = "changed"
    return changes


def waiting_for(session: Session, user) -> list[Assessment]:
    """Assessments in review where `user` is eligible and has not decided on this version,
    and those waiting for `user`'s decision as their director."""
    candidates = session.scalars(
        select(Assessment)
        .where(Assessment.status.in_((*workflow.UNDER_REVIEW, workflow.AWAITING_DECISION)))
        .order_by(Assessment.submitted_at)
    )
    result = []
    for assessment in candidates:
        if assessment.status == workflow.AWAITING_DECISION:
            if permissions.can_decide_as_director(user, facts(assessment)):
                result.append(assessment)
            continue
        if not permissions.can_review_assessment(user, facts(assessment)):
            continue
        version = current_version(assessment)
        if version and not any(r.reviewer_id == user.id for r in version.reviews):
            result.append(assessment)
    return result


@dataclass(frozen=True)
class TriageRow:
    """One line of the review queue: what a board member needs to pick what to read first."""

    assessment: Assessment
    level: int
    version: int
    open_threads: int
    approvals: int
    needed: int
    days_waiting: int


def triage(session: Session, assessments: list[Assessment], today) -> list[TriageRow]:
    """Level, version, open threads, decisions so far against the quorum, days waiting."""
    if not assessments:
        return []
    open_counts = dict(
        session.execute(
            select(Comment.assessment_id, func.count())
            .where(
                Comment.assessment_id.in_([a.id for a in assessments]),
                Comment.parent_id.is_(None),
                Comment.resolved_at.is_(None),
            )
            .group_by(Comment.assessment_id)
        ).all()
    )
    rows = []
    for assessment in assessments:
        version = current_version(assessment)
        if version is None:
            continue
        outcome = quorum_state(session, assessment, version).outcome
        rows.append(
            TriageRow(
                assessment=assessment,
                level=version.risk_level,
                version=version.number,
                open_threads=open_counts.get(assessment.id, 0),
                approvals=outcome.board_approvals,
                needed=outcome.board_needed,
                days_waiting=max(0, (today - version.submitted_at.date()).days),
            )
        )
    return rows
