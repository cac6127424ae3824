"""Group outcomes (bank version 2) as the pages and the record show them: figures formatted
for the reader's language ("12,9%", "p < 0,001"), words translated, one chart per table.

Called while a page or record renders (Flask-Babel's locale); the statistics stay in
`assessments.outcomes`, the drawing in `assessments.charts`.
"""

from __future__ import annotations

from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _

from assessments.answers import GROUP_OUTCOMES
from assessments.bank import Bank, Question
from assessments.charts import ChartText, table_chart
from assessments.outcomes import (
    FLAG_EXTREMES,
    FLAG_HIT_RATE,
    FLAG_RATIO_TO_REST,
    MIN_EXPECTED_SELECTIONS,
    SIGNIFICANCE,
    TablesAnalysis,
    analyse_for,
)

DASH = "\u2013"


def percent(value: float | None) -> str:
    return DASH if value is None else format_percent(value, "#,##0.0%")


def ratio(value: float | None) -> str:
    return DASH if value is None else format_decimal(value, "#,##0.00")


def count(value: int | None) -> str:
    return DASH if value is None else format_decimal(value, "#,##0")


def p_value(value: float | None) -> str:
    """ "p < 0,001" below a thousandth, else three decimals ("p = 0,023")."""
    if value is None:
        return DASH
    if value < 0.001:
        return "p < " + format_decimal(0.001, "0.000")
    return "p = " + format_decimal(value, "0.000")


def _interval(low: float | None, high: float | None, fmt) -> str:
    if low is None or high is None:
        return DASH
    return f"{fmt(low)}{DASH}{fmt(high)}"


def _option_label(question: Question | None, sub_id: str, value: str | None, lang: str):
    if not value or question is None:
        return value
    sub = next((s for s in question.questions if s.id == sub_id), None)
    option = sub.option(value) if sub else None
    return (option.label.get(lang) or option.label.get("nl")) if option else value


def table_title(table: dict, question: Question | None, lang: str) -> str:
    if table["table"]:
        return table["table"]
    parts = [
        _option_label(question, "dimension", table["dimension"], lang),
        _option_label(question, "stage", table["stage"], lang),
    ]
    return ", ".join(p for p in parts if p) or _("Outcomes per group")


def _signal(row: dict) -> list[str]:
    reasons = row["flag_reasons"]
    words = []
    if row["insufficient_data"]:
        words.append(_("insufficient data"))
    if FLAG_RATIO_TO_REST in reasons:
        words.append(_("large difference with the rest"))
    if FLAG_EXTREMES in reasons:
        words.append(_("highest or lowest of a large gap"))
    if FLAG_HIT_RATE in reasons:
        words.append(_("selected more often, fewer hits"))
    if not words and not row["insufficient_data"]:
        words.append(_("no reliable large difference"))
    return words


def build(analysis, question: Question | None = None) -> dict | None:
    """The view of a version-2 analysis, or None for version 1 (its own partial)."""
    if not isinstance(analysis, TablesAnalysis):
        return None
    lang = str(get_locale() or "nl")
    data = analysis.as_dict()
    tables = []
    for index, table in enumerate(data["tables"]):
        title = table_title(table, question, lang)
        rows = []
        for row in table["rows"]:
            rows.append(
                {
                    "group": row["group"],
                    "in_scope": count(row["in_scope"]),
                    "selected": count(row["selected"]),
                    "rate": percent(row["selection_rate"]),
                    "rate_interval": _interval(row["rate_ci_low"], row["rate_ci_high"], percent),
                    "ratio_to_rest": ratio(row["ratio_to_rest"]),
                    "ratio_interval": _interval(row["ci_low"], row["ci_high"], ratio),
                    "p_value": p_value(row["p_value"]),
                    "p_adjusted": p_value(row["p_adjusted"]),
                    "hits": count(row["hits"]),
                    "hit_rate": percent(row["hit_rate"]),
                    "flagged": row["flagged"],
                    "insufficient": row["insufficient_data"],
                    "hit_signal": row["hit_signal"],
                    "signal": _signal(row),
                }
            )
        extremes = table["extremes"]
        chart = table_chart(
            table,
            ChartText(
                title=_("Selection rate per group: %(table)s", table=title),
                overall=_("Overall"),
                flagged=_("flagged"),
                insufficient=_("insufficient data"),
                interval=_("95%% interval %(low)s to %(high)s"),
                no_interval=_("no interval"),
                description=_(
                    "Bars show each group's selection rate, whiskers its %(level)s interval,"
                    " the dashed line the overall rate.",
                    level=format_percent(0.95),
                ),
            ),
            locale=lang,
            chart_id=f"outcome-chart-{index + 1}",
        )
        tables.append(
            {
                "title": title,
                "rows": rows,
                "with_hits": any(r["hits"] is not None for r in table["rows"]),
                "overall": percent(table["overall_rate"]),
                "in_scope": count(table["in_scope"]),
                "selected": count(table["selected"]),
                "extremes": None
                if extremes is None
                else {
                    "highest": extremes["highest"],
                    "lowest": extremes["lowest"],
                    "ratio": ratio(extremes["ratio"]),
                    "p_adjusted": p_value(extremes["p_adjusted"]),
                    "flagged": extremes["flagged"],
                },
                "chart": chart,
                "flagged": bool(table["flagged_groups"]),
            }
        )
    return {
        "tables": tables,
        "problems": data["problems"],
        "flagged_groups": data["flagged_groups"],
        "min_expected": MIN_EXPECTED_SELECTIONS,
        "alpha": format_decimal(SIGNIFICANCE, "0.00"),
    }


def page_context(bank: Bank, answers: dict) -> dict:
    """What a page needs to show an assessment's group outcomes: `outcomes` (the analysis its
    bank version asks for) and `outcome_view` (version 2's formatted view, else None)."""
    analysis = analyse_for(bank.version, answers.get(GROUP_OUTCOMES) or [])
    return {"outcomes": analysis, "outcome_view": build(analysis, bank.by_id.get(GROUP_OUTCOMES))}
