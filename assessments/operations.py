"""State changes of assessments. Each is audited; the caller commits."""

from __future__ import annotations

import unicodedata

from sqlalchemy import update
from sqlalchemy.orm import Session, scoped_session

from assessments import answers as answer_rules
from assessments import level_requirements, notifications, rules_v2, scoring, workflow
from assessments.bank import Bank, current_bank, get_bank
from assessments.models import STATUS_DRAFT, Assessment, AssessmentVersion
from assessments.permissions import EDITABLE_STATES, AssessmentFacts
from portal import audit
from portal.db import utcnow
from portal.problems import Problem
from register.standard import Code, clean_entry, empty_entry, field_problem, validate_entry


class AnswersInvalidError(ValueError):
    def __init__(self, fields: dict[str, str]):
        super().__init__("validation failed")
        self.fields = fields


class StateConflictError(RuntimeError):
    """The action does not fit the assessment's current state (HTTP 409)."""


class VersionConflictError(StateConflictError):
    """The change was made on an older version than the stored one (API 412, web 409)."""

    def __init__(self, expected, current: int):
        super().__init__(
            f"the assessment changed since version {expected}; it is now version {current}"
        )
        self.expected = expected
        self.current = current


_LOCKS_KEY = "assessment_row_locks"


def lock(session: Session, assessment: Assessment) -> None:
    """Take the assessment's row lock for the rest of the transaction and re-read the row.

    Every change (answers, register fields, submit, decisions, publication) calls this
    first, so the state it checks and the answers it merges are the latest committed ones
    and a concurrent change waits until this transaction ends. PostgreSQL: SELECT ... FOR
    UPDATE. SQLite has no row locks: a write to the row takes the database's write lock
    (like BEGIN IMMEDIATE) before anything is read. Taking it twice in one transaction is a
    no-op, so callers need not know whether an operation they call already holds it."""
    if isinstance(session, scoped_session):
        session = session()
    transaction = session.get_transaction()
    held = session.info.get(_LOCKS_KEY)
    if (
        held is not None
        and transaction is not None
        and held[0] is transaction
        and assessment.id in held[1]
    ):
        return
    session.flush()  # refreshing below would drop changes not yet written
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            update(Assessment)
            .where(Assessment.id == assessment.id)
            .values(row_version=Assessment.row_version)
            .execution_options(synchronize_session=False)
        )
    session.refresh(assessment, with_for_update=True)
    session.expire(assessment, ["versions"])
    transaction = session.get_transaction()
    if held is None or held[0] is not transaction:
        held = (transaction, set())
        session.info[_LOCKS_KEY] = held
    held[1].add(assessment.id)


def _check_version(assessment: Assessment, expected) -> None:
    """`expected`: the row version the caller's change was based on, or a set of accepted
    versions (If-Match may list several); None: not checked."""
    if expected is None:
        return
    accepted = expected if isinstance(expected, set | frozenset) else {expected}
    if assessment.row_version not in accepted:
        raise VersionConflictError(expected, assessment.row_version)


def touch(assessment: Assessment) -> None:
    """Record a change: new row version (ETag) and timestamp. Call with the lock held."""
    assessment.row_version = (assessment.row_version or 0) + 1
    assessment.updated_at = utcnow()


def facts(assessment: Assessment) -> AssessmentFacts:
    return AssessmentFacts(
        owner_id=assessment.owner_id,
        status=assessment.status,
        editor_ids=frozenset(assessment.editor_ids or ()),
        ever_submitted=assessment.submitted_at is not None,
        department=(assessment.register_fields or {}).get("department") or "",
    )


def _note_editor(assessment: Assessment, actor) -> None:
    """Whoever besides the owner changes an assessment may not review it."""
    if actor.id != assessment.owner_id and actor.id not in (assessment.editor_ids or []):
        assessment.editor_ids = [*(assessment.editor_ids or []), actor.id]


def bank_of(assessment: Assessment) -> Bank:
    return get_bank(assessment.bank_id, assessment.bank_version)


def name_problem(name: str) -> Problem | None:
    """The name rule: an algorithm needs a name with at least one letter or digit (a name of
    spaces, dashes or invisible characters names nothing)."""
    if any(unicodedata.category(char)[0] in "LN" for char in name or ""):
        return None
    return field_problem(Code.NAME_MISSING)


def clean_register_fields(raw: dict, *, organization: str) -> tuple[dict, dict[str, Problem]]:
    """Register fields as typed by the owner: sanitised; format errors and a missing name
    block saving, other missing required fields only block submitting. Used by the web
    forms and the API alike, for new assessments and for changes (then `raw` is the
    stored fields with the changes laid over them)."""
    if not isinstance(raw, dict):
        return {}, {"algorithm": field_problem(Code.GIVE_ENTRY)}
    unstorable = {
        str(name)[:100]: field_problem(Code.UNSTORABLE)
        for name, value in raw.items()
        if answer_rules.unstorable_text(name) or answer_rules.unstorable_text(value)
    }
    if unstorable:
        return {}, unstorable
    entry, ignored = clean_entry(
        {"organization": organization, "lang": "nld", "standard_version": "1.0", **raw}
    )
    errors = {
        name: problem
        for name, problem in validate_entry(entry).items()
        if problem.code != Code.REQUIRED
    }
    if "name" not in errors:
        missing_name = name_problem(entry["name"])
        if missing_name is not None:
            errors["name"] = missing_name
    for name in ignored:
        errors[f"algorithm.{name}"[:100]] = field_problem(Code.NOT_A_FIELD)
    return entry, errors


def create(session: Session, owner, register_fields: dict) -> Assessment:
    bank = current_bank()
    assessment = Assessment(
        owner_id=owner.id,
        status=STATUS_DRAFT,
        bank_id=bank.id,
        bank_version=bank.version,
        register_fields={**empty_entry(), **register_fields},
        answers={},
    )
    session.add(assessment)
    session.flush()
    audit.record(
        session,
        owner,
        "assessment.created",
        assessment,
        f"assessment {assessment.id}: {assessment.title}",
    )
    return assessment


def move_to_current_bank(session: Session, actor, assessment: Assessment) -> bool:
    """A re-assessment is answered on the newest version of its bank: the answers are kept
    (a newer version keeps every question id and option value of the older ones and only
    adds), the new questions start empty. Returns whether the bank version changed."""
    bank = current_bank(assessment.bank_id)
    if bank.version <= assessment.bank_version:
        return False
    before = assessment.bank_version
    assessment.bank_version = bank.version
    touch(assessment)
    audit.record(
        session,
        actor,
        "assessment.bank_upgraded",
        assessment,
        f"assessment {assessment.id}: question bank {bank.id} {before} -> {bank.version}",
        details={"bank": bank.id, "from": before, "to": bank.version},
    )
    return True


def _ensure_editable(assessment: Assessment) -> None:
    if assessment.status not in EDITABLE_STATES:
        raise StateConflictError(f"the assessment is {assessment.status}; its answers are frozen")


def update_answers(
    session: Session, actor, assessment: Assessment, updates: dict, *, expected_version=None
) -> list[str]:
    """Validate all updates first; apply all or nothing. Returns the changed question ids.

    Under the row lock: the state is checked and the update merged into the answers as
    stored now, so concurrent saves of different questions keep each other's answers.
    `expected_version` (If-Match, the form's hidden version) refuses a stale change."""
    lock(session, assessment)
    _ensure_editable(assessment)
    _check_version(assessment, expected_version)
    cleaned, errors = answer_rules.validate(bank_of(assessment), updates)
    if errors:
        raise AnswersInvalidError(errors)
    new_answers = answer_rules.apply(assessment.answers, cleaned)
    changed = sorted(
        k
        for k in set(new_answers) | set(assessment.answers)
        if new_answers.get(k) != assessment.answers.get(k)
    )
    if changed:
        assessment.answers = new_answers
        touch(assessment)
        _note_editor(assessment, actor)
        # Question ids only: answers may hold personal data and stay out of the log.
        audit.record(
            session,
            actor,
            "assessment.answers_saved",
            assessment,
            f"assessment {assessment.id}: {len(changed)} answers changed",
            details={"questions": changed[:100]},
        )
    return changed


def update_register_fields(
    session: Session,
    actor,
    assessment: Assessment,
    raw: dict,
    *,
    organization: str,
    expected_version=None,
) -> list[str]:
    """Change some register fields (fields not given keep their value). Under the row lock
    the given fields are laid over the stored ones, so concurrent changes of different
    fields both stay. Raises AnswersInvalidError ({field: problem}) and changes nothing
    when a field is not valid. Returns the changed field names."""
    lock(session, assessment)
    _ensure_editable(assessment)
    _check_version(assessment, expected_version)
    if not isinstance(raw, dict):
        raise AnswersInvalidError({"algorithm": field_problem(Code.GIVE_ENTRY)})
    fields, errors = clean_register_fields(
        {**assessment.register_fields, **raw}, organization=organization
    )
    if errors:
        raise AnswersInvalidError(errors)
    changed = [k for k in fields if fields.get(k) != assessment.register_fields.get(k)]
    if changed:
        assessment.register_fields = {**assessment.register_fields, **fields}
        touch(assessment)
        _note_editor(assessment, actor)
        audit.record(
            session,
            actor,
            "assessment.register_fields_saved",
            assessment,
            f"assessment {assessment.id}: register fields changed",
            details={"fields": changed[:100]},
        )
    return changed


def risk_of(assessment: Assessment) -> scoring.RiskResult:
    """The risk result of the assessment's current answers and register fields."""
    return scoring.compute(
        bank_of(assessment), assessment.answers, register_fields=assessment.register_fields
    )


def submission_problems(assessment: Assessment) -> dict[str, str]:
    """Everything that keeps the assessment from being submitted: the one place. Missing
    answers ("required"), register fields, and for bank 2 the level's demands and the
    findings that block submission (assessments/level_requirements.py)."""
    bank = bank_of(assessment)
    missing = answer_rules.missing_required(bank, assessment.answers)
    problems = dict.fromkeys(missing, "required")
    for name, problem in validate_entry(assessment.register_fields, utrecht=True).items():
        problems[f"algorithm.{name}"] = problem
    if rules_v2.applies_to(bank):
        for key, problem in level_requirements.submission_problems(risk_of(assessment)).items():
            problems.setdefault(key, problem)
    return problems


def freeze_version(session: Session, actor, assessment: Assessment) -> AssessmentVersion:
    """Submitting: the answers as they are now become version N, for the board to review."""
    bank = get_bank(assessment.bank_id, assessment.bank_version)
    number = len(assessment.versions) + 1
    result = scoring.compute(bank, assessment.answers, register_fields=assessment.register_fields)
    version = AssessmentVersion(
        assessment_id=assessment.id,
        number=number,
        bank_id=assessment.bank_id,
        bank_version=assessment.bank_version,
        answers=dict(assessment.answers),
        register_fields=dict(assessment.register_fields),
        risk={"nl": result.as_dict("nl"), "en": result.as_dict("en")},
        risk_level=result.level,
        blocking=result.blocking,
        personal_data=answer_rules.processes_personal_data(bank, assessment.answers),
        submitted_by_id=actor.id,
        submitted_at=utcnow(),
    )
    session.add(version)
    assessment.versions.append(version)
    assessment.version = number
    return version


def submit(session: Session, actor, assessment: Assessment) -> AssessmentVersion:
    """Freeze the answers as a numbered version for review and tell the board."""
    # The same lock as the edits: an edit sent at the same moment lands before the frozen
    # version (and is part of it) or after it (and is refused with 409), never in between.
    lock(session, assessment)
    _ensure_editable(assessment)
    problems = submission_problems(assessment)
    if problems:
        raise AnswersInvalidError(problems)
    version = freeze_version(session, actor, assessment)
    assessment.status = workflow.next_state(assessment.status, workflow.SUBMIT)
    assessment.submitted_at = version.submitted_at
    touch(assessment)
    audit.record(
        session,
        actor,
        "assessment.submitted",
        assessment,
        f"assessment {assessment.id} version {assessment.version} submitted",
        details={"version": version.number, "risk_level": version.risk_level},
    )
    notifications.notify_board(session, assessment, version)
    return version
