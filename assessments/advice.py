"""The board's joint verdict and the accountable director's decision (comply or explain).

The board members decide one by one (their decisions feed the quorum, `assessments.quorum`);
the verdict is the board's advice in its own words, for residents: "Willen we dit?", "Kunnen
we dit met goed fatsoen uitleggen aan onze bewoners?", the advice and its reasons. Where a
director is responsible for the algorithm's department, the quorum's outcome moves the
assessment to `awaiting_decision` and the director adopts the advice or deviates from it with
reasons; publication follows that decision. Without a responsible director the quorum's
outcome approves or rejects directly, as before this existed.

Pure rules first (no database), then the operations: each takes the row lock, changes the
session and audits; the caller commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from assessments import monitoring_rules, permissions, quorum, workflow
from assessments.models import Assessment, AssessmentVersion
from assessments.operations import facts
from assessments.review.errors import ReviewConflictError, ReviewForbiddenError, ReviewInvalidError
from assessments.review.queries import current_version, quorum_state
from assessments.review.transitions import lock
from assessments.review.validation import clean_text
from portal import audit, mail
from portal.auth.models import User, UserRole
from portal.auth.permissions import directs
from portal.auth.roles import DIRECTOR
from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from portal.problems import N_
from portal.urls import absolute_path
from register.models import JSONType

POSITIVE = "positive"
POSITIVE_WITH_CONDITIONS = "positive_with_conditions"
NEGATIVE = "negative"
ADVICES = (POSITIVE, POSITIVE_WITH_CONDITIONS, NEGATIVE)

ADOPT = "adopt"
DEVIATE = "deviate"
DIRECTOR_DECISIONS = (ADOPT, DEVIATE)
MAX_VERDICT_TEXT = 5000


class Verdict(db.Model):
    """The board's joint verdict on one version; rewritten until the decision is taken."""

    __tablename__ = "assessment_verdicts"
    audit_type = "verdict"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assessment_versions.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    want_this: Mapped[str] = mapped_column(Text)
    explain_to_residents: Mapped[str] = mapped_column(Text)
    advice: Mapped[str] = mapped_column(String(30))
    reasons: Mapped[str] = mapped_column(Text)
    # Monitoring thresholds the board sets with its verdict ({key: value}, only those it
    # set; `assessments.monitoring_rules`); fixed at approval over the level's defaults.
    monitoring_thresholds: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()


class DirectorDecision(db.Model):
    """The director's decision on the board's advice for one version. Written once."""

    __tablename__ = "director_decisions"
    audit_type = "director_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("assessment_versions.id"), unique=True)
    director_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str] = mapped_column(String(10))
    reasons: Mapped[str] = mapped_column(Text, default="")
    # The board's advice the decision was taken on, and what it came to.
    advice: Mapped[str] = mapped_column(String(30))
    result: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    director: Mapped[User] = relationship()

    @property
    def overrides_negative_advice(self) -> bool:
        return self.advice == NEGATIVE and self.result == quorum.OUTCOME_APPROVED


# ----------------------------------------------------------------------------- pure rules


def expected_advice(outcome: quorum.Outcome) -> str | None:
    """The advice the board's decisions add up to; None while the quorum is pending."""
    if outcome.state == quorum.OUTCOME_APPROVED:
        return POSITIVE_WITH_CONDITIONS if outcome.with_conditions else POSITIVE
    if outcome.state == quorum.OUTCOME_REJECTED:
        return NEGATIVE
    return None


def director_result(advice: str, decision: str) -> str:
    """Adopting a positive advice approves, adopting a negative one rejects; deviating does
    the opposite."""
    positive = advice in (POSITIVE, POSITIVE_WITH_CONDITIONS)
    approves = positive if decision == ADOPT else not positive
    return quorum.OUTCOME_APPROVED if approves else quorum.OUTCOME_REJECTED


def clean_verdict(data: dict) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    clean = {
        name: clean_text(data.get(name), name, errors, required=True)
        for name in ("want_this", "explain_to_residents", "reasons")
    }
    for name, value in clean.items():
        if len(value) > MAX_VERDICT_TEXT and name not in errors:
            errors[name] = "too_long"
    advice = data.get("advice")
    if advice not in ADVICES:
        errors["advice"] = "choice" if advice not in (None, "") else "required"
    clean["advice"] = advice
    return clean, errors


def clean_director_decision(data: dict) -> tuple[dict, dict[str, str]]:
    """Deviating needs reasons (explain); adopting may give them."""
    errors: dict[str, str] = {}
    decision = data.get("decision")
    if decision not in DIRECTOR_DECISIONS:
        errors["decision"] = "choice" if decision not in (None, "") else "required"
    reasons = clean_text(data.get("reasons"), "reasons", errors, required=decision == DEVIATE)
    if len(reasons) > MAX_VERDICT_TEXT and "reasons" not in errors:
        errors["reasons"] = "too_long"
    return {"decision": decision, "reasons": reasons}, errors


# ------------------------------------------------------------------------------- queries


def directors_for(session: Session, department: str) -> list[User]:
    """The active directors who decide for `department` (one without departments: all)."""
    people = session.scalars(
        select(User)
        .join(UserRole)
        .where(UserRole.role == DIRECTOR, User.active.is_(True))
        .order_by(User.name)
    )
    return [person for person in people if directs(person, department)]


def director_required(session: Session, assessment: Assessment) -> bool:
    rules = facts(assessment)
    authors = {rules.owner_id, *rules.editor_ids}
    return any(p.id not in authors for p in directors_for(session, rules.department))


def verdict_of(session: Session, version: AssessmentVersion | None) -> Verdict | None:
    if version is None:
        return None
    return session.scalar(select(Verdict).where(Verdict.version_id == version.id))


def decision_of(session: Session, version: AssessmentVersion | None) -> DirectorDecision | None:
    if version is None:
        return None
    return session.scalar(select(DirectorDecision).where(DirectorDecision.version_id == version.id))


def latest_approved_advice(session: Session, assessment: Assessment):
    """(verdict, decision) of the newest approved version, for the register and record."""
    approved = [v for v in assessment.versions if v.outcome == quorum.OUTCOME_APPROVED]
    version = approved[-1] if approved else None
    return verdict_of(session, version), decision_of(session, version)


def verdict_json(verdict: Verdict | None) -> dict | None:
    if verdict is None:
        return None
    return {
        "want_this": verdict.want_this,
        "explain_to_residents": verdict.explain_to_residents,
        "advice": verdict.advice,
        "reasons": verdict.reasons,
    }


def decision_json(decision: DirectorDecision | None) -> dict | None:
    if decision is None:
        return None
    return {
        "decision": decision.decision,
        "reasons": decision.reasons,
        "advice": decision.advice,
        "result": decision.result,
        "overrides_negative_advice": decision.overrides_negative_advice,
        "decided_at": decision.created_at.isoformat() if decision.created_at else None,
    }


# ---------------------------------------------------------------------------- operations


def write_verdict(session: Session, actor, assessment: Assessment, data: dict) -> Verdict:
    """Write (or rewrite, until the director decides) the board's verdict."""
    lock(session, assessment)
    rules = facts(assessment)
    if not permissions.allowed_in_state(
        permissions.can_write_verdict, actor, rules, workflow.SUBMITTED
    ):
        raise ReviewForbiddenError(
            "Only sounding-board members write the verdict, never on their own work."
        )
    if not permissions.can_write_verdict(actor, rules):
        raise ReviewConflictError(f"The assessment is {assessment.status}; no verdict now.")
    clean, errors = clean_verdict(data)
    # Monitoring thresholds set with the verdict (only those filled in; the level's defaults
    # for the rest). Without the key, a rewritten verdict keeps the ones it had.
    thresholds = None
    if "thresholds" in data:
        thresholds, problems = monitoring_rules.board_thresholds(data["thresholds"])
        errors.update(
            {
                key if key == "thresholds" else f"thresholds.{key}": code
                for key, code in problems.items()
            }
        )
    if errors:
        raise ReviewInvalidError("The verdict is not complete.", errors)
    version = current_version(assessment)
    expected = expected_advice(quorum_state(session, assessment, version).outcome)
    if expected is not None and clean["advice"] != expected:
        raise ReviewInvalidError(
            f"The board's decisions add up to the advice {expected}.", {"advice": "mismatch"}
        )
    verdict = verdict_of(session, version)
    if verdict is None:
        verdict = Verdict(version_id=version.id, author_id=actor.id, **clean)
        session.add(verdict)
    else:
        for name, value in clean.items():
            setattr(verdict, name, value)
        verdict.author_id = actor.id
        verdict.updated_at = utcnow()
    if thresholds is not None:
        verdict.monitoring_thresholds = thresholds
    session.flush()
    audit.record(
        session,
        actor,
        "verdict.written",
        assessment,
        f"assessment {assessment.id} version {version.number}: verdict {clean['advice']}",
        details={
            "version": version.number,
            "advice": clean["advice"],
            "thresholds": dict(verdict.monitoring_thresholds or {}),
        },
    )
    return verdict


def decide_as_director(
    session: Session, actor, assessment: Assessment, data: dict
) -> DirectorDecision:
    """Adopt or deviate; approving then publishes (after commit, through the job queue)."""
    from assessments.review.outcome import apply_outcome

    lock(session, assessment)
    rules = facts(assessment)
    if not permissions.allowed_in_state(
        permissions.can_decide_as_director, actor, rules, workflow.AWAITING_DECISION
    ):
        raise ReviewForbiddenError(
            "Only the director responsible for this department decides on the advice."
        )
    if assessment.status != workflow.AWAITING_DECISION:
        raise ReviewConflictError(
            f"The assessment is {assessment.status}; it does not wait for a decision."
        )
    clean, errors = clean_director_decision(data)
    if errors:
        raise ReviewInvalidError("The decision is not complete.", errors)
    version = current_version(assessment)
    verdict = verdict_of(session, version)
    if verdict is None:
        raise ReviewConflictError("The board has not written its verdict yet.")
    expected = expected_advice(quorum_state(session, assessment, version).outcome)
    if expected is not None and verdict.advice != expected:
        raise ReviewConflictError(
            f"The verdict says {verdict.advice}, the board's decisions add up to {expected}."
        )
    result = director_result(verdict.advice, clean["decision"])
    decision = DirectorDecision(
        version_id=version.id,
        director_id=actor.id,
        advice=verdict.advice,
        result=result,
        **clean,
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor,
        "director.decided",
        assessment,
        f"assessment {assessment.id} version {version.number}: {clean['decision']} "
        f"({verdict.advice}) -> {result}",
        details={"version": version.number, "decision": clean["decision"], "result": result},
    )
    apply_outcome(session, actor, assessment, version, result)
    return decision


def notify_directors(session: Session, assessment: Assessment) -> None:
    """The board advised: the responsible directors hear their decision is needed."""
    from assessments.notifications import _dutch_and_english

    authors = {assessment.owner_id, *(assessment.editor_ids or ())}
    people = [
        p for p in directors_for(session, facts(assessment).department) if p.id not in authors
    ]
    subject_nl, subject_en = _dutch_and_english(N_("advice waiting for your decision"))
    body_nl, body_en = _dutch_and_english(
        N_("The sounding board has advised on '%(title)s'. Adopt the advice or deviate from it."),
        title=assessment.title,
    )
    link = absolute_path(f"/intern/toetsingen/{assessment.id}/beoordeling#director-decision")
    mail.queue(
        session,
        [p.email for p in people],
        f"Uthiek: {subject_nl} / {subject_en}: {assessment.title}",
        f"{body_nl}\n{body_en}\n\n{link}\n",
    )
