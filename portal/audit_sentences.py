"""The audit log in sentences: an event becomes "Karim heeft 3 antwoorden opgeslagen in
Toetsing Slim vegen", with a link to the object, instead of "assessment.answers_saved".

One registry, filled by every package for its own action codes and object types when it is
imported (the app factory imports them: `portal.auth.audit_sentences`,
`register.audit_sentences`, `assessments.audit_sentences`). Portal itself never imports the
packages that use it; they register here.

- `@sentence(action, label)` registers a writer: `write(event, parts) -> str`, a translated
  sentence built with gettext/ngettext from `parts.who` and `parts.object` (already escaped
  Markup) and numbers or labels of our own. Anything else taken from the event (a summary,
  a detail) goes through `escape()` first: the result is marked safe.
- `@objects(object_type, label)` registers a loader: `load(session, ids, viewer)` ->
  `{id: ObjectRef}`, the name and link of each object (in one query per type and page).
- `describe(session, events, viewer)` -> one `Described` per event, in order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import AuditEvent
from portal.auth.models import User


@dataclass(frozen=True)
class ObjectRef:
    """What a sentence calls an object and where its page is (None: no page to link to)."""

    label: str
    url: str | None = None
    # Anything else a sentence may need to know (e.g. an incident's kind); plain data.
    facts: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Parts:
    """The pieces a writer puts into its sentence."""

    who: Markup  # the actor's name, escaped ("Het systeem" when none)
    object: Markup  # the object's name as a link (escaped), or just its name
    ref: ObjectRef | None
    actor_is_object: bool  # e.g. someone changing their own password
    has_actor: bool


@dataclass(frozen=True)
class Sentence:
    action: str
    label: object  # a lazy string: the action in the filter's list ("Antwoorden opgeslagen")
    write: Callable[[AuditEvent, Parts], str]


@dataclass(frozen=True)
class ObjectKind:
    object_type: str
    label: object  # a lazy string: the type in the filter's list ("Toetsing")
    load: Callable[[Session, list[str], object], dict[str, ObjectRef]]


@dataclass(frozen=True)
class Described:
    event: AuditEvent
    sentence: Markup
    who: str


_SENTENCES: dict[str, Sentence] = {}
_OBJECTS: dict[str, ObjectKind] = {}


def sentence(action: str, label):
    """Register the sentence of one action code (a decorator)."""

    def decorate(write):
        _SENTENCES[action] = Sentence(action, label, write)
        return write

    return decorate


def objects(object_type: str, label):
    """Register how objects of one type are named and linked (a decorator)."""

    def decorate(load):
        _OBJECTS[object_type] = ObjectKind(object_type, label, load)
        return load

    return decorate


def registered_actions() -> set[str]:
    return set(_SENTENCES)


def registered_object_types() -> set[str]:
    return set(_OBJECTS)


def action_label(action: str) -> str:
    known = _SENTENCES.get(action)
    return str(known.label) if known else action


def object_type_label(object_type: str) -> str:
    known = _OBJECTS.get(object_type)
    return str(known.label) if known else object_type


def number_in(text: str, default: int = 0) -> int:
    """The first whole number in a summary ("12 answers changed" -> 12)."""
    match = re.search(r"\d{1,9}", text or "")
    return int(match.group()) if match else default


def detail(event: AuditEvent, name: str, default=None):
    details = event.details if isinstance(event.details, dict) else {}
    return details.get(name, default)


def link(ref: ObjectRef | None, fallback: str) -> Markup:
    if ref is None:
        return escape(fallback)
    if not ref.url:
        return escape(ref.label)
    return Markup('<a class="utrecht-link" href="{}">{}</a>').format(ref.url, ref.label)


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _load_objects(session: Session, events: list[AuditEvent], viewer) -> dict:
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.object_type in _OBJECTS and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    found = {}
    for object_type, ids in wanted.items():
        loaded = _OBJECTS[object_type].load(session, sorted(ids), viewer)
        for object_id, ref in loaded.items():
            found[(object_type, object_id)] = ref
    return found


def _fallback(event: AuditEvent, parts: Parts) -> str:
    # Not reached for the codes in use (a test lists them); an old or foreign code still
    # reads as something rather than nothing.
    return _("%(who)s: %(action)s", who=parts.who, action=escape(event.action))


def describe(session: Session, events: Iterable[AuditEvent], viewer=None) -> list[Described]:
    """Each event as a sentence with a link to its object, for `viewer`'s pages."""
    events = list(events)
    names = _names(session, {e.actor_id for e in events if e.actor_id})
    refs = _load_objects(session, events, viewer)
    described = []
    for event in events:
        name = names.get(event.actor_id) or event.actor_email or ""
        who = escape(name) if name else escape(_("The system"))
        ref = refs.get((event.object_type, event.object_id))
        parts = Parts(
            who=who,
            object=link(ref, _("an object that no longer exists")),
            ref=ref,
            actor_is_object=(
                event.object_type == "user"
                and event.actor_id is not None
                and event.object_id == str(event.actor_id)
            ),
            has_actor=bool(name),
        )
        known = _SENTENCES.get(event.action)
        text = (known.write if known else _fallback)(event, parts)
        # Safe: the writers build from escaped parts and our own translations (see above).
        described.append(Described(event, Markup(text), name))  # noqa: S704
    return described
