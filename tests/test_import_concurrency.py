"""One import at a time, batches that survive a late failure, and a re-run that continues."""

from __future__ import annotations

import os
import signal
import threading

from click.testing import CliRunner
from sqlalchemy import func, select

from portal.extensions import db
from register import exchange
from register.models import Algorithm
from tests.import_helpers import cli_process, entry_count, row, run_import, write_json

ORG = "Gemeente Zwolle"


def numbered_rows(count: int, **extra) -> list[dict]:
    return [
        row(f"Algoritme {n}", ORG, lars=f"L{n}", source_id=f"S{n}", **extra) for n in range(count)
    ]


def duplicates() -> list:
    db.session.expire_all()
    by_lars = db.session.execute(
        select(Algorithm.lars).group_by(Algorithm.lars).having(func.count() > 1)
    ).all()
    by_source = db.session.execute(
        select(Algorithm.organization, Algorithm.source_id)
        .group_by(Algorithm.organization, Algorithm.source_id)
        .having(func.count() > 1)
    ).all()
    return by_lars + by_source


def test_two_imports_started_at_the_same_moment(app, tmp_path):
    """Overlapping files (one with `id`, one without), started together from two threads
    with their own app contexts and sessions: one runs, the other is told at once."""
    rows = numbered_rows(120)
    with_id = write_json(tmp_path / "a.json", [{**r, "id": f"alg-{n}"} for n, r in enumerate(rows)])
    without_id = write_json(tmp_path / "b.json", rows[60:] + numbered_rows(150)[120:])
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def run(key, path):
        with app.app_context():
            try:
                start.wait()
                with exchange.import_lock(db.engine):
                    report = exchange.import_rows(
                        db.session,
                        exchange.read_rows(path),
                        organization=ORG,
                        contact_email="a@zwolle.nl",
                        batch_size=40,
                    )
                outcomes[key] = report.summary()
            except exchange.ImportBusyError as error:
                outcomes[key] = str(error)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=(k, p)) for k, p in (("a", with_id), ("b", without_id))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    busy = [k for k, text in outcomes.items() if text == exchange.BUSY_MESSAGE]
    done = [k for k, text in outcomes.items() if "imported" in text]
    assert (len(busy), len(done)) == (1, 1), outcomes
    assert duplicates() == []
    # The one that was turned away runs afterwards and adds only what is new.
    loser = {"a": with_id, "b": without_id}[busy[0]]
    again = run_import(app, loser)
    assert "0 conflicts" in again.output
    assert "0 rejected" in again.output
    assert entry_count() == 150
    assert duplicates() == []


def test_a_running_import_turns_the_cli_away_with_a_clear_message(app, tmp_path):
    path = write_json(tmp_path / "a.json", numbered_rows(3))
    with exchange.import_lock(db.engine):
        result = CliRunner().invoke(app.cli, ["register", "import", str(path)])
    assert result.exit_code != 0
    assert "another import is running" in result.output
    assert entry_count() == 0
    assert "3 imported" in run_import(app, path).output  # the lock is free again


def test_progress_is_shown_per_batch_when_not_on_a_terminal(app, tmp_path):
    result = run_import(app, write_json(tmp_path / "a.json", numbered_rows(5)), "--batch-size", "2")
    assert "progress: 2/5 rows, 2 stored" in result.output
    assert "progress: 4/5 rows, 4 stored" in result.output
    assert "progress: 5/5 rows, done" in result.output


def test_a_late_failure_keeps_earlier_batches_and_a_rerun_continues(app, tmp_path, monkeypatch):
    path = write_json(tmp_path / "a.json", numbered_rows(12))
    real = exchange._prepare

    def connection_lost_at_row_8(label, *args):
        if label.startswith("#8 "):
            raise ConnectionError("server closed the connection")
        return real(label, *args)

    monkeypatch.setattr(exchange, "_prepare", connection_lost_at_row_8)
    failed = CliRunner().invoke(app.cli, ["register", "import", str(path), "--batch-size", "5"])
    assert failed.exit_code != 0
    assert (
        "stopped at #8 Algoritme 7 (ConnectionError: server closed the connection)" in failed.output
    )
    assert "the 5 rows before its batch are stored" in failed.output
    assert "5 imported, 0 updated, 0 unchanged" in failed.output  # the report says what is stored
    assert entry_count() == 5

    monkeypatch.setattr(exchange, "_prepare", real)
    again = run_import(app, path, "--batch-size", "5")
    assert "7 imported, 0 updated, 5 unchanged, 0 rejected, 0 conflicts" in again.output
    assert entry_count() == 12


def test_an_import_killed_midway_keeps_its_batches_and_the_same_file_continues(app, tmp_path):
    total = 400
    path = write_json(tmp_path / "big.json", numbered_rows(total))
    db.session.commit()
    process = cli_process(app, "import", str(path), "--batch-size", "50")
    try:
        for line in process.stderr:
            if line.startswith("progress: 100/"):
                break
        else:
            raise AssertionError(process.stdout.read())
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=60)
        process.stdout.close()
        process.stderr.close()
    stored = entry_count()
    assert 100 <= stored < total

    again = run_import(app, path)  # also proves the killed import's lock is gone
    assert again.exit_code == 0, again.output
    assert f"{total - stored} imported, 0 updated, {stored} unchanged, 0 rejected" in again.output
    assert entry_count() == total
    assert duplicates() == []
