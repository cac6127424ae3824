"""Server-rendered SVG charts of group outcomes: data in, an SVG string out.

One chart per table (bank version 2): each group's selection rate as a bar, its 95% Wilson
interval as a whisker, and the table's overall rate as a dashed line. No JavaScript; the
same markup is shown on the pages and drawn by WeasyPrint in the internal record.

Accessible: `role="img"` with a <title> and a <desc> that lists every figure, so a screen
reader (and the PDF's text layer) has the chart as text. Colours keep a contrast of at least
4.5:1 with white for text and 3:1 for shapes (WCAG 1.4.3 and 1.4.11). Colour is never the
only sign: a flagged group's bar is hatched and labelled, a group with too little data has a
dashed outline and says so.

Words come in as arguments (the caller translates them), numbers are formatted for `locale`
with Babel. Every piece of text passes through markupsafe's escape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from babel.numbers import format_percent
from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 170  # group names, left of the bars
VALUE_WIDTH = 150  # the figure and its label, right of the scale
TOP = 12
ROW_HEIGHT = 30
BAR_HEIGHT = 16
AXIS_HEIGHT = 28
LEGEND_HEIGHT = 24
MAX_LABEL_CHARS = 26

# Contrast with white (#ffffff): text and lines #1a1a1a 17.4:1, bars #1d4f91 8.4:1, the
# flagged hatching #a3171f 7.4:1, the insufficient outline #595959 7.0:1, grid #767676 4.5:1.
INK = "#1a1a1a"
BAR = "#1d4f91"
FLAGGED = "#a3171f"
INSUFFICIENT = "#595959"
GRID = "#767676"


@dataclass(frozen=True)
class ChartText:
    """The chart's words, translated by the caller."""

    title: str
    overall: str = "Overall"  # label of the dashed line
    flagged: str = "flagged"
    insufficient: str = "insufficient data"
    interval: str = "95%% interval %(low)s to %(high)s"
    no_interval: str = "no interval"
    description: str = "Selection rate per group with its 95% interval."


def percent(value: float | None, locale: str) -> str:
    """A rate as a percentage with one decimal, in the locale's format ("12,9%")."""
    if value is None:
        return "\u2013"
    return format_percent(value, "#,##0.0%", locale=locale)


def _nice_ceiling(value: float) -> tuple[float, float]:
    """(top of the scale, step between ticks) with 2 to 5 ticks of a round size."""
    if value <= 0:
        return 0.1, 0.025
    exponent = math.floor(math.log10(value))
    # value / step is below 5 at the last factor at the latest (value < 10 ** (exponent + 1)).
    for factor in (1, 2, 2.5, 5, 10, 20):
        step = factor * 10 ** (exponent - 1)
        if value / step <= 5:
            break
    return math.ceil(value / step - 1e-9) * step, step


def _tick_label(value: float, step: float, locale: str) -> str:
    whole = abs(step * 100 - round(step * 100)) < 1e-9
    return format_percent(value, "#,##0%" if whole else "#,##0.0%", locale=locale)


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL_CHARS else name[: MAX_LABEL_CHARS - 1] + "…"


def _fmt(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")


def table_chart(table: dict, text: ChartText, *, locale: str = "nl", chart_id: str = "chart"):
    """The SVG of one table (`TableResult.as_dict()`), as Markup."""
    rows = table.get("rows") or []
    overall = table.get("overall_rate")
    highest = max(
        [overall or 0.0] + [r.get("rate_ci_high") or r.get("selection_rate") or 0.0 for r in rows]
    )
    scale_top, step = _nice_ceiling(highest)
    plot_left, plot_right = LABEL_WIDTH, WIDTH - VALUE_WIDTH
    plot_width = plot_right - plot_left

    def x(rate: float) -> float:
        return plot_left + plot_width * min(max(rate, 0.0), scale_top) / scale_top

    plot_bottom = TOP + ROW_HEIGHT * len(rows)
    height = plot_bottom + AXIS_HEIGHT + LEGEND_HEIGHT
    ident = escape(chart_id)
    parts: list[str] = []
    add = parts.append

    # The text alternative: every figure, in the order of the bars.
    lines = []
    for row in rows:
        low, high = row.get("rate_ci_low"), row.get("rate_ci_high")
        interval = (
            text.interval % {"low": percent(low, locale), "high": percent(high, locale)}
            if low is not None and high is not None
            else text.no_interval
        )
        notes = [text.flagged] if row.get("flagged") else []
        if row.get("insufficient_data"):
            notes.append(text.insufficient)
        line = f"{row.get('group', '')}: {percent(row.get('selection_rate'), locale)} ({interval})"
        lines.append(line + (", " + ", ".join(notes) if notes else "") + ".")
    lines.append(f"{text.overall}: {percent(overall, locale)}.")
    description = " ".join([text.description, *lines])

    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img"'
        f' font-family="Arial, Helvetica, sans-serif"'
        f' width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}"'
        f' aria-labelledby="{ident}-title {ident}-desc">'
    )
    add(f'<title id="{ident}-title">{escape(text.title)}</title>')
    add(f'<desc id="{ident}-desc">{escape(description)}</desc>')
    add(
        f'<defs><pattern id="{ident}-hatch" width="6" height="6"'
        f' patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<rect width="3" height="6" fill="{FLAGGED}"/></pattern></defs>'
    )
    add(f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>')

    # Scale: grid lines and tick labels.
    add('<g class="axis" aria-hidden="true">')
    ticks = round(scale_top / step)
    for i in range(ticks + 1):
        value = step * i
        tick_x = _fmt(x(value))
        add(
            f'<line x1="{tick_x}" y1="{TOP - 4}" x2="{tick_x}" y2="{plot_bottom}"'
            f' stroke="{GRID}" stroke-width="0.5"/>'
        )
        add(
            f'<text x="{tick_x}" y="{plot_bottom + 16}" font-size="11" fill="{INK}"'
            f' text-anchor="middle">{escape(_tick_label(value, step, locale))}</text>'
        )
    add("</g>")

    for index, row in enumerate(rows):
        top = TOP + ROW_HEIGHT * index
        middle = top + ROW_HEIGHT / 2
        rate = row.get("selection_rate")
        flagged, insufficient = bool(row.get("flagged")), bool(row.get("insufficient_data"))
        group = str(row.get("group", ""))
        kind = "flagged" if flagged else "insufficient" if insufficient else "plain"
        add(f'<g class="group group--{kind}" data-group="{escape(group)}">')
        add(
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{_fmt(middle + 4)}" font-size="12"'
            f' fill="{INK}" text-anchor="end">{escape(_short(group))}</text>'
        )
        if rate is not None:
            width = x(rate) - plot_left
            if flagged:
                style = f'fill="url(#{ident}-hatch)" stroke="{FLAGGED}" stroke-width="1.5"'
            elif insufficient:
                style = (
                    f'fill="#ffffff" stroke="{INSUFFICIENT}" stroke-width="1.5"'
                    ' stroke-dasharray="4 2"'
                )
            else:
                style = f'fill="{BAR}"'
            add(
                f'<rect class="bar" x="{plot_left}" y="{_fmt(middle - BAR_HEIGHT / 2)}"'
                f' width="{_fmt(width)}" height="{BAR_HEIGHT}" {style}'
                f' data-rate="{rate}"/>'
            )
        low, high = row.get("rate_ci_low"), row.get("rate_ci_high")
        if low is not None and high is not None:
            x1, x2 = _fmt(x(low)), _fmt(x(high))
            cap_top, cap_bottom = _fmt(middle - 6), _fmt(middle + 6)
            add(
                f'<g class="whisker" data-low="{low}" data-high="{high}" stroke="{INK}"'
                f' stroke-width="1.5">'
                f'<line x1="{x1}" y1="{_fmt(middle)}" x2="{x2}" y2="{_fmt(middle)}"/>'
                f'<line x1="{x1}" y1="{cap_top}" x2="{x1}" y2="{cap_bottom}"/>'
                f'<line x1="{x2}" y1="{cap_top}" x2="{x2}" y2="{cap_bottom}"/></g>'
            )
        value = percent(rate, locale)
        note = text.flagged if flagged else text.insufficient if insufficient else ""
        add(
            f'<text class="value" x="{plot_right + 8}" y="{_fmt(middle + 4)}" font-size="12"'
            f' fill="{INK}">{escape(value)}'
            + (
                f'<tspan fill="{FLAGGED if flagged else INSUFFICIENT}" font-weight="bold">'
                f" {escape(note)}</tspan>"
                if note
                else ""
            )
            + "</text>"
        )
        add("</g>")

    if overall is not None:
        line_x = _fmt(x(overall))
        add(
            f'<g class="overall" data-rate="{overall}"><line x1="{line_x}" y1="{TOP - 6}"'
            f' x2="{line_x}" y2="{plot_bottom + 2}" stroke="{INK}" stroke-width="2"'
            f' stroke-dasharray="6 3"/></g>'
        )

    # Legend: the line, the hatching and the outline, each with its word.
    legend_y = plot_bottom + AXIS_HEIGHT + 12
    add('<g class="legend" aria-hidden="true" font-size="11">')
    add(
        f'<line x1="{LABEL_WIDTH}" y1="{legend_y - 4}" x2="{LABEL_WIDTH + 18}" y2="{legend_y - 4}"'
        f' stroke="{INK}" stroke-width="2" stroke-dasharray="6 3"/>'
    )
    add(
        f'<text x="{LABEL_WIDTH + 24}" y="{legend_y}" fill="{INK}">'
        f"{escape(text.overall)} {escape(percent(overall, locale))}</text>"
    )
    legend_x = LABEL_WIDTH + 170
    if any(r.get("flagged") for r in rows):
        add(
            f'<rect x="{legend_x}" y="{legend_y - 10}" width="18" height="10"'
            f' fill="url(#{ident}-hatch)" stroke="{FLAGGED}"/>'
            f'<text x="{legend_x + 24}" y="{legend_y}" fill="{INK}">{escape(text.flagged)}</text>'
        )
        legend_x += 130
    if any(r.get("insufficient_data") for r in rows):
        add(
            f'<rect x="{legend_x}" y="{legend_y - 10}" width="18" height="10" fill="#ffffff"'
            f' stroke="{INSUFFICIENT}" stroke-dasharray="4 2"/>'
            f'<text x="{legend_x + 24}" y="{legend_y}" fill="{INK}">'
            f"{escape(text.insufficient)}</text>"
        )
    add("</g></svg>")
    # Safe: every piece of text above went through escape().
    return Markup("".join(parts))  # noqa: S704


def _short_to(name: str, limit: int) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def count_chart(
    rows: list[tuple[str, int]], *, title: str, description: str, chart_id: str = "counts"
):
    """A horizontal bar per (label, count), with the count beside each bar, as Markup.
    The page shows a table with the same figures next to it; the <desc> lists them too."""
    highest = max([count for _label, count in rows] + [1])
    plot_left, plot_right = 250, WIDTH - 60  # room for a state's name of about 38 letters
    plot_width = plot_right - plot_left
    height = TOP * 2 + ROW_HEIGHT * len(rows)
    ident = escape(chart_id)
    figures = " ".join(f"{label}: {count}." for label, count in rows)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img"'
        f' font-family="Arial, Helvetica, sans-serif"'
        f' width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}"'
        f' aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description + " " + figures)}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    for index, (label, count) in enumerate(rows):
        middle = TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2
        width = plot_width * count / highest
        parts.append(
            f'<g class="count" data-count="{int(count)}">'
            f'<text x="{plot_left - 8}" y="{_fmt(middle + 4)}" font-size="12" fill="{INK}"'
            f' text-anchor="end">{escape(_short_to(str(label), 38))}</text>'
            f'<rect x="{plot_left}" y="{_fmt(middle - BAR_HEIGHT / 2)}" width="{_fmt(width)}"'
            f' height="{BAR_HEIGHT}" fill="{BAR}"/>'
            f'<text x="{_fmt(plot_left + width + 6)}" y="{_fmt(middle + 4)}" font-size="12"'
            f' fill="{INK}">{int(count)}</text></g>'
        )
    parts.append("</svg>")
    # Safe: every piece of text above went through escape() or is a number.
    return Markup("".join(parts))  # noqa: S704
