"""Group outcomes of bank 2 where people read them: the questionnaire partial (Dutch and
English numbers, the method in plain words, the chart) and the internal record (PDF text)."""

import datetime as dt
import html
import io
import re
from types import SimpleNamespace

import pypdf
import pytest
from flask import render_template
from flask_babel import force_locale

from assessments import scoring
from assessments.bank import get_bank
from assessments.models import RECORD_INTERNAL
from assessments.outcome_display import build, p_value, page_context
from assessments.outcomes import analyse_tables
from assessments.records.context import record_html
from assessments.records.pdf import html_to_pdf

GROUPS = "discrimination.group_outcomes"
ROWS = [
    {"table": "Wijk, selectie", "group": "Noord", "in_scope": 5000, "selected": 645, "hits": 60},
    {"table": "Wijk, selectie", "group": "Oost", "in_scope": 5000, "selected": 560, "hits": 70},
    {"table": "Wijk, selectie", "group": "West", "in_scope": 5000, "selected": 500, "hits": 60},
    {"table": "Wijk, selectie", "group": "Klein", "in_scope": 20, "selected": 1, "hits": 0},
]


def _render(lang: str, **extra) -> str:
    bank = get_bank("uthiek", 2)
    with force_locale(lang):
        context = page_context(bank, {GROUPS: ROWS})
        return render_template("assessments/_group_outcomes.html", **context, **extra)


def _text(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


@pytest.mark.parametrize(
    ("value", "dutch", "english"),
    [
        (0.0000059, "p < 0,001", "p < 0.001"),
        (0.0234, "p = 0,023", "p = 0.023"),
        (1.0, "p = 1,000", "p = 1.000"),
    ],
)
def test_p_values_are_written_for_the_reader(value, dutch, english):
    with force_locale("nl"):
        assert p_value(value) == dutch
    with force_locale("en"):
        assert p_value(value) == english


def test_the_dutch_partial_uses_dutch_numbers_and_plain_words():
    markup = _render("nl")
    text = _text(markup)
    assert "12,9%" in text
    assert "7.5%" not in text
    assert "12.9%" not in text
    assert "p < 0,001" in text
    assert "5.000" in text  # thousands with a dot
    assert "te weinig gegevens" in text
    assert "Hoogste tegen laagste: Noord tegen West, verhouding 1,29 (p < 0,001 na Holm)" in text
    assert "methode van Holm" in text
    assert "minder dan 5 selecties" in text
    assert "Wilson-interval" in text
    assert "geen bewijs van discriminatie" in text
    assert 'role="img"' in markup
    assert "<desc" in markup
    assert "Noord: 12,9% (95%-interval 12,0% tot 13,9%), gemarkeerd." in markup
    assert "app-group-table" in markup  # headers break between words only (app.css)


def test_the_english_partial_uses_english_numbers():
    text = _text(_render("en"))
    assert "12.9%" in text
    assert "p < 0.001" in text
    assert "insufficient data" in text


def test_version_1_keeps_its_own_table():
    bank = get_bank("uthiek", 1)
    rows = [dict(row, reference=row["group"] == "Oost") for row in ROWS]
    rows = [
        {k: v for k, v in row.items() if k in ("group", "in_scope", "selected", "reference")}
        for row in rows
    ]
    context = page_context(bank, {GROUPS: rows})
    assert context["outcome_view"] is None
    markup = render_template("assessments/_group_outcomes.html", **context)
    assert "Verhouding tot referentie" in markup
    assert "<svg" not in markup


def test_build_leaves_version_1_alone():
    assert build(analyse_tables(ROWS)) is not None
    from assessments.outcomes import analyse

    assert build(analyse([dict(ROWS[0], reference=True)])) is None


def _record_objects(bank, answers):
    person = SimpleNamespace(name="Sam Steller")
    when = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    risk = scoring.compute(bank, answers).as_dict("nl")
    version = SimpleNamespace(
        id=None,  # not stored: lookups by version find nothing
        number=1,
        bank_id=bank.id,
        bank_version=bank.version,
        answers=answers,
        register_fields={"name": "Woonfraude signalen"},
        reviews=[],
        submitted_at=when,
        submitted_by=person,
        decided_at=when,
        outcome="approved",
        risk={"nl": risk, "en": risk},
    )
    assessment = SimpleNamespace(
        id=7, title="Woonfraude signalen", owner=person, reassessment_due=dt.date(2027, 11, 30)
    )
    return assessment, version


def test_the_internal_record_carries_the_chart_table_and_method():
    bank = get_bank("uthiek", 2)
    answers = {"core.risk_profiling": "yes", GROUPS: ROWS}
    assessment, version = _record_objects(bank, answers)
    markup, data = record_html(assessment, version, RECORD_INTERNAL)
    assert "<svg" in markup
    assert 'role="img"' in markup
    assert data["group_outcomes"]["tables"][0]["extremes"]["ratio"] == pytest.approx(1.29)
    pdf = html_to_pdf(markup, identifier="uthiek-7")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))
    assert "Uitkomsten per groep" in text
    assert "Selectiepercentage per groep met het 95%-interval" in text
    assert "Hoogste tegen laagste: Noord tegen West, verhouding 1,29" in text
    assert "te weinig gegevens" in text
    assert "methode van Holm" in text
    # The chart is drawn: its axis and value labels are in the PDF's text.
    assert "12,9% gemarkeerd" in text
    assert "Gemiddeld" in text


def _v2_assessment_with_outcomes(api) -> int:
    assessment = api("submitter").post(
        "/api/v1/assessments", json={"algorithm": {"name": "Wijkgericht handhaven"}}
    )
    assessment_id = assessment.json["id"]
    saved = api("submitter").put(
        f"/api/v1/assessments/{assessment_id}/answers",
        json={"answers": {"core.risk_profiling": "yes", GROUPS: ROWS}},
    )
    assert saved.status_code == 200, saved.json
    assert saved.json["bank"]["version"] == 2
    return assessment_id


@pytest.mark.parametrize("page", ["", "/discrimination"])
def test_the_section_page_and_overview_show_the_partial(api, users, client, login_as, page):
    assessment_id = _v2_assessment_with_outcomes(api)
    login_as(users["submitter"])
    body = client.get(f"/intern/toetsingen/{assessment_id}{page}").get_data(as_text=True)
    text = _text(body)
    assert 'class="app-chart"' in body
    assert "Hoogste tegen laagste: Noord tegen West, verhouding 1,29 (p < 0,001 na Holm)" in text
    assert "12,9%" in text
    assert "te weinig gegevens" in text
    assert "Zo rekent het portaal" in text
    assert body.count('role="img"') == 1  # one table, one chart


def test_the_review_page_shows_the_partial(api, users, client, login_as):
    from assessments.models import Assessment, AssessmentVersion
    from portal.extensions import db

    assessment_id = _v2_assessment_with_outcomes(api)
    assessment = db.session.get(Assessment, assessment_id)
    bank = get_bank("uthiek", 2)
    risk = scoring.compute(bank, assessment.answers)
    db.session.add(
        AssessmentVersion(
            assessment_id=assessment_id,
            number=1,
            bank_id=bank.id,
            bank_version=bank.version,
            answers=assessment.answers,
            register_fields=assessment.register_fields,
            risk={"nl": risk.as_dict("nl"), "en": risk.as_dict("en")},
            risk_level=risk.level,
            submitted_by_id=assessment.owner_id,
        )
    )
    assessment.status = "submitted"
    db.session.commit()
    login_as(users["reviewer"])
    response = client.get(f"/intern/toetsingen/{assessment_id}/beoordeling")
    assert response.status_code == 200
    text = _text(response.get_data(as_text=True))
    assert "Hoogste tegen laagste: Noord tegen West, verhouding 1,29" in text
    assert "Zo rekent het portaal" in text


def test_a_version_1_record_keeps_its_table():
    bank = get_bank("uthiek", 1)
    rows = [
        {"group": "Overvecht", "in_scope": 1200, "selected": 90, "reference": False},
        {"group": "Heel Utrecht", "in_scope": 20000, "selected": 600, "reference": True},
    ]
    assessment, version = _record_objects(bank, {"core.risk_profiling": "yes", GROUPS: rows})
    markup, data = record_html(assessment, version, RECORD_INTERNAL)
    assert "<svg" not in markup
    assert "Verhouding tot referentie" in markup
    assert "Heel Utrecht (referentie)" in markup
    assert "Een verhouding buiten 0,8\u20131,25 ten opzichte van de referentiegroep" in markup
    assert set(data["group_outcomes"]) == {"rows", "flagged_groups", "problems"}
    assert data["group_outcomes"]["rows"][0]["ratio_to_reference"] == 2.5


def test_the_form_reads_dutch_thousands_and_explains_an_unclear_comma(api, users, client, login_as):
    from tests.conftest import csrf_token_from

    assessment_id = _v2_assessment_with_outcomes(api)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment_id}/discrimination"

    def post(first_count: str):
        form = {
            "csrf_token": csrf_token_from(client.get(url)),
            "action": "save",
            f"q-{GROUPS}-rows": "2",
            f"q-{GROUPS}-0-group": "Overvecht",
            f"q-{GROUPS}-0-in_scope": first_count,
            f"q-{GROUPS}-0-selected": "90",
            f"q-{GROUPS}-1-group": "Rest van de stad",
            f"q-{GROUPS}-1-in_scope": "20.000",
            f"q-{GROUPS}-1-selected": "600",
        }
        return client.post(url, data=form)

    assert post("1.150").status_code in (200, 302, 303)
    rows = api("submitter").get(f"/api/v1/assessments/{assessment_id}").json["group_outcomes"]
    assert [row["in_scope"] for row in rows["rows"]] == [1150, 20000]
    response = post("1,150")
    assert response.status_code == 422
    assert "in het Nederlands staat een komma voor decimalen" in _text(
        response.get_data(as_text=True)
    )
