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
    # The board advises, the director decides (issue 12).
    ("submitted", "advise"): "awaiting_decision",
    ("in_review", "advise"): "awaiting_decision",
    ("awaiting_decision", "approve"): "approved",
    ("awaiting_decision", "reject"): "rejected",
    ("awaiting_decision", "withdraw"): "withdrawn",
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


def test_the_states_and_actions_are_the_products():
    # A renamed or added state or action must show up here, not slip past the tables above.
    assert set(workflow.STATES) == {s for pair in ALLOWED for s in (pair[0], ALLOWED[pair])}
    assert set(workflow.ACTIONS) == {action for _state, action in ALLOWED}


def test_every_open_state_can_still_end():
    finals = {"approved", "rejected", "withdrawn"}
    for start in set(workflow.STATES) - finals:
        seen, frontier = {start}, [start]
        while frontier:
            state = frontier.pop()
            for action in workflow.allowed_actions(state):
                target = workflow.next_state(state, action)
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
        assert seen & finals, start
