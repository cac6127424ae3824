"""Journey 1: a resident finds an algorithm, reads its assessment, checks the record's hash,
switches to English and finds how to object. Every public page passes axe-core."""

import hashlib
import re

from tests.browser.conftest import assert_accessible, screenshot


def test_resident_finds_reads_and_checks_the_record(page, demo_data):
    page.goto("/")
    assert_accessible(page, "home")
    screenshot(page, "resident-1-home")

    page.get_by_role("searchbox").first.fill("vegen")
    page.get_by_role("button", name="Zoeken").first.click()
    page.wait_for_url(re.compile(r"/algoritmes\?.*q=vegen"))
    assert page.get_by_role("link", name="Slim vegen").count() == 1
    assert_accessible(page, "search results")

    page.get_by_label(re.compile(r"^\s*In gebruik")).first.check()
    page.get_by_role("button", name="Filters toepassen").click()
    page.wait_for_url(re.compile(r"status=In\+gebruik"))
    screenshot(page, "resident-2-results")
    page.get_by_role("link", name="Slim vegen").click()
    page.wait_for_url(re.compile(r"/algoritmes/slim-vegen$"))
    assert_accessible(page, "entry")
    screenshot(page, "resident-3-entry")

    box = page.locator("#assessment")
    assert "Risiconiveau: laag (1 van 4)" in box.inner_text()
    box.get_by_text("Controleer dit bestand").first.click()
    shown_hash = box.locator("code").first.inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", shown_hash)
    download = page.request.get(
        box.get_by_role("link", name=re.compile("Download")).get_attribute("href")
    )
    assert download.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(download.body()).hexdigest() == shown_hash

    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/algoritmes/slim-vegen$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "entry in English")
    page.get_by_role("link", name="Questions and objection").first.click()
    objection = page.locator("#contact")
    # The interface is English; the entry's own texts stay Dutch.
    assert "How to object" in objection.inner_text()
    assert "Zo maakt u bezwaar" not in objection.inner_text()
    screenshot(page, "resident-4-objection-en")


def test_every_public_page_passes_axe(page, demo_data):
    for path in (
        "/",
        "/algoritmes",
        "/algoritmes?q=parkeer&status=In+gebruik",
        "/algoritmes?q=zzzzqqq",
        "/algoritmes/parkeervergunning",
        "/algoritmes/slim-vegen/versies/2",
        "/over",
        "/risiconiveaus",
        "/toegankelijkheid",
        "/bestaat-niet",
    ):
        page.goto(path)
        assert_accessible(page, path)


def test_public_pages_reflow_at_320_and_390_pixels(browser, portal_server, demo_data):
    """WCAG 1.4.10: no sideways scrolling on a small phone."""
    for width in (320, 390):
        context = browser.new_context(
            base_url=portal_server, viewport={"width": width, "height": 800}, locale="nl-NL"
        )
        tab = context.new_page()
        for path in ("/", "/algoritmes", "/algoritmes/slim-vegen", "/risiconiveaus", "/over"):
            tab.goto(path)
            scroll_width = tab.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{path} at {width}px is {scroll_width}px wide"
        context.close()


def test_resident_sees_a_suspension_and_the_incident_counts(page, demo_data):
    from assessments import demo

    page.goto(f"/algoritmes/{demo.SUSPENDED_SLUG}")
    suspension = page.locator("#suspended")
    assert "Geschorst" in suspension.inner_text()
    assert demo.SUSPENSION_REASON in suspension.inner_text()
    assert_accessible(page, "suspended entry")
    screenshot(page, "resident-5-suspended")

    page.goto("/algoritmes/slim-vegen")
    incidents = page.locator("#incidents")
    text = incidents.inner_text()
    assert "Incidenten en klachten" in text
    assert "1 klacht" in text
    assert demo.INCIDENT_PUBLIC in text
    assert_accessible(page, "entry with incidents")
