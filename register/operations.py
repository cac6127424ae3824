"""State changes of register entries: publish a new version, save a draft, retire.

Called by the importer, the demo loader and (later) the assessment side. Operations add and
flush; the caller commits, so one request or command is one transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from enum import Enum

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal import audit
from portal.db import utcnow
from portal.problems import N_, Problem, problem
from register import search, subscriptions
from register.models import (
    VERSION_DRAFT,
    VERSION_PUBLISHED,
    Algorithm,
    AlgorithmTheme,
    AlgorithmVersion,
)
from register.quality.completeness import completeness
from register.standard import (
    STATUS_RETIRED,
    changed_fields,
    empty_entry,
    national_month,
    national_problems,
)

SLUG_MAX = 80
# Summaries the system writes into an entry's public history (English msgids).
SUMMARY_RETIRED = N_("Taken out of use")
# Actions in the audit log.
AUDIT_PUBLISHED = "register.published"
AUDIT_DRAFT_SAVED = "register.draft_saved"


class PublicationRefusedError(ValueError):
    """The content fails the national standard's rules; nothing was written."""

    def __init__(self, problems: dict[str, Problem]):
        self.problems = problems
        listed = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
        super().__init__(f"the entry does not meet the national standard ({listed})")


class PROBLEM_CODES(Enum):  # noqa: N801 - the name portal.problems.RULE_MODULES looks up
    EU_DATABASE_MISSING = "eu_database_missing"


PROBLEM_TEXTS = {
    PROBLEM_CODES.EU_DATABASE_MISSING: N_(
        "A high-risk AI system is published only with its registration in the EU database "
        "(AI Act art. 49): give the link."
    ),
}
HIGH_RISK_AI_CATEGORY = "Hoog-risico AI-systeem"


def eu_registration_problems(content: dict) -> dict[str, Problem]:
    """A high-risk AI system (publication category "Hoog-risico AI-systeem") needs the link
    to its registration in the EU database (AI Act art. 49(3), 71)."""
    if content.get("publication_category") != HIGH_RISK_AI_CATEGORY:
        return {}
    if (content.get("eu_database_url") or "").strip():
        return {}
    return {
        "eu_database_url": problem(PROBLEM_TEXTS, PROBLEM_CODES.EU_DATABASE_MISSING),
    }


def register_text(msgid: str, **params) -> str:
    """`msgid` in the register's own language (the default locale, Dutch): the history of
    an entry is register content, the same for every reader and in every export."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return gettext(msgid, **params) if params else gettext(msgid)


def slugify(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    ascii_text = decomposed.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug[:SLUG_MAX].rstrip("-") or "algoritme"


def slug_candidates(wanted: str, organization: str = "") -> Iterator[str]:
    """The slugs `wanted` may get, in order: the name, then with the organisation, then
    numbered, so entries of different organisations with one name stay apart."""
    base = slugify(wanted)
    yield base
    if organization:
        org = slugify(organization)[:40].rstrip("-")
        base = f"{base[: SLUG_MAX - len(org) - 1].rstrip('-')}-{org}"
        yield base
    counter = 2
    while True:
        suffix = f"-{counter}"
        yield f"{base[: SLUG_MAX - len(suffix)].rstrip('-')}{suffix}"
        counter += 1


def unique_slug(
    session: Session,
    wanted: str,
    organization: str = "",
    *,
    is_free: Callable[[str], bool] | None = None,
) -> str:
    """The first free one of `slug_candidates`. `is_free` answers for a batch that knows
    which slugs are taken (the importer); by default each candidate is looked up."""
    is_free = is_free or (lambda slug: _slug_free(session, slug))
    return next(slug for slug in slug_candidates(wanted, organization) if is_free(slug))


def _slug_free(session: Session, slug: str) -> bool:
    return session.scalar(select(Algorithm.id).where(Algorithm.slug == slug)) is None


def get_by_slug(session: Session, slug: str) -> Algorithm | None:
    return session.scalar(select(Algorithm).where(Algorithm.slug == slug))


def latest_version(algorithm: Algorithm) -> AlgorithmVersion | None:
    return algorithm.versions[-1] if algorithm.versions else None


def entry_columns(content: dict) -> dict:
    """The entry row's columns that copy its content (for filters, sorting and identity)."""
    return {
        "content": content,
        "completeness": completeness(content).percent,
        "name": content["name"],
        "sort_name": search.normalize(content["name"])[:100],
        "status": content["status"],
        "publication_category": content["publication_category"],
        "department": content.get("department", ""),
        "organization": content.get("organization", ""),
        "source_id": content.get("source_id", ""),
    }


def entry_themes(content: dict) -> list[str]:
    """The entry's theme rows (`category`, each once)."""
    return list(dict.fromkeys(content["category"]))


def _copy_columns(algorithm: Algorithm, content: dict) -> None:
    for column, value in entry_columns(content).items():
        setattr(algorithm, column, value)
    algorithm.themes = [AlgorithmTheme(theme=theme) for theme in entry_themes(content)]


def version_values(
    content: dict,
    state: str,
    summary: str,
    when: dt.datetime,
    *,
    number: int,
    previous_published: dict | None,
) -> dict:
    """The columns of an entry's next version (`number`), its changed fields counted from the
    last published version's content (None: there is none)."""
    return {
        "number": number,
        "state": state,
        "content": content,
        "summary": summary,
        "changed_fields": changed_fields(previous_published or {}, content),
        "created_at": when,
        "published_at": when if state == VERSION_PUBLISHED else None,
    }


def _new_version(
    algorithm: Algorithm, content: dict, state: str, summary: str, when: dt.datetime
) -> AlgorithmVersion:
    previous = next((v for v in reversed(algorithm.versions) if v.state == VERSION_PUBLISHED), None)
    version = AlgorithmVersion(
        **version_values(
            content,
            state,
            summary,
            when,
            number=len(algorithm.versions) + 1,
            previous_published=previous.content if previous else None,
        )
    )
    algorithm.versions.append(version)
    return version


def publication_columns(when: dt.datetime, first_published_at: dt.datetime | None) -> dict:
    """The entry row's columns that a publication at `when` sets."""
    return {
        "is_published": True,
        "published_at": when,
        "first_published_at": first_published_at or when,
    }


def publishable(content: dict, *, require_eu_registration: bool = False) -> dict:
    """`content` with every field of the standard, or PublicationRefusedError when it fails
    the national rules (and, with `require_eu_registration`, the EU database link)."""
    content = {**empty_entry(), **content}
    problems = national_problems(content)
    if require_eu_registration:
        problems = {**problems, **eu_registration_problems(content)}
    if problems:
        raise PublicationRefusedError(problems)
    return content


def published_summary(slug: str, number: int, summary: str) -> str:
    """The audit log's line for a publication."""
    return f"{slug} version {number} published" + (f": {summary}" if summary else "")


def draft_summary(slug: str, number: int) -> str:
    """The audit log's line for a saved draft."""
    return f"{slug} draft version {number}"


# Key of the PostgreSQL advisory lock that lets one transaction at a time pick a new slug.
NEW_SLUG_LOCK = 0x52454731  # "REG1"


def lock_new_slugs(session: Session) -> None:
    """Before choosing slugs for new entries. Simultaneous publications of entries with one
    name would each find the same slug free; on PostgreSQL the lock (held until commit)
    makes the second one see the first one's row. SQLite writers are already one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": NEW_SLUG_LOCK})


def create_algorithm(session: Session, content: dict, slug: str | None = None) -> Algorithm:
    lock_new_slugs(session)
    slug = unique_slug(session, slug or content["name"], content.get("organization", ""))
    algorithm = Algorithm(slug=slug, is_published=False)
    _copy_columns(algorithm, {**empty_entry(), **content})
    session.add(algorithm)
    return algorithm


def publish(
    session: Session,
    algorithm: Algorithm,
    content: dict,
    summary: str = "",
    when: dt.datetime | None = None,
    *,
    actor=None,
    require_eu_registration: bool = False,
) -> AlgorithmVersion:
    """Publish `content` as the entry's new public version; earlier versions stay in history.

    Raises PublicationRefusedError, before anything is added, when the content fails the
    national rules: every published version must be exportable in the national format.
    `require_eu_registration` (our own assessments' entries): a high-risk AI system also
    needs its EU database link (imported entries of other organisations are not refused)."""
    when = when or utcnow()
    content = publishable(content, require_eu_registration=require_eu_registration)
    version = _new_version(algorithm, content, VERSION_PUBLISHED, summary, when)
    _copy_columns(algorithm, content)
    for column, value in publication_columns(when, algorithm.first_published_at).items():
        setattr(algorithm, column, value)
    session.flush()
    search.index_entry(session, algorithm.id, content)
    subscriptions.notify_published(session, algorithm, version)  # mailed after commit
    audit.record(
        session,
        actor,
        AUDIT_PUBLISHED,
        algorithm,
        published_summary(algorithm.slug, version.number, summary),
    )
    return version


def save_draft(
    session: Session, algorithm: Algorithm, content: dict, summary: str = "", *, actor=None
) -> AlgorithmVersion:
    """Keep `content` as an unpublished version. The public content does not change."""
    content = {**empty_entry(), **content}
    version = _new_version(algorithm, content, VERSION_DRAFT, summary, utcnow())
    if not algorithm.is_published:
        # Never-published entries keep their working copy in the row, still hidden.
        _copy_columns(algorithm, content)
    session.flush()
    audit.record(
        session, actor, AUDIT_DRAFT_SAVED, algorithm, draft_summary(algorithm.slug, version.number)
    )
    return version


def retire(
    session: Session,
    algorithm: Algorithm,
    end_date: dt.date | str,
    summary: str = "",
    *,
    actor=None,
) -> AlgorithmVersion:
    """Mark an algorithm as no longer in use. It stays in the register, with its history.

    `end_date` may be a day (a date input sends one); the entry keeps the month, as the
    national standard writes it (YYYY-MM). ValueError when it is not a date."""
    content = {
        **algorithm.content,
        "status": STATUS_RETIRED,
        "end_date": national_month(end_date),
    }
    return publish(
        session, algorithm, content, summary or register_text(SUMMARY_RETIRED), actor=actor
    )


def attach_record(
    algorithm: Algorithm,
    *,
    record_id: int,
    sha256: str,
    size: int,
    url: str,
    version: int,
    decided_at: dt.datetime | None,
    reassessment_due: dt.date | None,
    risk_level: int | None,
) -> None:
    """Publication of an approved assessment writes what the entry page shows of its record
    (hash, size, link, approval, next assessment). The record before it moves to the
    earlier records. Called in the transaction that stores the record and publishes."""
    if algorithm.record_id is not None and algorithm.record_id != record_id:
        earlier = {
            "id": algorithm.record_id,
            "sha256": algorithm.record_sha256,
            "version": algorithm.record_version,
            "decided_at": algorithm.record_decided_at.isoformat()
            if algorithm.record_decided_at
            else None,
        }
        algorithm.earlier_records = [earlier, *(algorithm.earlier_records or [])]
    algorithm.record_id = record_id
    algorithm.record_sha256 = sha256
    algorithm.record_size = size
    algorithm.record_url = url
    algorithm.record_version = version
    algorithm.record_decided_at = decided_at
    algorithm.reassessment_due = reassessment_due
    algorithm.risk_level = risk_level


def attach_advice(algorithm: Algorithm, *, verdict: dict | None, director_decision: dict | None):
    """Publication of an approved assessment writes the board's verdict and the director's
    decision on it (None: approved before either existed). Called in the transaction that
    stores the record and publishes."""
    algorithm.verdict = verdict
    algorithm.director_decision = director_decision
    algorithm.advice_updated_at = utcnow()


def attach_conditions(algorithm: Algorithm, conditions: list[dict]) -> None:
    """The board's conditions as the public sees them: [{"text", "deadline", "status"}]."""
    public = [
        {"text": c["text"], "deadline": c.get("deadline"), "status": c["status"]}
        for c in conditions
    ]
    if public != (algorithm.conditions or []):
        algorithm.conditions = public
        algorithm.advice_updated_at = utcnow()


def _register_advice_stamp() -> None:
    """Every change of an entry's verdict, decision or conditions moves the public page
    cache's generation."""
    from sqlalchemy import func

    from portal import page_cache

    page_cache.add_generation(select(func.max(Algorithm.advice_updated_at)).scalar_subquery())


_register_advice_stamp()
