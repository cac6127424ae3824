"""Register entries and their published versions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy import false as sa_false
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from portal.db import UTCDateTime, utcnow
from portal.extensions import db

JSONType = JSON().with_variant(JSONB(), "postgresql")

VERSION_DRAFT = "draft"
VERSION_PUBLISHED = "published"


_LIST_FILTERS = ("status", "publication_category", "department", "risk_level")


class Algorithm(db.Model):
    """One algorithm in the register. `content` is what the public sees: the latest published
    version. Columns beside it are copies of a few fields, for filtering and sorting."""

    __tablename__ = "algorithms"
    __table_args__ = (
        # Identity across imports (see register/exchange.py): the national id is unique in the
        # register, an organisation's own source_id within that organisation, where filled in.
        Index(
            "uq_algorithms_lars",
            "lars",
            unique=True,
            sqlite_where=text("lars <> ''"),
            postgresql_where=text("lars <> ''"),
        ),
        Index(
            "uq_algorithms_organization_source_id",
            "organization",
            "source_id",
            unique=True,
            sqlite_where=text("source_id <> ''"),
            postgresql_where=text("source_id <> ''"),
        ),
        # Covering indexes for list pages sorted by name or date under the usual filters
        # (migration c6e8a0b2d4f7).
        Index(
            "ix_algorithms_list_by_name",
            "is_published",
            "sort_name",
            "id",
            *_LIST_FILTERS,
        ),
        Index(
            "ix_algorithms_list_by_date",
            "is_published",
            "published_at",
            "id",
            *_LIST_FILTERS,
        ),
    )
    audit_type = "algorithm"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    is_published: Mapped[bool] = mapped_column(default=False, index=True)
    content: Mapped[dict] = mapped_column(JSONType, default=dict)
    name: Mapped[str] = mapped_column(String(100))
    sort_name: Mapped[str] = mapped_column(String(100), index=True)
    status: Mapped[str] = mapped_column(String(40), index=True)
    publication_category: Mapped[str] = mapped_column(String(60), index=True)
    department: Mapped[str] = mapped_column(String(200), default="", index=True)
    organization: Mapped[str] = mapped_column(String(100), default="")
    source_id: Mapped[str] = mapped_column(String(100), default="", index=True)
    # The national register's id of the entry ("lars"); not part of the content we publish.
    lars: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # Share of the counted fields that are filled, in percent (register.quality.completeness),
    # kept with the content so the register-wide figure needs no read of every entry.
    completeness: Mapped[int | None] = mapped_column(default=None)
    # Filled by the assessment side once an assessment is approved (1-4).
    risk_level: Mapped[int | None] = mapped_column(default=None, index=True)
    # The latest public assessment record, as written at its publication
    # (`register.operations.attach_record`): the register shows the hash and links the file
    # without reading the stored bytes or importing the assessment side.
    record_id: Mapped[int | None] = mapped_column(default=None)
    record_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    record_size: Mapped[int | None] = mapped_column(default=None)
    record_url: Mapped[str | None] = mapped_column(String(500), default=None)
    # The approved assessment version, when it was approved and when it is due again.
    record_version: Mapped[int | None] = mapped_column(default=None)
    record_decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    reassessment_due: Mapped[dt.date | None] = mapped_column(Date, default=None)
    # Earlier public records, newest first: [{"id", "sha256", "version", "decided_at"}].
    earlier_records: Mapped[list] = mapped_column(
        JSONType, default=list, server_default=text("'[]'")
    )
    # The sounding board's verdict and the director's decision on the approved version, and
    # the board's conditions ([{"text", "deadline", "status"}], no names), as the assessment
    # side wrote them (`register.operations.attach_advice` / `attach_conditions`).
    verdict: Mapped[dict | None] = mapped_column(JSONType, default=None)
    director_decision: Mapped[dict | None] = mapped_column(JSONType, default=None)
    conditions: Mapped[list] = mapped_column(JSONType, default=list, server_default=text("'[]'"))
    # Moves with every change of the three above: the public page cache's generation.
    advice_updated_at: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime, default=None, index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # The short description alone, where a list page loads entries without their content
    # (register/queries.py, `cards`); None otherwise.
    card_description: Mapped[str | None] = query_expression()
    first_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    versions: Mapped[list[AlgorithmVersion]] = relationship(
        # Versions are history: never deleted with or removed from their entry (the database
        # refuses it too).
        back_populates="algorithm",
        order_by="AlgorithmVersion.number",
        cascade="save-update, merge",
    )
    themes: Mapped[list[AlgorithmTheme]] = relationship(cascade="all, delete-orphan")

    @property
    def is_retired(self) -> bool:
        from register.standard import STATUS_RETIRED

        return self.status == STATUS_RETIRED

    def conditions_on(self, today: dt.date) -> list[dict]:
        """The conditions as written, with open ones past their deadline as overdue."""
        shown = []
        for item in self.conditions or []:
            status = item.get("status")
            deadline = item.get("deadline")
            if status == "open" and deadline and deadline < today.isoformat():
                status = "overdue"
            shown.append(
                {
                    "text": item.get("text", ""),
                    "deadline": deadline,
                    "status": status,
                }
            )
        return shown

    def has_overdue_conditions(self, today: dt.date) -> bool:
        return any(c["status"] == "overdue" for c in self.conditions_on(today))

    def published_versions(self) -> list[AlgorithmVersion]:
        return [v for v in self.versions if v.state == VERSION_PUBLISHED]

    def earlier_record_links(self) -> list[RecordLink]:
        """The earlier public records as written at publication, newest first."""
        return [
            RecordLink(
                id=item["id"],
                sha256=item["sha256"],
                version=item["version"],
                decided_at=dt.datetime.fromisoformat(item["decided_at"])
                if item.get("decided_at")
                else None,
            )
            for item in self.earlier_records or []
        ]


@dataclass(frozen=True)
class RecordLink:
    """One public assessment record of an entry, as the register knows it."""

    id: int
    sha256: str
    version: int
    decided_at: dt.datetime | None


class AlgorithmVersion(db.Model):
    """An immutable snapshot of an entry. Published versions form the public history."""

    __tablename__ = "algorithm_versions"
    __table_args__ = (UniqueConstraint("algorithm_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(20))
    content: Mapped[dict] = mapped_column(JSONType)
    summary: Mapped[str] = mapped_column(String(500), default="")
    changed_fields: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    algorithm: Mapped[Algorithm] = relationship(back_populates="versions")


class AlgorithmTheme(db.Model):
    """The entry's themes (`category`), one row each, so facets can count them."""

    __tablename__ = "algorithm_themes"

    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class SearchDocument(db.Model):
    """Normalised text of a published entry (lower case, no diacritics, no markup).

    Both databases find entries through an index of their distinct words: on SQLite an FTS5
    table of whole words kept in sync by triggers, on PostgreSQL a GIN index (see the
    migrations); a search term first expands to the vocabulary's words that contain it."""

    __tablename__ = "search_documents"
    __table_args__ = (
        # Only the rare documents with a run of over 80 letters: every other search goes
        # through the word index, and the full trigram index made every write slow.
        Index(
            "ix_search_documents_long_trgm",
            "body_text",
            postgresql_using="gin",
            postgresql_ops={"body_text": "gin_trgm_ops"},
            postgresql_where=text("long_words"),
        ).ddl_if(dialect="postgresql"),
        Index("ix_search_documents_words", "words", postgresql_using="gin").ddl_if(
            dialect="postgresql"
        ),
        # SQLite reads the few documents with such a run directly (migration b2d4f6a8c0e1).
        Index(
            "ix_search_documents_long", "algorithm_id", sqlite_where=text("long_words = 1")
        ).ddl_if(dialect="sqlite"),
        # The texts live out of the row, so finding 10,000 ids reads 200 pages, not 10,000.
        {"postgresql_with": {"toast_tuple_target": 128}},
    )

    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), primary_key=True)
    name_text: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    # The word index (register/search.py): the distinct words of body_text. PostgreSQL: an
    # array (GIN); SQLite: the words space-separated (`match_words`), which FTS5 indexes.
    # long_words marks a run too long to be a word, which no vocabulary word leads to: those
    # documents are searched in their text (PostgreSQL through a trigram index).
    words: Mapped[list[str] | str | None] = mapped_column(
        Text().with_variant(ARRAY(Text()), "postgresql")
    )
    long_words: Mapped[bool] = mapped_column(default=False, server_default=sa_false())


class SearchTerm(db.Model):
    """Every word that occurs in the register (3 to 80 letters or digits): the words a search
    term expands to, and "did you mean" on typos (register/search.py). Searched through a
    trigram index: PostgreSQL's below, SQLite's FTS5 table `search_terms_fts`."""

    __tablename__ = "search_terms"
    __table_args__ = (
        # PostgreSQL's search expands a term to the words that contain it (register/search.py).
        Index(
            "ix_search_terms_trgm",
            "term",
            postgresql_using="gin",
            postgresql_ops={"term": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    term: Mapped[str] = mapped_column(String(80), primary_key=True)


class NationalDelivery(db.Model):
    """What `register sync-national` last did with one entry in the national register.

    The national id itself is `Algorithm.lars`; this row keeps the delivered version and
    what the last run found there (see register/national/sync.py)."""

    __tablename__ = "national_deliveries"

    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), primary_key=True)
    # Our published version delivered last, the fingerprint of the body sent, and when.
    delivered_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("algorithm_versions.id"), default=None
    )
    delivered_digest: Mapped[str] = mapped_column(String(64), default="", server_default="")
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    released: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    retracted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    # The national side as last seen: its last_update_dt, whether its newest version is
    # published, when that was published, and whether it differs from what we delivered
    # (someone edited it there).
    national_version: Mapped[str] = mapped_column(String(40), default="", server_default="")
    national_published: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    national_published_at: Mapped[str] = mapped_column(String(40), default="", server_default="")
    national_edited: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    last_error_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
