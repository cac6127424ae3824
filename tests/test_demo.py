"""`flask demo load`: the demo register a newcomer sees after `make run`."""

from click.testing import CliRunner

from portal.extensions import db
from register import queries
from register.standard import PUBLICATION_CATEGORIES, STATUSES, validate_entry


def load(app, *args):
    return CliRunner().invoke(app.cli, ["demo", "load", *args], catch_exceptions=False)


def test_demo_covers_every_status_and_publication_category(app):
    result = load(app)
    assert "48 entries created" in result.output
    entries = queries.all_published(db.session)
    assert {e.status for e in entries} == set(STATUSES)
    assert {e.publication_category for e in entries} == set(PUBLICATION_CATEGORIES)
    assert len({e.department for e in entries}) >= 5


def test_demo_entries_meet_utrechts_own_rules(app):
    load(app)
    for entry in queries.all_published(db.session):
        assert validate_entry(entry.content, utrecht=True) == {}, entry.slug


def test_demo_has_history_and_loads_once(app, client):
    load(app)
    with_history = [e for e in queries.all_published(db.session) if len(e.published_versions()) > 1]
    assert len(with_history) >= 5
    entry = with_history[0]
    page = client.get(f"/algoritmes/{entry.slug}").get_data(as_text=True)
    assert f'href="/algoritmes/{entry.slug}/versies/2"' in page
    assert "register not empty" in load(app, "--if-empty").output
    assert "0 entries created, 48 already present" in load(app).output


def test_demo_register_is_searchable(app, client):
    load(app)
    parking = client.get("/api/v1/algorithms?q=parkeer").json
    assert parking["total"] >= 4
    assert all(
        "parkeer" in item["name"].lower() or "park" in str(item).lower()
        for item in parking["items"]
    )


def test_demo_creates_one_account_per_role_that_can_log_in(app):
    from portal.auth import demo_users, operations

    output = load(app).output
    assert "demo accounts (local use only)" in output
    roles = set()
    for email, _name, user_roles in demo_users.DEMO_USERS:
        user = operations.authenticate(db.session, email, demo_users.DEMO_PASSWORD)
        assert user is not None, email
        roles |= set(user_roles)
    assert roles == {"submitter", "reviewer", "privacy_officer", "admin", "director"}
    assert "demo accounts" not in load(app).output  # not created twice


def test_demo_has_an_assessment_in_every_state_and_a_published_record(app, client):
    from assessments import workflow
    from assessments.models import Assessment, Record

    output = load(app).output
    assert "8 assessments created" in output
    states = {a.status for a in db.session.scalars(db.select(Assessment))}
    assert states == set(workflow.STATES)
    approved = db.session.scalars(
        db.select(Assessment).where(Assessment.status == "approved")
    ).one()
    assert approved.algorithm.slug == "slim-vegen"
    page = client.get("/algoritmes/slim-vegen").get_data(as_text=True)
    public = db.session.scalars(db.select(Record).where(Record.kind == "public")).one()
    assert public.sha256 in page
    assert "0 assessments created" in load(app).output  # not twice


def test_demo_shows_monitoring_a_closed_incident_and_a_suspension(app, client):
    from assessments import aftercare, demo

    load(app)
    algorithm = aftercare.algorithm_by_slug(db.session, "slim-vegen")
    reports = aftercare.reports_of(db.session, algorithm)
    assert len(reports) == 1
    assert reports[0].breaches == []  # within its thresholds: the assessment stays approved
    assert aftercare.assessment_of(db.session, algorithm).status == "approved"
    entry = client.get("/api/v1/algorithms/slim-vegen").json
    page = client.get("/algoritmes/slim-vegen").get_data(as_text=True)
    assert demo.INCIDENT_PUBLIC in page
    assert entry["suspended"] is None
    suspended = client.get(f"/api/v1/algorithms/{demo.SUSPENDED_SLUG}").json
    assert suspended["suspended"]["reason"] == demo.SUSPENSION_REASON
    page = client.get(f"/algoritmes/{demo.SUSPENDED_SLUG}").get_data(as_text=True)
    assert "Geschorst" in page
