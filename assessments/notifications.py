"""Mails about assessments. Each is queued in the session (`portal.mail.queue`) and sent only
after the transaction commits, so a refused or rolled-back change never mails anyone."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assessments import quorum
from assessments.models import Assessment, AssessmentVersion
from portal import mail
from portal.auth.queries import people_with_role
from portal.auth.roles import PRIVACY_OFFICER, REVIEWER
from portal.urls import absolute_path


def notify_board(session: Session, assessment: Assessment, version: AssessmentVersion) -> None:
    """The submitted `version` waits for the board (and the privacy officer when it
    processes personal data); its authors are not told to review their own work."""
    people = people_with_role(session, REVIEWER)
    if version.personal_data:
        people += people_with_role(session, PRIVACY_OFFICER)
    authors = {assessment.owner_id, *(assessment.editor_ids or ())}
    link = absolute_path(f"/intern/toetsingen/{assessment.id}/beoordeling")
    mail.queue(
        session,
        [p.email for p in people if p.id not in authors],
        f"Uthiek: toetsing ter beoordeling / assessment to review: {assessment.title}",
        f"Versie {assessment.version} van '{assessment.title}' wacht op uw beoordeling.\n"
        f"Version {assessment.version} of '{assessment.title}' waits for your review.\n\n{link}\n",
    )


def notify_owner(session: Session, assessment: Assessment, outcome: str) -> None:
    """The quorum decided: the owner hears the outcome."""
    labels = {
        quorum.OUTCOME_APPROVED: ("goedgekeurd", "approved"),
        quorum.OUTCOME_REJECTED: ("afgewezen", "rejected"),
        quorum.OUTCOME_CHANGES_REQUESTED: ("terug voor wijzigingen", "sent back for changes"),
    }[outcome]
    link = absolute_path(f"/intern/toetsingen/{assessment.id}")
    mail.queue(
        session,
        [assessment.owner.email],
        f"Uthiek: {assessment.title} - {labels[0]} / {labels[1]}",
        f"Versie {assessment.version} van '{assessment.title}' is {labels[0]}.\n"
        f"Version {assessment.version} of '{assessment.title}' was {labels[1]}.\n\n{link}\n",
    )
