"""Answer validation per question type, on the small bank (no database)."""

import pytest

from assessments import answers
from tests.assessments.small_bank import small_bank

SOURCE = {"partner": "police", "dataset": "Meldingen", "agreement": "covenant", "in_scope": 10}


@pytest.mark.parametrize(
    ("updates", "cleaned"),
    [
        ({"core.purpose": "  Minder ritten.  "}, {"core.purpose": "Minder ritten."}),
        ({"core.risk_profiling": "unsure"}, {"core.risk_profiling": "unsure"}),
        ({"core.grounds": ["age", "age", "religion"]}, {"core.grounds": ["age", "religion"]}),
        ({"core.purpose": ""}, {"core.purpose": None}),
        (
            {"provenance.sources": [SOURCE]},
            {
                "provenance.sources": [
                    {
                        "partner": "police",
                        "dataset": "Meldingen",
                        "agreement": "covenant",
                        "in_scope": 10,
                    }
                ]
            },
        ),
        (
            {"provenance.sources": [{**SOURCE, "in_scope": "12,5"}]},
            {"provenance.sources": [{**SOURCE, "in_scope": 12.5}]},
        ),
    ],
)
def test_valid_answers_are_cleaned(updates, cleaned):
    result, errors = answers.validate(small_bank(), updates)
    assert errors == {}
    assert result == cleaned


@pytest.mark.parametrize(
    ("updates", "path"),
    [
        ({"core.unknown": "x"}, "core.unknown"),
        ({"core.purpose": 42}, "core.purpose"),
        ({"core.purpose": "x" * 4001}, "core.purpose"),
        ({"core.risk_profiling": "maybe"}, "core.risk_profiling"),
        ({"core.risk_profiling": ["yes"]}, "core.risk_profiling"),
        ({"core.grounds": "age"}, "core.grounds"),
        ({"core.grounds": ["age", "none"]}, "core.grounds"),
        ({"core.grounds": ["kleur"]}, "core.grounds"),
        ({"provenance.sources": {"partner": "police"}}, "provenance.sources"),
        ({"provenance.sources": [{**SOURCE, "partner": "fbi"}]}, "provenance.sources[0].partner"),
        ({"provenance.sources": [{**SOURCE, "extra": 1}]}, "provenance.sources[0]"),
        ({"provenance.sources": [{**SOURCE, "in_scope": -1}]}, "provenance.sources[0].in_scope"),
        ({"provenance.sources": [{**SOURCE, "in_scope": True}]}, "provenance.sources[0].in_scope"),
        (
            {"provenance.sources": [{**SOURCE, "in_scope": "veel"}]},
            "provenance.sources[0].in_scope",
        ),
        ({"provenance.sources": [SOURCE] * 51}, "provenance.sources"),
    ],
)
def test_invalid_answers_get_a_message_on_their_path(updates, path):
    _result, errors = answers.validate(small_bank(), updates)
    assert path in errors
    assert errors[path]


def test_not_an_object_at_all():
    assert "answers" in answers.validate(small_bank(), ["core.purpose"])[1]


def test_apply_merges_and_clears():
    merged = answers.apply(
        {"core.purpose": "Oud", "core.grounds": ["age"]}, {"core.purpose": None, "core.why": "Nu"}
    )
    assert merged == {"core.grounds": ["age"], "core.why": "Nu"}


def test_completeness_counts_only_shown_required_questions():
    bank = small_bank()
    assert answers.missing_required(bank, {}) == ["core.purpose", "core.risk_profiling"]
    state = {"core.purpose": "x", "core.risk_profiling": "yes"}
    assert answers.missing_required(bank, state) == ["core.why"]  # the follow-up now applies
    result = answers.completeness(bank, state)
    assert (result["required"], result["answered"], result["percent"]) == (3, 2, 67)
    assert result["sections"]["core"] == {"required": 3, "answered": 2}


def test_half_filled_rows_save_as_draft_but_count_as_missing():
    bank = small_bank()
    cleaned, errors = answers.validate(bank, {"provenance.sources": [{"partner": "police"}]})
    assert errors == {}
    state = {"core.purpose": "x", "core.risk_profiling": "no", **cleaned}
    assert answers.missing_required(bank, state) == ["provenance.sources[0].dataset"]
