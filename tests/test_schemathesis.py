"""schemathesis against `/api/openapi.json`, in-process, as each role: every check, every
phase (examples, coverage, fuzzing, stateful), zero failures. The description is what
integrators build on, so where the API and it disagree, one of them is wrong."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema
from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER
from schemathesis.transport.wsgi import WSGI_TRANSPORT, WSGITransport

from portal.auth import operations as accounts
from portal.extensions import db
from tests.assessments.conftest import api  # noqa: F401 (the fixture, shared)
from tests.assessments.helpers import fill_everything

ROLES = ("submitter", "reviewer", "privacy_officer", "admin")
MAX_EXAMPLES = 4  # per operation and phase; derandomized, so every run sends the same cases
MAX_STEPS = 6  # per stateful scenario
REVIEWS = "POST /api/v1/assessments/{assessment_id}/reviews"
SUBMIT = "POST /api/v1/assessments/{assessment_id}/submit"
INCIDENTS = "POST /api/v1/algorithms/{slug}/incidents"
ANSWERS = "PUT /api/v1/assessments/{assessment_id}/answers"
SESSIONS = (
    "POST /api/v1/assessments/{assessment_id}/sessions",
    "PUT /api/v1/assessments/{assessment_id}/sessions/{session_id}",
)
# The coverage phase sends every boundary and type violation the description defines (some
# 2,700 cases, most of the run's time), whoever asks. For the big bodies and the public list
# it runs in the one role whose request gets past the permission check into the code that
# reads them: the others are refused before the body is read (403), or go through the same
# code (the admin's draft, the privacy officer's review, anyone's public list). Every role
# still gets the examples, fuzzing and stateful phases everywhere, and coverage elsewhere.
COVERAGE_ROLE = {
    "GET /api/v1/algorithms": "submitter",
    "GET /api/v1/algorithms/{slug}": "submitter",
    "POST /api/v1/assessments": "admin",
    ANSWERS: "submitter",
    REVIEWS: "reviewer",
}
# The checks' own defaults: what answering valid data, and refusing invalid data, looks like.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
REFUSED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]


class _InProcessTransport(WSGITransport):
    """The WSGI transport, minus the socket-level settings werkzeug's client does not take.

    schemathesis 4.32 drops `max_redirects` & co. only when a `requests.Session` is passed;
    its ignored_auth probe sends without one, so the option reaches
    `werkzeug.test.EnvironBuilder`, which raises TypeError. In-process there is no socket
    and no redirect to follow (the client does not follow redirects by default), so the
    settings mean nothing here.
    """

    def send(self, case, *, session=None, **kwargs):
        for name in ("max_redirects", "verify", "cert", "proxies"):
            kwargs.pop(name, None)
        return super().send(case, session=session, **kwargs)


_TRANSPORT = _InProcessTransport()
_TRANSPORT._copy_serializers_from(WSGI_TRANSPORT)


def before_call(context, case, kwargs) -> None:
    """A proposed reassessment must lie after today; JSON Schema cannot say so (the
    description does, in words), so a generated date that is not after today moves a year
    on. Only valid dates move: a malformed one still tests the format check. schemathesis
    re-reads the case after this hook, so its checks judge what is sent."""
    if case.operation.label != REVIEWS or not isinstance(case.body, dict):
        return
    value = case.body.get("proposed_reassessment")
    try:
        date = dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return
    today = dt.datetime.now(dt.UTC).date()
    if date is not None and date <= today:
        case.body["proposed_reassessment"] = (today + dt.timedelta(days=365)).isoformat()


@pytest.fixture
def _future_reassessments():
    schemathesis.hook(before_call)
    yield
    GLOBAL_HOOK_DISPATCHER.unregister(before_call)


def _world(caller, publish_entry) -> dict[str, int]:
    """A published entry and, per role, an assessment that role can reach."""
    publish_entry(slug="bereikbaar")
    own = caller("submitter").post("/api/v1/assessments", json={"algorithm": {"name": "Eigen"}})
    submitted = (
        caller("submitter")
        .post("/api/v1/assessments", json={"algorithm": {"name": "Ingediend"}})
        .json["id"]
    )
    fill_everything(caller, submitted)
    assert caller("submitter").post(f"/api/v1/assessments/{submitted}/submit").status_code == 200
    admins = caller("admin").post("/api/v1/assessments", json={"algorithm": {"name": "Beheer"}})
    return {
        "submitter": own.json["id"],
        "reviewer": submitted,
        "privacy_officer": submitted,
        "admin": admins.json["id"],
    }


def _run(app, role: str, token: str, assessment_id: int) -> tuple[list[str], Counter, set[str]]:
    operations = [
        {"include-name": name, "phases": {"coverage": {"enabled": False}}}
        for name, coverage_role in COVERAGE_ROLE.items()
        if role != coverage_role
    ]
    # Submitting takes no body and no parameter but the id: its 422 (documented: "not
    # complete", naming what is missing) is about the stored assessment, not about the
    # request, which is what positive_data_acceptance judges. The author's draft here is
    # incomplete on purpose, so the PUT .../answers cases meet an editable assessment.
    operations.append(
        {
            "include-name": SUBMIT,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        }
    )
    # A generated If-Match is (almost) never the assessment's current ETag, so the save is
    # refused with 412 (documented) before the body is read: valid or not, the request did
    # not match the stored state. 412 is a refusal, which the checks' defaults leave out.
    operations.append(
        {
            "include-name": ANSWERS,
            "checks": {
                "positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "412"]},
                "negative_data_rejection": {"expected-statuses": [*REFUSED, "412"]},
            },
        }
    )
    # An incident happened in the past: a date after today is refused (422, documented),
    # which a JSON schema cannot say ("not after today" moves every day).
    operations.append(
        {
            "include-name": INCIDENTS,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        }
    )
    # A board session names board members by account id and happened on a day not after
    # today: a generated id is (almost) never a member of this assessment's board and a
    # generated date may lie ahead, so the body is refused with 422 (documented: "a member
    # who is not a sounding-board member", "a date after today"), which no JSON schema says.
    operations.extend(
        {
            "include-name": name,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        }
        for name in SESSIONS
    )
    config = SchemathesisConfig.from_dict(
        {
            "operations": operations,
            # As the security scheme, so ignored_auth knows which header is the token.
            "auth": {"openapi": {"bearerAuth": {"bearer": token}}},
            "parameters": {"assessment_id": assessment_id, "slug": "bereikbaar"},
            "checks": {"enabled": True},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
            "phases": {"stateful": {"max-steps": MAX_STEPS}},
        }
    )
    schema = schemathesis.openapi.from_wsgi(
        "/api/openapi.json", app, config=config, base_url=f"http://{app.config['SERVER_NAME']}"
    )
    failures: list[str] = []
    cases: Counter = Counter()
    checks: set[str] = set()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases[event.phase.value] += len(event.recorder.cases)
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    checks.add(node.name)
                    if node.status == Status.FAILURE:
                        case = event.recorder.cases[case_id].value
                        failure = node.failure_info.failure if node.failure_info else None
                        interaction = event.recorder.interactions.get(case_id)
                        answer = interaction.response if interaction else None
                        failures.append(
                            f"{node.name}: {case.method} {case.formatted_path} "
                            f"{failure.title if failure else ''}: "
                            f"{(failure.message if failure else '')[:300]}"
                            f" | query={case.query} body={str(case.body)[:300]}"
                            + (
                                f" -> {answer.status_code} {answer.content[:300]!r}"
                                if answer is not None
                                else ""
                            )
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"error: {event.info.format() if hasattr(event, 'info') else event}")
    return failures, cases, checks


@pytest.mark.usefixtures("_future_reassessments")
@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_to_its_description(app, api, users, publish_entry, role, monkeypatch):  # noqa: F811
    # schemathesis' WSGI transport calls the app as `localhost`; the host guard is not what
    # this test is about (tests/test_host_header.py is).
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", [*app.config["TRUSTED_HOSTS"], "localhost"])
    # ignored_auth probes every operation without a valid token, all from one address:
    # past ~30 operations within a minute the failed-authentication budget answers 429
    # instead of 401. That limit has its own tests (tests/test_login_throttle.py).
    monkeypatch.setitem(app.config, "API_AUTH_FAILURE_LIMIT", "100000 per minute")
    # schemathesis picks its transport per call with `schemathesis.transport.get(app)`.
    monkeypatch.setattr("schemathesis.transport.get", lambda _app: _TRANSPORT)
    reachable = _world(api, publish_entry)
    token = accounts.issue_token(db.session, None, users[role], "schemathesis")[1]
    db.session.commit()
    failures, cases, checks = _run(app, role, token, reachable[role])
    print(f"{role}: {sum(cases.values())} cases {dict(cases)}; checks {sorted(checks)}")
    assert not failures, "\n".join(sorted(set(failures)))
    assert sum(cases.values()) > 50
    assert {"not_a_server_error", "response_schema_conformance", "status_code_conformance"} <= (
        checks
    )
