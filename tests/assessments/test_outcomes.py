"""Group outcome analysis against values worked out by hand."""

import pytest

from assessments.outcomes import analyse, row_problems


def rows(*items):
    return [
        dict(zip(("group", "in_scope", "selected", "reference"), item, strict=True))
        for item in items
    ]


def test_rates_ratios_and_flags():
    analysis = analyse(
        rows(
            ("Referentie", 1000, 60, True),  # 6%
            ("Groep A", 1200, 90, False),  # 7.5% / 6% = 1.25: on the edge, not flagged
            ("Groep B", 1000, 50, False),  # 5% / 6% = 0.8333
            ("Groep C", 1000, 40, False),  # 4% / 6% = 0.6667: flagged
            ("Groep D", 500, 45, False),  # 9% / 6% = 1.5: flagged
        )
    )
    by_group = {row.group: row for row in analysis.rows}
    assert by_group["Referentie"].ratio_to_reference == 1.0
    assert by_group["Groep A"].selection_rate == 0.075
    assert by_group["Groep A"].ratio_to_reference == pytest.approx(1.25)
    assert by_group["Groep B"].ratio_to_reference == pytest.approx(0.833333, abs=1e-6)
    assert analysis.flagged_groups == ["Groep C", "Groep D"]


def test_fisher_exact_p_value_matches_the_textbook_example():
    # Fisher's tea-tasting table [[3, 1], [1, 3]]: two-sided p = 34/70 = 0.485714.
    analysis = analyse(rows(("Referentie", 4, 1, True), ("Proef", 4, 3, False)))
    trial = analysis.rows[1]
    assert trial.p_value == pytest.approx(0.485714, abs=1e-6)
    assert trial.significant is False
    big = analyse(rows(("Ref", 10000, 500, True), ("Wijk", 1000, 100, False))).rows[1]
    assert big.p_value < 0.001
    assert big.significant is True


def test_reference_without_selections():
    analysis = analyse(rows(("Ref", 100, 0, True), ("A", 100, 5, False), ("B", 100, 0, False)))
    a, b = analysis.rows[1], analysis.rows[2]
    assert a.ratio_to_reference is None
    assert a.flagged is True
    assert b.ratio_to_reference is None
    assert b.flagged is False


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        (rows(("Ref", 100, 10, True), ("A", 10, 20, False)), "1.selected"),
        (rows(("Ref", 100, -1, True)), "0.selected"),
        (rows(("Ref", -5, 0, True)), "0.in_scope"),
        (rows(("A", 100, 10, False), ("B", 100, 10, False)), "reference"),
        (rows(("A", 100, 10, True), ("B", 100, 10, True)), "reference"),
    ],
)
def test_bad_counts_are_explained(table, problem):
    assert problem in row_problems(table)
    analysis = analyse(table)
    assert analysis.rows == ()
    assert any(p.startswith(problem) for p in analysis.problems)
