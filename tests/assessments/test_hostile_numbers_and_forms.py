"""Assessment input that used to give 500 (or be stored unencodable) gets a clear 400/422
in the user's language, and nothing already saved is lost."""

import json

import pytest

from assessments import operations, review
from assessments.models import Assessment, Review
from portal.extensions import db
from tests.assessments.helpers import create
from tests.assessments.test_review import LOW_RISK, submitted
from tests.conftest import csrf_token_from

GROUPS = "discrimination.group_outcomes"
REFERENCE = {"group": "Heel Utrecht", "in_scope": 20000, "selected": 600, "reference": True}


def _with_profiling(api) -> int:
    assessment_id = create(api)["id"]
    saved = api("submitter").put(
        f"/api/v1/assessments/{assessment_id}/answers",
        json={
            "answers": {
                "core.risk_profiling": "yes",
                "core.purpose": "Opgeslagen doel",
                GROUPS: [{"group": "Overvecht", "in_scope": 1200, "selected": 90}, REFERENCE],
            }
        },
    )
    assert saved.status_code == 200, saved.json
    return assessment_id


def _answers(assessment_id) -> dict:
    db.session.expire_all()
    return dict(db.session.get(Assessment, assessment_id).answers)


# Raw JSON text, so that NaN, Infinity and huge literals arrive as the parser reads them.
BAD_COUNTS = [
    ('"in_scope": 1e308', "in_scope"),
    ('"in_scope": 1e400', "in_scope"),  # parses as infinity
    ('"in_scope": 100000000000000000000000000000000000000', "in_scope"),
    ('"in_scope": NaN', "in_scope"),
    ('"in_scope": Infinity', "in_scope"),
    ('"in_scope": -Infinity', "in_scope"),
    ('"in_scope": -5', "in_scope"),
    ('"in_scope": 12.5', "in_scope"),
    ('"in_scope": "veel"', "in_scope"),
    ('"in_scope": [1]', "in_scope"),
    ('"in_scope": {"n": 1}', "in_scope"),
    ('"in_scope": true', "in_scope"),
    ('"in_scope": 100, "selected": 101', "selected"),
    ('"in_scope": 100, "selected": 1e308', "selected"),
]


@pytest.mark.parametrize(("fragment", "field"), BAD_COUNTS)
def test_hostile_group_counts_are_refused_by_the_api(fragment, field, api, client):
    assessment_id = _with_profiling(api)
    before = _answers(assessment_id)
    selected = "" if "selected" in fragment else '"selected": 1, '
    row = '{"group": "Overvecht", ' + selected + fragment + "}"
    body = f'{{"answers": {{"{GROUPS}": [{row}, {json.dumps(REFERENCE)}]}}}}'
    response = client.put(
        f"/api/v1/assessments/{assessment_id}/answers",
        data=body,
        headers={**api("submitter").headers, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert response.is_json
    if response.status_code == 422:
        assert any(k.endswith(f"{GROUPS}[0].{field}") for k in response.json["error"]["fields"])
    assert _answers(assessment_id) == before
    # The assessment still reads fine afterwards.
    assert api("submitter").get(f"/api/v1/assessments/{assessment_id}").status_code == 200


@pytest.mark.parametrize("count", ["1e308", "1" + "0" * 400, "NaN", "inf", "-3", "1,5e9"])
def test_hostile_group_counts_on_the_web_form(count, api, users, client, login_as):
    assessment_id = _with_profiling(api)
    before = _answers(assessment_id)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment_id}/discrimination"
    token = csrf_token_from(client.get(url))
    form = {
        "csrf_token": token,
        "action": "save",
        f"q-{GROUPS}-rows": "2",
        f"q-{GROUPS}-0-group": "Overvecht",
        f"q-{GROUPS}-0-in_scope": count,
        f"q-{GROUPS}-0-selected": "1",
        f"q-{GROUPS}-1-group": "Heel Utrecht",
        f"q-{GROUPS}-1-in_scope": "20000",
        f"q-{GROUPS}-1-selected": "600",
        f"q-{GROUPS}-1-reference": "on",
    }
    response = client.post(url, data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Niet opgeslagen" in page  # Dutch, the default language
    assert f'value="{count}"' in page  # what was typed is still there
    assert _answers(assessment_id) == before


def test_wrong_types_in_answers_are_refused_whole(api):
    assessment_id = _with_profiling(api)
    before = _answers(assessment_id)
    url = f"/api/v1/assessments/{assessment_id}/answers"
    for answers in (
        {"core.purpose": 5},
        {"core.purpose": ["lijst"]},
        {"core.risk_profiling": ["yes"]},
        {"core.risk_profiling": {"yes": True}},
        {"privacy.special_categories": "none"},
        {"privacy.special_categories": [1, 2]},
        {GROUPS: {"group": "A"}},
        {GROUPS: ["rij"]},
        {GROUPS: [{"group": ["A"], "in_scope": 1, "selected": 0, "reference": True}]},
        {GROUPS: [{"group": "A", "in_scope": 1, "selected": 0, "reference": "misschien"}]},
        {"core.purpose": "goed", "provenance.sources": [{"partner": 7}]},
    ):
        response = api("submitter").put(url, json={"answers": answers})
        assert response.status_code == 422, (answers, response.json)
    for body in ({"answers": []}, {"answers": "x"}, {"algorithm": []}, {"algorithm": "x"}):
        assert api("submitter").put(url, json=body).status_code == 422, body
    assert _answers(assessment_id) == before


@pytest.mark.parametrize("text", ["a\ud800b", "\udfff", "nul\x00teken"])
def test_unstorable_text_never_reaches_the_database(text, api, users, client):
    assessment_id = _with_profiling(api)
    before = _answers(assessment_id)
    raw = json.dumps({"answers": {"core.purpose": text}})  # ensure_ascii: "\ud800" escapes
    response = client.put(
        f"/api/v1/assessments/{assessment_id}/answers",
        data=raw,
        headers={**api("submitter").headers, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    for rows in (
        [{"group": text, "in_scope": 10, "selected": 1, "reference": True}],
        [{"group": "A", "in_scope": 10, "selected": 1, "reference": True, text: 1}],
    ):
        refused = client.put(
            f"/api/v1/assessments/{assessment_id}/answers",
            data=json.dumps({"answers": {GROUPS: rows}}),
            headers={**api("submitter").headers, "Content-Type": "application/json"},
        )
        assert refused.status_code in (400, 422)
    # Operations called without a request (CLI, demo data) refuse it too.
    assessment = db.session.get(Assessment, assessment_id)
    with pytest.raises(operations.AnswersInvalidError) as failure:
        operations.update_answers(
            db.session, users["submitter"], assessment, {"core.want_this": text}
        )
    assert "core.want_this" in failure.value.fields
    db.session.rollback()
    with pytest.raises(operations.AnswersInvalidError):
        operations.update_register_fields(
            db.session,
            users["submitter"],
            assessment,
            {"description_short": text},
            organization="Gemeente Utrecht",
        )
    db.session.rollback()
    assert _answers(assessment_id) == before


def test_unstorable_text_in_reviews_and_comments(api, users, board):
    assessment = db.session.get(Assessment, submitted(api, LOW_RISK)["id"])
    with pytest.raises(review.ReviewInvalidError) as failure:
        review.decide(
            db.session,
            users["reviewer"],
            assessment,
            {"decision": "changes_requested", "comment": "Zie \ud800"},
        )
    assert failure.value.fields["comment"] == "unstorable"
    db.session.rollback()
    with pytest.raises(review.ReviewInvalidError):
        review.add_comment(db.session, users["reviewer"], assessment, "", "vraag\x00")
    db.session.rollback()
    assert db.session.query(Review).count() == 0


@pytest.mark.parametrize("rows", ["abc", "1e3", "-", "²", "9" * 40])
def test_a_tampered_condition_row_count_keeps_the_review_form(
    rows, api, users, board, client, login_as
):
    assessment_id = submitted(api, LOW_RISK)["id"]
    login_as(users["reviewer"])
    url = f"/intern/toetsingen/{assessment_id}"
    token = csrf_token_from(client.get(f"{url}/beoordeling"))
    response = client.post(
        f"{url}/besluit",
        data={
            "csrf_token": token,
            "decision": "approve_with_conditions",
            "comment": "Getypte motivatie",
            "conditions-rows": rows,
            "conditions-0-text": "Getypte voorwaarde",
            "conditions-0-owner": "Team Data",
            "conditions-0-deadline": "2027-06-30",
        },
    )
    assert response.status_code in (400, 422)
    page = response.get_data(as_text=True)
    assert '<html lang="nl"' in page
    if response.status_code == 422:  # 400: refused before the view by the request guard
        assert "Niet opgeslagen" in page
        assert "Getypte voorwaarde" in page
    assert db.session.query(Review).count() == 0


@pytest.mark.parametrize("index", ["abc", "²", "-1", "1.0", "0x1", "٣"])
def test_a_tampered_remove_row_index(index, api, users, client, login_as):
    assessment_id = create(api)["id"]
    sources = [
        {"partner": "police", "dataset": "Meldingen", "pollution_risk": "no"},
        {"partner": "tax_office", "dataset": "Inkomens", "pollution_risk": "no"},
    ]
    api("submitter").put(
        f"/api/v1/assessments/{assessment_id}/answers",
        json={"answers": {"provenance.sources": sources}},
    )
    before = _answers(assessment_id)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment_id}/provenance"
    page = client.get(url)
    form = {"csrf_token": csrf_token_from(page), "q-provenance.sources-rows": "2"}
    for number, row in enumerate(sources):
        form.update({f"q-provenance.sources-{number}-{k}": v for k, v in row.items()})
    form["q-provenance.sources-1-dataset"] = "Inkomens, getypt"
    response = client.post(url, data={**form, "action": f"remove-row:provenance.sources:{index}"})
    assert response.status_code in (400, 422)
    text = response.get_data(as_text=True)
    assert "Deze regel kan niet worden verwijderd" in text
    assert "Inkomens, getypt" in text
    assert _answers(assessment_id) == before
