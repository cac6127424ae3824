"""What every bank version's risk level shares: the result, a rule's definition, and the
points tally (weights summed, mitigation discount, bands). Pure.

Canada-style: risk weights summed, mitigation weights summed; when mitigation reaches 80% of
its maximum the risk score is discounted by 15%; the score's share of the maximum gives the
band (up to 25% -> 1, 50% -> 2, 75% -> 3, above -> 4). The rules of a bank version (v1 in
assessments/scoring.py, v2 in assessments/rules_v2.py) then raise the level or block.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments.bank import Bank, Question

DISCOUNT_THRESHOLD = 0.8
DISCOUNT_FACTOR = 0.85
BANDS = ((0.25, 1), (0.50, 2), (0.75, 3))
LEVEL_LABELS = {
    1: {"nl": "laag", "en": "low"},
    2: {"nl": "midden", "en": "medium"},
    3: {"nl": "hoog", "en": "high"},
    4: {"nl": "zeer hoog", "en": "very high"},
}
TOP_REASONS = 6


@dataclass(frozen=True)
class Rule:
    id: str
    min_level: int
    blocking: bool
    text: dict[str, str]


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
    # Added with bank 2; bank 1 results carry neutral values.
    determinable: bool = True
    findings: list[dict] = field(default_factory=list)
    requirements: list[dict] = field(default_factory=list)
    high_risk_ai: bool = False
    publication_category: str | None = None

    @property
    def blocking(self) -> bool:
        return any(rule["blocking"] for rule in self.rules)

    @property
    def lifted_by_rule(self) -> bool:
        return self.level > self.band_level

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
            "rules": [_in_language(r, lang) for r in self.rules],
            "weights_version": self.weights_version,
            "determinable": self.determinable,
            "lifted_by_rule": self.lifted_by_rule,
            "findings": [_in_language(f, lang) for f in self.findings],
            "requirements": [_in_language(r, lang) for r in self.requirements],
            "high_risk_ai": self.high_risk_ai,
            "publication_category": self.publication_category,
        }


def _in_language(item: dict, lang: str) -> dict:
    """A rule, finding or requirement with its texts ({nl, en}) in one language."""
    return {
        key: value[lang] if isinstance(value, dict) and lang in value else value
        for key, value in item.items()
    }


def values_of(answer) -> list:
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
    for value in values_of(answer):
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


def band(score: int, max_score: int, bands=BANDS) -> int:
    share = score / max_score if max_score else 0.0
    for limit, level in bands:
        if share <= limit:
            return level
    return 4


@dataclass(frozen=True)
class Tally:
    score: int
    raw_score: int
    max_score: int
    mitigation: int
    max_mitigation: int
    discount_applied: bool
    reasons: list[dict]


def tally(
    bank: Bank, answers: dict, shown_ids: set[str], *, points=question_points, maximum=question_max
) -> Tally:
    """The points of the shown answers; `points` and `maximum` let a bank version cap
    what one question can add."""
    risk_questions = [q for q in bank.questions if q.scoring == "risk"]
    mitigation_questions = [q for q in bank.questions if q.scoring == "mitigation"]
    max_score = sum(maximum(q) for q in risk_questions)
    max_mitigation = sum(question_max(q) for q in mitigation_questions)
    contributions = []
    for question in risk_questions:
        if question.id in shown_ids:
            earned = points(question, answers.get(question.id))
            if earned:
                contributions.append((earned, question))
    raw = sum(earned for earned, _q in contributions)
    mitigation = sum(
        question_points(q, answers.get(q.id)) for q in mitigation_questions if q.id in shown_ids
    )
    discount = bool(max_mitigation) and mitigation >= DISCOUNT_THRESHOLD * max_mitigation
    score = round(DISCOUNT_FACTOR * raw) if discount else raw
    contributions.sort(key=lambda item: (-item[0], item[1].id))
    return Tally(
        score=score,
        raw_score=raw,
        max_score=max_score,
        mitigation=mitigation,
        max_mitigation=max_mitigation,
        discount_applied=discount,
        reasons=[
            {"question": q.id, "points": earned, "text": q.text}
            for earned, q in contributions[:TOP_REASONS]
        ],
    )
