"""Review and sign-off: frozen versions, comment threads, decisions and the quorum's outcome.

The rooms: `errors` (what a refused review step raises), `transitions` (the row lock and
the audited state change), `validation` (a reviewer's input -> clean values and problem
codes), `decisions` (decide, withdraw, re-assess), `comments` (threads) and `queries`
(read-only: versions, quorum state, who still has to decide). The mails go out through
`assessments.notifications`. Each operation changes the session and audits; the caller
commits. This package exports the public names so callers can say `review.decide`; the
modules themselves import each other directly.
"""

from assessments.review.comments import add_comment, resolve_comment
from assessments.review.decisions import decide, reassess, withdraw
from assessments.review.errors import (
    ReviewConflictError,
    ReviewError,
    ReviewForbiddenError,
    ReviewInvalidError,
)
from assessments.review.queries import (
    QuorumState,
    current_version,
    diff_answers,
    previous_version,
    quorum_state,
    threads,
    waiting_for,
)
from assessments.review.transitions import lock, transition
from assessments.review.validation import MAX_CONDITIONS, MAX_TEXT, SECTION_ADVICE, clean_review

__all__ = [
    "MAX_CONDITIONS",
    "MAX_TEXT",
    "SECTION_ADVICE",
    "QuorumState",
    "ReviewConflictError",
    "ReviewError",
    "ReviewForbiddenError",
    "ReviewInvalidError",
    "add_comment",
    "clean_review",
    "current_version",
    "decide",
    "diff_answers",
    "lock",
    "previous_version",
    "quorum_state",
    "reassess",
    "resolve_comment",
    "threads",
    "transition",
    "waiting_for",
    "withdraw",
]
