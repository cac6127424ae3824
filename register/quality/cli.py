"""`flask --app wsgi register check-links [--slug SLUG] [--concurrency N] [--timeout S]`."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from portal.extensions import db
from register.quality.checks import published_entries, run_link_check


@click.command("check-links")
@click.option("--slug", default=None, help="Only this entry.")
@click.option("--concurrency", default=8, show_default=True, help="Addresses checked at once.")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per address.")
@with_appcontext
def check_links_command(slug: str | None, concurrency: int, timeout: float) -> None:
    """Check every link in published entries; broken ones show on the admin quality page."""
    entries = published_entries(db.session, slug)
    if slug and not entries:
        raise click.ClickException(f"no published entry with slug {slug!r}")
    checked = 0

    def progress(_result) -> None:
        nonlocal checked
        checked += 1
        if sys.stderr.isatty():
            click.echo(f"\rchecked {checked} addresses", nl=False, err=True)
        elif checked % 50 == 0:
            click.echo(f"checked {checked} addresses", err=True)

    report = run_link_check(
        db.session, entries, concurrency=max(1, concurrency), timeout=timeout, progress=progress
    )
    db.session.commit()
    if sys.stderr.isatty() and checked:
        click.echo("", err=True)
    for slug_, field, url, result in report.broken:
        reason = f"HTTP {result.status}" if result.status else result.error
        click.echo(f"broken  {slug_}  {field}  {url}  ({reason})")
    click.echo(
        f"{report.entries} entries, {report.links} links, {len(report.broken)} broken; "
        "the admin page lists them"
    )
