"""Import and export in the national register's v1.0 format (JSON and CSV).

Identity on import (why: names repeat across organisations, "Zivver" or "Anonimiseren"):
an entry is found by its national id (`lars`, unique in the register), else by its
`source_id` within the row's organisation, else by the slug the row names explicitly as
`id`/`slug` when that entry belongs to the same organisation, else (only for rows without an
explicit slug of their own organisation) by its name within that organisation when exactly
one entry there has it. Everything else is a new entry. A name never matches an entry of
another organisation, and no row can move an entry to another organisation.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import contextvars
import csv
import fcntl
import hashlib
import io
import itertools
import json
import math
import multiprocessing
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from portal.db import begin_sqlite_transaction, utcnow
from portal.problems import N_
from portal.text import is_storable_text
from register import bulk, operations, search
from register.models import Algorithm
from register.standard import (
    FIELD_NAMES,
    FIELDS_BY_NAME,
    LEGACY_ALIASES,
    LIST_FIELDS,
    NATIONAL_FIELD_NAMES,
    changed_fields,
    clean_entry,
    empty_entry,
    plain_text,
    validate_entry,
)

CSV_ID_COLUMN = "id"
LARS_COLUMN = "lars"
# Identity fields of the national exports: read for matching, not stored as content.
IDENTITY_FIELDS = frozenset({"id", "slug", "lars"})
# Envelope fields of the national exports that carry no content for us.
IGNORED_QUIETLY = frozenset({"uuid", "publication_dt"})
IDENTITY_MAX = 100
# A raw value far beyond every limit of the standard is refused before it is cleaned.
RAW_TEXT_MAX = 100_000
# Integers are accepted as ids only (some exports write them as numbers); never huge ones.
ID_NUMBER_DIGITS = 30
DEFAULT_BATCH_SIZE = 500
SQLITE_CACHE_KIB = 100_000  # the import's page cache on SQLite (see import_rows)
FTS_HASH_BYTES = 64 * 1024 * 1024  # SQLite's search index: pending terms per batch
FTS_AUTOMERGE, FTS_IMPORT_AUTOMERGE = 4, 8  # segments of a size FTS5 merges (4: its default)
# From this many rows the checks run in a process of their own (_checked_batches): worth the
# second it takes to start.
CHECK_IN_PROCESS_ROWS = 5_000
# Checking processes for a large import; with the writer, three on two cores (measured).
CHECK_PROCESSES = 2
ANALYSE_FIRST_AT = 1_000  # rows; on PostgreSQL (see _refresh_statistics)

# OWASP CSV injection: a spreadsheet runs cells that start with these as formulas.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ImportFileError(ValueError):
    """The file as a whole cannot be read."""


class ImportBusyError(RuntimeError):
    """Another import holds the import lock."""


# ---------------------------------------------------------------- the report


@dataclass
class RowResult:
    label: str
    outcome: str  # imported, updated, unchanged, rejected, conflict
    slug: str = ""
    fields: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.outcome in ("rejected", "conflict"):
            detail = "; ".join(f"{name}: {problem}" for name, problem in self.reasons.items())
            out = [f"{self.outcome}: {self.label}: {detail}"]
        elif self.outcome == "updated":
            out = [f"updated: {self.slug} ({self.label}): changed {', '.join(self.fields)}"]
        else:
            out = [f"{self.outcome}: {self.slug} ({self.label})"]
        out += [f"note: {self.label}: {text_}" for text_ in self.notes]
        out += [f"warning: {self.label}: {text_}" for text_ in self.warnings]
        return out


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    # Rows (from the start) whose outcome is committed; the rest would be rolled back.
    stored: int = 0
    current_label: str = ""

    def _of(self, outcome: str) -> list[RowResult]:
        return [row for row in self.rows if row.outcome == outcome]

    @property
    def imported(self) -> list[str]:
        return [row.slug for row in self._of("imported")]

    @property
    def updated(self) -> list[str]:
        return [row.slug for row in self._of("updated")]

    @property
    def unchanged(self) -> list[str]:
        return [row.slug for row in self._of("unchanged")]

    @property
    def rejected(self) -> list[tuple[str, dict[str, str]]]:
        return [(row.label, row.reasons) for row in self._of("rejected")]

    @property
    def conflicts(self) -> list[tuple[str, dict[str, str]]]:
        return [(row.label, row.reasons) for row in self._of("conflict")]

    def discard_uncommitted(self) -> None:
        """After a rollback: keep only what the database holds."""
        del self.rows[self.stored :]

    def summary(self) -> str:
        return (
            f"{len(self.imported)} imported, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected, "
            f"{len(self.conflicts)} conflicts"
        )

    def lines(self) -> list[str]:
        out = [line for row in self.rows for line in row.lines()]
        out.append(self.summary())
        return out


def printable(value: str) -> str:
    """Text safe to print in a report: control characters, NUL and lone surrogates escaped."""
    if value.isprintable():  # nearly every label: no character to look at one by one
        return value
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)


# ---------------------------------------------------------------- CSV cells and formulas


def neutralise_cell(value: str) -> str:
    """A leading ' makes a spreadsheet show a cell as text instead of running it (OWASP).

    Cells that already start with quotes before a formula character get one more, so
    `restore_cell` gives back exactly what was exported."""
    if value.lstrip("'").startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """The inverse of `neutralise_cell`, for CSV files read back in."""
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def _formula_warning(name: str, value: object) -> str | None:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return (
            f"{name}: starts with {value[0]!r}, which a spreadsheet may run as a formula "
            "(our CSV exports put a ' before it)"
        )
    return None


# ---------------------------------------------------------------- reading files


class _HugeNumber:
    """A JSON number too long to be an id; kept as text so the row can be refused alone."""

    def __init__(self, digits: str) -> None:
        self.digits = digits


def _parse_int(digits: str) -> int | _HugeNumber:
    # Python refuses to convert very long integers; a whole file must not fail on one cell.
    return int(digits) if len(digits.lstrip("-")) <= ID_NUMBER_DIGITS else _HugeNumber(digits)


def _parse_constant(name: str) -> float:
    return float("nan")  # NaN/Infinity: refused per row as "not a finite number"


def _csv_cell(name: str, value: str):
    if name in LIST_FIELDS:
        value = value.strip()
        if not value:
            return []
        if value.startswith("["):
            try:
                return json.loads(value, parse_int=_parse_int, parse_constant=_parse_constant)
            except (json.JSONDecodeError, RecursionError) as error:
                message = getattr(error, "msg", "nested too deeply")
                raise ValueError(f"{name}: not a JSON list ({message})") from error
        if FIELDS_BY_NAME[name].kind == "group":
            raise ValueError(f"{name}: expected a JSON list of {{title, link}}")
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def read_rows(path: Path) -> list[tuple[str, dict | str]]:
    """(label, raw row) pairs; a row that cannot be parsed comes back as an error string."""
    try:
        # Bytes that are not UTF-8 become lone surrogates, so only their row is refused.
        data = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    except OSError as error:
        raise ImportFileError(f"cannot read {path}: {error}") from error
    if path.suffix.lower() == ".csv":
        return _read_csv(data)
    try:
        parsed = json.loads(data, parse_int=_parse_int, parse_constant=_parse_constant)
    except json.JSONDecodeError as error:
        raise ImportFileError(f"{path} is not valid JSON: {error}") from error
    except RecursionError as error:
        raise ImportFileError(f"{path}: JSON nested too deeply") from error
    if isinstance(parsed, dict):
        parsed = parsed.get("items", [parsed]) if "name" not in parsed else [parsed]
    if not isinstance(parsed, list):
        raise ImportFileError(f"{path}: expected a list of entries")
    rows: list[tuple[str, dict | str]] = []
    for index, row in enumerate(parsed, start=1):
        label = f"#{index}"
        if isinstance(row, dict):
            name = row.get("name")
            if isinstance(name, str):
                label = f"#{index} {printable(name[:60])}".strip()
            rows.append((label, row))
        else:
            rows.append((label, "not an object"))
    return rows


def _read_csv(data: str) -> list[tuple[str, dict | str]]:
    reader = csv.reader(io.StringIO(data))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportFileError(f"CSV header row unreadable: {error}") from error
    if not header or "name" not in header:
        raise ImportFileError("CSV without a header row naming the v1.0 fields (at least 'name')")
    rows: list[tuple[str, dict | str]] = []
    index = 1  # line 1 is the header
    while True:
        index += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            rows.append((f"line {index}", f"unreadable CSV ({error})"))
            continue
        if not cells:
            index -= 1  # blank lines are skipped, as csv.DictReader does
            continue
        record = dict(zip(header, cells, strict=False))
        label = f"line {index} {printable(record.get('name', '')[:60])}".strip()
        if len(cells) > len(header):
            rows.append((label, "more cells than header columns"))
            continue
        raw = {}
        try:
            for key in header:
                value = restore_cell(record.get(key, ""))
                name = LEGACY_ALIASES.get(key, key)
                raw[key] = _csv_cell(name, value) if name in FIELDS_BY_NAME else value
        except ValueError as error:
            rows.append((label, str(error)))
            continue
        rows.append((label, raw))
    return rows


# ---------------------------------------------------------------- checking raw rows


def _text_problem(value: str) -> str | None:
    if not is_storable_text(value):
        if "\x00" in value:
            return "contains a NUL character"
        return "contains text that is not valid UTF-8 (a lone surrogate)"
    if len(value) > RAW_TEXT_MAX:
        return f"longer than {RAW_TEXT_MAX} characters"
    return None


def _kind_of(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | _HugeNumber):
        return "a number"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _scalar_problem(value: object, *, number_ok: bool = False) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, _HugeNumber):
        return f"number too large ({len(value.digits)} digits)"
    if isinstance(value, float) and not math.isfinite(value):
        return "not a finite number"
    if number_ok and isinstance(value, int) and not isinstance(value, bool):
        return None
    return f"expected text, got {_kind_of(value)}"


def row_problems(raw: dict) -> dict[str, str]:
    """Type and encoding problems of a raw row, per field, before it is cleaned.

    The national format has text, lists of text and lists of {title, link} objects; anything
    else (numbers in text fields, objects in lists, NUL, non-UTF-8 text) refuses the row."""
    problems: dict[str, str] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or _text_problem(key):
            problems[printable(str(key))] = "field name is not valid text"
            continue
        name = LEGACY_ALIASES.get(key, key)
        spec = FIELDS_BY_NAME.get(name)
        if key in IDENTITY_FIELDS:
            problem = _scalar_problem(value, number_ok=True)
        elif spec is None:
            continue  # ignored, and reported as such
        elif spec.kind == "list":
            problem = _list_problem(key, value, problems)
        elif spec.kind == "group":
            problem = _group_problem(key, value, spec, problems)
        else:
            problem = _scalar_problem(value, number_ok=name == "source_id")
        if problem:
            problems[key] = problem
    return problems


def _list_problem(key: str, value: object, problems: dict[str, str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list):
        return f"expected a list of text, got {_kind_of(value)}"
    for index, item in enumerate(value):
        problem = _scalar_problem(item) if item is not None else "expected text, got null"
        if problem:
            problems[f"{key}[{index}]"] = problem
    return None


def _group_problem(key: str, value: object, spec, problems: dict[str, str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list):
        return f"expected a list of {{title, link}} objects, got {_kind_of(value)}"
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            problems[f"{key}[{index}]"] = (
                f"expected an object with title and link, got {_kind_of(item)}"
            )
            continue
        for sub in spec.group_fields:
            problem = _scalar_problem(item.get(sub.name))
            if problem:
                problems[f"{key}[{index}].{sub.name}"] = problem
    return None


# ---------------------------------------------------------------- identity


@dataclass(frozen=True)
class RowIdentity:
    organization: str
    name: str
    lars: str = ""
    source_id: str = ""
    slug: str = ""  # only when the row names it explicitly (`id` or `slug`)


def _identity_value(value: object) -> str:
    return "" if value is None else plain_text(str(value))


def _explicit_slug(raw: dict) -> str:
    """The slug a row names as `id` or `slug`; empty when it names none (or nothing usable)."""
    wanted = _identity_value(raw.get("id")) or _identity_value(raw.get("slug"))
    if not any(c.isalnum() for c in wanted):
        return ""
    return operations.slugify(wanted)


class _EntryKeys(Protocol):
    """What identity needs to know of a stored entry (an Algorithm, or a batch's copy)."""

    id: int
    slug: str
    organization: str
    lars: str
    source_id: str
    name: str


class _SessionFinder:
    """Entries looked up in the database, one query per question (a single row)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_lars(self, lars: str) -> Algorithm | None:
        return self.session.scalar(
            select(Algorithm).where(Algorithm.lars != "", Algorithm.lars == lars)
        )

    def by_source(self, organization: str, source_id: str) -> Algorithm | None:
        # The index is unique per organisation: another's source_id is not ours.
        return self.session.scalar(
            select(Algorithm).where(
                Algorithm.organization == organization, Algorithm.source_id == source_id
            )
        )

    def by_slug(self, slug: str) -> Algorithm | None:
        return operations.get_by_slug(self.session, slug)

    def by_name(self, organization: str, name: str) -> list[Algorithm]:
        return list(
            self.session.scalars(
                select(Algorithm).where(
                    Algorithm.organization == organization, Algorithm.name == name
                )
            )
        )


@dataclass(eq=False)
class _Known:
    """A batch's copy of an entry's identity; `id` below 0: new in this batch, not stored."""

    id: int
    slug: str
    organization: str
    lars: str
    source_id: str
    name: str


class _BatchFinder:
    """The entries a batch's rows can point at, read with a few IN queries, answering the
    same questions as `_SessionFinder` from memory. Rows are decided in file order and
    every decision is written into it (`add`, `change`), so a row sees the rows before it
    in its batch as the database would after storing them one by one."""

    def __init__(self, session: Session, idents: list[RowIdentity]) -> None:
        self.session = session
        self._lars: dict[str, _Known] = {}
        self._source: dict[tuple[str, str], _Known] = {}
        self._slug: dict[str, _Known] = {}
        self._name: dict[tuple[str, str], list[_Known]] = {}
        table = Algorithm.__table__
        columns = (
            table.c.id,
            table.c.slug,
            table.c.organization,
            table.c.lars,
            table.c.source_id,
            table.c.name,
        )
        names = {(i.organization, i.name) for i in idents}
        # The name has no index of its own; sort_name (its normalised form, written by
        # operations.entry_columns) has, and the exact pair is checked here.
        sort_names = {search.normalize(name)[:100] for _org, name in names}
        questions = (
            (table.c.lars, {i.lars for i in idents if i.lars}, table.c.lars != ""),
            (
                table.c.source_id,
                {i.source_id for i in idents if i.source_id},
                table.c.source_id != "",
            ),
            (table.c.slug, {i.slug for i in idents if i.slug}, None),
            (table.c.sort_name, sort_names, None),
        )
        seen: set[int] = set()
        for column, values, condition in questions:
            for chunk in bulk.chunks(sorted(values)):
                where = [column.in_(chunk)] + ([condition] if condition is not None else [])
                for row in session.execute(select(*columns).where(*where)):
                    if row.id in seen:
                        continue
                    if column is table.c.sort_name and (row.organization, row.name) not in names:
                        continue
                    seen.add(row.id)
                    self.add(_Known(*row))
        # The first candidates of every row's slug (operations.slug_candidates), in one go:
        # the name, with the organisation, then numbered, as far as the batch repeats it.
        wanted = collections.Counter((i.slug or i.name, i.organization) for i in idents)
        self._slugs_checked = {
            slug
            for (name, org), count in wanted.items()
            for slug in itertools.islice(operations.slug_candidates(name, org), 2 + count)
        }
        self._slugs_taken = bulk.taken_slugs(session, self._slugs_checked)

    def by_lars(self, lars: str) -> _Known | None:
        return self._lars.get(lars)

    def by_source(self, organization: str, source_id: str) -> _Known | None:
        return self._source.get((organization, source_id))

    def by_slug(self, slug: str) -> _Known | None:
        return self._slug.get(slug)

    def by_name(self, organization: str, name: str) -> list[_Known]:
        return list(self._name.get((organization, name), []))

    def known(self) -> list[_Known]:
        return list(self._slug.values())

    def slug_free(self, slug: str) -> bool:
        if slug in self._slug:
            return False
        if slug not in self._slugs_checked:
            self._slugs_checked.add(slug)
            self._slugs_taken |= bulk.taken_slugs(self.session, [slug])
        return slug not in self._slugs_taken

    def add(self, known: _Known) -> None:
        if known.lars:
            self._lars[known.lars] = known
        if known.source_id:
            self._source[(known.organization, known.source_id)] = known
        self._slug[known.slug] = known
        self._name.setdefault((known.organization, known.name), []).append(known)

    def change(self, known: _Known, *, lars: str, source_id: str, name: str) -> None:
        """The entry's identity after the row stored for it."""
        if self._lars.get(known.lars) is known:
            del self._lars[known.lars]
        if self._source.get((known.organization, known.source_id)) is known:
            del self._source[(known.organization, known.source_id)]
        self._name[(known.organization, known.name)].remove(known)
        del self._slug[known.slug]
        known.lars, known.source_id, known.name = lars, source_id, name
        self.add(known)


_Finder = _SessionFinder | _BatchFinder


def _incompatible(found: _EntryKeys, ident: RowIdentity) -> str | None:
    """Why `found` cannot be the row's entry although one key points at it."""
    if ident.lars and found.lars and found.lars != ident.lars:
        return f"entry {found.slug} has national id {found.lars}, the row {ident.lars}"
    if ident.source_id and found.source_id and found.source_id != ident.source_id:
        return f"entry {found.slug} has source_id {found.source_id!r}, the row {ident.source_id!r}"
    return None


def find_entry(
    session: Session | _BatchFinder, ident: RowIdentity
) -> tuple[_EntryKeys | None, str, str]:
    """(entry or None for a new one, conflict reason, rejection reason).

    `session` answers with a query per question; a `_BatchFinder` from what it read for
    its batch. The rules are the same (the module docstring)."""
    finder: _Finder = session if isinstance(session, _BatchFinder) else _SessionFinder(session)
    by_lars = by_source = None
    if ident.lars:
        by_lars = finder.by_lars(ident.lars)
    if ident.source_id:
        by_source = finder.by_source(ident.organization, ident.source_id)
    if by_lars is not None:
        if by_lars.organization != ident.organization:
            return (
                None,
                "",
                f"national id {ident.lars} is entry {by_lars.slug} of "
                f"{by_lars.organization!r}; an import cannot move it to "
                f"{ident.organization!r}",
            )
        if by_source is not None and by_source.id != by_lars.id:
            return (
                None,
                f"national id {ident.lars} is entry {by_lars.slug}, source_id "
                f"{ident.source_id!r} is entry {by_source.slug}",
                "",
            )
        return by_lars, "", ""
    if by_source is not None:
        reason = _incompatible(by_source, ident)
        return (None, reason, "") if reason else (by_source, "", "")
    if ident.slug:
        by_slug = finder.by_slug(ident.slug)
        if by_slug is None:
            return None, "", ""  # a new entry under the slug the row asks for
        if by_slug.organization == ident.organization:
            reason = _incompatible(by_slug, ident)
            return (None, reason, "") if reason else (by_slug, "", "")
        # The slug is another organisation's entry: ours may exist under another slug.
    candidates = [
        found
        for found in finder.by_name(ident.organization, ident.name)
        if _incompatible(found, ident) is None
        and not (ident.lars and found.lars)
        and not (ident.source_id and found.source_id)
    ]
    if len(candidates) > 1:
        slugs = ", ".join(sorted(found.slug for found in candidates))
        return (
            None,
            f"{ident.organization!r} has several entries called {ident.name!r} ({slugs}); "
            "give the row its id, lars or source_id",
            "",
        )
    return (candidates[0] if candidates else None), "", ""


# ---------------------------------------------------------------- importing


@dataclass
class _Prepared:
    entry: dict
    present: set[str]
    ident: RowIdentity
    result: RowResult
    # Worked out beside the database writes (see _check_batch), for when the row turns out
    # to be a new entry: what it stores, or why the national rules refuse it, and its texts
    # for the search index.
    as_new: dict | None = None
    refused_as_new: operations.PublicationRefusedError | None = None
    columns_as_new: dict | None = None
    search_document_as_new: dict | None = None


def _prepare(label: str, raw: dict, organization: str, contact_email: str) -> _Prepared | RowResult:
    """Check and clean one raw row; a RowResult when it is refused."""
    problems = row_problems(raw)
    if problems:
        return RowResult(label, "rejected", reasons=problems)
    result = RowResult(label, "")
    try:
        entry, ignored = clean_entry(raw)
        present = {
            LEGACY_ALIASES.get(k, k) for k in raw if LEGACY_ALIASES.get(k, k) in FIELDS_BY_NAME
        }
        # The national templates leave these empty; fill what the standard requires.
        if not entry["organization"]:
            entry["organization"] = organization
            present.add("organization")
            result.notes.append(f"organization empty, set to {organization!r}")
        if not entry["contact_email"]:
            entry["contact_email"] = contact_email
            present.add("contact_email")
            result.notes.append(f"contact_email empty, set to {contact_email!r}")
        if not entry["lang"]:
            entry["lang"] = "nld"
            present.add("lang")
        # Our format checks add to the national rules' problems, never take one away: an
        # entry without any problem (most rows) needs one pass.
        format_notes = validate_entry(entry)
        errors = validate_entry(entry, formats=False) if format_notes else {}
    except Exception as error:  # one odd row must never stop the file
        reason = printable(f"cannot be read ({type(error).__name__}: {error})")[:300]
        return RowResult(label, "rejected", reasons={"row": reason})
    if errors:
        return RowResult(label, "rejected", reasons=errors)
    unknown = [key for key in ignored if key not in IGNORED_QUIETLY | IDENTITY_FIELDS]
    if unknown:
        result.notes.append(
            "ignored fields not in the standard: " + ", ".join(printable(k) for k in unknown)
        )
    # Accepted by the national rules, but worth fixing at the source.
    for name, problem in format_notes.items():
        result.notes.append(f"{name}: {problem} (imported as text)")
    if not entry.get("objection_procedure"):
        result.notes.append("no objection procedure; the page points to the contact address")
    result.warnings = _formula_warnings(raw, entry, present)
    lars = _identity_value(raw.get("lars"))
    ident = RowIdentity(
        organization=entry["organization"],
        name=entry["name"],
        lars=lars,
        source_id=entry["source_id"],
        slug=_explicit_slug(raw),
    )
    if len(lars) > IDENTITY_MAX:
        return RowResult(label, "rejected", reasons={"lars": f"longer than {IDENTITY_MAX}"})
    return _Prepared(entry, present, ident, result)


def _formula_warnings(raw: dict, entry: dict, present: set[str]) -> list[str]:
    warnings = []
    for name in sorted(present, key=FIELD_NAMES.index):
        values: list[tuple[str, object]] = []
        raw_value = raw.get(name)
        for key, alias in LEGACY_ALIASES.items():
            if alias == name and key in raw:
                raw_value = raw[key]
        if name in LIST_FIELDS:
            for index, item in enumerate(entry[name]):
                if isinstance(item, dict):
                    values += [(f"{name}[{index}].{k}", v) for k, v in item.items()]
                else:
                    values.append((f"{name}[{index}]", item))
            for index, item in enumerate(raw_value or []):
                if isinstance(item, dict):
                    values += [(f"{name}[{index}].{k}", item.get(k)) for k in ("title", "link")]
                else:
                    values.append((f"{name}[{index}]", item))
        else:
            values += [(name, entry[name]), (name, raw_value)]
        for label, value in values:
            warning = _formula_warning(label, value)
            if warning and not any(w.startswith(f"{label}: ") for w in warnings):
                warnings.append(warning)
    return warnings


# Summaries in the entry's public history (English msgids, stored in the register's language).
SUMMARY_IMPORTED = N_("Imported")
SUMMARY_IMPORTED_DRAFT = N_("Imported as a draft")
SUMMARY_UPDATED = N_("Updated by an import")
SUMMARY_UPDATED_DRAFT = N_("Updated by an import (draft)")


@dataclass
class _Plan:
    """What a row does to the entry it found."""

    outcome: str  # updated, unchanged
    fields: list[str]
    content: dict | None  # the new version's content; None: no new version
    lars_changed: bool


def _plan_update(
    prepared: _Prepared,
    existing_lars: str,
    base: dict,
    current_state: str | None,
    draft: bool,
) -> _Plan:
    """The row laid over the entry: `base` is its latest version's content (or the entry's
    own without versions, `current_state` None). Fields the file does not carry keep their
    value (e.g. Utrecht's own fields)."""
    entry, ident = prepared.entry, prepared.ident
    merged = {**base, **{name: entry[name] for name in prepared.present}}
    lars_changed = bool(ident.lars) and existing_lars != ident.lars
    if current_state is not None and merged == base and (draft or current_state == "published"):
        if lars_changed:
            return _Plan("updated", ["lars"], None, True)
        return _Plan("unchanged", [], None, False)
    fields = changed_fields(base, merged) + (["lars"] if lars_changed else [])
    # No changed field: the same content, now published (it was a draft).
    return _Plan("updated", fields or ["publication"], merged, lars_changed)


def _store(
    session: Session, prepared: _Prepared, existing: Algorithm | None, draft: bool
) -> tuple[RowResult, Algorithm]:
    entry, ident, result = prepared.entry, prepared.ident, prepared.result
    if existing is None:
        algorithm = operations.create_algorithm(session, entry, slug=ident.slug or None)
        algorithm.lars = ident.lars
        session.flush()
        if draft:
            operations.save_draft(
                session, algorithm, entry, operations.register_text(SUMMARY_IMPORTED_DRAFT)
            )
        else:
            operations.publish(
                session, algorithm, entry, operations.register_text(SUMMARY_IMPORTED)
            )
        result.outcome, result.slug = "imported", algorithm.slug
        return result, algorithm
    result.slug = existing.slug
    current = operations.latest_version(existing)
    plan = _plan_update(
        prepared,
        existing.lars,
        current.content if current else existing.content,
        current.state if current else None,
        draft,
    )
    if plan.lars_changed:
        existing.lars = ident.lars
    result.outcome, result.fields = plan.outcome, plan.fields
    if plan.content is None:
        if plan.lars_changed:
            session.flush()
        return result, existing
    if draft:
        operations.save_draft(
            session, existing, plan.content, operations.register_text(SUMMARY_UPDATED_DRAFT)
        )
    else:
        operations.publish(
            session, existing, plan.content, operations.register_text(SUMMARY_UPDATED)
        )
    return result, existing


def _database_refusal(error: IntegrityError | DataError) -> str:
    message = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    if isinstance(error, IntegrityError):
        return f"the database refused it ({printable(message)[:200]}); another entry has its key"
    return f"the database refused a value ({printable(message)[:200]})"


def import_rows(
    session: Session,
    rows: Iterable[tuple[str, dict | str]],
    *,
    organization: str,
    contact_email: str,
    draft: bool = False,
    batch_size: int | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
    report: ImportReport | None = None,
) -> ImportReport:
    """Validate and store the rows batch by batch; a bad row is reported, never fatal.

    Every row of a batch is checked and decided first: its entry is found among what a few
    IN queries read for the whole batch (`_BatchFinder`), with the rules of `find_entry`.
    Then the batch is written with multi-row statements in a savepoint (register/bulk.py).
    When the database refuses that, the savepoint is undone and the batch is stored row by
    row, each row in a savepoint of its own, so the refusal costs that row only. With
    `batch_size` the session is committed after every batch of so many rows (and
    `report.stored` says how many rows are safe); without it the caller commits.
    `on_progress(done, total, stored)` is called after each batch.
    """
    report = report if report is not None else ImportReport()
    total = len(rows) if isinstance(rows, list | tuple) else 0
    claimed: dict[int, str] = {}  # entry id -> label of the row that already used it
    # New search words of the stored rows, written once per batch instead of row by row.
    words: set[str] = set()
    postgresql = session.get_bind().dialect.name == "postgresql"
    if not postgresql:
        # The search index's segments are merged as it grows; with SQLite's default page
        # cache (2 MB) every merge reads them back from the file, three times slower.
        session.connection().exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        # FTS5 writes its pending terms out as a new segment whenever they pass `hashsize`
        # (1 MB by default, a few hundred entries' words) and merges the segments as they
        # pile up: a batch's terms kept in memory until its commit make one segment instead.
        # A setting of the index, kept; a single publication never comes near it.
        session.connection().exec_driver_sql(
            "INSERT INTO search_fts(search_fts, rank) VALUES ('hashsize', ?)", (FTS_HASH_BYTES,)
        )
        # Segments are merged once 8, not 4, of a size have piled up: a quarter less index
        # work for an import's many batches. Put back at the end, for single publications.
        _fts_automerge(session, FTS_IMPORT_AUTOMERGE)
    done = 0
    analysed_at = ANALYSE_FIRST_AT // 2
    for checked in _checked_batches(
        rows,
        batch_size or DEFAULT_BATCH_SIZE,
        organization,
        contact_email,
        draft,
        postgresql,
        in_process=total >= CHECK_IN_PROCESS_ROWS,
    ):
        if checked.failure is not None:
            report.current_label, error = checked.failure
            raise error
        report.rows += _import_batch(
            session, checked, organization, contact_email, draft, claimed, words, report
        )
        done += len(checked.batch)
        if batch_size:
            search.add_vocabulary(session, words)
            words.clear()
            if postgresql and done >= analysed_at * 2:
                analysed_at = done
                _refresh_statistics(session)
            session.commit()
            report.stored = len(report.rows)
        if on_progress:
            on_progress(done, total, report.stored)
    search.add_vocabulary(session, words)
    if not postgresql:
        _fts_automerge(session, FTS_AUTOMERGE)
    if batch_size:
        session.commit()
        report.stored = len(report.rows)
    return report


def _fts_automerge(session: Session, segments: int) -> None:
    session.connection().exec_driver_sql(
        "INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', ?)", (segments,)
    )


@dataclass
class _BatchWrites:
    new: list[tuple[bulk.NewEntry, str]] = field(default_factory=list)  # with the row's label
    changed: list[bulk.NewVersion] = field(default_factory=list)
    lars_only: list[tuple[int, str]] = field(default_factory=list)
    claims: dict[int, str] = field(default_factory=dict)  # entry id (below 0: new) -> label


@dataclass
class _CheckedBatch:
    batch: list[tuple[str, dict | str]]
    results: list[RowResult]  # the refused rows' results; the others' are filled in later
    accepted: list[tuple[int, _Prepared]]  # (position in results, the row)
    failure: tuple[str, BaseException] | None = None  # (label, error): stop the import


def _check_batch(
    batch: list[tuple[str, dict | str]],
    organization: str,
    contact_email: str,
    draft: bool,
    postgresql: bool,
) -> _CheckedBatch:
    """Every row of a batch checked and cleaned, and what it stores as a new entry worked
    out (no database needed)."""
    checked = _CheckedBatch(batch, [], [])
    for label, raw in batch:
        if isinstance(raw, str):
            checked.results.append(RowResult(label, "rejected", reasons={"row": raw}))
            continue
        try:
            prepared = _prepare(label, raw, organization, contact_email)
            if isinstance(prepared, _Prepared):
                _prepare_as_new(prepared, draft, postgresql)
        except Exception as error:  # e.g. lost memory or a bug: stops the import at this row
            checked.failure = (label, error)
            return checked
        if isinstance(prepared, RowResult):
            checked.results.append(prepared)
            continue
        checked.accepted.append((len(checked.results), prepared))
        checked.results.append(prepared.result)
    return checked


def _check_batch_elsewhere(batch: list[tuple[str, dict | str]], *options) -> _CheckedBatch:
    """`_check_batch` in another process: the raw rows are not sent back (the caller has
    them), a quarter less to copy between the processes."""
    checked = _check_batch(batch, *options)
    checked.batch = []
    return checked


def _checked_batches(
    rows: Iterable[tuple[str, dict | str]],
    size: int,
    organization: str,
    contact_email: str,
    draft: bool,
    postgresql: bool,
    *,
    in_process: bool = False,
) -> Iterator[_CheckedBatch]:
    """The rows in checked batches. The next batch is checked while the caller stores this
    one: in a thread, where the database works with the interpreter's lock released
    (SQLite's search index, PostgreSQL's server); or, with `in_process`, in a process of its
    own, so that on two cores the checks and the writes' own Python go on at once (in a
    thread they take turns with the interpreter's lock)."""
    pending = iter(rows)
    options = (organization, contact_email, draft, postgresql)
    pool: concurrent.futures.Executor | None = None
    ahead = 1  # batches checked ahead of the one being stored
    if in_process:
        # Without process semaphores (some locked-down containers) the checks run in a thread.
        with contextlib.suppress(OSError):
            # A fresh interpreter (spawn): forking a process that holds database connections
            # and threads is not safe. The checks need no app context (configuration, locale).
            # Two checkers: one alone took longer per batch than the writes, which waited.
            ahead = CHECK_PROCESSES
            pool = concurrent.futures.ProcessPoolExecutor(
                CHECK_PROCESSES, mp_context=multiprocessing.get_context("spawn")
            )
    if pool is not None:

        def submit(batch: list) -> concurrent.futures.Future:
            return pool.submit(_check_batch_elsewhere, batch, *options)
    else:
        pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="import-check")

        def submit(batch: list) -> concurrent.futures.Future:
            # The thread sees the same app context (configuration, locale) as the caller.
            return pool.submit(contextvars.copy_context().run, _check_batch, batch, *options)

    try:
        futures: collections.deque[tuple[list, concurrent.futures.Future]] = collections.deque()

        def fill() -> None:
            while len(futures) < ahead and (batch := list(itertools.islice(pending, size))):
                futures.append((batch, submit(batch)))

        fill()
        while futures:
            batch, future = futures.popleft()  # in order: batches are stored as read
            checked = future.result()
            checked.batch = batch
            fill()
            yield checked
    finally:
        pool.shutdown(cancel_futures=True)


def _import_batch(
    session: Session,
    checked: _CheckedBatch,
    organization: str,
    contact_email: str,
    draft: bool,
    claimed: dict[int, str],
    words: set[str],
    report: ImportReport,
) -> list[RowResult]:
    batch, results, accepted = checked.batch, checked.results, checked.accepted
    if not accepted:
        return results
    session.flush()
    # SQLite's driver opens transactions late; savepoints need the real one open first.
    begin_sqlite_transaction(session.connection())
    # Before the batch reads which slugs are free (PostgreSQL: held until its commit).
    operations.lock_new_slugs(session)
    finder = _BatchFinder(session, [prepared.ident for _index, prepared in accepted])
    current = bulk.load_current(session, [known.id for known in finder.known()])
    writes = _BatchWrites()
    for index, prepared in accepted:
        report.current_label = prepared.result.label
        results[index] = _decide(session, finder, current, prepared, draft, claimed, writes)
    try:
        with session.begin_nested():
            written = bulk.write(
                session,
                [entry for entry, _label in writes.new],
                writes.changed,
                writes.lars_only,
                draft=draft,
                summary_new=operations.register_text(
                    SUMMARY_IMPORTED_DRAFT if draft else SUMMARY_IMPORTED
                ),
                summary_changed=operations.register_text(
                    SUMMARY_UPDATED_DRAFT if draft else SUMMARY_UPDATED
                ),
                when=utcnow(),
            )
    except (IntegrityError, DataError):
        # The database refuses one of the rows: store them one by one, so only it fails.
        session.expire_all()
        fallback = []
        for label, raw in batch:
            report.current_label = label
            fallback.append(
                _import_one(session, label, raw, organization, contact_email, draft, claimed, words)
            )
        return fallback
    session.expire_all()  # entries loaded before are stale now (the ORM did not write)
    claimed.update((i, label) for i, label in writes.claims.items() if i > 0)
    claimed.update((entry.id, label) for entry, label in writes.new)
    words.update(written.words)
    return results


def _decide(
    session: Session,
    finder: _BatchFinder,
    current: dict[int, bulk.Current],
    prepared: _Prepared,
    draft: bool,
    claimed: dict[int, str],
    writes: _BatchWrites,
) -> RowResult:
    """One row of a batch, as `_import_one` and `_store` would store it: the outcome, and
    what to write added to `writes` (and to `finder`, for the rows after it)."""
    entry, ident, result = prepared.entry, prepared.ident, prepared.result
    label = result.label
    existing, conflict, rejection = find_entry(finder, ident)
    if rejection:
        return RowResult(label, "rejected", reasons={"organization": rejection})
    if conflict:
        return RowResult(label, "conflict", reasons={"identity": conflict})
    if existing is not None and (existing.id in claimed or existing.id in writes.claims):
        first = claimed.get(existing.id) or writes.claims[existing.id]
        return RowResult(
            label,
            "conflict",
            slug=existing.slug,
            reasons={"identity": f"same entry ({existing.slug}) as {first}"},
        )
    try:
        if existing is None:
            if prepared.refused_as_new is not None:
                raise prepared.refused_as_new
            content = prepared.as_new
            if content is None:
                content = _content_to_store(entry, draft)
        else:
            state = current[existing.id]
            base = state.latest if state.latest is not None else state.row_content
            plan = _plan_update(prepared, existing.lars, base, state.latest_state, draft)
            content = None if plan.content is None else _content_to_store(plan.content, draft)
    except operations.PublicationRefusedError as refused:
        # The row is valid, but laid over the stored entry it fails the national rules.
        slug = existing.slug if existing is not None else ""
        return RowResult(label, "rejected", slug=slug, reasons=dict(refused.problems))
    if existing is None:
        slug = operations.unique_slug(
            session, ident.slug or entry["name"], entry["organization"], is_free=finder.slug_free
        )
        known = _Known(
            -(len(writes.new) + 1),
            slug,
            entry["organization"],
            ident.lars,
            entry["source_id"],
            entry["name"],
        )
        finder.add(known)
        writes.claims[known.id] = label
        new_entry = bulk.NewEntry(content, slug, ident.lars)
        if content is prepared.as_new:
            new_entry.columns = prepared.columns_as_new
            new_entry.search_document = prepared.search_document_as_new
        writes.new.append((new_entry, label))
        result.outcome, result.slug = "imported", slug
        return result
    writes.claims[existing.id] = label
    result.slug, result.outcome, result.fields = existing.slug, plan.outcome, plan.fields
    lars = ident.lars if plan.lars_changed else existing.lars
    if content is None:
        if plan.lars_changed:
            writes.lars_only.append((existing.id, lars))
            finder.change(existing, lars=lars, source_id=existing.source_id, name=existing.name)
        return result
    writes.changed.append(
        bulk.NewVersion(
            existing.id,
            existing.slug,
            content,
            state,
            lars=lars if plan.lars_changed else None,
        )
    )
    # The entry row copies the content when it is published, or while it never was.
    copied = not draft or not state.is_published
    finder.change(
        existing,
        lars=lars,
        source_id=content["source_id"] if copied else existing.source_id,
        name=content["name"] if copied else existing.name,
    )
    return result


# The tables an import fills; PostgreSQL's planner reads them by their statistics.
_IMPORTED_TABLES = ("algorithms", "algorithm_versions", "search_documents", "search_terms")


def _refresh_statistics(session: Session) -> None:
    """ANALYZE what the import filled so far. A register that starts empty has no
    statistics, and autovacuum adds them only a minute or so later: until then the planner
    takes every table for a tiny one and reads the whole of it for each batch's IN lists
    (11 of 35 s in an import of 20,000 entries). Run at 1,000 rows, then each time the
    import has doubled."""
    session.execute(text(f"ANALYZE {', '.join(_IMPORTED_TABLES)}"))


def _prepare_as_new(prepared: _Prepared, draft: bool, postgresql: bool) -> None:
    """What the row stores if it is a new entry: its content, entry columns and search
    document."""
    try:
        prepared.as_new = _content_to_store(prepared.entry, draft)
    except operations.PublicationRefusedError as refused:
        prepared.refused_as_new = refused
        return
    prepared.columns_as_new = operations.entry_columns(prepared.as_new)
    if not draft:
        prepared.search_document_as_new = search.document_values(
            prepared.as_new, postgresql=postgresql
        )


def _content_to_store(content: dict, draft: bool) -> dict:
    """What `operations.publish` (or `save_draft`) would store; PublicationRefusedError."""
    return {**empty_entry(), **content} if draft else operations.publishable(content)


def _import_one(
    session: Session,
    label: str,
    raw: dict | str,
    organization: str,
    contact_email: str,
    draft: bool,
    claimed: dict[int, str],
    words: set[str],
) -> RowResult:
    if isinstance(raw, str):
        return RowResult(label, "rejected", reasons={"row": raw})
    prepared = _prepare(label, raw, organization, contact_email)
    if isinstance(prepared, RowResult):
        return prepared
    # SQLite's driver opens transactions late; savepoints need the real one open first.
    begin_sqlite_transaction(session.connection())
    existing, conflict, rejection = find_entry(session, prepared.ident)
    if rejection:
        return RowResult(label, "rejected", reasons={"organization": rejection})
    if conflict:
        return RowResult(label, "conflict", reasons={"identity": conflict})
    if existing is not None and existing.id in claimed:
        return RowResult(
            label,
            "conflict",
            slug=existing.slug,
            reasons={"identity": f"same entry ({existing.slug}) as {claimed[existing.id]}"},
        )
    try:
        with search.deferred_vocabulary(session) as row_words, session.begin_nested():
            result, algorithm = _store(session, prepared, existing, draft)
    except IntegrityError as error:
        return RowResult(label, "conflict", reasons={"database": _database_refusal(error)})
    except DataError as error:  # a value the database cannot hold, missed by the checks above
        return RowResult(label, "rejected", reasons={"database": _database_refusal(error)})
    except operations.PublicationRefusedError as refused:
        # The row is valid, but laid over the stored entry it fails the national rules.
        slug = existing.slug if existing is not None else ""
        return RowResult(label, "rejected", slug=slug, reasons=dict(refused.problems))
    claimed[algorithm.id] = label
    words.update(row_words)  # only a stored row's words (a refused row's savepoint is gone)
    return result


# ---------------------------------------------------------------- one import at a time

# A fixed key for PostgreSQL's advisory lock (the first 8 bytes of a hash of its purpose).
IMPORT_LOCK_KEY = int.from_bytes(
    hashlib.sha256(b"utrecht register import").digest()[:8], "big", signed=True
)
BUSY_MESSAGE = "another import is running; try again when it has finished"
_process_lock = threading.Lock()


@contextlib.contextmanager
def import_lock(engine: Engine) -> Iterator[None]:
    """Hold the register's import lock, or raise ImportBusyError at once.

    PostgreSQL: a session-level advisory lock on a connection of its own, held across the
    import's batch commits and released when that connection ends (also on a crash).
    SQLite: an exclusive flock on a file beside the database, which the operating system
    releases when the process ends; in-memory databases use a lock of this process.
    """
    if engine.dialect.name == "postgresql":
        with _postgres_lock(engine):
            yield
        return
    database = engine.url.database
    if not database or database == ":memory:":
        if not _process_lock.acquire(blocking=False):
            raise ImportBusyError(BUSY_MESSAGE)
        try:
            yield
        finally:
            _process_lock.release()
        return
    with _file_lock(Path(database).with_name(Path(database).name + ".import-lock")):
        yield


@contextlib.contextmanager
def _postgres_lock(engine: Engine) -> Iterator[None]:
    connection = engine.connect()
    try:
        locked = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": IMPORT_LOCK_KEY}
        ).scalar()
        connection.commit()
        if not locked:
            raise ImportBusyError(BUSY_MESSAGE)
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": IMPORT_LOCK_KEY})
            connection.commit()
    except BaseException:
        # Never hand a connection that may still hold the lock back to the pool.
        connection.invalidate()
        raise
    finally:
        connection.close()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise ImportBusyError(BUSY_MESSAGE) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- exporting


def national_record(algorithm: Algorithm) -> dict:
    """One entry in the national v1.0 format; `id` carries our slug, as the templates do."""
    record = {"id": algorithm.slug, LARS_COLUMN: algorithm.lars or ""}
    for name in NATIONAL_FIELD_NAMES:
        record[name] = algorithm.content.get(name, [] if name in LIST_FIELDS else "")
    record["lang"] = record["lang"] or "nld"
    record["standard_version"] = "1.0"
    return record


def full_record(algorithm: Algorithm) -> dict:
    """National fields plus Utrecht's additions, for the public open-data exports."""
    record = national_record(algorithm)
    for name in FIELD_NAMES:
        record.setdefault(name, algorithm.content.get(name, [] if name in LIST_FIELDS else ""))
    return record


def to_csv(records: list[dict], columns: list[str]) -> str:
    """CSV for spreadsheets: lists as JSON, and no cell a spreadsheet would run as a formula."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                key: neutralise_cell(
                    json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
                )
                if isinstance(value, str | list)
                else value
                for key, value in record.items()
            }
        )
    return buffer.getvalue()


def national_columns() -> list[str]:
    return [CSV_ID_COLUMN, LARS_COLUMN, *NATIONAL_FIELD_NAMES]


def full_columns() -> list[str]:
    return [CSV_ID_COLUMN, LARS_COLUMN, *FIELD_NAMES]
