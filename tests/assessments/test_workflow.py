"""The state machine: every allowed and every forbidden transition."""

import itertools

import pytest

from assessments import workflow

ALLOWED = {
    ("draft", "submit"): "submitted",
    ("changes_requested", "submit"): "submitted",
    ("submitted", "start_review"): "in_review",
    ("submitted", "request_changes"): "changes_requested",
    ("in_review", "request_changes"): "changes_requested",
    ("submitted", "approve"): "approved",
    ("in_review", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("in_review", "reject"): "rejected",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("in_review", "withdraw"): "withdrawn",
    ("changes_requested", "withdraw"): "withdrawn",
    ("approved", "reassess"): "draft",
}
FORBIDDEN = sorted(set(itertools.product(workflow.STATES, workflow.ACTIONS)) - set(ALLOWED))


@pytest.mark.parametrize(("state", "action"), sorted(ALLOWED))
def test_allowed_transition(state, action):
    assert workflow.next_state(state, action) == ALLOWED[(state, action)]
    assert action in workflow.allowed_actions(state)


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_forbidden_transition(state, action):
    with pytest.raises(workflow.TransitionError) as raised:
        workflow.next_state(state, action)
    assert state in str(raised.value)
    assert action not in workflow.allowed_actions(state)


def test_rejected_and_withdrawn_are_final():
    assert workflow.allowed_actions("rejected") == []
    assert workflow.allowed_actions("withdrawn") == []
    assert len(FORBIDDEN) + len(ALLOWED) == len(workflow.STATES) * len(workflow.ACTIONS)
