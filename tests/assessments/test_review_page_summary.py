"""The review page's summary and the draft decision, as a board member uses them in the
browser without JavaScript (test client), plus what review.js adds to a comment form."""

import re

from assessments.models import Comment, Review, ReviewDraft
from portal.extensions import db
from tests.assessments.test_advice import VERDICT
from tests.assessments.test_review import PROFILING, decide, submitted
from tests.conftest import csrf_token_from

PURPOSE_V1 = "Het doel is fraude vroeg opsporen in de hele stad."
PURPOSE_V2 = "Het doel is fouten vroeg opsporen in de hele stad."
ASKED = "Leg uit waarom het om fouten gaat en niet om fraude."


def _summary(body: str) -> str:
    match = re.search(r'<section[^>]*id="summary".*?</section>', body, re.S)
    assert match, "no summary on the review page"
    return match.group(0)


def _second_version(api, board):
    """Version 2 after a change request: one answer changed by one word."""
    assessment = submitted(api, {**PROFILING, "core.purpose": PURPOSE_V1})
    url = f"/api/v1/assessments/{assessment['id']}"
    assert decide(api, "reviewer", assessment["id"]).status_code == 201
    back = decide(api, "reviewer2", assessment["id"], "changes_requested", comment=ASKED)
    assert back.json["assessment"]["status"] == "changes_requested"
    changed = api("submitter").put(f"{url}/answers", json={"answers": {"core.purpose": PURPOSE_V2}})
    assert changed.status_code == 200
    assert api("submitter").post(f"{url}/submit").json["version"] == 2
    return assessment


def test_summary_links_the_changed_answer_and_quotes_the_change_request(
    api, board, client, users, login_as
):
    assessment = _second_version(api, board)
    login_as(users["reviewer3"])
    body = client.get(f"/intern/toetsingen/{assessment['id']}/beoordeling").get_data(as_text=True)
    summary = _summary(body)
    # "1 antwoord is anders" is a link to the changed answer, which is on the page.
    assert re.search(
        r'<a class="utrecht-link" href="#question-core\.purpose">1 antwoord is anders dan in '
        r"versie 1</a>",
        summary,
    )
    assert 'id="question-core.purpose"' in body
    # The board's request for changes on version 1, quoted.
    quote = re.search(r"<blockquote.*?</blockquote>", summary, re.S).group(0)
    assert ASKED in quote
    # The quorum in plain words: the whole board (3) must approve version 2 afresh.
    assert "Nog 3 van de 3 leden nodig." in summary
    # One step from the forms.
    assert 'href="#decision"' in summary
    assert f"/intern/toetsingen/{assessment['id']}/advies#verdict" in summary


def test_changed_answer_shows_only_the_changed_words(api, board, client, users, login_as):
    assessment = _second_version(api, board)
    login_as(users["reviewer3"])
    body = client.get(f"/intern/toetsingen/{assessment['id']}/beoordeling").get_data(as_text=True)
    answer = re.search(
        r'id="question-core\.purpose".*?id="diff-core\.purpose"(.*?)</p>', body, re.S
    )
    diff = answer.group(1)
    removed = re.findall(r"<del>.*?</span>(.*?)</del>", diff)
    added = re.findall(r"<ins>.*?</span>(.*?)</ins>", diff)
    assert removed == ["fraude"]
    assert added == ["fouten"]
    assert "opsporen in de hele stad." in re.sub(r"<[^>]+>", "", diff)  # kept words, plain
    assert f"<del>{PURPOSE_V1}" not in body  # no longer the whole old text struck through


def test_unchanged_answers_are_folded_after_the_changed_ones(api, board, client, users, login_as):
    assessment = _second_version(api, board)
    login_as(users["reviewer3"])
    body = client.get(f"/intern/toetsingen/{assessment['id']}/beoordeling").get_data(as_text=True)
    core = re.search(r'<h2 class="utrecht-heading-2" id="section-core">.*?</section>', body, re.S)
    section = core.group(0)
    folded = section.index('<details class="app-folded">')
    assert section.index('id="question-core.purpose"') < folded  # changed: first, open
    assert "antwoorden zijn niet veranderd" in section[folded:]
    # Version 1 had nothing to compare with: nothing folded there.
    page_v1 = client.get(f"/intern/toetsingen/{assessment['id']}/beoordeling?versie=1")
    assert 'class="app-folded"' not in page_v1.get_data(as_text=True)


def test_summary_links_risk_reasons_open_threads_and_sections(api, board, client, users, login_as):
    assessment = submitted(api, PROFILING)
    url = f"/intern/toetsingen/{assessment['id']}"
    login_as(users["reviewer"])
    page = client.get(f"{url}/beoordeling")
    client.post(
        f"{url}/opmerkingen",
        data={
            "csrf_token": csrf_token_from(page),
            "question_id": "core.purpose",
            "body": "Wie zijn de burgers?",
        },
    )
    body = client.get(f"{url}/beoordeling").get_data(as_text=True)
    summary = _summary(body)
    reasons = re.search(r'<ul[^>]*id="summary-reasons">(.*?)</ul>', summary, re.S).group(1)
    targets = re.findall(r'href="#(question-[^"]+)"', reasons)
    assert targets, "no risk reason links to its answer"
    for target in targets:
        assert f'id="{target}"' in body  # each reason's answer is on the page
    assert re.search(
        r'<a class="utrecht-link" href="#question-core\.purpose">1 opmerking is nog niet '
        r"afgehandeld</a>",
        summary,
    )
    assert re.search(r'href="#section-core">[^<]+</a>: \d+ van \d+', summary)
    assert "Nog 3 van de 3 leden nodig." in summary


def _draft_form(token: str, **extra) -> dict:
    return {
        "csrf_token": token,
        "decision": "approve_with_conditions",
        "advice-core-motivation": "Half geschreven motivatie",
        "conditions-rows": "3",
        "conditions-0-text": "Meet elk kwartaal per wijk",
        "remaining_risks": "Mijn lange analyse",
        **extra,
    }


def test_a_saved_draft_survives_posting_a_comment_and_goes_once_decided(
    api, board, client, users, login_as
):
    assessment = submitted(api, PROFILING)
    url = f"/intern/toetsingen/{assessment['id']}"
    login_as(users["reviewer"])
    token = csrf_token_from(client.get(f"{url}/beoordeling"))
    saved = client.post(f"{url}/besluit", data=_draft_form(token, **{"save-draft": "1"}))
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/beoordeling#decision")
    assert db.session.query(Review).count() == 0  # a draft decides nothing

    # Posting a comment from the page (no script: a plain form and a reload) keeps it.
    client.post(
        f"{url}/opmerkingen",
        data={"csrf_token": token, "question_id": "core.purpose", "body": "Wie zijn de burgers?"},
    )
    body = client.get(f"{url}/beoordeling").get_data(as_text=True)
    assert "Wie zijn de burgers?" in body
    assert "Dit is uw bewaarde concept." in body
    assert "Half geschreven motivatie</textarea>" in body
    assert 'value="Meet elk kwartaal per wijk"' in body
    assert (
        'id="decision-approve_with_conditions" name="decision" value="approve_with_conditions"'
        " checked" in body
    )

    # Nobody else sees it.
    login_as(users["reviewer2"])
    other = client.get(f"{url}/beoordeling").get_data(as_text=True)
    assert "Half geschreven motivatie" not in other
    assert "Dit is uw bewaarde concept." not in other

    login_as(users["reviewer"])
    token = csrf_token_from(client.get(f"{url}/beoordeling"))
    done = client.post(
        f"{url}/besluit",
        data=_draft_form(
            token,
            decision="approve",
            **{"conditions-0-text": "", "advice-core-motivation": ""},
        ),
    )
    assert done.status_code == 302
    assert db.session.query(ReviewDraft).count() == 0
    assert db.session.query(Review).count() == 1


def test_with_script_a_comment_carries_the_typed_decision_into_the_draft(
    api, board, client, users, login_as
):
    assessment = submitted(api, PROFILING)
    url = f"/intern/toetsingen/{assessment['id']}"
    login_as(users["reviewer"])
    token = csrf_token_from(client.get(f"{url}/beoordeling"))
    # What review.js adds to a comment form: the decision form as typed, and "with-draft".
    response = client.post(
        f"{url}/opmerkingen",
        data=_draft_form(
            token, **{"question_id": "core.purpose", "body": "Wie?", "with-draft": "1"}
        ),
    )
    assert response.status_code == 302
    draft = db.session.scalars(db.select(ReviewDraft)).one()
    assert draft.data["remaining_risks"] == "Mijn lange analyse"
    body = client.get(f"{url}/beoordeling").get_data(as_text=True)
    assert "Mijn lange analyse</textarea>" in body
    assert "Wie?" in body

    # Resolving a thread from the page carries it too (here: the analysis, rewritten).
    thread = db.session.scalars(db.select(Comment)).one()
    client.post(
        f"{url}/opmerkingen/{thread.id}/opgelost",
        data=_draft_form(token, **{"remaining_risks": "Korter gezegd", "with-draft": "1"}),
    )
    body = client.get(f"{url}/beoordeling").get_data(as_text=True)
    assert "Korter gezegd</textarea>" in body
    assert db.session.query(ReviewDraft).count() == 1


def test_only_someone_who_may_still_decide_keeps_a_draft(api, board, client, users, login_as):
    assessment = submitted(api, PROFILING)
    url = f"/intern/toetsingen/{assessment['id']}"
    login_as(users["submitter"])  # the owner comments but never decides
    token = csrf_token_from(client.get(f"{url}/beoordeling"))
    refused = client.post(f"{url}/besluit", data=_draft_form(token, **{"save-draft": "1"}))
    assert refused.status_code == 403
    client.post(
        f"{url}/opmerkingen",
        data=_draft_form(token, **{"question_id": "", "body": "Toelichting", "with-draft": "1"}),
    )
    assert db.session.query(ReviewDraft).count() == 0
    login_as(users["reviewer"])
    decide(api, "reviewer", assessment["id"])
    token = csrf_token_from(client.get(f"{url}/beoordeling"))
    again = client.post(f"{url}/besluit", data=_draft_form(token, **{"save-draft": "1"}))
    assert again.status_code == 409


def test_the_verdict_form_keeps_a_draft_until_the_verdict_is_saved(
    api, board, client, users, login_as
):
    aid = submitted(api, PROFILING)["id"]  # the verdict may be prepared during the review
    login_as(users["reviewer"])
    url = f"/intern/toetsingen/{aid}/advies"
    token = csrf_token_from(client.get(url))
    half = {"csrf_token": token, "want_this": "Ja, als het echt helpt.", "save-draft": "1"}
    saved = client.post(f"{url}/oordeel", data=half)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/advies#verdict")
    html = client.get(url).get_data(as_text=True)
    assert "Dit is uw bewaarde concept." in html
    assert ">Ja, als het echt helpt.</textarea>" in html
    login_as(users["reviewer2"])  # another member starts from the stored state, not this draft
    assert "Ja, als het echt helpt." not in client.get(url).get_data(as_text=True)

    login_as(users["reviewer"])
    token = csrf_token_from(client.get(url))
    done = client.post(f"{url}/oordeel", data={"csrf_token": token, **VERDICT})
    assert done.status_code == 302
    assert db.session.query(ReviewDraft).count() == 0
    assert "Dit is uw bewaarde concept." not in client.get(url).get_data(as_text=True)
