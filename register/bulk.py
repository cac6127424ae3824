"""The importer's bulk writes: a batch of entries published (or saved as drafts) in a few
multi-row statements instead of an ORM flush per entry.

The rules stay in one place: every value written comes from the functions that
`operations.create_algorithm`, `operations.publish` and `operations.save_draft` use
(`entry_columns`, `entry_themes`, `version_values`, `publication_columns`, the audit lines),
the search documents from `search.index_entries` and the notices from
`subscriptions.notify_published_many`. The caller decides each row's outcome and checks
the national rules first (`operations.publishable`); this module only writes. When the
database refuses a statement, the caller rolls back its savepoint and stores the batch row
by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from portal import audit
from portal.audit import AuditEvent
from register import operations, search, subscriptions
from register.models import (
    VERSION_DRAFT,
    VERSION_PUBLISHED,
    Algorithm,
    AlgorithmTheme,
    AlgorithmVersion,
)

CHUNK = 500  # values in one IN list

ALGORITHMS = Algorithm.__table__
VERSIONS = AlgorithmVersion.__table__
THEMES = AlgorithmTheme.__table__


def chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ---------------------------------------------------------------- what is stored


@dataclass
class Current:
    """What a new version of an existing entry depends on."""

    is_published: bool
    first_published_at: dt.datetime | None
    versions: int  # how many it has (the next one is number versions + 1)
    latest: dict | None  # the latest version's content (None: no version yet)
    latest_state: str | None
    published: dict | None  # the latest published version's content
    row_content: dict  # the entry row's content (used only when it has no version)


def _newest(published_only: bool = False):
    """The number of the entry's newest (published) version, for a query of VERSIONS."""
    other = VERSIONS.alias("other")
    where = [other.c.algorithm_id == VERSIONS.c.algorithm_id]
    if published_only:
        where.append(other.c.state == VERSION_PUBLISHED)
    return select(func.max(other.c.number)).where(*where).scalar_subquery()


def load_current(session: Session, ids: Iterable[int]) -> dict[int, Current]:
    """`Current` of each entry in `ids`: three queries per CHUNK entries."""
    ids = sorted(set(ids))
    found: dict[int, Current] = {}
    for chunk in chunks(ids):
        rows = session.execute(
            select(
                ALGORITHMS.c.id, ALGORITHMS.c.is_published, ALGORITHMS.c.first_published_at
            ).where(ALGORITHMS.c.id.in_(chunk))
        )
        for algorithm_id, is_published, first_published_at in rows:
            found[algorithm_id] = Current(
                bool(is_published), first_published_at, 0, None, None, None, {}
            )
        latest = session.execute(
            select(
                VERSIONS.c.algorithm_id, VERSIONS.c.number, VERSIONS.c.state, VERSIONS.c.content
            ).where(VERSIONS.c.algorithm_id.in_(chunk), VERSIONS.c.number == _newest())
        )
        for algorithm_id, number, state, content in latest:
            current = found[algorithm_id]
            current.versions, current.latest, current.latest_state = number, content, state
            if state == VERSION_PUBLISHED:
                current.published = content
        # Versions are numbered 1, 2, ... without gaps; an entry whose latest version is a
        # draft takes its published content from the version before.
        drafts = [i for i in chunk if i in found and found[i].latest_state == VERSION_DRAFT]
        if drafts:
            published = session.execute(
                select(VERSIONS.c.algorithm_id, VERSIONS.c.content).where(
                    VERSIONS.c.algorithm_id.in_(drafts),
                    VERSIONS.c.number == _newest(published_only=True),
                )
            )
            for algorithm_id, content in published:
                found[algorithm_id].published = content
        bare = [i for i in chunk if i in found and found[i].latest is None]
        if bare:
            for algorithm_id, content in session.execute(
                select(ALGORITHMS.c.id, ALGORITHMS.c.content).where(ALGORITHMS.c.id.in_(bare))
            ):
                found[algorithm_id].row_content = content or {}
    return found


def taken_slugs(session: Session, slugs: Iterable[str]) -> set[str]:
    """Which of `slugs` already belong to an entry."""
    slugs = sorted(set(slugs))
    taken: set[str] = set()
    for chunk in chunks(slugs):
        taken.update(session.scalars(select(ALGORITHMS.c.slug).where(ALGORITHMS.c.slug.in_(chunk))))
    return taken


# ---------------------------------------------------------------- what to write


@dataclass
class NewEntry:
    content: dict  # complete (every field of the standard); publishable unless a draft
    slug: str  # free, chosen with operations.unique_slug
    lars: str
    id: int = 0  # set when written
    # Worked out before, when known: operations.entry_columns(content) and
    # search.document_values(content).
    columns: dict | None = None
    search_document: dict | None = None


@dataclass
class NewVersion:
    algorithm_id: int
    slug: str
    content: dict  # complete; publishable unless a draft
    current: Current
    lars: str | None = None  # the entry's national id, when the row changes it


@dataclass
class Written:
    words: set[str]  # the search words of the published entries, for the vocabulary
    notices: int


def write(
    session: Session,
    new: list[NewEntry],
    changed: list[NewVersion],
    lars_only: list[tuple[int, str]],
    *,
    draft: bool,
    summary_new: str,
    summary_changed: str,
    when: dt.datetime,
) -> Written:
    """Store a decided batch: new entries with their first version, new versions of existing
    entries, and national ids given to unchanged entries. Sets `NewEntry.id`. Raises the
    database's IntegrityError/DataError when it refuses a statement (the caller's savepoint
    then undoes the batch)."""
    state = VERSION_DRAFT if draft else VERSION_PUBLISHED
    if new:
        operations.lock_new_slugs(session)
        _insert_entries(session, new, draft, when)
    versions: list[tuple[int, str, dict, dict]] = []  # (id, slug, content, version values)
    for entry in new:
        values = operations.version_values(
            entry.content, state, summary_new, when, number=1, previous_published=None
        )
        versions.append((entry.id, entry.slug, entry.content, values))
    for item in changed:
        values = operations.version_values(
            item.content,
            state,
            summary_changed,
            when,
            number=item.current.versions + 1,
            previous_published=item.current.published,
        )
        versions.append((item.algorithm_id, item.slug, item.content, values))
    _insert_versions(session, versions)
    # The entry row copies the content when it is published, or while it never was.
    copied = [item for item in changed if not draft or not item.current.is_published]
    _update_entries(session, copied, draft, when)
    lars_updates = [(item.algorithm_id, item.lars) for item in changed if item.lars is not None]
    lars_updates += lars_only
    if lars_updates:
        session.execute(
            update(ALGORITHMS)
            .where(ALGORITHMS.c.id == bindparam("entry_id"))
            .values(lars=bindparam("new_lars")),
            [{"entry_id": i, "new_lars": lars} for i, lars in lars_updates],
        )
    _replace_themes(
        session,
        [(entry.id, entry.content) for entry in new]
        + [(item.algorithm_id, item.content) for item in copied],
        replacing=[item.algorithm_id for item in copied],
    )
    words: set[str] = set()
    if not draft:
        words = search.index_entries(
            session,
            [(algorithm_id, content) for algorithm_id, _slug, content, _values in versions],
            indexed=[item.algorithm_id for item in changed],
            documents={entry.id: entry.search_document for entry in new if entry.search_document},
        )
    audit_rows = [
        audit.event_values(
            None,
            operations.AUDIT_DRAFT_SAVED if draft else operations.AUDIT_PUBLISHED,
            operations.draft_summary(slug, values["number"])
            if draft
            else operations.published_summary(slug, values["number"], values["summary"]),
            object_type=Algorithm.audit_type,
            object_id=str(algorithm_id),
        )
        for algorithm_id, slug, _content, values in versions
    ]
    if audit_rows:
        # The last statement the database may refuse: no notice is queued before it.
        session.execute(insert(AuditEvent), audit_rows)
    notices = 0
    if not draft:
        notices = subscriptions.notify_published_many(
            session,
            [
                (algorithm_id, values["number"], content)
                for algorithm_id, _slug, content, values in versions
            ],
        )
    return Written(words, notices)


def _insert_entries(session: Session, new: list[NewEntry], draft: bool, when: dt.datetime):
    rows = []
    for entry in new:
        row = {
            "slug": entry.slug,
            "lars": entry.lars,
            "is_published": False,
            "published_at": None,
            "first_published_at": None,
            "created_at": when,
            **(entry.columns or operations.entry_columns(entry.content)),
        }
        if not draft:
            row.update(operations.publication_columns(when, None))
        rows.append(row)
    # Without RETURNING: SQLite would run a RETURNING INSERT row by row (it cannot promise
    # the rows' order); the new ids are read back by their slugs, which are unique.
    session.execute(insert(ALGORITHMS), rows)
    ids: dict[str, int] = {}
    for chunk in chunks([entry.slug for entry in new]):
        ids.update(
            session.execute(
                select(ALGORITHMS.c.slug, ALGORITHMS.c.id).where(ALGORITHMS.c.slug.in_(chunk))
            ).all()
        )
    for entry in new:
        entry.id = ids[entry.slug]


def _insert_versions(session: Session, versions: list[tuple[int, str, dict, dict]]) -> None:
    if not versions:
        return
    session.execute(
        insert(VERSIONS),
        [{"algorithm_id": algorithm_id, **values} for algorithm_id, _s, _c, values in versions],
    )


def _update_entries(
    session: Session, changed: list[NewVersion], draft: bool, when: dt.datetime
) -> None:
    if not changed:
        return
    rows = []
    for item in changed:
        row = {"entry_id": item.algorithm_id, **operations.entry_columns(item.content)}
        if not draft:
            row.update(operations.publication_columns(when, item.current.first_published_at))
        rows.append(row)
    columns = [name for name in rows[0] if name != "entry_id"]
    session.execute(
        update(ALGORITHMS)
        .where(ALGORITHMS.c.id == bindparam("entry_id"))
        .values({name: bindparam(f"new_{name}") for name in columns}),
        [
            {"entry_id": row["entry_id"], **{f"new_{name}": row[name] for name in columns}}
            for row in rows
        ],
    )


def _replace_themes(
    session: Session, entries: list[tuple[int, dict]], *, replacing: list[int]
) -> None:
    for chunk in chunks(replacing):
        session.execute(delete(THEMES).where(THEMES.c.algorithm_id.in_(chunk)))
    rows = [
        {"algorithm_id": algorithm_id, "theme": theme}
        for algorithm_id, content in entries
        for theme in operations.entry_themes(content)
    ]
    if rows:
        session.execute(insert(THEMES), rows)
