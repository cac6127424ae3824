"""The register's field rules: cleaning, sanitising and validation (pure functions)."""

import html
import re

import nh3
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from register.standard import (
    ALLOWED_HTML_TAGS,
    changed_fields,
    clean_entry,
    html_to_text,
    plain_text,
    sanitize_html,
    validate_entry,
)
from tests.conftest import entry_data


def test_valid_entry_has_no_errors():
    assert validate_entry(entry_data(), utrecht=True) == {}


@pytest.mark.parametrize("field", ["name", "description_short", "organization", "contact_email"])
def test_required_fields_are_reported(field):
    assert validate_entry(entry_data(**{field: ""}))[field] == "required"


def test_lengths_and_permitted_values_are_checked():
    errors = validate_entry(
        entry_data(name="x" * 101, status="Misschien", category=["Verkeer", "Toerisme"])
    )
    assert "longer than 100" in errors["name"]
    assert "not one of" in errors["status"]
    assert "Toerisme" in errors["category"]


def test_formats_are_checked_unless_only_national_rules_apply():
    entry = entry_data(begin_date="2021-3", website="www.utrecht.nl", contact_email="nobody")
    errors = validate_entry(entry)
    assert set(errors) == {"begin_date", "website", "contact_email"}
    assert validate_entry(entry, formats=False) == {}


def test_end_date_before_begin_date_is_refused():
    assert "end_date" in validate_entry(entry_data(begin_date="2022-05", end_date="2021-01"))


def test_utrecht_requires_an_objection_procedure():
    entry = entry_data(objection_procedure="")
    assert validate_entry(entry) == {}
    assert validate_entry(entry, utrecht=True) == {"objection_procedure": "required"}


def test_group_rows_are_validated_per_row():
    entry = entry_data(lawful_basis_grouping=[{"title": "Wet", "link": ""}])
    assert validate_entry(entry) == {"lawful_basis_grouping[0].link": "required"}


def test_html_fields_keep_only_allowlisted_markup():
    dirty = (
        '<p onclick="x()">Tekst <b>vet</b></p><script>alert(1)</script>'
        '<ul><li><a href="javascript:alert(1)">link</a></li></ul><img src=x onerror=alert(1)>'
    )
    clean = sanitize_html(dirty)
    assert clean == "<p>Tekst vet</p><ul><li>link</li></ul>"


def test_plain_text_fields_lose_markup_and_decode_entities():
    entry, _ = clean_entry({"name": "<b>Parkeren</b> &amp; <script>x</script>handhaving"})
    assert entry["name"] == "Parkeren & handhaving"


def test_clean_entry_maps_legacy_names_and_normalises_language():
    entry, ignored = clean_entry(
        {"iama_description": "<p>Geen IAMA</p>", "lang": "NLD", "type": "Nee"}
    )
    assert entry["impacttoetsen"] == "<p>Geen IAMA</p>"
    assert entry["lang"] == "nld"
    assert ignored == ["type"]


def test_categories_may_come_as_a_separated_string():
    entry, _ = clean_entry({"category": "Verkeer; Wonen"})
    assert entry["category"] == ["Verkeer", "Wonen"]


def test_html_to_text_keeps_paragraphs_apart():
    assert html_to_text("<p>Een</p><p>Twee</p>").split() == ["Een", "Twee"]


def test_changed_fields_lists_differences_in_standard_order():
    old = entry_data()
    new = entry_data(status="Buiten gebruik", name="Andere naam")
    assert changed_fields(old, new) == ["name", "status"]
    assert changed_fields(old, dict(old)) == []


# Text the HTML sanitiser would leave alone skips it (register/standard.py _NH3_REWRITES);
# the result must be exactly what nh3 gives, for any text, with or without markup.
_TEXT = st.lists(
    st.one_of(
        st.sampled_from("<>&;#\x00\r\n\xa0\ufeff \tpbr/"),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=30,
).map("".join)


@given(_TEXT)
@settings(max_examples=400)
def test_sanitising_without_the_parser_gives_what_the_parser_gives(value):
    allowed = set(ALLOWED_HTML_TAGS)
    assert (
        sanitize_html(value) == nh3.clean(value, tags=allowed, attributes={}, link_rel=None).strip()
    )
    assert plain_text(value) == _text_the_parser_reads(value)


def _text_the_parser_reads(value: str) -> str:
    return " ".join(html.unescape(nh3.clean(value, tags=set(), attributes={})).split())


_PIECES = ["<p>", "</p>", "<br>", "<br/>", "<LI>", "</li>", "<ul>", "</ul>", "<strong>"]
_PIECES += ["</strong>", "<a href='x'>", "</a>", "<!-- c -->", "&amp;", "&lt;", "&nbsp;"]
_PIECES += ["&#39;", "&quot;", "<script>x", "</ul>", "&amp", "<1>", "\x00", "\r", "<OL>"]
_MARKUP = st.lists(st.one_of(st.sampled_from(_PIECES), _TEXT), max_size=12).map("".join)


@given(_MARKUP)
@example("x&amp</ul>;p")  # an entity cut by a tag is read before the tag goes
@example("<script>x</script><p>y</p>")  # the parser drops a script's text
@example(" \ufeffa<p>b\x00</p>")  # a byte order mark exposed by stripping; NUL
@settings(max_examples=400)
def test_text_of_html_is_what_the_html_parser_reads(value):
    # html_to_text drops the tags of sanitised HTML with a pattern (register/standard.py):
    # stored (sanitised) or not, the text must read exactly as the HTML parser reads it,
    # line breaks between blocks included.
    for html_value in (value, sanitize_html(value)):
        broken = re.sub(r"<(br|/p|/li|/div)\s*/?>", "\n", html_value, flags=re.IGNORECASE)
        assert html_to_text(html_value) == _text_the_parser_reads(broken.replace("\n", " \n "))
