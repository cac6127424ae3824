"""`flask --app wsgi register import|export`."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
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
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=exchange.DEFAULT_BATCH_SIZE,
    show_default=True,
    help="Commit after this many rows; a later failure keeps the stored batches.",
)
@with_appcontext
def import_command(
    file: Path,
    draft: bool,
    organization: str | None,
    contact_email: str | None,
    batch_size: int,
) -> None:
    """Import entries from a national v1.0 JSON file or CSV export.

    Each entry is validated on its own: bad rows are reported with reasons and skipped.
    Only one import runs at a time. Running the same file twice changes nothing, so after
    an interruption the same file can simply be imported again.
    """
    try:
        rows = exchange.read_rows(file)
    except exchange.ImportFileError as error:
        raise click.ClickException(str(error)) from error
    report = exchange.ImportReport()
    try:
        with exchange.import_lock(db.engine), _progress(len(rows), batch_size) as progress:
            try:
                exchange.import_rows(
                    db.session,
                    rows,
                    organization=organization or current_app.config["ORGANIZATION_NAME"],
                    contact_email=contact_email or current_app.config["DEFAULT_CONTACT_EMAIL"],
                    draft=draft,
                    batch_size=batch_size,
                    on_progress=progress,
                    report=report,
                )
            except (Exception, KeyboardInterrupt) as error:
                db.session.rollback()
                report.discard_uncommitted()
                click.echo("\n".join(report.lines()))
                raise click.ClickException(
                    f"stopped at {report.current_label} ({type(error).__name__}: {error}); "
                    f"the {report.stored} rows before its batch are stored. Import the same "
                    "file again to continue: stored rows come out unchanged."
                ) from error
    except exchange.ImportBusyError as error:
        raise click.ClickException(str(error)) from error
    # One write: a line per row (100,000 of them for a large import) each echoed alone
    # cost as much as a tenth of the import.
    click.echo("\n".join(report.lines()))
    if not draft and (report.imported or report.updated):
        _refresh_similar()


def _refresh_similar() -> None:
    """After an import: the similar entries and comparison data (register/similar.py)."""
    from register import similar

    result = similar.rebuild(db.session)
    db.session.commit()
    click.echo(f"similar entries: {result.entries} entries compared in {result.seconds:.1f} s")


def progress_text(done: int, total: int, stored: int, elapsed: float) -> str:
    """`1,500/100,000 rows, 1,480 stored, 1,020 rows/s, 1:38 left` (plain progress line)."""
    rate = done / elapsed if elapsed > 0 else 0.0
    left = (total - done) / rate if rate and total else 0.0
    minutes, seconds = divmod(round(left), 60)
    return (
        f"{done:,}/{total:,} rows, {stored:,} stored, {rate:,.0f} rows/s, "
        f"{minutes}:{seconds:02d} left"
    )


@contextlib.contextmanager
def _progress(total: int, batch_size: int) -> Iterator[Callable[[int, int, int], None]]:
    """A progress bar (rows, rate, time left) on a terminal; otherwise a plain line per
    stored batch (for logs)."""
    started = time.perf_counter()
    if sys.stderr.isatty():
        state = {"done": 0}

        def rate(_item: object) -> str:
            elapsed = time.perf_counter() - started
            return f"{state['done'] / elapsed:,.0f} rows/s" if elapsed > 0 else ""

        with click.progressbar(
            length=total,
            label="Importing",
            file=sys.stderr,
            show_pos=True,
            show_eta=True,
            item_show_func=rate,
        ) as bar:

            def update(done: int, _total: int, _stored: int) -> None:
                state["done"] = done
                bar.update(done - bar.pos, done)

            yield update
        return

    def line(done: int, total_: int, stored: int) -> None:
        if done % batch_size == 0:
            elapsed = time.perf_counter() - started
            click.echo(f"progress: {progress_text(done, total_, stored, elapsed)}", err=True)

    yield line
    elapsed = time.perf_counter() - started
    click.echo(f"progress: {total:,}/{total:,} rows, done in {elapsed:.1f} s", err=True)


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


@register_cli.command("purge-feedback")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Retention in days (default: FEEDBACK_RETENTION_DAYS).",
)
@with_appcontext
def purge_feedback_command(days: int | None) -> None:
    """Delete residents' personal data that is no longer needed.

    Empties the message and e-mail address of questions answered or closed more than the
    retention period ago (open ones after twice that), and deletes subscriptions that were
    never confirmed within SUBSCRIPTION_CONFIRM_DAYS. Counts and published summaries stay.
    """
    from register import feedback, subscriptions

    retention = days if days is not None else int(current_app.config["FEEDBACK_RETENTION_DAYS"])
    purged = feedback.purge(db.session, retention)
    dropped = subscriptions.purge_unconfirmed(
        db.session, int(current_app.config["SUBSCRIPTION_CONFIRM_DAYS"])
    )
    db.session.commit()
    click.echo(f"{purged} questions purged, {dropped} unconfirmed subscriptions deleted")


@register_cli.command("send-digests")
@click.option("--force", is_flag=True, help="Also to subscribers whose last digest is recent.")
@with_appcontext
def send_digests_command(force: bool) -> None:
    """Send the weekly digest of changes to weekly subscribers (run it once a day or week:
    each subscriber gets at most one a week, and only when something changed)."""
    from register import subscriptions

    sent = subscriptions.send_digests(db.session, force=force)
    db.session.commit()
    click.echo(f"{sent} digests sent")


# Delivery to the national register (register/national/cli.py).
from register.national.cli import sync_national_command  # noqa: E402

register_cli.add_command(sync_national_command)

# The link check over published entries (register/quality/cli.py).
from register.quality.cli import check_links_command  # noqa: E402

register_cli.add_command(check_links_command)


@register_cli.command("similar-index")
@with_appcontext
def similar_index_command() -> None:
    """Recompute the similar entries at other organisations and the comparison data
    (register/similar.py). `register import` runs it after every import; run it after
    publishing in the portal (or nightly) as well."""
    from register import similar

    report = similar.rebuild(db.session)
    db.session.commit()
    click.echo(
        f"{report.entries} entries compared, {report.with_similar} with similar entries "
        f"elsewhere, in {report.seconds:.1f} s"
    )
