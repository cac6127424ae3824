"""The admin's user pages (issue 12): the invitation link in a field to copy (a button with
script), and deactivating after a confirmation page that lists the person's open reviews and
conditions (assessments fill that list in through portal.auth.open_work)."""

import datetime as dt
import re

import pytest

from assessments import obligations
from portal.auth import open_work
from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from tests.assessments.test_overview import _assessment
from tests.conftest import csrf_token_from, invite_nina


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_invitation_link_is_in_a_field_to_copy(client, users, login_as):
    login_as(users["admin"])
    page = invite_nina(client).get_data(as_text=True)
    field = re.search(r'<input [^>]*id="invitation-link"[^>]*>', page).group(0)
    assert "readonly" in field
    assert re.search(r'value="https?://[^"]+/intern/uitnodiging/[\w-]+"', field)
    assert (
        '<label class="utrecht-form-label" for="invitation-link">Uitnodigingslink</label>' in page
    )
    # The button waits for the script (hidden without it) and reports in a live region.
    button = re.search(r"<button [^>]*data-copy-target=\"invitation-link\"[^>]*>", page).group(0)
    assert " hidden" in button
    assert 'data-copied="Gekopieerd"' in button
    assert re.search(r'<p [^>]*id="invitation-link-status" aria-live="polite"></p>', page)
    assert "/static/js/copy.js" in page


@pytest.fixture
def open_work_of_kim(users):
    """Kim (the reviewer) still has to decide on one version; Dana (the owner) has an open
    condition; one version Kim decided on is not open work."""
    owner = users["submitter"]
    waiting = _assessment(owner, "in_review", name="Parkeren", level=2)
    approved = _assessment(owner, "approved", name="Bomen")
    db.session.add(
        obligations.Condition(
            assessment_id=approved.id,
            version_number=1,
            set_by_id=users["reviewer"].id,
            text="Herhaal de groepsanalyse",
            owner="Team Data",
            deadline=utcnow().date() - dt.timedelta(days=3),
        )
    )
    db.session.commit()
    return waiting, approved


def test_deactivating_asks_first_and_lists_the_open_work(client, users, login_as, open_work_of_kim):
    waiting, approved = open_work_of_kim
    login_as(users["admin"])
    kim = users["reviewer"]
    response = client.get(f"/intern/beheer/gebruikers/{kim.id}/deactiveren")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = _text(page)
    assert "Kim Klankbord deactiveren?" in text
    assert "Beoordelingen om over te besluiten (1)" in text
    assert f'href="/intern/toetsingen/{waiting.id}/beoordeling">Parkeren, versie 1</a>' in page
    # Kim set the condition and accepts its evidence.
    assert "Open voorwaarden (1)" in text
    assert f'href="/intern/toetsingen/{approved.id}/voorwaarden#condition-' in page
    assert "Bomen: Herhaal de groepsanalyse (te laat sinds" in text
    assert db.session.get(User, kim.id).active  # nothing happened yet

    # Without the CSRF token nothing happens; with it the account is deactivated.
    assert client.post(f"/intern/beheer/gebruikers/{kim.id}/deactiveren").status_code == 400
    assert db.session.get(User, kim.id, populate_existing=True).active
    done = client.post(
        f"/intern/beheer/gebruikers/{kim.id}/deactiveren",
        data={"csrf_token": csrf_token_from(response)},
    )
    assert done.status_code == 302
    assert not db.session.get(User, kim.id, populate_existing=True).active
    log = client.get("/intern/beheer/audit?action=user.updated").get_data(as_text=True)
    assert "Bea Beheer heeft het account van" in _text(log)
    assert "Kim Klankbord gedeactiveerd." in _text(log)


def test_the_owner_sees_their_conditions_and_someone_without_work_nothing(
    client, users, login_as, open_work_of_kim
):
    login_as(users["admin"])
    dana = _text(
        client.get(f"/intern/beheer/gebruikers/{users['submitter'].id}/deactiveren").get_data(
            as_text=True
        )
    )
    assert "Open voorwaarden (1)" in dana
    assert "Beoordelingen" not in dana
    pim = users["privacy_officer"]
    other = _text(
        client.get(f"/intern/beheer/gebruikers/{users['other_submitter'].id}/deactiveren").get_data(
            as_text=True
        )
    )
    assert "Anton Ander heeft geen open beoordelingen of voorwaarden." in other
    assert pim.active


def test_unticking_active_on_the_edit_form_goes_to_the_confirmation(client, users, login_as):
    login_as(users["admin"])
    kim = users["reviewer"]
    form = client.get(f"/intern/beheer/gebruikers/{kim.id}")
    assert f'href="/intern/beheer/gebruikers/{kim.id}/deactiveren"' in form.get_data(as_text=True)
    response = client.post(
        f"/intern/beheer/gebruikers/{kim.id}",
        data={"csrf_token": csrf_token_from(form), "name": "Kim K.", "roles": ["reviewer"]},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/intern/beheer/gebruikers/{kim.id}/deactiveren")
    kim = db.session.get(User, kim.id, populate_existing=True)
    assert kim.active  # not yet: the confirmation decides
    assert kim.name == "Kim K."  # the other changes are saved


def test_the_last_admin_is_not_deactivated(client, users, login_as):
    admin = users["admin"]
    login_as(admin)
    page = client.get(f"/intern/beheer/gebruikers/{admin.id}/deactiveren")
    response = client.post(
        f"/intern/beheer/gebruikers/{admin.id}/deactiveren",
        data={"csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 409
    assert 'role="alert"' in response.get_data(as_text=True)
    assert db.session.get(User, admin.id, populate_existing=True).active


@pytest.mark.parametrize("role", ["reviewer", "submitter"])
def test_only_admins_deactivate(client, users, login_as, role):
    login_as(users[role])
    url = f"/intern/beheer/gebruikers/{users['other_submitter'].id}/deactiveren"
    assert client.get(url).status_code == 403


def test_packages_register_their_open_work(app, users):
    from assessments import open_work as assessment_open_work

    assert assessment_open_work.open_work_of in app.extensions[open_work.EXTENSION]
    with app.test_request_context():
        assert open_work.of_user(db.session, users["other_submitter"]) == []
