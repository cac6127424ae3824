"""Monitoring thresholds set by the board (issue 12): with its verdict, laid over the level's
defaults, fixed at approval, used by the monitoring checks, and shown on the aftercare page
and the assessment's page with who set each."""

import pytest

from assessments import aftercare, monitoring_rules
from assessments.advice_views import thresholds_from
from assessments.models import Assessment
from portal.extensions import db
from tests.assessments.test_aftercare import EVEN_TABLE, _report
from tests.assessments.test_review import LOW_RISK, decide, submitted
from tests.conftest import csrf_token_from

VERDICT = {
    "want_this": "Ja, als het vegen eerlijker wordt verdeeld.",
    "explain_to_residents": "Ja: elke wijk komt even vaak aan de beurt.",
    "advice": "positive",
    "reasons": "De gegevens zijn openbaar en er is geen persoon in beeld.",
}
# Selected 100 and 90 of 1000: not a flagged group (too small a difference to be sure),
# but a ratio of 0.9.
CLOSE_TABLE = [
    {"table": "Wijk", "group": "Noord", "in_scope": 1000, "selected": 100},
    {"table": "Wijk", "group": "Zuid", "in_scope": 1000, "selected": 90},
]


# ------------------------------------------------------------------------- pure rules


def test_the_board_sets_only_what_it_fills_in():
    assert monitoring_rules.board_thresholds(None) == ({}, {})
    assert monitoring_rules.board_thresholds({"max_complaints": 3, "max_objections": ""}) == (
        {"max_complaints": 3},
        {},
    )
    clean, errors = monitoring_rules.board_thresholds(
        {"max_override_rate": 0.1, "min_group_ratio": 0.8}
    )
    assert (clean, errors) == ({"max_override_rate": 0.1, "min_group_ratio": 0.8}, {})


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"max_override_rate": 1.5}, {"max_override_rate": "fraction"}),
        ({"min_group_ratio": "veel"}, {"min_group_ratio": "fraction"}),
        ({"max_complaints": -1}, {"max_complaints": "count"}),
        ({"max_objections": 2.5}, {"max_objections": "count"}),
        ({"flag_groups": False}, {"flag_groups": "unknown"}),  # a flagged group always counts
        ({"max_speed": 3}, {"max_speed": "unknown"}),
        ("streng", {"thresholds": "object"}),
    ],
)
def test_thresholds_the_board_cannot_set(values, errors):
    assert monitoring_rules.board_thresholds(values)[1] == errors


def test_the_lowest_group_ratio_per_table():
    analysis = {
        "rows": [
            {"table": "Wijk", "selection_rate": 0.10},
            {"table": "Wijk", "selection_rate": 0.05},
            {"table": "Leeftijd", "selection_rate": 0.2},
            {"table": "Leeftijd", "selection_rate": 0.18},
            {"table": "Leeftijd", "selection_rate": 0.01, "insufficient_data": True},
            {"table": "Alleen", "selection_rate": 0.3},
        ]
    }
    assert monitoring_rules.lowest_group_ratio(analysis) == 0.5
    assert monitoring_rules.lowest_group_ratio({"rows": []}) is None
    nobody = {"rows": [{"table": "W", "selection_rate": 0.0}, {"table": "W", "selection_rate": 0}]}
    assert monitoring_rules.lowest_group_ratio(nobody) is None


def test_a_group_ratio_below_the_boards_minimum_breaches():
    limits = {**monitoring_rules.default_thresholds(1), "min_group_ratio": 0.95}
    found = monitoring_rules.breaches(
        limits, override_rate=0.0, objections=0, complaints=0, flagged_groups=[], group_ratio=0.9
    )
    assert [b.as_dict() for b in found] == [{"rule": "group_ratio", "value": 0.9, "limit": 0.95}]
    defaults = monitoring_rules.default_thresholds(1)  # no minimum by default
    assert (
        monitoring_rules.breaches(
            defaults,
            override_rate=0.0,
            objections=0,
            complaints=0,
            flagged_groups=[],
            group_ratio=0.1,
        )
        == []
    )


def test_shown_says_who_set_each_threshold():
    values = {**monitoring_rules.default_thresholds(2), "max_complaints": 3}
    rows = monitoring_rules.shown(values, ["max_complaints"])
    assert [(r["key"], r["value"], r["by_board"]) for r in rows] == [
        ("max_override_rate", 0.25, False),
        ("max_objections", 15, False),
        ("max_complaints", 3, True),
    ]


def test_the_form_reads_percentages_and_whole_numbers():
    typed = {
        "threshold-max_override_rate": "12,5",
        "threshold-max_objections": "",
        "threshold-max_complaints": "3",
        "threshold-min_group_ratio": "veel",
    }
    assert thresholds_from(typed) == {
        "max_override_rate": 0.125,
        "max_complaints": 3,
        "min_group_ratio": "veel",  # the rules name it
    }
    assert thresholds_from({"threshold-max_complaints": "2.5"}) == {"max_complaints": "2.5"}
    assert thresholds_from({"threshold-max_complaints": "NaN"}) == {"max_complaints": "NaN"}


# ------------------------------------------------------------------- verdict to monitoring


def _approved_with(api, thresholds):
    assessment_id = submitted(api, LOW_RISK)["id"]
    written = api("reviewer").post(
        f"/api/v1/assessments/{assessment_id}/verdict", json={**VERDICT, "thresholds": thresholds}
    )
    assert written.status_code == 200, written.json
    assert written.json["monitoring_thresholds"] == thresholds
    decided = decide(api, "reviewer2", assessment_id)
    assert decided.status_code == 201, decided.json
    return assessment_id, decided.json["assessment"]["register_slug"]


def test_the_boards_thresholds_are_fixed_at_approval_and_the_report_is_held_to_them(
    api, board, monkeypatch
):
    assessment_id, slug = _approved_with(api, {"max_complaints": 3, "min_group_ratio": 0.95})
    assessment = db.session.get(Assessment, assessment_id)
    stored = db.session.get(aftercare.MonitoringThresholds, assessment_id)
    assert (stored.source, stored.board_keys) == ("board", ["max_complaints", "min_group_ratio"])
    applied = aftercare.thresholds_for(db.session, assessment)
    assert applied["max_complaints"] == 3  # the board's, not level 1's 25
    assert applied["max_objections"] == monitoring_rules.default_thresholds(1)["max_objections"]
    # A later change of the defaults does not alter what this approval is held to.
    monkeypatch.setitem(
        monitoring_rules.DEFAULT_THRESHOLDS,
        1,
        {**monitoring_rules.DEFAULT_THRESHOLDS[1], "max_objections": 999},
    )
    assert aftercare.thresholds_for(db.session, assessment) == applied

    # Four complaints: fine for level 1's default, too many for the board.
    report = api("submitter").post(
        f"/api/v1/algorithms/{slug}/monitoring",
        json=_report(complaints=4, group_outcomes=CLOSE_TABLE),
    )
    assert report.status_code == 201, report.json
    assert report.json["analysis"]["flagged_groups"] == []
    assert [b["rule"] for b in report.json["breaches"]] == ["complaints", "group_ratio"]
    assert report.json["reopened"] is True
    assert report.json["thresholds"]["max_complaints"] == 3


def test_without_thresholds_in_the_verdict_the_level_defaults_apply(api, board):
    assessment_id, slug = _approved_with(api, {})
    stored = db.session.get(aftercare.MonitoringThresholds, assessment_id)
    assert (stored.source, stored.board_keys) == ("approval", [])
    report = api("submitter").post(
        f"/api/v1/algorithms/{slug}/monitoring",
        json=_report(complaints=4, group_outcomes=EVEN_TABLE),
    )
    assert report.json["breaches"] == []  # level 1 allows 25 complaints


def test_a_rewritten_verdict_without_thresholds_keeps_them(api, board):
    assessment_id = submitted(api, LOW_RISK)["id"]
    url = f"/api/v1/assessments/{assessment_id}/verdict"
    api("reviewer").post(url, json={**VERDICT, "thresholds": {"max_complaints": 3}})
    again = api("reviewer").post(url, json={**VERDICT, "reasons": "Aangevuld."})
    assert again.json["monitoring_thresholds"] == {"max_complaints": 3}


@pytest.mark.parametrize(
    ("thresholds", "field"),
    [
        ({"max_complaints": -1}, "thresholds.max_complaints"),
        ({"max_override_rate": 2}, "thresholds.max_override_rate"),
        ({"flag_groups": False}, "thresholds.flag_groups"),
    ],
)
def test_the_api_refuses_thresholds_out_of_range(api, board, thresholds, field):
    assessment_id = submitted(api, LOW_RISK)["id"]
    response = api("reviewer").post(
        f"/api/v1/assessments/{assessment_id}/verdict", json={**VERDICT, "thresholds": thresholds}
    )
    assert response.status_code == 422, response.json
    assert any(key.startswith(field) for key in response.json["error"]["fields"]), response.json


# --------------------------------------------------------------------------- the pages


def test_the_verdict_form_sets_thresholds_and_keeps_what_was_typed(
    client, api, board, users, login_as
):
    assessment_id = submitted(api, LOW_RISK)["id"]
    login_as(users["reviewer"])
    page = client.get(f"/intern/toetsingen/{assessment_id}/advies")
    assert "Drempels voor de monitoring" in page.get_data(as_text=True)
    form = {
        "csrf_token": csrf_token_from(page),
        **VERDICT,
        "threshold-max_override_rate": "150",
        "threshold-max_complaints": "3",
    }
    refused = client.post(f"/intern/toetsingen/{assessment_id}/advies/oordeel", data=form)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Geef een percentage van 0 tot en met 100." in html
    assert 'value="150"' in html
    assert 'value="3"' in html
    form["threshold-max_override_rate"] = "10"
    saved = client.post(f"/intern/toetsingen/{assessment_id}/advies/oordeel", data=form)
    assert saved.status_code == 302
    page = client.get(f"/intern/toetsingen/{assessment_id}/advies").get_data(as_text=True)
    assert "Medewerkers wijken in hoogstens 10% van de gevallen af van de uitkomst" in page
    assert 'value="10"' in page  # the form shows the percentage again


def test_the_aftercare_page_and_the_assessment_page_say_who_set_each_threshold(
    client, api, board, users, login_as
):
    assessment_id, slug = _approved_with(api, {"max_complaints": 3})
    login_as(users["submitter"])
    aftercare_page = client.get(f"/intern/algoritmes/{slug}/nazorg").get_data(as_text=True)
    assert "Hoogstens 3 klachten per rapport (vastgesteld door de klankbordgroep)" in (
        aftercare_page
    )
    assert "Hoogstens 25 bezwaren per rapport (standaard voor risiconiveau 1)" in aftercare_page
    overview = client.get(f"/intern/toetsingen/{assessment_id}").get_data(as_text=True)
    assert "Drempels voor de monitoringrapporten" in overview
    assert "Hoogstens 3 klachten per rapport (vastgesteld door de klankbordgroep)" in overview
