"""`flask backup` / `flask restore`: a round trip loses nothing, checked by hashes."""

import gzip

from portal import backup
from portal.extensions import db
from tests.conftest import wipe_database


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
