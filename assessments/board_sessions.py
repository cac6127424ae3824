"""The sounding board's sessions with the team, per submitted version (issue 12).

Uthiek is a conversation: the board meets the team (and where useful invited experts or
residents), hears the dilemmas the team brings, and reaches its advice there. A session
records when it was held, who took part (board members from the accounts; others by name
and role only), the dilemmas, notes and what changed as a result. The asynchronous comment
threads stay as they are.

Who may record or change one, and when: `permissions.can_record_board_session` (board
members and admins, never on their own work, while the version is in review:
`workflow.BOARD_SESSION_STATES`). Only the version in review takes sessions; those of
earlier versions stay as they were.

Pure rules first (no database), then queries and operations: each takes the row lock,
changes the session, audits; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import permissions, workflow
from assessments.models import Assessment, AssessmentVersion, BoardSession
from assessments.operations import facts
from assessments.review.errors import ReviewConflictError, ReviewForbiddenError, ReviewInvalidError
from assessments.review.queries import current_version
from assessments.review.transitions import lock
from assessments.review.validation import clean_text
from portal import audit
from portal.auth.models import User
from portal.auth.queries import people_with_role
from portal.auth.roles import REVIEWER
from portal.db import utcnow

TEAM_MEMBER = "team_member"
INVITED_EXPERT = "invited_expert"
RESIDENT = "resident"
PARTICIPANT_ROLES = (TEAM_MEMBER, INVITED_EXPERT, RESIDENT)
MAX_SESSION_TEXT = 10_000
MAX_NAME = 200
MAX_PARTICIPANTS = 50
MAX_MEMBERS = 50
FIELDS = ("held_on", "members", "participants", "dilemmas", "notes", "what_changed")


# ----------------------------------------------------------------------------- pure rules


def _held_on(value, today: dt.date, errors: dict) -> dt.date | None:
    if isinstance(value, dt.date):
        held = value
    elif not isinstance(value, str) or not value.strip():
        errors["held_on"] = "required"
        return None
    else:
        try:
            held = dt.date.fromisoformat(value.strip())
        except ValueError:
            errors["held_on"] = "date"
            return None
    if held > today:
        errors["held_on"] = "future"
    return held


def _members(value, eligible: set[int], errors: dict) -> list[int]:
    if value is None or value == []:
        errors["members"] = "required"
        return []
    if not isinstance(value, list) or len(value) > MAX_MEMBERS:
        errors["members"] = "rows"
        return []
    members = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            errors["members"] = "rows"
            return []
        if item not in eligible:
            errors["members"] = "unknown_member"
            return []
        if item not in members:
            members.append(item)
    return members


def _participants(value, errors: dict) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_PARTICIPANTS:
        errors["participants"] = "rows"
        return []
    people = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            errors["participants"] = "rows"
            return []
        key = f"participants[{index}]"
        name = clean_text(item.get("name"), f"{key}.name", errors, required=True)
        if len(name) > MAX_NAME and f"{key}.name" not in errors:
            errors[f"{key}.name"] = "too_long"
        role = item.get("role")
        if role not in PARTICIPANT_ROLES:
            errors[f"{key}.role"] = "choice" if role not in (None, "") else "required"
        people.append({"name": name, "role": role})
    return people


def clean_session(
    data: dict, today: dt.date, eligible_members: set[int]
) -> tuple[dict, dict[str, str]]:
    """A session as sent (API body or web form) -> clean values and problem codes per
    field. `eligible_members`: the account ids that may be named as board members."""
    errors: dict[str, str] = {}
    for key in data:
        if key not in FIELDS:
            errors[key] = "unknown"
    clean = {
        "held_on": _held_on(data.get("held_on"), today, errors),
        "member_ids": _members(data.get("members"), eligible_members, errors),
        "participants": _participants(data.get("participants"), errors),
        "dilemmas": clean_text(data.get("dilemmas"), "dilemmas", errors, required=True),
        "notes": clean_text(data.get("notes"), "notes", errors),
        "what_changed": clean_text(data.get("what_changed"), "what_changed", errors),
    }
    for name in ("dilemmas", "notes", "what_changed"):
        if len(clean[name]) > MAX_SESSION_TEXT and name not in errors:
            errors[name] = "too_long"
    return clean, errors


def participant_counts(session_rows: list[dict]) -> dict[str, int]:
    """How many took part per role, the board members counted as 'board_member': what the
    public record says, without names."""
    counts: Counter = Counter()
    for row in session_rows:
        counts["board_member"] += len(row.get("members") or [])
        for person in row.get("participants") or []:
            counts[person.get("role")] += 1
    return {role: counts[role] for role in ("board_member", *PARTICIPANT_ROLES) if counts[role]}


# ------------------------------------------------------------------------------- queries


def of_assessment(session: Session, assessment_id: int) -> list[BoardSession]:
    return list(
        session.scalars(
            select(BoardSession)
            .where(BoardSession.assessment_id == assessment_id)
            .order_by(BoardSession.held_on, BoardSession.id)
        )
    )


def of_version(session: Session, version: AssessmentVersion | None) -> list[BoardSession]:
    if version is None:
        return []
    return list(
        session.scalars(
            select(BoardSession)
            .where(BoardSession.version_id == version.id)
            .order_by(BoardSession.held_on, BoardSession.id)
        )
    )


def eligible_members(session: Session, assessment: Assessment) -> list[User]:
    """The sounding-board members who can be named: active reviewers, not its authors."""
    authors = {assessment.owner_id, *(assessment.editor_ids or ())}
    return [p for p in people_with_role(session, REVIEWER) if p.id not in authors]


def member_names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def session_json(session: Session, item: BoardSession, names: dict[int, str] | None = None):
    names = names if names is not None else member_names(session, item.member_ids or [])
    return {
        "id": item.id,
        "assessment_id": item.assessment_id,
        "version": item.version.number,
        "held_on": item.held_on.isoformat(),
        "members": [{"id": i, "name": names.get(i, "")} for i in item.member_ids or []],
        "participants": [
            {"name": p.get("name", ""), "role": p.get("role", "")} for p in item.participants or []
        ],
        "dilemmas": item.dilemmas,
        "notes": item.notes,
        "what_changed": item.what_changed,
        "created_by": item.created_by_id,
        "created_at": item.created_at.isoformat(),
        "updated_at": item.updated_at.isoformat(),
    }


def record_rows(session: Session, version: AssessmentVersion, *, public: bool) -> list[dict]:
    """The sessions of `version` as the PDF record holds them: the internal record with
    names and text, the public one with the date and the counts per role only."""
    rows = []
    for item in of_version(session, version):
        if public:
            counts = participant_counts(
                [{"members": item.member_ids, "participants": item.participants}]
            )
            rows.append({"held_on": item.held_on.isoformat(), "participants": counts})
            continue
        names = member_names(session, item.member_ids or [])
        rows.append(
            {
                "held_on": item.held_on.isoformat(),
                "members": [names.get(i, "") for i in item.member_ids or []],
                "participants": [dict(p) for p in item.participants or []],
                "dilemmas": item.dilemmas,
                "notes": item.notes,
                "what_changed": item.what_changed,
            }
        )
    return rows


# ---------------------------------------------------------------------------- operations


def authorize(actor, assessment: Assessment) -> None:
    """ReviewForbiddenError (403) for who may never record a session here, whatever the
    state; ReviewConflictError (409) when the assessment is not in review."""
    rules = facts(assessment)
    if not permissions.allowed_in_state(
        permissions.can_record_board_session, actor, rules, workflow.IN_REVIEW
    ):
        raise ReviewForbiddenError(
            "Only sounding-board members and admins record the board's sessions, never on "
            "their own work."
        )
    if not permissions.can_record_board_session(actor, rules):
        raise ReviewConflictError(
            f"The assessment is {assessment.status}; sessions are recorded while it is in review."
        )


def _clean(session: Session, assessment: Assessment, data: dict, keep: list[int]) -> dict:
    eligible = {p.id for p in eligible_members(session, assessment)} | set(keep)
    clean, errors = clean_session(data, utcnow().date(), eligible)
    if errors:
        raise ReviewInvalidError("The session is not complete.", errors)
    return clean


def record(session: Session, actor, assessment: Assessment, data: dict) -> BoardSession:
    """A new session on the version in review."""
    lock(session, assessment)
    authorize(actor, assessment)
    clean = _clean(session, assessment, data, [])
    version = current_version(assessment)
    now = utcnow()
    item = BoardSession(
        assessment_id=assessment.id,
        version_id=version.id,
        created_by_id=actor.id,
        updated_by_id=actor.id,
        created_at=now,
        updated_at=now,
        **clean,
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor,
        "board_session.recorded",
        assessment,
        f"assessment {assessment.id} version {version.number}: board session of "
        f"{clean['held_on'].isoformat()} recorded",
        details={"session": item.id, "version": version.number},
    )
    return item


def change(session: Session, actor, assessment: Assessment, item: BoardSession, data: dict):
    """Rewrite a session of the version in review (all its fields, as sent)."""
    lock(session, assessment)
    authorize(actor, assessment)
    if item.version_id != current_version(assessment).id:
        raise ReviewConflictError("This session belongs to an earlier version; it stays as it was.")
    clean = _clean(session, assessment, data, list(item.member_ids or []))
    changed = sorted(name for name, value in clean.items() if value != getattr(item, name))
    for name, value in clean.items():
        setattr(item, name, value)
    item.updated_by_id = actor.id
    item.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "board_session.changed",
        assessment,
        f"assessment {assessment.id} version {item.version.number}: board session "
        f"{item.id} changed",
        details={"session": item.id, "version": item.version.number, "fields": changed},
    )
    return item


def find(session: Session, assessment: Assessment, session_id: int) -> BoardSession | None:
    item = session.get(BoardSession, session_id)
    if item is None or item.assessment_id != assessment.id:
        return None
    return item
