"""Bank 2 group outcomes: each group against the rest of its table, extremes, Holm, the
minimum size and the hits column, against values worked out by hand."""

import math

import pytest

from assessments.outcomes import (
    FLAG_EXTREMES,
    FLAG_HIT_RATE,
    FLAG_RATIO_TO_REST,
    MIN_EXPECTED_SELECTIONS,
    analyse,
    analyse_for,
    analyse_tables,
    holm,
    table_row_problems,
)


def rows(*items, **common):
    keys = ("group", "in_scope", "selected", "hits")
    return [dict(zip(keys, item, strict=False)) | common for item in items]


NEIGHBOURHOODS = [
    {"group": "Wijk A", "in_scope": 5000, "selected": 645},  # 12.9%
    {"group": "Wijk B", "in_scope": 5000, "selected": 560, "reference": True},  # 11.2%
    {"group": "Wijk C", "in_scope": 5000, "selected": 500},  # 10.0%
]


def test_three_neighbourhoods_are_flagged_through_their_extremes():
    # The example: against the reference (11.2%) both ratios sit inside 0.8-1.25
    # (1.15 and 0.89), so version 1 flags nothing, though the extremes differ by 29%.
    assert analyse(NEIGHBOURHOODS).flagged_groups == []
    analysis = analyse_tables(NEIGHBOURHOODS)
    table = analysis.tables[0]
    assert table.extremes.highest == "Wijk A"
    assert table.extremes.lowest == "Wijk C"
    assert table.extremes.ratio == pytest.approx(1.29)
    assert table.extremes.p_adjusted < 0.001
    assert analysis.flagged_groups == ["Wijk A", "Wijk C"]
    by_group = {row.group: row for row in analysis.rows}
    # Against the rest alone neither is large: 12.9% / 10.6% and 10.0% / 12.05%.
    assert by_group["Wijk A"].ratio_to_rest == pytest.approx(0.129 / 0.106, abs=1e-6)
    assert by_group["Wijk C"].ratio_to_rest == pytest.approx(0.100 / 0.1205, abs=1e-6)
    assert by_group["Wijk A"].flag_reasons == (FLAG_EXTREMES,)
    assert by_group["Wijk B"].flagged is False
    assert by_group["Wijk B"].insufficient_data is False


def test_ratio_interval_is_katz_log_interval():
    # 95% interval of a risk ratio: exp(ln RR +- 1.96 * sqrt(1/a - 1/n1 + 1/c - 1/n2)).
    row = analyse_tables(NEIGHBOURHOODS).rows[0]
    a, n1, c, n2 = 645, 5000, 1060, 10000
    rr = (a / n1) / (c / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    assert row.ci_low == pytest.approx(rr * math.exp(-1.959964 * se), abs=1e-5)
    assert row.ci_high == pytest.approx(rr * math.exp(1.959964 * se), abs=1e-5)


def test_rate_interval_is_wilson():
    # Wilson score interval for 645 of 5000, worked out from its formula.
    p, n, z = 645 / 5000, 5000, 1.959964
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    row = analyse_tables(NEIGHBOURHOODS).rows[0]
    assert row.rate_ci_low == pytest.approx(centre - half, abs=1e-5)
    assert row.rate_ci_high == pytest.approx(centre + half, abs=1e-5)


def test_small_groups_are_insufficient_data_never_flagged():
    # 3 of 10 against 2 of 10: version 1 flags it (ratio 1.5), p = 1.0.
    small = rows(("A", 10, 3), ("B", 10, 2))
    assert analyse([small[0] | {"reference": False}, small[1] | {"reference": True}]).flagged_groups
    analysis = analyse_tables(small)
    assert analysis.flagged_groups == []
    assert all(row.insufficient_data for row in analysis.rows)
    assert analysis.insufficient_groups == ["A", "B"]
    assert all(row.p_adjusted is None for row in analysis.rows)
    assert analysis.tables[0].extremes is None
    assert analysis.rows[0].expected_selected == 2.5 < MIN_EXPECTED_SELECTIONS


def test_a_big_group_beside_a_tiny_rest_is_insufficient_too():
    analysis = analyse_tables(rows(("Groot", 1000, 100), ("Klein", 20, 0)))
    assert [row.insufficient_data for row in analysis.rows] == [True, True]
    assert analysis.flagged_groups == []


def test_the_minimum_is_five_expected_selections():
    # Overall rate 10%: 50 in scope expects 5 (enough), 40 expects 4 (not).
    analysis = analyse_tables(rows(("Net", 50, 5), ("Te klein", 40, 4), ("Rest", 910, 91)))
    by_group = {row.group: row for row in analysis.rows}
    assert by_group["Net"].insufficient_data is False
    assert by_group["Te klein"].insufficient_data is True


def test_the_reference_no_longer_matters():
    moved = [dict(row, reference=row["group"] == "Wijk A") for row in NEIGHBOURHOODS]
    assert analyse_tables(moved).flagged_groups == analyse_tables(NEIGHBOURHOODS).flagged_groups
    stripped = [{k: v for k, v in row.items() if k != "reference"} for row in NEIGHBOURHOODS]
    assert analyse_tables(stripped).flagged_groups == ["Wijk A", "Wijk C"]


def test_a_large_reliable_gap_to_the_rest_is_flagged():
    analysis = analyse_tables(rows(("Hoog", 2000, 400), ("B", 2000, 200), ("C", 2000, 200)))
    high = analysis.rows[0]
    assert high.ratio_to_rest == pytest.approx(2.0)
    assert high.p_adjusted < 0.001
    assert FLAG_RATIO_TO_REST in high.flag_reasons
    assert FLAG_EXTREMES in high.flag_reasons


def test_large_but_not_reliable_is_not_flagged():
    # 12 of 60 against 8 of 60 and 8 of 60: a ratio of 1.5, but chance explains it.
    analysis = analyse_tables(rows(("A", 60, 12), ("B", 60, 8), ("C", 60, 8)))
    assert all(not row.insufficient_data for row in analysis.rows)
    assert analysis.rows[0].ratio_to_rest == pytest.approx(1.5)
    assert analysis.flagged_groups == []


def test_reliable_but_small_is_not_flagged():
    # 10.5% against 10% on a million each: reliable, but inside 0.8-1.25.
    analysis = analyse_tables(rows(("A", 10**6, 105000), ("B", 10**6, 100000)))
    assert analysis.rows[0].p_adjusted < 0.001
    assert analysis.flagged_groups == []


def test_holm_correction_is_applied_per_table():
    # Three groups against the rest and the extremes: one family of four tests.
    table = analyse_tables(NEIGHBOURHOODS).tables[0]
    family = [row.p_value for row in table.rows] + [table.extremes.p_value]
    assert [row.p_adjusted for row in table.rows] + [table.extremes.p_adjusted] == holm(family)
    # The smallest p-value (the extremes) is multiplied by the number of tests.
    assert table.extremes.p_adjusted == pytest.approx(4 * table.extremes.p_value)


@pytest.mark.parametrize(
    ("p_values", "adjusted"),
    [
        # Worked by hand: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1, kept monotone.
        ([0.01, 0.04, 0.03, 0.005], [0.03, 0.06, 0.06, 0.02]),
        ([0.5], [0.5]),
        ([0.3, 0.4], [0.6, 0.6]),
        ([0.001, 0.9, 0.02], [0.003, 0.9, 0.04]),
        ([], []),
    ],
)
def test_holm_against_worked_values(p_values, adjusted):
    assert holm(p_values) == pytest.approx(adjusted)


def test_tables_are_formed_by_name_or_by_dimension_and_stage():
    data = (
        rows(("Noord", 5000, 645), ("Zuid", 5000, 500), table="Wijk, selectie")
        + rows(("Jong", 1000, 100), ("Oud", 1000, 100), dimension="age_band", stage="selection")
        + rows(("Jong", 100, 50), ("Oud", 100, 50), dimension="age_band", stage="finding")
    )
    analysis = analyse_tables(data)
    assert [(t.table, t.dimension, t.stage, len(t.rows)) for t in analysis.tables] == [
        ("Wijk, selectie", None, None, 2),
        ("", "age_band", "selection", 2),
        ("", "age_band", "finding", 2),
    ]
    # Each group is compared within its own table only.
    assert analysis.tables[1].rows[0].rest_in_scope == 1000
    assert analysis.flagged_groups == ["Noord", "Zuid"]


def test_a_group_selected_more_with_fewer_hits_is_a_sign_of_biased_selection():
    analysis = analyse_tables(
        rows(("Wijk A", 2000, 400, 40), ("Wijk B", 2000, 200, 60), ("Wijk C", 2000, 200, 60))
    )
    a, b = analysis.rows[0], analysis.rows[1]
    assert a.hit_rate == pytest.approx(0.1)
    assert a.rest_hit_rate == pytest.approx(0.3)
    assert a.hit_signal is True
    assert FLAG_HIT_RATE in a.flag_reasons
    assert b.hit_signal is False  # selected less: a higher hit rate is no sign of bias
    assert b.hit_rate == pytest.approx(0.3)


def test_hit_signal_needs_a_reliable_difference():
    analysis = analyse_tables(
        rows(("Wijk A", 2000, 400, 38), ("Wijk B", 2000, 200, 20), ("Wijk C", 2000, 200, 20))
    )
    assert analysis.rows[0].hit_rate == pytest.approx(0.095)
    assert analysis.rows[0].hit_signal is False
    assert FLAG_HIT_RATE not in analysis.rows[0].flag_reasons


def test_hits_shown_per_group_even_when_not_every_group_has_them():
    analysis = analyse_tables(rows(("A", 1000, 100, 10), ("B", 1000, 100)))
    assert analysis.rows[0].hit_rate == pytest.approx(0.1)
    assert analysis.rows[1].hit_rate is None
    assert all(row.hit_signal is False for row in analysis.rows)


def test_nothing_selected_in_the_rest():
    analysis = analyse_tables(rows(("A", 1000, 50), ("B", 1000, 0)))
    a, b = analysis.rows
    assert a.ratio_to_rest is None
    assert a.ci_low is None
    assert a.flagged is True
    assert b.ratio_to_rest == 0.0
    assert b.flagged is True
    assert analysis.tables[0].extremes.ratio is None


def test_a_single_group_cannot_be_compared():
    analysis = analyse_tables(rows(("Alleen", 1000, 100)))
    assert analysis.rows[0].insufficient_data is True
    assert analysis.flagged_groups == []


def test_incomplete_or_wrong_tables_are_left_out_with_a_reason():
    data = (
        rows(("A", 100, 10), ("B", None, 5), table="Half")
        + rows(("C", 100, 10), ("D", 100, 200), table="Fout")
        + rows(("E", 5000, 645), ("F", 5000, 500), table="Goed")
    )
    analysis = analyse_tables(data)
    assert [t.table for t in analysis.tables] == ["Goed"]
    assert any(p.startswith("Half: incomplete") for p in analysis.problems)
    assert any(p.startswith("3.selected") for p in analysis.problems)


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        (rows(("A", 100, 10, 11)), "0.hits"),
        (rows(("A", 100, 10, -1)), "0.hits"),
        (rows(("A", 100, 101)), "0.selected"),
        (rows(("A", 100, 10), ("a", 100, 10)), "1.group"),
        (rows(("A", 1.5, 1)), "0.in_scope"),
    ],
)
def test_bad_rows_are_explained(table, problem):
    assert problem in table_row_problems(table)


def test_no_reference_is_needed_and_the_same_name_may_be_in_two_tables():
    data = rows(("A", 100, 10), table="Een") + rows(("A", 100, 10), table="Twee")
    assert table_row_problems(data) == {}


def test_the_bank_version_chooses_the_analysis():
    assert analyse_for(1, NEIGHBOURHOODS).as_dict() == analyse(NEIGHBOURHOODS).as_dict()
    assert analyse_for(2, NEIGHBOURHOODS).as_dict() == analyse_tables(NEIGHBOURHOODS).as_dict()
    v2 = analyse_for(2, NEIGHBOURHOODS).as_dict()
    assert {"rows", "flagged_groups", "problems", "tables"} <= set(v2)
    assert {
        "group",
        "flagged",
        "ratio_to_rest",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adjusted",
        "insufficient_data",
        "hit_rate",
        "table",
        "dimension",
        "stage",
    } <= set(v2["rows"][0])
    assert "extremes" in v2["tables"][0]
