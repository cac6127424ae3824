"""Question banks: the shipped banks validate; broken banks are refused with a reason."""

import copy

import pytest
import yaml

from assessments.bank import BANK_DIR, BankError, all_banks, current_bank, get_bank, parse_bank
from tests.assessments.small_bank import SMALL_BANK

CONTRACT = {
    "core.purpose": ("textarea", None),
    "core.want_this": ("textarea", None),
    "core.explain_to_residents": ("textarea", None),
    "core.risk_profiling": ("yes_no_unsure", ["yes", "no", "unsure"]),
    "core.decision_type": ("choice", ["informative", "decision_support", "automated"]),
    "privacy.personal_data": ("yes_no_unsure", ["yes", "no", "unsure"]),
    "privacy.special_categories": (
        "multichoice",
        ["health", "criminal", "ethnicity_origin", "religion", "biometric", "bsn", "none"],
    ),
    "discrimination.direct_grounds": (
        "multichoice",
        [
            "nationality",
            "ethnicity_origin",
            "country_of_birth",
            "religion",
            "sex",
            "age",
            "disability",
            "sexual_orientation",
            "none",
        ],
    ),
    "discrimination.proxies": (
        "multichoice",
        [
            "postcode_neighbourhood",
            "language",
            "name",
            "household_composition",
            "income",
            "benefit_history",
            "education",
            "none",
        ],
    ),
    "discrimination.group_outcomes": ("group", None),
    "provenance.sources": ("group", None),
    "oversight.human_final_decision": ("yes_no_unsure", ["yes", "no", "unsure"]),
    "oversight.legal_effect": ("yes_no_unsure", ["yes", "no", "unsure"]),
}
SOURCE_FIELDS = {
    "partner": [
        "own_department",
        "other_department",
        "police",
        "tax_office",
        "uwv_svb",
        "care_youth_partner",
        "private_party",
        "open_data",
    ],
    "dataset": None,
    "legal_basis": None,
    "agreement": ["data_delivery_agreement", "covenant", "processing_agreement", "none"],
    "agreement_expires": None,
    "quality_checks": None,
    "pollution_risk": ["yes", "no", "unsure"],
    "pollution_filter": None,
    "feeds_back": ["yes", "no", "unsure"],
}


def test_every_shipped_bank_validates_and_the_current_one_is_uthiek_2():
    files = sorted(BANK_DIR.glob("*.yaml"))
    assert files
    assert len(all_banks()) == len(files)
    bank = current_bank()
    assert (bank.id, bank.version, bank.weights_version) == ("uthiek", 2, "uthiek-2.0")
    assert [s.id for s in get_bank("uthiek", 1).sections] == [
        "core",
        "values",
        "privacy",
        "discrimination",
        "provenance",
        "oversight",
        "transparency",
    ]
    assert [s.id for s in bank.sections] == [
        "core",
        "values",
        "privacy",
        "discrimination",
        "provenance",
        "data",
        "area",
        "oversight",
        "ai_act",
        "transparency",
        "explanations",
    ]
    for shipped in all_banks().values():
        assert len(shipped.questions) >= 50
        for question in shipped.questions:
            assert question.text["nl"]
            assert question.text["en"]


def test_the_api_contract_ids_exist_with_their_option_values_in_version_1():
    bank = get_bank("uthiek", 1)
    for question_id, (kind, options) in CONTRACT.items():
        question = bank.by_id[question_id]
        assert question.type == kind, question_id
        if options is not None:
            assert list(question.option_values) == options, question_id
    sources = {sub.id: sub for sub in bank.by_id["provenance.sources"].questions}
    assert list(sources) == list(SOURCE_FIELDS)
    for name, options in SOURCE_FIELDS.items():
        if options is not None:
            assert list(sources[name].option_values) == options, name
    outcome_fields = [sub.id for sub in bank.by_id["discrimination.group_outcomes"].questions]
    assert outcome_fields == ["group", "in_scope", "selected", "reference"]


def test_the_api_contract_ids_keep_their_type_and_options_in_version_2():
    bank = get_bank("uthiek", 2)
    for question_id, (kind, options) in CONTRACT.items():
        question = bank.by_id[question_id]
        assert question.type == kind, question_id
        if options is not None:
            assert set(options) <= set(question.option_values), question_id
    sources = {sub.id: sub for sub in bank.by_id["provenance.sources"].questions}
    assert set(SOURCE_FIELDS) <= set(sources)


def test_shipped_yaml_is_plain_data():
    for path in BANK_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(data["questions"], list)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b["questions"][0].update(type="essay"), "questions/0/type"),
        (lambda b: b["questions"][1]["options"].pop(), "yes_no_unsure needs exactly"),
        (lambda b: b["questions"].append(dict(b["questions"][0])), "duplicate id core.purpose"),
        (
            lambda b: b["questions"][3].update(
                show_if={"question": "core.later", "operator": "equals", "value": "x"}
            ),
            "unknown or later question",
        ),
        (
            lambda b: b["questions"][3].update(
                show_if={"question": "core.risk_profiling", "operator": "equals", "value": "maybe"}
            ),
            "unknown values",
        ),
        (lambda b: b["questions"][0].update(section="nowhere"), "unknown section"),
        (lambda b: b["questions"][0].pop("text"), "'text' is a required property"),
        (lambda b: b["questions"][0].update(options=[]), "questions/0"),
    ],
)
def test_broken_banks_are_refused_with_the_reason(change, message):
    data = copy.deepcopy(SMALL_BANK)
    change(data)
    with pytest.raises(BankError, match=message):
        parse_bank(data)
