"""Conditional display: whether a question applies, given the answers so far. Pure."""

from __future__ import annotations

from collections.abc import Mapping


def _as_list(value) -> list:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]


def holds(condition: Mapping | None, answers: Mapping) -> bool:
    """True when the condition is met (a missing condition always holds)."""
    if not condition:
        return True
    if "all_of" in condition:
        return all(holds(part, answers) for part in condition["all_of"])
    if "any_of" in condition:
        return any(holds(part, answers) for part in condition["any_of"])
    answer = answers.get(condition["question"])
    given = _as_list(answer)
    expected = condition["value"]
    operator = condition["operator"]
    if operator == "equals":
        return answer == expected
    if operator == "contains":
        return expected in given
    wanted = _as_list(expected)
    if operator == "any":
        return any(value in given for value in wanted)
    if operator == "all":
        return all(value in given for value in wanted)
    raise ValueError(f"unknown operator {operator!r}")


def shown_questions(questions, answers: Mapping) -> list:
    """The questions that apply. A question whose condition refers to a hidden question is
    hidden too, so stale answers behind a changed choice never count."""
    shown, visible_answers = [], {}
    for question in questions:
        if holds(question.show_if, visible_answers):
            shown.append(question)
            if question.id in answers:
                visible_answers[question.id] = answers[question.id]
    return shown
