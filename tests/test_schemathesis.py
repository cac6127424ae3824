"""schemathesis against `/api/openapi.json`, in-process, as each role: every check, every
phase (examples, coverage, fuzzing, stateful), zero failures. The description is what
integrators build on, so where the API and it disagree, one of them is wrong."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from portal.auth import operations as accounts
from portal.extensions import db
from tests.assessments.conftest import api  # noqa: F401 (the fixture, shared)
from tests.assessments.helpers import fill_everything

ROLES = ("submitter", "reviewer", "privacy_officer", "admin")
MAX_EXAMPLES = 4  # per operation and phase; derandomized, so every run sends the same cases
MAX_STEPS = 6  # per stateful scenario


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


def _run(app, token: str, assessment_id: int) -> tuple[list[str], Counter, set[str]]:
    config = SchemathesisConfig.from_dict(
        {
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
                        failures.append(
                            f"{node.name}: {case.method} {case.formatted_path} "
                            f"{failure.title if failure else ''}: "
                            f"{(failure.message if failure else '')[:300]}"
                            f" | query={case.query} body={str(case.body)[:200]}"
                        )
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(f"error: {event.info.format() if hasattr(event, 'info') else event}")
    return failures, cases, checks


@pytest.mark.xfail(
    strict=True,
    reason="not yet at zero: query parameters accept values of the wrong type (page=object), "
    "and schemathesis 4.32 itself errors in-process (ignored_auth probes pass max_redirects to "
    "werkzeug; a Hypothesis lambda repr trips CPython 3.11.7's ast recursion check)",
)
@pytest.mark.parametrize("role", ROLES)
def test_the_api_keeps_to_its_description(app, api, users, publish_entry, role, monkeypatch):  # noqa: F811
    # schemathesis' WSGI transport calls the app as `localhost`; the host guard is not what
    # this test is about (tests/test_host_header.py is).
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", [*app.config["TRUSTED_HOSTS"], "localhost"])
    reachable = _world(api, publish_entry)
    token = accounts.issue_token(db.session, None, users[role], "schemathesis")[1]
    db.session.commit()
    failures, cases, checks = _run(app, token, reachable[role])
    print(f"{role}: {sum(cases.values())} cases {dict(cases)}; checks {sorted(checks)}")
    assert not failures, "\n".join(sorted(set(failures)))
    assert sum(cases.values()) > 50
    assert {"not_a_server_error", "response_schema_conformance", "status_code_conformance"} <= (
        checks
    )
