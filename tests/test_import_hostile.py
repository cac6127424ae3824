"""Hostile rows are refused one by one with a reason; the file and the good rows go on."""

from __future__ import annotations

import pytest

from register import exchange
from tests.import_helpers import entry_count, row, run_import, write_json

HUGE = "9" * 5000  # beyond Python's integer-to-text limit


def _import_raw_json(app, tmp_path, text: str):
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")
    return run_import(app, path)


def test_huge_numbers_are_refused_per_row(app, tmp_path):
    good = write_json(tmp_path / "x.json", [row("Goed", "Gemeente Zwolle")]).read_text()
    text = (
        "["
        + good[1:-1]
        + f', {{"name": {HUGE}, "organization": "Gemeente Zwolle"}}'
        + f', {{"name": "Groot", "source_id": {HUGE}}}'
        + ', {"name": "Oneindig", "begin_date": 1e999}'
        + ', {"name": "Geen getal", "provider": NaN}'
        + "]"
    )
    result = _import_raw_json(app, tmp_path, text)
    assert result.exit_code == 0
    assert "rejected: #2: name: number too large (5000 digits)" in result.output
    assert "rejected: #3 Groot: source_id: number too large (5000 digits)" in result.output
    assert "rejected: #4 Oneindig: begin_date: not a finite number" in result.output
    assert "rejected: #5 Geen getal: provider: not a finite number" in result.output
    assert "1 imported, 0 updated, 0 unchanged, 4 rejected" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"category": "Verkeer"}, "category: expected a list of text, got str"),
        ({"category": [1, 2]}, "category[0]: expected text, got a number"),
        ({"category": [{"title": "x"}]}, "category[0]: expected text, got an object"),
        ({"category": [None]}, "category[0]: expected text, got null"),
        (
            {"lawful_basis_grouping": ["Wegenverkeerswet"]},
            "lawful_basis_grouping[0]: expected an object",
        ),
        ({"lawful_basis_grouping": {"title": "x"}}, "lawful_basis_grouping: expected a list of"),
        (
            {"lawful_basis_grouping": [{"title": 5, "link": ""}]},
            "lawful_basis_grouping[0].title: expected text",
        ),
        ({"name": {"nl": "Naam"}}, "name: expected text, got an object"),
        ({"status": ["In gebruik"]}, "status: expected text, got a list"),
        ({"goal": True}, "goal: expected text, got true/false"),
        ({"description_short": 12}, "description_short: expected text, got a number"),
        ({"lars": [1]}, "lars: expected text, got a list"),
        ({"id": {"slug": "x"}}, "id: expected text, got an object"),
    ],
)
def test_wrong_types_are_refused_with_the_field_and_the_reason(app, tmp_path, overrides, reason):
    rows = [row("Goed", "Gemeente Zwolle"), {**row("Slecht", "Gemeente Zwolle"), **overrides}]
    result = run_import(app, write_json(tmp_path / "types.json", rows))
    assert result.exit_code == 0
    assert "rejected: #2" in result.output
    assert reason in result.output
    assert "1 imported, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert entry_count() == 1


def test_nul_bytes_and_lone_surrogates_are_refused_per_row(app, tmp_path):
    text = (
        "["
        '{"name": "Nul\\u0000byte", "organization": "Gemeente Zwolle"},'
        '{"name": "Half \\ud800 teken", "organization": "Gemeente Zwolle"},'
        '{"name": "Goed", "goal": "<p>Tekst\\udfff</p>", "organization": "Gemeente Zwolle"},'
        '{"name": "Veld", "x\\ud800": "y", "lawful_basis_grouping": [{"title": "a\\u0000"}]}'
        "]"
    )
    result = _import_raw_json(app, tmp_path, text)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "rejected: #1 Nul\\x00byte: name: contains a NUL character" in out
    assert "rejected: #2 Half \\ud800 teken: name: contains text that is not valid UTF-8" in out
    assert "rejected: #3 Goed: goal: contains text that is not valid UTF-8" in out
    assert "x\\ud800: field name is not valid text" in out
    assert "lawful_basis_grouping[0].title: contains a NUL character" in out
    assert "0 imported, 0 updated, 0 unchanged, 4 rejected" in out


def test_bad_bytes_nul_and_oversized_cells_in_a_csv_cost_only_their_line(app, tmp_path):
    header = "name,description_short,organization,status,contact_email,publication_category"
    good = "Goed {n},Korte tekst.,Gemeente Zwolle,In gebruik,a@zwolle.nl,Overige algoritmes"
    lines = [
        header,
        good.format(n=1),
        "Kapot \xff\xfe,Korte tekst.,Gemeente Zwolle,In gebruik,a@zwolle.nl,Overige algoritmes",
        "Nul\x00,Korte tekst.,Gemeente Zwolle,In gebruik,a@zwolle.nl,Overige algoritmes",
        'Groot,"' + "x" * 200_000 + '",Gemeente Zwolle,In gebruik,a@zwolle.nl,Overige algoritmes',
        good.format(n=2),
    ]
    path = tmp_path / "hostile.csv"
    data = "\n".join(lines).encode("utf-8").replace("\xff\xfe".encode(), b"\xff\xfe")
    path.write_bytes(data)
    result = run_import(app, path)
    assert result.exit_code == 0, result.output
    out = result.output
    assert (
        "rejected: line 3 Kapot \\udcff\\udcfe: name: contains text that is not valid UTF-8" in out
    )
    assert "rejected: line 4 Nul\\x00: name: contains a NUL character" in out
    assert "rejected: line 5: row: unreadable CSV (field larger than field limit" in out
    assert "imported: goed-1" in out
    assert "imported: goed-2" in out
    assert entry_count() == 2


def test_any_error_while_cleaning_a_row_rejects_that_row(app, tmp_path, monkeypatch):
    """Whatever clean_entry may still trip over becomes a reason, not a traceback."""
    original = exchange.clean_entry

    def fragile(raw):
        if raw.get("name") == "Breekt":
            raise TypeError("unexpected value")
        return original(raw)

    monkeypatch.setattr(exchange, "clean_entry", fragile)
    rows = [row("Breekt", "Gemeente Zwolle"), row("Heel", "Gemeente Zwolle")]
    result = run_import(app, write_json(tmp_path / "a.json", rows))
    assert "rejected: #1 Breekt: row: cannot be read (TypeError: unexpected value)" in result.output
    assert "imported: heel" in result.output


def test_deeply_nested_json_fails_the_file_clearly(app, tmp_path):
    result = _import_raw_json(app, tmp_path, "[" * 100_000 + "]" * 100_000)
    assert result.exit_code != 0
    assert "nested too deeply" in result.output


def test_numbers_are_accepted_as_ids(app, tmp_path):
    result = run_import(
        app,
        write_json(tmp_path / "a.json", [row("Chatbot", "Gemeente Zwolle", lars=123, source_id=7)]),
    )
    assert "imported: chatbot" in result.output
    again = run_import(
        app,
        write_json(
            tmp_path / "b.json", [row("Chatbot", "Gemeente Zwolle", lars="123", source_id="7")]
        ),
    )
    assert "unchanged: chatbot" in again.output
