"""Answers as people read them: option labels instead of codes, groups as rows.

Shared by the review page, the diff and the PDF record, so each shows an answer the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessments.bank import Bank, Question
from assessments.conditions import shown_questions


def answer_text(question: Question, value, lang: str) -> str:
    if value is None or value == "" or value == []:
        return ""
    labels = {o.value: o.label.get(lang) or o.value for o in question.options}
    if isinstance(value, list):
        return ", ".join(labels.get(str(v), str(v)) for v in value)
    if isinstance(value, bool):
        return {"nl": "ja", "en": "yes"}[lang] if value else {"nl": "nee", "en": "no"}[lang]
    return labels.get(str(value), str(value))


@dataclass
class AnswerView:
    question: Question
    text: str  # scalar answers
    rows: list[list[str]]  # group answers: one list of cell texts per row
    headers: list[str]
    change: str = ""  # added / removed / changed against the previous version
    previous_text: str = ""  # the previous version's answer, for changed scalar answers


def section_answers(
    bank: Bank,
    answers: dict,
    lang: str,
    *,
    public_only: bool = False,
    changes: dict[str, str] | None = None,
    previous_answers: dict | None = None,
) -> list[tuple]:
    """[(section, [AnswerView, ...]), ...] for the questions that apply to these answers."""
    shown = {q.id for q in shown_questions(bank.questions, answers)}
    result = []
    for section in bank.sections:
        views = []
        for question in bank.questions:
            if question.section != section.id or question.id not in shown:
                continue
            if public_only and not question.public:
                continue
            value = answers.get(question.id)
            rows, headers = [], []
            if question.type == "group":
                headers = [sub.text[lang] for sub in question.questions]
                for row in value or []:
                    if isinstance(row, dict):
                        rows.append(
                            [answer_text(sub, row.get(sub.id), lang) for sub in question.questions]
                        )
                text = ""
            else:
                text = answer_text(question, value, lang)
            change = (changes or {}).get(question.id, "")
            previous = ""
            if change and question.type != "group" and previous_answers is not None:
                previous = answer_text(question, previous_answers.get(question.id), lang)
            views.append(AnswerView(question, text, rows, headers, change, previous))
        if views:
            result.append((section, views))
    return result


@dataclass
class SectionPage:
    """What one questionnaire section shows, given the answers (saved or as typed)."""

    questions: list[Question]  # every question of the section, in bank order
    shown_ids: set[str]  # those whose conditions hold; the others start hidden
    # Answers from other sections that conditions on this page may refer to.
    visible_elsewhere: dict


def section_page(bank: Bank, section_id: str, answers: dict) -> SectionPage:
    shown = shown_questions(bank.questions, answers)
    return SectionPage(
        questions=[q for q in bank.questions if q.section == section_id],
        shown_ids={q.id for q in shown},
        visible_elsewhere={
            q.id: answers[q.id] for q in shown if q.section != section_id and q.id in answers
        },
    )


def next_section_id(bank: Bank, section_id: str) -> str | None:
    """The section after `section_id`, or None after the last one."""
    ids = [s.id for s in bank.sections]
    position = ids.index(section_id)
    return ids[position + 1] if position + 1 < len(ids) else None
