"""Conditional display (show_if) on plain answers."""

import pytest

from assessments.conditions import holds, shown_questions
from tests.assessments.small_bank import small_bank


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        (None, {}, True),
        ({"question": "a", "operator": "equals", "value": "yes"}, {"a": "yes"}, True),
        ({"question": "a", "operator": "equals", "value": "yes"}, {"a": "no"}, False),
        ({"question": "a", "operator": "equals", "value": "yes"}, {}, False),
        ({"question": "m", "operator": "contains", "value": "x"}, {"m": ["x", "y"]}, True),
        ({"question": "m", "operator": "contains", "value": "z"}, {"m": ["x", "y"]}, False),
        ({"question": "a", "operator": "any", "value": ["yes", "unsure"]}, {"a": "unsure"}, True),
        ({"question": "m", "operator": "any", "value": ["z", "y"]}, {"m": ["x", "y"]}, True),
        ({"question": "m", "operator": "any", "value": ["z"]}, {"m": ["x"]}, False),
        ({"question": "m", "operator": "all", "value": ["x", "y"]}, {"m": ["x", "y", "z"]}, True),
        ({"question": "m", "operator": "all", "value": ["x", "q"]}, {"m": ["x", "y"]}, False),
        (
            {
                "all_of": [
                    {"question": "a", "operator": "equals", "value": "yes"},
                    {"question": "m", "operator": "contains", "value": "x"},
                ]
            },
            {"a": "yes", "m": ["x"]},
            True,
        ),
        (
            {
                "all_of": [
                    {"question": "a", "operator": "equals", "value": "yes"},
                    {"question": "m", "operator": "contains", "value": "x"},
                ]
            },
            {"a": "yes", "m": []},
            False,
        ),
        (
            {
                "any_of": [
                    {"question": "a", "operator": "equals", "value": "yes"},
                    {"question": "m", "operator": "contains", "value": "x"},
                ]
            },
            {"a": "no", "m": ["x"]},
            True,
        ),
    ],
)
def test_condition_operators(condition, answers, expected):
    assert holds(condition, answers) is expected


def test_follow_up_appears_only_when_its_condition_holds():
    bank = small_bank()
    ids = [q.id for q in shown_questions(bank.questions, {"core.risk_profiling": "no"})]
    assert "core.why" not in ids
    ids = [q.id for q in shown_questions(bank.questions, {"core.risk_profiling": "unsure"})]
    assert "core.why" in ids


def test_a_question_behind_a_hidden_question_is_hidden_too():
    from assessments.bank import Question

    first = Question("s.a", "yes_no_unsure", {"nl": "a", "en": "a"}, section="s")
    second = Question(
        "s.b",
        "yes_no_unsure",
        {"nl": "b", "en": "b"},
        section="s",
        show_if={"question": "s.a", "operator": "equals", "value": "yes"},
    )
    third = Question(
        "s.c",
        "text",
        {"nl": "c", "en": "c"},
        section="s",
        show_if={"question": "s.b", "operator": "equals", "value": "yes"},
    )
    stale = {"s.a": "no", "s.b": "yes"}  # s.b was answered before s.a changed
    assert [q.id for q in shown_questions([first, second, third], stale)] == ["s.a"]
