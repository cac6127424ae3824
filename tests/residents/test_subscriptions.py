"""Notices of change: double opt-in, notices after publication with the changed words,
one-click unsubscribe (RFC 8058), weekly digests; all mail over SMTP to a local server."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from sqlalchemy import select

from portal.db import utcnow
from portal.extensions import db
from register import operations
from register.subscriptions import Subscription
from tests.conftest import entry_data
from tests.residents.conftest import body_of, link_in

READER = "lezer@voorbeeld.nl"


def _subscribe(client, **fields):
    data = {"email": READER, "scope": "all", "frequency": "immediate", "website": ""}
    data.update(fields)
    return client.post("/abonneren", data=data)


def _path(url: str) -> str:
    return urlsplit(url).path


def _change(algorithm, **overrides):
    content = entry_data(**overrides)
    version = operations.publish(db.session, algorithm, content, "Tekst bijgewerkt")
    db.session.commit()
    return version


def test_double_opt_in_then_a_notice_with_the_changes(client, publish_entry, mailbox):
    algorithm = publish_entry(slug="parkeren")
    page = client.get("/abonneren?algoritme=parkeren")
    assert page.status_code == 200
    assert "Parkeervergunning" in page.get_data(as_text=True)
    response = _subscribe(client, scope="entry", algorithm="parkeren")
    assert response.status_code == 200
    assert "Kijk in uw e-mail" in response.get_data(as_text=True)
    [confirmation] = mailbox.to(READER)
    link = link_in(confirmation, "/abonneren/bevestigen/")
    assert link.startswith("http://127.0.0.1:5000/")  # SITE_URL, never the request's host
    # Not confirmed yet: a change mails nobody.
    mailbox.clear()
    _change(algorithm, goal="<p>Vergunningen sneller toekennen.</p>")
    assert mailbox.to(READER) == []
    confirmed = client.get(_path(link))
    assert confirmed.status_code == 200
    assert "bevestigd" in confirmed.get_data(as_text=True)
    version = _change(algorithm, goal="<p>Vergunningen eerlijk en snel toekennen.</p>")
    [notice] = mailbox.to(READER)
    body = body_of(notice)
    assert "Parkeervergunning" in notice["Subject"]
    assert f"/algoritmes/parkeren/versies/{version.number}" in body
    assert "- sneller" in body
    assert "+ eerlijk en snel" in body
    unsubscribe = notice["List-Unsubscribe"].strip().strip("<>")
    assert _path(unsubscribe).startswith("/afmelden/")
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in body


def test_one_click_unsubscribe_deletes_the_address(client, publish_entry, mailbox):
    algorithm = publish_entry(slug="parkeren")
    _subscribe(client)
    client.get(_path(link_in(mailbox.to(READER)[0], "/abonneren/bevestigen/")))
    mailbox.clear()
    _change(algorithm, goal="<p>Nieuw doel.</p>")
    [notice] = mailbox.to(READER)
    url = _path(notice["List-Unsubscribe"].strip().strip("<>"))
    page = client.get(url)  # a link scanner's GET changes nothing
    assert page.status_code == 200
    assert db.session.scalar(select(Subscription)) is not None
    # What a mail program sends for RFC 8058 one-click: a POST, no token of ours.
    one_click = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200
    assert db.session.scalar(select(Subscription)) is None
    assert client.post(url).status_code == 200  # twice is fine
    assert client.get(url).status_code == 404
    mailbox.clear()
    _change(algorithm, goal="<p>Nog een doel.</p>")
    assert mailbox.to(READER) == []


def test_a_department_or_theme_subscription_hears_only_of_its_entries(
    client, publish_entry, mailbox
):
    parking = publish_entry(slug="parkeren")
    waste = publish_entry(
        slug="afval", name="Afvalroutes", department="Stadsbeheer", category=["Natuur en milieu"]
    )
    _subscribe(client, email="afdeling@voorbeeld.nl", scope="department", value="Stadsbeheer")
    _subscribe(client, email="thema@voorbeeld.nl", scope="theme", value="Verkeer")
    for address in ("afdeling@voorbeeld.nl", "thema@voorbeeld.nl"):
        client.get(_path(link_in(mailbox.to(address)[0], "/abonneren/bevestigen/")))
    mailbox.clear()
    _change(
        waste,
        name="Afvalroutes",
        department="Stadsbeheer",
        category=["Natuur en milieu"],
        goal="<p>Minder rijden.</p>",
    )
    assert len(mailbox.to("afdeling@voorbeeld.nl")) == 1
    assert mailbox.to("thema@voorbeeld.nl") == []
    mailbox.clear()
    _change(parking, goal="<p>Eerlijk.</p>")
    assert mailbox.to("afdeling@voorbeeld.nl") == []
    assert len(mailbox.to("thema@voorbeeld.nl")) == 1


def test_an_unknown_department_or_bad_address_is_refused(client, publish_entry, mailbox):
    publish_entry(slug="parkeren")
    assert _subscribe(client, scope="department", value="Bestaat niet").status_code == 422
    assert _subscribe(client, scope="entry", algorithm="bestaat-niet").status_code == 422
    assert _subscribe(client, email="geen adres").status_code == 422
    assert _subscribe(client, website="http://spam.example").status_code == 422
    assert db.session.scalar(select(Subscription)) is None
    assert mailbox.messages == []


def test_asking_again_tells_nobody_who_is_subscribed(client, publish_entry, mailbox):
    publish_entry(slug="parkeren")
    _subscribe(client)
    client.get(_path(link_in(mailbox.to(READER)[0], "/abonneren/bevestigen/")))
    mailbox.clear()
    again = _subscribe(client)
    assert again.status_code == 200  # the same page as for a new address
    assert mailbox.messages == []
    assert client.get("/abonneren/bevestigen/verzonnen").status_code == 404


def test_a_rolled_back_publication_mails_nobody(client, publish_entry, mailbox):
    algorithm = publish_entry(slug="parkeren")
    _subscribe(client)
    client.get(_path(link_in(mailbox.to(READER)[0], "/abonneren/bevestigen/")))
    mailbox.clear()
    operations.publish(db.session, algorithm, entry_data(goal="<p>Teruggedraaid.</p>"))
    db.session.rollback()
    assert mailbox.messages == []


def test_the_subscribe_form_is_rate_limited(client, publish_entry, app, monkeypatch):
    publish_entry(slug="parkeren")
    monkeypatch.setitem(app.config, "SUBSCRIBE_RATE_LIMIT", "2 per minute")
    assert _subscribe(client, email="a@voorbeeld.nl").status_code == 200
    assert _subscribe(client, email="b@voorbeeld.nl").status_code == 200
    assert _subscribe(client, email="c@voorbeeld.nl").status_code == 429


def test_weekly_subscribers_get_one_digest(app, client, publish_entry, mailbox):
    algorithm = publish_entry(slug="parkeren")
    _subscribe(client, frequency="weekly")
    client.get(_path(link_in(mailbox.to(READER)[0], "/abonneren/bevestigen/")))
    mailbox.clear()
    first = _change(algorithm, goal="<p>Een.</p>")
    second = _change(algorithm, goal="<p>Twee.</p>")
    assert mailbox.messages == []  # weekly: nothing at once
    runner = app.test_cli_runner()
    assert "0 digests sent" in runner.invoke(args=["register", "send-digests"]).output
    subscription = db.session.scalar(select(Subscription))
    subscription.last_digest_at = utcnow() - dt.timedelta(days=8)
    db.session.commit()
    result = runner.invoke(args=["register", "send-digests"])
    assert "1 digests sent" in result.output, result.output
    [digest] = mailbox.to(READER)
    body = body_of(digest)
    assert f"/versies/{first.number}" in body
    assert f"/versies/{second.number}" in body
    assert digest["List-Unsubscribe"]
    mailbox.clear()
    assert "0 digests sent" in runner.invoke(args=["register", "send-digests", "--force"]).output


def test_unconfirmed_subscriptions_are_deleted_by_the_purge(app, client, publish_entry):
    publish_entry(slug="parkeren")
    _subscribe(client)
    subscription = db.session.scalar(select(Subscription))
    subscription.created_at = utcnow() - dt.timedelta(days=8)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["register", "purge-feedback"])
    assert "1 unconfirmed subscriptions deleted" in result.output
    assert db.session.scalar(select(Subscription)) is None
