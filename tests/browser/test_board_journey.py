"""Journey 3: three sounding-board members and the privacy officer review one after another,
comment, request changes; the owner resubmits; a member records the board's session with the
team; they approve; a member writes the board's verdict, the director adopts it; the entry
appears on the public side with its record, the verdict and the condition; the owner reports
evidence for the condition, a member accepts it, and the entry shows it as met."""

import datetime as dt
import hashlib
import re

from portal.auth.demo_users import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible, login, logout, screenshot

TITLE = "Signalering betalingsachterstanden"


def open_review(page):
    page.goto("/intern/beoordelen")
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_url(re.compile(r"/beoordeling$"))


def decide(page, decision, comment="", condition=None):
    form = page.locator("#decision")
    form.locator(f"input[name='decision'][value='{decision}']").check()
    if comment:
        form.locator("[name='comment']").fill(comment)
    if condition:
        form.locator("[name='conditions-0-text']").fill(condition)
        form.locator("[name='conditions-0-owner']").fill("Team Inkomen")
        form.locator("[name='conditions-0-deadline']").fill("2027-09-30")
    form.get_by_role("button", name="Mijn besluit vastleggen").click()
    page.wait_for_load_state()


def test_board_reviews_owner_resubmits_and_the_record_goes_public(page, demo_data):
    login(page, "klankbord1@demo.utrecht.nl", DEMO_PASSWORD)
    assert_accessible(page, "reviewer dashboard")
    open_review(page)
    assert_accessible(page, "review page")
    question = page.locator("#question-core\\.explain_to_residents")
    question.get_by_text("Schrijf een opmerking").click()
    question.locator("textarea[name='body']").fill("Is deze uitleg te volgen voor iedereen?")
    question.get_by_role("button", name="Opmerking toevoegen").click()
    page.wait_for_load_state()
    assert "Is deze uitleg te volgen voor iedereen?" in page.content()
    decide(page, "changes_requested", "Leg uit hoe u bewoners zonder internet bereikt.")
    assert "De toetsing gaat terug naar de eigenaar" in page.content()
    assert "Status: Wijzigingen gevraagd" in page.content()
    screenshot(page, "board-1-changes-requested")
    logout(page)

    login(page, "indiener@demo.utrecht.nl", DEMO_PASSWORD)
    page.get_by_role("link", name=TITLE).first.click()
    overview = page.url
    page.goto(f"{overview}/core")
    page.locator("[name='q-core.explain_to_residents']").fill(
        "We sturen eerst een brief en bellen daarna. Iedereen kan langskomen op het stadskantoor."
    )
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()
    page.goto(overview)
    page.get_by_role("button", name="Indienen voor beoordeling").click()
    page.wait_for_load_state()
    assert "versie 2" in page.content()
    logout(page)

    # The board meets the team on version 2 and writes the session down.
    login(page, "klankbord1@demo.utrecht.nl", DEMO_PASSWORD)
    open_review(page)
    assert "nog geen sessie" in page.locator("#board-sessions").inner_text()
    page.locator("#record-board-session").click()
    page.wait_for_url(re.compile(r"/sessies/nieuw$"))
    page.fill("#held_on", dt.datetime.now(dt.UTC).date().isoformat())
    assert page.get_by_label("Karim Klankbord").is_checked()  # who writes it down
    page.get_by_label("Ilse IJsselstein").check()
    page.fill("#participants-0-name", "Sanne de Vries")
    page.select_option("#participants-0-role", "team_member")
    page.fill("#participants-1-name", "Mevrouw Jansen")
    page.select_option("#participants-1-role", "resident")
    page.fill("#dilemmas", "Mogen we bellen voordat iemand om hulp vraagt?")
    page.fill("#what_changed", "De brief zegt nu dat bellen niet verplicht is.")
    assert_accessible(page, "board session form")
    page.get_by_role("button", name="Sessie opslaan").click()
    page.wait_for_url(re.compile(r"/beoordeling#board-sessions$"))
    sessions = page.locator("#board-sessions").inner_text()
    assert "Mogen we bellen voordat iemand om hulp vraagt?" in sessions
    assert "Mevrouw Jansen (Bewoner)" in sessions
    assert_accessible(page, "review page of version 2, with the versions list")
    screenshot(page, "board-1b-session")
    logout(page)

    for number, email in enumerate(
        (
            "klankbord1@demo.utrecht.nl",
            "klankbord2@demo.utrecht.nl",
            "klankbord3@demo.utrecht.nl",
            "privacy@demo.utrecht.nl",
        ),
        start=2,
    ):
        login(page, email, DEMO_PASSWORD)
        open_review(page)
        if number == 2:
            assert "gewijzigd in deze versie" in page.content()  # the diff against v1
        if number == 4:
            decide(page, "approve_with_conditions", condition="Meet elk kwartaal per wijk.")
        else:
            decide(page, "approve")
        screenshot(page, f"board-{number}-decided")
        logout(page)

    # The quorum is the board's advice: a member writes the verdict, the director decides.
    login(page, "klankbord1@demo.utrecht.nl", DEMO_PASSWORD)
    open_review(page)  # "everything in review" lists it while it waits for the director
    assert "Wacht op het besluit van de directeur" in page.content()
    page.locator("#advice-links a").first.click()
    page.wait_for_url(re.compile(r"/advies$"))
    verdict = page.locator("#verdict form")
    verdict.locator("[name='want_this']").fill("Ja, als vroeg hulp bieden echt helpt.")
    verdict.locator("[name='explain_to_residents']").fill(
        "Ja: u krijgt eerder hulp, en een medewerker beslist altijd zelf."
    )
    verdict.locator("#verdict-advice-positive_with_conditions").check()
    verdict.locator("[name='reasons']").fill("Goed onderbouwd; we willen elk kwartaal cijfers.")
    assert_accessible(page, "verdict form")
    verdict.get_by_role("button", name="Oordeel opslaan").click()
    page.wait_for_load_state()
    assert "Het oordeel van de klankbordgroep is opgeslagen" in page.content()
    logout(page)

    login(page, "directeur@demo.utrecht.nl", DEMO_PASSWORD)
    open_review(page)  # waiting for the director's decision
    page.locator("#advice-links a").first.click()
    page.wait_for_url(re.compile(r"/advies$"))
    form = page.locator("#director-decision form")
    assert "publiceert" in form.inner_text()  # says what approving publishes
    form.locator("#decision-adopt").check()
    assert_accessible(page, "director's decision")
    form.get_by_role("button", name="Mijn besluit vastleggen").click()
    page.wait_for_load_state()
    assert "goedgekeurd" in page.content()
    screenshot(page, "board-5-director-decided")
    logout(page)

    page.goto("/algoritmes?q=betalingsachterstanden")
    page.get_by_role("link", name=TITLE).first.click()
    box = page.locator("#assessment")
    assert re.search(r"goedgekeurd|keurde de toets goed", box.inner_text())
    shown_hash = box.locator("code").first.text_content().strip()  # inside a closed <details>
    href = box.get_by_role("link", name=re.compile("Download")).get_attribute("href")
    record = page.request.get(href)
    assert hashlib.sha256(record.body()).hexdigest() == shown_hash
    assert "Kunnen we dit met goed fatsoen uitleggen aan onze bewoners?" in box.inner_text()
    assert "Meet elk kwartaal per wijk." in box.inner_text()  # the condition, no names
    assert "Team Inkomen" not in box.inner_text()
    assert_accessible(page, "published entry")
    screenshot(page, "board-6-published")
    assert "Het bord sprak op" not in box.inner_text()  # the entry page: verdict, no session

    # The owner reports evidence for the condition; a board member accepts it.
    login(page, "indiener@demo.utrecht.nl", DEMO_PASSWORD)
    page.goto(f"{overview}/voorwaarden")
    condition = page.locator("section", has_text="Meet elk kwartaal per wijk.").first
    condition.locator("textarea[name='evidence_text']").fill(
        "De eerste kwartaalmeting per wijk staat in het dossier."
    )
    condition.get_by_role("button", name="Bewijs versturen").click()
    page.wait_for_load_state()
    assert "De eerste kwartaalmeting per wijk" in page.content()
    assert_accessible(page, "conditions page with evidence")
    logout(page)

    login(page, "klankbord2@demo.utrecht.nl", DEMO_PASSWORD)
    page.goto(f"{overview}/voorwaarden")
    condition = page.locator("section", has_text="Meet elk kwartaal per wijk.").first
    condition.locator("select[name='status']").select_option("met")
    condition.get_by_role("button", name="Opslaan").click()
    page.wait_for_load_state()
    assert (
        "vervuld"
        in page.locator("section", has_text="Meet elk kwartaal per wijk.").first.inner_text()
    )
    logout(page)

    page.goto("/algoritmes?q=betalingsachterstanden")
    page.get_by_role("link", name=TITLE).first.click()
    row = page.locator("#assessment tr", has_text="Meet elk kwartaal per wijk.")
    assert "vervuld" in row.inner_text()
    assert_accessible(page, "published entry with the condition met")
    screenshot(page, "board-7-condition-met")
