"""Review and sign-off: frozen versions, comment threads, decisions and the quorum's outcome.

Each function changes the session and audits; the caller commits. `decide` takes the
assessment's row lock first, so concurrent decisions are serialised by the database and give
exactly one outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessments import answers as answer_rules
from assessments import operations, permissions, quorum, schedule, workflow
from assessments.bank import get_bank
from assessments.models import Assessment, AssessmentVersion, Comment, Review
from assessments.operations import facts
from portal import audit, mail
from portal.auth.models import User, UserRole
from portal.auth.roles import PRIVACY_OFFICER, REVIEWER
from portal.db import utcnow
from portal.urls import absolute_path

SECTION_ADVICE = ("agree", "agree_with_conditions", "disagree")
MAX_TEXT = 20_000
MAX_CONDITIONS = 30


class ReviewError(Exception):
    status = 400

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = fields or {}


class ReviewForbiddenError(ReviewError):
    status = 403


class ReviewConflictError(ReviewError):
    status = 409


class ReviewInvalidError(ReviewError):
    status = 422


def transition(session: Session, actor, assessment: Assessment, action: str) -> None:
    before = assessment.status
    assessment.status = workflow.next_state(before, action)
    operations.touch(assessment)
    audit.record(
        session,
        actor,
        f"assessment.{action}",
        assessment,
        f"assessment {assessment.id} version {assessment.version}: {before} -> {assessment.status}",
        details={"from": before, "to": assessment.status, "version": assessment.version},
    )


def current_version(assessment: Assessment) -> AssessmentVersion | None:
    return assessment.versions[-1] if assessment.versions else None


def previous_version(assessment: Assessment, version: AssessmentVersion):
    earlier = [v for v in assessment.versions if v.number < version.number]
    return earlier[-1] if earlier else None


def _people_with_role(session: Session, role: str) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.name)
        )
    )


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
    board = [u for u in _people_with_role(session, REVIEWER) if u.id not in authors]
    officers = [u for u in _people_with_role(session, PRIVACY_OFFICER) if u.id not in authors]
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


def lock(session: Session, assessment: Assessment) -> None:
    """Take the assessment's row lock (the same one edits and submitting take) before
    reading the state a decision depends on; a concurrent decider waits here and then sees
    ours."""
    operations.lock(session, assessment)
    for version in assessment.versions:
        session.expire(version, ["reviews"])


def _clean_text(value, name: str, errors: dict, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[name] = "text"
        return ""
    if answer_rules.unstorable_text(value):
        errors[name] = "unstorable"
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = "required"
    elif len(value) > MAX_TEXT:
        errors[name] = "too_long"
    return value


def _clean_date(value, name: str, errors: dict) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[name] = "date"
        return None


def clean_review(data: dict, section_ids: list[str]) -> tuple[dict, dict[str, str]]:
    """A reviewer's input as typed (web form or API) → clean values and per-field problems.
    Problem codes are stable keys; views turn them into sentences."""
    errors: dict[str, str] = {}
    decision = data.get("decision")
    if decision not in quorum.DECISIONS:
        errors["decision"] = "choice"
    clean = {
        "decision": decision,
        "comment": _clean_text(
            data.get("comment"),
            "comment",
            errors,
            required=decision in (quorum.CHANGES_REQUESTED, quorum.REJECT),
        ),
        "remaining_risks": _clean_text(data.get("remaining_risks"), "remaining_risks", errors),
        "risk_accepted_by": _clean_text(data.get("risk_accepted_by"), "risk_accepted_by", errors),
        "proposed_reassessment": _clean_date(
            data.get("proposed_reassessment"), "proposed_reassessment", errors
        ),
    }
    if len(clean["risk_accepted_by"]) > 200:
        errors["risk_accepted_by"] = "too_long"
    if clean["proposed_reassessment"] and clean["proposed_reassessment"] <= utcnow().date():
        errors["proposed_reassessment"] = "future"

    advice = {}
    raw_advice = data.get("section_advice") or {}
    if not isinstance(raw_advice, dict):
        errors["section_advice"] = "object"
        raw_advice = {}
    for section_id, item in raw_advice.items():
        if section_id not in section_ids or not isinstance(item, dict):
            errors[f"section_advice.{section_id}"[:120]] = "unknown"
            continue
        choice = item.get("advice") or ""
        motivation = _clean_text(
            item.get("motivation"), f"section_advice.{section_id}.motivation", errors
        )
        if not choice and not motivation:
            continue
        if choice not in SECTION_ADVICE:
            errors[f"section_advice.{section_id}.advice"] = "choice"
        elif choice != "agree" and not motivation:
            errors[f"section_advice.{section_id}.motivation"] = "required"
        advice[section_id] = {"advice": choice, "motivation": motivation}
    clean["section_advice"] = advice

    conditions = []
    raw_conditions = data.get("conditions") or []
    if not isinstance(raw_conditions, list) or len(raw_conditions) > MAX_CONDITIONS:
        errors["conditions"] = "list"
        raw_conditions = []
    for index, item in enumerate(raw_conditions):
        path = f"conditions[{index}]"
        if not isinstance(item, dict):
            errors[path] = "object"
            continue
        text = _clean_text(item.get("text"), f"{path}.text", errors)
        owner = _clean_text(item.get("owner"), f"{path}.owner", errors)
        deadline = _clean_date(item.get("deadline"), f"{path}.deadline", errors)
        if not (text or owner or deadline):
            continue
        for name, value in (("text", text), ("owner", owner), ("deadline", deadline)):
            if not value and f"{path}.{name}" not in errors:
                errors[f"{path}.{name}"] = "required"
        conditions.append(
            {"text": text, "owner": owner, "deadline": deadline.isoformat() if deadline else ""}
        )
    if decision == quorum.APPROVE_WITH_CONDITIONS and not conditions:
        errors.setdefault("conditions", "required")
    clean["conditions"] = conditions
    return clean, errors


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

    action = {
        quorum.OUTCOME_APPROVED: workflow.APPROVE,
        quorum.OUTCOME_REJECTED: workflow.REJECT,
        quorum.OUTCOME_CHANGES_REQUESTED: workflow.REQUEST_CHANGES,
    }[outcome.state]
    transition(session, actor, assessment, action)
    now = utcnow()
    version.outcome = outcome.state
    version.decided_at = now
    assessment.decided_at = now
    if outcome.state == quorum.OUTCOME_APPROVED:
        # The record is rendered after this commits; publication waits for it.
        assessment.publication_pending = True
        assessment.reassessment_due = schedule.reassessment_due(
            version.risk_level,
            now.date(),
            [r.proposed_reassessment for r in version.reviews if r.decision in quorum.APPROVALS],
        )
    _notify_owner(session, assessment, outcome.state)
    return outcome


def add_comment(
    session: Session, actor, assessment: Assessment, question_id: str, body: str, parent_id=None
) -> Comment:
    lock(session, assessment)  # it may start the review: a transition
    if not permissions.can_comment_on_assessment(actor, facts(assessment)):
        raise ReviewForbiddenError("You cannot comment on this assessment now.")
    errors: dict[str, str] = {}
    body = _clean_text(body, "body", errors, required=True)
    bank = get_bank(assessment.bank_id, assessment.bank_version)
    if question_id and question_id not in bank.by_id:
        errors["question_id"] = "unknown"
    parent = None
    if parent_id:
        parent = session.get(Comment, parent_id)
        if parent is None or parent.assessment_id != assessment.id or parent.parent_id:
            errors["parent_id"] = "unknown"
        else:
            question_id = parent.question_id
    if errors:
        raise ReviewInvalidError("The comment is not valid.", errors)
    comment = Comment(
        assessment_id=assessment.id,
        version_number=assessment.version,
        question_id=question_id or "",
        parent_id=parent.id if parent else None,
        author_id=actor.id,
        body=body,
    )
    session.add(comment)
    session.flush()
    if assessment.status == workflow.SUBMITTED and actor.id != assessment.owner_id:
        transition(session, actor, assessment, workflow.START_REVIEW)
    audit.record(
        session,
        actor,
        "comment.added",
        assessment,
        f"assessment {assessment.id}: comment on {question_id or 'the assessment'}",
        details={"comment": comment.id, "question": question_id},
    )
    return comment


def resolve_comment(session: Session, actor, assessment: Assessment, comment: Comment) -> None:
    if not permissions.can_comment_on_assessment(actor, facts(assessment)):
        raise ReviewForbiddenError("You cannot change comments on this assessment now.")
    if comment.resolved_at is not None:
        raise ReviewConflictError("This thread is already resolved.")
    comment.resolved_at = utcnow()
    comment.resolved_by_id = actor.id
    audit.record(
        session,
        actor,
        "comment.resolved",
        assessment,
        f"assessment {assessment.id}: thread {comment.id} resolved",
        details={"comment": comment.id},
    )


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
    """Assessments in review where `user` is eligible and has not decided on this version."""
    candidates = session.scalars(
        select(Assessment)
        .where(Assessment.status.in_(workflow.UNDER_REVIEW))
        .order_by(Assessment.submitted_at)
    )
    result = []
    for assessment in candidates:
        if not permissions.can_review_assessment(user, facts(assessment)):
            continue
        version = current_version(assessment)
        if version and not any(r.reviewer_id == user.id for r in version.reviews):
            result.append(assessment)
    return result


def _link(path: str) -> str:
    return absolute_path(path)


def notify_board(session: Session, assessment: Assessment) -> None:
    version = current_version(assessment)
    people = _people_with_role(session, REVIEWER)
    if version is not None and version.personal_data:
        people += _people_with_role(session, PRIVACY_OFFICER)
    authors = {assessment.owner_id, *(assessment.editor_ids or ())}
    link = _link(f"/intern/toetsingen/{assessment.id}/beoordeling")
    mail.queue(
        session,
        [p.email for p in people if p.id not in authors],
        f"Uthiek: toetsing ter beoordeling / assessment to review: {assessment.title}",
        f"Versie {assessment.version} van '{assessment.title}' wacht op uw beoordeling.\n"
        f"Version {assessment.version} of '{assessment.title}' waits for your review.\n\n{link}\n",
    )


def _notify_owner(session: Session, assessment: Assessment, outcome: str) -> None:
    labels = {
        quorum.OUTCOME_APPROVED: ("goedgekeurd", "approved"),
        quorum.OUTCOME_REJECTED: ("afgewezen", "rejected"),
        quorum.OUTCOME_CHANGES_REQUESTED: ("terug voor wijzigingen", "sent back for changes"),
    }[outcome]
    link = _link(f"/intern/toetsingen/{assessment.id}")
    mail.queue(
        session,
        [assessment.owner.email],
        f"Uthiek: {assessment.title} - {labels[0]} / {labels[1]}",
        f"Versie {assessment.version} van '{assessment.title}' is {labels[0]}.\n"
        f"Version {assessment.version} of '{assessment.title}' was {labels[1]}.\n\n{link}\n",
    )
