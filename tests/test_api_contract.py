"""The API keeps its word: version numbers match the site, 405s say what is allowed, and
the OpenAPI description says what the answers really are."""

import re

from portal.extensions import db
from register import operations
from tests.assessments.conftest import api  # noqa: F401 (the fixture, shared)
from tests.conftest import entry_data


def _publish_with_a_draft_between(slug: str) -> None:
    """Published v1, draft v2, published v3: the site links versies/3."""
    algorithm = operations.create_algorithm(db.session, entry_data(), slug=slug)
    db.session.flush()
    operations.publish(db.session, algorithm, entry_data(), "eerste")
    operations.save_draft(db.session, algorithm, entry_data(name="Concept"), "concept")
    operations.publish(db.session, algorithm, entry_data(name="Nieuwe naam"), "tweede")
    db.session.commit()


def _site_latest_version(client, slug: str) -> int:
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    numbers = [int(n) for n in re.findall(rf"/algoritmes/{slug}/versies/(\d+)", page)]
    assert numbers, "the entry page links its versions"
    return max(numbers)


def test_api_version_is_the_number_the_site_links(client):
    _publish_with_a_draft_between("met-concept")
    site = _site_latest_version(client, "met-concept")
    assert site == 3
    assert client.get(f"/algoritmes/met-concept/versies/{site}").status_code == 200
    assert client.get("/api/v1/algorithms/met-concept").json["version"] == site
    items = client.get("/api/v1/algorithms").json["items"]
    assert [item["version"] for item in items if item["slug"] == "met-concept"] == [site]


def test_list_items_carry_an_integer_version(client, publish_entry):
    publish_entry(slug="een")
    item = client.get("/api/v1/algorithms").json["items"][0]
    assert item["version"] == 1
    spec = client.get("/api/openapi.json").json
    version = spec["components"]["schemas"]["AlgorithmSchema"]["properties"]["version"]
    assert version["type"] == "integer"
    assert not version.get("nullable")
    assert "version" in spec["components"]["schemas"]["AlgorithmSchema"]["required"]


def test_405_carries_allow_for_json_and_html(client):
    answer = client.post("/api/v1/algorithms")
    assert answer.status_code == 405
    assert answer.json["error"]["code"] == "method_not_allowed"
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    page = client.delete("/algoritmes")
    assert page.status_code == 405
    assert "GET" in page.headers["Allow"]
    assert "text/html" in page.content_type


def test_openapi_documents_required_fields_errors_and_headers(client):
    spec = client.get("/api/openapi.json").json
    schemas = spec["components"]["schemas"]
    create = spec["paths"]["/api/v1/assessments"]["post"]
    assert create["requestBody"]["required"] is True
    algorithm = schemas["CreateAssessmentSchema"]["properties"]["algorithm"]
    assert "algorithm" in schemas["CreateAssessmentSchema"]["required"]
    assert algorithm["required"] == ["name"]
    assert algorithm["properties"]["name"]["maxLength"] == 100
    assert algorithm["additionalProperties"] is False
    assert {"400", "401", "403", "413", "422", "429"} <= set(create["responses"])
    one = spec["paths"]["/api/v1/assessments/{assessment_id}"]["get"]
    assert {"400", "401", "403", "404"} <= set(one["responses"])
    assert "ETag" in one["responses"]["200"]["headers"]
    answers = spec["paths"]["/api/v1/assessments/{assessment_id}/answers"]["put"]
    assert {"409", "412", "422"} <= set(answers["responses"])
    answer_ids = schemas["UpdateAssessmentSchema"]["properties"]["answers"]["properties"]
    assert answer_ids["core.risk_profiling"]["enum"]
    assessment = schemas["AssessmentSchema"]
    assert {"id", "status", "version", "risk", "completeness", "algorithm"} <= set(
        assessment["required"]
    )
    assert assessment["properties"]["submitted_at"]["nullable"] is True
    review = spec["paths"]["/api/v1/assessments/{assessment_id}/reviews"]["post"]
    assert review["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReviewResultSchema"
    }
    error = schemas["ErrorSchema"]
    assert error["required"] == ["error"]


def test_shape_errors_name_the_field_with_its_index(api):  # noqa: F811
    response = api("submitter").post("/api/v1/assessments", json={"algorithm": ["Ok"]})
    assert response.status_code == 422
    assert "algorithm" in response.json["error"]["fields"]


def test_the_list_refuses_parameters_the_description_does_not_allow(client, publish_entry):
    """The description says page is an integer from 1, per_page at most 100, sort one of
    three: the API refuses anything else (422 naming it) instead of quietly answering
    page 1; the site's /algoritmes stays forgiving for people typing addresses."""
    publish_entry(slug="een")
    for query, name in [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("per_page=101", "per_page"),
        ("sort=oldest", "sort"),
        ("sort=name&sort=name", "sort"),
        ("page=1&page=2", "page"),
        ("risk_level=9", "risk_level[0]"),
        ("q=" + "x" * 201, "q"),
        ("theme=" + "&theme=".join(["t"] * 21), "theme"),
    ]:
        answer = client.get(f"/api/v1/algorithms?{query}")
        assert answer.status_code == 422, query
        assert name in answer.json["error"]["fields"], (query, answer.json)
    body = client.get("/api/v1/algorithms?page=1&per_page=100&sort=name&risk_level=2&theme=")
    assert body.status_code == 200
    assert (body.json["page"], body.json["per_page"]) == (1, 100)
    assert client.get("/api/v1/algorithms?lang=en&utm_source=x").status_code == 200
    assert client.get("/algoritmes?page=abc").status_code == 200


def test_the_list_parameters_are_described_as_checked(client):
    spec = client.get("/api/openapi.json").json
    operation = spec["paths"]["/api/v1/algorithms"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["page"]["schema"]["type"] == "integer"
    assert parameters["page"]["schema"]["minimum"] == 1
    assert parameters["per_page"]["schema"]["maximum"] == 100
    assert parameters["sort"]["schema"]["enum"] == ["relevance", "name", "recent"]
    assert parameters["theme"]["schema"]["maxItems"] == 20
    assert parameters["theme"]["explode"] is True
    assert "422" in operation["responses"]


def test_register_fields_of_the_wrong_type_are_refused_not_converted(api):  # noqa: F811
    """The description says text fields are strings: a number for a name used to be
    written out as text and accepted."""
    for algorithm, field in [
        ({"name": 12345}, "name"),
        ({"name": "Ok", "category": "Wonen"}, "category"),
        ({"name": "Ok", "status": " In gebruik "}, "status"),
        ({"name": "Ok", "website": "www.utrecht.nl"}, "website"),
        (
            {
                "name": "Ok",
                "source_data_grouping": [{"title": "t", "link": "https://x.nl", "x": "y"}],
            },
            "source_data_grouping[0].x",
        ),
    ]:
        answer = api("submitter").post("/api/v1/assessments", json={"algorithm": algorithm})
        assert answer.status_code == 422, algorithm
        assert field in answer.json["error"]["fields"], (algorithm, answer.json)
    created = api("submitter").post(
        "/api/v1/assessments",
        json={"algorithm": {"name": "Ok", "website": "HTTPS://utrecht.nl", "category": ["Wonen"]}},
    )
    assert created.status_code == 201


def test_an_empty_update_is_described_as_refused(api, client):  # noqa: F811
    created = api("submitter").post("/api/v1/assessments", json={"algorithm": {"name": "Ok"}})
    answer = api("submitter").put(f"/api/v1/assessments/{created.json['id']}/answers", json={})
    assert answer.status_code == 422
    spec = client.get("/api/openapi.json").json
    assert spec["components"]["schemas"]["UpdateAssessmentSchema"]["minProperties"] == 1


def test_review_rules_across_fields_are_in_the_description(client):
    spec = client.get("/api/openapi.json").json
    review = spec["components"]["schemas"]["ReviewInSchema"]
    with_comment = review["allOf"][0]["anyOf"]
    assert {"required": ["comment"], "properties": {"comment": {"pattern": r"\S"}}} in with_comment
    assert review["properties"]["section_advice"]["additionalProperties"] is False
    assert set(review["properties"]["section_advice"]["properties"]) >= {"core", "privacy"}
    condition = spec["components"]["schemas"]["ConditionIn"]
    assert set(condition["required"]) == {"text", "owner", "deadline"}
    assert "anyOf" in spec["components"]["schemas"]["SectionAdviceIn"]
