"""The internal assessment API as a script uses it: tokens, validation, atomicity, states."""

import pytest

from assessments.models import Assessment
from portal import audit
from portal.extensions import db
from tests.assessments.helpers import GOOD_SOURCE, create, fill_everything


def test_create_returns_the_draft_with_risk_and_completeness(api):
    body = create(api, description_short="Signalen voor controle op woonfraude.")
    assert body["status"] == "draft"
    assert body["version"] == 1
    assert body["algorithm"]["name"] == "Woonfraude signalen"
    assert body["algorithm"]["organization"] == "Gemeente Utrecht"
    assert body["risk"]["level"] == 1
    assert set(body["risk"]) >= {
        "level",
        "label",
        "score",
        "max_score",
        "discount_applied",
        "reasons",
        "rules",
        "weights_version",
    }
    assert body["completeness"]["answered"] == 0
    again = api("submitter").get(f"/api/v1/assessments/{body['id']}")
    assert again.json["id"] == body["id"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"algorithm": {}}, "name"),  # the name rule names its field, as for a long name
        ({"algorithm": {"name": "x" * 101}}, "name"),
        ({"algorithm": {"name": "Ok", "status": "Misschien"}}, "status"),
        ({"algorithm": {"name": "Ok", "kleur": "blauw"}}, "algorithm.kleur"),
        ({"algorithm": "Ok"}, "algorithm"),
    ],
)
def test_create_rejects_bad_register_fields(api, payload, field):
    response = api("submitter").post("/api/v1/assessments", json=payload)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert db.session.query(Assessment).count() == 0


def test_bodies_that_are_not_json_objects_get_400(api):
    response = api("submitter").post(
        "/api/v1/assessments", data="niet json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_questions_show_answers_and_conditions(api):
    assessment = create(api)
    url = f"/api/v1/assessments/{assessment['id']}"
    api("submitter").put(f"{url}/answers", json={"answers": {"privacy.personal_data": "no"}})
    questions = {q["id"]: q for q in api("submitter").get(f"{url}/questions").json["questions"]}
    assert questions["privacy.personal_data"]["answer"] == "no"
    assert questions["privacy.special_categories"]["shown"] is False
    assert [o["value"] for o in questions["core.decision_type"]["options"]] == [
        "informative",
        "decision_support",
        "automated",
    ]
    sources = questions["provenance.sources"]
    assert sources["type"] == "group"
    assert [sub["id"] for sub in sources["questions"]][:2] == ["partner", "dataset"]
    api("submitter").put(f"{url}/answers", json={"answers": {"privacy.personal_data": "yes"}})
    questions = {
        q["id"]: q for q in api("submitter").get(f"{url}/questions?lang=en").json["questions"]
    }
    assert questions["privacy.special_categories"]["shown"] is True


def test_answers_are_atomic(api):
    assessment = create(api)
    url = f"/api/v1/assessments/{assessment['id']}/answers"
    ok = api("submitter").put(url, json={"answers": {"core.purpose": "Minder woonfraude."}})
    assert ok.status_code == 200
    bad = api("submitter").put(
        url,
        json={
            "answers": {
                "core.purpose": "Dit mag niet opgeslagen worden",
                "core.risk_profiling": "misschien",
                "provenance.sources": [{**GOOD_SOURCE, "partner": "fbi"}],
            }
        },
    )
    assert bad.status_code == 422
    fields = bad.json["error"]["fields"]
    assert set(fields) == {"core.risk_profiling", "provenance.sources[0].partner"}
    stored = db.session.get(Assessment, assessment["id"])
    db.session.refresh(stored)
    assert stored.answers == {"core.purpose": "Minder woonfraude."}


def test_risk_level_follows_the_answers(api):
    assessment = create(api)
    url = f"/api/v1/assessments/{assessment['id']}"
    body = (
        api("submitter")
        .put(
            f"{url}/answers",
            json={
                "answers": {
                    "core.risk_profiling": "yes",
                    "discrimination.direct_grounds": ["nationality"],
                    "provenance.sources": [GOOD_SOURCE],
                    "discrimination.group_outcomes": [
                        {
                            "group": "Overvecht",
                            "in_scope": 1200,
                            "selected": 90,
                            "reference": False,
                        },
                        {
                            "group": "Heel Utrecht",
                            "in_scope": 20000,
                            "selected": 600,
                            "reference": True,
                        },
                    ],
                }
            },
        )
        .json
    )
    assert body["risk"]["level"] == 4
    rules = {rule["id"]: rule for rule in body["risk"]["rules"]}
    assert rules["direct_ground"]["blocking"] is True
    assert "group_outcome_flagged" in rules
    overvecht = body["group_outcomes"]["rows"][0]
    assert overvecht["selection_rate"] == 0.075
    # Bank 2: against the rest of the table (600 of 20,000 = 3%), not the reference.
    assert overvecht["ratio_to_rest"] == 2.5
    assert overvecht["p_adjusted"] < 0.001
    assert overvecht["flagged"] is True
    # Against each other, both sides of the gap are flagged (0.4 is outside 0.8-1.25 too).
    assert body["group_outcomes"]["flagged_groups"] == ["Overvecht", "Heel Utrecht"]


def test_bad_group_counts_are_explained(api):
    assessment = create(api)
    response = api("submitter").put(
        f"/api/v1/assessments/{assessment['id']}/answers",
        json={
            "answers": {
                "core.risk_profiling": "yes",
                "discrimination.group_outcomes": [
                    {"group": "A", "in_scope": 10, "selected": 20, "reference": True},
                ],
            }
        },
    )
    assert response.status_code == 422
    assert "discrimination.group_outcomes[0].selected" in response.json["error"]["fields"]
    response = api("submitter").put(
        f"/api/v1/assessments/{assessment['id']}/answers",
        json={
            "answers": {
                "discrimination.group_outcomes": [
                    {"group": "A", "in_scope": 10, "selected": 2, "reference": False}
                ],
            }
        },
    )
    # Bank 2 needs no reference group; a version-1 assessment still asks for exactly one.
    assert response.status_code == 200, response.json
    _pin_to_bank_version_1(assessment["id"])
    response = api("submitter").put(
        f"/api/v1/assessments/{assessment['id']}/answers",
        json={
            "answers": {
                "discrimination.group_outcomes": [
                    {"group": "A", "in_scope": 10, "selected": 2, "reference": False}
                ],
            }
        },
    )
    assert "discrimination.group_outcomes" in response.json["error"]["fields"]


def _pin_to_bank_version_1(assessment_id: int) -> None:
    """An assessment started before bank 2 (version 1 keeps its own rules)."""
    db.session.get(Assessment, assessment_id).bank_version = 1
    db.session.commit()


V1_ROWS = [
    {"group": "Overvecht", "in_scope": 1200, "selected": 90, "reference": False},
    {"group": "Heel Utrecht", "in_scope": 20000, "selected": 600, "reference": True},
]
V1_ROW_KEYS = {
    "group",
    "in_scope",
    "selected",
    "reference",
    "selection_rate",
    "ratio_to_reference",
    "flagged",
    "p_value",
    "significant",
}


def test_version_1_group_outcomes_keep_their_output(api):
    assessment = create(api)
    _pin_to_bank_version_1(assessment["id"])
    body = (
        api("submitter")
        .put(
            f"/api/v1/assessments/{assessment['id']}/answers",
            json={
                "answers": {"core.risk_profiling": "yes", "discrimination.group_outcomes": V1_ROWS}
            },
        )
        .json
    )
    outcomes = body["group_outcomes"]
    assert set(outcomes) == {"rows", "flagged_groups", "problems"}
    assert set(outcomes["rows"][0]) == V1_ROW_KEYS
    assert outcomes["rows"][0]["ratio_to_reference"] == 2.5
    assert outcomes["flagged_groups"] == ["Overvecht"]


def test_version_2_group_outcomes_add_the_new_figures(api):
    assessment = create(api)
    rows = [
        {"table": "Wijk, selectie", "group": "Wijk A", "in_scope": "5.000", "selected": 645},
        {"table": "Wijk, selectie", "group": "Wijk B", "in_scope": "5.000", "selected": 560},
        {"table": "Wijk, selectie", "group": "Wijk C", "in_scope": "5.000", "selected": 500},
        {
            "dimension": "age_band",
            "stage": "selection",
            "group": "Jong",
            "in_scope": 10,
            "selected": 3,
        },
        {
            "dimension": "age_band",
            "stage": "selection",
            "group": "Oud",
            "in_scope": 10,
            "selected": 2,
        },
    ]
    response = api("submitter").put(
        f"/api/v1/assessments/{assessment['id']}/answers",
        json={"answers": {"core.risk_profiling": "yes", "discrimination.group_outcomes": rows}},
    )
    assert response.status_code == 200, response.json
    outcomes = response.json["group_outcomes"]
    assert outcomes["flagged_groups"] == ["Wijk A", "Wijk C"]
    assert outcomes["insufficient_groups"] == ["Jong", "Oud"]
    first = outcomes["rows"][0]
    assert {
        "group",
        "flagged",
        "ratio_to_rest",
        "ci_low",
        "ci_high",
        "p_value",
        "p_adjusted",
        "insufficient_data",
        "hit_rate",
        "table",
        "dimension",
        "stage",
    } <= set(first)
    assert first["in_scope"] == 5000  # "5.000" read with its Dutch thousands separator
    assert [t["table"] for t in outcomes["tables"]] == ["Wijk, selectie", ""]
    extremes = outcomes["tables"][0]["extremes"]
    assert extremes["ratio"] == pytest.approx(1.29)
    assert extremes["p_adjusted"] < 0.001
    assert outcomes["tables"][1]["extremes"] is None
    assert (
        response.json["group_outcomes"]
        == api("submitter").get(f"/api/v1/assessments/{assessment['id']}").json["group_outcomes"]
    )


def test_only_owner_and_admin_edit(api):
    assessment = create(api)
    url = f"/api/v1/assessments/{assessment['id']}/answers"
    body = {"answers": {"core.purpose": "Anders"}}
    assert api("other_submitter").put(url, json=body).status_code == 403
    assert api("reviewer").put(url, json=body).status_code == 403
    assert api("admin").put(url, json=body).status_code == 200
    assert api("reviewer").get(f"/api/v1/assessments/{assessment['id']}").status_code == 403
    assert api("submitter").get("/api/v1/assessments/99999").status_code == 404
    assert (
        api("reviewer").post("/api/v1/assessments", json={"algorithm": {"name": "x"}}).status_code
        == 403
    )


def test_submit_lists_what_is_missing_then_freezes(api):
    assessment = create(api)
    url = f"/api/v1/assessments/{assessment['id']}"
    missing = api("submitter").post(f"{url}/submit")
    assert missing.status_code == 422
    assert "core.purpose" in missing.json["error"]["fields"]
    fill_everything(api, assessment["id"])
    submitted = api("submitter").post(f"{url}/submit")
    assert submitted.status_code == 200, submitted.json
    assert submitted.json["status"] == "submitted"
    assert api("submitter").post(f"{url}/submit").status_code == 409
    frozen = api("submitter").put(f"{url}/answers", json={"answers": {"core.purpose": "Later"}})
    assert frozen.status_code == 409
    assert api("reviewer").get(url).status_code == 200  # the board sees submitted work
    actions = [e.action for e in db.session.scalars(db.select(audit.AuditEvent))]
    assert "assessment.created" in actions
    assert "assessment.submitted" in actions


def test_register_fields_are_edited_with_the_answers(api):
    assessment = create(api)
    url = f"/api/v1/assessments/{assessment['id']}/answers"
    body = (
        api("submitter")
        .put(url, json={"algorithm": {"goal": "<p onclick='x'>Doel</p><script>x</script>"}})
        .json
    )
    assert body["algorithm"]["goal"] == "<p>Doel</p>"
    assert body["algorithm"]["name"] == "Woonfraude signalen"  # untouched fields stay
    bad = api("submitter").put(url, json={"algorithm": {"website": "geen-url"}})
    assert bad.status_code == 422
    assert "algorithm.website" in bad.json["error"]["fields"]
