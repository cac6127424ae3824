"""bank_diff: what a newer bank adds, rewords or (by mistake) removes, and the summary the
overview shows."""

import copy

from assessments.bank import get_bank, parse_bank
from assessments.bank_diff import Change, bank_diff, summary
from tests.assessments.small_bank import SMALL_BANK, t


def _bank(change=None):
    data = copy.deepcopy(SMALL_BANK)
    if change:
        change(data)
    return parse_bank(data)


def _newer(data):
    data["version"] = 2
    data["sections"].append({"id": "extra", "title": t("Extra")})
    data["questions"].append(
        {"id": "extra.note", "section": "extra", "type": "text", "text": t("Notitie")}
    )
    grounds = next(q for q in data["questions"] if q["id"] == "core.grounds")
    grounds["options"].insert(-1, {"value": "skin", "label": t("Huidskleur"), "weight": 4})
    purpose = data["questions"][0]
    purpose["text"] = t("Welk probleem lost het op?")
    sources = next(q for q in data["questions"] if q["id"] == "provenance.sources")
    sources["questions"].append({"id": "act", "type": "text", "text": t("Wet")})
    partner = sources["questions"][0]
    partner["options"].append({"value": "tax_office", "label": t("Belastingdienst"), "weight": 3})


def test_the_same_bank_has_no_changes():
    assert not bank_diff(_bank(), _bank())
    assert summary(bank_diff(_bank(), _bank()), "nl") == []


def test_additions_and_rewordings_are_listed():
    diff = bank_diff(_bank(), _bank(_newer))
    assert diff.added_sections == [Change("added", "section", "extra")]
    assert diff.added_questions == [Change("added", "question", "extra", "extra.note")]
    assert Change("added", "option", "core", "core.grounds", None, "skin") in diff.added_options
    assert (
        Change("added", "option", "provenance", "provenance.sources", "partner", "tax_office")
        in diff.added_options
    )
    assert diff.added_sub_questions == [
        Change("added", "sub_question", "provenance", "provenance.sources", "act")
    ]
    assert diff.changed_texts == [Change("changed", "text", "core", "core.purpose")]
    assert diff.removed == []


def test_removals_show_instead_of_vanishing():
    def drop(data):
        data["questions"] = [q for q in data["questions"] if q["id"] != "core.why"]

    diff = bank_diff(_bank(), _bank(drop))
    assert diff.removed == [Change("removed", "question", "core", "core.why")]


def test_the_summary_groups_per_section_in_the_new_order():
    lines = summary(bank_diff(_bank(), _bank(_newer)), "nl")
    assert [s.section_id for s in lines] == ["core", "provenance", "extra"]
    core, provenance, extra = lines
    assert [(i.kind, i.question_id) for i in core.items] == [
        ("wording", "core.purpose"),
        ("options", "core.grounds"),
    ]
    assert core.items[1].labels == ("Huidskleur",)
    assert [(i.kind, i.labels) for i in provenance.items] == [
        ("options", ("Belastingdienst",)),
        ("sub_questions", ("Wet",)),
    ]
    assert extra.new_section
    assert extra.items[0].question_id == "extra.note"


def test_uthiek_2_only_adds_to_uthiek_1():
    diff = bank_diff(get_bank("uthiek", 1), get_bank("uthiek", 2))
    assert diff.removed == []
    assert {c.section_id for c in diff.added_sections} == {"data", "area", "ai_act", "explanations"}
    reworded = {(c.question_id, c.sub_id) for c in diff.changed_texts}
    assert ("core.explain_to_residents", None) in reworded
    assert ("provenance.sources", "legal_basis") in reworded
    # only wording that was wrong or moved changes: no option label of version 1 changes
    assert not [c for c in diff.changed_texts if c.what == "label"]
