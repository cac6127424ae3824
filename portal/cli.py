"""`flask --app wsgi demo load`: realistic demo content shipped inside the project."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.extensions import db

demo_cli = click.Group("demo", help="Demo data.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the register already has entries.")
@with_appcontext
def load_command(if_empty: bool) -> None:
    """Load the demo register (Utrecht's published algorithms, in our own words)."""
    from assessments import demo as demo_assessments
    from portal.auth import demo_users
    from register import demo

    if if_empty and demo.register_has_entries(db.session):
        click.echo("register not empty; demo data not loaded")
        return
    report = demo.load(db.session)
    accounts = demo_users.load(db.session)
    db.session.flush()
    assessments = demo_assessments.load(db.session)
    db.session.commit()
    click.echo(f"demo: {report['created']} entries created, {report['skipped']} already present")
    click.echo(f"demo: {assessments} assessments created (one per state)")
    if accounts:
        click.echo("demo accounts (local use only), password: " + demo_users.DEMO_PASSWORD)
        for email, roles in accounts:
            click.echo(f"  {email}\t{', '.join(roles)}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path) -> None:
    """Write the whole database, stored records included, to FILE (gzip'd JSON lines)."""
    from portal import backup

    try:
        manifest = backup.backup(db.session, file)
    except backup.BackupError as error:
        raise click.ClickException(f"backup failed: {error}") from error
    rows = sum(t["rows"] for t in manifest.values())
    click.echo(f"backup written to {file} and verified: {len(manifest)} tables, {rows} rows")
    for name, info in manifest.items():
        click.echo(f"  {name}\t{info['rows']}\t{info['sha256']}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Load FILE into this (empty, migrated) database; every table is checked by its hash."""
    from portal import backup
    from register import search

    try:
        manifest = backup.restore(db.session, file)
        search.reindex_published(db.session)
        db.session.commit()
    except backup.BackupError as error:
        db.session.rollback()
        raise click.ClickException(f"{error}; nothing was restored") from error
    rows = sum(t["rows"] for t in manifest.values())
    click.echo(f"restored {len(manifest)} tables, {rows} rows; every table matches its hash")
