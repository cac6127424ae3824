"""Which entry an imported row is: national id, source_id per organisation, explicit slug.

The bug behind these tests: a row whose source_id matched nothing fell back on the slug made
from its name, so one organisation's "Zivver" silently replaced another organisation's.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from register import exchange, operations
from register.models import Algorithm
from tests.conftest import SHARED_DATA, entry_data
from tests.import_helpers import (
    ORGANISATIONS,
    api_total,
    entry_count,
    row,
    run_import,
    shared_name_rows,
    write_json,
)


def entries_by_org() -> dict[tuple[str, str], Algorithm]:
    db.session.expire_all()
    return {(a.organization, a.name): a for a in db.session.scalars(select(Algorithm))}


@pytest.mark.parametrize("with_lars", [True, False], ids=["national-ids", "names-only"])
def test_equal_names_of_other_organisations_stay_separate_entries(app, client, tmp_path, with_lars):
    rows = shared_name_rows(with_lars=with_lars)
    path = write_json(tmp_path / "national.json", rows)
    before = api_total(client)

    first = run_import(app, path)
    assert first.exit_code == 0, first.output
    assert f"{len(rows)} imported, 0 updated, 0 unchanged, 0 rejected, 0 conflicts" in first.output
    assert api_total(client) == before + len(rows)
    stored = entries_by_org()
    assert len(stored) == len(rows)
    for record in rows:  # every organisation keeps its own text
        entry = stored[(record["organization"], record["name"])]
        assert entry.content["description_short"] == record["description_short"]
        assert entry.lars == record.get("lars", "")
    assert len({a.slug for a in stored.values()}) == len(rows)

    second = run_import(app, path)
    assert f"0 imported, 0 updated, {len(rows)} unchanged" in second.output
    assert api_total(client) == before + len(rows)


def test_repeated_names_get_the_organisation_then_a_number_in_the_slug(app, tmp_path):
    rows = [
        row("Zivver", "Gemeente Amersfoort", lars="1"),
        row("Zivver", "Gemeente Zwolle", lars="2"),
        row("Zivver", "Gemeente Zwolle", lars="3", description_short="Een tweede Zivver."),
    ]
    result = run_import(app, write_json(tmp_path / "z.json", rows))
    assert "3 imported" in result.output
    slugs = {a.lars: a.slug for a in db.session.scalars(select(Algorithm))}
    assert slugs == {"1": "zivver", "2": "zivver-gemeente-zwolle", "3": "zivver-gemeente-zwolle-2"}


def test_a_slug_of_another_organisation_is_never_matched(app, tmp_path, publish_entry):
    publish_entry(slug="zivver", name="Zivver", organization="Gemeente Amersfoort")
    theirs = row("Zivver", "Gemeente Zwolle", id="zivver", description_short="Zwolle's tekst.")
    path = write_json(tmp_path / "zwolle.json", [theirs])

    result = run_import(app, path)
    assert "imported: zivver-gemeente-zwolle" in result.output
    amersfoort = operations.get_by_slug(db.session, "zivver")
    db.session.refresh(amersfoort)
    assert amersfoort.organization == "Gemeente Amersfoort"
    assert amersfoort.content["description_short"] != "Zwolle's tekst."
    assert len(amersfoort.versions) == 1

    again = run_import(app, path)
    assert "unchanged: zivver-gemeente-zwolle" in again.output
    assert entry_count() == 2


def test_an_explicit_slug_of_the_same_organisation_updates_it(app, tmp_path, publish_entry):
    publish_entry(slug="zivver", name="Zivver", organization="Gemeente Amersfoort")
    mine = row("Zivver (veilig mailen)", "Gemeente Amersfoort", id="zivver")
    result = run_import(app, write_json(tmp_path / "a.json", [mine]))
    assert "updated: zivver (#1 Zivver (veilig mailen)): changed name, description_short" in (
        result.output
    )
    assert entry_count() == 1


def test_a_national_id_of_another_organisation_is_rejected_with_the_reason(app, tmp_path):
    run_import(app, write_json(tmp_path / "a.json", [row("Chatbot", "Gemeente Zwolle", lars="77")]))
    moved = row("Chatbot", "Gemeente Amersfoort", lars="77", description_short="Overgenomen.")
    result = run_import(app, write_json(tmp_path / "b.json", [moved]))
    assert "rejected: #1 Chatbot: organization: national id 77 is entry chatbot of " in (
        result.output
    )
    assert "cannot move it to 'Gemeente Amersfoort'" in result.output
    entry = operations.get_by_slug(db.session, "chatbot")
    db.session.refresh(entry)
    assert (entry.organization, entry.content["description_short"]) == (
        "Gemeente Zwolle",
        "Chatbot zoals Gemeente Zwolle het gebruikt.",
    )


def test_the_national_id_finds_the_entry_whatever_its_name_and_reports_changed_fields(
    app, tmp_path
):
    run_import(
        app, write_json(tmp_path / "a.json", [row("Parkeerscan", "Gemeente Zwolle", lars="5")])
    )
    renamed = row(
        "Scanauto parkeren",
        "Gemeente Zwolle",
        lars="5",
        status="Buiten gebruik",
        description_short="Parkeerscan zoals Gemeente Zwolle het gebruikt.",
    )
    result = run_import(app, write_json(tmp_path / "b.json", [renamed]))
    assert "updated: parkeerscan (#1 Scanauto parkeren): changed name, status" in result.output
    assert entry_count() == 1


def test_a_national_id_given_later_is_stored_and_matched_from_then_on(app, tmp_path):
    run_import(app, write_json(tmp_path / "a.json", [row("Chatbot", "Gemeente Zwolle")]))
    result = run_import(
        app, write_json(tmp_path / "b.json", [row("Chatbot", "Gemeente Zwolle", lars="88")])
    )
    assert "updated: chatbot (#1 Chatbot): changed lars" in result.output
    renamed = row("Chatbot Gem", "Gemeente Zwolle", lars="88")
    assert "updated: chatbot" in run_import(app, write_json(tmp_path / "c.json", [renamed])).output
    assert entry_count() == 1


def test_source_id_matches_within_its_organisation_only(app, tmp_path):
    rows = [
        row("Anonimiseren", "Gemeente Zwolle", source_id="ALG-1"),
        row("Anonimiseren", "Gemeente Amersfoort", source_id="ALG-1"),
    ]
    result = run_import(app, write_json(tmp_path / "a.json", rows))
    assert "2 imported" in result.output
    changed = row("Anonimiseren", "Gemeente Amersfoort", source_id="ALG-1", status="Buiten gebruik")
    result = run_import(app, write_json(tmp_path / "b.json", [changed]))
    assert "updated: anonimiseren-gemeente-amersfoort" in result.output
    stored = entries_by_org()
    assert stored[("Gemeente Zwolle", "Anonimiseren")].status == "In gebruik"
    assert stored[("Gemeente Amersfoort", "Anonimiseren")].status == "Buiten gebruik"


def test_keys_that_point_at_two_entries_are_a_conflict_and_change_nothing(app, tmp_path):
    rows = [
        row("Chatbot", "Gemeente Zwolle", lars="1", source_id="A"),
        row("Parkeerscan", "Gemeente Zwolle", lars="2", source_id="B"),
    ]
    run_import(app, write_json(tmp_path / "a.json", rows))
    mixed = row("Chatbot", "Gemeente Zwolle", lars="1", source_id="B", status="Buiten gebruik")
    result = run_import(app, write_json(tmp_path / "b.json", [mixed]))
    assert "conflict: #1 Chatbot: identity: national id 1 is entry chatbot" in result.output
    assert "0 imported, 0 updated, 0 unchanged, 0 rejected, 1 conflicts" in result.output
    assert {a.status for a in entries_by_org().values()} == {"In gebruik"}


def test_an_explicit_slug_with_another_national_id_is_a_conflict(app, tmp_path):
    run_import(app, write_json(tmp_path / "a.json", [row("Chatbot", "Gemeente Zwolle", lars="1")]))
    other = row("Chatbot", "Gemeente Zwolle", id="chatbot", lars="2")
    result = run_import(app, write_json(tmp_path / "b.json", [other]))
    assert "conflict: #1 Chatbot: identity: entry chatbot has national id 1, the row 2" in (
        result.output
    )
    assert entry_count() == 1


def test_one_entry_twice_in_a_file_is_a_conflict_for_the_second_row(app, tmp_path):
    rows = [
        row("Chatbot", "Gemeente Zwolle", lars="1"),
        row("Chatbot 2", "Gemeente Zwolle", lars="1"),
    ]
    result = run_import(app, write_json(tmp_path / "a.json", rows))
    assert "imported: chatbot (#1 Chatbot)" in result.output
    assert "conflict: #2 Chatbot 2: identity: same entry (chatbot) as #1 Chatbot" in result.output
    assert entry_count() == 1


def test_two_unidentified_entries_of_one_organisation_with_one_name_are_not_guessed(
    app, tmp_path, publish_entry
):
    publish_entry(slug="chatbot-a", name="Chatbot", organization="Gemeente Zwolle")
    publish_entry(slug="chatbot-b", name="Chatbot", organization="Gemeente Zwolle")
    result = run_import(app, write_json(tmp_path / "a.json", [row("Chatbot", "Gemeente Zwolle")]))
    assert "'Gemeente Zwolle' has several entries called 'Chatbot' (chatbot-a, chatbot-b)" in (
        result.output
    )
    assert entry_count() == 2


def test_source_id_is_unique_per_organisation_in_the_database(app):
    for organization in ("Gemeente Zwolle", "Gemeente Amersfoort"):
        content = entry_data(name="Chatbot", organization=organization, source_id="S-1")
        operations.create_algorithm(db.session, content)
    db.session.flush()  # another organisation may use the same source_id
    operations.create_algorithm(
        db.session, entry_data(name="Ander", organization="Gemeente Zwolle", source_id="S-1")
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_national_id_is_unique_in_the_database_where_filled_in(app):
    for number, lars in enumerate(["", "", "12", "12"]):
        algorithm = operations.create_algorithm(db.session, entry_data(name=f"Naam {number}"))
        algorithm.lars = lars
        if number < 3:
            db.session.flush()
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_database_refusal_is_a_conflict_of_that_row_only(app, tmp_path, monkeypatch):
    """If an entry appears between lookup and insert, the index refuses it: one row, reported."""
    run_import(
        app, write_json(tmp_path / "a.json", [row("Chatbot", "Gemeente Zwolle", source_id="S")])
    )
    monkeypatch.setattr(exchange, "find_entry", lambda session, ident: (None, "", ""))
    rows = [row("Chatbot", "Gemeente Zwolle", source_id="S"), row("Zivver", "Gemeente Zwolle")]
    result = run_import(app, write_json(tmp_path / "b.json", rows))
    assert result.exit_code == 0
    assert "conflict: #1 Chatbot: database: the database refused it" in result.output
    assert "imported: zivver" in result.output
    assert entry_count() == 2


def test_rows_that_share_a_source_id_with_and_without_id_do_not_duplicate(app, tmp_path):
    with_id = [
        row(f"Algoritme {n}", "Gemeente Zwolle", id=f"alg-{n}", source_id=f"S{n}") for n in range(5)
    ]
    without = [{k: v for k, v in r.items() if k != "id"} for r in with_id]
    run_import(app, write_json(tmp_path / "a.json", with_id))
    result = run_import(app, write_json(tmp_path / "b.json", without))
    assert "0 imported, 0 updated, 5 unchanged" in result.output
    duplicates = db.session.execute(
        select(Algorithm.organization, Algorithm.source_id)
        .group_by(Algorithm.organization, Algorithm.source_id)
        .having(func.count() > 1)
    ).all()
    assert duplicates == []


def test_exports_carry_the_national_id_and_import_back_unchanged(app, tmp_path):
    run_import(app, write_json(tmp_path / "a.json", shared_name_rows()))
    for fmt in ("json", "csv"):
        path = tmp_path / f"export.{fmt}"
        arguments = ["register", "export", "--format", fmt, "--output", str(path)]
        CliRunner().invoke(app.cli, arguments, catch_exceptions=False)
        records = [r for _, r in exchange.read_rows(path)]
        assert sorted(str(r["lars"]) for r in records) == sorted(
            r["lars"] for r in shared_name_rows()
        )
        again = run_import(app, path)
        assert f"{len(records)} unchanged" in again.output


# ---------------------------------------------------------------- the national data


def _national_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (the national templates and register data)")
    return SHARED_DATA / "nl-register"


def test_national_templates_published_by_several_organisations(app, client, tmp_path):
    """The national templates as several organisations would publish them: same names and
    texts, each organisation its own entries; twice in a row changes nothing."""
    folder = _national_data()
    rows = []
    for template in sorted((folder / "templates-v1_0").glob("*.json")):
        for number, record in enumerate(json.loads(template.read_text())):
            for o, organization in enumerate(ORGANISATIONS[:3]):
                copy = {k: v for k, v in record.items() if k != "id"}  # as a name-only file
                copy["organization"] = organization
                copy["lars"] = f"{template.stem}-{number}-{o}"
                rows.append(copy)
    names = [r["name"] for r in rows]
    assert len(set(names)) < len(names) / 3  # names repeat across organisations and files
    path = write_json(tmp_path / "national.json", rows)
    before = api_total(client)

    first = run_import(app, path)
    assert f"{len(rows)} imported, 0 updated, 0 unchanged, 0 rejected, 0 conflicts" in first.output
    assert api_total(client) == before + len(rows)
    second = run_import(app, path)
    assert f"0 imported, 0 updated, {len(rows)} unchanged, 0 rejected" in second.output
    assert api_total(client) == before + len(rows)


def test_utrecht_national_entries_beside_other_organisations_with_the_same_names(
    app, client, tmp_path
):
    folder = _national_data()
    scrape = json.loads((folder / "utrecht-2026-08-08.json").read_text())["algoritmes"]
    status = {"in_gebruik": "In gebruik", "buiten_gebruik": "Buiten gebruik"}
    rows = []
    for item in scrape:
        for organization in (item["organisatie"], "Gemeente Nieuwegein"):
            rows.append(
                row(
                    item["title"][:100],
                    organization,
                    lars=item["id"] if organization == item["organisatie"] else f"n{item['id']}",
                    status=status[item["status"]],
                    description_short=(item["doel"] or item["title"])[:400],
                )
            )
    path = write_json(tmp_path / "utrecht.json", rows)
    before = api_total(client)
    assert f"{len(rows)} imported" in run_import(app, path).output
    assert f"{len(rows)} unchanged" in run_import(app, path).output
    assert api_total(client) == before + len(rows)
    utrecht = {
        a.lars: a for a in db.session.scalars(select(Algorithm)) if not a.lars.startswith("n")
    }
    assert {lars: a.name for lars, a in utrecht.items()} == {
        item["id"]: item["title"][:100] for item in scrape
    }
    assert {a.organization for a in utrecht.values()} == {"Gemeente Utrecht"}
