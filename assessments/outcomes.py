"""Group outcome analysis: selection rates per group.

Pure computation on the counts the owner enters. Bank version 1 (`analyse`): each group
against one reference group; a ratio outside 0.8-1.25 (the "four-fifths" rule and its mirror)
is flagged, and Fisher's exact test (SciPy) says whether the difference could be chance.
Bank version 2 (`analyse_tables`): tables per dimension and stage, each group against the rest
of its table and the highest against the lowest group, Holm-corrected, with a minimum size
below which a group is "insufficient data" (see the README, "Groepsuitkomsten: de statistiek").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

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
    version: int = 1

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
            p_value = _fisher(selected, in_scope, ref_sel, ref_in)
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


# ---------------------------------------------------------------- bank 2: tables of groups
#
# Version 2 compares every group with the rest of its table (all other groups together), so
# the choice of a reference group can no longer hide a gap, and adds the ratio between the
# highest and the lowest selection rate. All tests of one table are corrected together
# (Holm). A group too small to say anything is "insufficient data": never flagged, never
# counted as clean.

# A group (or the rest of its table) with fewer expected selections than this, at the
# table's overall selection rate, is too small to compare: "insufficient data".
MIN_EXPECTED_SELECTIONS = 5
# The same rule for the hits column: expected hits among the selected, at the table's
# overall hit rate.
MIN_EXPECTED_HITS = 5
CONFIDENCE = 0.95
COUNT_FIELDS = ("in_scope", "selected", "hits")

FLAG_RATIO_TO_REST = "ratio_to_rest"
FLAG_EXTREMES = "extremes"
FLAG_HIT_RATE = "hit_rate"
FLAG_REASONS = (FLAG_RATIO_TO_REST, FLAG_EXTREMES, FLAG_HIT_RATE)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values (Holm 1979), in the order given.

    Sorted ascending, the i-th smallest of m p-values (i from 0) is multiplied by (m - i);
    each adjusted value is at least the one before it and at most 1. A handful of lines, so
    no statistics package is added for it; tests check it against worked values.
    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [1.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _finite(value) -> float | None:
    value = float(value)
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _rounded(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


# SciPy is imported where it is used: its import takes a second, which every process (each
# command, each worker) would pay at start-up, though only outcome analyses need it.
def _fisher(a: int, a_total: int, b: int, b_total: int) -> float:
    from scipy.stats import fisher_exact

    _odds, p_value = fisher_exact([[a, a_total - a], [b, b_total - b]], alternative="two-sided")
    return float(p_value)


def _rate_interval(selected: int, in_scope: int) -> tuple[float | None, float | None]:
    """Wilson score interval of one group's selection rate (the chart's whiskers)."""
    if in_scope <= 0:
        return None, None
    from scipy.stats import binomtest

    interval = binomtest(selected, in_scope).proportion_ci(CONFIDENCE, method="wilson")
    return _finite(interval.low), _finite(interval.high)


def _ratio_interval(a: int, a_total: int, b: int, b_total: int):
    """Risk ratio a/a_total : b/b_total with its 95% interval (SciPy's relative_risk, the
    log method of Katz). None where a figure is undefined or infinite."""
    if a_total <= 0 or b_total <= 0 or b == 0:
        return None, None, None
    from scipy.stats.contingency import relative_risk

    result = relative_risk(a, a_total, b, b_total)
    interval = result.confidence_interval(CONFIDENCE)
    return _finite(result.relative_risk), _finite(interval.low), _finite(interval.high)


def _outside_band(ratio: float | None, numerator_positive: bool) -> bool:
    """Whether a ratio is large: outside 0.8-1.25. An undefined ratio (nothing selected in
    the denominator) is large when the numerator has selections."""
    if ratio is None:
        return numerator_positive
    return not (RATIO_LOW <= ratio <= RATIO_HIGH)


@dataclass(frozen=True)
class TableGroupResult:
    group: str
    table: str
    dimension: str | None
    stage: str | None
    in_scope: int
    selected: int
    hits: int | None
    reference: bool  # as entered; version 2 does not depend on it
    selection_rate: float | None
    rate_ci_low: float | None
    rate_ci_high: float | None
    expected_selected: float
    rest_in_scope: int
    rest_selected: int
    rest_rate: float | None
    ratio_to_rest: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    significant: bool
    insufficient_data: bool
    hit_rate: float | None
    rest_hit_rate: float | None
    hit_ratio_to_rest: float | None
    hit_p_value: float | None
    hit_p_adjusted: float | None
    hit_insufficient_data: bool
    hit_signal: bool
    flag_reasons: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.flag_reasons)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["flag_reasons"] = list(self.flag_reasons)
        data["flagged"] = self.flagged
        return data


@dataclass(frozen=True)
class Extremes:
    highest: str
    lowest: str
    ratio: float | None  # highest rate / lowest rate; None when the lowest is 0
    p_value: float
    p_adjusted: float
    significant: bool
    flagged: bool

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TableResult:
    table: str  # the name entered, or "" when rows are grouped by dimension and stage
    dimension: str | None
    stage: str | None
    in_scope: int
    selected: int
    overall_rate: float | None
    rows: tuple[TableGroupResult, ...]
    extremes: Extremes | None
    problems: tuple[str, ...]

    @property
    def flagged_groups(self) -> list[str]:
        return [row.group for row in self.rows if row.flagged]

    @property
    def insufficient_groups(self) -> list[str]:
        return [row.group for row in self.rows if row.insufficient_data]

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "dimension": self.dimension,
            "stage": self.stage,
            "in_scope": self.in_scope,
            "selected": self.selected,
            "overall_rate": self.overall_rate,
            "rows": [row.as_dict() for row in self.rows],
            "extremes": self.extremes.as_dict() if self.extremes else None,
            "flagged_groups": self.flagged_groups,
            "insufficient_groups": self.insufficient_groups,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class TablesAnalysis:
    tables: tuple[TableResult, ...]
    problems: tuple[str, ...]
    version: int = 2

    @property
    def rows(self) -> tuple[TableGroupResult, ...]:
        return tuple(row for table in self.tables for row in table.rows)

    @property
    def flagged_groups(self) -> list[str]:
        return list(dict.fromkeys(row.group for row in self.rows if row.flagged))

    @property
    def insufficient_groups(self) -> list[str]:
        """Groups too small to compare: neither flagged nor clean."""
        return list(dict.fromkeys(row.group for row in self.rows if row.insufficient_data))

    def as_dict(self) -> dict:
        return {
            "method": "rest_of_table_holm",
            "rows": [row.as_dict() for row in self.rows],
            "flagged_groups": self.flagged_groups,
            "insufficient_groups": self.insufficient_groups,
            "problems": list(self.problems),
            "tables": [table.as_dict() for table in self.tables],
            "min_expected_selections": MIN_EXPECTED_SELECTIONS,
            "confidence": CONFIDENCE,
            "alpha": SIGNIFICANCE,
            "ratio_band": [RATIO_LOW, RATIO_HIGH],
        }


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def table_key(row: dict) -> tuple[str, str, str]:
    """Rows with the same table name form one table; without a name, the same dimension and
    stage do."""
    name = _text(row.get("table"))
    if name:
        return (name, "", "")
    return ("", _text(row.get("dimension")) or "", _text(row.get("stage")) or "")


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def table_row_problems(rows: list[dict]) -> dict[str, str]:
    """Problems per field path ("3.selected", "3.hits", "3.group") of version-2 rows, in
    English ids; a reference group is not needed."""
    problems: dict[str, str] = {}
    seen: dict[tuple, set[str]] = {}
    for index, row in enumerate(rows):
        in_scope, selected, hits = row.get("in_scope"), row.get("selected"), row.get("hits")
        if not _is_count(in_scope):
            problems[f"{index}.in_scope"] = "in_scope must be a whole number of at least 0"
        if not _is_count(selected):
            problems[f"{index}.selected"] = "selected must be a whole number of at least 0"
        elif _is_count(in_scope) and selected > in_scope:
            problems[f"{index}.selected"] = "selected cannot be more than in_scope"
        if hits is not None:
            if not _is_count(hits):
                problems[f"{index}.hits"] = "hits must be a whole number of at least 0"
            elif _is_count(selected) and hits > selected:
                problems[f"{index}.hits"] = "hits cannot be more than selected"
        name = (_text(row.get("group")) or "").casefold()
        names = seen.setdefault(table_key(row), set())
        if name and name in names:
            problems[f"{index}.group"] = "each group appears once in a table"
        names.add(name)
    return problems


def _analyse_table(key: tuple[str, str, str], rows: list[dict]) -> TableResult:
    name = key[0]
    dimension = next((_text(r.get("dimension")) for r in rows if _text(r.get("dimension"))), None)
    stage = next((_text(r.get("stage")) for r in rows if _text(r.get("stage"))), None)
    total_in = sum(r["in_scope"] for r in rows)
    total_sel = sum(r["selected"] for r in rows)
    overall = total_sel / total_in if total_in else None
    with_hits = all(r.get("hits") is not None for r in rows)
    total_hits = sum(r["hits"] for r in rows) if with_hits else 0
    overall_hit = total_hits / total_sel if with_hits and total_sel else None

    figures = []
    for row in rows:
        n, k = row["in_scope"], row["selected"]
        rest_n, rest_k = total_in - n, total_sel - k
        expected = n * (overall or 0.0)
        rest_expected = rest_n * (overall or 0.0)
        insufficient = (
            n == 0
            or rest_n == 0
            or expected < MIN_EXPECTED_SELECTIONS
            or rest_expected < MIN_EXPECTED_SELECTIONS
        )
        ratio, ci_low, ci_high = _ratio_interval(k, n, rest_k, rest_n)
        p_value = _fisher(k, n, rest_k, rest_n) if n and rest_n else None
        hit = rest_hit = hit_ratio = hit_p = None
        hit_insufficient = True
        if row.get("hits") is not None and k:
            hit = row["hits"] / k
        if with_hits and k and rest_k:
            h, rest_h = row["hits"], total_hits - row["hits"]
            rest_hit = rest_h / rest_k
            hit_ratio = hit / rest_hit if rest_hit else None
            hit_p = _fisher(h, k, rest_h, rest_k)
            hit_insufficient = (
                k * (overall_hit or 0.0) < MIN_EXPECTED_HITS
                or rest_k * (overall_hit or 0.0) < MIN_EXPECTED_HITS
            )
        figures.append(
            {
                "row": row,
                "rate": k / n if n else None,
                "expected": expected,
                "rest": (rest_n, rest_k),
                "ratio": (ratio, ci_low, ci_high),
                "p": p_value,
                "insufficient": insufficient,
                "hit": (hit, rest_hit, hit_ratio, hit_p, hit_insufficient),
            }
        )

    # One family of tests per table: each sufficient group against the rest, and the
    # highest against the lowest sufficient group.
    testable = [f for f in figures if not f["insufficient"] and f["p"] is not None]
    extremes_pair = None
    if len(testable) >= 2:
        highest = max(testable, key=lambda f: f["rate"])
        lowest = min(testable, key=lambda f: f["rate"])
        if highest is not lowest:
            hi, lo = highest["row"], lowest["row"]
            extremes_pair = (
                highest,
                lowest,
                _fisher(hi["selected"], hi["in_scope"], lo["selected"], lo["in_scope"]),
            )
    family = [f["p"] for f in testable] + ([extremes_pair[2]] if extremes_pair else [])
    adjusted = holm(family)
    for f, p_adj in zip(testable, adjusted, strict=False):
        f["p_adjusted"] = p_adj
    extremes = None
    if extremes_pair:
        highest, lowest, p_value = extremes_pair
        p_adj = adjusted[-1]
        ratio = highest["rate"] / lowest["rate"] if lowest["rate"] else None
        significant = p_adj < SIGNIFICANCE
        flagged = significant and _outside_band(ratio, highest["rate"] > 0)
        extremes = Extremes(
            highest=str(highest["row"].get("group") or ""),
            lowest=str(lowest["row"].get("group") or ""),
            ratio=_rounded(ratio),
            p_value=p_value,
            p_adjusted=p_adj,
            significant=significant,
            flagged=flagged,
        )
        if flagged:
            highest["extreme"] = lowest["extreme"] = True

    # The hits column: its own family of tests, one per group with enough hits expected.
    hit_testable = [f for f in figures if not f["hit"][4]]
    for f, p_adj in zip(hit_testable, holm([f["hit"][3] for f in hit_testable]), strict=True):
        f["hit_p_adjusted"] = p_adj

    results = []
    for f in figures:
        row = f["row"]
        ratio, ci_low, ci_high = f["ratio"]
        hit, rest_hit, hit_ratio, hit_p, hit_insufficient = f["hit"]
        p_adj = f.get("p_adjusted")
        significant = p_adj is not None and p_adj < SIGNIFICANCE
        reasons = []
        if not f["insufficient"]:
            if significant and _outside_band(ratio, row["selected"] > 0):
                reasons.append(FLAG_RATIO_TO_REST)
            if f.get("extreme"):
                reasons.append(FLAG_EXTREMES)
        hit_p_adj = f.get("hit_p_adjusted")
        # Selected reliably more often than the rest, yet reliably fewer hits per selection:
        # the classic sign that the selection, not the behaviour, differs.
        selected_more = significant and (ratio is None or ratio > 1)
        hit_signal = (
            selected_more
            and hit_p_adj is not None
            and hit_p_adj < SIGNIFICANCE
            and hit_ratio is not None
            and hit_ratio < 1
        )
        if hit_signal:
            reasons.append(FLAG_HIT_RATE)
        rate_low, rate_high = _rate_interval(row["selected"], row["in_scope"])
        results.append(
            TableGroupResult(
                group=str(row.get("group") or ""),
                table=name,
                dimension=_text(row.get("dimension")),
                stage=_text(row.get("stage")),
                in_scope=row["in_scope"],
                selected=row["selected"],
                hits=row.get("hits"),
                reference=bool(row.get("reference")),
                selection_rate=_rounded(f["rate"]),
                rate_ci_low=_rounded(rate_low),
                rate_ci_high=_rounded(rate_high),
                expected_selected=round(f["expected"], 3),
                rest_in_scope=f["rest"][0],
                rest_selected=f["rest"][1],
                rest_rate=_rounded(f["rest"][1] / f["rest"][0]) if f["rest"][0] else None,
                ratio_to_rest=_rounded(ratio),
                ci_low=_rounded(ci_low),
                ci_high=_rounded(ci_high),
                p_value=f["p"],
                p_adjusted=p_adj,
                significant=significant,
                insufficient_data=f["insufficient"],
                hit_rate=_rounded(hit),
                rest_hit_rate=_rounded(rest_hit),
                hit_ratio_to_rest=_rounded(hit_ratio),
                hit_p_value=hit_p,
                hit_p_adjusted=hit_p_adj,
                hit_insufficient_data=hit_insufficient,
                hit_signal=hit_signal,
                flag_reasons=tuple(reasons),
            )
        )
    return TableResult(
        table=name,
        dimension=dimension,
        stage=stage,
        in_scope=total_in,
        selected=total_sel,
        overall_rate=_rounded(overall),
        rows=tuple(results),
        extremes=extremes,
        problems=(),
    )


def analyse_tables(rows: list[dict]) -> TablesAnalysis:
    """Version 2: rows grouped into tables, each group against the rest of its table."""
    if not rows:
        return TablesAnalysis((), ())
    problems = table_row_problems(rows)
    grouped: dict[tuple[str, str, str], list[tuple[int, dict]]] = {}
    for index, row in enumerate(rows):
        grouped.setdefault(table_key(row), []).append((index, row))
    tables, notes = [], []
    for key, members in grouped.items():
        label = key[0] or " / ".join(part for part in key[1:] if part) or "-"
        incomplete = [
            i for i, r in members if r.get("in_scope") is None or r.get("selected") is None
        ]
        wrong = [k for k in problems if int(k.split(".")[0]) in {i for i, _r in members}]
        if incomplete:
            notes.append(f"{label}: incomplete: every group needs in_scope and selected")
        elif wrong:
            notes.extend(f"{k}: {problems[k]}" for k in wrong)
        else:
            tables.append(_analyse_table(key, [r for _i, r in members]))
    return TablesAnalysis(tuple(tables), tuple(notes))


def analyse_for(bank_version: int, rows: list[dict]) -> OutcomeAnalysis | TablesAnalysis:
    """The analysis an assessment's bank asks for: version 1 against the reference group,
    version 2 per table against the rest."""
    return analyse_tables(rows) if bank_version >= 2 else analyse(rows)
