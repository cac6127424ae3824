"""Careless and odd input on every write endpoint: wrong types, missing fields, oversized
values, odd Unicode and duplicate submissions get a clear message and the right status, and
nothing already saved changes."""

import pytest

from tests.assessments.helpers import create, fill_everything
from tests.assessments.test_review import LOW_RISK, submitted
from tests.conftest import csrf_token_from

ODD_TEXTS = [
    "Rechts\u200fnaar\u200elinks \u202eomgekeerd\u202c",  # RTL/LTR marks and an override
    "Emoji 🧹🚲🏳️‍🌈 en 👩🏽‍💻",
    "Combineren: e\u0301e\u0301n, Z\u0335a\u0335l\u0335g\u0335o\u0335",
    "Nul\u200bbreedte en\ufeffBOM",
    "العربية en עברית naast Nederlands",
]


def snapshot(api, assessment_id):
    body = api("submitter").get(f"/api/v1/assessments/{assessment_id}").json
    return {k: body[k] for k in ("status", "version", "algorithm", "risk", "completeness")}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ([], 400, None),
        ("tekst", 400, None),
        ({"answers": "alles"}, 422, "answers"),
        ({"answers": {"core.purpose": 5}}, 422, "core.purpose"),
        ({"answers": {"core.purpose": "x" * 100_000}}, 422, "core.purpose"),
        ({"answers": {"core.risk_profiling": "misschien"}}, 422, "core.risk_profiling"),
        ({"answers": {"privacy.special_categories": "health"}}, 422, "privacy.special_categories"),
        (
            {"answers": {"discrimination.group_outcomes": [{"group": "A", "in_scope": -1}]}},
            422,
            "discrimination.group_outcomes",
        ),
        (
            {"answers": {"provenance.sources": [{"agreement_expires": "31-12-2027"}]}},
            422,
            "provenance.sources[0].agreement_expires",
        ),
        ({"answers": {"bestaat.niet": "ja"}}, 422, "bestaat.niet"),
        ({"answers": {"core.purpose": "Goed", "core.want_this": ["lijst"]}}, 422, "core.want_this"),
        ({"algorithm": {"name": "x" * 101}}, 422, "algorithm.name"),
        ({"algorithm": {"contact_email": "geen adres"}}, 422, "algorithm.contact_email"),
        ({}, 422, "answers"),
    ],
)
def test_bad_answer_updates_change_nothing(api, body, status, field):
    assessment = create(api)
    url = f"/api/v1/assessments/{assessment['id']}/answers"
    good = api("submitter").put(url, json={"answers": {"core.purpose": "Bewaard doel"}})
    assert good.status_code == 200
    before = snapshot(api, assessment["id"])
    response = api("submitter").put(url, json=body)
    assert response.status_code == status, response.json
    assert response.json["error"]["message"]
    if field:
        fields = response.json["error"].get("fields", {})
        assert any(key == field or key.startswith(field) for key in fields), fields
    assert snapshot(api, assessment["id"]) == before


def test_malformed_json_and_oversized_bodies(api, client):
    assessment = create(api)
    url = f"/api/v1/assessments/{assessment['id']}/answers"
    headers = {**api("submitter").headers, "Content-Type": "application/json"}
    broken = client.put(url, data='{"answers": {', headers=headers)
    assert broken.status_code == 400
    assert broken.json["error"]["code"]
    huge = client.put(
        url, data='{"answers": {"core.purpose": "' + "x" * 3_000_000 + '"}}', headers=headers
    )
    assert huge.status_code == 413
    assert huge.json["error"]["code"]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_unicode_round_trips_exactly(api, text):
    assessment = create(api, description_short=text)
    url = f"/api/v1/assessments/{assessment['id']}"
    saved = api("submitter").put(f"{url}/answers", json={"answers": {"core.purpose": text}})
    assert saved.status_code == 200
    questions = api("submitter").get(f"{url}/questions").json["questions"]
    purpose = next(q for q in questions if q["id"] == "core.purpose")
    assert purpose["answer"] == text.strip()
    assert saved.json["algorithm"]["description_short"] == text.strip()


def test_duplicate_submissions_and_decisions(api, board):
    assessment = submitted(api, LOW_RISK)
    url = f"/api/v1/assessments/{assessment['id']}"
    again = api("submitter").post(f"{url}/submit")
    assert again.status_code == 409
    first = api("reviewer").post(f"{url}/reviews", json={"decision": "approve"})
    assert first.status_code == 201
    second = api("reviewer").post(f"{url}/reviews", json={"decision": "approve"})
    assert second.status_code == 409
    late = api("reviewer2").post(
        f"{url}/reviews", json={"decision": "reject", "comment": "Te laat"}
    )
    assert late.status_code == 409
    assert api("submitter").get(url).json["versions"][0]["outcome"] == "approved"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": 1}, "decision"),
        ({"decision": "approve", "conditions": "geen lijst"}, "conditions"),
        ({"decision": "approve", "conditions": [{"text": 3}]}, "conditions[0].text"),
        ({"decision": "approve", "section_advice": ["core"]}, "section_advice"),
        (
            {"decision": "approve", "section_advice": {"onbekend": {"advice": "agree"}}},
            "section_advice.onbekend",
        ),
        ({"decision": "approve", "remaining_risks": "x" * 30_000}, "remaining_risks"),
        ({"decision": "approve", "proposed_reassessment": "volgend jaar"}, "proposed_reassessment"),
        ({"comment": "Geen besluit"}, "decision"),
    ],
)
def test_bad_reviews_are_refused_and_nothing_is_decided(api, board, body, field):
    assessment = submitted(api, LOW_RISK)
    url = f"/api/v1/assessments/{assessment['id']}"
    response = api("reviewer").post(f"{url}/reviews", json=body)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert api("submitter").get(url).json["status"] == "submitted"


def test_web_forms_refuse_oversized_and_keep_what_was_typed(client, users, login_as, api):
    login_as(users["submitter"])
    page = client.get("/intern/toetsingen/nieuw")
    token = csrf_token_from(page)
    too_long = client.post(
        "/intern/toetsingen/nieuw",
        data={"csrf_token": token, "name": "N" * 101, "description_short": "Mijn uitleg 🧹"},
    )
    assert too_long.status_code == 422
    assert "Mijn uitleg 🧹" in too_long.get_data(as_text=True)

    assessment = create(api)
    fill_everything(api, assessment["id"])
    url = f"/intern/toetsingen/{assessment['id']}/core"
    token = csrf_token_from(client.get(url))
    typed = "Een lange, zorgvuldige uitleg \u200fmet tekens van rechts naar links."
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "q-core.explain_to_residents": typed,
            "q-core.purpose": "x" * 50_000,
            "action": "save",
        },
    )
    assert response.status_code == 422
    assert typed in response.get_data(as_text=True)
    questions = api("submitter").get(f"/api/v1/assessments/{assessment['id']}/questions")
    kept = {q["id"]: q["answer"] for q in questions.json["questions"]}
    assert kept["core.purpose"] != "x" * 50_000  # the saved answer is untouched

    without_token = client.post(url, data={"q-core.purpose": "Zonder token", "action": "save"})
    assert without_token.status_code == 400
