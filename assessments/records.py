"""The signed PDF record of an approved version, and its publication to the register.

Two files per approved version, rendered once with WeasyPrint as PDF/A-3b:

- the **public record**: the answers the question bank marks public, the risk level and the
  review outcome (decision, conditions, dissent counted, no names); the public entry page
  shows its SHA-256 and `/algoritmes/<slug>/record.pdf` serves exactly these bytes;
- the **internal record**: every answer, the risk level's reasons, the group outcome table,
  the chain-partner sources and each reviewer's name, decision, conditions and dissent;
  served to staff at `/api/v1/assessments/<id>/record.pdf`.

Each embeds its content as JSON (`toetsing.json`), so the record is machine-readable too.
Rendering happens after the approval commits; `publish_approved` then stores both files and
publishes the entry in one transaction, so there is never an entry without its record nor a
record without its approved state. An interrupted run is finished by `resume_pending`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from flask import Response, render_template, request
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assessments import presentation, quorum
from assessments.answers import GROUP_OUTCOMES
from assessments.bank import get_bank
from assessments.conditions import shown_questions
from assessments.models import (
    RECORD_INTERNAL,
    RECORD_PUBLIC,
    Assessment,
    AssessmentVersion,
    Record,
)
from assessments.outcomes import analyse
from portal import audit
from portal.urls import absolute_path
from register import operations as register_operations
from register.models import Algorithm

log = logging.getLogger(__name__)
UTHIEK_TITLE = "Utrecht Uthiek Assessment"
RECORD_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "record.css"
PDF_VARIANT = "pdf/a-3b"
RECORD_KINDS = (RECORD_PUBLIC, RECORD_INTERNAL)


_FETCHER_CLASS = None


def record_url_fetcher():
    """A WeasyPrint URL fetcher that fetches nothing (WeasyPrint 70's URLFetcher API).

    Records are built from our own template and stylesheet (read from its file, not
    fetched); a reference to anything else (`file:`, `http:`, `data:` or relative, from a
    template change or markup that slipped into a record) is refused. WeasyPrint reports a
    refused resource as a warning and renders the rest, so a hostile reference can neither
    read a file or an internal address into the PDF nor abort the rendering."""
    global _FETCHER_CLASS
    if _FETCHER_CLASS is None:
        from weasyprint.urls import URLFetcher

        class RecordURLFetcher(URLFetcher):
            def __init__(self):
                super().__init__(
                    timeout=1, allowed_protocols=(), allow_redirects=False, fail_on_errors=False
                )

            def fetch(self, url, headers=None):
                raise ValueError(f"records load no external resources ({url[:80]})")

        _FETCHER_CLASS = RecordURLFetcher
    return _FETCHER_CLASS()


def record_data(assessment: Assessment, version: AssessmentVersion, kind: str) -> dict:
    """The record's content as data: embedded as JSON and rendered as the PDF's text."""
    bank = get_bank(version.bank_id, version.bank_version)
    public = kind == RECORD_PUBLIC
    # Answers to questions that no longer apply (a condition changed) are not part of it.
    shown = {q.id for q in shown_questions(bank.questions, version.answers)}
    answers = {
        qid: value
        for qid, value in version.answers.items()
        if qid in shown and (not public or bank.by_id[qid].public)
    }
    reviews = []
    for review in version.reviews:
        item = {
            "decision": review.decision,
            "date": review.created_at.date().isoformat(),
            "conditions": review.conditions,
        }
        if not public:
            item.update(
                reviewer=review.reviewer.name,
                as_board_member=review.as_board_member,
                as_privacy_officer=review.as_privacy_officer,
                comment=review.comment,
                section_advice=review.section_advice,
                remaining_risks=review.remaining_risks,
                risk_accepted_by=review.risk_accepted_by,
                proposed_reassessment=review.proposed_reassessment.isoformat()
                if review.proposed_reassessment
                else None,
            )
        reviews.append(item)
    risk = version.risk["nl"]
    data = {
        "record": {"kind": kind, "format": PDF_VARIANT, "language": "nl"},
        "assessment": {
            "id": assessment.id,
            "version": version.number,
            "bank": {"id": version.bank_id, "version": version.bank_version},
            "submitted_at": version.submitted_at.isoformat(),
            "decided_at": version.decided_at.isoformat() if version.decided_at else None,
            "outcome": version.outcome,
            "with_conditions": any(
                r.decision == quorum.APPROVE_WITH_CONDITIONS for r in version.reviews
            ),
            "dissent": sum(1 for r in version.reviews if r.decision == quorum.REJECT),
            "reassessment_due": assessment.reassessment_due.isoformat()
            if assessment.reassessment_due
            else None,
        },
        "algorithm": version.register_fields,
        "risk": {
            "level": risk["level"],
            "label": risk["label"],
            "weights_version": risk["weights_version"],
            "blocking": risk["blocking"],
        },
        "answers": answers,
        "reviews": reviews,
    }
    if not public:
        data["risk"] = risk
        data["assessment"]["owner"] = assessment.owner.name
        data["assessment"]["submitted_by"] = version.submitted_by.name
        data["group_outcomes"] = analyse(answers.get(GROUP_OUTCOMES) or []).as_dict()
    return data


def record_html(assessment: Assessment, version: AssessmentVersion, kind: str) -> tuple:
    """(HTML of the record, its data for the JSON attachment)."""
    data = record_data(assessment, version, kind)
    bank = get_bank(version.bank_id, version.bank_version)
    with force_locale("nl"):
        html = render_template(
            "records/record.html",
            data=data,
            kind=kind,
            version=version,
            assessment=assessment,
            bank=bank,
            risk=version.risk["nl"],
            sections=presentation.section_answers(
                bank, data["answers"], "nl", public_only=kind == RECORD_PUBLIC
            ),
            outcomes=analyse(data["answers"].get(GROUP_OUTCOMES) or [])
            if kind == RECORD_INTERNAL
            else None,
        )
    return html, data


def html_to_pdf(html: str, *, identifier: str, attachments=()) -> bytes:
    """WeasyPrint with the record's stylesheet, PDF/A variant and locked-down fetcher."""
    from weasyprint import CSS, HTML

    fetcher = record_url_fetcher()
    return HTML(string=html, base_url=str(RECORD_CSS.parent), url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(filename=str(RECORD_CSS), url_fetcher=fetcher)],
        pdf_variant=PDF_VARIANT,
        pdf_identifier=identifier.encode(),
        attachments=list(attachments),
    )


def render(assessment: Assessment, version: AssessmentVersion, kind: str) -> bytes:
    """The PDF bytes of one record. Slow (WeasyPrint): never call it inside a transaction
    that holds locks other requests need."""
    from weasyprint import Attachment

    html, data = record_html(assessment, version, kind)
    attachment = Attachment(
        string=json.dumps(data, ensure_ascii=False, indent=1, default=str),
        name="toetsing.json",
        description="Uthiek-toetsing als JSON / Uthiek assessment as JSON",
        relationship="Data",
        created=version.decided_at,
        modified=version.decided_at,
    )
    return html_to_pdf(html, identifier=f"uthiek-{assessment.id}", attachments=[attachment])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def records_for(session: Session, version: AssessmentVersion) -> dict[str, Record]:
    return {
        r.kind: r for r in session.scalars(select(Record).where(Record.version_id == version.id))
    }


def public_records(session: Session, algorithm: Algorithm) -> list[Record]:
    """The algorithm's public records, newest first."""
    return list(
        session.scalars(
            select(Record)
            .where(Record.algorithm_id == algorithm.id, Record.kind == RECORD_PUBLIC)
            .order_by(Record.created_at.desc(), Record.id.desc())
        )
    )


def publish_approved(session: Session, actor, assessment: Assessment) -> Algorithm | None:
    """Render, store and publish an approved version whose record is still pending, and
    commit. Renders first (outside any lock); storing and publishing is one transaction."""
    from assessments.review import current_version

    version = current_version(assessment)
    if not assessment.publication_pending or version is None:
        return assessment.algorithm
    rendered = {kind: render(assessment, version, kind) for kind in RECORD_KINDS}
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
    from assessments.review import current_version, lock

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
    for kind, pdf in rendered.items():
        record = Record(
            version_id=version.id,
            algorithm_id=algorithm.id,
            kind=kind,
            sha256=sha256(pdf),
            size=len(pdf),
            pdf=pdf,
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
    register_operations.publish(
        session,
        algorithm,
        content,
        summary=f"Uthiek-toetsing versie {version.number} goedgekeurd",
        actor=actor,
    )
    algorithm.risk_level = version.risk_level
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


def verify(session: Session) -> list[tuple[Record, str]]:
    """Re-hash every stored record; returns (record, actual hash) for each mismatch."""
    mismatches = []
    for record in session.scalars(select(Record).order_by(Record.id)):
        actual = sha256(record.pdf)
        if actual != record.sha256 or len(record.pdf) != record.size:
            mismatches.append((record, actual))
    return mismatches


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


def latest_record(session: Session, assessment: Assessment, kind: str) -> Record | None:
    return session.scalars(
        select(Record)
        .join(AssessmentVersion)
        .where(AssessmentVersion.assessment_id == assessment.id, Record.kind == kind)
        .order_by(AssessmentVersion.number.desc())
        .limit(1)
    ).first()


def record_response(
    record: Record, filename: str, *, public: bool = False, immutable: bool = False
):
    """The stored bytes, unchanged, with their hash as ETag (conditional requests get 304)."""
    response = Response(record.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Record-SHA256"] = record.sha256
    response.set_etag(record.sha256)
    if public:
        response.cache_control.public = True
        response.cache_control.max_age = 31_536_000 if immutable else 300
    else:
        response.cache_control.private = True
    return response.make_conditional(request)
