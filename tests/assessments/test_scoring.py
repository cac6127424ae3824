"""The risk level, worked out by hand on a small bank, and every hard rule of bank 1 (its
assessments keep these rules; bank 2's rules: tests/assessments/test_scoring_v2.py)."""

import pytest

from assessments import scoring
from assessments.bank import get_bank
from tests.assessments.small_bank import small_bank


def bank_1():
    return get_bank("uthiek", 1)


def test_maximums_follow_the_weights():
    result = scoring.compute(small_bank(), {})
    assert (result.max_score, result.max_mitigation) == (16, 5)  # 4 + 7 + (3 + 2); 5
    assert (result.score, result.level, result.rules) == (0, 1, [])


def test_low_score_without_mitigation():
    result = scoring.compute(
        small_bank(),
        {"core.risk_profiling": "no", "core.grounds": ["age"], "core.four_eyes": "never"},
    )
    # 3 of 16 points = 18.75%: up to 25% is level 1.
    assert (result.raw_score, result.score, result.discount_applied) == (3, 3, False)
    assert result.level == result.band_level == 1
    assert [r["question"] for r in result.reasons] == ["core.grounds"]


def test_discount_and_band_with_repeatable_sources():
    answers = {
        "core.risk_profiling": "unsure",  # 2
        "core.grounds": ["age", "religion"],  # 3 + 4 = 7
        "provenance.sources": [  # worst partner 3 + worst agreement 2 = 5
            {"partner": "police", "dataset": "meldingen", "agreement": "covenant"},
            {"partner": "own", "dataset": "BRP", "agreement": "none"},
        ],
        "core.four_eyes": "always",  # mitigation 5 of 5: at least 80%, so 15% off
    }
    result = scoring.compute(small_bank(), answers)
    assert result.raw_score == 14
    assert result.discount_applied is True
    assert result.score == 12  # round(0.85 * 14) = round(11.9)
    assert result.band_level == 3  # 12 / 16 = 75%: up to 75% is level 3
    assert [r["question"] for r in result.reasons] == [
        "core.grounds",
        "provenance.sources",
        "core.risk_profiling",
    ]
    assert [r["points"] for r in result.reasons] == [7, 5, 2]
    # A source without agreement (and without a legal basis) blocks, whatever the score.
    assert [rule["id"] for rule in result.rules] == ["source_without_basis"]
    assert result.blocking


def test_top_band():
    answers = {
        "core.risk_profiling": "yes",
        "core.grounds": ["age", "religion"],
        "provenance.sources": [{"partner": "police", "dataset": "x", "agreement": "none"}],
    }
    result = scoring.compute(small_bank(), answers)
    assert (result.score, result.band_level, result.level) == (16, 4, 4)


def test_hard_rule_raises_a_low_band():
    result = scoring.compute(small_bank(), {"core.risk_profiling": "yes"})
    assert result.band_level == 1  # 4 of 16 = 25%
    assert result.level == 3
    assert result.rules[0]["id"] == "risk_profiling"
    assert not result.blocking


def test_hidden_questions_do_not_count():
    bank = bank_1()
    answers = {"privacy.personal_data": "no", "privacy.special_categories": ["health"]}
    result = scoring.compute(bank, answers)
    assert "special_categories" not in [rule["id"] for rule in result.rules]
    assert "privacy.special_categories" not in [r["question"] for r in result.reasons]


SOURCE_OK = {
    "partner": "own_department",
    "dataset": "BRP",
    "legal_basis": "Wet BRP art. 3.2",
    "agreement": "covenant",
    "pollution_risk": "no",
    "feeds_back": "no",
}


@pytest.mark.parametrize(
    ("answers", "rule", "level", "blocking"),
    [
        ({"discrimination.direct_grounds": ["nationality"]}, "direct_ground", 4, True),
        ({"discrimination.direct_grounds": ["religion", "age"]}, "direct_ground", 4, True),
        ({"discrimination.direct_grounds": ["ethnicity_origin"]}, "direct_ground", 4, True),
        ({"core.risk_profiling": "yes"}, "risk_profiling", 3, False),
        (
            {"provenance.sources": [{**SOURCE_OK, "legal_basis": ""}]},
            "source_without_basis",
            1,
            True,
        ),
        (
            {"provenance.sources": [{**SOURCE_OK, "agreement": "none"}]},
            "source_without_basis",
            1,
            True,
        ),
        (
            {"privacy.personal_data": "yes", "privacy.special_categories": ["criminal"]},
            "special_categories",
            3,
            False,
        ),
        (
            {"core.decision_type": "automated", "oversight.legal_effect": "yes"},
            "automated_legal_effect",
            3,
            False,
        ),
        (
            {"provenance.sources": [{**SOURCE_OK, "pollution_risk": "unsure"}]},
            "polluted_without_filter",
            3,
            False,
        ),
        (
            {
                "core.risk_profiling": "unsure",
                "discrimination.group_outcomes": [
                    {"group": "Overvecht", "in_scope": 1000, "selected": 100, "reference": False},
                    {
                        "group": "Utrecht totaal",
                        "in_scope": 10000,
                        "selected": 500,
                        "reference": True,
                    },
                ],
            },
            "group_outcome_flagged",
            3,
            False,
        ),
    ],
)
def test_every_hard_rule_fires_with_its_reason(answers, rule, level, blocking):
    result = scoring.compute(bank_1(), answers)
    fired = {r["id"]: r for r in result.rules}
    assert rule in fired
    assert fired[rule]["blocking"] is blocking
    assert fired[rule]["text"]["nl"]
    assert fired[rule]["text"]["en"]
    assert result.level >= level
    assert result.as_dict("en")["weights_version"] == bank_1().weights_version


@pytest.mark.parametrize(
    "answers",
    [
        {"discrimination.direct_grounds": ["age", "sex"]},
        {"core.risk_profiling": "unsure"},
        {"provenance.sources": [SOURCE_OK]},
        {
            "provenance.sources": [
                {**SOURCE_OK, "pollution_risk": "yes", "pollution_filter": "Alleen uitspraken"}
            ]
        },
        {"core.decision_type": "automated", "oversight.legal_effect": "no"},
        {"privacy.personal_data": "yes", "privacy.special_categories": ["none"]},
    ],
)
def test_rules_stay_quiet_when_their_condition_is_not_met(answers):
    assert scoring.compute(bank_1(), answers).rules == []


def test_result_as_api_json():
    data = scoring.compute(small_bank(), {"core.risk_profiling": "yes"}).as_dict("en")
    assert set(data) >= {
        "level",
        "label",
        "score",
        "max_score",
        "discount_applied",
        "reasons",
        "rules",
        "weights_version",
    }
    assert data["label"] == "high"
    assert data["rules"][0]["text"].startswith("The algorithm selects")
    assert scoring.compute(small_bank(), {}).as_dict("nl")["label"] == "laag"
