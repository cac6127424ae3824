"""A tiny question bank whose sums can be worked out by hand."""

from assessments.bank import parse_bank


def t(text: str) -> dict:
    return {"nl": text, "en": text}


YNU = [
    {"value": "yes", "label": t("Ja"), "weight": 4},
    {"value": "no", "label": t("Nee"), "weight": 0},
    {"value": "unsure", "label": t("Weet niet"), "weight": 2},
]

SMALL_BANK = {
    "id": "small",
    "version": 1,
    "weights_version": "small-1",
    "title": t("Klein"),
    "sections": [{"id": "core", "title": t("Kern")}, {"id": "provenance", "title": t("Bronnen")}],
    "questions": [
        {
            "id": "core.purpose",
            "section": "core",
            "type": "textarea",
            "required": True,
            "text": t("Doel"),
        },
        # risk: max 4
        {
            "id": "core.risk_profiling",
            "section": "core",
            "type": "yes_no_unsure",
            "required": True,
            "scoring": "risk",
            "text": t("Profilering"),
            "options": YNU,
        },
        # risk: multichoice max 3 + 4 + 0 = 7
        {
            "id": "core.grounds",
            "section": "core",
            "type": "multichoice",
            "scoring": "risk",
            "text": t("Gronden"),
            "options": [
                {"value": "age", "label": t("Leeftijd"), "weight": 3},
                {"value": "religion", "label": t("Religie"), "weight": 4},
                {"value": "none", "label": t("Geen"), "weight": 0},
            ],
        },
        {
            "id": "core.why",
            "section": "core",
            "type": "text",
            "required": True,
            "text": t("Waarom"),
            "show_if": {
                "question": "core.risk_profiling",
                "operator": "any",
                "value": ["yes", "unsure"],
            },
        },
        # mitigation: max 5
        {
            "id": "core.four_eyes",
            "section": "core",
            "type": "choice",
            "scoring": "mitigation",
            "text": t("Vier ogen"),
            "options": [
                {"value": "always", "label": t("Altijd"), "weight": 5},
                {"value": "never", "label": t("Nooit"), "weight": 0},
            ],
        },
        # risk: group, max of partner (3) + agreement (2) = 5
        {
            "id": "provenance.sources",
            "section": "provenance",
            "type": "group",
            "scoring": "risk",
            "text": t("Bronnen"),
            "questions": [
                {
                    "id": "partner",
                    "type": "choice",
                    "required": True,
                    "text": t("Partner"),
                    "options": [
                        {"value": "own", "label": t("Eigen"), "weight": 0},
                        {"value": "police", "label": t("Politie"), "weight": 3},
                    ],
                },
                {"id": "dataset", "type": "text", "required": True, "text": t("Dataset")},
                {
                    "id": "agreement",
                    "type": "choice",
                    "text": t("Afspraak"),
                    "options": [
                        {"value": "covenant", "label": t("Convenant"), "weight": 0},
                        {"value": "none", "label": t("Geen"), "weight": 2},
                    ],
                },
                {"id": "in_scope", "type": "number", "text": t("Aantal"), "min": 0},
            ],
        },
    ],
}
# Risk max = 4 + 7 + 5 = 16; mitigation max = 5.


def small_bank():
    return parse_bank(SMALL_BANK)
