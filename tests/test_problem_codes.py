"""Rule modules return codes; every code has an English text and a Dutch translation, and the
Dutch interface shows Dutch messages only."""

from __future__ import annotations

import html
import importlib
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale

from portal.auth import operations as accounts
from portal.extensions import db
from portal.problems import RULE_MODULES, Problem, problem, translate
from register.standard import Code, clean_entry, validate_entry
from tests.conftest import ROLE_USERS, csrf_token_from

PO = Path(__file__).resolve().parent.parent / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


@pytest.fixture(scope="module")
def dutch_catalog():
    with PO.open("rb") as handle:
        return read_po(handle)


def _codes():
    for name in RULE_MODULES:
        module = importlib.import_module(name)
        for code in module.PROBLEM_CODES:
            yield pytest.param(module, code, id=f"{name}:{code.value}")


def _sample(template: str) -> dict:
    return {key: 7 if kind == "d" else "X" for key, kind in PLACEHOLDER.findall(template)}


@pytest.mark.parametrize(("module", "code"), list(_codes()))
def test_every_code_has_english_text_and_a_dutch_translation(app, dutch_catalog, module, code):
    template = module.PROBLEM_TEXTS.get(code)
    assert template, f"{code!r} has no English text"
    message = dutch_catalog.get(template)
    assert message is not None, f"{template!r} is not in the Dutch catalogue"
    assert message.string, f"{template!r} has no Dutch translation"
    assert not message.fuzzy, f"{template!r} has a fuzzy Dutch translation"
    assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(template))
    sample = _sample(template)
    found = problem(module.PROBLEM_TEXTS, code, **sample)
    assert found.code == code.value
    with force_locale("en"):
        english = translate(found)
    with force_locale("nl"):
        dutch = translate(found)
    assert english == str(found) == (template % sample if sample else template)
    assert dutch == (message.string % sample if sample else message.string)
    assert dutch != english


def test_what_validate_entry_returns_are_codes_of_its_module():
    entry, _ignored = clean_entry(
        {
            "name": "x" * 101,
            "status": "Misschien",
            "category": ["Onbekend"],
            "begin_date": "2022-05",
            "end_date": "2021-01",
            "website": "www.utrecht.nl",
            "contact_email": "geen",
            "lawful_basis_grouping": [{"title": "Wet", "link": ""}, 5],
            "provider": True,
            "goal": ["lijst"],
        }
    )
    problems = validate_entry(entry, utrecht=True)
    assert len(problems) >= 9
    assert all(isinstance(found, Problem) for found in problems.values())
    assert {found.code for found in problems.values()} <= {code.value for code in Code}


def test_account_errors_are_dutch_in_the_dutch_interface(client, users, login_as):
    login_as(users["admin"])
    url = "/intern/beheer/gebruikers"
    taken = ROLE_USERS["reviewer"][0]
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token_from(client.get(url)),
            "email": taken,
            "name": "Dubbel",
            "roles": "reviewer",
        },
    )
    assert response.status_code == 422
    body = html.unescape(response.get_data(as_text=True))
    assert f"er is al een account met het e-mailadres {taken}" in body
    assert "already exists" not in body


def test_account_errors_stay_english_for_the_command_line(app, users):
    with pytest.raises(accounts.AccountError) as refused:
        accounts.create_user(db.session, None, ROLE_USERS["reviewer"][0], "Dubbel", {"reviewer"})
    assert str(refused.value) == f"a user with email {ROLE_USERS['reviewer'][0]} already exists"
    assert refused.value.code == "email_taken"


def test_the_feed_speaks_the_readers_language(client, publish_entry):
    publish_entry(slug="a", summary="Eerste versie")
    dutch = client.get("/feed.atom").get_data(as_text=True)
    assert "Parkeervergunning (versie 1)" in dutch
    client.get("/taal/en")
    english = client.get("/feed.atom").get_data(as_text=True)
    assert "Parkeervergunning (version 1)" in english
    assert "Changed: name" in english
    assert "(versie" not in english
