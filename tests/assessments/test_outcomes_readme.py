"""The README's worked example of the group statistics is the code's own output."""

import re

from assessments.outcomes import MIN_EXPECTED_SELECTIONS, analyse, analyse_tables
from portal import PROJECT_ROOT

NEIGHBOURHOODS = [
    {"group": "Wijk A", "in_scope": 5000, "selected": 645},
    {"group": "Wijk B (reference)", "in_scope": 5000, "selected": 560, "reference": True},
    {"group": "Wijk C", "in_scope": 5000, "selected": 500},
]
SMALL = [
    {"group": "A", "in_scope": 10, "selected": 3},
    {"group": "B", "in_scope": 10, "selected": 2, "reference": True},
]


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _p(value: float | None) -> str:
    return "-" if value is None else f"{value:.2g}"


def example_table(rows: list[dict]) -> str:
    table = analyse_tables(rows).tables[0]
    lines = [
        "| group | selected | rate (95% Wilson) | ratio to rest (95% CI) | p | p after Holm"
        " | flagged |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in table.rows:
        lines.append(
            f"| {r.group} | {r.selected} of {r.in_scope} | {r.selection_rate * 100:.1f}%"
            f" ({r.rate_ci_low * 100:.1f}-{r.rate_ci_high * 100:.1f}%)"
            f" | {_num(r.ratio_to_rest)} ({_num(r.ci_low)}-{_num(r.ci_high)})"
            f" | {_p(r.p_value)} | {_p(r.p_adjusted)} | {', '.join(r.flag_reasons) or 'no'} |"
        )
    e = table.extremes
    lines.append(
        f"| highest / lowest | {e.highest} / {e.lowest} | | {_num(e.ratio)} | {_p(e.p_value)}"
        f" | {_p(e.p_adjusted)} | {'yes' if e.flagged else 'no'} |"
    )
    return "\n".join(lines)


def _section() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Groepsuitkomsten: de statistiek")
    end = readme.index("\n#", start + 10)
    return readme[start:end]


def test_the_readme_table_is_the_code_output():
    section = _section()
    block = re.search(
        r"<!-- worked example: tests/assessments/test_outcomes_readme.py -->\n(.*?)\n\n",
        section,
        re.DOTALL,
    )
    assert block is not None
    assert block.group(1) == example_table(NEIGHBOURHOODS)


def test_the_readme_sentences_use_the_code_figures():
    section = " ".join(_section().split())
    v1 = {row.group: row for row in analyse(NEIGHBOURHOODS).rows}
    v2 = analyse_tables(NEIGHBOURHOODS)
    extremes = v2.tables[0].extremes
    assert (
        f"against the reference Wijk A is {v1['Wijk A'].ratio_to_reference:.2f} and Wijk C"
        f" {v1['Wijk C'].ratio_to_reference:.2f}" in section
    )
    assert v1["Wijk A"].flagged is False
    assert v1["Wijk C"].flagged is False
    assert f"a factor {extremes.ratio:.2f} (p = {_p(extremes.p_adjusted)} after Holm)" in section
    assert v2.flagged_groups == ["Wijk A", "Wijk C"]
    small = analyse_tables(SMALL).rows[0]
    assert f"{small.expected_selected} expected selections" in section
    assert f"fewer than {MIN_EXPECTED_SELECTIONS} expected selections" in section
    assert small.insufficient_data is True
    assert analyse(SMALL).flagged_groups == ["A"]
