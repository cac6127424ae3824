"""Mails about assessments. Each is queued in the session (`portal.mail.queue`) and sent only
after the transaction commits, so a refused or rolled-back change never mails anyone."""

from __future__ import annotations

from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from assessments import quorum
from assessments.models import Assessment, AssessmentVersion
from portal import mail
from portal.auth.queries import people_with_role
from portal.auth.roles import PRIVACY_OFFICER, REVIEWER
from portal.problems import N_
from portal.urls import absolute_path

# Staff mails speak both languages, Dutch first; the texts come from the catalogue.
OUTCOME_LABELS = {
    quorum.OUTCOME_APPROVED: N_("approved"),
    quorum.OUTCOME_REJECTED: N_("rejected"),
    quorum.OUTCOME_CHANGES_REQUESTED: N_("sent back for changes"),
}


def _dutch_and_english(msgid: str, **params) -> tuple[str, str]:
    texts = []
    for locale in ("nl", "en"):
        with force_locale(locale):
            texts.append(gettext(msgid, **params) if params else gettext(msgid))
    return texts[0], texts[1]


def notify_board(session: Session, assessment: Assessment, version: AssessmentVersion) -> None:
    """The submitted `version` waits for the board (and the privacy officer when it
    processes personal data); its authors are not told to review their own work."""
    people = people_with_role(session, REVIEWER)
    if version.personal_data:
        people += people_with_role(session, PRIVACY_OFFICER)
    authors = {assessment.owner_id, *(assessment.editor_ids or ())}
    link = absolute_path(f"/intern/toetsingen/{assessment.id}/beoordeling")
    subject_nl, subject_en = _dutch_and_english(N_("assessment to review"))
    body_nl, body_en = _dutch_and_english(
        N_("Version %(number)s of '%(title)s' waits for your review."),
        number=assessment.version,
        title=assessment.title,
    )
    mail.queue(
        session,
        [p.email for p in people if p.id not in authors],
        f"Uthiek: {subject_nl} / {subject_en}: {assessment.title}",
        f"{body_nl}\n{body_en}\n\n{link}\n",
    )


def notify_owner(session: Session, assessment: Assessment, outcome: str) -> None:
    """The quorum decided: the owner hears the outcome."""
    labels, bodies = [], []
    for locale in ("nl", "en"):
        with force_locale(locale):
            labels.append(gettext(OUTCOME_LABELS[outcome]))
            bodies.append(
                gettext(
                    N_("Version %(number)s of '%(title)s' was %(outcome)s."),
                    number=assessment.version,
                    title=assessment.title,
                    outcome=labels[-1],
                )
            )
    link = absolute_path(f"/intern/toetsingen/{assessment.id}")
    mail.queue(
        session,
        [assessment.owner.email],
        f"Uthiek: {assessment.title} - {labels[0]} / {labels[1]}",
        f"{bodies[0]}\n{bodies[1]}\n\n{link}\n",
    )


def notify_board_of_monitoring(
    session: Session, assessment: Assessment, name: str, rules: list[str], reopened: bool
) -> None:
    """A monitoring report breached its thresholds (or flagged a group): the board hears
    it, with whether the assessment was reopened."""
    people = people_with_role(session, REVIEWER)
    authors = {assessment.owner_id, *(assessment.editor_ids or ())}
    link = absolute_path(f"/intern/toetsingen/{assessment.id}")
    subject_nl, subject_en = _dutch_and_english(N_("monitoring report outside its thresholds"))
    body_nl, body_en = _dutch_and_english(
        N_("The monitoring report of '%(title)s' is outside its thresholds: %(rules)s."),
        title=name,
        rules=", ".join(rules),
    )
    status = (
        N_("The assessment is open again for a re-assessment.")
        if reopened
        else N_("The assessment was already open.")
    )
    status_nl, status_en = _dutch_and_english(status)
    mail.queue(
        session,
        [p.email for p in people if p.id not in authors],
        f"Uthiek: {subject_nl} / {subject_en}: {name}",
        f"{body_nl} {status_nl}\n{body_en} {status_en}\n\n{link}\n",
    )
