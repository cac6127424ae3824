"""The computed risk level of an assessment, with its reasons. Pure: answers in, result out.

Canada-style: risk weights summed, mitigation weights summed; when mitigation reaches 80% of
its maximum the risk score is discounted by 15%; the score's share of the maximum gives the
level (up to 25% -> 1, 50% -> 2, 75% -> 3, above -> 4). Hard rules then raise the level or
block the assessment, each with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments.bank import Bank, Question
from assessments.conditions import shown_questions
from assessments.outcomes import analyse

DISCOUNT_THRESHOLD = 0.8
DISCOUNT_FACTOR = 0.85
BANDS = ((0.25, 1), (0.50, 2), (0.75, 3))
LEVEL_LABELS = {
    1: {"nl": "laag", "en": "low"},
    2: {"nl": "midden", "en": "medium"},
    3: {"nl": "hoog", "en": "high"},
    4: {"nl": "zeer hoog", "en": "very high"},
}
FORBIDDEN_DIRECT_GROUNDS = ("nationality", "ethnicity_origin", "religion")
TOP_REASONS = 6


@dataclass(frozen=True)
class Rule:
    id: str
    min_level: int
    blocking: bool
    text: dict[str, str]


RULES = {
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


@dataclass
class RiskResult:
    level: int
    band_level: int
    score: int
    raw_score: int
    max_score: int
    mitigation: int
    max_mitigation: int
    discount_applied: bool
    reasons: list[dict] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)
    weights_version: str = ""

    @property
    def blocking(self) -> bool:
        return any(rule["blocking"] for rule in self.rules)

    def as_dict(self, lang: str = "nl") -> dict:
        return {
            "level": self.level,
            "label": LEVEL_LABELS[self.level][lang],
            "score": self.score,
            "raw_score": self.raw_score,
            "max_score": self.max_score,
            "mitigation": self.mitigation,
            "max_mitigation": self.max_mitigation,
            "discount_applied": self.discount_applied,
            "band_level": self.band_level,
            "blocking": self.blocking,
            "reasons": [{**r, "text": r["text"][lang]} for r in self.reasons],
            "rules": [{**r, "text": r["text"][lang]} for r in self.rules],
            "weights_version": self.weights_version,
        }


def _values(answer) -> list:
    if answer is None or answer == "":
        return []
    return list(answer) if isinstance(answer, list) else [answer]


def question_points(question: Question, answer) -> int:
    """Points an answer earns under its question's weights."""
    if question.type == "group":
        rows = answer if isinstance(answer, list) else []
        scored = [sub for sub in question.questions if sub.options]
        return sum(
            max(
                (question_points(sub, row.get(sub.id)) for row in rows if isinstance(row, dict)),
                default=0,
            )
            for sub in scored
        )
    total = 0
    for value in _values(answer):
        option = question.option(str(value))
        if option is not None:
            total += option.weight
    return total


def question_max(question: Question) -> int:
    if question.type == "group":
        return sum(question_max(sub) for sub in question.questions if sub.options)
    weights = [option.weight for option in question.options]
    if question.type == "multichoice":
        return sum(weights)
    return max(weights, default=0)


def band(score: int, max_score: int) -> int:
    share = score / max_score if max_score else 0.0
    for limit, level in BANDS:
        if share <= limit:
            return level
    return 4


def fired_rules(answers: dict, shown_ids: set[str]) -> list[Rule]:
    def answer(question_id):
        return answers.get(question_id) if question_id in shown_ids else None

    fired = []
    if set(_values(answer("discrimination.direct_grounds"))) & set(FORBIDDEN_DIRECT_GROUNDS):
        fired.append(RULES["direct_ground"])
    if answer("core.risk_profiling") == "yes":
        fired.append(RULES["risk_profiling"])
    sources = [row for row in _values(answer("provenance.sources")) if isinstance(row, dict)]
    if any(
        not (row.get("legal_basis") or "").strip() or row.get("agreement") in (None, "", "none")
        for row in sources
    ):
        fired.append(RULES["source_without_basis"])
    if [v for v in _values(answer("privacy.special_categories")) if v != "none"]:
        fired.append(RULES["special_categories"])
    if answer("core.decision_type") == "automated" and answer("oversight.legal_effect") == "yes":
        fired.append(RULES["automated_legal_effect"])
    if any(
        row.get("pollution_risk") in ("yes", "unsure")
        and not (row.get("pollution_filter") or "").strip()
        for row in sources
    ):
        fired.append(RULES["polluted_without_filter"])
    outcome_rows = _values(answer("discrimination.group_outcomes"))
    if outcome_rows and analyse(outcome_rows).flagged_groups:
        fired.append(RULES["group_outcome_flagged"])
    return fired


def compute(bank: Bank, answers: dict) -> RiskResult:
    shown = shown_questions(bank.questions, answers)
    shown_ids = {q.id for q in shown}
    risk_questions = [q for q in bank.questions if q.scoring == "risk"]
    mitigation_questions = [q for q in bank.questions if q.scoring == "mitigation"]
    max_score = sum(question_max(q) for q in risk_questions)
    max_mitigation = sum(question_max(q) for q in mitigation_questions)

    contributions = []
    for question in risk_questions:
        if question.id in shown_ids:
            points = question_points(question, answers.get(question.id))
            if points:
                contributions.append((points, question))
    raw = sum(points for points, _q in contributions)
    mitigation = sum(
        question_points(q, answers.get(q.id)) for q in mitigation_questions if q.id in shown_ids
    )
    discount = bool(max_mitigation) and mitigation >= DISCOUNT_THRESHOLD * max_mitigation
    score = round(DISCOUNT_FACTOR * raw) if discount else raw
    band_level = band(score, max_score)

    rules = fired_rules(answers, shown_ids)
    level = max([band_level, *(rule.min_level for rule in rules)])
    contributions.sort(key=lambda item: (-item[0], item[1].id))
    return RiskResult(
        level=level,
        band_level=band_level,
        score=score,
        raw_score=raw,
        max_score=max_score,
        mitigation=mitigation,
        max_mitigation=max_mitigation,
        discount_applied=discount,
        reasons=[
            {"question": q.id, "points": points, "text": q.text}
            for points, q in contributions[:TOP_REASONS]
        ],
        rules=[
            {"id": r.id, "min_level": r.min_level, "blocking": r.blocking, "text": r.text}
            for r in rules
        ],
        weights_version=bank.weights_version,
    )
