"""`flask --app wsgi records resume|verify`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from assessments import records
from assessments.models import Record
from portal.extensions import db

records_cli = click.Group("records", help="Stored PDF records of approved assessments.")


@records_cli.command("resume")
@with_appcontext
def resume_command() -> None:
    """Render, store and publish approvals whose record is missing (after a crash).

    Goes on past an approval that fails, names each failure, and exits 1 when any failed."""
    result = records.resume_pending(db.session)
    for assessment_id, reason in result.failed:
        click.echo(f"FAILED assessment {assessment_id}: {reason}", err=True)
    done = result.done
    click.echo(f"{len(done)} approval(s) finished" + (f": {done}" if done else ""))
    if result.failed:
        click.echo(f"{len(result.failed)} approval(s) failed; they stay pending", err=True)
        sys.exit(1)


@records_cli.command("verify")
@with_appcontext
def verify_command() -> None:
    """Re-hash every stored record; exit 1 when any differs from its stored SHA-256."""
    total = db.session.scalar(db.select(db.func.count()).select_from(Record))
    mismatches = records.verify(db.session)
    for record, actual in mismatches:
        click.echo(
            f"MISMATCH record {record.id} ({record.kind}, version {record.version_id}): "
            f"stored {record.sha256}, actual {actual}"
        )
    click.echo(f"{total} records checked, {len(mismatches)} mismatches")
    if mismatches:
        sys.exit(1)
