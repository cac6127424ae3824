"""Who may do what with an assessment: every access rule of the internal side, in one place.

Pure functions on plain data (a user with `id`, `roles` and `is_active`; an `AssessmentFacts`),
no Flask or database, used by the web views, the API and the CLI alike. Access is denied
unless a rule grants it. Account rules (roles only) stay in `portal.auth.permissions`; the
ones the internal side asks about are re-exported here so a view asks one module.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from assessments import workflow
from portal.auth.permissions import (
    can_administer_users,
    can_manage_token,
    can_publish,
    can_resume_publication,
    can_suspend,
    can_use_internal_side,
    can_view_audit_log,
    directs,
    has_role,
    is_active_account,
)
from portal.auth.roles import ADMIN, DIRECTOR, PRIVACY_OFFICER, REVIEWER, SUBMITTER

__all__ = [
    "EDITABLE_STATES",
    "NOT_YET_SUBMITTED",
    "REVIEWABLE_STATES",
    "AssessmentFacts",
    "allowed_in_state",
    "can_administer_users",
    "can_comment_on_assessment",
    "can_create_assessment",
    "can_decide_as_director",
    "can_declare_change",
    "can_edit_assessment",
    "can_file_monitoring",
    "can_judge_condition",
    "can_manage_token",
    "can_publish",
    "can_reassess",
    "can_record_board_session",
    "can_record_incident",
    "can_report_condition_evidence",
    "can_resume_publication",
    "can_retire_algorithm",
    "can_review_assessment",
    "can_submit_assessment",
    "can_suspend",
    "can_use_internal_side",
    "can_view_aftercare",
    "can_view_assessment",
    "can_view_audit_log",
    "can_view_board_sessions",
    "can_view_conditions",
    "can_view_overview",
    "can_view_working_copy",
    "can_withdraw_assessment",
    "can_write_verdict",
    "directs",
]

# Assessment states in which the owner may still change the answers.
EDITABLE_STATES = workflow.EDITABLE
# States in which the board decides.
REVIEWABLE_STATES = workflow.UNDER_REVIEW
# States in which the board sees an assessment only if a version was ever submitted.
NOT_YET_SUBMITTED = frozenset({workflow.DRAFT, workflow.WITHDRAWN, workflow.CHANGES_REQUESTED})
# The board sees an assessment once a version has been submitted to it, in every state
# after that (also a re-assessment draft or a withdrawn one), but only its submitted
# versions: see `can_view_working_copy`.


@dataclass(frozen=True)
class AssessmentFacts:
    """What the rules need to know about an assessment."""

    owner_id: int
    status: str
    editor_ids: frozenset[int] = field(default_factory=frozenset)
    ever_submitted: bool = False
    # The register department the algorithm belongs to (a director may be limited to some).
    department: str = ""


def _is_author(user, assessment: AssessmentFacts) -> bool:
    return user.id == assessment.owner_id or user.id in assessment.editor_ids


def can_create_assessment(user) -> bool:
    return has_role(user, SUBMITTER, ADMIN)


def can_view_assessment(user, assessment: AssessmentFacts) -> bool:
    if not is_active_account(user):
        return False
    if ADMIN in user.roles or _is_author(user, assessment):
        return True
    # Never submitted (a draft, or a draft withdrawn before submitting): the owner's alone.
    # Submitted, in review, approved and rejected can only be reached by submitting.
    submitted_once = assessment.ever_submitted or assessment.status not in NOT_YET_SUBMITTED
    if has_role(user, DIRECTOR) and directs(user, assessment.department) and submitted_once:
        return True  # the director decides on the board's advice for their departments
    return has_role(user, REVIEWER, PRIVACY_OFFICER) and submitted_once


def can_view_working_copy(user, assessment: AssessmentFacts) -> bool:
    """The answers and register fields as the owner is editing them now. Everyone else who
    may view the assessment (the board, the privacy officer) sees only the versions that
    were submitted to them, frozen, never unsubmitted edits."""
    return is_active_account(user) and (ADMIN in user.roles or _is_author(user, assessment))


def can_edit_assessment(user, assessment: AssessmentFacts) -> bool:
    """The owner (and co-editors) and admins change answers while it is not frozen."""
    return (
        is_active_account(user)
        and (_is_author(user, assessment) or ADMIN in user.roles)
        and assessment.status in EDITABLE_STATES
    )


def can_submit_assessment(user, assessment: AssessmentFacts) -> bool:
    return can_edit_assessment(user, assessment)


def can_review_assessment(user, assessment: AssessmentFacts) -> bool:
    """Reviewers and the privacy officer decide; never on their own work."""
    return (
        has_role(user, REVIEWER, PRIVACY_OFFICER)
        and assessment.status in REVIEWABLE_STATES
        and not _is_author(user, assessment)
    )


def can_comment_on_assessment(user, assessment: AssessmentFacts) -> bool:
    """The board asks and the authors answer, while a version is in review or sent back."""
    if not can_view_assessment(user, assessment):
        return False
    if assessment.status in REVIEWABLE_STATES:
        return True
    return assessment.status == workflow.CHANGES_REQUESTED and assessment.ever_submitted


def can_withdraw_assessment(user, assessment: AssessmentFacts) -> bool:
    return (
        is_active_account(user)
        and (_is_author(user, assessment) or ADMIN in user.roles)
        and workflow.WITHDRAW in workflow.allowed_actions(assessment.status)
    )


def can_reassess(user, assessment: AssessmentFacts) -> bool:
    """Start a new version of an approved assessment (re-assessment)."""
    return (
        has_role(user, SUBMITTER, ADMIN)
        and (_is_author(user, assessment) or ADMIN in user.roles)
        and assessment.status == workflow.APPROVED
    )


def can_retire_algorithm(user, owner_ids: set[int]) -> bool:
    """Owners of an algorithm's assessments and admins take it out of use."""
    return is_active_account(user) and (ADMIN in user.roles or user.id in owner_ids)


def can_file_monitoring(user, assessment: AssessmentFacts) -> bool:
    """Monitoring reports after approval: the algorithm's owner (and co-editors), admins."""
    return is_active_account(user) and (_is_author(user, assessment) or ADMIN in user.roles)


def can_declare_change(user, assessment: AssessmentFacts) -> bool:
    """Declaring a change to an algorithm in use: its owner (and co-editors), admins."""
    return can_file_monitoring(user, assessment)


def can_record_incident(user, assessment: AssessmentFacts | None, department: str) -> bool:
    """Incidents and complaints: the owner, the director responsible, admins."""
    if assessment is not None and can_file_monitoring(user, assessment):
        return True
    return can_suspend(user, department)


def can_view_aftercare(user, assessment: AssessmentFacts | None, department: str) -> bool:
    """The monitoring page of an algorithm: whoever may act on it there."""
    return can_record_incident(user, assessment, department)


def can_write_verdict(user, assessment: AssessmentFacts) -> bool:
    """The board's joint verdict: any sounding-board member who may review the version,
    while it is in review or waits for the director's decision."""
    return (
        has_role(user, REVIEWER)
        and not _is_author(user, assessment)
        and assessment.status in (*REVIEWABLE_STATES, workflow.AWAITING_DECISION)
    )


def can_record_board_session(user, assessment: AssessmentFacts) -> bool:
    """Record or change the board's session with the team on the version in review:
    sounding-board members and admins, never on their own work."""
    return (
        has_role(user, REVIEWER, ADMIN)
        and not _is_author(user, assessment)
        and assessment.status in workflow.BOARD_SESSION_STATES
    )


def can_view_board_sessions(user, assessment: AssessmentFacts) -> bool:
    """Whoever may view the assessment (its owner too) reads the sessions held on it."""
    return can_view_assessment(user, assessment)


def can_decide_as_director(user, assessment: AssessmentFacts) -> bool:
    """Adopt the board's advice or deviate from it: the director responsible for the
    algorithm's department (never on their own work), once the board has advised."""
    return (
        directs(user, assessment.department)
        and not _is_author(user, assessment)
        and assessment.status == workflow.AWAITING_DECISION
    )


def can_report_condition_evidence(user, assessment: AssessmentFacts) -> bool:
    """The algorithm's owner (and co-editors) report what they did to meet a condition."""
    return is_active_account(user) and _is_author(user, assessment)


def can_judge_condition(user, assessment: AssessmentFacts) -> bool:
    """Accepting evidence (met), waiving with a reason or reopening a condition: the board
    (the member who set it or any other member), never on their own work."""
    return has_role(user, REVIEWER) and not _is_author(user, assessment)


def can_view_conditions(user, assessment: AssessmentFacts) -> bool:
    return can_view_assessment(user, assessment)


def allowed_in_state(rule, user, assessment: AssessmentFacts, state: str) -> bool:
    """Whether `rule` would let `user` act if the assessment were in `state`. Tells a refusal
    because of who you are (403) from one because of where the assessment stands (409)."""
    return rule(user, replace(assessment, status=state))


def can_view_overview(user) -> bool:
    """The overview of the whole process (counts per state, time in review, quorum gaps,
    overdue conditions, re-assessments, suspensions): admins and directors."""
    return has_role(user, ADMIN, DIRECTOR)


def on_overview(user, department: str) -> bool:
    """Whether an algorithm of `department` counts on `user`'s overview: everything for
    admins and a director without departments; a director's own departments otherwise."""
    return has_role(user, ADMIN) or directs(user, department)
