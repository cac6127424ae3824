"""Seeing across organisations in the browser: the similar entries on an entry page and
/vergelijk (axe-core, reflow at 320 and 390 pixels, the filters as a plain GET form)."""

import re

import pytest

from tests.browser.conftest import assert_accessible, screenshot
from tests.conftest import SHARED_DATA

TEMPLATES = SHARED_DATA / "nl-register" / "templates-v1_0"


@pytest.fixture
def national_data(live_app, demo_data):
    """The demo register plus three organisations' entries from the national templates."""
    if not TEMPLATES.is_dir():
        pytest.skip(f"{TEMPLATES} is absent")
    runner = live_app.test_cli_runner()
    for name, organization in (
        ("Xxllnc", "Gemeente Zwolle"),
        ("Gemeente_Tilburg", "Gemeente Tilburg"),
        ("Centric", "Gemeente Ede"),
    ):
        result = runner.invoke(
            args=[
                "register",
                "import",
                str(TEMPLATES / f"{name}.json"),
                "--organization",
                organization,
            ]
        )
        assert result.exit_code == 0, result.output
        assert "similar entries:" in result.output


def test_similar_entries_and_the_comparison_page(page, national_data):
    page.goto("/algoritmes/anonimiseren-open-documenten")
    similar = page.locator("#similar")
    assert "Vergelijkbare algoritmes bij andere organisaties" in similar.inner_text()
    assert "Gemeente Zwolle" in similar.inner_text()
    assert_accessible(page, "entry with similar entries")

    similar.get_by_role("link", name=re.compile("Vergelijk de algoritmes")).click()
    page.wait_for_url(re.compile(r"/vergelijk$"))
    assert_accessible(page, "compare")
    screenshot(page, "compare-1-all")

    page.get_by_label("Leverancier", exact=True).fill("Intern")
    page.get_by_label("Categorie", exact=True).select_option("Zorg en gezondheid")
    page.get_by_role("button", name="Vergelijk", exact=True).click()
    page.wait_for_url(re.compile(r"leverancier=Intern.*categorie=Zorg"))
    table = page.get_by_role("table").first
    assert "Chatbot Wmo-loket" in table.inner_text()
    assert "Aanmeldbeleid basisscholen" not in table.inner_text()
    assert_accessible(page, "compare filtered")
    screenshot(page, "compare-2-filtered")


def test_the_comparison_reflows_at_320_and_390_pixels(browser, portal_server, national_data):
    for width in (320, 390):
        context = browser.new_context(
            base_url=portal_server, viewport={"width": width, "height": 800}, locale="nl-NL"
        )
        tab = context.new_page()
        for path in ("/vergelijk", "/algoritmes/anonimiseren-open-documenten"):
            tab.goto(path)
            scroll_width = tab.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{path} at {width}px is {scroll_width}px wide"
        context.close()
