"""Bank 2: submission is refused while the level's demands are missing or a finding blocks
it, through the one place (operations.submission_problems), for the API and the web alike;
a high-risk AI system is published only with its EU database link."""

from __future__ import annotations

import pytest

from assessments.models import Assessment
from portal.extensions import db
from register import operations as register_operations
from register.models import Algorithm
from tests.assessments.bank2_answers import BANK_2, answers, profiling
from tests.assessments.helpers import create
from tests.assessments.test_review import decide
from tests.conftest import csrf_token_from

REGISTER = {
    "description_short": "Een korte uitleg.",
    "status": "In ontwikkeling",
    "publication_category": "Impactvolle algoritmes",
    "contact_email": "algoritmes@utrecht.nl",
    "objection_procedure": "<p>Maak bezwaar binnen zes weken.</p>",
}
FRIA = {
    "ai_act.is_ai_system": "yes",
    "ai_act.annex_iii": ["essential_services_benefits"],
    "ai_act.fria_processes": "Selectie voor controle.",
    "ai_act.fria_period_frequency": "Maandelijks.",
    "ai_act.fria_persons": "Aanvragers.",
    "ai_act.fria_risks": "Discriminatie.",
    "ai_act.fria_oversight": "Medewerker beslist.",
    "ai_act.fria_measures": "Stoppen.",
}


def started(api, given: dict, **register) -> dict:
    assessment = create(api)
    assert assessment["bank"]["version"] == BANK_2.version  # new assessments start on bank 2
    url = f"/api/v1/assessments/{assessment['id']}"
    saved = api("submitter").put(
        f"{url}/answers", json={"answers": given, "algorithm": {**REGISTER, **register}}
    )
    assert saved.status_code == 200, saved.json
    return saved.json


def submit(api, assessment_id: int):
    return api("submitter").post(f"/api/v1/assessments/{assessment_id}/submit")


def test_a_complete_benign_assessment_is_submitted(api):
    assessment = started(api, answers())
    response = submit(api, assessment["id"])
    assert response.status_code == 200, response.json
    risk = response.json["risk"]
    assert (risk["level"], risk["determinable"], risk["findings"]) == (1, True, [])


@pytest.mark.parametrize(
    ("given", "register", "field", "words"),
    [
        (answers({"ai_act.social_scoring": "unsure"}), {}, "ai_act.social_scoring", "art. 5"),
        (
            profiling(
                {
                    "discrimination.group_outcomes": [],
                    "discrimination.group_analysis_none_reason": "",
                }
            ),
            {},
            "discrimination.group_outcomes",
            "group outcome analysis",
        ),
        (answers(FRIA), {}, "algorithm.publication_category", "Hoog-risico AI-systeem"),
        (
            answers({**FRIA, "ai_act.fria_risks": ""}),
            {"publication_category": "Hoog-risico AI-systeem"},
            "ai_act.fria_risks",
            "",  # the bank requires each FRIA answer; the level demands them too
        ),
        (
            profiling({"privacy.special_categories": ["ethnicity_origin"]}),
            {},
            "discrimination.direct_grounds",
            "special_categories_vs_grounds",
        ),
        (
            profiling({"privacy.dpia_status": "in_progress"}),
            {},
            "privacy.dpia_status",
            "DPIA",
        ),
    ],
)
def test_the_api_refuses_submission_and_says_which_demand_is_missing(
    api, given, register, field, words
):
    assessment = started(api, given, **register)
    response = submit(api, assessment["id"])
    assert response.status_code == 422, response.json
    fields = response.json["error"]["fields"]
    assert words in fields[field], fields
    assert db.session.get(Assessment, assessment["id"]).status == "draft"


def test_an_explanation_lets_a_cross_checked_assessment_through(api):
    given = profiling(
        {
            "privacy.special_categories": ["health"],
            "explanations.items": [
                {
                    "finding": "special_categories_vs_grounds",
                    "explanation": "Alleen voor de hulpvraag, niet in het model.",
                }
            ],
        }
    )
    assessment = started(api, given)
    response = submit(api, assessment["id"])
    assert response.status_code == 200, response.json


def test_the_overview_does_not_offer_submission_while_a_demand_is_missing(
    api, client, users, login_as
):
    assessment = started(api, answers({"ai_act.face_scraping": "yes"}))
    login_as(users["submitter"])
    overview = client.get(f"/intern/toetsingen/{assessment['id']}")
    assert "Indienen voor beoordeling" not in overview.get_data(as_text=True)
    submitted = client.post(
        f"/intern/toetsingen/{assessment['id']}/indienen",
        data={"csrf_token": csrf_token_from(overview)},
    )
    assert submitted.status_code == 302
    assert db.session.get(Assessment, assessment["id"]).status == "draft"


def test_the_register_refuses_a_high_risk_ai_system_without_eu_link(app):
    content = {
        "name": "Risicomodel",
        "description_short": "Kort.",
        "organization": "Gemeente Utrecht",
        "status": "In gebruik",
        "contact_email": "a@utrecht.nl",
        "publication_category": "Hoog-risico AI-systeem",
        "lang": "nld",
    }
    algorithm = register_operations.create_algorithm(db.session, content)
    with pytest.raises(register_operations.PublicationRefusedError) as refused:
        register_operations.publish(db.session, algorithm, content, require_eu_registration=True)
    assert "eu_database_url" in refused.value.problems
    assert refused.value.problems["eu_database_url"].code == "eu_database_missing"
    # Entries of other organisations (the importer) are not held to our own rule.
    register_operations.publish(db.session, algorithm, content)
    linked = {**content, "eu_database_url": "https://ec.europa.eu/eu-db/1"}
    register_operations.publish(db.session, algorithm, linked, require_eu_registration=True)


def _approve_by_everyone(api, assessment_id: int, board: list[str]) -> dict:
    body = {}
    for role in [*board, "privacy_officer"]:
        response = decide(api, role, assessment_id)
        assert response.status_code == 201, response.json
        body = response.json
    return body


def test_an_approved_high_risk_system_is_published_with_its_eu_link(api, board):
    given = profiling({**FRIA, "ai_act.eu_database_url": "https://ec.europa.eu/eu-db/42"})
    assessment = started(api, given, publication_category="Hoog-risico AI-systeem")
    assert submit(api, assessment["id"]).status_code == 200
    body = _approve_by_everyone(api, assessment["id"], board)
    assert body["assessment"]["status"] == "approved"
    stored = db.session.get(Assessment, assessment["id"])
    assert stored.publication_pending is False
    algorithm = db.session.get(Algorithm, stored.algorithm_id)
    assert algorithm.is_published
    assert algorithm.versions[-1].content["eu_database_url"] == "https://ec.europa.eu/eu-db/42"


def test_a_high_risk_system_without_eu_link_cannot_be_submitted(api, board):
    # Answers freeze at submission and approval publishes at once: a link missing at
    # submission could never be added before publication, so it is asked for then.
    assessment = started(api, profiling(FRIA), publication_category="Hoog-risico AI-systeem")
    refused = submit(api, assessment["id"])
    assert refused.status_code == 422, refused.json
    assert "EU database" in refused.json["error"]["fields"]["ai_act.eu_database_url"]
    url = f"/api/v1/assessments/{assessment['id']}"
    link = {"ai_act.eu_database_url": "https://ec.europa.eu/ai-act-database/123"}
    assert api("submitter").put(f"{url}/answers", json={"answers": link}).status_code == 200
    submitted = submit(api, assessment["id"])
    assert submitted.status_code == 200, submitted.json
    eu = next(d for d in submitted.json["risk"]["requirements"] if d["id"] == "eu_database")
    assert (eu["met"], eu["before"]) == (True, "submission")


def test_the_record_shows_what_the_level_demands(api, board):
    from assessments.records.context import record_html
    from assessments.review.queries import current_version

    given = profiling({"discrimination.group_data_available": "no"})
    assessment = started(api, given)
    assert submit(api, assessment["id"]).status_code == 200
    _approve_by_everyone(api, assessment["id"], board)
    stored = db.session.get(Assessment, assessment["id"])
    version = current_version(stored)
    public, _data = record_html(stored, version, "public")
    assert "Wat dit niveau vraagt" in public
    assert "de voltallige klankbordgroep en de privacyfunctionaris" in public
    assert "Voorgestelde voorwaarde: Verzamel binnen zes maanden" in public
    internal, _data = record_html(stored, version, "internal")
    assert "Wat dit niveau vraagt" in internal
    assert "Signalen uit de controle van de antwoorden" in internal
    assert "Er zijn geen gegevens om te controleren" in internal  # the no-group-data finding
    assert "Signalen uit de controle van de antwoorden" not in public
