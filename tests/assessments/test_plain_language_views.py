"""The submitter sees the plain-language check while writing the register texts, and the
board sees the same check in review."""

import re

from portal.extensions import db
from tests.assessments.questionnaire_start import start_assessment
from tests.conftest import csrf_token_from

OFFICIAL = (
    "<p>Teneinde de rechtmatigheid van de verstrekte voorzieningen te waarborgen wordt "
    "middels risicoprofilering een selectie gemaakt van dossiers die in aanmerking komen "
    "voor nadere controle indien daartoe aanleiding bestaat.</p>"
)


def _readability(html: str) -> str:
    found = re.search(r'<section class="app-section app-readability".*?</section>', html, re.S)
    assert found, "the plain-language check is on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())


def test_the_register_fields_page_checks_what_residents_will_read(client, users, login_as):
    assessment_id = start_assessment(client, users, login_as)
    url = f"/intern/toetsingen/{assessment_id}/algoritme"
    token = csrf_token_from(client.get(url))
    saved = client.post(url, data={"csrf_token": token, "name": "Slim handhaven", "goal": OFFICIAL})
    assert saved.status_code == 302
    check = _readability(client.get(url).get_data(as_text=True))
    assert "Doel" in check or "Goal" in check
    assert "teneinde → om" in check
    assert "indien → als" in check
    assert "langer dan 20 woorden" in check
    # Advice only: nothing was refused.
    from assessments.models import Assessment

    assert (
        db.session.get(Assessment, assessment_id).register_fields["goal"].startswith("<p>Teneinde")
    )


def test_the_board_sees_the_same_check_in_review(api, board, client, users, login_as):
    from tests.assessments.test_review import LOW_RISK, submitted

    assessment = submitted(
        api, {**LOW_RISK, "core.explain_to_residents": "Indien nodig kijkt de gemeente."}
    )
    login_as(users["reviewer"])
    page = client.get(f"/intern/toetsingen/{assessment['id']}/beoordeling")
    assert page.status_code == 200
    check = _readability(page.get_data(as_text=True))
    assert "Uitleg voor inwoners" in check
    assert "indien → als" in check
