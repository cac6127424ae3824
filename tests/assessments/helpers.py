"""Helpers for driving the assessment API in tests."""

GOOD_SOURCE = {
    "partner": "police",
    "dataset": "Meldingen woonoverlast",
    "legal_basis": "Wpg art. 16",
    "agreement": "covenant",
    "quality_checks": "Steekproef per kwartaal",
    "pollution_risk": "yes",
    "pollution_filter": "Alleen meldingen met een proces-verbaal",
    "feeds_back": "no",
}


def create(api, role="submitter", **fields):
    response = api(role).post(
        "/api/v1/assessments", json={"algorithm": {"name": "Woonfraude signalen", **fields}}
    )
    assert response.status_code == 201, response.json
    return response.json


def fill_everything(api, assessment_id):
    """Answer every shown required question with a valid value, via the questions endpoint."""
    url = f"/api/v1/assessments/{assessment_id}"
    for _round in range(4):  # follow-ups appear as answers arrive
        questions = api("submitter").get(f"{url}/questions").json["questions"]
        updates = {}
        for q in questions:
            if not q["shown"] or not q["required"] or q["answer"] not in (None, "", []):
                continue
            updates[q["id"]] = sample_answer(q)
        if not updates:
            break
        response = api("submitter").put(f"{url}/answers", json={"answers": updates})
        assert response.status_code == 200, response.json
    api("submitter").put(
        f"{url}/answers",
        json={
            "algorithm": {
                "description_short": "Een korte uitleg.",
                "status": "In ontwikkeling",
                "publication_category": "Impactvolle algoritmes",
                "contact_email": "algoritmes@utrecht.nl",
                "objection_procedure": "<p>Maak bezwaar binnen zes weken.</p>",
            }
        },
    )


def sample_answer(question):
    kind = question["type"]
    if kind in ("text", "textarea"):
        return "Voorbeeldantwoord."
    if kind in ("yes_no_unsure", "choice", "scale4"):
        return (
            question["options"][-1]["value"]
            if kind == "yes_no_unsure"
            else question["options"][0]["value"]
        )
    if kind == "multichoice":
        return [question["options"][-1]["value"]]
    if kind == "number":
        return 1
    if kind == "date":
        return "2027-01-31"
    if kind == "url":
        return "https://www.utrecht.nl/"
    if kind == "boolean":
        return True
    if kind == "group":
        return [{sub["id"]: sample_answer(sub) for sub in question["questions"] if sub["required"]}]
    raise AssertionError(kind)
