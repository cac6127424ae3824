"""`flask register import/export` on files of our own making (no ../shared needed)."""

import json

from click.testing import CliRunner

from portal.extensions import db
from register import operations, queries
from register.models import VERSION_DRAFT


def national(**overrides) -> dict:
    record = {
        "id": "slimme-lantaarns",
        "name": "Slimme lantaarnpalen",
        "description_short": "Voorspelt wanneer een lantaarnpaal aan vervanging toe is.",
        "organization": "Gemeente Utrecht",
        "category": ["Ruimte en infrastructuur"],
        "status": "In gebruik",
        "contact_email": "algoritmes@utrecht.nl",
        "publication_category": "Overige algoritmes",
        "goal": "<p onmouseover='x()'>Veilige straten.</p><script>alert('x')</script>",
        "lang": "NLD",
        "standard_version": "1.0",
    }
    record.update(overrides)
    return record


def run_import(app, path, *extra):
    return CliRunner().invoke(
        app.cli, ["register", "import", str(path), *extra], catch_exceptions=False
    )


def write_json(tmp_path, records, name="entries.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_bad_rows_are_reported_with_reasons_and_the_rest_imported(app, tmp_path):
    path = write_json(
        tmp_path,
        [
            national(),
            national(id="geen-naam", name=""),
            national(id="vreemde-status", name="Vreemd", status="Misschien"),
            "geen object",
            national(id="te-lang", name="Lang", description_short="x" * 401),
            national(id="goed-2", name="Tweede goede"),
        ],
    )
    result = run_import(app, path)
    assert result.exit_code == 0
    out = result.output
    assert "imported: slimme-lantaarns" in out
    assert "imported: goed-2" in out
    assert "rejected: #2" in out
    assert "name: required" in out
    assert "status: not one of" in out
    assert "rejected: #4: row: not an object" in out
    assert "description_short: longer than 400" in out
    assert "2 imported, 0 updated, 0 unchanged, 4 rejected" in out


def test_markup_is_sanitised_on_import(app, client, tmp_path):
    run_import(app, write_json(tmp_path, [national(name="<b>Slimme</b> lantaarnpalen")]))
    entry = client.get("/api/v1/algorithms/slimme-lantaarns").json
    assert entry["goal"] == "<p>Veilige straten.</p>"
    assert entry["name"] == "Slimme lantaarnpalen"
    assert entry["lang"] == "nld"


def test_changed_file_updates_the_entry_as_a_new_version(app, client, tmp_path):
    run_import(app, write_json(tmp_path, [national()]))
    result = run_import(
        app, write_json(tmp_path, [national(status="Buiten gebruik", end_date="2025-12")])
    )
    assert "updated: slimme-lantaarns" in result.output
    algorithm = operations.get_by_slug(db.session, "slimme-lantaarns")
    assert [v.number for v in queries.published_history(db.session, algorithm)] == [2, 1]
    assert algorithm.versions[-1].changed_fields == ["status", "end_date"]
    assert client.get("/api/v1/algorithms/slimme-lantaarns").json["status"] == "Buiten gebruik"


def test_import_keeps_fields_the_file_does_not_carry(app, tmp_path, publish_entry):
    publish_entry(
        slug="slimme-lantaarns",
        **{k: v for k, v in national().items() if k != "id"},
        objection_procedure="<p>Bezwaar via het formulier.</p>",
    )
    run_import(app, write_json(tmp_path, [national(description_short="Nieuwe korte tekst.")]))
    algorithm = operations.get_by_slug(db.session, "slimme-lantaarns")
    assert algorithm.content["objection_procedure"] == "<p>Bezwaar via het formulier.</p>"
    assert algorithm.content["description_short"] == "Nieuwe korte tekst."


def test_draft_import_stays_off_the_public_side(app, client, tmp_path):
    result = run_import(app, write_json(tmp_path, [national()]), "--draft")
    assert "imported: slimme-lantaarns" in result.output
    algorithm = operations.get_by_slug(db.session, "slimme-lantaarns")
    assert algorithm.is_published is False
    assert algorithm.versions[-1].state == VERSION_DRAFT
    assert client.get("/api/v1/algorithms").json["total"] == 0
    again = run_import(app, write_json(tmp_path, [national()]), "--draft")
    assert "unchanged: slimme-lantaarns" in again.output


def test_csv_import_with_lists_as_json_or_semicolons(app, client, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(
        "id,name,description_short,organization,category,status,contact_email,"
        "publication_category,lawful_basis_grouping,lang\n"
        "a,Alpha,Korte tekst.,Gemeente Utrecht,Verkeer; Wonen,In gebruik,a@utrecht.nl,"
        'Overige algoritmes,"[{""title"": ""Wegenverkeerswet"", '
        '""link"": ""https://wetten.overheid.nl/BWBR0006622""}]",nld\n'
        "b,Beta,Korte tekst.,Gemeente Utrecht,Verkeer,In gebruik,b@utrecht.nl,"
        "Overige algoritmes,[not json,nld\n",
        encoding="utf-8",
    )
    result = run_import(app, path)
    assert "imported: a" in result.output
    assert "rejected: line 3 Beta: row: lawful_basis_grouping: not a JSON list" in result.output
    entry = client.get("/api/v1/algorithms/a").json
    assert entry["category"] == ["Verkeer", "Wonen"]
    assert entry["lawful_basis_grouping"][0]["title"] == "Wegenverkeerswet"


def test_unreadable_files_fail_clearly(app, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(app.cli, ["register", "import", str(broken)])
    assert result.exit_code != 0
    assert "is not valid JSON" in result.output
    headerless = tmp_path / "empty.csv"
    headerless.write_text("", encoding="utf-8")
    result = CliRunner().invoke(app.cli, ["register", "import", str(headerless)])
    assert result.exit_code != 0
    assert "header row" in result.output


def test_export_to_stdout_in_national_format(app, tmp_path, publish_entry):
    publish_entry(slug="a", name="Alpha")
    result = CliRunner().invoke(app.cli, ["register", "export"])
    records = json.loads(result.output)
    assert records[0]["id"] == "a"
    assert "objection_procedure" not in records[0]  # national fields only by default
    result = CliRunner().invoke(app.cli, ["register", "export", "--with-utrecht-fields"])
    assert json.loads(result.output)[0]["objection_procedure"].startswith("<p>")


def test_hostile_markup_in_every_field_never_reaches_a_page_unescaped(app, client, tmp_path):
    payload = '"><script>alert("x")</script><img src=x onerror=alert(1)>'
    record = national(
        name=f"Gevaarlijk {payload}"[:100],
        description_short=f"Kort {payload}",
        goal=f"<p>Doel {payload}</p>",
        risks='<ul><li onclick="alert(1)">Risico</li></ul><a href="javascript:alert(1)">klik</a>',
        website="javascript:alert(1)",
        tags=payload,
        lawful_basis_grouping=[{"title": payload, "link": "javascript:alert(1)"}],
    )
    result = run_import(app, write_json(tmp_path, [record]))
    assert "imported: slimme-lantaarns" in result.output
    assert "website: not a web address" in result.output  # reported, kept as text
    for url in [
        "/",
        "/algoritmes",
        "/algoritmes?q=gevaarlijk",
        "/algoritmes/slimme-lantaarns",
        "/feed.atom",
        "/algoritmes.json",
        "/algoritmes.csv",
        "/api/v1/algorithms",
    ]:
        body = client.get(url).get_data(as_text=True)
        assert "<script" not in body, url
        assert "onerror" not in body, url
        assert 'href="javascript:' not in body, url
