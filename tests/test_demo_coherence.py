"""Demo assessments agree with their register entries: what the record says about staff
deviating from the algorithm is what the entry's "human intervention" text says (issue 11:
the record of Slim vegen said staff cannot deviate, the entry said the planners can)."""

from click.testing import CliRunner

from assessments.models import Assessment
from portal.extensions import db

# Per demo entry: the phrase in its register text about human intervention, and the answer
# to oversight.can_deviate that phrase means.
CAN_DEVIATE = {
    "slim-vegen": ("kunnen afwijken", "yes"),
    "prioriteren-meldingen-funderingsproblemen": ("kan de prioriteit altijd aanpassen", "yes"),
    "chatbot-wmo-loket": ("beslist altijd de gemeente", "yes"),
}


def test_demo_assessments_say_what_their_register_entries_say_about_deviating(app):
    result = CliRunner().invoke(app.cli, ["demo", "load"], catch_exceptions=False)
    assert "8 assessments created" in result.output
    linked = [a for a in db.session.scalars(db.select(Assessment)) if a.algorithm_id is not None]
    assert {a.algorithm.slug for a in linked} == set(CAN_DEVIATE)
    for assessment in linked:
        phrase, answer = CAN_DEVIATE[assessment.algorithm.slug]
        text = assessment.register_fields.get("human_intervention", "")
        assert phrase in text, assessment.algorithm.slug
        assert assessment.answers.get("oversight.can_deviate") == answer, assessment.title
        for version in assessment.versions:
            assert version.answers.get("oversight.can_deviate") == answer, assessment.title


def test_demo_assessments_start_on_the_newest_bank_and_answer_its_questions(app):
    from assessments.answers import missing_required
    from assessments.bank import current_bank

    CliRunner().invoke(app.cli, ["demo", "load"], catch_exceptions=False)
    bank = current_bank()
    for assessment in db.session.scalars(db.select(Assessment)):
        assert assessment.bank_version == bank.version, assessment.title
        if assessment.versions:  # submitted ones answered every required question
            assert missing_required(bank, assessment.versions[-1].answers) == [], assessment.title
