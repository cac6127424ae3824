"""Helpers for driving the assessment API in tests."""

V1_SOURCE_FIELDS = (
    "partner",
    "dataset",
    "legal_basis",
    "agreement",
    "agreement_expires",
    "quality_checks",
    "pollution_risk",
    "pollution_filter",
    "feeds_back",
)
GOOD_SOURCE = {
    "partner": "police",
    "dataset": "Meldingen woonoverlast",
    "legal_basis": "Wpg art. 16",
    # Bank 2: a legal basis a lawyer can check, and the source's story (CRM, AVG art. 6(4)).
    "legal_basis_act": "Wet politiegegevens",
    "legal_basis_article": "artikel 16",
    "legal_basis_url": "https://wetten.overheid.nl/BWBR0022463/2024-01-01#Paragraaf3_Artikel16",
    "data_categories": "Aantal meldingen van overlast per straat en per week.",
    "partner_purpose": "Handhaving van de openbare orde.",
    "compatibility": "Ook ons doel is het beperken van overlast op het adres.",
    "collection": "Agenten leggen meldingen vast in het politiesysteem.",
    "retention_partner": "5 jaar",
    "retention_here": "1 jaar",
    "holds_earlier_outcomes": "no",
    "agreement": "covenant",
    "quality_checks": "Steekproef per kwartaal",
    "pollution_risk": "yes",
    "pollution_filter": "Alleen meldingen met een proces-verbaal",
    "pollution_filter_removes": "Meldingen zonder proces-verbaal.",
    "pollution_filter_checked": "Steekproef van 200 meldingen, twee beoordelaars.",
    "pollution_filter_remains": (
        "Meldingen met een proces-verbaal, ook uit motieven die wij niet zien."
    ),
    "feeds_back": "no",
}


# The same source as bank 1 knew it (its row had fewer fields).
V1_SOURCE = {key: value for key, value in GOOD_SOURCE.items() if key in V1_SOURCE_FIELDS}


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
    if kind == "yes_no_unsure":
        # "No": in bank 2 "unsure" counts as "yes" for every hard rule (and blocks art. 5).
        return "no"
    if kind in ("choice", "scale4"):
        return question["options"][0]["value"]
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
