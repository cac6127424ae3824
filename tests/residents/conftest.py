"""Fixtures of the residents' channel tests: a real SMTP server on 127.0.0.1 (aiosmtpd)
that the app sends to, and the form's spam checks relaxed unless a test is about them."""

from __future__ import annotations

import re
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.assessments.conftest import api  # noqa: F401 (the fixture, shared)


class _Collect:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


class Mailbox:
    def __init__(self, handler: _Collect) -> None:
        self._handler = handler

    @property
    def messages(self) -> list[EmailMessage]:
        return list(self._handler.messages)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["X-Envelope-To"]]

    def clear(self) -> None:
        self._handler.messages.clear()


def body_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message: EmailMessage, path: str) -> str:
    match = re.search(rf"https?://\S+{re.escape(path)}\S*", body_of(message))
    assert match, f"no link to {path} in the mail"
    return match.group(0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(app, monkeypatch):
    """Mail goes over SMTP to a local aiosmtpd server; the test reads what arrived."""
    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    try:
        yield Mailbox(handler)
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def _quick_forms(app, monkeypatch):
    """People take a few seconds; tests do not. The spam tests set it back."""
    monkeypatch.setitem(app.config, "FEEDBACK_MIN_SECONDS", 0)
