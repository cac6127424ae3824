"""The computed risk level of an assessment, with its reasons. Pure: answers in, result out.

`compute` picks the rules of the bank's weights version: bank 1 ("uthiek-1.0") keeps the
rules below exactly as they were; bank 2 ("uthiek-2.x") uses assessments/rules_v2.py. The
points tally (weights, mitigation discount, bands) is shared: assessments/risk_points.py.
"""

from __future__ import annotations

from assessments import rules_v2
from assessments.bank import Bank
from assessments.conditions import shown_questions
from assessments.outcomes import analyse
from assessments.risk_points import (  # noqa: F401 - the names callers used from here
    BANDS,
    DISCOUNT_FACTOR,
    DISCOUNT_THRESHOLD,
    LEVEL_LABELS,
    TOP_REASONS,
    RiskResult,
    Rule,
    band,
    question_max,
    question_points,
    tally,
)
from assessments.risk_points import values_of as _values

FORBIDDEN_DIRECT_GROUNDS = ("nationality", "ethnicity_origin", "religion")

V1_RULES = {
    "direct_ground": Rule(
        "direct_ground",
        4,
        True,
        {
            "nl": "Het algoritme gebruikt nationaliteit, etniciteit/afkomst of religie direct. "
            "Dat mag alleen na uitdrukkelijk advies van de voltallige klankbordgroep.",
            "en": "The algorithm uses nationality, ethnicity/origin or religion directly. "
            "That is only allowed after explicit advice of the full sounding board.",
        },
    ),
    "risk_profiling": Rule(
        "risk_profiling",
        3,
        False,
        {
            "nl": "Het algoritme selecteert, rangschikt of scoort inwoners of zaken "
            "(risicoprofilering).",
            "en": "The algorithm selects, ranks or scores residents or cases (risk profiling).",
        },
    ),
    "source_without_basis": Rule(
        "source_without_basis",
        1,
        True,
        {
            "nl": "Een gegevensbron van een ketenpartner heeft geen wettelijke grondslag "
            "of geen afspraak.",
            "en": "A data source from a chain partner has no legal basis or no agreement.",
        },
    ),
    "special_categories": Rule(
        "special_categories",
        3,
        False,
        {
            "nl": "Het algoritme verwerkt bijzondere of strafrechtelijke persoonsgegevens.",
            "en": "The algorithm processes special-category or criminal personal data.",
        },
    ),
    "automated_legal_effect": Rule(
        "automated_legal_effect",
        3,
        False,
        {
            "nl": "Het algoritme neemt zelf besluiten met rechtsgevolgen voor inwoners.",
            "en": "The algorithm takes decisions with legal effect on its own.",
        },
    ),
    "polluted_without_filter": Rule(
        "polluted_without_filter",
        3,
        False,
        {
            "nl": "Gegevens van een ketenpartner kunnen vervuild zijn en er is geen filter "
            "beschreven.",
            "en": "Data from a chain partner may be polluted and no filter is described.",
        },
    ),
    "group_outcome_flagged": Rule(
        "group_outcome_flagged",
        3,
        False,
        {
            "nl": "De uitkomsten verschillen te veel tussen groepen (verhouding buiten 0,8-1,25).",
            "en": "Outcomes differ too much between groups (ratio outside 0.8-1.25).",
        },
    ),
}
# Every rule id of every bank version (an id means the same rule in each version).
RULES = {**rules_v2.RULES, **V1_RULES}


def fired_rules(answers: dict, shown_ids: set[str]) -> list[Rule]:
    def answer(question_id):
        return answers.get(question_id) if question_id in shown_ids else None

    fired = []
    if set(_values(answer("discrimination.direct_grounds"))) & set(FORBIDDEN_DIRECT_GROUNDS):
        fired.append(V1_RULES["direct_ground"])
    if answer("core.risk_profiling") == "yes":
        fired.append(V1_RULES["risk_profiling"])
    sources = [row for row in _values(answer("provenance.sources")) if isinstance(row, dict)]
    if any(
        not (row.get("legal_basis") or "").strip() or row.get("agreement") in (None, "", "none")
        for row in sources
    ):
        fired.append(V1_RULES["source_without_basis"])
    if [v for v in _values(answer("privacy.special_categories")) if v != "none"]:
        fired.append(V1_RULES["special_categories"])
    if answer("core.decision_type") == "automated" and answer("oversight.legal_effect") == "yes":
        fired.append(V1_RULES["automated_legal_effect"])
    if any(
        row.get("pollution_risk") in ("yes", "unsure")
        and not (row.get("pollution_filter") or "").strip()
        for row in sources
    ):
        fired.append(V1_RULES["polluted_without_filter"])
    outcome_rows = _values(answer("discrimination.group_outcomes"))
    if outcome_rows and analyse(outcome_rows).flagged_groups:
        fired.append(V1_RULES["group_outcome_flagged"])
    return fired


def compute(bank: Bank, answers: dict, **context) -> RiskResult:
    """The risk result under the rules of the bank's weights version. `context` (such as
    `today` or `register_fields`) is used by bank 2's rules only."""
    if rules_v2.applies_to(bank):
        return rules_v2.compute(bank, answers, **context)
    return compute_v1(bank, answers)


def compute_v1(bank: Bank, answers: dict) -> RiskResult:
    shown_ids = {q.id for q in shown_questions(bank.questions, answers)}
    points = tally(bank, answers, shown_ids)
    band_level = band(points.score, points.max_score)
    rules = fired_rules(answers, shown_ids)
    level = max([band_level, *(rule.min_level for rule in rules)])
    return RiskResult(
        level=level,
        band_level=band_level,
        score=points.score,
        raw_score=points.raw_score,
        max_score=points.max_score,
        mitigation=points.mitigation,
        max_mitigation=points.max_mitigation,
        discount_applied=points.discount_applied,
        reasons=points.reasons,
        rules=[
            {"id": r.id, "min_level": r.min_level, "blocking": r.blocking, "text": r.text}
            for r in rules
        ],
        weights_version=bank.weights_version,
    )
