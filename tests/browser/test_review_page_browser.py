"""The review page in Chromium as a board member uses it: the summary's links, and a
half-written decision that survives posting a comment, with script and without."""

import re

from portal.auth.demo_users import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible, login, screenshot

TITLE = "Signalering betalingsachterstanden"
MEMBER = "klankbord1@demo.utrecht.nl"


def open_review(page):
    page.goto("/intern/beoordelen")
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_url(re.compile(r"/beoordeling$"))


def comment_on(page, question_id: str, text: str) -> None:
    question = page.locator(f"#question-{question_id.replace('.', chr(92) + '.')}")
    question.get_by_text("Schrijf een opmerking").click()
    question.locator("textarea[name='body']").fill(text)
    question.get_by_role("button", name="Opmerking toevoegen").click()
    page.wait_for_load_state()


def test_the_summary_leads_to_the_decision_and_a_comment_keeps_it(page, demo_data):
    login(page, MEMBER, DEMO_PASSWORD)
    open_review(page)
    summary = page.locator("#summary")
    assert re.search(r"Nog \d+ van de \d+ leden nodig\.", summary.inner_text())
    assert_accessible(page, "review page with its summary")
    summary.get_by_role("link", name="Naar uw besluit").click()
    assert page.url.endswith("#decision")
    form = page.locator("#decision")
    form.locator("[name='comment']").fill("Mijn halve motivatie")
    form.locator("input[name='decision'][value='changes_requested']").check()

    comment_on(page, "core.explain_to_residents", "Hoe merkt een bewoner dit?")
    assert "Hoe merkt een bewoner dit?" in page.content()
    form = page.locator("#decision")
    assert form.locator("[name='comment']").input_value() == "Mijn halve motivatie"
    assert form.locator("input[name='decision'][value='changes_requested']").is_checked()
    assert "Dit is uw bewaarde concept." in page.locator("#draft-help").inner_text()
    assert_accessible(page, "review page with a draft")
    screenshot(page, "review-draft-kept")


def test_without_javascript_save_draft_keeps_the_decision(browser, portal_server, demo_data):
    context = browser.new_context(base_url=portal_server, java_script_enabled=False, locale="nl-NL")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        login(page, MEMBER, DEMO_PASSWORD)
        open_review(page)
        form = page.locator("#decision")
        form.locator("[name='remaining_risks']").fill("Bewoners zonder internet")
        form.get_by_role("button", name="Concept bewaren").click()
        page.wait_for_load_state()
        assert "Uw concept is bewaard." in page.content()
        comment_on(page, "core.purpose", "Wat is het doel precies?")
        assert "Wat is het doel precies?" in page.content()
        remaining = page.locator("#decision [name='remaining_risks']")
        assert remaining.input_value() == "Bewoners zonder internet"
    finally:
        context.close()
