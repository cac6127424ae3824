"""The public register as a resident meets it: home, list, filters, entry, history."""

import re

import pytest

from portal.extensions import db
from register import operations


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_home_explains_the_register_and_counts_entries(client, publish_entry):
    publish_entry(slug="a", name="Parkeervergunning")
    publish_entry(
        slug="b", name="Woninginbraakvoorspeller", status="Buiten gebruik", end_date="2023-01"
    )
    page = text_of(client.get("/"))
    assert '<html lang="nl"' in page
    assert 'action="/algoritmes"' in page
    assert 'name="q"' in page
    assert re.search(r">2</span>\s*algoritmes in totaal", page)
    assert "Woninginbraakvoorspeller" in page  # recently changed


def test_list_shows_published_entries_with_facet_counts(client, publish_entry):
    publish_entry(slug="a", name="Alpha", department="Mobiliteit", category=["Verkeer"])
    publish_entry(
        slug="b", name="Beta", department="Werk en Inkomen", category=["Werk", "Sociale zekerheid"]
    )
    publish_entry(slug="c", name="Gamma", department="Werk en Inkomen", status="In ontwikkeling")
    page = text_of(client.get("/algoritmes"))
    assert page.index("Alpha") < page.index("Beta") < page.index("Gamma")
    assert re.search(r'value="Werk en Inkomen"[^>]*>.*?\(2\)', page, re.S)
    assert re.search(r'name="theme" value="Verkeer"', page)


def test_filters_combine_and_the_url_holds_the_state(client, publish_entry):
    publish_entry(slug="a", name="Alpha", department="Mobiliteit")
    publish_entry(slug="b", name="Beta", department="Werk en Inkomen", category=["Werk"])
    publish_entry(slug="c", name="Gamma", department="Werk en Inkomen", status="Buiten gebruik")
    response = client.get("/algoritmes?department=Werk+en+Inkomen&status=In+gebruik")
    page = text_of(response)
    assert "Beta" in page
    assert "Gamma" not in page
    assert "Alpha" not in page
    # Facet counts for one facet ignore that facet's own filter, so a resident can widen.
    assert re.search(r'value="Mobiliteit"[^>]*>.*?\(1\)', page, re.S)
    # Theme filter via the national category.
    api = client.get("/api/v1/algorithms?theme=Werk").json
    assert [item["slug"] for item in api["items"]] == ["b"]


def test_sorting_by_recent_change(client, publish_entry):
    publish_entry(slug="a", name="Alpha")
    publish_entry(slug="b", name="Beta")
    alpha = operations.get_by_slug(db.session, "a")
    operations.publish(db.session, alpha, {**alpha.content, "status": "Buiten gebruik"}, "Gestopt")
    db.session.commit()
    items = client.get("/api/v1/algorithms?sort=recent").json["items"]
    assert [item["slug"] for item in items] == ["a", "b"]


def test_pagination_keeps_filters_and_rejects_pages_past_the_end(client, publish_entry):
    for number in range(25):
        publish_entry(slug=f"e{number:02d}", name=f"Algoritme {number:02d}")
    first = text_of(client.get("/algoritmes?status=In+gebruik"))
    assert "Algoritme 00" in first
    assert "Algoritme 20" not in first
    assert 'href="/algoritmes?status=In+gebruik&amp;page=2"' in first
    second = text_of(client.get("/algoritmes?status=In+gebruik&page=2"))
    assert "Algoritme 20" in second
    assert "Algoritme 00" not in second
    assert client.get("/algoritmes?page=9").status_code == 404
    assert client.get("/algoritmes?page=abc").status_code == 200


def test_entry_page_shows_sections_contact_and_objection(client, publish_entry):
    publish_entry(
        slug="parkeervergunning",
        risks="<p>Er is een risico op <strong>fouten</strong>.</p>",
        objection_procedure="<p>Bel 14 030 of maak bezwaar binnen zes weken.</p>",
        lawful_basis_grouping=[
            {"title": "Wegenverkeerswet 1994", "link": "https://wetten.overheid.nl/BWBR0006622"}
        ],
    )
    page = text_of(client.get("/algoritmes/parkeervergunning"))
    for heading in (
        "Algemene informatie",
        "Verantwoord gebruik",
        "Werking",
        "Vragen en bezwaar",
        "Wijzigingsgeschiedenis",
    ):
        assert heading in page
    assert 'Bel <a class="utrecht-link" href="tel:14030">14 030</a> of maak bezwaar binnen' in page
    assert 'href="mailto:algoritmes@utrecht.nl"' in page
    assert (
        '<a class="utrecht-link" href="https://wetten.overheid.nl/BWBR0006622" '
        'rel="noopener">Wegenverkeerswet 1994</a>' in page
    )
    assert "<strong>" not in page  # sanitised on the way in
    assert "maart 2021" in page  # begin date as a month


def test_entry_without_objection_text_points_to_contact(client, publish_entry):
    publish_entry(slug="x", objection_procedure="")
    page = text_of(client.get("/algoritmes/x"))
    assert "binnen zes weken" in page


def test_history_shows_versions_and_what_changed(client, publish_entry):
    algorithm = publish_entry(slug="x", name="Oude naam", summary="Eerste publicatie")
    operations.publish(
        db.session,
        algorithm,
        {**algorithm.content, "name": "Nieuwe naam", "description_short": "Nu met uitleg."},
        "Naam verduidelijkt",
    )
    db.session.commit()
    page = text_of(client.get("/algoritmes/x"))
    assert "Naam verduidelijkt" in page
    assert 'href="/algoritmes/x/versies/2"' in page
    changes = text_of(client.get("/algoritmes/x/versies/2"))
    assert "<del>" in changes
    assert "Oude" in changes
    assert "<ins>" in changes
    assert "Nieuwe" in changes
    assert "Korte omschrijving" in changes
    assert client.get("/algoritmes/x/versies/7").status_code == 404


def test_drafts_never_reach_the_public_side(client, publish_entry):
    draft = operations.create_algorithm(
        db.session,
        {**publish_entry(slug="pub").content, "name": "Geheim concept DRAFTMARKER"},
        slug="concept",
    )
    db.session.flush()
    operations.save_draft(db.session, draft, draft.content)
    published = operations.get_by_slug(db.session, "pub")
    operations.save_draft(
        db.session, published, {**published.content, "goal": "<p>DRAFTMARKER2</p>"}
    )
    db.session.commit()
    for url in [
        "/",
        "/algoritmes",
        "/algoritmes?q=geheim+concept",
        "/algoritmes/pub",
        "/algoritmes.csv",
        "/algoritmes.json",
        "/feed.atom",
        "/api/v1/algorithms",
        "/api/v1/algorithms/pub",
    ]:
        body = text_of(client.get(url))
        assert "DRAFTMARKER" not in body.upper(), url
    assert client.get("/algoritmes/concept").status_code == 404
    assert client.get("/api/v1/algorithms/concept").status_code == 404


def test_retired_algorithms_stay_visible_and_marked(client, publish_entry):
    algorithm = publish_entry(slug="oud")
    operations.retire(db.session, algorithm, "2024-06")
    db.session.commit()
    page = text_of(client.get("/algoritmes/oud"))
    assert "niet meer in gebruik" in page
    assert "Buiten gebruik" in page


def test_english_language_switch(client, publish_entry):
    publish_entry(slug="x")
    response = client.get("/taal/en?next=/algoritmes/x")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/algoritmes/x")
    page = text_of(client.get("/algoritmes/x"))
    assert '<html lang="en"' in page
    assert "Questions and objection" in page
    assert "In use" in page
    client.get("/taal/nl")
    assert '<html lang="nl"' in text_of(client.get("/"))
    # Labels are translated once per language (register/labels.py), never carried over.
    assert "In gebruik" in text_of(client.get("/algoritmes/x"))


def test_templates_follow_a_forced_language_inside_a_request(app):
    """A Dutch record or mail rendered during an English request is Dutch, and the request's
    own pages stay English after it (templates keep one catalogue per language)."""
    from flask import render_template_string
    from flask_babel import force_locale

    template = "{{ _('Search') }} {{ ngettext('%(num)d question', '%(num)d questions', 2) }}"
    with app.test_request_context("/?lang=en"):
        assert render_template_string(template) == "Search 2 questions"
        with force_locale("nl"):
            assert render_template_string(template).startswith("Zoeken ")
        assert render_template_string(template) == "Search 2 questions"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/taal/en", query_string={"next": target})
    assert response.headers["Location"] in ("/", "http://register.test/")


def test_about_and_accessibility_pages(client):
    assert "Willen we dit?" in text_of(client.get("/over"))
    assert "WCAG 2.1" in text_of(client.get("/toegankelijkheid"))
    client.get("/taal/en")
    assert "Do we want this?" in text_of(client.get("/over"))


def test_friendly_dutch_404(client):
    response = client.get("/algoritmes/bestaat-niet")
    assert response.status_code == 404
    page = text_of(response)
    assert "Pagina niet gevonden" in page
    assert 'name="q"' in page


def test_pages_have_landmarks_and_skip_link(client, publish_entry):
    publish_entry(slug="x")
    for url in ["/", "/algoritmes", "/algoritmes/x", "/over"]:
        page = text_of(client.get(url))
        assert 'href="#main"' in page
        assert 'id="main"' in page
        assert "<header" in page
        assert "<nav" in page
        assert "<footer" in page
        assert page.count("<h1") == 1
        assert "style=" not in page
        assert "<script" not in page
