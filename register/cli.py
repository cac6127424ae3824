"""`flask --app wsgi register import|export`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.extensions import db
from register import exchange, queries

register_cli = click.Group(
    "register", help="Import and export register entries (national v1.0 format)."
)


@register_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", is_flag=True, help="Store as unpublished drafts instead of publishing.")
@click.option("--organization", default=None, help="Organisation for entries that leave it empty.")
@click.option("--contact-email", default=None, help="Contact for entries that leave it empty.")
@with_appcontext
def import_command(
    file: Path, draft: bool, organization: str | None, contact_email: str | None
) -> None:
    """Import entries from a national v1.0 JSON file or CSV export.

    Each entry is validated on its own: bad rows are reported with reasons and skipped.
    Running the same file twice changes nothing.
    """
    try:
        rows = exchange.read_rows(file)
    except exchange.ImportFileError as error:
        raise click.ClickException(str(error)) from error
    report = exchange.import_rows(
        db.session,
        rows,
        organization=organization or current_app.config["ORGANIZATION_NAME"],
        contact_email=contact_email or current_app.config["DEFAULT_CONTACT_EMAIL"],
        draft=draft,
    )
    db.session.commit()
    for line in report.lines():
        click.echo(line)


@register_cli.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write; standard output when left out.",
)
@click.option(
    "--with-utrecht-fields",
    is_flag=True,
    help="Also write Utrecht's own fields (objection procedure, monitoring, ...).",
)
@with_appcontext
def export_command(fmt: str, output: Path | None, with_utrecht_fields: bool) -> None:
    """Export every published entry in the national v1.0 format."""
    make = exchange.full_record if with_utrecht_fields else exchange.national_record
    records = [make(algorithm) for algorithm in queries.all_published(db.session)]
    if fmt == "json":
        text = json.dumps(records, ensure_ascii=False, indent=2) + "\n"
    else:
        columns = exchange.full_columns() if with_utrecht_fields else exchange.national_columns()
        text = exchange.to_csv(records, columns)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"{len(records)} entries written to {output}", err=True)
