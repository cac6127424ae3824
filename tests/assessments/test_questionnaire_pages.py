"""The questionnaire as a data scientist meets it (issue 11), through the test client: no
JavaScript needed for any of it. The browser-only parts (Enter, focus, contrast, the sticky
save bar) are in tests/browser/test_questionnaire_browser.py."""

from __future__ import annotations

import re

from assessments import operations, presentation, scoring
from assessments.answers import completeness
from assessments.bank import get_bank
from assessments.demo import complete_answers
from assessments.models import Assessment
from portal.extensions import db
from tests.conftest import csrf_token_from

BANK_1 = get_bank("uthiek", 1)
SOURCE = {
    "partner": "police",
    "dataset": "Meldingen woonoverlast",
    "legal_basis": "Wpg art. 16",
    "agreement": "covenant",
    "quality_checks": "Steekproef per kwartaal",
    "pollution_risk": "no",
    "feeds_back": "no",
}
LOW_V1 = {
    "core.risk_profiling": "no",
    "core.decision_type": "informative",
    "privacy.personal_data": "no",
    "privacy.special_categories": ["none"],
    "discrimination.direct_grounds": ["none"],
    "oversight.legal_effect": "no",
    "provenance.sources": [SOURCE],
}


REGISTER = {
    "description_short": "Een korte uitleg.",
    "status": "In ontwikkeling",
    "publication_category": "Impactvolle algoritmes",
    "contact_email": "algoritmes@utrecht.nl",
    "objection_procedure": "<p>Maak bezwaar binnen zes weken.</p>",
}


def make(
    users, answers=None, *, bank_version=None, name="Slim handhaven", complete=False
) -> Assessment:
    fields, problems = operations.clean_register_fields(
        {"name": name, **(REGISTER if complete else {})}, organization="Gemeente Utrecht"
    )
    assert not problems
    assessment = operations.create(db.session, users["submitter"], fields)
    if bank_version is not None:
        assessment.bank_version = bank_version
    assessment.answers = answers or {}
    db.session.commit()
    return assessment


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- The "New assessment" button ------------------------------------------------------


def test_new_assessment_button_has_button_colours_not_link_colours(client, users, login_as):
    """Link text colour on a button of the same colour made it invisible: the button
    must not carry the link class (its colour wins over the button's)."""
    login_as(users["submitter"])
    for url in ("/intern/", "/intern/toetsingen"):
        body = page(client, url)
        button = re.search(r'<a class="([^"]*)" href="/intern/toetsingen/nieuw">', body)
        assert button, url
        classes = button.group(1).split()
        assert "utrecht-button-link" in classes
        assert "utrecht-link" not in classes, url


# --- Enter saves ----------------------------------------------------------------------


def test_the_first_submit_button_of_the_form_saves(client, users, login_as):
    """Enter in a field presses the form's first submit button: it must save, not remove
    a row (which deleted the reference row of a group table)."""
    assessment = make(users, {"provenance.sources": [SOURCE]}, bank_version=1)
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}/provenance")
    form = body[body.index('<form class="utrecht-form app-form app-questionnaire"') :]
    first = re.search(r"<button[^>]*type=\"submit\"[^>]*>", form).group(0)
    assert 'value="save"' in first
    assert form.index(first) < form.index("remove-row:")


# --- One invalid answer does not reject the page --------------------------------------


def test_summary_names_each_question_links_to_its_field_and_takes_focus(client, users, login_as):
    assessment = make(users)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment.id}/core"
    token = csrf_token_from(client.get(url))
    too_long = "Zo werkt het. " * 132  # 1,848 characters where 1,500 are allowed
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "q-core.explain_to_residents": too_long,
            "q-core.purpose": "Woningen voor bewoners houden.",
            "action": "save",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    summary = body[
        body.index('id="error-summary"') : body.index('<div class="app-assessment-layout">')
    ]
    question = operations.bank_of(assessment).by_id["core.explain_to_residents"]
    assert (
        f'<a class="utrecht-link" href="#q-core_explain_to_residents">{question.text["nl"]}</a>'
        in (summary)
    )
    assert "1500 tekens" in summary or "1.500 tekens" in summary
    assert "autofocus" in body[body.index("<div") : body.index('id="error-summary"') + 200]
    assert 'id="q-core_explain_to_residents"' in body  # the link lands on the field
    assert too_long.strip() in body  # kept as typed
    db.session.expire_all()
    saved = db.session.get(Assessment, assessment.id).answers
    assert saved == {"core.purpose": "Woningen voor bewoners houden."}


def test_a_bad_cell_keeps_its_group_back_and_links_to_the_cell(client, users, login_as):
    assessment = make(users, {"provenance.sources": [SOURCE]}, bank_version=1)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment.id}/discrimination"
    token = csrf_token_from(client.get(url))
    client.post(
        f"/intern/toetsingen/{assessment.id}/core",
        data={"csrf_token": token, "q-core.risk_profiling": "yes", "action": "save"},
    )
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "q-discrimination.group_outcomes-rows": "1",
            "q-discrimination.group_outcomes-0-group": "Overvecht",
            "q-discrimination.group_outcomes-0-in_scope": "veel",
            "q-discrimination.group_outcomes-0-selected": "9",
            "q-discrimination.legitimate_aim": "Een eerlijke afweging.",
            "action": "save",
        },
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'href="#q-discrimination_group_outcomes-0-in_scope"' in body
    assert ", regel 1: " in body
    assert 'value="veel"' in body
    db.session.expire_all()
    saved = db.session.get(Assessment, assessment.id).answers
    assert saved["discrimination.legitimate_aim"] == "Een eerlijke afweging."
    assert "discrimination.group_outcomes" not in saved


def test_the_api_stays_all_or_nothing(api, client):
    created = api("submitter").post("/api/v1/assessments", json={"algorithm": {"name": "Api"}})
    url = f"/api/v1/assessments/{created.json['id']}/answers"
    response = api("submitter").put(
        url, json={"answers": {"core.purpose": "Goed.", "core.explain_to_residents": "x" * 9000}}
    )
    assert response.status_code == 422
    assert db.session.get(Assessment, created.json["id"]).answers == {}


def test_a_line_break_counts_as_one_character_like_the_counter(client, users, login_as):
    """Browsers send a textarea's line breaks as CR LF: 750 short lines (1,499 characters
    as typed and counted on the page) were refused as 2,249."""
    assessment = make(users)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment.id}/core"
    token = csrf_token_from(client.get(url))
    lines = "\r\n".join(["a"] * 750)
    response = client.post(
        url, data={"csrf_token": token, "q-core.explain_to_residents": lines, "action": "save"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Assessment, assessment.id).answers["core.explain_to_residents"]
    assert len(stored) == 1499


def test_the_limit_is_stated_in_characters_with_a_counter_hook(client, users, login_as):
    assessment = make(users)
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}/core")
    limit = operations.bank_of(assessment).by_id["core.explain_to_residents"].length_limit
    assert f'data-max-length="{limit}"' in body
    assert re.search(r"Ten hoogste 1\.?500 tekens\.", body)
    assert (
        'aria-describedby="q-core_explain_to_residents-help q-core_explain_to_residents-limit"'
        in body
    )
    assert "js/questionnaire.js" in body


# --- Navigation, save bar, compact rows -------------------------------------------------


def test_section_navigation_shows_progress_and_marks_the_current_section(client, users, login_as):
    assessment = make(users, {"core.purpose": "Iets."})
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}/core")
    nav = body[
        body.index('<nav class="app-section-nav"') : body.index(
            "</nav>", body.index('<nav class="app-section-nav"')
        )
    ]
    bank = operations.bank_of(assessment)
    for section in bank.sections:
        assert f'href="/intern/toetsingen/{assessment.id}/{section.id}"' in nav
    assert f'href="/intern/toetsingen/{assessment.id}/core" aria-current="page"' in nav
    done = presentation.section_progress(bank, completeness(bank, assessment.answers), "nl")[0]
    assert f"{done.answered} van {done.required}" in nav
    assert done.answered == 1


def test_save_bar_and_compact_rows(client, users, login_as):
    second = {**SOURCE, "dataset": "Inschrijvingen BRP"}
    assessment = make(users, {"provenance.sources": [SOURCE, second]}, bank_version=1)
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}/provenance")
    assert '<div class="app-save-bar">' in body
    # Saved, complete rows fold to one summary line with their name.
    assert '<details class="app-group-row" id="row-provenance_sources-0">' in body
    assert re.search(r"<summary[^>]*>.*Regel 2: Inschrijvingen BRP", body, re.S)


def test_add_row_returns_to_the_new_row(client, users, login_as):
    assessment = make(users, {"provenance.sources": [SOURCE]}, bank_version=1)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment.id}/provenance"
    token = csrf_token_from(client.get(url))
    fields = {f"q-provenance.sources-0-{key}": value for key, value in SOURCE.items()}
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "q-provenance.sources-rows": "1",
            **fields,
            "action": "add-row:provenance.sources",
        },
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.endswith("#row-provenance_sources-1")
    body = page(client, location.split("#")[0])
    assert '<details class="app-group-row" id="row-provenance_sources-1" open>' in body


# --- The risk panel -------------------------------------------------------------------


def test_an_empty_assessment_has_no_level_yet(client, users, login_as):
    assessment = make(users)
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}")
    panel = body[body.index('<aside class="app-risk-panel"') :]
    assert "Niveau nog niet te bepalen" in panel
    assert "Niveau 1: laag" not in panel
    assert f'href="/intern/toetsingen/{assessment.id}/core"' in panel


def test_the_panel_says_when_a_rule_lifts_the_level_and_links_to_the_answer(
    client, users, login_as
):
    answers = complete_answers(BANK_1, {**LOW_V1, "core.risk_profiling": "yes"})
    result = scoring.compute(BANK_1, answers)
    assert result.level == 3
    assert result.band_level < 3
    assessment = make(users, answers, bank_version=1)
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}")
    panel = body[body.index('<aside class="app-risk-panel"') :]
    assert f"De score alleen geeft niveau {result.band_level}; de regel" in panel
    assert "tilt het naar niveau 3" in panel
    assert f'href="/intern/toetsingen/{assessment.id}/core#question-core.risk_profiling"' in panel
    for reason in result.reasons:
        question = BANK_1.by_id[reason["question"]]
        assert f"/{question.section}#question-{question.id}" in panel


def test_a_source_rule_links_to_its_row(client, users, login_as):
    bad = {**SOURCE, "dataset": "Zonder grondslag", "legal_basis": ""}
    answers = complete_answers(BANK_1, {**LOW_V1, "provenance.sources": [SOURCE, bad]})
    assessment = make(users, answers, bank_version=1)
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}/core")
    panel = body[body.index('<aside class="app-risk-panel"') :]
    assert f'href="/intern/toetsingen/{assessment.id}/provenance#row-provenance_sources-1"' in panel


# --- What is still missing ------------------------------------------------------------


def test_what_is_missing_is_grouped_by_section_and_linked(client, users, login_as):
    assessment = make(users)
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}")
    missing = body[body.index('<div class="app-missing-list">') :]
    bank = operations.bank_of(assessment)
    core = bank.section("core").title["nl"]
    heading = (
        f'<h3 class="utrecht-heading-4"><a class="utrecht-link"'
        f' href="/intern/toetsingen/{assessment.id}/core">{core}</a> <span class="app-count">('
    )
    assert heading in missing
    assert f'href="/intern/toetsingen/{assessment.id}/core#q-core_purpose"' in missing
    assert f'href="/intern/toetsingen/{assessment.id}/algoritme#' in missing
    # Sections in bank order.
    listed = re.findall(
        rf'<h3[^>]*><a[^>]*href="/intern/toetsingen/{assessment.id}/(\w+)"', missing
    )
    order = [s.id for s in bank.sections]
    assert len(listed) > 3
    assert listed[1:] == sorted(listed[1:], key=order.index)
    assert listed[0] == "algoritme"


# --- Withdrawing, changes requested ---------------------------------------------------


def test_withdrawing_asks_to_confirm_first(client, users, login_as):
    assessment = make(users)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment.id}"
    body = page(client, url)
    assert f'action="{url}/intrekken"' not in body  # no one-click withdrawal
    assert f'href="{url}/intrekken"' in body
    confirm = page(client, f"{url}/intrekken")
    assert "Intrekken is definitief" in confirm
    assert f'<form method="post" action="{url}/intrekken">' in confirm
    assert db.session.get(Assessment, assessment.id).status == "draft"
    done = client.post(f"{url}/intrekken", data={"csrf_token": csrf_token_from(client.get(url))})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).status == "withdrawn"


def test_the_boards_reasons_show_above_the_submit_button(api, client, users, login_as):
    answers = complete_answers(BANK_1, LOW_V1)
    assessment = make(users, answers, bank_version=1, complete=True)
    operations.submit(db.session, users["submitter"], assessment)
    db.session.commit()
    reason = "Leg uit hoe bewoners zonder internet bezwaar maken."
    response = api("reviewer").post(
        f"/api/v1/assessments/{assessment.id}/reviews",
        json={"decision": "changes_requested", "comment": reason},
    )
    assert response.status_code in (200, 201), response.json
    db.session.expire_all()
    assert db.session.get(Assessment, assessment.id).status == "changes_requested"
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}")
    assert reason in body
    assert body.index(reason) < body.index('id="submit-heading"')


# --- Group tables ---------------------------------------------------------------------


def test_version_1_group_table_in_dutch_number_format(client, users, login_as):
    answers = {
        "core.risk_profiling": "yes",
        "discrimination.group_outcomes": [
            {"group": "Overvecht", "in_scope": 1200, "selected": 90},
            {"group": "Heel Utrecht", "in_scope": 20000, "selected": 600, "reference": True},
        ],
    }
    assessment = make(users, answers, bank_version=1)
    login_as(users["submitter"])
    body = page(client, f"/intern/toetsingen/{assessment.id}/discrimination")
    assert "7,5%" in body
    assert "7.5%" not in body
    assert "2,50" in body
    assert "20.000" in body
    assert "&lt; 0,001" in body
    assert "app-group-table" in body


# --- Plain functions ------------------------------------------------------------------


def test_keys_of_errors_and_missing_answers():
    assert presentation.parse_key("core.purpose") == presentation.AnswerKey("core.purpose")
    assert presentation.parse_key("provenance.sources[2].dataset") == presentation.AnswerKey(
        "provenance.sources", 2, "dataset"
    )
    assert presentation.parse_key("provenance.sources[1]") == presentation.AnswerKey(
        "provenance.sources", 1
    )
    target = presentation.target_of(
        BANK_1, "provenance.sources[1].agreement", "nl", "regel %(number)s"
    )
    assert target.section_id == "provenance"
    assert target.anchor == "q-provenance_sources-1-agreement-" + (
        BANK_1.by_id["provenance.sources"]
        .questions[[s.id for s in BANK_1.by_id["provenance.sources"].questions].index("agreement")]
        .options[0]
        .value
    )
    assert ", regel 2: " in target.label
    assert presentation.target_of(BANK_1, "nope", "nl") is None


def test_the_level_waits_for_the_core_section_and_knows_when_a_rule_lifted_it():
    empty = {"sections": {"core": {"answered": 0, "required": 5}}}
    full = {"sections": {"core": {"answered": 5, "required": 5}}}
    v1 = {"level": 3, "band_level": 1, "rules": [{"min_level": 3, "text": "Profilering"}]}
    assert not presentation.explain_level(v1, empty).determinable
    lifted = presentation.explain_level(v1, full)
    assert lifted.determinable
    assert lifted.lifted
    assert lifted.lifting_rule == "Profilering"
    # Bank 2's own keys win over what the page would work out.
    v2 = {**v1, "determinable": False, "lifted_by_rule": False}
    assert not presentation.explain_level(v2, full).determinable
    assert not presentation.explain_level(v2, full).lifted


def test_split_valid_keeps_a_bad_group_back_whole():
    typed = {
        "core.purpose": "Goed.",
        "core.explain_to_residents": "x" * 5000,
        "discrimination.group_outcomes": [{"group": "A", "in_scope": "veel", "selected": "1"}],
    }
    from assessments.forms import split_valid

    valid, errors = split_valid(BANK_1, typed)
    assert valid == {"core.purpose": "Goed."}
    assert set(presentation.split_errors(errors)) == {
        "core.explain_to_residents",
        "discrimination.group_outcomes",
    }


def test_a_blocking_finding_in_the_missing_list_says_why():
    missing = presentation.missing_by_section(
        BANK_1,
        {"core.purpose": "required", "privacy.personal_data": "Resolve the signal x."},
        "nl",
        "regel %(number)s",
        "Register",
        str,
    )
    items = {item.anchor: item.message for group in missing for item in group.items}
    assert items["q-core_purpose"] == ""
    assert items[
        "q-privacy_personal_data-" + BANK_1.by_id["privacy.personal_data"].options[0].value
    ] == ("Resolve the signal x.")
