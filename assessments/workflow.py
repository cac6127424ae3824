"""The assessment state machine: which action moves an assessment from which state to which.

The only place that knows the transitions. Operations ask `next_state`; anything not listed
here is forbidden and raises `TransitionError` (HTTP 409 at the edges).
"""

from __future__ import annotations

DRAFT = "draft"
SUBMITTED = "submitted"
IN_REVIEW = "in_review"
CHANGES_REQUESTED = "changes_requested"
# The board's quorum has advised (for or against); the accountable director decides.
AWAITING_DECISION = "awaiting_decision"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

STATES = (
    DRAFT,
    SUBMITTED,
    IN_REVIEW,
    CHANGES_REQUESTED,
    AWAITING_DECISION,
    APPROVED,
    REJECTED,
    WITHDRAWN,
)

SUBMIT = "submit"
START_REVIEW = "start_review"
REQUEST_CHANGES = "request_changes"
APPROVE = "approve"
REJECT = "reject"
WITHDRAW = "withdraw"
REASSESS = "reassess"
ADVISE = "advise"

ACTIONS = (SUBMIT, START_REVIEW, REQUEST_CHANGES, ADVISE, APPROVE, REJECT, WITHDRAW, REASSESS)

TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, SUBMIT): SUBMITTED,
    (CHANGES_REQUESTED, SUBMIT): SUBMITTED,
    (SUBMITTED, START_REVIEW): IN_REVIEW,
    (SUBMITTED, REQUEST_CHANGES): CHANGES_REQUESTED,
    (IN_REVIEW, REQUEST_CHANGES): CHANGES_REQUESTED,
    (SUBMITTED, APPROVE): APPROVED,
    (IN_REVIEW, APPROVE): APPROVED,
    (SUBMITTED, REJECT): REJECTED,
    (IN_REVIEW, REJECT): REJECTED,
    # Where a director is responsible for the algorithm's department, the quorum's outcome
    # is the board's advice and the director's decision approves or rejects (comply or
    # explain). Without one, the quorum's outcome approves or rejects directly (as before).
    (SUBMITTED, ADVISE): AWAITING_DECISION,
    (IN_REVIEW, ADVISE): AWAITING_DECISION,
    (AWAITING_DECISION, APPROVE): APPROVED,
    (AWAITING_DECISION, REJECT): REJECTED,
    (AWAITING_DECISION, WITHDRAW): WITHDRAWN,
    (DRAFT, WITHDRAW): WITHDRAWN,
    (SUBMITTED, WITHDRAW): WITHDRAWN,
    (IN_REVIEW, WITHDRAW): WITHDRAWN,
    (CHANGES_REQUESTED, WITHDRAW): WITHDRAWN,
    # A re-assessment of an approved algorithm starts a new draft version; the approved
    # version, its reviews and its record stay as they are.
    (APPROVED, REASSESS): DRAFT,
}

# Where the owner may change answers, and where the board decides.
EDITABLE = frozenset({DRAFT, CHANGES_REQUESTED})
UNDER_REVIEW = frozenset({SUBMITTED, IN_REVIEW})
FINAL = frozenset({APPROVED, REJECTED, WITHDRAWN})
# Where the board records its sessions with the team: on the version while it is in review
# (the advice is reached there; once the quorum has advised, the record of it is closed).
BOARD_SESSION_STATES = UNDER_REVIEW


class TransitionError(RuntimeError):
    """The action is not allowed in the current state."""

    def __init__(self, state: str, action: str):
        super().__init__(f"cannot {action.replace('_', ' ')} an assessment that is {state}")
        self.state = state
        self.action = action


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise TransitionError(state, action) from None


def allowed_actions(state: str) -> list[str]:
    return [action for (source, action) in TRANSITIONS if source == state]
