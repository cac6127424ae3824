"""Counts in group outcome tables: Dutch thousands separators, clear refusals, and the
version-2 row rules (no reference group, hits at most selected, a group once per table)."""

import pytest
from flask_babel import force_locale

from assessments import answers
from assessments.bank import parse_bank
from assessments.outcomes import analyse_tables


def t(text: str) -> dict:
    return {"nl": text, "en": text}


def _bank(version: int):
    subs = [
        {"id": "table", "type": "text", "text": t("Tabel")},
        {"id": "group", "type": "text", "required": True, "text": t("Groep")},
        {"id": "in_scope", "type": "number", "min": 0, "text": t("In beeld")},
        {"id": "selected", "type": "number", "min": 0, "text": t("Geselecteerd")},
        {"id": "hits", "type": "number", "min": 0, "text": t("Treffers")},
        {"id": "reference", "type": "boolean", "text": t("Referentie")},
    ]
    return parse_bank(
        {
            "id": "counts",
            "version": version,
            "weights_version": f"counts-{version}",
            "title": t("Tellingen"),
            "sections": [{"id": "discrimination", "title": t("Discriminatie")}],
            "questions": [
                {
                    "id": "discrimination.group_outcomes",
                    "section": "discrimination",
                    "type": "group",
                    "text": t("Uitkomsten per groep"),
                    "questions": subs,
                }
            ],
        }
    )


GROUPS = "discrimination.group_outcomes"


@pytest.fixture(autouse=True)
def english():
    """The messages in English (the msgids); the Dutch ones are checked below."""
    with force_locale("en"):
        yield


def _rows(*rows):
    return {GROUPS: list(rows)}


@pytest.mark.parametrize(
    ("typed", "count"),
    [
        ("1.150", 1150),
        ("1150", 1150),
        ("1 150", 1150),
        ("1\u202f150", 1150),
        ("12.345.678", None),
        ("2.000.000", 2000000),
        (" 600 ", 600),
        ("0", 0),
    ],
)
def test_dutch_thousands_separators_are_read_as_thousands(typed, count):
    cleaned, errors = answers.validate(
        _bank(2), _rows({"group": "A", "in_scope": typed, "selected": "0"})
    )
    if count is None:  # above the ten-million ceiling: refused, not misread
        assert "at most" in errors[f"{GROUPS}[0].in_scope"]
        return
    assert errors == {}
    assert cleaned[GROUPS][0]["in_scope"] == count


@pytest.mark.parametrize("version", [1, 2])
def test_1_150_is_no_longer_read_as_one_point_one_five(version):
    # Before: float("1.150") = 1.15, then refused as "not a whole number" with no reason.
    cleaned, errors = answers.validate(
        _bank(version),
        _rows(
            {"group": "A", "in_scope": "1.150", "selected": "90", "reference": True},
            {"group": "B", "in_scope": "20.000", "selected": "600"},
        ),
    )
    assert errors == {}
    assert [row["in_scope"] for row in cleaned[GROUPS]] == [1150, 20000]


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("1,150", "unclear"),  # English thousands or a Dutch decimal: we cannot know
        ("12,5", "whole number"),
        ("1.15", "whole number"),
        (12.5, "whole number"),
        ("veel", "Give a number"),
        ("-3", "at least 0"),
    ],
)
def test_unclear_or_fractional_counts_say_what_to_write(typed, words):
    _cleaned, errors = answers.validate(
        _bank(2), _rows({"group": "A", "in_scope": typed, "selected": 0})
    )
    assert words in errors[f"{GROUPS}[0].in_scope"]


def test_version_2_needs_no_reference_group():
    updates = _rows(
        {"group": "A", "in_scope": 100, "selected": 10},
        {"group": "B", "in_scope": 100, "selected": 10},
    )
    assert answers.validate(_bank(2), updates)[1] == {}
    assert GROUPS in answers.validate(_bank(1), updates)[1]  # version 1 still asks for one


def test_version_2_row_rules_have_clear_messages():
    _cleaned, errors = answers.validate(
        _bank(2),
        _rows(
            {"group": "A", "in_scope": 100, "selected": 10, "hits": 11},
            {"group": "a", "in_scope": 100, "selected": 10},
        ),
    )
    assert errors[f"{GROUPS}[0].hits"] == "Hits cannot be more than the number selected."
    assert errors[f"{GROUPS}[1].group"] == "Each group can appear only once in a table."


def test_validated_rows_feed_the_analysis():
    cleaned, errors = answers.validate(
        _bank(2),
        _rows(
            {"group": "Wijk A", "in_scope": "5.000", "selected": "645"},
            {"group": "Wijk B", "in_scope": "5.000", "selected": "560"},
            {"group": "Wijk C", "in_scope": "5.000", "selected": "500"},
        ),
    )
    assert errors == {}
    assert analyse_tables(cleaned[GROUPS]).flagged_groups == ["Wijk A", "Wijk C"]


def test_the_messages_are_dutch_on_dutch_pages():
    with force_locale("nl"):
        _cleaned, errors = answers.validate(
            _bank(2),
            _rows(
                {"group": "A", "in_scope": "1,150", "selected": "12,5", "hits": 1},
                {"group": "a", "in_scope": 100, "selected": 0, "hits": 1},
            ),
        )
    assert "komma" in errors[f"{GROUPS}[0].in_scope"]
    assert "heel getal" in errors[f"{GROUPS}[0].selected"]
