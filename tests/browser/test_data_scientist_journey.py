"""Journey 2: a data scientist creates an assessment, answers conditional questions, adds
two chain-partner sources and a group outcome table, makes a mistake without losing text,
watches the risk level change with its reasons, and submits."""

import re

from assessments.bank import current_bank
from portal.auth.demo_users import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible, login, screenshot
from tests.browser.forms import FILL_EMPTY, fill_section

SECTIONS = [section.id for section in current_bank().sections]


def test_data_scientist_fills_in_and_submits(page, demo_data):
    login(page, "indiener@demo.utrecht.nl", DEMO_PASSWORD)
    page.get_by_role("link", name="Nieuwe toetsing", exact=True).click()
    page.get_by_label(re.compile("Naam")).first.fill("Slimme controle vergunningen")
    page.get_by_role("button", name="Toetsing aanmaken").click()
    page.wait_for_url(re.compile(r"/intern/toetsingen/\d+$"))
    overview = page.url
    assert_accessible(page, "assessment overview")
    # Nothing answered: no level yet (issue 11: it said "Niveau 1: laag").
    assert "Niveau nog niet te bepalen" in page.locator(".app-risk-panel").inner_text()

    # A conditional question: the group outcome table only applies to risk profiling.
    page.goto(f"{overview}/discrimination")
    assert page.locator("#question-discrimination\\.group_outcomes").is_hidden()
    page.goto(f"{overview}/core")
    page.locator("input[name='q-core.risk_profiling'][value='yes']").check()
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()
    panel = page.locator(".app-risk-panel").inner_text()
    assert "risicoprofilering" in panel  # the rule shows at once ...
    fill_section(page, f"{overview}/core")  # ... the level once the core section is answered
    panel = page.locator(".app-risk-panel").inner_text()
    assert re.search(r"Niveau [34]", panel), panel
    screenshot(page, "scientist-1-core-risk")

    # With the script, a follow-up appears as soon as the answer changes, before saving.
    page.goto(f"{overview}/values")
    detail = page.locator("#question-values\\.vulnerable_groups_detail")
    page.locator("input[name='q-values.vulnerable_groups'][value='no']").check()
    assert detail.is_hidden()
    page.locator("input[name='q-values.vulnerable_groups'][value='yes']").check()
    assert detail.is_visible()
    detail.locator("textarea").fill("Ouderen zonder computer; zij kunnen bellen.")
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()
    assert (
        page.locator("[name='q-values.vulnerable_groups_detail']")
        .input_value()
        .startswith("Ouderen")
    )

    # Two chain-partner sources.
    page.goto(f"{overview}/provenance")
    row = "q-provenance.sources-0-"
    page.locator(f"[name='{row}dataset']").fill("Meldingen woonoverlast")
    page.locator(f"[name='{row}legal_basis']").fill("Wpg art. 16")
    page.locator(f"input[name='{row}agreement'][value='covenant']").check()
    page.get_by_role("button", name="Opslaan en regel toevoegen").first.click()
    page.wait_for_load_state()
    page.locator("[name='q-provenance.sources-1-dataset']").fill("Inschrijvingen BRP")
    page.locator("[name='q-provenance.sources-1-legal_basis']").fill("Wet BRP art. 3.2")
    page.locator(
        "input[name='q-provenance.sources-1-agreement'][value='processing_agreement']"
    ).check()
    page.evaluate(FILL_EMPTY)
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 0
    assert page.locator("[name='q-provenance.sources-1-dataset']").input_value() == (
        "Inschrijvingen BRP"
    )
    screenshot(page, "scientist-2-sources")

    # The group outcome table, first with a mistake: nothing typed is lost.
    page.goto(f"{overview}/discrimination")
    outcomes = "q-discrimination.group_outcomes"
    page.locator(f"[name='{outcomes}-0-group']").fill("Binnenstad")
    page.locator(f"[name='{outcomes}-0-in_scope']").fill("1200")
    page.locator(f"[name='{outcomes}-0-selected']").fill("90")
    page.locator(f"[name='{outcomes}-0-reference']").check()
    page.get_by_role("button", name="Opslaan en regel toevoegen").first.click()
    page.wait_for_load_state()
    page.locator(f"[name='{outcomes}-1-group']").fill("Overvecht")
    page.locator(f"[name='{outcomes}-1-in_scope']").fill("800")
    page.locator(f"[name='{outcomes}-1-selected']").fill("9000")  # more than in scope
    careful = "Onze afweging: de wijk telt mee, maar weegt niet zwaarder dan de rest."
    page.locator("[name='q-discrimination.legitimate_aim']").fill(careful)
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()
    # The table is kept back with its message; the rest of the page is saved.
    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary = page.locator("#error-summary")
    assert summary.get_by_role("link").first.get_attribute(
        "href"
    ) == f"#{outcomes}-1-selected".replace(".", "_")
    assert page.locator("[name='q-discrimination.legitimate_aim']").input_value() == careful
    assert page.locator(f"[name='{outcomes}-1-selected']").input_value() == "9000"
    screenshot(page, "scientist-3-invalid-kept")
    page.locator(f"[name='{outcomes}-1-selected']").fill("150")
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 0
    assert "groot verschil met de rest" in page.content()  # 18,8% against 7,5%
    assert "18,8%" in page.content()  # Dutch number format (issue 11)
    panel = page.locator(".app-risk-panel").inner_text()
    # A flagged group outcome raises the level to at least 3.
    assert re.search(r"Niveau [34]", panel), panel
    screenshot(page, "scientist-4-outcomes")
    assert_accessible(page, "questionnaire section")

    for section in SECTIONS:
        fill_section(page, f"{overview}/{section}")
    # The hurried answers contradict each other (no personal data, yet permits of people are
    # selected): the overview says what blocks submission, linked to the question.
    page.goto(overview)
    missing = page.locator(".app-missing-list")
    assert "personal_data_contradiction" in missing.inner_text()
    missing.get_by_role("link", name=re.compile("persoonsgegevens")).first.click()
    page.wait_for_load_state()
    assert "/privacy#" in page.url
    page.goto(f"{overview}/explanations")  # a finding is resolved or explained
    page.locator("[name='q-explanations.items-0-finding']").fill("personal_data_contradiction")
    page.locator("[name='q-explanations.items-0-explanation']").fill(
        "De vergunningen staan op naam van bedrijven, niet van personen."
    )
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 0
    page.goto(f"{overview}/algoritme")  # what the public will read
    page.locator("[name='description_short']").fill(
        "Een computer kiest welke vergunningen een medewerker eerst controleert."
    )
    page.locator("input[name='status'][value='In ontwikkeling']").check()
    page.locator("input[name='publication_category'][value='Impactvolle algoritmes']").check()
    page.locator("[name='contact_email']").fill("vergunningen@utrecht.nl")
    page.locator("[name='objection_procedure']").fill("Maak binnen zes weken bezwaar.")
    page.get_by_role("button", name="Opslaan", exact=True).click()
    page.wait_for_load_state()
    assert "Niet opgeslagen" not in page.content()

    page.goto(overview)
    screenshot(page, "scientist-5-ready")
    page.get_by_role("button", name="Indienen voor beoordeling").click()
    page.wait_for_load_state()
    assert "Ingediend" in page.content()
    assert page.locator("[name^='q-']").count() == 0
