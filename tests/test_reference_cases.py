"""Reference cases for question bank 2: real systems from public reports, answered as a
careful but narrow submitter would, and the level each must get (issue 11).

Each case is a full bank 2 answer set built with tests/assessments/bank2_answers.py. The
expected level follows from the rules and the weights, never from the case: when a case
fails, fix the rule or the calibration (README, "Bank 2: the rules"), not the case.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from assessments import scoring
from assessments.rules_v2 import HIGH_RISK_CATEGORY
from tests.assessments.bank2_answers import (
    BANK_2,
    LAW_URL,
    answers,
    profiling,
    source,
    variable,
    with_personal_data,
)

HARSH_VALUES = {
    "values.pressure_justice": "4",
    "values.pressure_autonomy": "4",
    "values.pressure_dignity": "4",
    "values.pressure_inclusion": "4",
    "values.vulnerable_groups": "yes",
    "values.vulnerable_groups_detail": "Huishoudens met een laag inkomen.",
    "values.wrongful_effect": "4",
}
HIGH_RISK_AI = {
    "ai_act.is_ai_system": "yes",
    "ai_act.annex_iii": ["essential_services_benefits"],
    "ai_act.fria_processes": "Selectie voor controle.",
    "ai_act.fria_period_frequency": "Doorlopend.",
    "ai_act.fria_persons": "Aanvragers.",
    "ai_act.fria_risks": "Discriminatie.",
    "ai_act.fria_oversight": "Medewerker beslist.",
    "ai_act.fria_measures": "Stoppen en herstellen.",
}
REGISTER_HIGH_RISK = {"publication_category": HIGH_RISK_CATEGORY}


@dataclass(frozen=True)
class Case:
    name: str
    answers: dict
    level: int
    blocking: bool
    why: str
    band_level: int | None = None  # when set: the level the points alone must give
    register_fields: dict | None = None


CASES = [
    # Childcare benefits (Toeslagenaffaire). Autoriteit Persoonsgegevens, "Belastingdienst/
    # Toeslagen: de verwerking van de nationaliteit van aanvragers van kinderopvangtoeslag"
    # (July 2020); Amnesty International, "Xenophobic Machines" (October 2021);
    # Parlementaire ondervragingscommissie Kinderopvangtoeslag, "Ongekend onrecht" (2020).
    # A self-learning risk model with Dutch / non-Dutch nationality as an indicator, earlier
    # fraud labels as training data, automated selection with legal effect, no group data.
    Case(
        "childcare benefits risk model",
        profiling(
            {
                **HARSH_VALUES,
                **HIGH_RISK_AI,
                "core.decision_type": "automated",
                "core.output_kind": ["rank_or_score_people", "select_people"],
                "core.reversibility": "4",
                "core.people_affected": "more_than_10000",
                "discrimination.direct_grounds": ["nationality"],
                "discrimination.direct_grounds_reason": "Niet-Nederlanders als risico.",
                "discrimination.statutory_exception": "",
                "discrimination.legal_review": "no",
                "discrimination.proxies": ["household_composition", "income"],
                "discrimination.proxy_tests": "Niet getest.",
                "discrimination.group_data_available": "no",
                "discrimination.group_outcomes": [],
                "discrimination.group_analysis_none_reason": "Geen gegevens over afkomst.",
                "discrimination.discretion": "3",
                "discrimination.score_shown": "yes",
                "discrimination.score_shown_reason": "Behandelaars zien de score.",
                "discrimination.four_eyes": "no",
                "discrimination.random_sample": "no",
                "discrimination.protocol": "no",
                "privacy.retention": "not_determined",
                "provenance.sources": [
                    source(
                        partner="tax_office",
                        dataset="Fraudesignaleringsvoorziening",
                        pollution_risk="yes",
                        holds_earlier_outcomes="yes",
                        feeds_back="yes",
                    )
                ],
                "provenance.representativeness": "yes",
                "provenance.representativeness_detail": "Getraind op eerdere selecties.",
                "data.variables": [
                    variable("Nationaliteit", stands_in_for="nationality", tested="not_tested"),
                    variable(
                        "Eerdere fraudelabel", kind="earlier_selection_label", tested="not_tested"
                    ),
                ],
                "oversight.legal_effect": "yes",
                "oversight.decision_mentions_algorithm": "no",
                "oversight.can_deviate": "no",
                "oversight.human_final_decision": "no",
                "oversight.training": "no",
                "oversight.emergency_stop": "no",
                "transparency.individual_explanation": "no",
                "transparency.residents_involved": "no",
            }
        ),
        level=4,
        blocking=True,
        band_level=4,
        register_fields=REGISTER_HIGH_RISK,
        why="nationality as an indicator; the worst realistic system reaches 4 on points",
    ),
    # Rotterdam welfare risk model. Rekenkamer Rotterdam, "Gekleurde technologie" (April
    # 2021); Lighthouse Reports with WIRED and Dutch media partners, "Suspicion Machines"
    # (March 2023).
    # Gradient-boosting model over some 300 variables of people on welfare: Dutch language
    # proficiency (a proxy for origin), caseworkers' impressions, earlier investigations;
    # the highest scores were invited for a re-check.
    Case(
        "Rotterdam welfare risk model",
        profiling(
            {
                **HARSH_VALUES,
                **HIGH_RISK_AI,
                "values.pressure_autonomy": "3",
                "core.decision_type": "decision_support",
                "core.output_kind": ["rank_or_score_people", "select_people"],
                "core.reversibility": "3",
                "core.people_affected": "more_than_10000",
                "discrimination.direct_grounds": ["sex", "age"],
                "discrimination.direct_grounds_reason": "Variabelen in het model.",
                "discrimination.proxies": ["language", "household_composition", "benefit_history"],
                "discrimination.proxy_tests": "Niet getest.",
                "discrimination.group_data_available": "no",
                "discrimination.group_outcomes": [],
                "discrimination.group_analysis_none_reason": "Geen gegevens over afkomst.",
                "discrimination.discretion": "4",
                "discrimination.score_shown": "yes",
                "discrimination.score_shown_reason": "Handhavers zien de score.",
                "discrimination.four_eyes": "no",
                "discrimination.random_sample": "no",
                "provenance.sources": [
                    source(
                        partner="own_department",
                        dataset="Werk en Inkomen dossiers",
                        pollution_risk="yes",
                        holds_earlier_outcomes="yes",
                        feeds_back="yes",
                    )
                ],
                "provenance.representativeness": "yes",
                "provenance.representativeness_detail": "Eerdere onderzoeken als labels.",
                "data.variables": [
                    variable("Taaleis", stands_in_for="ethnicity_origin", tested="not_tested"),
                    variable("Indruk klantmanager", kind="staff_judgement", tested="not_tested"),
                    variable(
                        "Eerder onderzocht", kind="earlier_selection_label", tested="not_tested"
                    ),
                ],
                "oversight.legal_effect": "unsure",
                "oversight.decision_mentions_algorithm": "no",
                "oversight.can_deviate": "yes",
                "oversight.human_final_decision": "yes",
                "transparency.individual_explanation": "no",
                "transparency.residents_involved": "no",
            }
        ),
        level=4,
        blocking=False,
        band_level=4,
        register_fields=REGISTER_HIGH_RISK,
        why="language as proxy for origin, staff judgements and earlier labels as inputs",
    ),
    # DUO student-finance check (uitwonendenbeurs). Investico and NOS, reporting on DUO's
    # checks of the grant for students living away from home (June 2023); PwC, research for
    # DUO and the ministry of Education (2024): students with a migration background were
    # selected far more often.
    # Narrow answers: profiling "unsure", education type and postcode as proxies.
    Case(
        "DUO student-finance check",
        with_personal_data(
            {
                "core.risk_profiling": "unsure",
                "core.decision_type": "decision_support",
                "core.output_kind": ["select_people"],
                "core.domain": "education",
                "core.reversibility": "2",
                "core.people_affected": "more_than_10000",
                "discrimination.proxies": ["education", "postcode_neighbourhood"],
                "discrimination.proxy_tests": "Niet getest.",
                "discrimination.group_data_available": "no",
                "discrimination.group_analysis_none_reason": "Geen gegevens over afkomst.",
                "discrimination.group_differences": "Onbekend.",
                "discrimination.random_sample": "no",
                "data.variables": [
                    variable("Onderwijssoort", stands_in_for="unsure", tested="not_tested"),
                    variable("Afstand tot ouders", stands_in_for="none", tested="not_tested"),
                ],
                "oversight.legal_effect": "yes",
                "oversight.decision_mentions_algorithm": "no",
                "values.pressure_justice": "3",
            }
        ),
        level=3,
        blocking=False,
        why="profiling 'unsure' counts as yes; an untested proxy; no group data",
    ),
    # Automated selection for home visits whose legal effect the owner is "unsure" about
    # (issue 11: level 1 under bank 1).
    Case(
        "automated home-visit selection",
        with_personal_data(
            {
                "core.decision_type": "automated",
                "core.output_kind": ["objects_or_places"],
                "core.domain": "enforcement_inspection",
                "core.people_affected": "from_1000_to_10000",
                "oversight.legal_effect": "unsure",
                "oversight.decision_mentions_algorithm": "unsure",
                "data.variables": [variable("Adres")],
            }
        ),
        level=3,
        blocking=False,
        why="automated with legal effect 'unsure': unsure counts as yes",
    ),
    # A benefits risk model using country of birth instead of nationality. College voor de
    # Rechten van de Mens, "Discriminatie door risicoprofielen" (2021) and
    # "Toetsingskader risicoprofilering" (2025): origin through country of birth is
    # distinction on race.
    Case(
        "benefits model with country of birth",
        profiling(
            {
                "discrimination.direct_grounds": ["country_of_birth"],
                "discrimination.direct_grounds_reason": "Geboorteland buiten de EU.",
                "discrimination.statutory_exception": "",
                "discrimination.legal_review": "no",
            }
        ),
        level=4,
        blocking=True,
        why="country of birth is a forbidden ground; no statutory exception",
    ),
    # Police and municipal youth lists (Amsterdam's Top400, the police's ProKid 12- SI):
    # lists of children and young people "at risk" compiled from police registrations,
    # including registrations of family members and addresses, and professionals' signals.
    Case(
        "police youth lists",
        profiling(
            {
                **HARSH_VALUES,
                "core.decision_type": "decision_support",
                "core.output_kind": ["select_people", "classify_people"],
                "core.domain": "care_youth",
                "core.reversibility": "3",
                "core.people_affected": "from_100_to_1000",
                "core.public_attention": "yes",
                "core.public_attention_detail": "Kritiek in de media.",
                "discrimination.direct_grounds": ["age"],
                "discrimination.direct_grounds_reason": "Leeftijd 12-23.",
                "discrimination.proxies": ["postcode_neighbourhood", "household_composition"],
                "discrimination.proxy_tests": "Niet getest.",
                "discrimination.group_data_available": "no",
                "discrimination.group_outcomes": [],
                "discrimination.group_analysis_none_reason": "Geen gegevens over afkomst.",
                "discrimination.discretion": "4",
                "discrimination.score_shown": "yes",
                "discrimination.score_shown_reason": "Professionals zien de lijst.",
                "privacy.special_categories": ["criminal"],
                "provenance.sources": [
                    source(
                        partner="police",
                        dataset="Politieregistraties (BVH)",
                        pollution_risk="yes",
                        holds_earlier_outcomes="yes",
                        feeds_back="yes",
                        pollution_filter="Alleen recente registraties.",
                    )
                ],
                "data.variables": [
                    variable(
                        "Registraties van gezinsleden",
                        kind="earlier_selection_label",
                        tested="not_tested",
                    ),
                    variable("Signaal jongerenwerker", kind="staff_judgement", tested="not_tested"),
                ],
                "oversight.legal_effect": "unsure",
                "oversight.decision_mentions_algorithm": "no",
                "discrimination.random_sample": "no",
                "discrimination.protocol": "no",
                "transparency.individual_explanation": "no",
                "transparency.residents_involved": "no",
            }
        ),
        level=4,
        blocking=False,
        band_level=4,
        why="police labels and staff signals as inputs, children, no group data",
    ),
    # Amsterdam's "Slimme Check" for welfare applications (pilot 2023-2024). Lighthouse
    # Reports with Trouw and MIT Technology Review, "Inside Amsterdam's high-stakes experiment
    # to create fair welfare AI" (June 2025); Gemeente Amsterdam, the model's documentation
    # in the algorithm register. An explainable model with bias tests and reweighting;
    # caseworkers decide; the bias shifted to other groups in the pilot.
    Case(
        "Amsterdam Slimme Check",
        profiling(
            {
                **HIGH_RISK_AI,
                "values.pressure_justice": "3",
                "values.pressure_autonomy": "2",
                "values.vulnerable_groups": "yes",
                "values.vulnerable_groups_detail": "Aanvragers van bijstand.",
                "values.wrongful_effect": "3",
                "core.decision_type": "decision_support",
                "core.output_kind": ["select_people"],
                "core.reversibility": "2",
                "core.people_affected": "from_1000_to_10000",
                "core.public_attention": "yes",
                "core.public_attention_detail": "Onderzoeksjournalistiek.",
                "discrimination.direct_grounds": ["none"],
                "discrimination.proxies": ["income", "household_composition"],
                "discrimination.proxy_tests": "Bias-analyse per groep.",
                "discrimination.group_outcomes": [
                    {
                        "table": "Herkomst, selectie",
                        "group": "Nederland",
                        "in_scope": 2000,
                        "selected": 100,
                    },
                    {
                        "table": "Herkomst, selectie",
                        "group": "Buiten Europa",
                        "in_scope": 2000,
                        "selected": 104,
                    },
                ],
                "data.variables": [
                    variable("Inkomen", stands_in_for="income_class", tested="outcome_comparison"),
                    variable("Eerdere aanvragen", kind="derived", tested="outcome_comparison"),
                ],
                "oversight.legal_effect": "no",
            }
        ),
        level=3,
        blocking=False,
        register_fields=REGISTER_HIGH_RISK,
        why="risk profiling and a high-risk AI system, with tested variables and outcomes",
    ),
    # Benign: route planning for emptying litter bins (like Utrecht's "Slim vegen").
    Case(
        "litter route planning",
        answers(),
        level=1,
        blocking=False,
        why="objects and places, no personal data, planners decide",
    ),
    # Benign: parking occupancy counted by sensors (no licence plates).
    Case(
        "parking occupancy",
        answers(
            {
                "core.purpose": "Bezetting van parkeergarages tonen.",
                "core.decision_type": "informative",
                "core.output_kind": ["general_information"],
                "core.people_affected": "more_than_10000",
            }
        ),
        level=1,
        blocking=False,
        why="counts of free places, no persons",
    ),
    # Benign: a chatbot that answers frequently asked questions from the website's text.
    Case(
        "FAQ chatbot",
        answers(
            {
                "core.decision_type": "informative",
                "core.output_kind": ["general_information"],
                "core.domain": "service_information",
                "core.people_affected": "more_than_10000",
                "ai_act.is_ai_system": "yes",
                "values.wrongful_effect": "2",
            }
        ),
        level=1,
        blocking=False,
        why="general information, no decisions, no personal data",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_reference_case_gets_its_level(case):
    result = scoring.compute(BANK_2, case.answers, register_fields=case.register_fields)
    fired = [rule["id"] for rule in result.rules]
    summary = f"{case.name}: score {result.score}/{result.max_score}, rules {fired}"
    assert result.level == case.level, summary
    assert result.blocking is case.blocking, summary
    if case.band_level is not None:
        assert result.band_level == case.band_level, summary
    assert result.determinable


def test_benign_cases_stay_at_level_one_on_points_with_room_to_spare():
    """A quarter of the maximum is level 1: the benign cases stay well below it."""
    for case in CASES:
        if case.level == 1:
            result = scoring.compute(BANK_2, case.answers)
            assert result.score <= 0.15 * result.max_score, case.name


def test_justice_weighs_most_of_the_values():
    weights = {
        q.id: max(o.weight for o in q.options)
        for q in BANK_2.questions
        if q.id.startswith("values.pressure_") and q.options
    }
    assert weights["values.pressure_justice"] > max(
        w for q, w in weights.items() if q != "values.pressure_justice"
    )


def test_the_statutory_exception_makes_a_forbidden_ground_not_blocking_but_level_four():
    case = next(c for c in CASES if c.name == "benefits model with country of birth")
    excepted = {
        **case.answers,
        "discrimination.statutory_exception": "Vreemdelingenwet 2000, artikel 107",
        "discrimination.statutory_exception_url": LAW_URL,
        "discrimination.legal_review": "yes",
        "discrimination.legal_review_reference": "Juridische Zaken, 3 maart 2026, JZ-2026-12",
    }
    result = scoring.compute(BANK_2, excepted)
    assert (result.level, result.blocking) == (4, False)
