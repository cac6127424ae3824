"""Similar entries at other organisations (register/similar.py) and /vergelijk
(register/compare.py)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from portal.extensions import db
from register import similar
from register.similar import EntryProfile
from tests.import_helpers import row, run_import, write_json

HOME = "Gemeente Utrecht"
PARKING = {
    "name": "Parkeerscan",
    "description_short": (
        "Een scanauto leest kentekens van geparkeerde auto's en controleert of er betaald is "
        "voor het parkeren."
    ),
    "goal": "<p>Handhaving van betaald parkeren met kentekenherkenning door scanauto's.</p>",
    "category": ["Verkeer"],
}
ANONYMISING = {
    "name": "Anonimiseren van documenten",
    "description_short": (
        "Software zoekt persoonsgegevens in documenten en maakt ze onleesbaar voor publicatie."
    ),
    "goal": "<p>Privacy beschermen bij het openbaar maken van documenten (Woo).</p>",
    "category": ["Organisatie en bedrijfsvoering"],
}


def rebuild() -> similar.RebuildReport:
    report = similar.rebuild(db.session)
    db.session.commit()
    return report


def entry_page(client, slug: str) -> str:
    response = client.get(f"/algoritmes/{slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def similar_section(page: str) -> str:
    match = re.search(r'<section[^>]*id="similar".*?</section>', page, flags=re.DOTALL)
    return match.group(0) if match else ""


def test_words_are_folded_stemmed_and_common_ones_dropped():
    assert (
        similar.tokens("Parkeervergunningen voor de Binnenstad")
        == similar.tokens("parkeervergunning binnenstad")
        == [
            "parkeervergunning",
            "binnenstad",
        ]
    )
    assert similar.tokens("<p>Café&nbsp;déjà</p>") == ["cafe", "deja"]
    assert similar.provider_key("Centric B.V.") == similar.provider_key(" centric ")


def test_related_entries_of_other_organisations_show_and_unrelated_ones_do_not(
    client, publish_entry
):
    ours = publish_entry(slug="parkeerscan-utrecht", organization=HOME, **PARKING)
    theirs = publish_entry(
        slug="parkeerscan-amersfoort",
        organization="Gemeente Amersfoort",
        name="Scanauto parkeren",
        description_short=(
            "De scanauto controleert met kentekenherkenning of voor geparkeerde auto's betaald is."
        ),
        goal="<p>Betaald parkeren handhaven met scanauto's.</p>",
    )
    unrelated = publish_entry(
        slug="anonimiseren-zwolle", organization="Gemeente Zwolle", **ANONYMISING
    )
    page = entry_page(client, ours.slug)
    assert "Vergelijkbare algoritmes bij andere organisaties" not in page  # nothing stored yet

    report = rebuild()

    assert report.entries == 3
    section = similar_section(entry_page(client, ours.slug))
    assert "Vergelijkbare algoritmes bij andere organisaties" in section
    assert f'href="/algoritmes/{theirs.slug}"' in section
    assert "Gemeente Amersfoort" in section
    assert unrelated.slug not in section
    # And the other way round: Amersfoort's entry names Utrecht's.
    assert ours.slug in similar_section(entry_page(client, theirs.slug))
    # The anonymising entry has nothing similar: no section at all.
    assert similar_section(entry_page(client, unrelated.slug)) == ""


def test_the_entrys_own_organisation_is_never_listed(client, publish_entry):
    ours = publish_entry(slug="parkeerscan-utrecht", organization=HOME, **PARKING)
    twin = publish_entry(slug="parkeerscan-utrecht-2", organization=HOME, **PARKING)
    other = publish_entry(slug="parkeerscan-zwolle", organization="Gemeente Zwolle", **PARKING)

    rebuild()

    found = [item.slug for item in similar.similar_to(db.session, ours)]
    assert found == [other.slug]  # the identical Utrecht twin is not "elsewhere"
    assert twin.slug not in similar_section(entry_page(client, ours.slug))
    # A stored row naming the own organisation (organisation changed since) is skipped too.
    profile = db.session.get(EntryProfile, ours.id)
    profile.neighbours = [[twin.id, 0.9], [other.id, 0.8]]
    db.session.commit()
    assert [item.slug for item in similar.similar_to(db.session, ours)] == [other.slug]


def test_at_most_one_entry_per_other_organisation_and_at_most_five(publish_entry):
    ours = publish_entry(slug="ours", organization=HOME, **PARKING)
    for number in range(8):
        for copy in range(2):
            publish_entry(slug=f"org-{number}-{copy}", organization=f"Gemeente {number}", **PARKING)
    rebuild()
    found = similar.similar_to(db.session, ours)
    assert len(found) == similar.TOP
    assert len({item.organization for item in found}) == similar.TOP


def test_cli_and_import_refresh_the_similar_entries(app, client, publish_entry, tmp_path):
    ours = publish_entry(slug="parkeerscan-utrecht", organization=HOME, **PARKING)
    result = CliRunner().invoke(app.cli, ["register", "similar-index"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "1 entries compared" in result.output

    path = write_json(
        tmp_path / "national.json",
        [row(organization="Gemeente Amersfoort", **{**PARKING, "name": "Parkeerscan"})],
    )
    output = run_import(app, path).output
    assert "similar entries: 2 entries compared" in output
    section = similar_section(entry_page(client, ours.slug))
    assert "Gemeente Amersfoort" in section


def test_a_retracted_similar_entry_is_not_shown(client, publish_entry):
    ours = publish_entry(slug="ours", organization=HOME, **PARKING)
    theirs = publish_entry(slug="theirs", organization="Gemeente Zwolle", **PARKING)
    rebuild()
    theirs.is_published = False
    db.session.commit()
    assert similar.similar_to(db.session, ours) == []


# ---------------------------------------------------------------- /vergelijk


def _compare_data(publish_entry):
    publish_entry(slug="parkeerscan-utrecht", organization=HOME, provider="Brickyard", **PARKING)
    publish_entry(
        slug="anonimiseren-utrecht", organization=HOME, provider="Xxllnc B.V.", **ANONYMISING
    )
    publish_entry(
        slug="parkeerscan-amersfoort",
        organization="Gemeente Amersfoort",
        provider="Brickyard",
        **PARKING,
    )
    publish_entry(
        slug="anonimiseren-zwolle", organization="Gemeente Zwolle", provider="xxllnc", **ANONYMISING
    )
    publish_entry(
        slug="anonimiseren-ede", organization="Gemeente Ede", provider="Xxllnc", **ANONYMISING
    )
    rebuild()


def _table_rows(page: str) -> list[str]:
    body = page.split('class="utrecht-table__body"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr.*?</tr>", body, flags=re.DOTALL)


def test_compare_lists_home_entries_with_similar_ones_and_shared_providers(client, publish_entry):
    _compare_data(publish_entry)
    response = client.get("/vergelijk")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Vergelijk met andere organisaties" in page
    rows = _table_rows(page)
    assert len(rows) == 2
    anonymising = next(r for r in rows if "anonimiseren-utrecht" in r)
    assert "anonimiseren-zwolle" in anonymising
    assert "anonimiseren-ede" in anonymising
    # "Xxllnc B.V." and "xxllnc" are one provider: two entries at two other organisations.
    assert "Andere organisaties met deze leverancier: 2. Hun algoritmes daarmee: 2." in anonymising
    assert "<th" in rows[0]  # the entry heads its row for screen readers
    assert 'scope="row"' in rows[0]
    # Entries of other organisations are never rows of the home side.
    assert "parkeerscan-amersfoort" not in "".join(r.split("</th>", 1)[0] for r in rows)


def test_compare_filters_by_purpose_provider_and_category(client, publish_entry):
    _compare_data(publish_entry)

    def home_rows(query: str) -> list[str]:
        page = client.get(f"/vergelijk?{query}").get_data(as_text=True)
        if "utrecht-table__body" not in page:
            return []
        return [
            slug
            for slug in ("parkeerscan-utrecht", "anonimiseren-utrecht")
            if any(f'href="/algoritmes/{slug}"' in r for r in _table_rows(page))
        ]

    assert home_rows("doel=kentekens") == ["parkeerscan-utrecht"]
    assert home_rows("doel=PRIVACY+woo") == ["anonimiseren-utrecht"]
    assert home_rows("leverancier=xxllnc") == ["anonimiseren-utrecht"]
    assert home_rows("leverancier=Brickyard+B.V.") == ["parkeerscan-utrecht"]
    assert home_rows("categorie=Verkeer") == ["parkeerscan-utrecht"]
    assert home_rows("categorie=Verkeer&leverancier=xxllnc") == []
    # An unknown category is ignored rather than an error.
    assert home_rows("categorie=Onbekend") == ["parkeerscan-utrecht", "anonimiseren-utrecht"]
    page = client.get("/vergelijk?categorie=Verkeer").get_data(as_text=True)
    assert '<option value="Verkeer" selected>' in page


def test_compare_counts_per_category(client, publish_entry):
    _compare_data(publish_entry)
    page = client.get("/vergelijk?categorie=Organisatie+en+bedrijfsvoering").get_data(as_text=True)
    themes = page.split('id="themes-heading"', 1)[1]
    cells = re.findall(r'numeric">(\d+)</td>', themes)
    assert cells == ["1", "2", "2"]  # Utrecht 1; elsewhere 2 entries at 2 organisations


def test_compare_escapes_its_input_and_cuts_long_text(client, publish_entry):
    _compare_data(publish_entry)
    hostile = '"><script>alert(1)</script>'
    response = client.get("/vergelijk", query_string={"doel": hostile, "leverancier": hostile})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&#34;&gt;&lt;script&gt;" in page or "&quot;&gt;&lt;script&gt;" in page
    long = client.get("/vergelijk", query_string={"doel": "a" * 5000})
    assert long.status_code == 200
    assert f'name="doel" value="{"a" * 100}"' in long.get_data(as_text=True)


def test_compare_in_english_and_when_nothing_is_imported(client):
    page = client.get("/vergelijk").get_data(as_text=True)
    assert "Er is nog niets om te vergelijken" in page
    client.get("/taal/en")
    page = client.get("/vergelijk").get_data(as_text=True)
    assert "Compare with other organisations" in page
