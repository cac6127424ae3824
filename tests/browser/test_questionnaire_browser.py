"""The questionnaire in Chromium (issue 11): what only a browser shows. Enter in a row
saves, focus goes to the error summary, the live counter counts what the server counts,
the save bar stays in view, "add row" lands on the new row, leaving with unsaved changes
warns, and everything still works with JavaScript off."""

from __future__ import annotations

import re

import pytest

from portal.auth.demo_users import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible, login

OWNER = "indiener@demo.utrecht.nl"
SOURCES = "q-provenance.sources"


def new_assessment(page, name: str = "Slimme controle vergunningen") -> str:
    login(page, OWNER, DEMO_PASSWORD)
    page.get_by_role("link", name="Nieuwe toetsing", exact=True).click()
    page.get_by_label(re.compile("Naam")).first.fill(name)
    page.get_by_role("button", name="Toetsing aanmaken").click()
    page.wait_for_url(re.compile(r"/intern/toetsingen/\d+$"))
    return page.url


def in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight && box.height > 0;
        }""",
        selector,
    )


def test_enter_in_a_row_saves_and_add_row_lands_on_the_new_row(page, demo_data):
    overview = new_assessment(page)
    page.goto(f"{overview}/provenance")
    page.locator(f"[name='{SOURCES}-0-dataset']").fill("Meldingen woonoverlast")
    page.get_by_role("button", name="Opslaan en regel toevoegen").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("#row-provenance_sources-1")
    # Not the top of the page: the new row (the browser scrolls to it once laid out).
    page.wait_for_function(
        """() => {
            const box = document.querySelector('#row-provenance_sources-1 summary')
                .getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }"""
    )
    page.locator(f"[name='{SOURCES}-1-dataset']").fill("Inschrijvingen BRP")

    # Enter in a field of the second row: the form's first submit button is "save".
    with page.expect_navigation():
        page.locator(f"[name='{SOURCES}-1-dataset']").press("Enter")
    assert "Opgeslagen." in page.content()
    rows = page.locator("details.app-group-row")
    assert rows.count() == 2
    assert "Meldingen woonoverlast" in rows.nth(0).locator("summary").inner_text()
    assert "Inschrijvingen BRP" in rows.nth(1).locator("summary").inner_text()

    # The same in the first row: nothing is removed.
    rows.nth(0).evaluate("row => { row.open = true; }")
    with page.expect_navigation():
        page.locator(f"[name='{SOURCES}-0-dataset']").press("Enter")
    assert page.locator("details.app-group-row").count() == 2
    assert_accessible(page, "section with compact rows")


def test_one_bad_answer_keeps_the_rest_and_the_summary_takes_focus(page, demo_data):
    overview = new_assessment(page)
    page.goto(f"{overview}/core")
    field = page.locator("[name='q-core.explain_to_residents']")
    limit = int(field.get_attribute("data-max-length"))
    counter = page.locator("#q-core_explain_to_residents-count")
    field.fill("a" * 10)
    assert re.search(r"^10 van 1\.?500 tekens$", counter.inner_text())
    too_long = ("Zo werkt het. " * 140)[: limit + 344]  # 1,844 characters
    field.fill(too_long)
    assert counter.inner_text().startswith("344 tekens te veel")
    page.locator("[name='q-core.purpose']").fill("Woningen voor bewoners houden.")
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()

    assert page.evaluate("document.activeElement.id") == "error-summary"
    summary = page.locator("#error-summary")
    assert "1 antwoord opgeslagen" in summary.inner_text()
    link = summary.get_by_role("link").first
    assert link.get_attribute("href") == "#q-core_explain_to_residents"
    link.click()
    assert page.evaluate("document.activeElement.name") == "q-core.explain_to_residents"
    assert field.input_value() == too_long.strip()  # kept as typed
    page.goto(f"{overview}/core")  # after a reload: the valid answer was saved
    assert page.locator("[name='q-core.purpose']").input_value() == "Woningen voor bewoners houden."
    assert_accessible(page, "section after a partial save")


def test_the_save_bar_stays_in_view(page, demo_data):
    overview = new_assessment(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{overview}/provenance")
    assert page.evaluate("document.documentElement.scrollHeight") > 800 * 1.5
    bar = ".app-save-bar"
    assert page.evaluate(f"getComputedStyle(document.querySelector('{bar}')).position") == "sticky"
    for position in (0, 600, 1200):
        page.evaluate(f"window.scrollTo(0, {position})")
        assert in_viewport(page, bar), f"save bar out of view at scroll {position}"
    assert page.locator(bar).get_by_role("button", name="Opslaan als concept").is_visible()


def test_leaving_with_unsaved_changes_warns(page, demo_data):
    overview = new_assessment(page)
    page.goto(f"{overview}/core")
    dialogs = []

    def on_dialog(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", on_dialog)
    page.locator("[name='q-core.purpose']").fill("Nog niet opgeslagen.")
    page.get_by_role("navigation", name="Onderdelen van de toetsing").get_by_role(
        "link", name=re.compile("Privacy", re.I)
    ).first.click()
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/core")
    # Saving is not leaving: no warning.
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()
    assert dialogs == ["beforeunload"]
    assert "Opgeslagen." in page.content()


@pytest.fixture
def no_script_page(browser, portal_server):
    context = browser.new_context(base_url=portal_server, java_script_enabled=False, locale="nl-NL")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_everything_works_without_javascript(no_script_page, demo_data):
    page = no_script_page
    overview = new_assessment(page, "Zonder script")
    page.goto(f"{overview}/core")
    page.locator("[name='q-core.explain_to_residents']").fill("x" * 1600)
    page.locator("[name='q-core.purpose']").fill("Zonder script werkt het ook.")
    page.get_by_role("button", name="Opslaan als concept").click()
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.get_attribute("autofocus") is not None
    assert summary.get_by_role("link").first.get_attribute("href") == "#q-core_explain_to_residents"
    assert page.locator("[name='q-core.explain_to_residents']").input_value() == "x" * 1600
    assert "Ten hoogste 1.500 tekens." in page.content()

    page.goto(f"{overview}/provenance")
    page.locator(f"[name='{SOURCES}-0-dataset']").fill("Meldingen")
    page.get_by_role("button", name="Opslaan en regel toevoegen").first.click()
    page.wait_for_load_state()
    assert page.url.endswith("#row-provenance_sources-1")
    assert page.locator("#row-provenance_sources-1").get_attribute("open") is not None
    page.locator(f"[name='{SOURCES}-1-dataset']").fill("Inkomens")
    with page.expect_navigation():
        page.locator(f"[name='{SOURCES}-1-dataset']").press("Enter")  # saves, removes nothing
    assert "Opgeslagen." in page.content()
    assert page.locator("details.app-group-row").count() == 2

    page.goto(overview)
    page.get_by_role("link", name="Deze toetsing intrekken").click()
    page.wait_for_load_state()
    assert "Intrekken is definitief" in page.content()
    page.get_by_role("button", name="Ja, trek de toetsing in").click()
    page.wait_for_load_state()
    assert "De toetsing is ingetrokken." in page.content()
