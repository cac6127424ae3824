"""The board's sessions with the team (issue 12): the rules, the API, the web form, the
review page and the owner's overview, the records and the audit log."""

import datetime as dt

import pytest

from assessments import board_sessions, permissions, workflow
from assessments.models import Assessment, BoardSession
from assessments.permissions import AssessmentFacts
from assessments.records.context import record_data, record_html
from portal import audit
from portal.db import utcnow
from portal.extensions import db
from tests.assessments.test_review import LOW_RISK, decide, submitted
from tests.conftest import csrf_token_from

TODAY = dt.date(2027, 3, 10)


def _body(users, **changes):
    body = {
        "held_on": (utcnow().date() - dt.timedelta(days=2)).isoformat(),
        "members": [users["reviewer"].id],
        "participants": [
            {"name": "Sanne de Vries", "role": "team_member"},
            {"name": "Dr. Ali Ouaali", "role": "invited_expert"},
            {"name": "Mevrouw Jansen", "role": "resident"},
        ],
        "dilemmas": "Mogen meldingen van buren meetellen als ze uit wrok komen?",
        "notes": "Het team legde uit hoe meldingen worden gecontroleerd.",
        "what_changed": "Meldingen zonder proces-verbaal tellen niet meer mee.",
    }
    body.update(changes)
    return body


def _url(assessment_id, session_id=None):
    url = f"/api/v1/assessments/{assessment_id}/sessions"
    return f"{url}/{session_id}" if session_id else url


# ------------------------------------------------------------------------- pure rules


def _clean(**changes):
    data = {
        "held_on": "2027-03-01",
        "members": [7],
        "participants": [{"name": "Sanne", "role": "team_member"}],
        "dilemmas": "Wat wegen we zwaarder?",
        **changes,
    }
    return board_sessions.clean_session(data, TODAY, {7, 8})


def test_a_complete_session_is_clean():
    clean, errors = _clean(notes="  Aantekening. ", members=[7, 8, 7])
    assert errors == {}
    assert clean["held_on"] == dt.date(2027, 3, 1)
    assert clean["member_ids"] == [7, 8]  # each member once
    assert clean["notes"] == "Aantekening."
    assert clean["what_changed"] == ""


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"held_on": ""}, {"held_on": "required"}),
        ({"held_on": "10-03-2027"}, {"held_on": "date"}),
        ({"held_on": "2027-03-11"}, {"held_on": "future"}),
        ({"members": []}, {"members": "required"}),
        ({"members": [9]}, {"members": "unknown_member"}),
        ({"members": "7"}, {"members": "rows"}),
        ({"members": [True]}, {"members": "rows"}),
        (
            {"participants": [{"name": " ", "role": "resident"}]},
            {"participants[0].name": "required"},
        ),
        ({"participants": [{"name": "Els", "role": "mayor"}]}, {"participants[0].role": "choice"}),
        ({"participants": [{"name": "Els"}]}, {"participants[0].role": "required"}),
        ({"participants": ["Els"]}, {"participants": "rows"}),
        ({"dilemmas": "   "}, {"dilemmas": "required"}),
        ({"dilemmas": "x" * 10_001}, {"dilemmas": "too_long"}),
        ({"email": "els@example.nl"}, {"email": "unknown"}),
    ],
)
def test_what_a_session_needs(changes, expected):
    assert _clean(**changes)[1] == expected


def test_the_public_counts_people_per_role_without_names():
    rows = [
        {"members": [1, 2], "participants": [{"name": "A", "role": "team_member"}]},
        {"members": [1], "participants": [{"name": "B", "role": "resident"}] * 2},
    ]
    assert board_sessions.participant_counts(rows) == {
        "board_member": 3,
        "team_member": 1,
        "resident": 2,
    }


class _User:
    def __init__(self, uid, *roles, active=True):
        self.id, self.roles, self.is_active = uid, set(roles), active


@pytest.mark.parametrize("state", workflow.STATES)
def test_board_members_and_admins_record_sessions_only_while_in_review(state):
    facts = AssessmentFacts(owner_id=1, status=state, editor_ids=frozenset({2}))
    in_review = state in (workflow.SUBMITTED, workflow.IN_REVIEW)
    rule = permissions.can_record_board_session
    assert rule(_User(5, "reviewer"), facts) is in_review
    assert rule(_User(6, "admin"), facts) is in_review
    assert rule(_User(1, "reviewer", "submitter"), facts) is False  # their own work
    assert rule(_User(2, "admin"), facts) is False  # edited it
    assert rule(_User(7, "submitter"), facts) is False
    assert rule(_User(8, "privacy_officer"), facts) is False
    assert rule(_User(9, "director"), facts) is False
    assert rule(_User(5, "reviewer", active=False), facts) is False


# ------------------------------------------------------------------------------- the API


@pytest.fixture
def in_review(api, board):
    return submitted(api, LOW_RISK)["id"]


def test_a_board_member_records_and_changes_a_session_and_the_owner_reads_it(api, users, in_review):
    created = api("reviewer").post(_url(in_review), json=_body(users))
    assert created.status_code == 201, created.json
    session = created.json
    assert session["version"] == 1
    assert session["members"] == [{"id": users["reviewer"].id, "name": "Kim Klankbord"}]
    assert {p["role"] for p in session["participants"]} == {
        "team_member",
        "invited_expert",
        "resident",
    }
    changed = api("reviewer").put(
        _url(in_review, session["id"]),
        json=_body(users, members=[users["reviewer"].id, users["reviewer2"].id], notes=""),
    )
    assert changed.status_code == 200, changed.json
    assert [m["name"] for m in changed.json["members"]] == ["Kim Klankbord", "Bram Bos"]
    assert changed.json["notes"] == ""
    listed = api("submitter").get(_url(in_review))  # the owner reads what the board wrote
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json["sessions"]] == [session["id"]]
    assert listed.json["sessions"][0]["what_changed"].startswith("Meldingen zonder")
    events = db.session.scalars(
        db.select(audit.AuditEvent).where(audit.AuditEvent.action.like("board_session.%"))
    ).all()
    assert [e.action for e in events] == ["board_session.recorded", "board_session.changed"]
    assert events[1].details["fields"] == ["member_ids", "notes"]
    assert all(e.actor_id == users["reviewer"].id for e in events)


def test_an_admin_records_a_session_too(api, users, in_review):
    assert api("admin").post(_url(in_review), json=_body(users)).status_code == 201


@pytest.mark.parametrize("role", ["submitter", "privacy_officer", "other_submitter"])
def test_others_may_not_record_a_session(api, users, in_review, role):
    response = api(role).post(_url(in_review), json=_body(users))
    assert response.status_code == 403
    assert db.session.scalars(db.select(BoardSession)).all() == []


def test_who_may_not_see_the_assessment_does_not_read_its_sessions(api, users, in_review):
    assert api("reviewer").post(_url(in_review), json=_body(users)).status_code == 201
    assert api("other_submitter").get(_url(in_review)).status_code == 403
    assert api("reviewer").get(_url(999_999)).status_code == 404


def test_no_session_once_the_version_is_decided(api, users, in_review):
    first = api("reviewer").post(_url(in_review), json=_body(users)).json
    assert decide(api, "reviewer", in_review).status_code == 201
    assert db.session.get(Assessment, in_review).status == "approved"
    late = api("reviewer2").post(_url(in_review), json=_body(users))
    assert late.status_code == 409, late.json
    assert api("reviewer").put(_url(in_review, first["id"]), json=_body(users)).status_code == 409


def test_a_session_of_an_earlier_version_stays_as_it_was(api, users, in_review):
    first = api("reviewer").post(_url(in_review), json=_body(users)).json
    assert decide(api, "reviewer2", in_review, "changes_requested").status_code == 201
    assert api("submitter").post(f"/api/v1/assessments/{in_review}/submit").status_code == 200
    refused = api("reviewer").put(_url(in_review, first["id"]), json=_body(users, notes="Later"))
    assert refused.status_code == 409
    second = api("reviewer").post(_url(in_review), json=_body(users)).json
    assert second["version"] == 2
    listed = api("reviewer").get(_url(in_review)).json["sessions"]
    assert [(s["version"], s["notes"]) for s in listed] == [
        (1, first["notes"]),
        (2, second["notes"]),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"members": [999]}, "members"),
        ({"held_on": "2999-01-01"}, "held_on"),
        ({"dilemmas": "  "}, "dilemmas"),
        ({"participants": [{"name": "Els", "role": "mayor"}]}, "participants.0.role"),
        ({"email": "els@example.nl"}, "email"),
    ],
)
def test_a_session_that_is_not_valid_is_refused_naming_the_field(
    api, users, in_review, changes, field
):
    response = api("reviewer").post(_url(in_review), json=_body(users, **changes))
    assert response.status_code == 422, response.json
    assert any(key.startswith(field.split(".")[0]) for key in response.json["error"]["fields"])
    assert db.session.scalars(db.select(BoardSession)).all() == []


def test_a_session_of_another_assessment_is_not_found(api, users, in_review):
    session = api("reviewer").post(_url(in_review), json=_body(users)).json
    other = submitted(api, LOW_RISK)["id"]
    assert api("reviewer").put(_url(other, session["id"]), json=_body(users)).status_code == 404


def test_the_authors_are_not_named_as_board_members(api, users, in_review):
    # An account that is both owner-side and reviewer cannot be named on its own work.
    assessment = db.session.get(Assessment, in_review)
    assessment.editor_ids = [users["reviewer2"].id]
    db.session.commit()
    response = api("reviewer").post(
        _url(in_review), json=_body(users, members=[users["reviewer2"].id])
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"members": "unknown_member"}


# --------------------------------------------------------------------------- the web form


def _form(users, **changes):
    data = {
        "held_on": (utcnow().date() - dt.timedelta(days=1)).isoformat(),
        "members": [str(users["reviewer"].id)],
        "participants-0-name": "Sanne de Vries",
        "participants-0-role": "team_member",
        "participants-1-name": "",
        "participants-1-role": "",
        "participants-2-name": "",
        "participants-2-role": "",
        "dilemmas": "Tellen meldingen uit wrok mee?",
        "notes": "",
        "what_changed": "Alleen meldingen met proces-verbaal.",
    }
    data.update(changes)
    return data


def test_the_web_form_records_a_session_shown_on_the_review_page_and_overview(
    client, users, login_as, in_review
):
    login_as(users["reviewer"])
    review = client.get(f"/intern/toetsingen/{in_review}/beoordeling").get_data(as_text=True)
    assert "nog geen sessie" in review
    assert 'href="#board-sessions"' in review  # linked from the summary's sections
    page = client.get(f"/intern/toetsingen/{in_review}/sessies/nieuw")
    assert page.status_code == 200
    assert "checked" in page.get_data(as_text=True)  # the member filling it in, ticked
    saved = client.post(
        f"/intern/toetsingen/{in_review}/sessies/nieuw",
        data={"csrf_token": csrf_token_from(page), **_form(users)},
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/beoordeling#board-sessions")
    review = client.get(f"/intern/toetsingen/{in_review}/beoordeling").get_data(as_text=True)
    assert "Tellen meldingen uit wrok mee?" in review
    assert "Sanne de Vries (Teamlid)" in review
    assert "Sessie van" in review
    login_as(users["submitter"])
    overview = client.get(f"/intern/toetsingen/{in_review}").get_data(as_text=True)
    assert "Sessies van de klankbordgroep" in overview
    assert "Alleen meldingen met proces-verbaal." in overview
    assert "Kim Klankbord" in overview
    assert "/sessies/nieuw" not in overview  # the owner reads, the board records


def test_a_failed_save_keeps_what_was_typed_and_says_what_is_wrong_in_dutch(
    client, users, login_as, in_review
):
    login_as(users["reviewer"])
    page = client.get(f"/intern/toetsingen/{in_review}/sessies/nieuw")
    response = client.post(
        f"/intern/toetsingen/{in_review}/sessies/nieuw",
        data={
            "csrf_token": csrf_token_from(page),
            **_form(
                users,
                held_on="2999-01-01",
                members=[],
                **{"participants-1-name": "Mevrouw Jansen"},  # no role chosen
                dilemmas="",
            ),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Niet opgeslagen" in html
    assert "vandaag of eerder" in html
    assert "Vink minstens één lid van de klankbordgroep aan" in html
    assert "Kies de rol van deze deelnemer." in html
    assert "Vul dit in." in html
    # What was typed is still there.
    assert 'value="2999-01-01"' in html
    assert 'value="Mevrouw Jansen"' in html
    assert "Alleen meldingen met proces-verbaal." in html
    assert db.session.scalars(db.select(BoardSession)).all() == []


def test_adding_a_participant_row_records_nothing(client, users, login_as, in_review):
    login_as(users["reviewer"])
    page = client.get(f"/intern/toetsingen/{in_review}/sessies/nieuw")
    response = client.post(
        f"/intern/toetsingen/{in_review}/sessies/nieuw",
        data={"csrf_token": csrf_token_from(page), "add-participant": "1", **_form(users)},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="participants-3-name"' in html
    assert 'value="Sanne de Vries"' in html
    assert db.session.scalars(db.select(BoardSession)).all() == []


def test_the_web_form_changes_a_session(client, api, users, login_as, in_review):
    session = api("reviewer").post(_url(in_review), json=_body(users)).json
    login_as(users["reviewer2"])  # any board member may put it right
    url = f"/intern/toetsingen/{in_review}/sessies/{session['id']}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Mevrouw Jansen" in page.get_data(as_text=True)
    saved = client.post(
        url,
        data={"csrf_token": csrf_token_from(page), **_form(users, notes="Aangevuld door Bram.")},
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(BoardSession, session["id"]).notes == "Aangevuld door Bram."


def test_the_owner_and_a_decided_version_get_no_form(client, api, users, login_as, in_review):
    login_as(users["submitter"])
    assert client.get(f"/intern/toetsingen/{in_review}/sessies/nieuw").status_code == 403
    assert decide(api, "reviewer", in_review).status_code == 201
    login_as(users["reviewer2"])
    assert client.get(f"/intern/toetsingen/{in_review}/sessies/nieuw").status_code == 409
    review = client.get(f"/intern/toetsingen/{in_review}/beoordeling").get_data(as_text=True)
    assert "/sessies/nieuw" not in review


# ---------------------------------------------------------------------------- the record


def test_the_internal_record_names_the_session_the_public_one_counts_by_role(
    app, api, users, in_review
):
    assert api("reviewer").post(_url(in_review), json=_body(users)).status_code == 201
    assert decide(api, "reviewer", in_review).status_code == 201
    assessment = db.session.get(Assessment, in_review)
    version = assessment.versions[-1]
    internal = record_data(assessment, version, "internal")["board_sessions"]
    assert internal[0]["members"] == ["Kim Klankbord"]
    assert internal[0]["dilemmas"].startswith("Mogen meldingen")
    public = record_data(assessment, version, "public")["board_sessions"]
    assert public == [
        {
            "held_on": _body(users)["held_on"],
            "participants": {
                "board_member": 1,
                "team_member": 1,
                "invited_expert": 1,
                "resident": 1,
            },
        }
    ]
    with app.test_request_context():
        public_html, _data = record_html(assessment, version, "public")
        internal_html, _data = record_html(assessment, version, "internal")
    assert "Het bord sprak op" in public_html
    assert "1 lid van de klankbordgroep, 1 teamlid, 1 genodigde deskundige en 1 bewoner" in (
        public_html
    )
    for name in ("Sanne de Vries", "Mevrouw Jansen", "Kim Klankbord"):
        assert name not in public_html
    assert "Sanne de Vries (teamlid)" in internal_html
    assert "Meldingen zonder proces-verbaal tellen niet meer mee." in internal_html


def test_a_member_who_left_keeps_their_place_in_a_session(api, users, in_review):
    session = (
        api("reviewer")
        .post(_url(in_review), json=_body(users, members=[users["reviewer2"].id]))
        .json
    )
    users["reviewer2"].active = False  # left the board since
    db.session.commit()
    again = api("reviewer").put(
        _url(in_review, session["id"]), json=_body(users, members=[users["reviewer2"].id])
    )
    assert again.status_code == 200, again.json
    new = api("reviewer").post(_url(in_review), json=_body(users, members=[users["reviewer2"].id]))
    assert new.status_code == 422  # but is not named on a new one
