"""Who may do what: every access rule of the internal side, in one place.

Plain functions on plain data (anything with `id`, `roles` and `is_active`), used by the web
views, the API and the CLI alike. Access is denied unless a rule grants it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from assessments import workflow
from portal.auth.roles import ADMIN, PRIVACY_OFFICER, REVIEWER, SUBMITTER

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


def _active(user) -> bool:
    return bool(
        user is not None and getattr(user, "is_active", False) and getattr(user, "id", None)
    )


def _has(user, *roles: str) -> bool:
    return _active(user) and any(role in user.roles for role in roles)


def _is_author(user, assessment: AssessmentFacts) -> bool:
    return user.id == assessment.owner_id or user.id in assessment.editor_ids


def can_use_internal_side(user) -> bool:
    return _has(user, SUBMITTER, REVIEWER, PRIVACY_OFFICER, ADMIN)


def can_administer_users(user) -> bool:
    return _has(user, ADMIN)


def can_view_audit_log(user) -> bool:
    return _has(user, ADMIN)


def can_publish(user) -> bool:
    """Publish, retire, import and export register entries."""
    return _has(user, ADMIN)


def can_manage_token(user, token_owner_id: int) -> bool:
    return _active(user) and (user.id == token_owner_id or ADMIN in user.roles)


def can_create_assessment(user) -> bool:
    return _has(user, SUBMITTER, ADMIN)


def can_view_assessment(user, assessment: AssessmentFacts) -> bool:
    if not _active(user):
        return False
    if ADMIN in user.roles or _is_author(user, assessment):
        return True
    # Never submitted (a draft, or a draft withdrawn before submitting): the owner's alone.
    # Submitted, in review, approved and rejected can only be reached by submitting.
    submitted_once = assessment.ever_submitted or assessment.status not in NOT_YET_SUBMITTED
    return _has(user, REVIEWER, PRIVACY_OFFICER) and submitted_once


def can_view_working_copy(user, assessment: AssessmentFacts) -> bool:
    """The answers and register fields as the owner is editing them now. Everyone else who
    may view the assessment (the board, the privacy officer) sees only the versions that
    were submitted to them, frozen, never unsubmitted edits."""
    return _active(user) and (ADMIN in user.roles or _is_author(user, assessment))


def can_edit_assessment(user, assessment: AssessmentFacts) -> bool:
    """The owner (and co-editors) and admins change answers while it is not frozen."""
    return (
        _active(user)
        and (_is_author(user, assessment) or ADMIN in user.roles)
        and assessment.status in EDITABLE_STATES
    )


def can_submit_assessment(user, assessment: AssessmentFacts) -> bool:
    return can_edit_assessment(user, assessment)


def can_review_assessment(user, assessment: AssessmentFacts) -> bool:
    """Reviewers and the privacy officer decide; never on their own work."""
    return (
        _has(user, REVIEWER, PRIVACY_OFFICER)
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
        _active(user)
        and (_is_author(user, assessment) or ADMIN in user.roles)
        and workflow.WITHDRAW in workflow.allowed_actions(assessment.status)
    )


def can_reassess(user, assessment: AssessmentFacts) -> bool:
    """Start a new version of an approved assessment (re-assessment)."""
    return (
        _has(user, SUBMITTER, ADMIN)
        and (_is_author(user, assessment) or ADMIN in user.roles)
        and assessment.status == workflow.APPROVED
    )


def can_retire_algorithm(user, owner_ids: set[int]) -> bool:
    """Owners of an algorithm's assessments and admins take it out of use."""
    return _active(user) and (ADMIN in user.roles or user.id in owner_ids)


def can_resume_publication(user) -> bool:
    return _has(user, ADMIN)


def allowed_in_state(rule, user, assessment: AssessmentFacts, state: str) -> bool:
    """Whether `rule` would let `user` act if the assessment were in `state`. Tells a refusal
    because of who you are (403) from one because of where the assessment stands (409)."""
    return rule(user, replace(assessment, status=state))


def leaves_an_admin(
    active_admin_ids: set[int], user_id: int, roles: set[str], active: bool
) -> bool:
    """False when this change to one user would leave no active admin."""
    remaining = set(active_admin_ids)
    if ADMIN in roles and active:
        remaining.add(user_id)
    else:
        remaining.discard(user_id)
    return bool(remaining)
