"""Search quality: Dutch compounds, prefixes, diacritics, typos, ranking, hostile input."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from portal.extensions import db
from register import operations
from register.search import Vocabulary, index_scans, normalize, parse_query, term_variants
from tests.conftest import entry_data


@pytest.fixture
def register(publish_entry):
    publish_entry(slug="parkeervergunning", name="Parkeervergunning")
    publish_entry(
        slug="straatparkeren",
        name="Opbrengsten straatparkeren",
        description_short="We voorspellen hoeveel geld betaald parkeren oplevert.",
        category=["Overheidsfinanciën"],
    )
    publish_entry(
        slug="afval",
        name="Dynamisch inzamelen afval",
        description_short="Sensoren melden wanneer een afvalcontainer vol is.",
        category=["Natuur en milieu"],
        goal="<p>Minder ritten van vuilniswagens door de wijk.</p>",
    )
    publish_entry(
        slug="bijstand",
        name="Uitkering Participatiewet",
        description_short="Bepaalt welke norm geldt voor een bijstandsuitkering.",
        category=["Sociale zekerheid"],
        goal="<p>Het gaat ook over parkeren: nee, niet echt.</p>",
    )


def slugs(client, query, **params):
    response = client.get("/api/v1/algorithms", query_string={"q": query, **params})
    assert response.status_code == 200
    return [item["slug"] for item in response.json["items"]]


def test_normalize_strips_diacritics_and_case():
    assert normalize("Overheidsfinanciën  ÉÉN") == "overheidsfinancien een"


def test_term_variants_cover_dutch_endings():
    assert "parker" in term_variants("parkeer")
    assert "woning" in term_variants("woningen")
    assert "parkeer" in term_variants("parkeren") or "parker" in term_variants("parkeren")


def test_parse_query_drops_short_words_and_limits_terms():
    assert parse_query("de parkeer en of") == ["parkeer"]
    assert len(parse_query(" ".join(f"woord{i}" for i in range(50)))) == 8


def test_stem_finds_compounds_anywhere_in_a_word(client, register):
    found = slugs(client, "parkeer")
    assert {"parkeervergunning", "straatparkeren"} <= set(found)


def test_name_matches_rank_above_body_matches(client, register):
    found = slugs(client, "parkeren")
    assert found.index("straatparkeren") < found.index("bijstand")


def test_search_ignores_diacritics(client, register):
    assert slugs(client, "financien") == ["straatparkeren"]
    assert slugs(client, "Financiën") == ["straatparkeren"]


def test_prefix_and_plural_forms_match(client, register):
    # The other parking entry mentions permits in its description; the name match ranks first.
    assert slugs(client, "vergun")[0] == "parkeervergunning"
    assert slugs(client, "parkeervergunningen")[0] == "parkeervergunning"
    assert slugs(client, "afvalcontainers") == ["afval"]


def test_all_terms_must_match(client, register):
    assert slugs(client, "afval sensoren") == ["afval"]
    assert slugs(client, "afval bijstand") == []


def test_small_typo_is_corrected_and_said_so(client, register):
    assert slugs(client, "parkeervergunnig") == ["parkeervergunning"]
    page = client.get("/algoritmes", query_string={"q": "vuilniswagns"})
    assert "vuilniswagens" in page.get_data(as_text=True)
    assert "Dynamisch inzamelen afval" in page.get_data(as_text=True)


def test_unknown_words_find_nothing_without_error(client, register):
    assert slugs(client, "xylofoonkwartet") == []
    page = client.get("/algoritmes", query_string={"q": "xylofoonkwartet"})
    assert page.status_code == 200
    assert "0 algoritmes gevonden" in page.get_data(as_text=True)


def test_numbers_are_found_and_never_corrected_into_other_numbers(client, publish_entry):
    publish_entry(slug="begroting", name="Begroting", description_short="Sinds 2019 in gebruik.")
    assert slugs(client, "2019") == ["begroting"]
    assert slugs(client, "201") == ["begroting"]  # a number inside a longer one, as words
    assert slugs(client, "2018") == []
    page = client.get("/algoritmes", query_string={"q": "2018"}).get_data(as_text=True)
    assert "2019" not in page


def test_words_inside_a_run_too_long_to_be_a_word_are_found(client, publish_entry):
    code = "a1b2" * 25 + "wijkteam"  # over 80 letters and digits: not in the vocabulary
    publish_entry(slug="code", name="Meldingen", description_short=f"Zie {code}.")
    assert slugs(client, "wijkteam") == ["code"]
    assert slugs(client, "meldingen") == ["code"]
    # One term in an ordinary word, the other only inside the run.
    assert slugs(client, "meldingen wijkteam") == ["code"]
    assert slugs(client, "parkeren wijkteam") == []


def test_an_entry_indexed_again_is_found_by_its_new_words_only(client, publish_entry):
    algorithm = publish_entry(slug="afval", name="Afval", description_short="Sensoren hier.")
    content = entry_data(name="Afval", description_short="Camera's bij containers.")
    operations.publish(db.session, algorithm, content, "Andere techniek")
    db.session.commit()
    assert slugs(client, "camera") == ["afval"]
    assert slugs(client, "sensoren") == []


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "'",
        'parkeer"',
        "'; DROP TABLE algorithms; --",
        "1 OR 1=1",
        "NEAR(parkeer afval)",
        "parkeer*",
        "AND OR NOT",
        "%_%",
        "\\",
        "\x00parkeer",
        "<script>alert(1)</script>",
        "‮parkeer",
        "p" * 5000,
        "parkeer " * 500,
    ],
)
def test_hostile_queries_are_harmless(client, register, query):
    # NUL cannot be stored or searched (PostgreSQL refuses it): a clear 400, not a 500.
    expected = 400 if "\x00" in query else 200
    response = client.get("/algoritmes", query_string={"q": query})
    assert response.status_code == expected
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    api = client.get("/api/v1/algorithms", query_string={"q": query})
    # The site reads the first 200 characters; the API refuses more, as it describes (422).
    assert api.status_code == (422 if len(query) > 200 else expected)
    # The register is untouched.
    assert client.get("/api/v1/algorithms").json["total"] == 4


def test_punctuation_only_query_lists_everything_like_an_empty_search(client, register):
    assert len(slugs(client, "%%%")) == 4
    assert len(slugs(client, "___")) == 4


def test_a_failing_search_query_reports_its_own_error_and_the_planner_is_reset(app):
    failure = pytest.raises((ProgrammingError, OperationalError), match="no_such_table")
    with failure, index_scans(db.session):
        db.session.execute(text("SELECT * FROM no_such_table"))
    db.session.rollback()
    with index_scans(db.session):
        assert db.session.execute(text("SELECT 1")).scalar() == 1
    if db.engine.dialect.name == "postgresql":
        assert db.session.execute(text("SHOW enable_seqscan")).scalar() == "on"


def test_lookups_read_through_the_driver_fail_with_sqlalchemys_errors(app, register):
    """The word index is read from the driver's cursor, but a failing lookup raises
    SQLAlchemy's error like every other query (the error pages answer 503 for its
    OperationalError, not a bare 500) and the session carries on after a rollback."""
    from register import search

    before = search.matching_ids(db.session, ["parkeer"])
    db.session.rollback()
    with pytest.raises((ProgrammingError, OperationalError), match="no_such_table"):
        search._driver_rows(db.session, "SELECT algorithm_id FROM no_such_table", ())
    db.session.rollback()
    assert len(before) >= 2
    assert search.matching_ids(db.session, ["parkeer"]) == before
    db.session.rollback()


def test_no_terms_match_every_document(app, register):
    """The word-index lookup with no terms: every entry holds one word of each (none)."""
    from register import search

    everything = sorted(db.session.scalars(text("SELECT algorithm_id FROM search_documents")))
    assert search._ids_with_words(db.session, [], None) == everything
    assert len(search._ids_with_words(db.session, [], 2)) == 2
    db.session.rollback()


@given(
    words=st.sets(st.text(alphabet="abc0", min_size=3, max_size=8), max_size=30),
    variants=st.lists(st.text(alphabet="abc0", min_size=1, max_size=4), min_size=1, max_size=3),
)
@example(words={"abc", "cab"}, variants=["ca"])  # "ab\ncab": no match across two words
@example(words={"aaaa"}, variants=["aa", "a"])
def test_the_vocabulary_in_memory_finds_the_words_that_contain_a_form(words, variants):
    vocabulary = Vocabulary(words)
    expected = sorted(w for w in words if any(v in w for v in variants))
    assert vocabulary.containing(variants) == expected
    assert all((v in vocabulary) == any(v in w for w in words) for v in variants)
