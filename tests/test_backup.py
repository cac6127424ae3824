"""`flask backup` / `flask restore`: a round trip loses nothing, checked by hashes."""

import gzip
import json
import threading
import time

from sqlalchemy import func, select, text

from portal import backup
from portal.extensions import db
from register import operations
from register.models import Algorithm
from tests.conftest import entry_data, wipe_database


def test_round_trip_keeps_every_row_and_record(app, client, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    before = backup.table_hashes(db.session)
    assert before["assessment_records"]["rows"] == 2
    record_before = client.get("/algoritmes/slim-vegen/record.pdf").data
    file = tmp_path / "register.backup.gz"
    written = runner.invoke(args=["backup", str(file)])
    assert written.exit_code == 0, written.output
    assert "assessment_records\t2\t" in written.output

    refused = runner.invoke(args=["restore", str(file)])
    assert refused.exit_code == 1
    assert "not empty" in refused.output

    wipe_database()
    assert client.get("/algoritmes/slim-vegen").status_code == 404
    restored = runner.invoke(args=["restore", str(file)])
    assert restored.exit_code == 0, restored.output
    db.session.expire_all()
    assert backup.table_hashes(db.session) == before
    assert client.get("/algoritmes/slim-vegen/record.pdf").data == record_before
    assert "Slim vegen" in client.get("/algoritmes?q=vegen").get_data(as_text=True)
    verified = runner.invoke(args=["records", "verify"])
    assert verified.exit_code == 0
    assert "0 mismatches" in verified.output
    # New rows after a restore get fresh ids (sequences moved past the restored ones).
    assert runner.invoke(args=["users", "list"]).exit_code == 0


def test_a_damaged_backup_changes_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    file = tmp_path / "register.backup.gz"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    with gzip.open(file, "rt", encoding="utf-8") as source:
        lines = source.read().splitlines()
    damaged = tmp_path / "damaged.gz"
    with gzip.open(damaged, "wt", encoding="utf-8") as out:
        out.write("\n".join(lines[:-5]) + "\n")  # the last rows are missing
    wipe_database()
    result = runner.invoke(args=["restore", str(damaged)])
    assert result.exit_code == 1
    assert "does not match the manifest" in result.output
    assert backup.table_hashes(db.session)["algorithms"]["rows"] == 0


def _publish_some(count: int, prefix: str = "Algoritme") -> None:
    for number in range(count):
        content = entry_data(name=f"{prefix} {number}")
        algorithm = operations.create_algorithm(db.session, content)
        db.session.flush()
        operations.publish(db.session, algorithm, content, "eerste versie")
    db.session.commit()


def _manifest(path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as source:
        return json.loads(source.readline())["tables"]


def test_a_backup_taken_while_people_work_restores(app, tmp_path):
    """Writers keep committing during the backup; the file is one consistent moment."""
    _publish_some(40)
    stop, commits = threading.Event(), []

    def keep_publishing() -> None:
        with app.app_context():
            number = 0
            while not stop.is_set():
                content = entry_data(name=f"Tijdens de backup {number}")
                algorithm = operations.create_algorithm(db.session, content)
                db.session.flush()
                operations.publish(db.session, algorithm, content)
                # An existing entry gets a new version as well (rows in three tables move).
                existing = operations.get_by_slug(db.session, "algoritme-1")
                operations.publish(
                    db.session, existing, {**existing.content, "goal": f"<p>{number}</p>"}
                )
                db.session.commit()
                commits.append(number)
                number += 1
            db.session.remove()

    writer = threading.Thread(target=keep_publishing)
    writer.start()
    runner = app.test_cli_runner()
    file = tmp_path / "busy.backup.gz"
    try:
        while len(commits) < 3:  # the writer is under way
            time.sleep(0.01)
        for _attempt in range(20):
            before = len(commits)
            result = runner.invoke(args=["backup", str(file)])
            assert result.exit_code == 0, result.output
            if len(commits) > before:
                break
    finally:
        stop.set()
        writer.join()
    assert len(commits) > before, "no write happened during a backup; the test proved nothing"
    assert "verified" in result.output

    wipe_database()
    restored = runner.invoke(args=["restore", str(file)])
    assert restored.exit_code == 0, restored.output
    db.session.expire_all()
    assert backup.table_hashes(db.session) == _manifest(file)
    published = db.session.scalar(
        select(func.count()).select_from(Algorithm).where(Algorithm.is_published.is_(True))
    )
    assert published == _manifest(file)["algorithms"]["rows"]


def _restore_refused(runner, path) -> str:
    result = runner.invoke(args=["restore", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "nothing was restored" in result.output
    assert backup.table_hashes(db.session)["algorithms"]["rows"] == 0
    return result.output


def test_every_kind_of_damage_gets_a_readable_message_and_changes_nothing(app, tmp_path):
    _publish_some(12)
    original = backup.table_hashes(db.session)
    runner = app.test_cli_runner()
    file = tmp_path / "good.backup.gz"
    assert runner.invoke(args=["backup", str(file)]).exit_code == 0
    data = file.read_bytes()
    wipe_database()
    damaged = tmp_path / "damaged.gz"

    # Cut off anywhere: always refused.
    for cut in sorted(
        {1, 5, 10, 20, len(data) - 1, len(data) - 4, len(data) - 8}
        | set(range(30, len(data), max(1, len(data) // 40)))
    ):
        damaged.write_bytes(data[:cut])
        assert "damaged or incomplete" in _restore_refused(runner, damaged) or cut < 10

    # One bit flipped anywhere: refused, or (a gzip header's timestamp, deflate padding)
    # harmless and the restore is exact.
    refused = 0
    positions = sorted(set(range(0, len(data), max(1, len(data) // 60))) | {len(data) - 1})
    for position in positions:
        flipped = bytearray(data)
        flipped[position] ^= 0x10
        damaged.write_bytes(bytes(flipped))
        result = runner.invoke(args=["restore", str(damaged)])
        if result.exit_code == 0:
            db.session.expire_all()
            assert backup.table_hashes(db.session) == original, position
            wipe_database()
        else:
            _restore_refused(runner, damaged)
            refused += 1
    assert refused >= len(positions) * 0.8

    # Well-formed gzip with the wrong content.
    for content in (
        b"\xff\xfe not utf-8 \x80",
        b"not json\n",
        b"[1, 2]\n",
        (json.dumps({"format": backup.FORMAT, "version": 1, "tables": []}) + "\n").encode(),
        (json.dumps({"format": backup.FORMAT, "version": 1, "tables": {"users": 3}})).encode(),
        gzip.decompress(data).split(b"\n", 1)[0] + b'\n{"t": "algorithms"}\n',
        gzip.decompress(data).split(b"\n", 1)[0] + b'\n{"t": "nonsense", "r": {}}\n',
    ):
        damaged.write_bytes(gzip.compress(content))
        _restore_refused(runner, damaged)
    damaged.write_text("plain text, not gzip")
    _restore_refused(runner, damaged)
    damaged.write_bytes(b"")
    _restore_refused(runner, damaged)


def test_a_backup_that_does_not_read_back_fails_loudly(app, tmp_path, monkeypatch):
    """A write that goes wrong on the way to disk is caught by reading the file back."""
    _publish_some(3)

    def lossy_copy(source, target, *args) -> None:
        target.write(source.read()[:-20])

    monkeypatch.setattr(backup.shutil, "copyfileobj", lossy_copy)
    file = tmp_path / "lossy.backup.gz"
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 1
    assert "backup failed" in result.output
    assert "damaged or incomplete" in result.output
    assert not file.exists()
    assert list(tmp_path.iterdir()) == []


def test_the_backup_reads_one_snapshot(app):
    """What others commit while the backup reads stays out of it, on both databases."""
    _publish_some(2)
    with backup._snapshot(db.engine) as connection:
        count = select(func.count()).select_from(Algorithm)
        assert connection.scalar(count) == 2
        _publish_some(1, prefix="Later")  # another connection commits meanwhile
        assert connection.scalar(count) == 2
        if connection.dialect.name == "postgresql":
            assert connection.scalar(text("SHOW transaction_isolation")) == "repeatable read"
            assert connection.scalar(text("SHOW transaction_read_only")) == "on"
    assert db.session.scalar(count) == 3
