"""The invitation link's copy button in Chromium: the clipboard gets the link and a live
region says "Gekopieerd"; the page with the link passes axe."""

import re

from tests.browser.conftest import assert_accessible, login
from tests.conftest import PASSWORD


def test_the_copy_button_copies_the_invitation_link(page, users):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "beheer@utrecht.nl", PASSWORD)
    page.goto("/intern/beheer/gebruikers")
    page.get_by_label("E-mailadres").fill("nieuw@utrecht.nl")
    page.get_by_label("Naam", exact=True).fill("Nina Nieuw")
    page.get_by_label("Beoordelaar (Uthiek-klankbordgroep)").check()
    page.get_by_role("button", name="Uitnodigen").click()
    field = page.get_by_label("Uitnodigingslink")
    link = field.input_value()
    assert re.search(r"/intern/uitnodiging/[\w-]+$", link)
    assert_accessible(page, "users, with an invitation link")
    page.get_by_role("button", name="Kopieer de uitnodigingslink").click()
    status = page.locator("#invitation-link-status")
    status.filter(has_text="Gekopieerd").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == link
