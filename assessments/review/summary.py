"""The summary at the top of the review page: what a board member reads first.

Pure rules on plain data (the bank, answers, the quorum's outcome, comment threads): what
changed since the previous version word by word, which answers to show first and which to
fold away, the open threads, each section's progress and the quorum in plain numbers. No
Flask, no database; the view loads, this decides, the template words it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from assessments import quorum
from assessments.bank import Bank, Question
from assessments.presentation import RULE_QUESTIONS, AnswerView, answer_text
from register.changes import word_diff

KEEP, REMOVED, ADDED = "keep", "del", "ins"


@dataclass(frozen=True)
class Word:
    op: str  # KEEP, REMOVED or ADDED
    text: str


def words(old: str, new: str) -> list[Word]:
    """`new` against `old`, word by word (the public register's version diff)."""
    ops = {"  ": KEEP, "- ": REMOVED, "+ ": ADDED}
    return [Word(ops[token[:2]], token[2:]) for token in word_diff(old, new) if token[:2] in ops]


def comparable_text(question: Question, value, lang: str) -> str:
    """An answer as one text to compare: a group as one line per row, its cells joined."""
    if question.type != "group":
        return answer_text(question, value, lang)
    lines = []
    for row in value if isinstance(value, list) else []:
        if isinstance(row, dict):
            cells = [answer_text(sub, row.get(sub.id), lang) for sub in question.questions]
            lines.append(" - ".join(cell for cell in cells if cell))
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class AnswerChange:
    question_id: str
    section_id: str
    kind: str  # added / removed / changed (review.diff_answers)
    shown: bool  # False: the question no longer applies, so the page has no answer for it
    words: list[Word]


def answer_changes(
    bank: Bank,
    changes: dict[str, str],
    previous_answers: dict,
    answers: dict,
    shown_ids: set[str],
    lang: str,
) -> list[AnswerChange]:
    """Every changed answer to a question of the bank, in the bank's order, with its words."""
    result = []
    for question in bank.questions:
        kind = changes.get(question.id)
        if not kind:
            continue
        old = comparable_text(question, previous_answers.get(question.id), lang)
        new = comparable_text(question, answers.get(question.id), lang)
        result.append(
            AnswerChange(
                question.id, question.section, kind, question.id in shown_ids, words(old, new)
            )
        )
    return result


def open_thread_counts(threads: dict[str, list]) -> dict[str, int]:
    """Per question id ('' for the assessment as a whole): threads nobody resolved yet."""
    counts = {}
    for question_id, items in threads.items():
        count = sum(1 for item in items if getattr(item, "resolved_at", None) is None)
        if count:
            counts[question_id] = count
    return counts


def reason_question_ids(risk: dict) -> set[str]:
    """The questions behind the risk level's reasons, rules and findings (linked from the
    summary and the risk panel, so they are never folded away)."""
    ids = set()
    for key in ("reasons", "rules", "findings"):
        for item in (risk or {}).get(key) or []:
            if not isinstance(item, dict):
                continue
            question_id = item.get("question")
            if question_id is None and key == "rules":
                question_id = RULE_QUESTIONS.get(str(item.get("id")))
            if isinstance(question_id, str):
                ids.add(question_id)
    return ids


@dataclass
class SectionPart:
    """One section of the review page: what to read first, and what can stay folded."""

    section: object
    first: list[AnswerView]  # changed answers first, then those with open threads or reasons
    folded: list[AnswerView]  # unchanged and nothing to look at: inside a closed <details>


def arrange(
    sections: Iterable[tuple[object, list[AnswerView]]],
    *,
    has_previous: bool,
    open_counts: dict[str, int],
    keep_open: set[str],
) -> list[SectionPart]:
    """Changed answers first in each section; unchanged ones folded, unless a thread is open
    on them or the risk level's reasons point at them. A first version folds nothing."""
    parts = []
    for section, views in sections:
        if not has_previous:
            parts.append(SectionPart(section, list(views), []))
            continue
        changed = [v for v in views if v.change]
        attention = [
            v
            for v in views
            if not v.change and (open_counts.get(v.question.id) or v.question.id in keep_open)
        ]
        rest = [v for v in views if not v.change and v not in attention]
        parts.append(SectionPart(section, changed + attention, rest))
    return parts


@dataclass(frozen=True)
class SectionLink:
    id: str
    title: str
    answered: int
    required: int
    changed: int
    open_threads: int

    @property
    def done(self) -> bool:
        return self.answered >= self.required


def section_links(
    progress: Iterable,
    parts: list[SectionPart],
    changes: list[AnswerChange],
    open_counts: dict[str, int],
) -> list[SectionLink]:
    """Each section on the page with its answered questions, changes and open threads."""
    on_page = {part.section.id: part for part in parts}
    links = []
    for item in progress:
        part = on_page.get(item.id)
        if part is None:
            continue
        question_ids = {v.question.id for v in part.first + part.folded}
        links.append(
            SectionLink(
                item.id,
                item.title,
                item.answered,
                item.required,
                sum(1 for c in changes if c.section_id == item.id),
                sum(open_counts.get(q, 0) for q in question_ids),
            )
        )
    return links


@dataclass(frozen=True)
class QuorumWords:
    """Where the sign-off stands, as numbers the page turns into a sentence."""

    still_needed: int  # members of the board whose approval is still missing
    total: int  # members who may decide on this version
    privacy_officer_missing: bool
    reached: bool


def quorum_words(outcome: quorum.Outcome, eligible_members: int) -> QuorumWords:
    still = max(0, outcome.board_needed - outcome.board_approvals)
    officer = outcome.privacy_officer_needed and not outcome.privacy_officer_approved
    return QuorumWords(still, eligible_members, officer, still == 0 and not officer)


@dataclass
class ReviewSummary:
    changes: list[AnswerChange] = field(default_factory=list)
    open_counts: dict[str, int] = field(default_factory=dict)
    parts: list[SectionPart] = field(default_factory=list)
    sections: list[SectionLink] = field(default_factory=list)
    quorum: QuorumWords | None = None

    @property
    def open_threads(self) -> int:
        return sum(self.open_counts.values())

    @property
    def changes_by_question(self) -> dict[str, AnswerChange]:
        return {c.question_id: c for c in self.changes}


def build(
    bank: Bank,
    sections: list[tuple[object, list[AnswerView]]],
    progress: Iterable,
    *,
    answers: dict,
    previous_answers: dict | None,
    changes: dict[str, str],
    threads: dict[str, list],
    risk: dict,
    outcome: quorum.Outcome,
    eligible_members: int,
    lang: str,
) -> ReviewSummary:
    shown_ids = {v.question.id for _section, views in sections for v in views}
    open_counts = open_thread_counts(threads)
    answer_list = (
        answer_changes(bank, changes, previous_answers, answers, shown_ids, lang)
        if previous_answers is not None
        else []
    )
    parts = arrange(
        sections,
        has_previous=previous_answers is not None,
        open_counts=open_counts,
        keep_open=reason_question_ids(risk),
    )
    return ReviewSummary(
        changes=answer_list,
        open_counts=open_counts,
        parts=parts,
        sections=section_links(progress, parts, answer_list, open_counts),
        quorum=quorum_words(outcome, eligible_members),
    )
