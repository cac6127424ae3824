"""One rule in one place: the national month on retirement, the name rule for web and API,
and "processes personal data" read from shown answers only."""

from __future__ import annotations

import json

import pytest

from assessments import answers as answer_rules
from assessments.bank import current_bank
from assessments.models import Assessment
from portal.extensions import db
from register import exchange
from register.models import Algorithm
from register.standard import national_problems
from tests.assessments.helpers import create
from tests.assessments.test_review import LOW_RISK, decide, submitted
from tests.conftest import csrf_token_from


def test_retiring_from_the_web_form_keeps_the_national_month(api, client, users, login_as):
    assessment = submitted(api, LOW_RISK)
    assert decide(api, "reviewer", assessment["id"]).status_code == 201
    stored = db.session.get(Assessment, assessment["id"])
    algorithm_id, slug = stored.algorithm_id, stored.algorithm.slug
    login_as(users["submitter"])
    token = csrf_token_from(client.get(f"/intern/toetsingen/{assessment['id']}"))
    retired = client.post(
        f"/intern/algoritmes/{algorithm_id}/buiten-gebruik",
        data={"csrf_token": token, "end_date": "2026-11-30", "reason": "Vervangen"},
    )
    assert retired.status_code == 302
    db.session.expire_all()
    algorithm = db.session.get(Algorithm, algorithm_id)
    assert algorithm.content["end_date"] == "2026-11"
    assert algorithm.versions[-1].content["end_date"] == "2026-11"
    # The national export of the entry passes the national rules.
    assert national_problems(exchange.national_record(algorithm)) == {}
    exported = client.application.test_cli_runner().invoke(
        args=["register", "export", "--format", "json"]
    )
    assert exported.exit_code == 0, exported.output
    assert {"id": slug, "end_date": "2026-11"}.items() <= next(
        row for row in json.loads(exported.output) if row["id"] == slug
    ).items()


# Names that name nothing: spaces the cleaning keeps, invisible characters, punctuation.
EMPTY_NAMES = ["\u200b", "&#8203;", "\u00ad", "\u2800", "-", " . "]


@pytest.mark.parametrize("name", EMPTY_NAMES)
def test_the_api_refuses_an_empty_name_like_the_web_form(api, client, users, login_as, name):
    assessment = create(api)
    url = f"/api/v1/assessments/{assessment['id']}"
    response = api("submitter").put(f"{url}/answers", json={"algorithm": {"name": name}})
    assert response.status_code == 422
    assert "algorithm.name" in response.json["error"]["fields"]
    assert api("submitter").get(url).json["algorithm"]["name"] == "Woonfraude signalen"
    started = api("submitter").post("/api/v1/assessments", json={"algorithm": {"name": name}})
    assert started.status_code == 422
    assert "name" in started.json["error"]["fields"]

    login_as(users["submitter"])
    form_url = f"/intern/toetsingen/{assessment['id']}/algoritme"
    web = client.post(
        form_url, data={"csrf_token": csrf_token_from(client.get(form_url)), "name": name}
    )
    assert web.status_code == 422
    assert "Geef het algoritme een naam." in web.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Assessment, assessment["id"]).register_fields["name"] == (
        "Woonfraude signalen"
    )


# Personal data answered "no" after a sensitive category was chosen: the category question
# is hidden now, its stored answer must not count.
STALE_SPECIAL = {**LOW_RISK, "privacy.special_categories": ["health"]}


def test_hidden_answers_do_not_make_it_personal_data():
    bank = current_bank()
    assert not answer_rules.processes_personal_data(bank, STALE_SPECIAL)
    shown = {**STALE_SPECIAL, "privacy.personal_data": "unsure"}
    assert answer_rules.processes_personal_data(bank, shown)
    assert answer_rules.processes_personal_data(bank, {**LOW_RISK, "privacy.personal_data": "yes"})


def test_a_hidden_special_category_does_not_call_the_privacy_officer(api, users):
    assessment = submitted(api, STALE_SPECIAL)
    stored = db.session.get(Assessment, assessment["id"])
    assert stored.answers["privacy.special_categories"] == ["health"]  # kept, but hidden
    assert stored.versions[-1].personal_data is False
    # Level 1 without personal data: one sounding-board member decides alone.
    outcome = decide(api, "reviewer", assessment["id"]).json["outcome"]
    assert outcome["state"] == "approved"
