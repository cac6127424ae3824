"""Who must sign off an assessment version, and what the decisions so far add up to. Pure.

Level 1 needs one sounding-board member, level 2 two, levels 3 and 4 the whole board. A
blocking reason from the risk level can only be lifted by the whole board. When personal
data is processed the privacy officer must approve too. Changes requested by anyone sends
the version back; a reject that leaves the quorum out of reach rejects it. Rejections next to
an approval are kept as dissent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

APPROVE = "approve"
APPROVE_WITH_CONDITIONS = "approve_with_conditions"
CHANGES_REQUESTED = "changes_requested"
REJECT = "reject"
DECISIONS = (APPROVE, APPROVE_WITH_CONDITIONS, CHANGES_REQUESTED, REJECT)
APPROVALS = frozenset({APPROVE, APPROVE_WITH_CONDITIONS})

PENDING = "pending"
OUTCOME_APPROVED = "approved"
OUTCOME_CHANGES_REQUESTED = "changes_requested"
OUTCOME_REJECTED = "rejected"

BOARD_SIZE_BY_LEVEL = {1: 1, 2: 2}


@dataclass(frozen=True)
class Requirement:
    board_members: int | None  # None: every eligible member of the board
    privacy_officer: bool
    reasons: tuple[str, ...]  # rule ids explaining the requirement

    @property
    def full_board(self) -> bool:
        return self.board_members is None


@dataclass(frozen=True)
class Decision:
    reviewer_id: int
    decision: str
    as_board_member: bool
    as_privacy_officer: bool


@dataclass(frozen=True)
class Outcome:
    state: str  # PENDING or one of the OUTCOME_* values
    board_needed: int
    board_approvals: int
    privacy_officer_needed: bool
    privacy_officer_approved: bool
    dissent: tuple[int, ...] = ()  # reviewer ids who rejected a version that was approved
    with_conditions: bool = False
    short_of_members: bool = False  # not enough eligible members exist to reach the quorum
    waiting_for: tuple[int, ...] = field(default_factory=tuple)


def requirement(level: int, *, blocking: bool, personal_data: bool) -> Requirement:
    reasons = [f"level_{level}"]
    members = BOARD_SIZE_BY_LEVEL.get(level)
    if blocking:
        members = None
        reasons.append("blocking")
    if personal_data:
        reasons.append("personal_data")
    return Requirement(board_members=members, privacy_officer=personal_data, reasons=tuple(reasons))


def evaluate(
    needed: Requirement,
    decisions: Iterable[Decision],
    *,
    board_ids: Iterable[int],
    privacy_officer_ids: Iterable[int],
) -> Outcome:
    """`board_ids` and `privacy_officer_ids`: the people eligible to decide on this version
    (active, holding the role, not an author of the assessment)."""
    decisions = list(decisions)
    board = set(board_ids)
    officers = set(privacy_officer_ids)
    by_reviewer = {d.reviewer_id: d for d in decisions}

    board_approvals = {
        d.reviewer_id for d in decisions if d.as_board_member and d.decision in APPROVALS
    }
    board_rejects = {d.reviewer_id for d in decisions if d.as_board_member and d.decision == REJECT}
    board_undecided = board - set(by_reviewer)
    board_needed = len(board) if needed.full_board else needed.board_members
    officer_approved = any(d.as_privacy_officer and d.decision in APPROVALS for d in decisions)
    officer_rejected = any(d.as_privacy_officer and d.decision == REJECT for d in decisions)
    officer_undecided = officers - set(by_reviewer)
    with_conditions = any(d.decision == APPROVE_WITH_CONDITIONS for d in decisions)
    waiting = set(board_undecided) | (
        officer_undecided if needed.privacy_officer and not officer_approved else set()
    )

    def outcome(state: str, **extra) -> Outcome:
        return Outcome(
            state=state,
            board_needed=board_needed,
            board_approvals=len(board_approvals),
            privacy_officer_needed=needed.privacy_officer,
            privacy_officer_approved=officer_approved,
            with_conditions=with_conditions,
            waiting_for=tuple(sorted(waiting)),
            **extra,
        )

    if any(d.decision == CHANGES_REQUESTED for d in decisions):
        return outcome(OUTCOME_CHANGES_REQUESTED)

    board_reachable = len(board_approvals) + len(board_undecided) >= board_needed
    if needed.full_board and board_rejects:
        board_reachable = False
    officer_reachable = not needed.privacy_officer or officer_approved or bool(officer_undecided)
    if (not board_reachable and board_rejects) or (not officer_reachable and officer_rejected):
        return outcome(OUTCOME_REJECTED)

    board_met = board_needed > 0 and len(board_approvals) >= board_needed
    if board_met and (not needed.privacy_officer or officer_approved):
        dissent = tuple(sorted(d.reviewer_id for d in decisions if d.decision == REJECT))
        return outcome(OUTCOME_APPROVED, dissent=dissent)
    short = not board_reachable or board_needed == 0 or not officer_reachable
    return outcome(PENDING, short_of_members=short)
