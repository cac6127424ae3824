"""The group outcome chart: parsed as XML, its bars, whiskers, line and labels must match
the figures of the analysis, and it must carry its figures as text."""

import xml.etree.ElementTree as ET

import pytest

from assessments import charts
from assessments.charts import ChartText, table_chart
from assessments.outcomes import analyse_tables

SVG = "{http://www.w3.org/2000/svg}"
ROWS = [
    {"group": "Wijk A", "in_scope": 5000, "selected": 645},
    {"group": "Wijk B & <co>", "in_scope": 5000, "selected": 560},
    {"group": "Wijk C", "in_scope": 5000, "selected": 500},
    {"group": "Klein", "in_scope": 20, "selected": 1},
]
TEXT = ChartText(
    title="Wijk, selectie",
    overall="Gemiddeld",
    flagged="gemarkeerd",
    insufficient="te weinig gegevens",
    interval="95%%-interval %(low)s tot %(high)s",
    description="Selectiepercentage per groep.",
)


@pytest.fixture
def table():
    return analyse_tables(ROWS).as_dict()["tables"][0]


def _parse(table, **kwargs):
    return ET.fromstring(str(table_chart(table, TEXT, chart_id="wijk", **kwargs)))  # noqa: S314 (our own output)


def test_bars_and_whiskers_match_the_figures(table):
    svg = _parse(table)
    groups = svg.findall(f".//{SVG}g[@data-group]")
    assert [g.get("data-group") for g in groups] == [r["group"] for r in table["rows"]]
    ticks = [line for line in svg.iter(f"{SVG}line") if line.get("stroke-width") == "0.5"]
    zero_x = float(ticks[0].get("x1"))
    # 0%, 5%, ... 25%: the scale's top is the last tick.
    labels = [t.text for t in svg.findall(f".//{SVG}g[@class='axis']/{SVG}text")]
    assert labels == ["0%", "5%", "10%", "15%", "20%", "25%"]
    per_unit = (float(ticks[-1].get("x1")) - zero_x) / 0.25
    for group, row in zip(groups, table["rows"], strict=True):
        bar = group.find(f"{SVG}rect[@class='bar']")
        assert float(bar.get("x")) == pytest.approx(zero_x)
        assert float(bar.get("width")) == pytest.approx(row["selection_rate"] * per_unit, abs=0.01)
        whisker = group.find(f"{SVG}g[@class='whisker']")
        span = whisker.find(f"{SVG}line")
        assert float(span.get("x1")) == pytest.approx(
            zero_x + row["rate_ci_low"] * per_unit, abs=0.01
        )
        assert float(span.get("x2")) == pytest.approx(
            zero_x + row["rate_ci_high"] * per_unit, abs=0.01
        )
    overall = svg.find(f".//{SVG}g[@class='overall']/{SVG}line")
    assert float(overall.get("x1")) == pytest.approx(
        zero_x + table["overall_rate"] * per_unit, abs=0.01
    )


def test_labels_are_dutch_figures_and_marks_do_not_rely_on_colour(table):
    svg = _parse(table)
    values = {
        g.get("data-group"): "".join(g.find(f"{SVG}text[@class='value']").itertext())
        for g in svg.findall(f".//{SVG}g[@data-group]")
    }
    assert values == {
        "Wijk A": "12,9% gemarkeerd",
        "Wijk B & <co>": "11,2%",
        "Wijk C": "10,0% gemarkeerd",
        "Klein": "5,0% te weinig gegevens",
    }
    flagged = svg.find(f".//{SVG}g[@data-group='Wijk A']/{SVG}rect")
    assert flagged.get("fill") == "url(#wijk-hatch)"  # a pattern, not only a colour
    small = svg.find(f".//{SVG}g[@data-group='Klein']/{SVG}rect")
    assert small.get("stroke-dasharray")


def test_text_alternative_lists_every_figure(table):
    svg = _parse(table)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "wijk-title wijk-desc"
    assert svg.find(f"{SVG}title").text == "Wijk, selectie"
    desc = svg.find(f"{SVG}desc").text
    assert desc.startswith("Selectiepercentage per groep. Wijk A: 12,9% (95%-interval 12,0%")
    assert "Wijk B & <co>: 11,2%" in desc  # escaped in the markup, intact once parsed
    assert "Klein: 5,0% (95%-interval 0,9% tot 23,6%), te weinig gegevens." in desc
    assert desc.endswith("Gemiddeld: 11,4%.")


def test_names_are_escaped():
    markup = str(
        table_chart(
            analyse_tables(
                [{"group": "<script>x</script>", "in_scope": 10, "selected": 1}]
            ).as_dict()["tables"][0],
            TEXT,
        )
    )
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup


def test_english_numbers(table):
    svg = _parse(table, locale="en")
    value = svg.find(f".//{SVG}g[@data-group='Wijk A']/{SVG}text[@class='value']")
    assert value.text == "12.9%"


@pytest.mark.parametrize(
    ("highest", "top"),
    [(0.1386, 0.15), (0.6032, 0.8), (0.0042, 0.005), (0.99, 1.0), (0.0, 0.1)],
)
def test_scale_is_round_and_holds_every_whisker(highest, top):
    scale_top, step = charts._nice_ceiling(highest)
    assert scale_top == pytest.approx(top)
    assert scale_top >= highest
    assert 1 <= round(scale_top / step) <= 5


def test_colours_meet_wcag_contrast_on_white():
    def luminance(colour):
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(colour):
        return 1.05 / (luminance(colour) + 0.05)

    for colour in (charts.INK, charts.BAR, charts.FLAGGED, charts.INSUFFICIENT, charts.GRID):
        assert contrast(colour) >= 4.5, colour


@pytest.mark.parametrize(
    "rows",
    [
        [
            {"group": "A", "in_scope": 0, "selected": 0},
            {"group": "B", "in_scope": 0, "selected": 0},
        ],
        [
            {"group": "A", "in_scope": 10, "selected": 10},
            {"group": "B", "in_scope": 10, "selected": 0},
        ],
        [{"group": "A" * 200, "in_scope": 10**7, "selected": 1}],
    ],
)
def test_edge_tables_still_give_a_valid_chart(rows):
    table = analyse_tables(rows).as_dict()["tables"][0]
    svg = ET.fromstring(str(table_chart(table, TEXT)))  # noqa: S314 (our own output)
    assert len(svg.findall(f".//{SVG}g[@data-group]")) == len(rows)
    labels = [t.text for t in svg.findall(f".//{SVG}text[@class='label']")]
    assert all(len(label) <= charts.MAX_LABEL_CHARS for label in labels)
    assert rows[0]["group"][:10] in svg.find(f"{SVG}desc").text  # the full name stays in the text
