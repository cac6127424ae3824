"""The audit sentences of the register: publication, suspension, incidents, declared
changes and residents' questions (see portal/audit_sentences.py)."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from portal.audit_sentences import ObjectRef, detail, number_in, objects, sentence
from register import feedback
from register.aftercare import KIND_COMPLAINT, EntryChange, Incident
from register.models import Algorithm


def _numbers(ids) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def _entry_refs(session, algorithm_ids: set[int]) -> dict[int, Algorithm]:
    if not algorithm_ids:
        return {}
    return {
        a.id: a for a in session.scalars(select(Algorithm).where(Algorithm.id.in_(algorithm_ids)))
    }


def _entry_ref(algorithm: Algorithm | None, **facts) -> ObjectRef | None:
    if algorithm is None:
        return None
    return ObjectRef(algorithm.name, url_for("register.entry", slug=algorithm.slug), facts)


@objects("algorithm", _l("Algorithm in the register"))
def _algorithms(session, ids, viewer):
    found = _entry_refs(session, set(_numbers(ids)))
    return {str(i): _entry_ref(a) for i, a in found.items()}


@objects("incident", _l("Incident or complaint"))
def _incidents(session, ids, viewer):
    rows = list(session.scalars(select(Incident).where(Incident.id.in_(_numbers(ids)))))
    entries = _entry_refs(session, {r.algorithm_id for r in rows})
    refs = {str(r.id): _entry_ref(entries.get(r.algorithm_id), kind=r.kind) for r in rows}
    return {key: ref for key, ref in refs.items() if ref is not None}


@objects("entry_change", _l("Declared change"))
def _changes(session, ids, viewer):
    rows = list(session.scalars(select(EntryChange).where(EntryChange.id.in_(_numbers(ids)))))
    entries = _entry_refs(session, {r.algorithm_id for r in rows})
    refs = {str(r.id): _entry_ref(entries.get(r.algorithm_id)) for r in rows}
    return {key: ref for key, ref in refs.items() if ref is not None}


@objects("feedback", _l("Resident's question"))
def _questions(session, ids, viewer):
    refs = {}
    for item in session.scalars(
        select(feedback.Feedback).where(feedback.Feedback.id.in_(_numbers(ids)))
    ):
        may_open = viewer is not None and feedback.can_see(viewer, item)
        url = url_for("residents.handle", feedback_id=item.id) if may_open else None
        refs[str(item.id)] = ObjectRef(item.reference, url)
    return refs


@sentence("register.published", _l("Published in the register"))
def _published(event, p):
    if p.has_actor:
        return _("%(who)s published %(object)s in the register.", who=p.who, object=p.object)
    return _("%(object)s was published in the register.", object=p.object)


@sentence("register.draft_saved", _l("Draft of an entry saved"))
def _draft_saved(event, p):
    return _("A draft of %(object)s was saved.", object=p.object)


@sentence("entry.suspended", _l("Algorithm suspended"))
def _suspended(event, p):
    return _("%(who)s suspended %(object)s.", who=p.who, object=p.object)


@sentence("entry.suspension_lifted", _l("Suspension lifted"))
def _lifted(event, p):
    return _("%(who)s lifted the suspension of %(object)s.", who=p.who, object=p.object)


def _is_complaint(p) -> bool:
    return bool(p.ref and p.ref.facts.get("kind") == KIND_COMPLAINT)


@sentence("entry.incident_recorded", _l("Incident or complaint recorded"))
def _incident_recorded(event, p):
    if _is_complaint(p):
        return _("%(who)s recorded a complaint about %(object)s.", who=p.who, object=p.object)
    return _("%(who)s recorded an incident with %(object)s.", who=p.who, object=p.object)


@sentence("entry.incident_closed", _l("Incident or complaint closed"))
def _incident_closed(event, p):
    if _is_complaint(p):
        return _("%(who)s closed a complaint about %(object)s.", who=p.who, object=p.object)
    return _("%(who)s closed an incident with %(object)s.", who=p.who, object=p.object)


@sentence("entry.incident_open", _l("Incident or complaint reopened"))
def _incident_open(event, p):
    if _is_complaint(p):
        return _("%(who)s reopened a complaint about %(object)s.", who=p.who, object=p.object)
    return _("%(who)s reopened an incident with %(object)s.", who=p.who, object=p.object)


@sentence("entry.change_declared", _l("Change declared"))
def _change_declared(event, p):
    if detail(event, "material"):
        return _("%(who)s declared a material change of %(object)s.", who=p.who, object=p.object)
    return _("%(who)s declared a minor change of %(object)s.", who=p.who, object=p.object)


@sentence("feedback.received", _l("Question from a resident"))
def _received(event, p):
    return _("A resident asked question %(object)s.", object=p.object)


@sentence("feedback.updated", _l("Resident's question handled"))
def _feedback_updated(event, p):
    return _("%(who)s worked on question %(object)s.", who=p.who, object=p.object)


@sentence("feedback.purged", _l("Old questions removed"))
def _purged(event, p):
    count = number_in(event.summary)
    return ngettext(
        "%(num)d old question was removed (personal data is kept only for a limited time).",
        "%(num)d old questions were removed (personal data is kept only for a limited time).",
        count,
    )
