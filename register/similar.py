"""Similar entries at other organisations, by text (TF-IDF), precomputed per entry.

Why precomputed: comparing one entry's text with 100,000 others on every page view would
read the whole register each time. `rebuild` (run by `flask register similar-index` and
after every import) reads the published entries once, weighs their words by TF-IDF over
name (counted twice), short description and goal, and stores per entry its organisation and
provider in normalised form and the ids of its five most similar entries at *other*
organisations (at most one per organisation). An entry page then reads one row
(`similar_to`). Entries published after the last rebuild have no row yet and show nothing
until the next one; rows of entries since retracted are skipped when read.

No model and no download: words are lower-cased, stripped of diacritics and markup, common
Dutch words dropped and a few endings cut ("vergunningen" -> "vergunning").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import html
import math
import re
import time
import unicodedata
from collections.abc import Iterable

import numpy as np
from scipy import sparse
from sqlalchemy import JSON, ForeignKey, Index, String, delete, insert, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal import page_cache
from portal.db import UTCDateTime, utcnow
from portal.extensions import db
from register.models import Algorithm

JSONType = JSON().with_variant(JSONB(), "postgresql")

TOP = 5
# Below this cosine similarity two texts share too little to call them similar.
MIN_SCORE = 0.15
# Words in more than this share of the entries say little and make the comparison quadratic.
MAX_SHARE = 0.05
MAX_SHARE_FLOOR = 50  # ... but small registers keep all their words
ROWS_PER_CHUNK = 1000
NAME_WEIGHT = 2

_STOPWORD_TEXT = """
    aan af al alle als ander andere bij blijft daar dan dat de deze die dit door een
    eigen en er evenals geen haar heeft hebben het hier hij hoe hun iets in is je kan
    kunnen maar maken meer met na naar niet nog nu of om onder ons onze ook op over per
    te ten ter tot tussen u uit van veel via voor waar wanneer wat welke werd wie wij
    wordt worden zal ze zich zij zijn zo zoals zodat zonder
    algoritme algoritmes gemeente gebruikt gebruiken gebruik
    the and for with that this from are was
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# Plural and inflected endings, first match only: "mogelijkheden" -> "mogelijkheid",
# "vergunningen" -> "vergunning", "aanvragen" -> "aanvrag", "scans" -> "scan".
SUFFIXES = (("heden", "heid"), ("ingen", "ing"), ("en", ""), ("s", ""), ("e", ""))
_WORD = re.compile(r"[a-z0-9]+")
_TAG = re.compile(r"<[^>]*>")
_COMBINING = re.compile(r"[\u0300-\u036f]")


class EntryProfile(db.Model):
    """One published entry as the comparison sees it (see the module docstring)."""

    __tablename__ = "entry_profiles"
    __table_args__ = (
        Index("ix_entry_profiles_organization_key", "organization_key"),
        Index("ix_entry_profiles_provider_key", "provider_key", "organization_key"),
    )

    algorithm_id: Mapped[int] = mapped_column(ForeignKey("algorithms.id"), primary_key=True)
    organization_key: Mapped[str] = mapped_column(String(100))
    provider_key: Mapped[str] = mapped_column(String(200))
    # [[algorithm_id, score], ...], most similar first.
    neighbours: Mapped[list] = mapped_column(JSONType)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


def fold(value: str | None) -> str:
    """Lower case, no diacritics, no markup or entities, single spaces."""
    value = html.unescape(_TAG.sub(" ", value or "")).lower()
    if not value.isascii():
        value = _COMBINING.sub("", unicodedata.normalize("NFKD", value))
    return " ".join(value.split())


def organization_key(value: str | None) -> str:
    return fold(value)[:100]


_LEGAL_FORMS = re.compile(r"\b(b\.?v\.?|n\.?v\.?|bv|nv|inc\.?|ltd\.?|gmbh)\s*$")


def provider_key(value: str | None) -> str:
    """ "Centric B.V." and "centric" are one provider."""
    folded = fold(value).replace(",", " ").strip()
    return " ".join(_LEGAL_FORMS.sub("", folded).split())[:200]


def stem(word: str) -> str:
    for suffix, replacement in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + replacement
    return word


@functools.lru_cache(maxsize=200_000)
def _token(word: str) -> str:
    """The word as compared, or "" for words that say nothing (short, common, numbers)."""
    if len(word) <= 2 or word in STOPWORDS or word.isdigit():
        return ""
    return stem(word)


def tokens(value: str | None) -> list[str]:
    found = map(_token, _WORD.findall(fold(value)))
    return [token for token in found if token]


def entry_tokens(name: str | None, description: str | None, goal: str | None) -> list[str]:
    return tokens(name) * NAME_WEIGHT + tokens(description) + tokens(goal)


@dataclasses.dataclass(frozen=True)
class Document:
    id: int
    organization_key: str
    provider_key: str
    words: list[str]


def tfidf_matrix(documents: list[Document]) -> sparse.csr_matrix:
    """Rows: documents, l2-normalised TF-IDF with sublinear term frequency. Words in one
    document only (nothing to share) or in too many are left out."""
    document_frequency: dict[str, int] = {}
    for document in documents:
        for word in set(document.words):
            document_frequency[word] = document_frequency.get(word, 0) + 1
    count = len(documents)
    limit = max(MAX_SHARE_FLOOR, int(MAX_SHARE * count))
    columns: dict[str, int] = {}
    weights: list[float] = []
    for word, frequency in document_frequency.items():
        if 1 < frequency <= limit:
            columns[word] = len(columns)
            weights.append(math.log((1 + count) / (1 + frequency)) + 1)
    indptr, indices, data = [0], [], []
    for document in documents:
        counts: dict[int, int] = {}
        for word in document.words:
            column = columns.get(word)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        values = [(1 + math.log(n)) * weights[c] for c, n in counts.items()]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        indices.extend(counts)
        data.extend(v / norm for v in values)
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int32), indptr),
        shape=(count, len(columns)),
    )


def nearest(documents: list[Document], top: int = TOP) -> list[list[tuple[int, float]]]:
    """Per document its `top` most similar documents of other organisations, at most one
    per organisation, scores rounded to three decimals."""
    matrix = tfidf_matrix(documents)
    transposed = matrix.T.tocsr()
    organizations: dict[str, int] = {}
    org_codes = np.asarray(
        [organizations.setdefault(d.organization_key, len(organizations)) for d in documents]
    )
    ids = [d.id for d in documents]
    found: list[list[tuple[int, float]]] = []
    for start in range(0, len(documents), ROWS_PER_CHUNK):
        scores = (matrix[start : start + ROWS_PER_CHUNK] @ transposed).tocsr()
        for offset in range(scores.shape[0]):
            row = start + offset
            begin, end = scores.indptr[offset], scores.indptr[offset + 1]
            columns = scores.indices[begin:end]
            values = scores.data[begin:end]
            keep = (values >= MIN_SCORE) & (org_codes[columns] != org_codes[row])
            columns, values = columns[keep], values[keep]
            picked: list[tuple[int, float]] = []
            seen: set[int] = set()
            for position in np.argsort(-values, kind="stable"):
                organization = int(org_codes[columns[position]])
                if organization in seen:
                    continue
                seen.add(organization)
                picked.append((ids[columns[position]], round(float(values[position]), 3)))
                if len(picked) == top:
                    break
            found.append(picked)
    return found


def _published_documents(session: Session) -> list[Document]:
    content = Algorithm.content
    rows = session.execute(
        select(
            Algorithm.id,
            Algorithm.organization,
            Algorithm.name,
            content["description_short"].as_string(),
            content["goal"].as_string(),
            content["provider"].as_string(),
        )
        .where(Algorithm.is_published.is_(True))
        .order_by(Algorithm.id)
    )
    return [
        Document(
            id=row[0],
            organization_key=organization_key(row[1]),
            provider_key=provider_key(row[5]),
            words=entry_tokens(row[2], row[3], row[4]),
        )
        for row in rows
    ]


@dataclasses.dataclass(frozen=True)
class RebuildReport:
    entries: int
    with_similar: int
    seconds: float


def rebuild(session: Session, now: dt.datetime | None = None) -> RebuildReport:
    """Recompute every published entry's profile (see the module docstring); the caller
    commits. Replaces all rows in one transaction, so readers see the old or the new set."""
    started = time.perf_counter()
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        # Two rebuilds at once would each delete and insert the same rows.
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('entry_profiles'))"))
    documents = _published_documents(session)
    found = nearest(documents) if documents else []
    session.execute(delete(EntryProfile))
    rows = [
        {
            "algorithm_id": document.id,
            "organization_key": document.organization_key,
            "provider_key": document.provider_key,
            "neighbours": [[other, score] for other, score in similar],
            "computed_at": now,
        }
        for document, similar in zip(documents, found, strict=True)
    ]
    for start in range(0, len(rows), 5000):
        session.execute(insert(EntryProfile), rows[start : start + 5000])
    return RebuildReport(
        entries=len(rows),
        with_similar=sum(1 for similar in found if similar),
        seconds=time.perf_counter() - started,
    )


@dataclasses.dataclass(frozen=True)
class SimilarEntry:
    slug: str
    name: str
    organization: str
    description_short: str
    score: float


def _load_published(session: Session, ids: Iterable[int]) -> dict[int, SimilarEntry]:
    """The named entries that are still published, without reading their whole content."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(
            Algorithm.id,
            Algorithm.slug,
            Algorithm.name,
            Algorithm.organization,
            Algorithm.content["description_short"].as_string(),
        ).where(Algorithm.id.in_(wanted), Algorithm.is_published.is_(True))
    )
    return {
        row[0]: SimilarEntry(
            slug=row[1],
            name=row[2],
            organization=row[3] or "",
            description_short=row[4] or "",
            score=0.0,
        )
        for row in rows
    }


def similar_lists(session: Session, algorithms: list[Algorithm]) -> dict[int, list[SimilarEntry]]:
    """The stored similar entries of each of `algorithms` that are still published and of
    another organisation, most similar first (two queries, whatever the number)."""
    if not algorithms:
        return {}
    profiles = session.execute(
        select(EntryProfile.algorithm_id, EntryProfile.neighbours).where(
            EntryProfile.algorithm_id.in_([a.id for a in algorithms])
        )
    ).all()
    stored = {algorithm_id: similar or [] for algorithm_id, similar in profiles}
    others = _load_published(session, (item[0] for similar in stored.values() for item in similar))
    result: dict[int, list[SimilarEntry]] = {}
    for algorithm in algorithms:
        own = organization_key(algorithm.organization)
        entries = []
        for other_id, score in stored.get(algorithm.id, []):
            other = others.get(other_id)
            if other is None or organization_key(other.organization) == own:
                continue
            entries.append(dataclasses.replace(other, score=float(score)))
        result[algorithm.id] = entries
    return result


def similar_to(session: Session, algorithm: Algorithm) -> list[SimilarEntry]:
    """The entry page's list: one indexed read plus the (at most five) entries it names."""
    return similar_lists(session, [algorithm]).get(algorithm.id, [])


def last_computed(session: Session) -> dt.datetime | None:
    """When the stored profiles were computed (all rows of a rebuild share the moment)."""
    return session.scalar(
        select(EntryProfile.computed_at).order_by(EntryProfile.algorithm_id).limit(1)
    )


# Part of the public page cache's generation (portal/page_cache.py): entry pages show the
# stored lists, so a rebuild must renew them. Every row of one rebuild has the same
# `computed_at`, so one row read (by the primary key) tells.
page_cache.add_generation(
    select(EntryProfile.computed_at).order_by(EntryProfile.algorithm_id).limit(1).scalar_subquery()
)
