"""Short notification emails, sent only when the transaction that caused them commits.

With `MAIL_SERVER` configured they go out over SMTP; otherwise each message is logged, so a
development machine or a test run shows what would have been sent.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

log = logging.getLogger("portal.mail")
_QUEUE_KEY = "pending_mail"


def queue(
    session: Session,
    recipients: list[str],
    subject: str,
    body: str,
    *,
    headers: dict[str, str] | None = None,
    private: bool = False,
) -> None:
    """Send after commit; dropped on rollback. `private`: mail to residents, whose address
    and message (which may hold a personal link) never go into the log."""
    recipients = sorted({r for r in recipients if r})
    if recipients:
        if isinstance(session, scoped_session):
            session = session()
        if not session.in_transaction():
            session.begin()  # so that a rollback drops what was queued
        # The innermost transaction: a savepoint rolled back drops only its own mail.
        within = session.get_nested_transaction() or session.get_transaction()
        session.info.setdefault(_QUEUE_KEY, []).append(
            (within, (recipients, subject, body, dict(headers or {}), private))
        )


def send(
    recipients: list[str],
    subject: str,
    body: str,
    *,
    headers: dict[str, str] | None = None,
    private: bool = False,
) -> None:
    config = current_app.config if has_app_context() else {}
    server = config.get("MAIL_SERVER")
    logged_to = {"recipients": len(recipients)} if private else {"to": recipients}
    if not server:
        log.info(
            "mail not configured; message logged",
            extra={**logged_to, "subject": subject, **({} if private else {"body": body})},
        )
        return
    message = EmailMessage()
    message["From"] = config.get("MAIL_FROM")
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    try:
        with smtplib.SMTP(server, int(config.get("MAIL_PORT", 25)), timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # A notification must never undo or block the decision that caused it.
        log.exception("sending mail failed", extra={**logged_to, "subject": subject})


def send_job(recipients: list[str], subject: str, body: str, headers: dict, private: bool) -> None:
    """In a job worker (portal/jobs.py): send one message."""
    send(recipients, subject, body, headers=headers, private=private)


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    from portal import jobs  # with REDIS_URL a worker sends, so no request waits for SMTP

    if session.get_nested_transaction() is not None:
        return  # a savepoint was released; the work can still be rolled back
    for _within, message in session.info.pop(_QUEUE_KEY, []):
        if not has_app_context() or not jobs.enqueue(send_job, *message, retries=2):
            send_job(*message)


def _inside(transaction, rolled_back) -> bool:
    while transaction is not None:
        if transaction is rolled_back:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued(session: Session, previous_transaction) -> None:
    """Drop the mail queued inside the transaction or savepoint that was rolled back (and
    inside savepoints released into it); mail of the rest of the transaction stays."""
    queued = session.info.get(_QUEUE_KEY)
    if queued:
        kept = [item for item in queued if not _inside(item[0], previous_transaction)]
        session.info[_QUEUE_KEY] = kept
