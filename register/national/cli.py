"""`flask --app wsgi register sync-national [--dry-run] [--slug SLUG] [--overwrite]`."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.extensions import db
from portal.urls import absolute_url
from register.national import sync
from register.national.client import NationalClient, NationalError, NationalSettings


def _register_url(slug: str) -> str:
    return absolute_url("register.entry", slug=slug)


@contextlib.contextmanager
def _progress(total: int) -> Iterator[Callable[[sync.Outcome], None]]:
    """A progress bar on a terminal (stderr); nothing otherwise (the report follows)."""
    if not sys.stderr.isatty():
        yield lambda _outcome: None
        return
    with click.progressbar(length=total, label="Delivering", file=sys.stderr) as bar:
        yield lambda _outcome: bar.update(1)


@click.command("sync-national")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Check each body against the API's description and show it; send nothing.",
)
@click.option("--slug", default=None, help="Only this entry.")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Also replace entries someone edited in the national register.",
)
@with_appcontext
def sync_national_command(dry_run: bool, slug: str | None, overwrite: bool) -> None:
    """Deliver published entries to the national algorithm register.

    Creates or updates every entry that changed since its last delivery and releases it to
    BZK, retracts retired ones, and notes entries edited in the national register. Prints
    one line per entry; exits with status 1 when any entry failed.
    """
    organization = current_app.config["ORGANIZATION_NAME"]
    if slug is not None and not sync.candidates(db.session, organization, slug):
        raise click.ClickException(f"no entry of {organization} with slug {slug!r}")
    if dry_run:
        report = sync.dry_run(
            db.session, organization=organization, register_url=_register_url, slug=slug
        )
        for outcome in report.outcomes:
            click.echo(outcome.line())
            if outcome.payload is not None:
                click.echo(json.dumps(outcome.payload, ensure_ascii=False, indent=2))
        click.echo(report.lines()[-1] + " (dry run: nothing sent)")
        if report.failed:
            sys.exit(1)
        return
    try:
        settings = NationalSettings.from_config(current_app.config)
    except NationalError as error:
        raise click.ClickException(str(error)) from None
    total = len(sync.candidates(db.session, organization, slug))
    with NationalClient(settings) as client, _progress(total) as progress:
        try:
            report = sync.run(
                db.session,
                client,
                organization=organization,
                register_url=_register_url,
                slug=slug,
                overwrite=overwrite,
                on_progress=progress,
            )
        except NationalError as error:
            db.session.rollback()
            raise click.ClickException(f"nothing delivered: {error}") from None
    for line in report.lines():
        click.echo(line)
    current_app.logger.info(
        "national delivery finished",
        extra={"entries": len(report.outcomes), "failed": len(report.failed)},
    )
    if report.failed:
        sys.exit(1)
