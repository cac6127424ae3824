"""Property-based tests (hypothesis): the risk level, the state machine and the quorum hold
their rules for any answers and any order of events, not only the worked examples."""

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import quorum, scoring, workflow
from assessments.bank import current_bank

BANK = current_bank()
SCORED = [q for q in BANK.questions if q.options and q.type != "group"]


def _answer(question):
    values = [o.value for o in question.options]
    if question.type == "multichoice":
        return st.lists(st.sampled_from(values), unique=True, max_size=len(values))
    return st.sampled_from(values)


answers_strategy = st.fixed_dictionaries({}, optional={q.id: _answer(q) for q in SCORED})


@settings(max_examples=200, deadline=None)
@given(answers_strategy)
def test_risk_level_is_always_explained_and_within_bounds(answers):
    result = scoring.compute(BANK, answers)
    assert result.level in (1, 2, 3, 4)
    assert 0 <= result.score <= result.raw_score <= result.max_score
    assert result.level >= result.band_level  # hard rules only raise the level
    assert result.discount_applied == (result.score < result.raw_score) or result.raw_score == 0
    for rule in result.rules:
        assert result.level >= scoring.RULES[rule["id"]].min_level
    assert result.weights_version == BANK.weights_version


@settings(max_examples=150, deadline=None)
@given(answers_strategy, st.sampled_from(scoring.FORBIDDEN_DIRECT_GROUNDS))
def test_a_forbidden_direct_ground_always_gives_level_4_and_blocks(answers, ground):
    result = scoring.compute(BANK, {**answers, "discrimination.direct_grounds": [ground]})
    assert result.level == 4
    assert result.blocking


@settings(max_examples=150, deadline=None)
@given(answers_strategy)
def test_risk_profiling_never_scores_below_level_3(answers):
    assert scoring.compute(BANK, {**answers, "core.risk_profiling": "yes"}).level >= 3


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(workflow.ACTIONS), max_size=30))
def test_any_sequence_of_actions_follows_the_transition_table(actions):
    state = workflow.DRAFT
    for action in actions:
        if (state, action) in workflow.TRANSITIONS:
            new_state = workflow.next_state(state, action)
            assert new_state == workflow.TRANSITIONS[(state, action)]
            state = new_state
        else:
            try:
                workflow.next_state(state, action)
            except workflow.TransitionError:
                pass
            else:
                raise AssertionError(f"{action} allowed from {state}")
        assert state in workflow.STATES
        if state in (workflow.REJECTED, workflow.WITHDRAWN):
            assert workflow.allowed_actions(state) == []


decision_strategy = st.lists(
    st.tuples(st.integers(1, 5), st.sampled_from(quorum.DECISIONS), st.booleans()),
    max_size=8,
    unique_by=lambda item: item[0],
)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 4),
    st.booleans(),
    st.booleans(),
    decision_strategy,
)
def test_quorum_outcomes_respect_the_rules(level, blocking, personal_data, raw_decisions):
    board = [1, 2, 3]
    officers = [4, 5]
    decisions = [
        quorum.Decision(
            reviewer_id,
            decision,
            as_board_member=reviewer_id in board,
            as_privacy_officer=reviewer_id in officers or (is_both and reviewer_id in board),
        )
        for reviewer_id, decision, is_both in raw_decisions
    ]
    needed = quorum.requirement(level, blocking=blocking, personal_data=personal_data)
    outcome = quorum.evaluate(needed, decisions, board_ids=board, privacy_officer_ids=officers)
    approvals = {
        d.reviewer_id for d in decisions if d.as_board_member and d.decision in quorum.APPROVALS
    }
    officer_approved = any(
        d.as_privacy_officer and d.decision in quorum.APPROVALS for d in decisions
    )
    quorum_met = 0 < outcome.board_needed <= len(approvals) and (
        officer_approved or not personal_data
    )
    rejects = {d.reviewer_id for d in decisions if d.decision == quorum.REJECT}
    if any(d.decision == quorum.CHANGES_REQUESTED for d in decisions):
        assert outcome.state == quorum.OUTCOME_CHANGES_REQUESTED
    elif outcome.state == quorum.OUTCOME_APPROVED:
        assert quorum_met
        if needed.full_board:
            assert approvals == set(board)
        assert set(outcome.dissent) == rejects
    elif outcome.state == quorum.OUTCOME_REJECTED:
        assert rejects
        assert not quorum_met
    else:
        assert outcome.state == quorum.PENDING
        assert not quorum_met
