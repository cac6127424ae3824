"""Import and export in the national register's v1.0 format (JSON and CSV)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from register import operations
from register.models import Algorithm
from register.standard import (
    FIELD_NAMES,
    FIELDS_BY_NAME,
    LEGACY_ALIASES,
    LIST_FIELDS,
    NATIONAL_FIELD_NAMES,
    clean_entry,
    validate_entry,
)

CSV_ID_COLUMN = "id"
# Envelope fields of the national exports that carry no content for us (`id` becomes the slug).
IGNORED_QUIETLY = frozenset({"id", "slug", "uuid", "lars", "publication_dt"})


class ImportFileError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"imported: {slug}" for slug in self.imported]
        out += [f"updated: {slug}" for slug in self.updated]
        out += [f"unchanged: {slug}" for slug in self.unchanged]
        out += [f"note: {row}: {text}" for row, text in self.notes]
        for row, reasons in self.rejected:
            detail = "; ".join(f"{name}: {problem}" for name, problem in reasons.items())
            out.append(f"rejected: {row}: {detail}")
        out.append(
            f"{len(self.imported)} imported, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected"
        )
        return out


# ---------------------------------------------------------------- reading files


def _csv_cell(name: str, value: str):
    if name in LIST_FIELDS:
        value = value.strip()
        if not value:
            return []
        if value.startswith("["):
            try:
                return json.loads(value)
            except json.JSONDecodeError as error:
                raise ValueError(f"{name}: not a JSON list ({error.msg})") from error
        if FIELDS_BY_NAME[name].kind == "group":
            raise ValueError(f"{name}: expected a JSON list of {{title, link}}")
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


def read_rows(path: Path) -> list[tuple[str, dict | str]]:
    """(label, raw row) pairs; a row that cannot be parsed comes back as an error string."""
    try:
        data = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(f"cannot read {path}: {error}") from error
    if path.suffix.lower() == ".csv":
        return _read_csv(data)
    try:
        parsed = json.loads(data)
    except json.JSONDecodeError as error:
        raise ImportFileError(f"{path} is not valid JSON: {error}") from error
    if isinstance(parsed, dict):
        parsed = parsed.get("items", [parsed]) if "name" not in parsed else [parsed]
    if not isinstance(parsed, list):
        raise ImportFileError(f"{path}: expected a list of entries")
    rows: list[tuple[str, dict | str]] = []
    for index, row in enumerate(parsed, start=1):
        label = f"#{index}"
        if isinstance(row, dict):
            label = f"#{index} {str(row.get('name') or '')[:60]}".strip()
            rows.append((label, row))
        else:
            rows.append((label, "not an object"))
    return rows


def _read_csv(data: str) -> list[tuple[str, dict | str]]:
    reader = csv.DictReader(io.StringIO(data))
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise ImportFileError("CSV without a header row naming the v1.0 fields (at least 'name')")
    rows: list[tuple[str, dict | str]] = []
    for index, record in enumerate(reader, start=2):  # line 1 is the header
        label = f"line {index} {(record.get('name') or '')[:60]}".strip()
        raw = {}
        try:
            for key, value in record.items():
                if key is None:
                    raise ValueError("more cells than header columns")
                name = LEGACY_ALIASES.get(key, key)
                raw[key] = _csv_cell(name, value or "") if name in FIELDS_BY_NAME else value
        except ValueError as error:
            rows.append((label, str(error)))
            continue
        rows.append((label, raw))
    return rows


# ---------------------------------------------------------------- importing


def _find_existing(session: Session, slug: str, source_id: str) -> Algorithm | None:
    if source_id:
        found = session.scalar(select(Algorithm).where(Algorithm.source_id == source_id))
        if found:
            return found
    return session.scalar(select(Algorithm).where(Algorithm.slug == slug))


def import_rows(
    session: Session,
    rows: list[tuple[str, dict | str]],
    *,
    organization: str,
    contact_email: str,
    draft: bool = False,
) -> ImportReport:
    """Validate and store each row on its own; a bad row is reported, never fatal."""
    report = ImportReport()
    for label, raw in rows:
        if isinstance(raw, str):
            report.rejected.append((label, {"row": raw}))
            continue
        entry, ignored = clean_entry(raw)
        present = {
            LEGACY_ALIASES.get(k, k) for k in raw if LEGACY_ALIASES.get(k, k) in FIELDS_BY_NAME
        }
        # The national templates leave these empty; fill what the standard requires.
        if not entry["organization"]:
            entry["organization"] = organization
            present.add("organization")
            report.notes.append((label, f"organization empty, set to {organization!r}"))
        if not entry["contact_email"]:
            entry["contact_email"] = contact_email
            present.add("contact_email")
            report.notes.append((label, f"contact_email empty, set to {contact_email!r}"))
        if not entry["lang"]:
            entry["lang"] = "nld"
            present.add("lang")
        unknown = [key for key in ignored if key not in IGNORED_QUIETLY]
        if unknown:
            report.notes.append(
                (label, "ignored fields not in the standard: " + ", ".join(unknown))
            )
        errors = validate_entry(entry, formats=False)
        if errors:
            report.rejected.append((label, errors))
            continue
        # Accepted by the national rules, but worth fixing at the source.
        for name, problem in validate_entry(entry).items():
            report.notes.append((label, f"{name}: {problem} (imported as text)"))
        if not entry.get("objection_procedure"):
            report.notes.append(
                (label, "no objection procedure; the page points to the contact address")
            )
        slug = operations.slugify(str(raw.get("id") or raw.get("slug") or entry["name"]))
        existing = _find_existing(session, slug, entry["source_id"])
        if existing is None:
            algorithm = operations.create_algorithm(session, entry, slug=slug)
            session.flush()
            if draft:
                operations.save_draft(session, algorithm, entry, "Geïmporteerd als concept")
            else:
                operations.publish(session, algorithm, entry, "Geïmporteerd")
            report.imported.append(algorithm.slug)
            continue
        current = operations.latest_version(existing)
        base = current.content if current else existing.content
        # Fields the file does not carry keep their value (e.g. Utrecht's own fields).
        merged = {**base, **{name: entry[name] for name in present}}
        if (
            current is not None
            and merged == current.content
            and (draft or current.state == "published")
        ):
            report.unchanged.append(existing.slug)
            continue
        if draft:
            operations.save_draft(session, existing, merged, "Bijgewerkt via import (concept)")
        else:
            operations.publish(session, existing, merged, "Bijgewerkt via import")
        report.updated.append(existing.slug)
    return report


# ---------------------------------------------------------------- exporting


def national_record(algorithm: Algorithm) -> dict:
    """One entry in the national v1.0 format; `id` carries our slug, as the templates do."""
    record = {"id": algorithm.slug}
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
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow(
            {
                key: json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
                for key, value in record.items()
            }
        )
    return buffer.getvalue()


def national_columns() -> list[str]:
    return [CSV_ID_COLUMN, *NATIONAL_FIELD_NAMES]


def full_columns() -> list[str]:
    return [CSV_ID_COLUMN, *FIELD_NAMES]
