"""Group outcome analysis: selection rates per group against a reference group.

Pure computation on the counts the owner enters. A ratio outside 0.8-1.25 (the "four-fifths"
rule and its mirror) is flagged; Fisher's exact test (SciPy) says whether the difference with
the reference group could be chance.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from scipy.stats import fisher_exact

RATIO_LOW = 0.8
RATIO_HIGH = 1.25
SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class GroupResult:
    group: str
    in_scope: int
    selected: int
    reference: bool
    selection_rate: float
    ratio_to_reference: float | None
    flagged: bool
    p_value: float | None
    significant: bool

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class OutcomeAnalysis:
    rows: tuple[GroupResult, ...]
    problems: tuple[str, ...]  # why the analysis could not be done, in English ids

    @property
    def flagged_groups(self) -> list[str]:
        return [row.group for row in self.rows if row.flagged]

    def as_dict(self) -> dict:
        return {
            "rows": [row.as_dict() for row in self.rows],
            "flagged_groups": self.flagged_groups,
            "problems": list(self.problems),
        }


def row_problems(rows: list[dict]) -> dict[str, str]:
    """Problems per field path ("3.selected") plus "reference" for the table as a whole."""
    problems: dict[str, str] = {}
    for index, row in enumerate(rows):
        in_scope, selected = row.get("in_scope"), row.get("selected")
        if not isinstance(in_scope, int) or in_scope < 0:
            problems[f"{index}.in_scope"] = "in_scope must be a whole number of at least 0"
        if not isinstance(selected, int) or selected < 0:
            problems[f"{index}.selected"] = "selected must be a whole number of at least 0"
        elif isinstance(in_scope, int) and selected > in_scope:
            problems[f"{index}.selected"] = "selected cannot be more than in_scope"
    references = [row for row in rows if row.get("reference")]
    if rows and len(references) != 1:
        problems["reference"] = "mark exactly one group as the reference group"
    return problems


def analyse(rows: list[dict]) -> OutcomeAnalysis:
    if not rows:
        return OutcomeAnalysis((), ())
    if any(row.get("in_scope") is None or row.get("selected") is None for row in rows):
        return OutcomeAnalysis((), ("incomplete: every group needs in_scope and selected",))
    problems = row_problems(rows)
    if problems:
        return OutcomeAnalysis((), tuple(f"{k}: {v}" for k, v in problems.items()))
    reference = next(row for row in rows if row.get("reference"))
    ref_in, ref_sel = reference["in_scope"], reference["selected"]
    ref_rate = ref_sel / ref_in if ref_in else 0.0
    results = []
    for row in rows:
        in_scope, selected = row["in_scope"], row["selected"]
        rate = selected / in_scope if in_scope else 0.0
        is_reference = row is reference
        if is_reference:
            ratio, p_value = 1.0, None
        else:
            # No ratio when the reference group has no selections at all.
            ratio = rate / ref_rate if ref_rate else None
            _odds, p_value = fisher_exact(
                [[selected, in_scope - selected], [ref_sel, ref_in - ref_sel]],
                alternative="two-sided",
            )
            p_value = float(p_value)
        if is_reference:
            flagged = False
        elif ratio is None:
            flagged = rate > 0  # selected here, never in the reference group
        else:
            flagged = not (RATIO_LOW <= ratio <= RATIO_HIGH)
        results.append(
            GroupResult(
                group=str(row.get("group", "")),
                in_scope=in_scope,
                selected=selected,
                reference=is_reference,
                selection_rate=round(rate, 6),
                ratio_to_reference=None if ratio is None else round(ratio, 6),
                flagged=flagged,
                p_value=None if p_value is None else round(p_value, 6),
                significant=p_value is not None and p_value < SIGNIFICANCE,
            )
        )
    return OutcomeAnalysis(tuple(results), ())
