"""Quorum per risk level, the privacy officer rule, rejects and dissent (pure)."""

import pytest

from assessments import quorum
from assessments.quorum import Decision, evaluate, requirement

BOARD = [1, 2, 3]
OFFICER = [9]


def board(reviewer_id, decision):
    return Decision(reviewer_id, decision, as_board_member=True, as_privacy_officer=False)


def officer(decision):
    return Decision(9, decision, as_board_member=False, as_privacy_officer=True)


def outcome(level, decisions, *, blocking=False, personal_data=False, members=BOARD):
    needed = requirement(level, blocking=blocking, personal_data=personal_data)
    return evaluate(needed, decisions, board_ids=members, privacy_officer_ids=OFFICER)


@pytest.mark.parametrize(("level", "approvals_needed"), [(1, 1), (2, 2), (3, 3), (4, 3)])
def test_approvals_needed_per_level(level, approvals_needed):
    decisions = []
    for member in BOARD[:approvals_needed]:
        assert outcome(level, decisions).state == quorum.PENDING
        decisions.append(board(member, quorum.APPROVE))
    result = outcome(level, decisions)
    assert result.state == quorum.OUTCOME_APPROVED
    assert result.board_needed == approvals_needed


def test_privacy_officer_must_approve_when_personal_data_is_processed():
    decisions = [board(1, quorum.APPROVE)]
    assert outcome(1, decisions, personal_data=True).state == quorum.PENDING
    assert outcome(1, decisions, personal_data=True).waiting_for == (2, 3, 9)
    decisions.append(officer(quorum.APPROVE_WITH_CONDITIONS))
    result = outcome(1, decisions, personal_data=True)
    assert result.state == quorum.OUTCOME_APPROVED
    assert result.with_conditions


def test_privacy_officer_alone_is_not_the_board():
    assert outcome(1, [officer(quorum.APPROVE)], personal_data=True).state == quorum.PENDING


def test_blocking_reason_needs_the_full_board_even_at_level_1():
    decisions = [board(1, quorum.APPROVE), board(2, quorum.APPROVE)]
    assert outcome(1, decisions, blocking=True).state == quorum.PENDING
    decisions.append(board(3, quorum.APPROVE))
    assert outcome(1, decisions, blocking=True).state == quorum.OUTCOME_APPROVED


def test_changes_requested_by_anyone_sends_it_back():
    decisions = [board(1, quorum.APPROVE), officer(quorum.CHANGES_REQUESTED)]
    assert outcome(1, decisions, personal_data=True).state == quorum.OUTCOME_CHANGES_REQUESTED


def test_reject_rejects_only_when_the_quorum_is_out_of_reach():
    assert outcome(1, [board(1, quorum.REJECT)]).state == quorum.PENDING
    assert outcome(2, [board(1, quorum.REJECT)]).state == quorum.PENDING
    assert outcome(2, [board(1, quorum.REJECT), board(2, quorum.REJECT)]).state == (
        quorum.OUTCOME_REJECTED
    )
    assert outcome(3, [board(1, quorum.REJECT)]).state == quorum.OUTCOME_REJECTED
    only_officer_rejects = [board(1, quorum.APPROVE), officer(quorum.REJECT)]
    assert outcome(1, only_officer_rejects, personal_data=True).state == quorum.OUTCOME_REJECTED


def test_dissent_is_kept_when_approved_anyway():
    decisions = [board(1, quorum.REJECT), board(2, quorum.APPROVE), board(3, quorum.APPROVE)]
    result = outcome(2, decisions)
    assert result.state == quorum.OUTCOME_APPROVED
    assert result.dissent == (1,)


def test_too_small_a_board_stays_pending_and_says_so():
    result = outcome(2, [board(1, quorum.APPROVE)], members=[1])
    assert result.state == quorum.PENDING
    assert result.short_of_members
    assert outcome(3, [], members=[]).short_of_members
