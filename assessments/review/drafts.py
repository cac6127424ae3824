"""Half-written decisions (and verdicts) kept on the server, per reviewer and version.

Posting a comment reloads the review page; without a draft that wiped the decision form.
The review page saves the form as typed when the reviewer presses "Save draft" (no script
needed) or posts a comment with script running, and fills the form from it on the next
visit. Casting the decision deletes the draft. A draft is the reviewer's own scratch
paper: it is not audited, nobody else reads it, and it is never validated beyond what the
database can store (the decision itself is checked when it is cast).

`clean_draft` is pure; the other functions change the session and never commit.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessments.models import REVIEW_DRAFT_DECISION, REVIEW_DRAFT_VERDICT, ReviewDraft
from assessments.review.validation import MAX_CONDITIONS, MAX_TEXT
from portal.db import utcnow

DECISION = REVIEW_DRAFT_DECISION
VERDICT = REVIEW_DRAFT_VERDICT
KINDS = (DECISION, VERDICT)
MAX_KEYS = 60  # a bank has about ten sections; the form's own fields are fewer
MAX_DEPTH = 3  # {"section_advice": {"core": {"motivation": "..."}}}


def _storable(text: str) -> str:
    """What the databases can keep of `text`: no NUL, no lone surrogates, at most one
    character over the limit (so the decision still says "too long" when it is cast)."""
    text = text.replace("\x00", "").encode("utf-8", "ignore").decode("utf-8")
    return text[: MAX_TEXT + 1]


def clean_draft(data, depth: int = 0):
    """The form as typed, reduced to strings in dicts and lists of bounded size. Anything
    else (numbers, None, deeper nesting) becomes an empty string or is left out."""
    if isinstance(data, str):
        return _storable(data)
    if depth >= MAX_DEPTH:
        return ""
    if isinstance(data, dict):
        return {
            _storable(str(key))[:120]: clean_draft(value, depth + 1)
            for key, value in list(data.items())[:MAX_KEYS]
        }
    if isinstance(data, list | tuple):
        return [clean_draft(item, depth + 1) for item in list(data)[:MAX_CONDITIONS]]
    return ""


def _find(session: Session, reviewer_id: int, version_id: int, kind: str) -> ReviewDraft | None:
    return session.scalar(
        select(ReviewDraft).where(
            ReviewDraft.version_id == version_id,
            ReviewDraft.reviewer_id == reviewer_id,
            ReviewDraft.kind == kind,
        )
    )


def draft_of(session: Session, reviewer, version, kind: str = DECISION) -> dict | None:
    """The reviewer's draft on `version`, or None."""
    draft = _find(session, reviewer.id, version.id, kind)
    return dict(draft.data) if draft is not None else None


def newer_draft_of(session: Session, reviewer, version, kind: str, than) -> dict | None:
    """The draft, unless what it drafts was saved after it (`than`: that save's time), for
    example a verdict saved through the API."""
    draft = _find(session, reviewer.id, version.id, kind)
    if draft is None or (than is not None and draft.updated_at < than):
        return None
    return dict(draft.data)


def save(session: Session, reviewer, version, data: dict, kind: str = DECISION) -> ReviewDraft:
    """Keep `data` as the reviewer's draft on `version` (replacing an earlier one). The
    caller checks the reviewer may still decide (or write the verdict) on it."""
    if kind not in KINDS:
        raise ValueError(kind)
    clean = clean_draft(data if isinstance(data, dict) else {})
    draft = _find(session, reviewer.id, version.id, kind)
    if draft is None:
        draft = ReviewDraft(version_id=version.id, reviewer_id=reviewer.id, kind=kind)
        draft.data, draft.updated_at = clean, utcnow()
        try:
            with session.begin_nested():
                session.add(draft)
                session.flush()
            return draft
        except IntegrityError:
            # The same reviewer saved from another tab a moment ago: update that one.
            draft = _find(session, reviewer.id, version.id, kind)
    draft.data, draft.updated_at = clean, utcnow()
    return draft


def discard(session: Session, reviewer, version, kind: str = DECISION) -> None:
    """Forget the reviewer's draft on `version` (the decision or verdict is cast)."""
    draft = _find(session, reviewer.id, version.id, kind)
    if draft is not None:
        session.delete(draft)
