"""Every access rule, on plain data: accounts (portal.auth.permissions) and assessments
(assessments.permissions)."""

from dataclasses import dataclass, field

import pytest

from assessments import permissions as rules
from assessments.permissions import AssessmentFacts
from portal.auth import permissions as accounts


@dataclass
class Person:
    id: int
    roles: frozenset = field(default_factory=frozenset)
    is_active: bool = True


OWNER = Person(1, frozenset({"submitter"}))
EDITOR = Person(2, frozenset({"submitter"}))
STRANGER = Person(3, frozenset({"submitter"}))
REVIEWER = Person(4, frozenset({"reviewer"}))
PRIVACY = Person(5, frozenset({"privacy_officer"}))
ADMIN = Person(6, frozenset({"admin"}))
REVIEWING_OWNER = Person(1, frozenset({"submitter", "reviewer"}))
INACTIVE_ADMIN = Person(7, frozenset({"admin"}), is_active=False)
NOBODY = None


def facts(status: str, **kwargs) -> AssessmentFacts:
    return AssessmentFacts(owner_id=1, status=status, editor_ids=frozenset({2}), **kwargs)


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        (OWNER, True),
        (REVIEWER, True),
        (PRIVACY, True),
        (ADMIN, True),
        (INACTIVE_ADMIN, False),
        (NOBODY, False),
        (Person(9), False),
    ],
)
def test_internal_side_needs_an_active_account_with_a_role(user, expected):
    assert accounts.can_use_internal_side(user) is expected


@pytest.mark.parametrize(
    "rule", [accounts.can_administer_users, accounts.can_view_audit_log, accounts.can_publish]
)
def test_administration_is_for_active_admins_only(rule):
    assert rule(ADMIN)
    for user in (OWNER, REVIEWER, PRIVACY, INACTIVE_ADMIN, NOBODY):
        assert not rule(user)


def test_tokens_are_managed_by_their_owner_or_an_admin():
    assert accounts.can_manage_token(OWNER, 1)
    assert not accounts.can_manage_token(STRANGER, 1)
    assert accounts.can_manage_token(ADMIN, 1)
    assert not accounts.can_manage_token(INACTIVE_ADMIN, 1)


def test_creating_assessments():
    assert rules.can_create_assessment(OWNER)
    assert rules.can_create_assessment(ADMIN)
    assert not rules.can_create_assessment(REVIEWER)
    assert not rules.can_create_assessment(PRIVACY)


@pytest.mark.parametrize(
    ("user", "status", "expected"),
    [
        (OWNER, "draft", True),
        (EDITOR, "draft", True),
        (STRANGER, "draft", False),
        (REVIEWER, "draft", False),
        (PRIVACY, "draft", False),
        (ADMIN, "draft", True),
        (REVIEWER, "submitted", True),
        (PRIVACY, "in_review", True),
        (STRANGER, "submitted", False),
        (REVIEWER, "approved", True),
        (REVIEWER, "rejected", True),
        (NOBODY, "approved", False),
    ],
)
def test_viewing_assessments(user, status, expected):
    assert rules.can_view_assessment(user, facts(status)) is expected


def test_reviewers_see_changes_requested_only_after_a_submission():
    assert not rules.can_view_assessment(REVIEWER, facts("changes_requested"))
    assert rules.can_view_assessment(REVIEWER, facts("changes_requested", ever_submitted=True))


@pytest.mark.parametrize(
    ("user", "status", "expected"),
    [
        (OWNER, "draft", True),
        (EDITOR, "changes_requested", True),
        (OWNER, "submitted", False),
        (OWNER, "approved", False),
        (STRANGER, "draft", False),
        (ADMIN, "draft", True),  # the register coordinator may help fill in
        (ADMIN, "submitted", False),
        (REVIEWER, "draft", False),
    ],
)
def test_editing_and_submitting(user, status, expected):
    assert rules.can_edit_assessment(user, facts(status)) is expected
    assert rules.can_submit_assessment(user, facts(status)) is expected


@pytest.mark.parametrize(
    ("user", "status", "expected"),
    [
        (REVIEWER, "submitted", True),
        (PRIVACY, "in_review", True),
        (REVIEWER, "draft", False),
        (REVIEWER, "approved", False),
        (REVIEWING_OWNER, "submitted", False),  # nobody reviews their own assessment
        (Person(2, frozenset({"reviewer"})), "submitted", False),  # nor one they edited
        (OWNER, "submitted", False),
        (ADMIN, "submitted", False),
    ],
)
def test_reviewing(user, status, expected):
    assert rules.can_review_assessment(user, facts(status)) is expected


def test_the_last_admin_stays():
    assert not accounts.leaves_an_admin({6}, 6, {"submitter"}, active=True)
    assert not accounts.leaves_an_admin({6}, 6, {"admin"}, active=False)
    assert accounts.leaves_an_admin({6, 8}, 6, {"submitter"}, active=True)
    assert accounts.leaves_an_admin(set(), 9, {"admin"}, active=True)


@pytest.mark.parametrize(
    ("user", "status", "expected"),
    [
        (REVIEWER, "in_review", True),
        (PRIVACY, "submitted", True),
        (OWNER, "in_review", True),  # the owner answers in the threads
        (OWNER, "changes_requested", True),
        (STRANGER, "in_review", False),
        (REVIEWER, "draft", False),
        (REVIEWER, "approved", False),  # approved versions stay as they were
    ],
)
def test_commenting(user, status, expected):
    assessment = facts(status, ever_submitted=status != "draft")
    assert rules.can_comment_on_assessment(user, assessment) is expected


@pytest.mark.parametrize(
    ("user", "status", "expected"),
    [
        (OWNER, "draft", True),
        (OWNER, "in_review", True),
        (ADMIN, "changes_requested", True),
        (OWNER, "approved", False),
        (OWNER, "withdrawn", False),
        (REVIEWER, "in_review", False),
        (STRANGER, "draft", False),
    ],
)
def test_withdrawing(user, status, expected):
    assert rules.can_withdraw_assessment(user, facts(status)) is expected


@pytest.mark.parametrize(
    ("user", "status", "expected"),
    [
        (OWNER, "approved", True),
        (ADMIN, "approved", True),
        (OWNER, "rejected", False),
        (REVIEWER, "approved", False),
        (STRANGER, "approved", False),
    ],
)
def test_reassessing(user, status, expected):
    assert rules.can_reassess(user, facts(status)) is expected


def test_retiring_and_resuming_publication():
    assert rules.can_retire_algorithm(OWNER, {1})
    assert rules.can_retire_algorithm(ADMIN, set())
    assert not rules.can_retire_algorithm(STRANGER, {1})
    assert not rules.can_retire_algorithm(INACTIVE_ADMIN, set())
    assert accounts.can_resume_publication(ADMIN)
    assert not accounts.can_resume_publication(OWNER)


def test_allowed_in_state_tells_person_from_state():
    approved = facts("approved")
    assert not rules.can_edit_assessment(OWNER, approved)
    assert rules.allowed_in_state(rules.can_edit_assessment, OWNER, approved, "draft")
    assert not rules.allowed_in_state(rules.can_edit_assessment, STRANGER, approved, "draft")
    assert not rules.allowed_in_state(
        rules.can_review_assessment, REVIEWING_OWNER, facts("draft"), "submitted"
    )
    assert rules.allowed_in_state(
        rules.can_review_assessment, REVIEWER, facts("draft"), "submitted"
    )
    assert approved.status == "approved"  # the facts themselves are not changed
