"""The register-fields form in the Dutch interface shows Dutch messages only."""

from __future__ import annotations

import html
import importlib
import re
from pathlib import Path

from babel.messages.pofile import read_po

from portal.problems import RULE_MODULES
from tests.assessments.helpers import create
from tests.conftest import csrf_token_from

PO = Path(__file__).resolve().parents[2] / "translations" / "nl" / "LC_MESSAGES" / "messages.po"


def _messages(body: str) -> list[str]:
    found = re.findall(r'utrecht-form-field-error-message"[^>]*>(.*?)</div>', body, re.S)
    return [html.unescape(text).strip() for text in found]


def test_the_register_fields_form_speaks_dutch(api, client, users, login_as):
    assessment = create(api)
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment['id']}/algoritme"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token_from(client.get(url)),
            "name": "x" * 101,
            "status": "Misschien",
            "category": "Onbekend",
            "begin_date": "maart",
            "website": "www.utrecht.nl",
            "contact_email": "geen adres",
            "publiccode": "ftp://code",
        },
    )
    assert response.status_code == 422
    shown = _messages(response.get_data(as_text=True))
    assert len(shown) >= 7, shown
    assert "langer dan 100 tekens (nu 101)" in shown
    assert "geef een webadres dat begint met https://" in shown
    assert "geef een maand zoals 2024-05 (jaar-maand)" in shown
    assert "geef een e-mailadres of een webadres" in shown
    # Every message shown is a Dutch text of the catalogue, none an English one.
    dutch = _dutch_texts()
    english = [template.split("%")[0].strip() for template in _english_templates()]
    for message in shown:
        assert any(message.startswith(text) for text in dutch), message
        assert not any(message.startswith(text) for text in english if text), message

    client.get("/taal/en")
    english_page = client.post(
        url,
        data={"csrf_token": csrf_token_from(client.get(url)), "name": "Ok", "website": "www.x"},
    )
    assert "not a web address starting with https://" in _messages(
        english_page.get_data(as_text=True)
    )


def _dutch_texts() -> set[str]:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    return {
        message.string.split("%(")[0].strip()
        for message in catalog
        if message.id and isinstance(message.string, str) and message.string != message.id
    } - {""}


def _english_templates() -> list[str]:
    texts = []
    for name in RULE_MODULES:
        texts += importlib.import_module(name).PROBLEM_TEXTS.values()
    return texts
