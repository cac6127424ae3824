"""Saves and submits of one assessment arriving at the same moment (real concurrent requests,
each thread with its own test client and app context; SQLite and PostgreSQL).

- saves of different questions or register fields never lose each other;
- a stale If-Match gets 412 and a stale web form 409, and neither overwrites anything;
- an edit racing the owner's submit lands before the frozen version or is refused (409),
  never after it.
"""

import re

from assessments.models import Assessment
from portal.extensions import db
from tests.assessments.helpers import create, fill_everything
from tests.assessments.test_concurrent_decisions import at_once
from tests.assessments.test_review import LOW_RISK, decide
from tests.conftest import csrf_token_from

ROUNDS = 24


def _put(app, headers, assessment_id, body, extra_headers=None):
    return lambda: app.test_client().put(
        f"/api/v1/assessments/{assessment_id}/answers",
        json=body,
        headers={**headers, **(extra_headers or {})},
    )


def _stored(assessment_id) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


def test_simultaneous_saves_of_different_questions_and_fields_keep_both(app, api, users):
    assessment_id = create(api)["id"]
    headers = api("submitter").headers
    pairs = [
        ({"answers": {"core.purpose": "doel {n}"}}, {"answers": {"core.want_this": "wens {n}"}}),
        (
            {"answers": {"core.goal_success": "succes {n}"}},
            {"algorithm": {"description_short": "Uitleg {n}."}},
        ),
        (
            {"algorithm": {"description_short": "Korte uitleg {n}."}},
            {"algorithm": {"department": "Afdeling {n}"}},
        ),
    ]
    lost = []
    for n in range(ROUNDS):
        first, second = (
            {key: {k: v.format(n=n) for k, v in part.items()} for key, part in body.items()}
            for body in pairs[n % len(pairs)]
        )
        responses = at_once(
            app,
            [_put(app, headers, assessment_id, first), _put(app, headers, assessment_id, second)],
        )
        assert [r.status_code for r in responses] == [200, 200], [r.json for r in responses]
        stored = _stored(assessment_id)
        for body in (first, second):
            for key, value in body.get("answers", {}).items():
                if stored.answers.get(key) != value:
                    lost.append((n, key))
            for key, value in body.get("algorithm", {}).items():
                if stored.register_fields.get(key) != value:
                    lost.append((n, key))
    assert lost == []


def test_etag_and_a_stale_if_match(api, users, client):
    assessment_id = create(api)["id"]
    url = f"/api/v1/assessments/{assessment_id}"

    def put(body, if_match):
        headers = {**api("submitter").headers, "If-Match": if_match}
        return client.put(f"{url}/answers", json=body, headers=headers)

    first = api("submitter").get(url)
    etag = first.headers["ETag"]
    assert etag
    assert api("submitter").get(f"{url}/questions").headers["ETag"] == etag

    saved = put({"answers": {"core.purpose": "Eerste versie"}}, etag)
    assert saved.status_code == 200
    assert saved.headers["ETag"] != etag
    assert api("submitter").get(url).headers["ETag"] == saved.headers["ETag"]

    stale = put({"answers": {"core.purpose": "Over de eerste heen"}}, etag)
    assert stale.status_code == 412
    assert stale.json["error"]["code"] == "precondition_failed"
    assert stale.headers["ETag"] == saved.headers["ETag"]
    assert _stored(assessment_id).answers["core.purpose"] == "Eerste versie"
    garbage = put({"algorithm": {"department": "Elders"}}, '"geen-versie"')
    assert garbage.status_code == 412
    assert _stored(assessment_id).register_fields["department"] != "Elders"
    # `*` and no If-Match at all: merged as before.
    star = put({"answers": {"core.want_this": "Ja"}}, "*")
    assert star.status_code == 200
    spec = api("submitter").get("/api/openapi.json").json  # documented for API users
    put_spec = spec["paths"]["/api/v1/assessments/{assessment_id}/answers"]["put"]
    assert "412" in put_spec["responses"]
    assert any(p["name"] == "If-Match" for p in put_spec["parameters"])
    assert "200" in put_spec["responses"]


def test_two_saves_with_the_same_if_match_at_once_one_wins(app, api, users):
    assessment_id = create(api)["id"]
    headers = api("submitter").headers
    for n in range(ROUNDS // 2):
        etag = api("submitter").get(f"/api/v1/assessments/{assessment_id}").headers["ETag"]
        calls = [
            _put(app, headers, assessment_id, {"answers": {q: f"{q} {n}"}}, {"If-Match": etag})
            for q in ("core.purpose", "core.want_this")
        ]
        statuses = sorted(r.status_code for r in at_once(app, calls))
        assert statuses == [200, 412], statuses


def _form_version(page) -> str:
    version = re.search(r'name="row_version" value="(\d+)"', page.get_data(as_text=True))
    assert version, "the form carries the assessment's version"
    return version.group(1)


def _section_form(page, answers: dict) -> dict:
    return {
        "csrf_token": csrf_token_from(page),
        "row_version": _form_version(page),
        "action": "save",
        **{f"q-{k}": v for k, v in answers.items()},
    }


def test_a_save_from_a_stale_tab_is_refused_and_keeps_what_was_typed(api, users, client, login_as):
    assessment_id = create(api)["id"]
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment_id}/core"
    stale_tab = client.get(url)
    # Meanwhile, in another tab (or via the API), another core answer is saved.
    newer = api("submitter").put(
        f"/api/v1/assessments/{assessment_id}/answers",
        json={"answers": {"core.want_this": "Uit het andere tabblad"}},
    )
    assert newer.status_code == 200
    response = client.post(url, data=_section_form(stale_tab, {"core.purpose": "Getypt doel"}))
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Niet opgeslagen" in page
    assert "ander tabblad" in page
    assert "Getypt doel" in page  # what was typed is still on the form
    stored = _stored(assessment_id)
    assert stored.answers["core.want_this"] == "Uit het andere tabblad"
    assert "core.purpose" not in stored.answers
    # The form now carries the current version: saving again is a deliberate choice.
    again = client.post(url, data=_section_form(response, {"core.purpose": "Getypt doel"}))
    assert again.status_code == 302
    assert _stored(assessment_id).answers["core.purpose"] == "Getypt doel"


def test_register_fields_from_a_stale_tab(api, users, client, login_as):
    assessment_id = create(api)["id"]
    login_as(users["submitter"])
    url = f"/intern/toetsingen/{assessment_id}/algoritme"
    stale_tab = client.get(url)
    api("submitter").put(
        f"/api/v1/assessments/{assessment_id}/answers",
        json={"algorithm": {"department": "Wonen"}},
    )
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token_from(stale_tab),
            "row_version": _form_version(stale_tab),
            "name": "Woonfraude signalen",
            "description_short": "Getypt in het oude tabblad",
        },
    )
    assert response.status_code == 409
    assert "Getypt in het oude tabblad" in response.get_data(as_text=True)
    assert _stored(assessment_id).register_fields["department"] == "Wonen"


def test_an_edit_racing_the_submit_never_lands_after_the_frozen_version(app, api, users, board):
    assessment_id = create(api)["id"]
    fill_everything(api, assessment_id)
    url = f"/api/v1/assessments/{assessment_id}"
    assert api("submitter").put(f"{url}/answers", json={"answers": LOW_RISK}).status_code == 200
    headers = api("submitter").headers
    for n in range(ROUNDS):
        text = f"Laatste wijziging {n}"
        submit = lambda: app.test_client().post(f"{url}/submit", headers=headers)  # noqa: E731
        edit = _put(app, headers, assessment_id, {"answers": {"core.purpose": text}})
        submitted, edited = at_once(app, [submit, edit])
        assert submitted.status_code == 200, submitted.json
        assert edited.status_code in (200, 409), edited.json
        stored = _stored(assessment_id)
        frozen = stored.versions[-1].answers
        assert stored.answers == frozen  # nothing changed after the freeze
        if edited.status_code == 200:
            assert frozen["core.purpose"] == text  # it landed before the freeze
        else:
            assert frozen["core.purpose"] != text
        # Send it back so the next round can race again.
        assert decide(api, "reviewer", assessment_id, "changes_requested").status_code == 201
