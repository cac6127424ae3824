"""What a resident reads on an entry page: a level that is explained, a claim of assessment
only where a record backs it, the hash behind "Controleer dit bestand", Dutch content marked
as Dutch on English pages, contact details as links, and a table of contents in page order."""

import datetime as dt
import re

from assessments.quorum import BOARD_SIZE_BY_LEVEL
from assessments.schedule import REASSESSMENT_MONTHS
from portal.extensions import db
from register import operations
from register.standard import UTHIEK_ASSESSMENT_TITLE

SHA = "c" * 64


def _with_record(algorithm, level: int = 1) -> None:
    operations.attach_record(
        algorithm,
        record_id=11,
        sha256=SHA,
        size=4096,
        url="https://example.test/record.pdf",
        version=2,
        decided_at=dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC),
        reassessment_due=dt.date(2029, 5, 4),
        risk_level=level,
    )
    db.session.commit()


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_level_is_named_explained_and_linked(client, publish_entry):
    _with_record(publish_entry(slug="parkeren"), level=1)
    html = client.get("/algoritmes/parkeren").get_data(as_text=True)
    text = _text(html)
    assert "Risiconiveau: laag (1 van 4)" in text
    assert "Het algoritme heeft weinig gevolgen voor inwoners." in text
    assert 'href="/risiconiveaus#level-1"' in html
    # One numbering: the page says when the board approved, not an assessment version number
    # that differs from the register's change history.
    assert "versie 2 goedgekeurd" not in text.lower()
    assert "op 4 mei 2026" in text


def test_the_hash_sits_behind_check_this_file_with_an_explanation(client, publish_entry):
    _with_record(publish_entry(slug="parkeren"))
    html = client.get("/algoritmes/parkeren").get_data(as_text=True)
    details = re.search(r"<details class=\"app-hash\">(.*?)</details>", html, re.S)
    assert details, "the hash is folded away"
    assert "Controleer dit bestand" in details.group(1)
    assert SHA in details.group(1)
    assert "vingerafdruk" in details.group(1).lower()
    assert html.count(SHA) == 1


def test_an_entry_claims_an_assessment_only_when_a_record_backs_it(client, publish_entry):
    publish_entry(
        slug="claimt",
        name="Claimt een toets",
        impacttoetsen_grouping=[{"title": UTHIEK_ASSESSMENT_TITLE, "link": ""}],
    )
    publish_entry(slug="niets", name="Niets getoetst")
    claimed = _text(client.get("/algoritmes/claimt").get_data(as_text=True))
    assert "Dit algoritme is getoetst met Uthiek" not in claimed
    assert "voordat dit register bestond" in claimed
    assert "geen verslag" in claimed
    # The title we wrote in English reads Dutch on the Dutch page.
    assert UTHIEK_ASSESSMENT_TITLE not in claimed
    assert "Uthiek-toets van de gemeente Utrecht" in claimed
    nothing = _text(client.get("/algoritmes/niets").get_data(as_text=True))
    assert "Dit algoritme is nog niet getoetst met Uthiek." in nothing


def test_the_home_page_counts_records_claims_and_the_rest(client, publish_entry):
    _with_record(publish_entry(slug="een", name="Een"))
    publish_entry(
        slug="twee",
        name="Twee",
        impacttoetsen_grouping=[{"title": UTHIEK_ASSESSMENT_TITLE, "link": ""}],
    )
    publish_entry(slug="drie", name="Drie")
    publish_entry(slug="vier", name="Vier")
    text = _text(client.get("/").get_data(as_text=True))
    assert "1 met een ondertekend verslag dat u kunt downloaden" in text
    assert "1 getoetst voordat dit register bestond, zonder verslag hier" in text
    assert "2 nog niet getoetst met Uthiek" in text


def test_english_pages_mark_the_dutch_content_and_say_so(client, publish_entry):
    publish_entry(slug="parkeren")
    client.get("/taal/en")
    html = client.get("/algoritmes/parkeren").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert re.search(r'<h1 class="utrecht-heading-1" lang="nl">Parkeervergunning</h1>', html)
    assert re.search(r'<p class="[^"]*lead" lang="nl">Het algoritme controleert', html)
    assert "in Dutch only" in html
    values = re.findall(r'<dd class="utrecht-data-list__item-value"([^>]*)>', html)
    assert values
    assert all('lang="nl"' in attrs for attrs in values)
    # The Dutch page has no such marks: the whole page is Dutch already.
    client.get("/taal/nl")
    assert 'lang="nl">Parkeervergunning' not in client.get("/algoritmes/parkeren").get_data(
        as_text=True
    )


def test_an_english_search_that_finds_nothing_suggests_the_dutch_word(client, publish_entry):
    publish_entry(
        slug="bijstand", name="Bijstand aanvragen", description_short="Over de uitkering."
    )
    client.get("/taal/en")
    html = client.get("/algoritmes?q=benefit").get_data(as_text=True)
    assert "Try the Dutch word" in html
    assert 'href="/algoritmes?q=uitkering"' in html
    # A Dutch word with no result gets no made-up suggestion.
    assert "Try the Dutch word" not in client.get("/algoritmes?q=zzzzqqq").get_data(as_text=True)


def test_phone_numbers_and_web_addresses_in_the_objection_text_are_links(client, publish_entry):
    publish_entry(
        slug="parkeren",
        objection_procedure=(
            "<p>Bel 030 - 286 00 00 of 14 030. Kijk op www.utrecht.nl/bezwaar of mail "
            "bezwaar@utrecht.nl. Binnen 6 weken, kosten 1.250 euro, sinds 12-03-2024.</p>"
        ),
    )
    html = client.get("/algoritmes/parkeren").get_data(as_text=True)
    assert '<a class="utrecht-link" href="tel:+31302860000">030 - 286 00 00</a>' in html
    assert 'href="tel:14030">14 030</a>' in html
    assert 'href="https://www.utrecht.nl/bezwaar" rel="noopener">www.utrecht.nl/bezwaar</a>' in html
    assert 'href="mailto:bezwaar@utrecht.nl"' in html
    # Amounts and dates stay text.
    assert "tel:1250" not in html
    assert "12-03-2024</a>" not in html


def test_the_table_of_contents_follows_the_page(client, publish_entry):
    publish_entry(slug="parkeren")
    html = client.get("/algoritmes/parkeren").get_data(as_text=True)
    toc = re.search(r'<nav class="app-toc".*?</nav>', html, re.S).group(0)
    listed = re.findall(r'href="#([\w-]+)"', toc)
    body = html[html.index("</nav>", html.index('class="app-toc"')) :]
    on_page = [i for i in re.findall(r'<section[^>]* id="([\w-]+)"', body) if i in listed]
    assert listed == on_page


def test_the_levels_page_states_the_rules_the_portal_applies(client):
    text = _text(client.get("/risiconiveaus").get_data(as_text=True))
    for level, months in REASSESSMENT_MONTHS.items():
        assert f"binnen {months} maanden herhaald" in text.split(f"Niveau {level}")[1][:400]
    assert BOARD_SIZE_BY_LEVEL == {1: 1, 2: 2}  # the page words these as one and two members
    assert "Eén lid van de klankbordgroep" in text
    assert "Twee leden van de klankbordgroep" in text
    assert text.count("De hele klankbordgroep moet de toets goedkeuren") == 2
