"""Full-text search over published entries.

The same rules on both databases: text is lower-cased and stripped of diacritics, and every
query term must occur somewhere in the entry, also inside a longer word (Dutch compounds:
`parkeer` finds `straatparkeren`). A term never holds a space, so it occurs in the text
exactly when it occurs in one of the text's words: each term first expands to the register's
words that contain it (a trigram index over the vocabulary, `search_terms`), and the entries
are then found through an index of each entry's distinct words (SQLite: FTS5 over whole words;
PostgreSQL: GIN over an array). The vocabulary is a thousand times smaller than the texts, so
a long word is looked up among words, not through a dozen common trigrams of every entry. The
rare run too long to be a word is searched in the text of the few documents that have one.
Ranking prefers matches in the name. A term that occurs nowhere is replaced by the closest
word in the register, so small typos still find something.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import re
import unicodedata
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Select,
    Text,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from register.models import Algorithm, SearchDocument, SearchTerm
from register.standard import FIELD_NAMES, LIST_FIELDS, html_to_text

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MIN_TERM_LENGTH = 3  # the trigram indexes need three characters
# Longer runs of letters and digits are not words (codes, pasted data): they stay out of the
# vocabulary, and PostgreSQL searches the few texts that have them through trigrams.
MAX_WORD_LENGTH = 80
_WORD_RE = re.compile(r"[a-z0-9]+")
_VOWELS = "aeiou"
NAME_WEIGHT = 10.0


def normalize(value: str) -> str:
    """Lower case, no diacritics (Financiën -> financien), no punctuation runs."""
    # Decomposed accents become ASCII letters plus marks; only [a-z0-9] is kept anyway.
    folded = unicodedata.normalize("NFKD", (value or "").casefold())
    return " ".join(_WORD_RE.findall(folded.encode("ascii", "ignore").decode("ascii")))


def is_word(value: str) -> bool:
    """Whether a normalised token belongs in the vocabulary and the word index."""
    return MIN_TERM_LENGTH <= len(value) <= MAX_WORD_LENGTH


def word_index(body_text: str) -> tuple[list[str], bool]:
    """PostgreSQL's word index of a normalised text: its distinct words, and whether it has
    a run too long to be one."""
    tokens = set(body_text.split())
    return sorted(t for t in tokens if is_word(t)), any(len(t) > MAX_WORD_LENGTH for t in tokens)


def match_words(body_text: str) -> str:
    """SQLite's word index of a normalised text: its distinct words of three or more letters
    (long runs too), space-separated, in order of first appearance, which FTS5 indexes."""
    # Distinct first (in C), then the length test on the few hundred that are left.
    return " ".join([t for t in dict.fromkeys(body_text.split()) if len(t) >= MIN_TERM_LENGTH])


def has_long_run(words: Iterable[str]) -> bool:
    return max(map(len, words), default=0) > MAX_WORD_LENGTH


def document_texts(content: dict) -> tuple[str, str]:
    """The normalised name and body text of an entry, as indexed."""
    parts = []
    for name in FIELD_NAMES:
        value = content.get(name)
        if not value:
            continue
        if name in LIST_FIELDS:
            for item in value:
                parts.extend(item.values() if isinstance(item, dict) else [item])
        else:
            parts.append(html_to_text(value))
    return normalize(content.get("name", "")), normalize(" ".join(str(p) for p in parts))


def document_values(content: dict, *, postgresql: bool) -> dict:
    """The stored search document of an entry, as `index_entries` writes it (without its
    id): the texts and the word index (PostgreSQL: `words_text`, the words space-separated,
    which the server splits; SQLite: `words`, see `match_words`)."""
    name_text, body_text = document_texts(content)
    values = {"name_text": name_text, "body_text": body_text}
    if postgresql:
        words, values["long_words"] = word_index(body_text)
        # Sent as one text the server splits: psycopg turns a list into an array element by
        # element in Python, 200 words per entry.
        values["words_text"] = " ".join(words)
    else:
        values["words"] = match_words(body_text)
        values["long_words"] = has_long_run(values["words"].split())
    return values


def term_variants(term: str) -> list[str]:
    """Forms to look for: plurals and verb endings reduced to their stem (woningen -> woning,
    parkeren -> parker/parkeer), because a stem also matches inside longer compounds."""
    variants = [term]
    for suffix in ("en", "s"):
        stem = term[: -len(suffix)]
        if term.endswith(suffix) and len(stem) >= 4:
            variants.append(stem)
            # Dutch open syllables drop a vowel: parkeren -> parkeer, maken -> maak.
            if (
                suffix == "en"
                and len(stem) >= 3
                and stem[-1] not in _VOWELS
                and stem[-2] in _VOWELS
                and stem[-3] not in _VOWELS
            ):
                variants.append(stem[:-1] + stem[-2] + stem[-1])
    # A long vowel before the last consonant is written single before an ending:
    # parkeer -> parker (matches parkeren, straatparkeren), maak -> mak (maken).
    if len(term) >= 4 and term[-1] not in _VOWELS and term[-2] == term[-3] and term[-2] in _VOWELS:
        variants.append(term[:-2] + term[-1])
    # Shortest first; drop forms that contain another form (it matches anyway).
    variants = sorted(set(variants), key=len)
    return [v for i, v in enumerate(variants) if not any(o in v for o in variants[:i])]


@dataclass
class ParsedQuery:
    raw: str
    terms: list[str]
    corrected: dict[str, str]

    @property
    def effective_query(self) -> str:
        return " ".join(self.corrected.get(t, t) for t in self.terms)


def parse_query(raw: str) -> list[str]:
    words = normalize((raw or "")[:MAX_QUERY_LENGTH]).split()
    terms = []
    for word in words:
        if len(word) >= MIN_TERM_LENGTH and word not in terms:
            terms.append(word)
    return terms[:MAX_TERMS]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


_EXPANSIONS = "register_search_expansions"
# SQLite's vocabulary index: a trigram FTS5 table with its own copy of each word.
_SQLITE_TERMS = "SELECT term FROM search_terms_fts WHERE search_terms_fts MATCH ?"


def _driver_rows(session: Session, sql: str, params: tuple) -> list[tuple]:
    """The rows of `sql` (in the driver's placeholder style: `?` for SQLite, `%s` for
    psycopg) as the driver's cursor holds them. Executed through SQLAlchemy, so a database
    error is wrapped as everywhere else (a lost server answers 503, its connection is
    dropped from the pool) and the statement is logged; read from the cursor, because
    building SQLAlchemy rows for 10,000 ids took 2 to 3 ms, a quarter of the lookup."""
    result = session.connection().exec_driver_sql(sql, params)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


class Vocabulary:
    """The register's words in memory, one per line of a single text: the words containing a
    term are found by scanning that text (about a megabyte for 100,000 entries) in C, a
    fraction of a millisecond, where PostgreSQL's trigram index over the table took 15 ms.
    Loaded once per register generation by the caller (register/queries.py); the words only
    change with a publication."""

    def __init__(self, words: Iterable[str], *, long_runs: bool = True) -> None:
        # Whether some document has a run too long to be a word (searched in its text):
        # without one, a search skips that query.
        self.long_runs = long_runs
        ordered = sorted(words)
        # One text and an array of offsets (about 1.5 MB for 100,000 words), not a list of
        # 100,000 string objects (about 7 MB) in every process.
        self.lines = "\n".join(ordered)
        self.starts = array("i")
        start = 0
        for word in ordered:
            self.starts.append(start)
            start += len(word) + 1

    def positions(self, variants: list[str]) -> list[int]:
        """The alphabetical positions of the words that contain one of `variants`, each once,
        in ascending order."""
        found: set[int] = set()
        lines, starts = self.lines, self.starts
        for variant in variants:
            at = lines.find(variant)
            while at != -1:
                position = bisect.bisect_right(starts, at) - 1
                found.add(position)
                following = position + 1
                at = lines.find(variant, starts[following]) if following < len(starts) else -1
        return sorted(found)

    def containing(self, variants: list[str]) -> list[str]:
        """The words that contain one of `variants`, each once, in alphabetical order."""
        lines, starts = self.lines, self.starts
        ends = len(lines) + 1
        return [
            lines[starts[p] : (starts[p + 1] if p + 1 < len(starts) else ends) - 1]
            for p in self.positions(variants)
        ]

    def __contains__(self, term: str) -> bool:
        """Whether some word contains `term`."""
        return term in self.lines


def load_vocabulary(session: Session) -> Vocabulary:
    long_runs = session.scalar(select(exists().where(SearchDocument.long_words == true())))
    return Vocabulary(session.scalars(select(SearchTerm.term)), long_runs=bool(long_runs))


def _expansions(
    session: Session, variants: list[str], vocabulary: Vocabulary | None = None
) -> list[str]:
    """The vocabulary's words that contain one of `variants` (the word index is searched
    with these): from `vocabulary` when the caller has it, else through the database's
    trigram index. Kept for the session: a search asks twice (ids, then ranking)."""
    cache = session.info.setdefault(_EXPANSIONS, {})
    key = tuple(variants)
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        if vocabulary is not None:
            cache[key] = vocabulary.containing(variants)
        elif session.get_bind().dialect.name == "sqlite":
            expression = " OR ".join(_fts_phrase(v) for v in variants)
            cache[key] = [row[0] for row in _driver_rows(session, _SQLITE_TERMS, (expression,))]
        else:
            cache[key] = list(
                session.scalars(
                    select(SearchTerm.term).where(
                        or_(*(SearchTerm.term.contains(v, autoescape=True) for v in variants))
                    )
                )
            )
    return cache[key]


def _word_exists(session: Session, term: str) -> bool:
    """Whether some word of the register contains `term`."""
    if session.get_bind().dialect.name == "sqlite":
        return bool(_driver_rows(session, _SQLITE_TERMS + " LIMIT 1", (_fts_phrase(term),)))
    found = session.scalar(
        select(SearchTerm.term).where(SearchTerm.term.contains(term, autoescape=True)).limit(1)
    )
    return found is not None


def _words_match(words: list[str]) -> str:
    """SQLite: an FTS5 expression for entries holding one of `words` (whole words)."""
    return "(" + " OR ".join(_fts_phrase(w) for w in words) + ")"


def _in_long_run(variants: list[str]) -> ColumnElement[bool]:
    return and_(
        # `= 1` on SQLite, as its partial index over these documents reads.
        SearchDocument.long_words == true(),
        or_(*(SearchDocument.body_text.contains(v, autoescape=True) for v in variants)),
    )


def _word_condition(
    session: Session, variants: list[str], index: int, vocabulary: Vocabulary | None = None
):
    """The entry has a word containing one of `variants`, or (rare) a run too long to be a
    word that contains one."""
    words = _expansions(session, variants, vocabulary)
    if session.get_bind().dialect.name == "sqlite":
        if not words:
            return _in_long_run(variants)
        param = f"words_{index}"
        in_words = SearchDocument.algorithm_id.in_(
            # Only the parameter name is formatted in; the words are a bound value.
            text(f"SELECT rowid FROM search_fts WHERE search_fts MATCH :{param}").bindparams(  # noqa: S608
                bindparam(param, _words_match(words))
            )
        )
        return or_(in_words, _in_long_run(variants))
    array = bindparam(None, words, type_=ARRAY(Text()), unique=True)
    return or_(SearchDocument.words.op("&&")(array), _in_long_run(variants))


def _name_score(variants: list[str]):
    return case(
        (or_(*(SearchDocument.name_text.contains(v, autoescape=True) for v in variants)), 1),
        else_=0,
    )


def ranked_documents(session: Session, terms: list[str]) -> Select:
    """A select of (algorithm_id, rank) of every search document; higher rank first. The
    caller picks the rows (the ids `matching_ids` found)."""
    score = literal(0.0)
    postgresql = session.get_bind().dialect.name == "postgresql"
    # SQLite's distinct words start the same words as the text, in half the characters.
    words = SearchDocument.body_text if postgresql else SearchDocument.words
    for term in terms:
        variants = term_variants(term)
        score = score + NAME_WEIGHT * _name_score(variants)
        # Prefer whole-word and start-of-word matches over matches deep inside a word.
        score = score + _word_start_bonus(variants, words)
    return select(SearchDocument.algorithm_id, score.label("rank"))


def matching_documents(session: Session, terms: list[str]) -> Select:
    """A select of (algorithm_id, rank) for entries matching every term; higher rank first."""
    conditions = [
        _word_condition(session, term_variants(term), index) for index, term in enumerate(terms)
    ]
    return ranked_documents(session, terms).where(and_(*conditions))


@contextlib.contextmanager
def index_scans(session: Session) -> Iterator[None]:
    """PostgreSQL: queries inside go through the word index. With a LIMIT (or many expected
    matches) the planner prefers reading the table, not counting the cost of unpacking
    every entry's stored word list: 1.8 s instead of 27 ms for a common word at 100,000
    entries."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        session.execute(text("SET LOCAL enable_seqscan = off"))
    yield
    # Not in `finally`: after a failed query the transaction is aborted (its rollback undoes
    # the setting anyway), and a second statement would hide the first error.
    if postgresql:
        session.execute(text("SET LOCAL enable_seqscan TO DEFAULT"))


def matching_ids(
    session: Session,
    terms: list[str],
    *,
    limit: int | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[int]:
    """Ids of the published entries matching every term (ascending), at most `limit`:
    one index lookup for the whole query, stopping early when the caller only counts so far.
    `vocabulary`: the register's words in memory, if the caller keeps them."""
    variants = [term_variants(t) for t in terms]
    expansions = [_expansions(session, forms, vocabulary) for forms in variants]
    ids: list[int] = []
    if all(expansions):
        ids = _ids_with_words(session, expansions, limit)
    # A document with a run too long to be a word: every term may also be inside that run.
    in_long_runs = []
    if vocabulary is None or vocabulary.long_runs:
        in_long_runs = session.scalars(
            select(SearchDocument.algorithm_id).where(*(_in_long_run(f) for f in variants))
        ).all()
    if in_long_runs:
        ids = sorted(set(ids).union(in_long_runs))
    return ids


def _ids_with_words(session: Session, expansions: list[list[str]], limit: int | None) -> list[int]:
    """Ids (ascending) of the entries that hold, for each list, one of its words: one lookup
    in the word index for all of them (PostgreSQL: one scan of the GIN index with a key per
    term; as separate conditions the planner read each candidate's word list instead)."""
    # No lists: every entry holds one word of each (none), as a query without a condition.
    if session.get_bind().dialect.name == "sqlite":
        sql, params = "SELECT rowid FROM search_fts", ()
        if expansions:
            sql += " WHERE search_fts MATCH ?"
            params = (" AND ".join(_words_match(words) for words in expansions),)
        if limit is not None:
            sql, params = sql + " LIMIT ?", (*params, limit)
        return [row[0] for row in _driver_rows(session, sql, params)]
    sql, params = "SELECT algorithm_id FROM search_documents", tuple(expansions)
    if expansions:
        # Only placeholders are formatted in; psycopg sends each list as a text array.
        sql += " WHERE " + " AND ".join(["words && %s::text[]"] * len(expansions))
    if limit is not None:
        sql, params = sql + " LIMIT %s", (*params, limit)
    with index_scans(session):
        return sorted(row[0] for row in _driver_rows(session, sql, params))


def name_rank(terms: list[str]):
    """The cheap rank for searches with many matches: name matches first."""
    score = literal(0.0)
    for term in terms:
        score = score + NAME_WEIGHT * _name_score(term_variants(term))
    return score


def _word_start_bonus(variants: list[str], words: ColumnElement) -> ColumnElement:
    padded = literal(" ") + words
    return case(
        (or_(*(padded.contains(" " + v, autoescape=True) for v in variants)), 1.0),
        else_=0.0,
    )


def correct_terms(
    session: Session, terms: list[str], vocabulary: Vocabulary | None = None
) -> dict[str, str]:
    """For terms that occur nowhere in the register, the closest register word."""
    corrections = {}
    for term in terms:
        if term.isdigit():  # a number is never "corrected" into another number
            continue
        if term in vocabulary if vocabulary is not None else _word_exists(session, term):
            continue
        candidates = session.scalars(
            select(SearchTerm.term).where(
                SearchTerm.term.startswith(term[0], autoescape=True),
                func.length(SearchTerm.term).between(len(term) - 2, len(term) + 2),
            )
        ).all()
        if not candidates:
            candidates = session.scalars(
                select(SearchTerm.term).where(
                    func.length(SearchTerm.term).between(len(term) - 1, len(term) + 1)
                )
            ).all()
        candidates = [c for c in candidates if not c.isdigit()]
        best = difflib.get_close_matches(term, candidates, n=1, cutoff=0.75)
        if best:
            corrections[term] = best[0]
    return corrections


def index_entry(session: Session, algorithm_id: int, content: dict) -> None:
    """(Re)index one published entry; new words join the typo vocabulary."""
    name_text, body_text = document_texts(content)
    document = session.get(SearchDocument, algorithm_id)
    if document is None:
        document = SearchDocument(algorithm_id=algorithm_id, name_text="", body_text="")
        session.add(document)
    document.name_text = name_text
    document.body_text = body_text
    if session.get_bind().dialect.name == "postgresql":
        document.words, document.long_words = word_index(body_text)
    else:
        document.words = match_words(body_text)
        document.long_words = has_long_run(document.words.split())
    add_vocabulary(session, set((name_text + " " + body_text).split()))


def index_entries(
    session: Session,
    entries: list[tuple[int, dict]],
    *,
    indexed: Iterable[int] = (),
    documents: dict[int, dict] | None = None,
) -> set[str]:
    """`index_entry` for many published entries at once (the importer's batches): the
    documents of `indexed` (ids that may have one) go with one DELETE, and all are written
    with one multi-row INSERT. `documents` holds the `document_values` of entries already
    worked out (the importer does so beside its writes). Returns the words for the
    vocabulary, which the caller stores once with `add_vocabulary`."""
    if not entries:
        return set()
    table = SearchDocument.__table__
    ids = list(indexed)
    for start in range(0, len(ids), 500):
        session.execute(delete(table).where(table.c.algorithm_id.in_(ids[start : start + 500])))
    postgresql = session.get_bind().dialect.name == "postgresql"
    rows, words = [], set()
    known = documents or {}
    for algorithm_id, content in entries:
        document = known.get(algorithm_id) or document_values(content, postgresql=postgresql)
        row = {"algorithm_id": algorithm_id, **document}
        # The vocabulary takes the name's words and the word index's (the text's distinct
        # words: the same set, from a shorter text).
        words.update(row["name_text"].split())
        words.update(row["words_text" if postgresql else "words"].split())
        rows.append(row)
    if postgresql:
        statement = insert(table).values(words=func.string_to_array(bindparam("words_text"), " "))
        session.execute(statement, rows)
    else:
        _insert_sqlite_documents(session, rows)
    return words


_SQLITE_DOCUMENT_COLUMNS = ("algorithm_id", "name_text", "body_text", "words", "long_words")
_SQLITE_ROWS_PER_INSERT = 500


def _insert_sqlite_documents(session: Session, rows: list[dict]) -> None:
    """One INSERT of many rows, not one per row: the FTS5 index behind the table's trigger
    writes its new words out, and merges them, at the end of every statement. Written as
    SQL text with placeholders (the values stay bound): SQLAlchemy compiling a statement of
    2,000 parameters per batch took longer than SQLite took to store it."""
    columns = ", ".join(_SQLITE_DOCUMENT_COLUMNS)
    one_row = "(" + ", ".join("?" * len(_SQLITE_DOCUMENT_COLUMNS)) + ")"
    connection = session.connection()
    for start in range(0, len(rows), _SQLITE_ROWS_PER_INSERT):
        chunk = rows[start : start + _SQLITE_ROWS_PER_INSERT]
        # Only column names and placeholders are formatted in; every value is bound.
        placeholders = ", ".join([one_row] * len(chunk))
        sql = f"INSERT INTO search_documents ({columns}) VALUES {placeholders}"  # noqa: S608
        values = tuple(row[name] for row in chunk for name in _SQLITE_DOCUMENT_COLUMNS)
        connection.exec_driver_sql(sql, values)


_DEFERRED = "register_search_vocabulary_deferred"


@contextlib.contextmanager
def deferred_vocabulary(session: Session) -> Iterator[set[str]]:
    """Collect the new words of entries indexed inside the block instead of looking them up
    entry by entry; the caller stores them once with `add_vocabulary` (an import's batch)."""
    words: set[str] = set()
    previous = session.info.get(_DEFERRED)
    session.info[_DEFERRED] = words
    try:
        yield words
    finally:
        if previous is None:
            session.info.pop(_DEFERRED, None)
        else:
            session.info[_DEFERRED] = previous


def add_vocabulary(session: Session, words: set[str]) -> None:
    words = {w for w in words if is_word(w)}
    if not words:
        return
    session.info.pop(_EXPANSIONS, None)  # new words may extend a kept expansion
    deferred = session.info.get(_DEFERRED)
    if deferred is not None:
        deferred.update(words)
        return
    # Known words are skipped by the database, not looked up first: on PostgreSQL, before
    # the table has statistics, the planner answers `term IN (...)` through the trigram
    # index, a second per import batch. Also safe when two writers add the same word.
    postgresql = session.get_bind().dialect.name == "postgresql"
    dialect_insert = postgresql_insert if postgresql else sqlite_insert
    statement = dialect_insert(SearchTerm.__table__).on_conflict_do_nothing(index_elements=["term"])
    session.execute(statement, [{"term": w} for w in sorted(words)])


def remove_entry(session: Session, algorithm_id: int) -> None:
    document = session.get(SearchDocument, algorithm_id)
    if document is not None:
        session.delete(document)


def reindex_published(session: Session) -> None:
    """Index every published entry again (after a restore: the index is not in a backup)."""
    for algorithm in session.scalars(select(Algorithm).where(Algorithm.is_published.is_(True))):
        index_entry(session, algorithm.id, algorithm.content)
