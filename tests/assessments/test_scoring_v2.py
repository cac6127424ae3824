"""Bank 2's rules (assessments/rules_v2.py), one test per rule and per cross-check, and the
level's demands (assessments/level_requirements.py). Bank 1 keeps its rules:
tests/assessments/test_scoring.py."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import level_requirements, rules_v2, scoring
from assessments.bank import get_bank
from tests.assessments.bank2_answers import (
    BANK_2,
    LAW_URL,
    answers,
    profiling,
    source,
    variable,
    with_personal_data,
)

TODAY = dt.date(2026, 12, 1)
UNSURE_NL = "'Weet niet' telt als 'ja' tot het is beantwoord"
UNSURE_EN = "Unsure counts as yes until resolved"


def compute(given: dict, **context):
    return scoring.compute(BANK_2, given, today=TODAY, **context)


def fired(result, rule_id: str) -> list[dict]:
    return [rule for rule in result.rules if rule["id"] == rule_id]


def found(result, finding_id: str) -> list[dict]:
    return [item for item in result.findings if item["id"] == finding_id]


def demand(result, demand_id: str) -> dict | None:
    return next((d for d in result.requirements if d["id"] == demand_id), None)


def problems(result) -> dict:
    return level_requirements.submission_problems(result)


# --- versions ---------------------------------------------------------------------------


def test_bank_1_keeps_its_rules_and_bank_2_uses_its_own():
    bank_1 = get_bank("uthiek", 1)
    given = {"core.risk_profiling": "unsure", "discrimination.direct_grounds": ["country_of_birth"]}
    old = scoring.compute(bank_1, given)
    assert old.rules == []  # bank 1: "unsure" and country of birth never fired a rule
    assert old.as_dict("nl")["findings"] == []
    assert old.as_dict("nl")["determinable"] is True
    new = compute(answers(given))
    assert {rule["id"] for rule in new.rules} == {"risk_profiling", "direct_ground"}
    assert rules_v2.applies_to(BANK_2)
    assert not rules_v2.applies_to(bank_1)


def test_result_shape_keeps_bank_1_keys_and_adds_bank_2_keys():
    data = compute(profiling()).as_dict("en")
    bank_1_keys = set(scoring.compute(get_bank("uthiek", 1), {}).as_dict("en"))
    assert bank_1_keys <= set(data)
    assert {
        "determinable",
        "findings",
        "lifted_by_rule",
        "requirements",
        "high_risk_ai",
        "publication_category",
    } <= set(data)
    rule = data["rules"][0]
    assert rule["question"] == "core.risk_profiling"
    assert rule["unsure"] is False
    assert isinstance(rule["text"], str)


def test_an_empty_assessment_is_not_determinable_and_a_full_one_is():
    assert compute({}).determinable is False
    assert compute(answers()).determinable is True


def test_lifted_by_rule_says_a_rule_raised_the_level():
    result = compute(profiling())
    assert result.band_level < result.level == 3
    assert result.as_dict("nl")["lifted_by_rule"] is True
    assert compute(answers()).as_dict("nl")["lifted_by_rule"] is False


# --- unsure counts as yes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "rule_id"),
    [
        ({"core.risk_profiling": "unsure"}, "risk_profiling"),
        (
            {"core.decision_type": "automated", "oversight.legal_effect": "unsure"},
            "automated_legal_effect",
        ),
        ({"provenance.sources": [source(pollution_risk="unsure")]}, "polluted_without_filter"),
        (
            {"provenance.sources": [source(holds_earlier_outcomes="unsure")]},
            "polluted_without_filter",
        ),
        ({"area.area_focused": "unsure"}, "area_targeting"),
        ({"ai_act.face_scraping": "unsure"}, "prohibited_practice"),
        ({"ai_act.is_ai_system": "unsure", "ai_act.annex_iii": ["employment"]}, "high_risk_ai"),
        (
            {
                "core.risk_profiling": "yes",
                "data.variables": [variable("Wijk", stands_in_for="unsure", tested="not_tested")],
            },
            "proxy_untested",
        ),
    ],
)
def test_unsure_counts_as_yes_and_says_so(given, rule_id):
    result = compute(with_personal_data(given))
    rules = fired(result, rule_id)
    assert rules, [r["id"] for r in result.rules]
    assert rules[0]["unsure"] is True
    assert UNSURE_NL in rules[0]["text"]["nl"]
    assert UNSURE_EN in rules[0]["text"]["en"]
    assert result.level >= rules_v2.RULES[rule_id].min_level


def test_a_rule_that_fires_on_yes_does_not_claim_unsure():
    result = compute(with_personal_data({"core.risk_profiling": "yes"}))
    assert fired(result, "risk_profiling")[0]["unsure"] is False
    assert UNSURE_NL not in fired(result, "risk_profiling")[0]["text"]["nl"]


# --- forbidden grounds ------------------------------------------------------------------


@pytest.mark.parametrize("ground", rules_v2.FORBIDDEN_GROUNDS)
def test_every_forbidden_ground_is_level_4_and_blocking(ground):
    result = compute(answers({"discrimination.direct_grounds": [ground]}))
    assert (result.level, result.blocking) == (4, True)
    assert fired(result, "direct_ground")[0]["question"] == "discrimination.direct_grounds"


EXCEPTION = {
    "discrimination.direct_grounds": ["nationality"],
    "discrimination.direct_grounds_reason": "Verblijfsrecht.",
    "discrimination.statutory_exception": "Vreemdelingenwet 2000, artikel 107",
    "discrimination.statutory_exception_url": LAW_URL,
    "discrimination.legal_review": "yes",
    "discrimination.legal_review_reference": "JZ-2026-12, 3 maart 2026",
}


def test_a_statutory_exception_with_legal_review_is_level_4_not_blocking():
    result = compute(answers(EXCEPTION))
    assert (result.level, result.blocking) == (4, False)
    assert demand(result, "legal_review")["met"] is True


@pytest.mark.parametrize(
    "change",
    [
        {"discrimination.statutory_exception": ""},
        {"discrimination.statutory_exception_url": "https://example.org/wet"},
        {"discrimination.legal_review": "unsure"},
        {"discrimination.legal_review": "no"},
    ],
)
def test_without_a_cited_exception_or_a_recorded_review_the_ground_blocks(change):
    result = compute(answers({**EXCEPTION, **change}))
    assert (result.level, result.blocking) == (4, True)


def test_a_forbidden_ground_without_legal_review_cannot_be_submitted():
    result = compute(answers({**EXCEPTION, "discrimination.legal_review": "no"}))
    assert demand(result, "legal_review")["met"] is False
    assert problems(result)["discrimination.legal_review"].code == "legal_review_missing"


@pytest.mark.parametrize("name", ["Geboorteland", "Nationaliteit ouder", "Migratieachtergrond"])
def test_an_input_named_after_a_forbidden_ground_counts_as_the_ground(name):
    rows = [variable("Inkomen"), variable(name)]
    result = compute(profiling({"data.variables": rows}))
    rule = fired(result, "direct_ground")[0]
    assert (result.level, result.blocking) == (4, True)
    assert (rule["question"], rule["row"]) == ("data.variables", 1)
    only_evaluation = [variable("Inkomen"), variable(name, use="evaluation_only")]
    assert not fired(compute(profiling({"data.variables": only_evaluation})), "direct_ground")


def test_grounds_that_are_not_forbidden_do_not_fire_the_rule():
    result = compute(answers({"discrimination.direct_grounds": ["age", "belief"]}))
    assert not fired(result, "direct_ground")


# --- cross-checks -----------------------------------------------------------------------

ETHNICITY_PROCESSED = {
    "privacy.special_categories": ["ethnicity_origin"],
    "discrimination.direct_grounds": ["none"],
}


def test_special_categories_against_grounds_is_a_finding_that_blocks_submission():
    result = compute(with_personal_data(ETHNICITY_PROCESSED))
    (item,) = found(result, "special_categories_vs_grounds")
    assert item["blocks_submission"] is True
    assert item["explained"] is False
    assert "ethnicity_origin" in item["text"]["en"]
    assert problems(result)["discrimination.direct_grounds"].code == "finding_open"


def test_an_explanation_naming_the_finding_lifts_the_submission_block():
    explained = with_personal_data(
        {
            **ETHNICITY_PROCESSED,
            "explanations.items": [
                {
                    "finding": "special_categories_vs_grounds",
                    "explanation": "Alleen voor de monitor.",
                }
            ],
        }
    )
    (item,) = found(compute(explained), "special_categories_vs_grounds")
    assert item["explained"] is True
    assert item["blocks_submission"] is False
    assert "discrimination.direct_grounds" not in problems(compute(explained))


def test_an_explanation_row_without_text_explains_nothing():
    given = with_personal_data(
        {
            **ETHNICITY_PROCESSED,
            "explanations.items": [
                {"finding": "special_categories_vs_grounds", "explanation": " "}
            ],
        }
    )
    assert found(compute(given), "special_categories_vs_grounds")[0]["blocks_submission"]


def test_health_data_without_disability_or_illness_ground_is_a_finding():
    result = compute(with_personal_data({"privacy.special_categories": ["health"]}))
    assert found(result, "special_categories_vs_grounds")
    declared = compute(
        with_personal_data(
            {
                "privacy.special_categories": ["health"],
                "discrimination.direct_grounds": ["chronic_illness"],
                "discrimination.direct_grounds_reason": "Zorgbehoefte.",
            }
        )
    )
    assert not found(declared, "special_categories_vs_grounds")


def test_ethnicity_data_in_a_profiling_system_counts_as_the_ground():
    result = compute(profiling(ETHNICITY_PROCESSED))
    rule = fired(result, "ground_data_in_profiling")[0]
    assert (result.level, result.blocking, rule["min_level"]) == (4, True, 4)


def test_religion_data_with_profiling_unsure_counts_as_the_ground_too():
    result = compute(
        profiling({"core.risk_profiling": "unsure", "privacy.special_categories": ["religion"]})
    )
    rule = fired(result, "ground_data_in_profiling")[0]
    assert rule["unsure"] is True
    assert result.level == 4


def test_worksheet_alone_or_explanation_alone_does_not_lift_the_ground():
    evaluation_only = [
        variable("Herkomst", stands_in_for="ethnicity_origin", use="evaluation_only")
    ]
    explanation = [{"finding": "ground_data_in_profiling", "explanation": "Alleen voor de toets."}]
    only_worksheet = compute(profiling({**ETHNICITY_PROCESSED, "data.variables": evaluation_only}))
    only_explained = compute(profiling({**ETHNICITY_PROCESSED, "explanations.items": explanation}))
    assert only_worksheet.level == only_explained.level == 4


def test_worksheet_and_explanation_leave_it_to_the_full_board():
    given = profiling(
        {
            **ETHNICITY_PROCESSED,
            "data.variables": [
                variable("Inkomen"),
                variable("Herkomst (CBS)", stands_in_for="ethnicity_origin", use="evaluation_only"),
            ],
            "explanations.items": [
                {
                    "finding": "ground_data_in_profiling",
                    "explanation": "Alleen voor de groepstoets.",
                }
            ],
        }
    )
    result = compute(given)
    assert not fired(result, "ground_data_in_profiling")
    rule = fired(result, "ground_data_explained")[0]
    assert rule["min_level"] == 3
    assert rule["blocking"] is True
    assert result.level == 3
    assert demand(result, "sign_off")["text"]["en"].startswith("Approval by the full")


def test_worksheet_that_uses_the_ground_as_input_keeps_level_4():
    given = profiling(
        {
            **ETHNICITY_PROCESSED,
            "data.variables": [
                variable("Herkomst", stands_in_for="ethnicity_origin", use="evaluation_only"),
                variable("Geboorteland ouders", stands_in_for="ethnicity_origin", use="input"),
            ],
            "explanations.items": [{"finding": "ground_data_in_profiling", "explanation": "x"}],
        }
    )
    assert compute(given).level == 4


@pytest.mark.parametrize(
    "given",
    [
        {"core.output_kind": ["select_people"]},
        {"provenance.sources": [source(data_categories="Naam, adres en geboortedatum")]},
        {"data.variables": [variable("Leeftijd", stands_in_for="age")]},
    ],
)
def test_personal_data_no_while_the_answers_name_persons_is_a_finding(given):
    result = compute(answers({"privacy.personal_data": "no", **given}))
    (item,) = found(result, "personal_data_contradiction")
    assert item["blocks_submission"]
    assert item["question"] == "privacy.personal_data"


def test_personal_data_no_for_objects_is_no_finding():
    assert not found(compute(answers()), "personal_data_contradiction")


def test_profiling_no_while_the_output_selects_people_counts_as_profiling():
    given = with_personal_data({"core.risk_profiling": "no", "core.output_kind": ["select_people"]})
    result = compute(given)
    assert found(result, "profiling_contradiction")[0]["blocks_submission"]
    assert fired(result, "risk_profiling")
    assert result.level >= 3
    explained = compute(
        {
            **given,
            "explanations.items": [
                {
                    "finding": "profiling_contradiction",
                    "explanation": "Alleen een lijst van aanvragen op datum.",
                }
            ],
        }
    )
    assert not fired(explained, "risk_profiling")
    assert found(explained, "profiling_contradiction")[0]["explained"]


def test_decision_support_that_staff_cannot_deviate_from_is_a_finding_and_decides_itself():
    given = with_personal_data(
        {
            "core.decision_type": "decision_support",
            "oversight.can_deviate": "no",
            "oversight.legal_effect": "yes",
            "oversight.decision_mentions_algorithm": "yes",
        }
    )
    result = compute(given)
    assert found(result, "decision_support_without_deviation")[0]["blocks_submission"]
    assert fired(result, "automated_legal_effect")
    assert result.level >= 3
    unsure = compute({**given, "oversight.can_deviate": "unsure"})
    assert fired(unsure, "automated_legal_effect")[0]["unsure"] is True


# --- BSN, profiling's group analysis ----------------------------------------------------


def test_bsn_alone_does_not_lift_the_level():
    result = compute(with_personal_data({"privacy.special_categories": ["bsn"]}))
    assert not fired(result, "special_categories")
    assert result.level == 1
    assert fired(
        compute(with_personal_data({"privacy.special_categories": ["bsn", "criminal"]})),
        "special_categories",
    )


def test_profiling_needs_a_group_analysis_or_a_reason():
    given = profiling(
        {"discrimination.group_outcomes": [], "discrimination.group_analysis_none_reason": ""}
    )
    result = compute(given)
    assert demand(result, "group_analysis")["met"] is False
    assert problems(result)["discrimination.group_outcomes"].code == "group_analysis_missing"
    reason = compute({**given, "discrimination.group_analysis_none_reason": "Te weinig gevallen."})
    assert demand(reason, "group_analysis")["met"] is True
    assert demand(compute(profiling()), "group_analysis")["met"] is True


@pytest.mark.parametrize("answer", ["no", "unsure"])
def test_no_data_to_check_for_discrimination_is_level_3_with_a_condition(answer):
    result = compute(profiling({"discrimination.group_data_available": answer}))
    rule = fired(result, "no_group_data")[0]
    assert found(result, "no_group_data")[0]["suggested_condition"] == rule["suggested_condition"]
    assert result.level >= 3
    assert rule["suggested_condition"]["nl"]
    assert any(d["id"].startswith("condition_") for d in result.requirements)
    assert not fired(compute(profiling()), "no_group_data")


def test_the_issues_three_neighbourhoods_are_flagged_and_three_of_ten_are_not():
    rows = [
        {"table": "Wijk", "group": "A", "in_scope": 5000, "selected": 645},
        {"table": "Wijk", "group": "B", "in_scope": 5000, "selected": 560},
        {"table": "Wijk", "group": "C", "in_scope": 5000, "selected": 500},
    ]
    result = compute(profiling({"discrimination.group_outcomes": rows}))
    assert fired(result, "group_outcome_flagged")
    small = [
        {"table": "x", "group": "A", "in_scope": 10, "selected": 3},
        {"table": "x", "group": "B", "in_scope": 10, "selected": 2},
    ]
    assert not fired(
        compute(profiling({"discrimination.group_outcomes": small})), "group_outcome_flagged"
    )


# --- variables --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "rule_id"),
    [
        ("staff_judgement", "staff_judgement_input"),
        ("earlier_selection_label", "earlier_selection_label_input"),
    ],
)
def test_judgements_and_earlier_labels_as_inputs_are_level_3_and_name_their_row(kind, rule_id):
    rows = [variable("Inkomen"), variable("Oordeel", kind=kind)]
    result = compute(profiling({"data.variables": rows}))
    rule = fired(result, rule_id)[0]
    assert (rule["row"], rule["question"], result.level) == (1, "data.variables", 3)
    assert found(result, rule_id)[0]["row"] == 1
    assert "Oordeel" in rule["text"]["nl"]
    evaluation = compute(
        profiling({"data.variables": [variable("Oordeel", kind=kind, use="evaluation_only")]})
    )
    assert not fired(evaluation, rule_id)


def test_a_tested_proxy_does_not_fire_and_an_untested_one_does():
    tested = variable("Postcode", stands_in_for="ethnicity_origin", tested="outcome_comparison")
    untested = {**tested, "tested": "not_tested"}
    assert not fired(compute(profiling({"data.variables": [tested]})), "proxy_untested")
    assert fired(compute(profiling({"data.variables": [untested]})), "proxy_untested")


# --- sources ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"legal_basis_act": "AVG"}, "legal_basis_not_checkable"),
        ({"legal_basis_act": "wet"}, "legal_basis_not_checkable"),
        ({"legal_basis_article": ""}, "legal_basis_not_checkable"),
        ({"legal_basis_url": ""}, "legal_basis_not_checkable"),
        ({"legal_basis_url": "https://example.org/participatiewet"}, "legal_basis_not_checkable"),
        ({"agreement": "none"}, "agreement_missing"),
        ({"agreement_expires": "2026-11-30"}, "agreement_expired"),
    ],
)
def test_an_unverifiable_basis_or_expired_agreement_is_a_source_without_one(change, reason):
    result = compute(with_personal_data({"provenance.sources": [source(), source(**change)]}))
    (item,) = found(result, reason)
    assert item["row"] == 1
    assert item["blocks_submission"] is False  # the blocking rule makes the whole board decide
    rule = fired(result, "source_without_basis")
    assert len(rule) == 1
    assert rule[0]["row"] == 1
    assert rule[0]["blocking"] is True
    assert rule[0]["text"]["nl"].startswith("Bron 2 (Polisadministratie)")


@pytest.mark.parametrize(
    ("text", "checkable"),
    [
        (f"Participatiewet artikel 64, {LAW_URL}", True),
        ("Participatiewet artikel 64", False),
        (f"AVG art. 6 {LAW_URL}", False),
        ("AVG", False),
        ("wet", False),
    ],
)
def test_bank_1_free_text_basis_counts_only_with_act_article_and_link(text, checkable):
    row = source(legal_basis_act="", legal_basis_article="", legal_basis_url="", legal_basis=text)
    result = compute(with_personal_data({"provenance.sources": [row]}))
    assert bool(fired(result, "source_without_basis")) is not checkable


def test_a_checkable_basis_with_a_running_agreement_is_fine():
    assert not fired(
        compute(with_personal_data({"provenance.sources": [source()]})), "source_without_basis"
    )


def test_an_agreement_ending_before_the_next_reassessment_is_a_finding():
    # Level 1: re-assessment after 36 months, so an end date in 2028 comes first.
    result = compute(
        with_personal_data({"provenance.sources": [source(agreement_expires="2028-06-30")]})
    )
    (item,) = found(result, "agreement_expires_before_reassessment")
    assert item["row"] == 0
    assert not item["blocks_submission"]
    assert "2028-06-30" in item["suggested_condition"]["nl"]
    later = compute(
        with_personal_data({"provenance.sources": [source(agreement_expires="2031-01-01")]})
    )
    assert not found(later, "agreement_expires_before_reassessment")
    # At level 3 (12 months) the same date comes before the re-assessment too.
    profiled = compute(profiling({"provenance.sources": [source(agreement_expires="2027-06-30")]}))
    assert found(profiled, "agreement_expires_before_reassessment")


def test_possibly_polluted_data_needs_the_three_parts_of_the_filter():
    old_filter = source(pollution_risk="yes", pollution_filter="Alleen uitspraken")
    assert fired(
        compute(with_personal_data({"provenance.sources": [old_filter]})), "polluted_without_filter"
    )
    described = source(
        pollution_risk="yes",
        pollution_filter_removes="Meldingen zonder proces-verbaal.",
        pollution_filter_checked="Steekproef van 200 door de jurist.",
        pollution_filter_remains="Alleen vastgestelde overtredingen.",
    )
    assert not fired(
        compute(with_personal_data({"provenance.sources": [described]})), "polluted_without_filter"
    )
    partly = {**described, "pollution_filter_checked": ""}
    assert fired(
        compute(with_personal_data({"provenance.sources": [partly]})), "polluted_without_filter"
    )


# --- area-focused enforcement -----------------------------------------------------------

AREA = {
    "area.area_focused": "yes",
    "area.city_share_migration_background": 40,
    "area.selection_reason": "Meldingen.",
    "area.feedback_loop": "Ja.",
    "area.stigma": "Mogelijk.",
}


@pytest.mark.parametrize(("share", "fires"), [(60, True), (30, True), (45, False), (34, False)])
def test_areas_that_differ_markedly_from_the_city_lift_the_level(share, fires):
    given = answers(
        {
            **AREA,
            "area.areas": [
                {"name": "Centrum", "share_migration_background": 40},
                {"name": "Overvecht", "share_migration_background": share},
            ],
        }
    )
    result = compute(given)
    rules = fired(result, "area_targeting")
    assert bool(rules) is fires
    if fires:
        assert rules[0]["row"] == 1
        assert result.level >= 3


def test_area_focus_without_figures_counts_as_a_marked_difference():
    result = compute(answers({**AREA, "area.areas": [{"name": "Overvecht"}]}))
    assert fired(result, "area_targeting")
    assert result.level >= 3


# --- AI Act -----------------------------------------------------------------------------


@pytest.mark.parametrize("question", rules_v2.ART5_QUESTIONS)
@pytest.mark.parametrize("answer", ["yes", "unsure"])
def test_a_prohibited_practice_blocks_submission_and_is_level_4(question, answer):
    result = compute(answers({question: answer}))
    assert (result.level, result.blocking) == (4, True)
    (item,) = found(result, "prohibited_practice")
    assert item["blocks_submission"]
    assert not item["explainable"]
    assert problems(result)[question].code == "prohibited_practice"
    explained = compute(
        answers(
            {
                question: answer,
                "explanations.items": [{"finding": "prohibited_practice", "explanation": "x"}],
            }
        )
    )
    assert found(explained, "prohibited_practice")[0]["blocks_submission"]


FRIA = {
    "ai_act.fria_processes": "Selectie.",
    "ai_act.fria_period_frequency": "Maandelijks.",
    "ai_act.fria_persons": "Aanvragers.",
    "ai_act.fria_risks": "Discriminatie.",
    "ai_act.fria_oversight": "Medewerker beslist.",
    "ai_act.fria_measures": "Stoppen.",
}
HIGH_RISK = {
    "ai_act.is_ai_system": "yes",
    "ai_act.annex_iii": ["essential_services_benefits"],
    **FRIA,
}


def test_annex_iii_makes_it_high_risk_with_the_derived_category():
    result = compute(
        answers(HIGH_RISK), register_fields={"publication_category": "Hoog-risico AI-systeem"}
    )
    assert result.high_risk_ai
    assert result.publication_category == "Hoog-risico AI-systeem"
    assert not found(result, "publication_category_mismatch")
    assert demand(result, "fria")["met"]
    assert demand(result, "eu_database")["before"] == "submission"  # answers freeze then
    assert not compute(answers({**HIGH_RISK, "ai_act.is_ai_system": "no"})).high_risk_ai


def test_a_register_category_that_disagrees_blocks_submission():
    result = compute(
        answers(HIGH_RISK), register_fields={"publication_category": "Impactvolle algoritmes"}
    )
    assert found(result, "publication_category_mismatch")[0]["blocks_submission"]
    assert (
        problems(result)["algorithm.publication_category"].code == "publication_category_mismatch"
    )
    assert not found(compute(answers(HIGH_RISK)), "publication_category_mismatch")  # not given
    claimed = compute(answers(), register_fields={"publication_category": "Hoog-risico AI-systeem"})
    assert found(claimed, "publication_category_mismatch")


def test_high_risk_needs_the_six_fria_answers_before_submission():
    for question in level_requirements.FRIA_QUESTIONS:
        result = compute(
            answers({**HIGH_RISK, question: ""}),
            register_fields={"publication_category": "Hoog-risico AI-systeem"},
        )
        assert demand(result, "fria")["met"] is False
        assert question in problems(result)


def test_high_risk_needs_the_eu_database_link_before_publication():
    result = compute(answers(HIGH_RISK))
    assert level_requirements.publication_problems(result) == {
        "ai_act.eu_database_url": level_requirements.PROBLEM_TEXTS[
            level_requirements.PROBLEM_CODES.EU_DATABASE_MISSING
        ]
    }
    registered = compute(
        answers({**HIGH_RISK, "ai_act.eu_database_url": "https://ec.europa.eu/eu-db/123"})
    )
    assert level_requirements.publication_problems(registered) == {}


# --- what each level demands ------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "status", "met"),
    [
        ({}, "not_needed", True),
        ({}, "in_progress", False),
        ({"core.risk_profiling": "yes"}, "not_needed", False),
        ({"core.risk_profiling": "yes"}, "done", True),
    ],
)
def test_the_dpia_a_level_demands(given, status, met):
    result = compute(
        profiling({**given, "privacy.dpia_status": status})
        if given
        else with_personal_data({"privacy.dpia_status": status})
    )
    assert demand(result, "dpia")["met"] is met
    assert ("privacy.dpia_status" in problems(result)) is not met


def test_sign_off_and_reassessment_follow_the_level():
    low = compute(answers())
    assert demand(low, "sign_off")["text"]["nl"] == "Akkoord van één lid van de klankbordgroep."
    assert "36" in demand(low, "reassessment")["text"]["nl"]
    high = compute(profiling())
    assert "privacyfunctionaris" in demand(high, "sign_off")["text"]["nl"]
    assert "12" in demand(high, "reassessment")["text"]["en"]
    assert not demand(low, "dpia")  # no personal data, no DPIA demand


def test_a_benign_complete_assessment_has_nothing_blocking_submission():
    assert problems(compute(answers())) == {}
    assert problems(compute(profiling())) == {}


# --- properties -------------------------------------------------------------------------

SCORED = [q for q in BANK_2.questions if q.options and q.type != "group"]
# yes/no/unsure questions where "yes" is the risky answer (it weighs more than "no")
RISKY_YES = [
    q.id
    for q in SCORED
    if q.type == "yes_no_unsure"
    and q.scoring == "risk"
    and q.option("yes").weight > q.option("no").weight
]


def _answer(question):
    values = [o.value for o in question.options]
    if question.type == "multichoice":
        return st.lists(st.sampled_from(values), unique=True, max_size=3)
    return st.sampled_from(values)


random_answers = st.fixed_dictionaries({}, optional={q.id: _answer(q) for q in SCORED})


@settings(max_examples=150, deadline=None)
@given(random_answers)
def test_unsure_fires_the_same_rules_as_yes(given_answers):
    as_yes = {
        key: "yes" if key in RISKY_YES and value == "unsure" else value
        for key, value in given_answers.items()
    }
    unsure_rules = {(r["id"], r["min_level"]) for r in compute(given_answers).rules}
    yes_rules = {(r["id"], r["min_level"]) for r in compute(as_yes).rules}
    assert unsure_rules == yes_rules


@settings(max_examples=150, deadline=None)
@given(random_answers)
def test_every_rule_and_finding_names_its_question_and_each_blocker_is_reported(given_answers):
    result = compute(given_answers)
    for rule in result.rules:
        assert rule["question"] in BANK_2.by_id
        assert result.level >= rules_v2.RULES[rule["id"]].min_level
        if rule["unsure"]:
            assert "'Weet niet' telt als" in rule["text"]["nl"]
    blocked = problems(result)
    for item in result.findings:
        assert item["question"] in BANK_2.by_id
        if item["blocks_submission"]:
            assert any(
                value.code
                in ("finding_open", "prohibited_practice", "publication_category_mismatch")
                for value in blocked.values()
            )
