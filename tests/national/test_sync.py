"""`register sync-national` against the contract server: create, release, update, retract,
drift, rate limits and failures."""

from __future__ import annotations

import json
import logging

from portal.extensions import db
from register import operations
from register.models import Algorithm, NationalDelivery
from register.national import payloads, sync
from tests.conftest import entry_data
from tests.national.contract_server import CLIENT_SECRET


def _delivery(algorithm: Algorithm) -> NationalDelivery | None:
    db.session.expire_all()
    return db.session.get(NationalDelivery, algorithm.id)


def _lars(algorithm: Algorithm) -> str:
    db.session.expire_all()
    return db.session.get(Algorithm, algorithm.id).lars


def test_first_run_creates_and_releases_each_entry(national, run_sync, publish_entry):
    parking = publish_entry(name="Parkeervergunning")
    waste = publish_entry(name="Afvalroute")

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert [m for m, _ in national.writes()] == ["POST", "PUT", "POST", "PUT"]
    assert all(p.endswith("/release") for m, p in national.writes() if m == "PUT")
    for algorithm in (parking, waste):
        lars = _lars(algorithm)
        assert lars in national.algorithms
        assert national.algorithms[lars].published["name"] == algorithm.name
        delivery = _delivery(algorithm)
        assert delivery.delivered_at is not None
        assert delivery.released
        assert delivery.delivered_version_id == algorithm.versions[-1].id
        assert (
            delivery.national_published_at == national.algorithms[lars].published["publication_dt"]
        )
        assert f"{algorithm.slug}: created ({lars})" in result.output
    sent = national.algorithms[_lars(parking)].versions[-1]
    assert sent["url"] == f"http://127.0.0.1:5000/algoritmes/{parking.slug}"
    assert "objection_procedure" not in sent  # Utrecht's own fields stay here
    assert "department" not in sent


def test_second_run_sends_nothing(national, run_sync, publish_entry):
    publish_entry()
    assert run_sync().exit_code == 0
    before = len(national.requests)

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert national.writes()[4:] == []
    assert len(national.writes()) == 2
    # One request to see what changed nationally, nothing per entry.
    assert national.requests[before:] == [
        ("GET", "/aanleverapi/v1_0/organizations/gm0344/algorithms")
    ]
    assert ": unchanged" in result.output


def test_an_edit_is_an_update_then_a_release(national, run_sync, publish_entry):
    algorithm = publish_entry()
    run_sync()
    lars = _lars(algorithm)
    operations.publish(
        db.session, algorithm, entry_data(goal="<p>Nieuw doel.</p>"), "Doel aangepast"
    )
    db.session.commit()
    before = len(national.writes())

    result = run_sync()

    assert result.exit_code == 0, result.output
    base = f"/aanleverapi/v1_0/organizations/gm0344/algorithms/{lars}"
    assert national.writes()[before:] == [("PUT", base), ("PUT", base + "/release")]
    assert national.algorithms[lars].published["goal"] == "<p>Nieuw doel.</p>"
    assert f"{algorithm.slug}: updated ({lars})" in result.output
    assert _delivery(algorithm).delivered_version_id == algorithm.versions[-1].id


def test_a_retired_entry_is_retracted(national, run_sync, publish_entry):
    algorithm = publish_entry()
    run_sync()
    lars = _lars(algorithm)
    operations.retire(db.session, algorithm, "2026-11-15")
    db.session.commit()

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert national.writes()[-1] == (
        "DELETE",
        f"/aanleverapi/v1_0/organizations/gm0344/published-algorithms/{lars}/retract",
    )
    assert national.algorithms[lars].published is None
    assert _delivery(algorithm).retracted_at is not None
    assert f"{algorithm.slug}: retracted ({lars})" in result.output
    writes = len(national.writes())
    assert run_sync().exit_code == 0
    assert len(national.writes()) == writes  # retracted once, not again


def test_a_retired_entry_never_delivered_is_not_created(national, run_sync, publish_entry):
    algorithm = publish_entry()
    operations.retire(db.session, algorithm, "2026-11-15")
    db.session.commit()

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert national.writes() == []
    assert "retired, never delivered" in result.output


def test_an_edit_in_the_national_register_is_detected(national, run_sync, publish_entry):
    algorithm = publish_entry()
    run_sync()
    lars = _lars(algorithm)
    national.edit_nationally(lars, goal="<p>Aangepast in het landelijke register.</p>")
    writes = len(national.writes())

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert len(national.writes()) == writes  # the national edit is not overwritten
    assert f"{algorithm.slug}: national newer ({lars})" in result.output
    delivery = _delivery(algorithm)
    assert delivery.national_edited
    assert delivery.national_published_at == national.algorithms[lars].published["publication_dt"]
    assert (
        sync.state_of(algorithm, delivery, delivery.delivered_digest) is sync.State.NATIONAL_NEWER
    )


def test_our_change_after_a_national_edit_is_a_conflict(national, run_sync, publish_entry):
    algorithm = publish_entry()
    run_sync()
    lars = _lars(algorithm)
    national.edit_nationally(lars, goal="<p>Daar aangepast.</p>")
    operations.publish(db.session, algorithm, entry_data(goal="<p>Hier aangepast.</p>"))
    db.session.commit()
    writes = len(national.writes())

    result = run_sync()

    assert result.exit_code == 1
    assert len(national.writes()) == writes
    assert "--overwrite" in result.output
    assert _delivery(algorithm).last_error

    result = run_sync("--overwrite")

    assert result.exit_code == 0, result.output
    assert national.algorithms[lars].published["goal"] == "<p>Hier aangepast.</p>"
    assert not _delivery(algorithm).national_edited


def test_bringing_the_national_edit_into_our_entry_ends_the_drift(
    national, run_sync, publish_entry
):
    algorithm = publish_entry()
    run_sync()
    lars = _lars(algorithm)
    national.edit_nationally(lars, goal="<p>Daar aangepast.</p>")
    run_sync()
    operations.publish(db.session, algorithm, entry_data(goal="<p>Daar aangepast.</p>"))
    db.session.commit()
    writes = len(national.writes())

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert len(national.writes()) == writes
    delivery = _delivery(algorithm)
    assert not delivery.national_edited
    assert delivery.delivered_version_id == algorithm.versions[-1].id


def test_429_is_retried_after_retry_after(national, run_sync, publish_entry, monkeypatch):
    waits = []
    monkeypatch.setattr("register.national.client._default_sleep", waits.append)
    algorithm = publish_entry(name="Parkeervergunning")
    national.fail("Parkeervergunning", 429, times=2, retry_after="7")

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert waits == [7.0, 7.0]
    assert _lars(algorithm) in national.algorithms
    assert [m for m, _ in national.writes()] == ["POST", "POST", "POST", "PUT"]


def test_one_failing_entry_is_reported_and_the_others_go_through(national, run_sync, publish_entry):
    broken = publish_entry(name="Afvalroute")
    fine = publish_entry(name="Parkeervergunning")
    national.fail("Afvalroute", 500)

    result = run_sync()

    assert result.exit_code == 1
    assert f"{broken.slug}: failed: create_one_algorithm: HTTP 500" in result.output
    assert f"{fine.slug}: created" in result.output
    assert _lars(fine) in national.algorithms
    assert _lars(broken) == ""
    assert "HTTP 500" in _delivery(broken).last_error

    national.failures.clear()
    result = run_sync()

    assert result.exit_code == 0, result.output
    assert _lars(broken) in national.algorithms
    assert _delivery(broken).last_error == ""


def test_a_failed_release_is_not_created_twice(national, run_sync, publish_entry):
    algorithm = publish_entry(name="Parkeervergunning")
    national.fail("release", 500)

    result = run_sync()

    assert result.exit_code == 1
    assert "release_one_algorithm: HTTP 500" in result.output
    lars = _lars(algorithm)
    assert lars in national.algorithms  # the national id was kept
    national.failures.clear()

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert len(national.algorithms) == 1
    assert national.algorithms[lars].published is not None
    assert f"{algorithm.slug}: released ({lars})" in result.output


def test_dry_run_sends_nothing_and_shows_valid_bodies(national, run_sync, publish_entry):
    algorithm = publish_entry()

    result = run_sync("--dry-run")

    assert result.exit_code == 0, result.output
    assert national.requests == []
    assert f"{algorithm.slug}: would create" in result.output
    body = json.loads(result.output[result.output.index("{") : result.output.rindex("}") + 1])
    assert body["name"] == "Parkeervergunning"
    assert body["lang"] == "nld"
    assert "nothing sent" in result.output


def test_dry_run_reports_a_body_the_api_refuses(national, run_sync, publish_entry):
    algorithm = publish_entry()
    content = dict(algorithm.content, description_short="x" * 401)
    db.session.get(Algorithm, algorithm.id).content = content
    db.session.commit()

    result = run_sync("--dry-run")

    assert result.exit_code == 1
    assert "description_short: longer than 400 characters" in result.output
    assert national.requests == []


def test_only_the_given_slug(national, run_sync, publish_entry):
    publish_entry(name="Afvalroute")
    chosen = publish_entry(name="Parkeervergunning")

    result = run_sync("--slug", chosen.slug)

    assert result.exit_code == 0, result.output
    assert [a.versions[-1]["name"] for a in national.algorithms.values()] == ["Parkeervergunning"]
    assert run_sync("--slug", "bestaat-niet").exit_code != 0


def test_other_organisations_entries_are_never_delivered(national, run_sync, publish_entry):
    publish_entry(name="Van een ander", organization="Gemeente Amersfoort")

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert national.writes() == []


def test_missing_configuration_is_named_without_the_secret(app, run_sync, publish_entry):
    publish_entry()
    saved = app.config.get("NATIONAL_API_URL"), app.config.get("NATIONAL_CLIENT_SECRET")
    app.config.update(NATIONAL_API_URL="", NATIONAL_CLIENT_SECRET="hush-hush")
    try:
        result = run_sync()
    finally:
        app.config["NATIONAL_API_URL"], app.config["NATIONAL_CLIENT_SECRET"] = saved
    assert result.exit_code == 1
    assert "NATIONAL_API_URL" in result.output
    assert "hush-hush" not in result.output


def test_a_refused_token_stops_the_run_without_showing_the_secret(
    national, app, run_sync, publish_entry
):
    publish_entry()
    app.config["NATIONAL_CLIENT_SECRET"] = "wrong-secret"

    result = run_sync()

    assert result.exit_code == 1
    assert "token refused: HTTP 401 (invalid_client)" in result.output
    assert "wrong-secret" not in result.output
    assert national.requests == []


def _seed_like(national, algorithm: Algorithm, **changes) -> str:
    """Put the entry in the national register as if entered there, and give ours its id."""
    body = payloads.algorithm_in(
        algorithm.content, register_url=f"http://127.0.0.1:5000/algoritmes/{algorithm.slug}"
    )
    lars = national.seed({**body, **changes})
    db.session.get(Algorithm, algorithm.id).lars = lars
    db.session.commit()
    return lars


def test_an_entry_known_nationally_with_equal_content_sends_nothing(
    national, run_sync, publish_entry
):
    algorithm = publish_entry()
    lars = _seed_like(national, algorithm)

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert national.writes() == []
    summaries = ("GET", "/aanleverapi/v1_0/organizations/gm0344/algorithms")
    assert national.requests.count(summaries) == 1  # nothing written, nothing to re-read
    assert f"{algorithm.slug}: unchanged ({lars})" in result.output
    assert _delivery(algorithm).delivered_at is not None


def test_an_entry_known_nationally_with_other_content_is_updated_not_created(
    national, run_sync, publish_entry
):
    algorithm = publish_entry()
    lars = _seed_like(national, algorithm, goal="<p>Oude tekst.</p>")

    result = run_sync()

    assert result.exit_code == 0, result.output
    assert [m for m, _ in national.writes()] == ["PUT", "PUT"]
    assert len(national.algorithms) == 1
    assert national.algorithms[lars].published["goal"] == algorithm.content["goal"]


def test_a_national_id_unknown_to_our_organisation_fails_that_entry(
    national, run_sync, publish_entry
):
    algorithm = publish_entry()
    db.session.get(Algorithm, algorithm.id).lars = "99999999"
    db.session.commit()

    result = run_sync()

    assert result.exit_code == 1
    assert "national id 99999999 is not among this organisation's algorithms" in result.output
    assert national.writes() == []


def test_the_secret_is_never_logged(national, run_sync, publish_entry, caplog):
    publish_entry()
    with caplog.at_level(logging.DEBUG):
        national.fail("Parkeervergunning", 429, times=1, retry_after="0")
        assert run_sync().exit_code == 0
    assert caplog.records
    assert CLIENT_SECRET not in caplog.text


def test_dry_run_names_what_happens_to_retired_entries(national, run_sync, publish_entry):
    delivered = publish_entry(name="Afvalroute")
    run_sync()
    never = publish_entry(name="Parkeervergunning")
    for algorithm in (delivered, never):
        operations.retire(db.session, algorithm, "2026-11-01")
    db.session.commit()
    requests = len(national.requests)

    result = run_sync("--dry-run")

    assert result.exit_code == 0, result.output
    assert f"{delivered.slug}: would retract ({_lars(delivered)}): retired" in result.output
    assert f"{never.slug}: skipped: retired, never delivered" in result.output
    assert len(national.requests) == requests
