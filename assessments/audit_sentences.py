"""The audit sentences of assessments: answers, submission, the review and its outcome,
conditions, the verdict and the director's decision, records and monitoring (see
portal/audit_sentences.py). Assessments are named by their title and link to their page."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from assessments import advice, obligations, quorum, workflow
from assessments.aftercare import MonitoringReport
from assessments.models import Assessment
from portal.audit_sentences import ObjectRef, detail, number_in, objects, sentence
from register.models import Algorithm


def _numbers(ids) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


@objects("assessment", _l("Assessment"))
def _assessments(session, ids, viewer):
    rows = session.execute(
        select(Assessment.id, Assessment.register_fields).where(Assessment.id.in_(_numbers(ids)))
    ).all()
    return {
        str(row.id): ObjectRef(
            (row.register_fields or {}).get("name") or f"#{row.id}",
            url_for("assessments.overview", assessment_id=row.id),
        )
        for row in rows
    }


@objects("monitoring_report", _l("Monitoring report"))
def _reports(session, ids, viewer):
    rows = session.execute(
        select(MonitoringReport.id, Algorithm.name, Algorithm.slug)
        .join(Algorithm, Algorithm.id == MonitoringReport.algorithm_id)
        .where(MonitoringReport.id.in_(_numbers(ids)))
    ).all()
    return {
        str(row.id): ObjectRef(row.name, url_for("assessments.aftercare_page", slug=row.slug))
        for row in rows
    }


def _version(event) -> int:
    return int(detail(event, "version") or 0) or number_in(
        (event.summary or "").partition("version")[2], 1
    )


# The sentences that name no more than who did it and the assessment (or the algorithm):
# (action code, the action in the filter's list, the sentence).
_PLAIN = (
    ("assessment.created", _l("Assessment created"), _l("%(who)s started assessment %(object)s.")),
    (
        f"assessment.{workflow.SUBMIT}",
        _l("Assessment submitted"),
        _l("Assessment %(object)s was submitted."),
    ),
    (
        f"assessment.{workflow.START_REVIEW}",
        _l("Review started"),
        _l("The review of assessment %(object)s has started."),
    ),
    (
        f"assessment.{workflow.REQUEST_CHANGES}",
        _l("Changes requested"),
        _l("Assessment %(object)s was sent back: changes are requested."),
    ),
    (
        f"assessment.{workflow.ADVISE}",
        _l("Board advised"),
        _l("The sounding board has advised on assessment %(object)s; the director decides."),
    ),
    (
        f"assessment.{workflow.APPROVE}",
        _l("Assessment approved"),
        _l("Assessment %(object)s was approved."),
    ),
    (
        f"assessment.{workflow.REJECT}",
        _l("Assessment rejected"),
        _l("Assessment %(object)s was rejected."),
    ),
    (
        f"assessment.{workflow.WITHDRAW}",
        _l("Assessment withdrawn"),
        _l("%(who)s withdrew assessment %(object)s."),
    ),
    (
        f"assessment.{workflow.REASSESS}",
        _l("Re-assessment started"),
        _l("%(who)s started a re-assessment of %(object)s."),
    ),
    (
        "comment.added",
        _l("Comment added"),
        _l("%(who)s wrote a comment on assessment %(object)s."),
    ),
    (
        "comment.resolved",
        _l("Thread resolved"),
        _l("%(who)s resolved a thread on assessment %(object)s."),
    ),
    (
        "record.stored",
        _l("Record stored"),
        _l("The record of assessment %(object)s was stored."),
    ),
    (
        "monitoring.thresholds_set",
        _l("Monitoring thresholds set"),
        _l("%(who)s set the monitoring thresholds of assessment %(object)s."),
    ),
)

# The sentences that also name the version (from the details, else from the summary).
_OF_VERSION = (
    (
        "assessment.submitted",
        _l("Assessment submitted"),
        _l("%(who)s submitted version %(version)s of assessment %(object)s."),
    ),
    (
        "board_session.recorded",
        _l("Board session recorded"),
        _l(
            "%(who)s wrote down a session of the board on version %(version)s of assessment"
            " %(object)s."
        ),
    ),
    (
        "board_session.changed",
        _l("Board session changed"),
        _l(
            "%(who)s changed a session of the board on version %(version)s of assessment"
            " %(object)s."
        ),
    ),
)


def _plain(text):
    return lambda event, p: text % {"who": p.who, "object": p.object}


def _of_version(text):
    return lambda event, p: text % {"who": p.who, "version": _version(event), "object": p.object}


for _action, _label, _text in _PLAIN:
    sentence(_action, _label)(_plain(_text))
for _action, _label, _text in _OF_VERSION:
    sentence(_action, _label)(_of_version(_text))


@sentence("assessment.answers_saved", _l("Answers saved"))
def _answers_saved(event, p):
    # The summary has the count ("12 answers changed"); the details keep at most 100 ids.
    count = number_in((event.summary or "").partition(":")[2], len(detail(event, "questions", [])))
    return ngettext(
        "%(who)s saved %(num)d answer in assessment %(object)s.",
        "%(who)s saved %(num)d answers in assessment %(object)s.",
        count,
        who=p.who,
        object=p.object,
    )


@sentence("assessment.register_fields_saved", _l("Register fields saved"))
def _fields_saved(event, p):
    count = len(detail(event, "fields", []) or []) or 1
    return ngettext(
        "%(who)s changed %(num)d field for the register in assessment %(object)s.",
        "%(who)s changed %(num)d fields for the register in assessment %(object)s.",
        count,
        who=p.who,
        object=p.object,
    )


@sentence("assessment.bank_upgraded", _l("Moved to the newest questionnaire"))
def _bank_upgraded(event, p):
    return _(
        "Assessment %(object)s now uses the newest questionnaire (version %(version)s).",
        object=p.object,
        version=int(detail(event, "to") or 0),
    )


@sentence("review.decided", _l("Board member decided"))
def _decided(event, p):
    values = {"who": p.who, "version": _version(event), "object": p.object}
    decision = detail(event, "decision")
    if decision == quorum.APPROVE:
        return _("%(who)s agreed with version %(version)s of assessment %(object)s.", **values)
    if decision == quorum.APPROVE_WITH_CONDITIONS:
        return _(
            "%(who)s agreed, with conditions, with version %(version)s of assessment %(object)s.",
            **values,
        )
    if decision == quorum.CHANGES_REQUESTED:
        return _(
            "%(who)s asked for changes in version %(version)s of assessment %(object)s.", **values
        )
    return _("%(who)s rejected version %(version)s of assessment %(object)s.", **values)


@sentence("condition.updated", _l("Condition changed"))
def _condition(event, p):
    status = detail(event, "status")
    if status == obligations.MET:
        return _(
            "%(who)s accepted a condition of assessment %(object)s as met.",
            who=p.who,
            object=p.object,
        )
    if status == obligations.WAIVED:
        return _("%(who)s waived a condition of assessment %(object)s.", who=p.who, object=p.object)
    return _("%(who)s updated a condition of assessment %(object)s.", who=p.who, object=p.object)


@sentence("verdict.written", _l("Board's verdict written"))
def _verdict(event, p):
    values = {"who": p.who, "object": p.object}
    kind = detail(event, "advice")
    if kind == advice.NEGATIVE:
        return _("%(who)s wrote the board's negative advice on assessment %(object)s.", **values)
    if kind == advice.POSITIVE_WITH_CONDITIONS:
        return _(
            "%(who)s wrote the board's positive advice, with conditions, on assessment %(object)s.",
            **values,
        )
    return _("%(who)s wrote the board's positive advice on assessment %(object)s.", **values)


@sentence("director.decided", _l("Director decided"))
def _director(event, p):
    values = {"who": p.who, "object": p.object}
    if detail(event, "decision") == advice.DEVIATE:
        return _("%(who)s deviated from the board's advice on assessment %(object)s.", **values)
    return _("%(who)s adopted the board's advice on assessment %(object)s.", **values)


@sentence("monitoring.report_filed", _l("Monitoring report filed"))
def _report(event, p):
    breaches = len(detail(event, "breaches", []) or [])
    if breaches:
        return ngettext(
            "%(who)s filed a monitoring report on %(object)s: %(num)d threshold was crossed.",
            "%(who)s filed a monitoring report on %(object)s: %(num)d thresholds were crossed.",
            breaches,
            who=p.who,
            object=p.object,
        )
    return _("%(who)s filed a monitoring report on %(object)s.", who=p.who, object=p.object)
