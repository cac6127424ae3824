"""The importer's bulk path (issue 14): a batch is decided in memory and written with a few
multi-row statements, with the same outcome as storing its rows one by one.

The row-by-row path is what a batch falls back on when the database refuses it; these tests
force it (by making the bulk write fail) to compare both on the same rows."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from portal import mail
from portal.audit import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from register import bulk, exchange, operations, search
from register.models import Algorithm, SearchDocument, SearchTerm
from register.subscriptions import Subscription
from tests.conftest import entry_data, wipe_database
from tests.import_helpers import entry_count, row, run_import, write_json

ORG = "Gemeente Zwolle"
OTHER = "Gemeente Amersfoort"
READER = "lezer@example.nl"


def _first_rows() -> list[dict]:
    return [
        row("Chatbot", ORG, lars="L1", source_id="S1"),
        row("Zivver", ORG, lars="L2", source_id="S2"),
        row("Parkeerscan", ORG, source_id="S3"),
        row("Anonimiseren", ORG, lars="L4", source_id="S4"),
        row("Zivver", OTHER, lars="L9"),
    ]


def _mixed_rows() -> list[dict]:
    return [
        # updated, unchanged, and updated with only its national id given
        row("Chatbot", ORG, lars="L1", source_id="S1", description_short="Nieuwe tekst."),
        row("Zivver", ORG, lars="L2", source_id="S2"),
        row("Parkeerscan", ORG, source_id="S3", lars="L3"),
        # new entries with one name: the organisation, then a number, in the slug
        row("Nieuw", ORG, source_id="S5"),
        row("Nieuw", ORG, source_id="S6", category=["Verkeer", "Verkeer"]),
        row("Nieuw", ORG, source_id="S7"),
        # rejected: another organisation's national id; a required field left empty
        row("Zivver", OTHER, lars="L2"),
        row("", ORG, source_id="S20"),
        # conflicts: the same entry twice; keys that point at two entries; a new entry of
        # this batch twice; a name that finds an entry already updated by this file
        row("Chatbot", ORG, lars="L1"),
        row("Anonimiseren", ORG, lars="L4", source_id="S2"),
        row("Later", ORG, source_id="S8"),
        row("Later", ORG, source_id="S8", description_short="Anders."),
        row("Zivver", ORG),
        # laid over a stale draft, the merged entry fails the national rules
        row("Oud", ORG, source_id="S10"),
        # imported, with a warning about a formula
        row("Formule", ORG, source_id="S11", description_short="=1+1 is een som"),
        # a name found by its slug, then by name: updated
        row("Anonimiseren", ORG, id="anonimiseren", status="Buiten gebruik", end_date="2025-01"),
    ]


def _set_up() -> None:
    """A stale draft (drafts are not checked) and three subscribers."""
    stale = {**entry_data(name="Oud", source_id="S10", organization=ORG), "end_date": "2025-06-30"}
    algorithm = operations.create_algorithm(db.session, stale, slug="oud")
    db.session.flush()
    operations.save_draft(db.session, algorithm, stale)
    for n, (scope, value) in enumerate(
        (("all", ""), ("theme", "Verkeer"), ("department", "Mobiliteit"))
    ):
        db.session.add(
            Subscription(
                email=f"{n}{READER}",
                scope=scope,
                value=value,
                confirm_token=f"c{n}",
                unsubscribe_token=f"u{n}",
                confirmed_at=utcnow(),
            )
        )
    db.session.commit()


def _import(rows: list[dict], *, draft: bool) -> list[str]:
    with exchange.import_lock(db.engine):
        report = exchange.import_rows(
            db.session,
            [(f"#{n}", r) for n, r in enumerate(rows, start=1)],
            organization=ORG,
            contact_email="a@zwolle.nl",
            draft=draft,
            batch_size=4,
        )
    return report.lines()


def _stored() -> dict:
    """Everything an import writes, without ids and timestamps."""
    db.session.expire_all()
    entries = {}
    for a in db.session.scalars(select(Algorithm).order_by(Algorithm.slug)):
        entries[a.slug] = {
            "columns": (a.lars, a.organization, a.source_id, a.name, a.sort_name, a.status),
            "more": (a.department, a.publication_category, a.completeness, a.is_published),
            "first_published": a.first_published_at is not None,
            "content": a.content,
            "themes": sorted(t.theme for t in a.themes),
            "versions": [
                (v.number, v.state, v.content, v.summary, v.changed_fields) for v in a.versions
            ],
        }
    slugs = dict(db.session.execute(select(Algorithm.id, Algorithm.slug)).all())
    documents = {
        slugs[d.algorithm_id]: (d.name_text, d.body_text)
        for d in db.session.scalars(select(SearchDocument))
    }
    found = {
        word: sorted(slugs[i] for i in search.matching_ids(db.session, [word]))
        for word in ("chatbot", "nieuwe", "zivver", "som", "anonimiseren")
    }
    audit = sorted(
        (e.action, e.object_type, e.summary)
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("register.%")))
    )
    return {
        "entries": entries,
        "documents": documents,
        "found": found,
        "vocabulary": sorted(db.session.scalars(select(SearchTerm.term))),
        "audit": audit,
    }


def _run(monkeypatch, *, draft: bool, one_by_one: bool) -> tuple[list[str], dict, list]:
    sent: list[tuple] = []
    monkeypatch.setattr(
        mail, "send", lambda recipients, subject, body, **_kw: sent.append((recipients, body))
    )
    written = []
    real_write = bulk.write

    def write(*args, **kwargs):
        if one_by_one:
            raise IntegrityError("forced", {}, Exception("the test stores row by row"))
        written.append(1)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(bulk, "write", write)
    _set_up()
    lines = _import(_first_rows(), draft=False) + _import(_mixed_rows(), draft=draft)
    assert bool(written) is not one_by_one  # the path under test really ran
    return lines, _stored(), sorted(sent)


@pytest.mark.parametrize("draft", [False, True], ids=["publish", "draft"])
def test_a_mixed_batch_comes_out_as_row_by_row(app, monkeypatch, draft):
    in_bulk = _run(monkeypatch, draft=draft, one_by_one=False)
    db.session.rollback()
    wipe_database()
    one_by_one = _run(monkeypatch, draft=draft, one_by_one=True)
    lines, stored, sent = in_bulk
    assert lines == one_by_one[0]
    assert stored == one_by_one[1]
    assert sent == one_by_one[2]
    if draft:  # drafts are not checked against the national rules: Oud is updated
        assert lines[-1] == "5 imported, 4 updated, 1 unchanged, 2 rejected, 4 conflicts"
    else:
        assert lines[-1] == "5 imported, 3 updated, 1 unchanged, 3 rejected, 4 conflicts"
        assert any(line.startswith("rejected: #14: end_date:") for line in lines)
        assert len(sent) == 13  # subscribers heard of the publications, as row by row
    assert "imported: nieuw-gemeente-zwolle-2 (#6)" in lines
    assert "updated: parkeerscan (#3): changed lars" in lines
    assert "conflict: #12: identity: same entry (later) as #11" in lines
    assert "conflict: #13: identity: same entry (zivver) as #2" in lines
    assert any(line.startswith("warning: #15: description_short:") for line in lines)


def test_a_row_the_database_refuses_costs_that_row_only(app, tmp_path, monkeypatch):
    """An entry that appears between the batch's lookups and its write (here: lookups that
    miss it) makes the database refuse the batch; it is stored again row by row."""
    run_import(app, write_json(tmp_path / "a.json", [row("Chatbot", ORG, source_id="S")]))
    monkeypatch.setattr(exchange, "find_entry", lambda finder, ident: (None, "", ""))
    rows = [row(f"Algoritme {n}", ORG, source_id=f"S{n}") for n in range(7)]
    rows.insert(3, row("Chatbot", ORG, source_id="S"))
    result = run_import(app, write_json(tmp_path / "b.json", rows), "--batch-size", "5")
    assert result.exit_code == 0, result.output
    assert "conflict: #4 Chatbot: database: the database refused it" in result.output
    assert "7 imported, 0 updated, 0 unchanged, 0 rejected, 1 conflicts" in result.output
    assert entry_count() == 8


def test_the_same_file_twice_gives_n_imported_then_n_unchanged(app, tmp_path):
    total = 1_200  # three batches of 500
    rows = [row(f"Algoritme {n % 400}", ORG, source_id=f"S{n}") for n in range(total)]
    path = write_json(tmp_path / "big.json", rows)
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        first = run_import(app, path)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert f"{total} imported, 0 updated, 0 unchanged, 0 rejected, 0 conflicts" in first.output
    assert "imported: algoritme-0-gemeente-zwolle-2 (#801 Algoritme 0)" in first.output
    # A few statements per batch, not a dozen per row (the row-by-row path took ~14,000).
    assert len(statements) < 100
    second = run_import(app, path)
    assert f"0 imported, 0 updated, {total} unchanged, 0 rejected" in second.output
    assert entry_count() == total


@pytest.mark.parametrize("draft", [False, True], ids=["publish", "draft"])
def test_checks_in_a_process_of_their_own_come_out_as_in_a_thread(app, monkeypatch, draft):
    """A large import checks its rows in a separate process (exchange._checked_batches);
    every outcome, stored value and notice is the same as with the checks in a thread."""
    in_thread = _run(monkeypatch, draft=draft, one_by_one=False)
    db.session.rollback()
    wipe_database()
    monkeypatch.setattr(exchange, "CHECK_IN_PROCESS_ROWS", 1)
    processes = []
    real_pool = exchange.concurrent.futures.ProcessPoolExecutor

    def pool(*args, **kwargs):
        processes.append(1)
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(exchange.concurrent.futures, "ProcessPoolExecutor", pool)
    in_process = _run(monkeypatch, draft=draft, one_by_one=False)
    assert processes  # the checks really ran in another process
    assert in_process == in_thread


def test_an_import_into_an_empty_postgresql_register_gives_the_planner_statistics(
    app, monkeypatch, tmp_path
):
    """Before autovacuum comes by, PostgreSQL takes a table that started empty for a tiny
    one and reads all of it for each batch's lookups; the import analyses what it filled."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    monkeypatch.setattr(exchange, "ANALYSE_FIRST_AT", 4)
    rows = [row(f"Algoritme {n}", ORG, source_id=f"S{n}") for n in range(12)]
    result = run_import(app, write_json(tmp_path / "a.json", rows), "--batch-size", "4")
    assert result.exit_code == 0, result.output
    estimated = db.session.execute(
        select(db.text("reltuples"))
        .select_from(db.text("pg_class"))
        .where(db.text("relname = 'algorithms'"))
    ).scalar_one()
    assert estimated >= 8  # analysed at 4 rows and again at 8, not left at "never analysed"


def test_without_a_second_process_the_checks_run_in_a_thread(app, monkeypatch, tmp_path):
    """Where processes cannot be started (no semaphores in a locked-down container), a large
    import still runs, checking its rows in a thread."""
    monkeypatch.setattr(exchange, "CHECK_IN_PROCESS_ROWS", 1)

    def refused(*args, **kwargs):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(exchange.concurrent.futures, "ProcessPoolExecutor", refused)
    rows = [row(f"Algoritme {n}", ORG, source_id=f"S{n}") for n in range(6)]
    result = run_import(app, write_json(tmp_path / "a.json", rows), "--batch-size", "4")
    assert result.exit_code == 0, result.output
    assert "6 imported, 0 updated, 0 unchanged, 0 rejected, 0 conflicts" in result.output


def test_batches_checked_by_two_processes_are_stored_in_file_order(app, monkeypatch, tmp_path):
    """Two processes check batches ahead of the writes; the batches are stored as the file
    has them: the first "Gelijk" gets the plain slug, the next ones numbered in order."""
    monkeypatch.setattr(exchange, "CHECK_IN_PROCESS_ROWS", 1)
    assert exchange.CHECK_PROCESSES == 2
    rows = [row("Gelijk", ORG, source_id=f"S{n}") for n in range(9)]
    result = run_import(app, write_json(tmp_path / "a.json", rows), "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert "9 imported, 0 updated, 0 unchanged, 0 rejected, 0 conflicts" in result.output
    assert "imported: gelijk (#1 Gelijk)" in result.output
    assert "imported: gelijk-gemeente-zwolle (#2 Gelijk)" in result.output
    for number in range(3, 10):
        assert f"imported: gelijk-gemeente-zwolle-{number - 1} (#{number} Gelijk)" in result.output


def test_after_an_import_sqlite_search_index_merges_as_before_and_finds_every_entry(app, tmp_path):
    """The import lets FTS5 merge its segments later (8 of a size, not 4); afterwards the
    setting is FTS5's default again and the index is whole."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's FTS5 index")
    rows = [row(f"Verkeerslicht{n:02d}", ORG, source_id=f"S{n}") for n in range(12)]
    result = run_import(app, write_json(tmp_path / "a.json", rows), "--batch-size", "3")
    assert result.exit_code == 0, result.output
    setting = db.session.scalar(db.text("SELECT v FROM search_fts_config WHERE k = 'automerge'"))
    assert setting == exchange.FTS_AUTOMERGE == 4
    db.session.execute(db.text("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')"))
    assert len(search.matching_ids(db.session, ["verkeerslicht"])) == 12
    assert len(search.matching_ids(db.session, ["keerslicht07"])) == 1
