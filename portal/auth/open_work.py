"""What a person still has to do, asked of every package that knows: shown before their
account is deactivated, so nothing they hold is left waiting unseen.

Portal knows no assessments; a package registers a provider at app creation
(`register(app, provider)`, e.g. `assessments.open_work.init_app`), and
`of_user(session, user)` asks each. A provider answers with `OpenItem`s: what is open, in
words for the admin, and where it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy.orm import Session

EXTENSION = "open_work_providers"


@dataclass(frozen=True)
class OpenItem:
    kind: str  # a heading for the group ("Reviews to decide")
    text: str  # the item, in words ("Slim vegen, version 2")
    url: str | None = None


Provider = Callable[[Session, object], list[OpenItem]]


def register(app: Flask, provider: Provider) -> None:
    providers = app.extensions.setdefault(EXTENSION, [])
    if provider not in providers:
        providers.append(provider)


def of_user(session: Session, user) -> list[OpenItem]:
    """Everything every registered package says `user` still has open."""
    items: list[OpenItem] = []
    for provider in current_app.extensions.get(EXTENSION, []):
        items.extend(provider(session, user))
    return items
