"""Publication of an approved version: render its records after the approval commits, then
store them and publish the entry in one transaction, so there is never an entry without its
record nor a record without its approved state. An interrupted run is finished by
`resume_pending`. Unlike the operations, this commits: rendering is slow and must not hold
the row lock, so it runs between the approval's transaction and its own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import assessments.records.pdf as pdf
from assessments import advice, obligations, rules_v2
from assessments.bank import get_bank
from assessments.models import RECORD_PUBLIC, Assessment, Record
from assessments.records.store import RECORD_KINDS, sha256
from assessments.review.queries import current_version
from assessments.review.transitions import lock
from portal import audit
from portal.problems import N_
from portal.urls import absolute_path
from register import operations as register_operations
from register.models import Algorithm

log = logging.getLogger(__name__)
UTHIEK_TITLE = "Utrecht Uthiek Assessment"
EU_DATABASE_ANSWER = "ai_act.eu_database_url"


def publish_approved(session: Session, actor, assessment: Assessment) -> Algorithm | None:
    """Render, store and publish an approved version whose record is still pending, and
    commit. Renders first (outside any lock); storing and publishing is one transaction."""
    version = current_version(assessment)
    if not assessment.publication_pending or version is None:
        return assessment.algorithm
    rendered = {kind: pdf.render(assessment, version, kind) for kind in RECORD_KINDS}
    for attempt in range(3):
        try:
            algorithm = _store_and_publish(session, actor, assessment, rendered)
            session.commit()
            return algorithm
        except IntegrityError:
            # A concurrent publication took the same new slug first; the retry sees it.
            session.rollback()
            if attempt == 2:
                raise
    return None


def _store_and_publish(session: Session, actor, assessment: Assessment, rendered: dict):
    lock(session, assessment)
    version = current_version(assessment)
    if not assessment.publication_pending:
        return assessment.algorithm  # finished by a concurrent run

    algorithm = assessment.algorithm
    if algorithm is None:
        algorithm = register_operations.create_algorithm(session, version.register_fields)
        session.flush()
        assessment.algorithm_id = algorithm.id
        assessment.algorithm = algorithm
    stored = {}
    for kind, data in rendered.items():
        record = Record(
            version_id=version.id,
            algorithm_id=algorithm.id,
            kind=kind,
            sha256=sha256(data),
            size=len(data),
            pdf=data,
        )
        session.add(record)
        stored[kind] = record
    session.flush()

    public_url = absolute_path(
        f"/algoritmes/{algorithm.slug}/records/{stored[RECORD_PUBLIC].id}.pdf"
    )
    content = dict(version.register_fields)
    others = [
        item
        for item in content.get("impacttoetsen_grouping") or []
        if isinstance(item, dict) and item.get("title") != UTHIEK_TITLE
    ]
    content["impacttoetsen_grouping"] = [{"title": UTHIEK_TITLE, "link": public_url}, *others]
    # The EU database link answered in the AI Act section (bank 2) goes into the entry;
    # from bank 2 on the register refuses a high-risk AI system without it.
    registered_at_eu = (version.answers or {}).get(EU_DATABASE_ANSWER)
    if not (content.get("eu_database_url") or "").strip() and isinstance(registered_at_eu, str):
        content["eu_database_url"] = registered_at_eu.strip()
    register_operations.publish(
        session,
        algorithm,
        content,
        summary=register_operations.register_text(
            N_("Uthiek assessment version %(number)s approved"), number=version.number
        ),
        actor=actor,
        require_eu_registration=rules_v2.applies_to(
            get_bank(version.bank_id, version.bank_version)
        ),
    )
    public = stored[RECORD_PUBLIC]
    register_operations.attach_record(
        algorithm,
        record_id=public.id,
        sha256=public.sha256,
        size=public.size,
        url=public_url,
        version=version.number,
        decided_at=version.decided_at,
        reassessment_due=assessment.reassessment_due,
        risk_level=version.risk_level,
    )
    # The board's verdict, the director's decision and the conditions go with it.
    register_operations.attach_advice(
        algorithm,
        verdict=advice.verdict_json(advice.verdict_of(session, version)),
        director_decision=advice.decision_json(advice.decision_of(session, version)),
    )
    obligations.sync_register(session, assessment)
    from assessments import aftercare  # late: aftercare imports the review

    aftercare.fix_thresholds_at_approval(session, assessment, version.risk_level)
    assessment.publication_pending = False
    audit.record(
        session,
        actor,
        "record.stored",
        assessment,
        f"assessment {assessment.id} version {version.number}: records stored, "
        f"public sha256 {stored[RECORD_PUBLIC].sha256[:16]}…",
        details={kind: record.sha256 for kind, record in stored.items()},
    )
    return algorithm


@dataclass
class ResumeResult:
    done: list[int] = field(default_factory=list)
    # (assessment id, why it failed): the others went ahead regardless.
    failed: list[tuple[int, str]] = field(default_factory=list)


def resume_pending(session: Session, actor=None) -> ResumeResult:
    """Finish every approval whose record was not stored (for example after a crash).

    One failing approval (a record that does not render, a slug conflict) is rolled back,
    reported and skipped; it never holds up the others."""
    result = ResumeResult()
    pending = list(
        session.scalars(
            select(Assessment.id)
            .where(Assessment.publication_pending.is_(True))
            .order_by(Assessment.id)
        )
    )
    for assessment_id in pending:
        try:
            publish_approved(session, actor, session.get(Assessment, assessment_id))
        except Exception as failure:  # any failure is reported; then the next one
            session.rollback()
            log.exception("record of assessment %s could not be finished", assessment_id)
            reason = f"{type(failure).__name__}: {failure}".replace("\n", " ")
            result.failed.append((assessment_id, reason[:300]))
        else:
            result.done.append(assessment_id)
    return result


def publish_now(session: Session, actor, assessment: Assessment) -> bool:
    """After an approval has committed: render, store and publish. On failure the approval
    stays pending (nothing is published) and `flask records resume` finishes it later."""
    if not assessment.publication_pending:
        return True
    try:
        publish_approved(session, actor, assessment)
        return True
    except Exception:
        session.rollback()
        log.exception("rendering or publishing the record failed; it stays pending")
        return False
