"""What a risk level demands before submission, review and publication. Pure.

Per level: who signs off (assessments/quorum.py), the DPIA when personal data is processed,
the group outcome analysis when the algorithm profiles, the legal review when a forbidden
ground is used, the FRIA and the EU database registration for a high-risk AI system, the
re-assessment interval (assessments/schedule.py) and the conditions the rules suggest.

`requirements` lists them for the overview and the record ({id, text, met, before,
question?}); `submission_problems` turns what is missing before submission (and the
findings that block it) into Problems for assessments/operations.py submission_problems.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from assessments import quorum
from assessments.schedule import REASSESSMENT_MONTHS
from portal.problems import N_, Problem, problem

BEFORE_SUBMISSION = "submission"
BEFORE_REVIEW = "review"  # the board's decision makes it true
BEFORE_PUBLICATION = "publication"
FRIA_QUESTIONS = (
    "ai_act.fria_processes",
    "ai_act.fria_period_frequency",
    "ai_act.fria_persons",
    "ai_act.fria_risks",
    "ai_act.fria_oversight",
    "ai_act.fria_measures",
)
# From this level on, an assessment that processes personal data needs a finished DPIA;
# below it a reasoned "not needed" will do (a DPIA still in progress will not).
DPIA_DONE_FROM_LEVEL = 3


class PROBLEM_CODES(Enum):  # noqa: N801 - the name portal.problems.RULE_MODULES looks up
    DPIA_NOT_DONE = "dpia_not_done"
    DPIA_NOT_SETTLED = "dpia_not_settled"
    GROUP_ANALYSIS_MISSING = "group_analysis_missing"
    LEGAL_REVIEW_MISSING = "legal_review_missing"
    FRIA_MISSING = "fria_missing"
    EU_DATABASE_MISSING = "eu_database_missing"
    FINDING_OPEN = "finding_open"
    PROHIBITED_PRACTICE = "prohibited_practice"
    PUBLICATION_CATEGORY_MISMATCH = "publication_category_mismatch"


PROBLEM_TEXTS = {
    PROBLEM_CODES.DPIA_NOT_DONE: N_(
        "At level %(level)s with personal data the DPIA must be done before submitting."
    ),
    PROBLEM_CODES.DPIA_NOT_SETTLED: N_(
        "With personal data the DPIA must be done, or explained as not needed, before submitting."
    ),
    PROBLEM_CODES.GROUP_ANALYSIS_MISSING: N_(
        "Risk profiling needs a group outcome analysis, or a reason why none is possible."
    ),
    PROBLEM_CODES.LEGAL_REVIEW_MISSING: N_(
        "A forbidden ground is used: record the legal review (who, when, which document)."
    ),
    PROBLEM_CODES.FRIA_MISSING: N_(
        "A high-risk AI system needs every part of the fundamental rights impact "
        "assessment (AI Act art. 27)."
    ),
    PROBLEM_CODES.EU_DATABASE_MISSING: N_(
        "A high-risk AI system must be registered in the EU database (AI Act art. 49) "
        "before it is published: give the registration link."
    ),
    PROBLEM_CODES.FINDING_OPEN: N_(
        "Resolve or explain the signal \u201c%(finding)s\u201d: change the answers, or add a "
        "row under Explanations of signals with this id."
    ),
    PROBLEM_CODES.PROHIBITED_PRACTICE: N_(
        "A possibly prohibited AI practice (AI Act art. 5) cannot be submitted: check it "
        "and answer \u201cno\u201d, or stop the algorithm."
    ),
    PROBLEM_CODES.PUBLICATION_CATEGORY_MISMATCH: N_(
        "The register's publication category must match the answers: \u201c%(category)s\u201d."
    ),
}


def t(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


def _filled(value) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value not in (None, [], {})


def sign_off_text(level: int, *, blocking: bool, personal_data: bool) -> dict[str, str]:
    needed = quorum.requirement(level, blocking=blocking, personal_data=personal_data)
    if needed.full_board:
        nl, en = "de voltallige klankbordgroep", "the full sounding board"
    elif needed.board_members == 1:
        nl, en = "één lid van de klankbordgroep", "one member of the sounding board"
    else:
        nl = f"{needed.board_members} leden van de klankbordgroep"
        en = f"{needed.board_members} members of the sounding board"
    if needed.privacy_officer:
        nl, en = f"{nl} en de privacyfunctionaris", f"{en} and the privacy officer"
    return t(f"Akkoord van {nl}.", f"Approval by {en}.")


def requirements(
    level: int,
    *,
    blocking: bool,
    personal_data: bool,
    answer: Callable[[str], object],
    profiling: bool,
    forbidden_ground: bool,
    high_risk_ai: bool,
    conditions: list[dict] = (),
) -> list[dict]:
    """What `level` demands. `answer(question_id)` gives a shown answer (None if hidden)."""
    months = REASSESSMENT_MONTHS[level]
    demands = [
        {
            "id": "sign_off",
            "text": sign_off_text(level, blocking=blocking, personal_data=personal_data),
            "met": False,
            "before": BEFORE_REVIEW,
        },
        {
            "id": "reassessment",
            "text": t(
                f"Herbeoordeling uiterlijk {months} maanden na het besluit.",
                f"Re-assessment at the latest {months} months after the decision.",
            ),
            "met": True,
            "before": BEFORE_REVIEW,
        },
    ]
    if personal_data:
        status = answer("privacy.dpia_status")
        if level >= DPIA_DONE_FROM_LEVEL:
            demands.append(
                {
                    "id": "dpia",
                    "text": t(
                        f"Op niveau {level} met persoonsgegevens: de DPIA is afgerond.",
                        f"At level {level} with personal data: the DPIA is done.",
                    ),
                    "met": status == "done",
                    "before": BEFORE_SUBMISSION,
                    "question": "privacy.dpia_status",
                }
            )
        else:
            demands.append(
                {
                    "id": "dpia",
                    "text": t(
                        "Met persoonsgegevens: de DPIA is afgerond of onderbouwd niet nodig.",
                        "With personal data: the DPIA is done or reasoned not needed.",
                    ),
                    "met": status in ("done", "not_needed"),
                    "before": BEFORE_SUBMISSION,
                    "question": "privacy.dpia_status",
                }
            )
    if profiling:
        rows = answer("discrimination.group_outcomes")
        demands.append(
            {
                "id": "group_analysis",
                "text": t(
                    "Risicoprofilering: een analyse van de uitkomsten per groep, of de reden "
                    "waarom die niet kan.",
                    "Risk profiling: an analysis of outcomes per group, or the reason why "
                    "none is possible.",
                ),
                "met": bool(isinstance(rows, list) and rows)
                or _filled(answer("discrimination.group_analysis_none_reason")),
                "before": BEFORE_SUBMISSION,
                "question": "discrimination.group_outcomes",
            }
        )
    if forbidden_ground:
        demands.append(
            {
                "id": "legal_review",
                "text": t(
                    "Een beschermde grond wordt gebruikt: een juridische toets is vastgelegd.",
                    "A protected ground is used: a legal review is recorded.",
                ),
                "met": answer("discrimination.legal_review") == "yes"
                and _filled(answer("discrimination.legal_review_reference")),
                "before": BEFORE_SUBMISSION,
                "question": "discrimination.legal_review",
            }
        )
    if high_risk_ai:
        missing = [q for q in FRIA_QUESTIONS if not _filled(answer(q))]
        demands.append(
            {
                "id": "fria",
                "text": t(
                    "Hoog-risico AI-systeem: alle onderdelen van de grondrechten-"
                    "effectbeoordeling (AI-verordening art. 27).",
                    "High-risk AI system: every part of the fundamental rights impact "
                    "assessment (AI Act art. 27).",
                ),
                "met": not missing,
                "before": BEFORE_SUBMISSION,
                "question": missing[0] if missing else FRIA_QUESTIONS[0],
            }
        )
        demands.append(
            {
                "id": "eu_database",
                "text": t(
                    "Hoog-risico AI-systeem: registratie in de EU-databank vóór publicatie "
                    "(AI-verordening art. 49).",
                    "High-risk AI system: registration in the EU database before "
                    "publication (AI Act art. 49).",
                ),
                "met": _filled(answer("ai_act.eu_database_url")),
                # Asked at submission: answers freeze then, and approval publishes at once, so
                # a link missing at submission could never be added before publication.
                # Publication still checks it (publication_problems) as a second line.
                "before": BEFORE_SUBMISSION,
                "question": "ai_act.eu_database_url",
            }
        )
    for index, condition in enumerate(conditions):
        demands.append(
            {
                "id": f"condition_{index + 1}",
                "text": t(
                    f"Voorgestelde voorwaarde: {condition['nl']}",
                    f"Suggested condition: {condition['en']}",
                ),
                "met": True,
                "before": BEFORE_REVIEW,
            }
        )
    return demands


_REQUIREMENT_PROBLEMS = {
    "group_analysis": PROBLEM_CODES.GROUP_ANALYSIS_MISSING,
    "legal_review": PROBLEM_CODES.LEGAL_REVIEW_MISSING,
    "fria": PROBLEM_CODES.FRIA_MISSING,
    "eu_database": PROBLEM_CODES.EU_DATABASE_MISSING,
}


def submission_problems(result) -> dict[str, Problem]:
    """What keeps a bank 2 assessment from being submitted: the level's demands before
    submission that are not met, and findings that block submission. Keyed by the question
    they are about (a row as "question[0]"), "risk.<id>" when another problem has the key."""
    found: dict[str, Problem] = {}

    def add(key: str, value: Problem) -> None:
        while key in found:
            key = f"risk.{value.code}" if not key.startswith("risk.") else f"{key}+"
        found[key] = value

    for demand in result.requirements:
        if demand["before"] != BEFORE_SUBMISSION or demand["met"]:
            continue
        if demand["id"] == "dpia":
            if result.level >= DPIA_DONE_FROM_LEVEL:
                value = problem(PROBLEM_TEXTS, PROBLEM_CODES.DPIA_NOT_DONE, level=result.level)
            else:
                value = problem(PROBLEM_TEXTS, PROBLEM_CODES.DPIA_NOT_SETTLED)
        else:
            value = problem(PROBLEM_TEXTS, _REQUIREMENT_PROBLEMS[demand["id"]])
        add(demand.get("question") or f"risk.{demand['id']}", value)
    for item in result.findings:
        if not item["blocks_submission"]:
            continue
        if item["id"] == "prohibited_practice":
            value = problem(PROBLEM_TEXTS, PROBLEM_CODES.PROHIBITED_PRACTICE)
        elif item["id"] == "publication_category_mismatch":
            category = result.publication_category or "Impactvolle algoritmes / Overige algoritmes"
            value = problem(
                PROBLEM_TEXTS, PROBLEM_CODES.PUBLICATION_CATEGORY_MISMATCH, category=category
            )
            add("algorithm.publication_category", value)
            continue
        else:
            value = problem(PROBLEM_TEXTS, PROBLEM_CODES.FINDING_OPEN, finding=item["id"])
        key = item["question"] + (f"[{item['row']}]" if "row" in item else "")
        add(key, value)
    return found


def publication_problems(result) -> dict[str, Problem]:
    """What keeps an approved bank 2 assessment from being published."""
    return {
        demand["question"]: problem(PROBLEM_TEXTS, PROBLEM_CODES.EU_DATABASE_MISSING)
        for demand in result.requirements
        if demand["id"] == "eu_database" and not demand["met"]
    }
