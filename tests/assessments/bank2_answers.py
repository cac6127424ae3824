"""Complete answer sets for question bank 2, for the rule tests and the reference cases.

`answers(**changes)` starts from a benign, fully answered assessment (an internal planning
tool without personal data) and lays the changes over it; keys use "__" for the dot
("core__risk_profiling") or pass a dict with dotted keys as the first argument.
"""

from __future__ import annotations

from assessments.bank import get_bank

BANK_2 = get_bank("uthiek", 2)
LAW_URL = "https://wetten.overheid.nl/BWBR0015703/2024-01-01#Hoofdstuk6"

BENIGN = {
    "core.purpose": "Routes plannen voor het legen van afvalbakken.",
    "core.current_situation": "Vaste routes, ook langs lege bakken.",
    "core.goal_success": "Minder kilometers, geen volle bakken.",
    "core.want_this": "Ja, de wijkteams willen dit.",
    "core.explain_to_residents": "De route volgt de vulgraad van de bakken.",
    "core.risk_profiling": "no",
    "core.decision_type": "decision_support",
    "core.output_kind": ["objects_or_places"],
    "core.domain": "public_space",
    "core.reversibility": "1",
    "core.people_affected": "up_to_100",
    "core.public_attention": "no",
    "values.public_values": ["efficiency", "sustainability"],
    "values.public_values_explain": "Minder ritten.",
    "values.pressure_justice": "1",
    "values.pressure_privacy": "1",
    "values.pressure_autonomy": "1",
    "values.pressure_dignity": "1",
    "values.pressure_inclusion": "1",
    "values.pressure_explain": "Geen inwoners betrokken.",
    "values.benefits_burdens": "Baten voor iedereen, geen lasten.",
    "values.vulnerable_groups": "no",
    "values.wrongful_effect": "1",
    "values.alternatives": "Vaste routes.",
    "values.balance": "Klein middel, klein doel.",
    "privacy.personal_data": "no",
    "privacy.minimisation": "yes",
    "privacy.dpia_status": "not_needed",
    "privacy.dpia_not_needed_reason": "Geen persoonsgegevens.",
    "discrimination.direct_grounds": ["none"],
    "discrimination.proxies": ["none"],
    "discrimination.legitimate_aim": "Efficiënt werken.",
    "discrimination.suitability": "Ja.",
    "discrimination.necessity": "Ja.",
    "discrimination.proportionality": "Ja.",
    "discrimination.discretion": "1",
    "discrimination.four_eyes": "yes",
    "discrimination.protocol": "yes",
    "discrimination.score_shown": "no",
    "provenance.sources": [
        {
            "partner": "own_department",
            "dataset": "Vulgraadsensoren",
            "data_categories": "Vulgraad per afvalbak, locatie van de bak.",
            "legal_basis_act": "Gemeentewet",
            "legal_basis_article": "artikel 160",
            "legal_basis_url": "https://wetten.overheid.nl/BWBR0005416/2024-01-01#Artikel160",
            "agreement": "processing_agreement",
            "partner_purpose": "Beheer openbare ruimte.",
            "compatibility": "Zelfde doel.",
            "collection": "Sensoren in de bakken.",
            "retention_here": "1 jaar",
            "quality_checks": "Storingen worden gemeld.",
            "holds_earlier_outcomes": "no",
            "pollution_risk": "no",
            "feeds_back": "no",
        }
    ],
    "provenance.original_purpose": "Beheer.",
    "provenance.representativeness": "no",
    "provenance.lineage": "yes",
    "provenance.error_reporting": "Via de beheerder.",
    "area.area_focused": "no",
    "oversight.staff_use": "Planners zien een voorstel.",
    "oversight.can_deviate": "yes",
    "oversight.training": "yes",
    "oversight.legal_effect": "no",
    "oversight.human_final_decision": "yes",
    "oversight.objection_route": "Niet van toepassing.",
    "oversight.error_correction": "Planner past route aan.",
    "oversight.emergency_stop": "yes",
    "oversight.emergency_stop_detail": "Terug naar vaste routes.",
    "oversight.monitoring_plan": "Maandelijks.",
    "oversight.responsible_role": "Teamleider reiniging",
    "ai_act.is_ai_system": "no",
    "ai_act.social_scoring": "no",
    "ai_act.crime_prediction_profiling": "no",
    "ai_act.emotion_recognition_work": "no",
    "ai_act.face_scraping": "no",
    "ai_act.annex_iii": ["none"],
    "transparency.published": ["register_entry"],
    "transparency.audiences": ["general_public"],
    "transparency.individual_explanation": "yes",
    "transparency.individual_explanation_how": "Op de website.",
    "transparency.residents_involved": "yes",
    "transparency.residents_feedback": "Wijkpanel.",
    "transparency.reassessment_triggers": ["model_change"],
    "transparency.confidential": "Niets.",
}

# A personal-data system's privacy answers (added by `with_personal_data`).
PERSONAL_DATA = {
    "privacy.personal_data": "yes",
    "privacy.data_categories": ["name_address", "income_finance", "household"],
    "privacy.special_categories": ["none"],
    "privacy.legal_basis": "public_task",
    "privacy.statutory_task": "Participatiewet.",
    "privacy.purpose_limitation": "Alleen voor deze taak.",
    "privacy.dpia_triggers": ["profiling"],
    "privacy.minimisation_detail": "Alleen wat nodig is.",
    "privacy.retention": "one_to_five_years",
    "privacy.dpia_status": "done",
    "privacy.dpia_url": "https://intranet.example/dpia",
    "privacy.data_subject_rights": "Via het privacyloket.",
}


def source(**changes) -> dict:
    """A chain-partner source with a checkable legal basis and agreement."""
    return {
        "partner": "uwv_svb",
        "dataset": "Polisadministratie",
        "data_categories": "Inkomen en dienstverband per persoon (BSN).",
        "legal_basis_act": "Participatiewet",
        "legal_basis_article": "artikel 64",
        "legal_basis_url": LAW_URL,
        "agreement": "data_delivery_agreement",
        "agreement_expires": "2099-12-31",
        "partner_purpose": "Uitvoering werknemersverzekeringen.",
        "compatibility": "Wettelijke verplichting tot verstrekking.",
        "collection": "Aangifte door werkgevers.",
        "retention_here": "5 jaar",
        "quality_checks": "Steekproef.",
        "holds_earlier_outcomes": "no",
        "pollution_risk": "no",
        "feeds_back": "no",
        **changes,
    }


def variable(name: str, **changes) -> dict:
    return {
        "name": name,
        "source": "Polisadministratie",
        "kind": "registration",
        "use": "input",
        "stands_in_for": "none",
        "tested": "correlation",
        "test_result": "Geen samenhang gevonden.",
        **changes,
    }


def answers(base: dict | None = None, /, **changes) -> dict:
    """BENIGN with `base` (dotted keys) and `changes` ("core__risk_profiling") laid over it."""
    result = {**BENIGN, **(base or {})}
    result.update({key.replace("__", "."): value for key, value in changes.items()})
    return result


def with_personal_data(base: dict | None = None, /, **changes) -> dict:
    return answers({**PERSONAL_DATA, **(base or {})}, **changes)


def profiling(base: dict | None = None, /, **changes) -> dict:
    """A profiling system with personal data, a worksheet and a group analysis reason."""
    return with_personal_data(
        {
            "core.risk_profiling": "yes",
            "core.output_kind": ["rank_or_score_people"],
            "core.domain": "benefits_income",
            "discrimination.group_data_available": "yes",
            "discrimination.group_analysis_none_reason": "",
            "discrimination.group_outcomes": [
                {"group": "18-27", "in_scope": 1000, "selected": 50},
                {"group": "28-66", "in_scope": 4000, "selected": 200},
            ],
            "discrimination.group_differences": "Geen verschil gevonden.",
            "discrimination.random_sample": "yes",
            "data.variables": [variable("Inkomen")],
            "provenance.sources": [source()],
            **(base or {}),
        },
        **changes,
    )
