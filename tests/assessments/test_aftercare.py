"""After approval (issue 12): monitoring reports that reopen an assessment and tell the
board, the incidents and complaints register, suspension by the director or an admin, and
declared changes (material reopens, minor is logged)."""

import logging

import pytest

from assessments import monitoring_rules
from assessments.models import Assessment
from portal import audit
from portal.auth import operations as accounts
from portal.extensions import db
from register.models import Algorithm
from tests.assessments.test_review import LOW_RISK, decide, submitted
from tests.conftest import PASSWORD

# Bank 2's format: one table, two groups, the second selected far more often.
FLAGGED_TABLE = [
    {"table": "Wijk", "group": "Noord", "in_scope": 1000, "selected": 50},
    {"table": "Wijk", "group": "Zuid", "in_scope": 1000, "selected": 150},
]
EVEN_TABLE = [
    {"table": "Wijk", "group": "Noord", "in_scope": 1000, "selected": 100},
    {"table": "Wijk", "group": "Zuid", "in_scope": 1000, "selected": 102},
]


def _report(**overrides):
    return {
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "group_outcomes": EVEN_TABLE,
        "override_rate": 0.05,
        "complaints": 1,
        "objections": 0,
        "notes": "Rustig halfjaar.",
        **overrides,
    }


@pytest.fixture
def approved(api, board):
    """An approved, published assessment; returns (assessment id, slug)."""
    assessment = submitted(api, LOW_RISK)
    response = decide(api, "reviewer", assessment["id"])
    assert response.status_code == 201, response.json
    return assessment["id"], response.json["assessment"]["register_slug"]


@pytest.fixture
def directors(users):
    """A director for everything and one for another department only."""
    users["director"] = accounts.create_user(
        db.session, None, "directeur@utrecht.nl", "Dirk Directeur", {"director"}, password=PASSWORD
    )
    users["other_director"] = accounts.create_user(
        db.session, None, "elders@utrecht.nl", "Els Elders", {"director"}, password=PASSWORD
    )
    users["other_director"].departments = ["Sociaal Domein"]
    db.session.commit()
    return users


def _mails(caplog, words):
    return [r for r in caplog.records if words in getattr(r, "subject", "")]


def test_a_report_that_flags_a_group_reopens_the_assessment_and_mails_the_board(
    api, approved, caplog
):
    caplog.set_level(logging.INFO, logger="portal.mail")
    assessment_id, slug = approved
    response = api("submitter").post(
        f"/api/v1/algorithms/{slug}/monitoring", json=_report(group_outcomes=FLAGGED_TABLE)
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert "Zuid" in body["analysis"]["flagged_groups"]
    assert [b["rule"] for b in body["breaches"]] == ["flagged_groups"]
    assert body["reopened"] is True
    stored = db.session.get(Assessment, assessment_id)
    assert stored.status == "draft"
    assert stored.versions[-1].outcome == "approved"  # the approved version stays
    assert audit.AuditEvent.query.filter_by(action="assessment.reassess").count() == 1
    to_board = _mails(caplog, "monitoring")
    assert len(to_board) == 1
    assert "klankbord@utrecht.nl" in to_board[0].to
    assert "data@utrecht.nl" not in to_board[0].to
    assert f"/intern/toetsingen/{assessment_id}" in to_board[0].body


def test_a_report_within_its_thresholds_changes_nothing(api, approved, caplog):
    caplog.set_level(logging.INFO, logger="portal.mail")
    assessment_id, slug = approved
    response = api("submitter").post(f"/api/v1/algorithms/{slug}/monitoring", json=_report())
    assert response.status_code == 201, response.json
    assert response.json["breaches"] == []
    assert response.json["reopened"] is False
    assert response.json["thresholds"] == monitoring_rules.default_thresholds(1)
    assert db.session.get(Assessment, assessment_id).status == "approved"
    assert _mails(caplog, "monitoring") == []


def test_an_override_rate_above_the_threshold_reopens(api, approved):
    assessment_id, slug = approved
    response = api("admin").post(
        f"/api/v1/algorithms/{slug}/monitoring", json=_report(override_rate=0.9)
    )
    assert response.status_code == 201, response.json
    assert [b["rule"] for b in response.json["breaches"]] == ["override_rate"]
    assert db.session.get(Assessment, assessment_id).status == "draft"


def test_monitoring_reports_are_for_the_owner_and_admins(api, approved):
    _assessment_id, slug = approved
    for role in ("other_submitter", "reviewer", "privacy_officer"):
        response = api(role).post(f"/api/v1/algorithms/{slug}/monitoring", json=_report())
        assert response.status_code == 403, role
    bad = api("submitter").post(
        f"/api/v1/algorithms/{slug}/monitoring", json=_report(period_end="2025-01-01")
    )
    assert bad.status_code == 422
    assert "period_end" in bad.json["error"]["fields"]


def test_thresholds_follow_the_level_and_the_board_can_set_them():
    assert (
        monitoring_rules.default_thresholds(4)["max_override_rate"]
        < (monitoring_rules.default_thresholds(1)["max_override_rate"])
    )
    clean, errors = monitoring_rules.clean_thresholds(
        {"max_complaints": 2}, monitoring_rules.default_thresholds(1)
    )
    assert not errors
    assert clean["max_complaints"] == 2
    found = monitoring_rules.breaches(
        clean, override_rate=0.0, objections=0, complaints=3, flagged_groups=[]
    )
    assert [b.rule for b in found] == ["complaints"]
    assert monitoring_rules.clean_thresholds({"max_override_rate": 2}, clean)[1]


def test_incident_counts_and_closed_descriptions_are_public_without_personal_data(
    api, approved, client
):
    _assessment_id, slug = approved
    url = f"/api/v1/algorithms/{slug}/incidents"
    first = api("submitter").post(
        url,
        json={
            "occurred_on": "2026-03-02",
            "description": "Mevrouw Jansen aan de Kerkstraat 12 kreeg ten onrechte een brief.",
            "people_affected": 14,
            "severity": "high",
            "action_taken": "Brieven ingetrokken.",
        },
    )
    assert first.status_code == 201, first.json
    second = api("admin").post(
        url,
        json={
            "kind": "complaint",
            "occurred_on": "2026-04-10",
            "description": "Klacht van J. de Vries over de uitleg.",
            "people_affected": 1,
            "severity": "low",
        },
    )
    assert second.status_code == 201, second.json
    refused = api("submitter").put(f"{url}/{first.json['id']}", json={"status": "closed"})
    assert refused.status_code == 422
    assert "public_description" in refused.json["error"]["fields"]
    closed = api("submitter").put(
        f"{url}/{first.json['id']}",
        json={
            "status": "closed",
            "public_description": "Veertien mensen kregen een verkeerde brief; die is ingetrokken.",
        },
    )
    assert closed.status_code == 200, closed.json
    blank = {"occurred_on": "2026-03-02", "description": " ", "severity": "low"}
    assert api("submitter").post(url, json=blank).status_code == 422
    assert (
        api("reviewer")
        .post(
            url,
            json={"occurred_on": "2026-03-02", "description": "x", "severity": "low"},
        )
        .status_code
        == 403
    )

    public = client.get(f"/api/v1/algorithms/{slug}").json["incidents"]
    assert public["total"] == 2
    assert public["open"] == 1
    assert public["closed"] == 1
    assert public["by_kind"] == {"incident": 1, "complaint": 1}
    assert public["people_affected"] == 15
    assert [i["description"] for i in public["closed_incidents"]] == [
        "Veertien mensen kregen een verkeerde brief; die is ingetrokken."
    ]
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    assert "Veertien mensen kregen een verkeerde brief" in page
    for text in (str(public), page):
        assert "Jansen" not in text
        assert "Kerkstraat" not in text
        assert "de Vries" not in text
        assert "Brieven ingetrokken" not in text


@pytest.mark.parametrize("role", ["director", "admin"])
def test_suspend_and_lift_show_on_the_public_page_and_api(api, approved, directors, client, role):
    _assessment_id, slug = approved
    assert client.get(f"/api/v1/algorithms/{slug}").json["suspended"] is None
    client.get(f"/algoritmes/{slug}")  # cached before the suspension
    url = f"/api/v1/algorithms/{slug}/suspension"
    assert api(role).post(url, json={"reason": " "}).status_code == 422
    response = api(role).post(url, json={"reason": "Te veel fouten in de uitkomsten."})
    assert response.status_code == 201, response.json
    assert api(role).post(url, json={"reason": "Nog eens"}).status_code == 409

    public = client.get(f"/api/v1/algorithms/{slug}").json
    assert public["suspended"]["reason"] == "Te veel fouten in de uitkomsten."
    assert public["suspended"]["since"]
    assert public["status"] == "In ontwikkeling"  # the national status stays
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    assert "Geschorst" in page
    assert "Te veel fouten in de uitkomsten." in page

    assert api(role).delete(url, json={}).status_code == 422  # lifting needs a reason
    lifted = api(role).delete(url, json={"reason": "Fouten hersteld en getest."})
    assert lifted.status_code == 200, lifted.json
    assert lifted.json["suspended"] is False
    assert client.get(f"/api/v1/algorithms/{slug}").json["suspended"] is None
    assert "Geschorst" not in client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    actions = [e.action for e in audit.AuditEvent.query.order_by(audit.AuditEvent.id)]
    assert actions.count("entry.suspended") == 1
    assert actions.count("entry.suspension_lifted") == 1
    lift = audit.AuditEvent.query.filter_by(action="entry.suspension_lifted").one()
    assert lift.details["reason"] == "Fouten hersteld en getest."


def test_others_may_not_suspend(api, approved, directors):
    _assessment_id, slug = approved
    url = f"/api/v1/algorithms/{slug}/suspension"
    for role in ("submitter", "reviewer", "privacy_officer", "other_director"):
        assert api(role).post(url, json={"reason": "Nee"}).status_code == 403, role
    assert api("admin").post(url, json={"reason": "Ja"}).status_code == 201
    for role in ("submitter", "reviewer", "other_director"):
        assert api(role).delete(url, json={"reason": "Nee"}).status_code == 403, role


def test_a_director_limited_to_departments_decides_for_those_only(api, approved, directors):
    _assessment_id, slug = approved
    algorithm = db.session.scalar(db.select(Algorithm).where(Algorithm.slug == slug))
    url = f"/api/v1/algorithms/{slug}/suspension"
    assert api("other_director").post(url, json={"reason": "Nee"}).status_code == 403
    directors["other_director"].departments = ["Sociaal Domein", algorithm.department]
    db.session.commit()
    assert api("other_director").post(url, json={"reason": "Ja"}).status_code == 201


def test_a_material_change_starts_a_re_assessment_and_a_minor_one_is_logged(api, approved, client):
    assessment_id, slug = approved
    url = f"/api/v1/algorithms/{slug}/changes"
    minor = api("submitter").post(url, json={"kind": "minor", "description": "Tekst van de brief."})
    assert minor.status_code == 201, minor.json
    assert minor.json["material"] is False
    assert minor.json["reopened"] is False
    assert db.session.get(Assessment, assessment_id).status == "approved"
    page = client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    assert "Tekst van de brief." in page
    assert api("reviewer").post(url, json={"kind": "minor", "description": "x"}).status_code == 403

    material = api("submitter").post(
        url, json={"kind": "data_source", "description": "Nieuwe bron: meldingen van de BOA's."}
    )
    assert material.status_code == 201, material.json
    assert material.json["material"] is True
    assert material.json["reopened"] is True
    stored = db.session.get(Assessment, assessment_id)
    assert stored.status == "draft"
    public = client.get(f"/api/v1/algorithms/{slug}").json["declared_changes"]
    assert [c["material"] for c in public] == [True, False]


def test_the_monitoring_page_works_without_javascript(api, approved, directors, client, login_as):
    from tests.conftest import csrf_token_from

    assessment_id, slug = approved
    page_url = f"/intern/algoritmes/{slug}/nazorg"
    for role in ("reviewer", "other_submitter", "other_director"):
        login_as(directors[role])
        assert client.get(page_url).status_code == 403, role

    login_as(directors["director"])
    page = client.get(page_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Geschorst" not in html
    token = csrf_token_from(page)
    empty = client.post(f"{page_url}/schorsing", data={"s-csrf_token": token, "s-reason": ""})
    assert empty.status_code == 422
    done = client.post(
        f"{page_url}/schorsing", data={"s-csrf_token": token, "s-reason": "Onderzoek loopt."}
    )
    assert done.status_code == 302
    assert "Onderzoek loopt." in client.get(f"/algoritmes/{slug}").get_data(as_text=True)
    # the director does not file monitoring reports: no form, and the route refuses
    assert "m-period_start" not in client.get(page_url).get_data(as_text=True)
    refused = client.post(
        f"{page_url}/monitoring",
        data={"m-csrf_token": token, "m-period_start": "2026-01-01", "m-period_end": "2026-06-30"},
    )
    assert refused.status_code == 403

    login_as(directors["submitter"])
    page = client.get(page_url)
    assert "m-period_start" in page.get_data(as_text=True)
    token = csrf_token_from(page)
    assert (
        client.post(
            f"{page_url}/schorsing/opheffen", data={"l-csrf_token": token, "l-reason": "x"}
        ).status_code
        == 403
    )
    report = client.post(
        f"{page_url}/monitoring",
        data={
            "m-csrf_token": token,
            "m-period_start": "2026-01-01",
            "m-period_end": "2026-06-30",
            "m-group_outcomes": "Wijk; Noord; 1000; 50\nWijk; Zuid; 1000; 150",
            "m-override_rate": "5",
            "m-objections": "0",
            "m-complaints": "2",
        },
    )
    assert report.status_code == 302, report.get_data(as_text=True)
    assert db.session.get(Assessment, assessment_id).status == "draft"
    incident = client.post(
        f"{page_url}/incidenten",
        data={
            "i-csrf_token": token,
            "i-kind": "complaint",
            "i-occurred_on": "2026-05-01",
            "i-description": "Klacht over de brief.",
            "i-people_affected": "3",
            "i-severity": "medium",
        },
    )
    assert incident.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "Klacht over de brief." in page
    assert "buiten de drempels" in page


def test_a_director_finds_the_algorithms_of_their_departments(
    approved, directors, client, login_as
):
    _assessment_id, slug = approved
    login_as(directors["director"])
    assert client.get("/intern/").status_code == 200
    listing = client.get("/intern/algoritmes/nazorg").get_data(as_text=True)
    assert f"/intern/algoritmes/{slug}/nazorg" in listing
    login_as(directors["other_director"])
    listing = client.get("/intern/algoritmes/nazorg").get_data(as_text=True)
    assert f"/intern/algoritmes/{slug}/nazorg" not in listing
    login_as(directors["submitter"])
    listing = client.get("/intern/algoritmes/nazorg").get_data(as_text=True)
    assert f"/intern/algoritmes/{slug}/nazorg" in listing


def test_the_cli_creates_a_director_for_departments(app):
    from portal.auth.operations import get_by_email

    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "dir@utrecht.nl",
            "--name",
            "Dina Directeur",
            "--role",
            "director",
            "--department",
            "Mobiliteit",
            "--department",
            "Wonen",
        ],
        env={"PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result.output
    user = get_by_email(db.session, "dir@utrecht.nl")
    assert user.roles == {"director"}
    assert user.departments == ["Mobiliteit", "Wonen"]


def test_lifting_takes_the_reason_as_json_or_form_and_says_when_it_is_missing(
    api, approved, directors
):
    _assessment_id, slug = approved
    url = f"/api/v1/algorithms/{slug}/suspension"
    assert api("director").post(url, json={"reason": "Fouten."}).status_code == 201
    missing = api("director").delete(url)  # no body at all
    assert missing.status_code == 422, missing.get_data(as_text=True)
    assert "reason" in missing.json["error"]["message"]
    assert "reason" in missing.json["error"]["fields"]
    lifted = api("director").delete(url, data={"reason": "Hersteld."})
    assert lifted.status_code == 200, lifted.get_data(as_text=True)
    assert lifted.json["lift_reason"] == "Hersteld."


def test_thresholds_are_fixed_at_approval_and_later_defaults_do_not_alter_them(
    api, approved, monkeypatch
):
    assessment_id, _slug = approved
    assessment = db.session.get(Assessment, assessment_id)
    from assessments import aftercare

    fixed = aftercare.thresholds_for(db.session, assessment)
    stored = db.session.get(aftercare.MonitoringThresholds, assessment_id)
    assert stored is not None
    assert stored.source == "approval"
    level = aftercare.approved_version(assessment).risk_level
    assert stored.values == monitoring_rules.default_thresholds(level)
    changed = {
        key: {**value, "max_complaints": 999}
        for key, value in monitoring_rules.DEFAULT_THRESHOLDS.items()
    }
    monkeypatch.setattr(monitoring_rules, "DEFAULT_THRESHOLDS", changed)
    assert aftercare.thresholds_for(db.session, assessment) == fixed
    assert fixed["max_complaints"] != 999
