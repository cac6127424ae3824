"""The real server (gunicorn, 2 workers) on 127.0.0.1 under load and under SIGKILL.

- Load: 50 concurrent clients read the public register while assessments are decided:
  no server errors, no lost decisions.
- Fault: the server is killed while it renders a record; afterwards there is no published
  entry without its record, no record without its approved state, nothing half-written, and
  `flask records resume` finishes the publication.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assessments.models import Assessment, Record
from portal import audit
from portal.extensions import db
from register.models import Algorithm
from tests.assessments.test_review import LOW_RISK, submitted

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
LOAD_CLIENTS = 50
LOAD_SECONDS = 15
PUBLIC_PATHS = [
    "/",
    "/algoritmes",
    "/algoritmes?q=parkeer",
    "/algoritmes?status=In+gebruik&page=2",
    "/algoritmes/parkeervergunning",
    "/api/v1/algorithms",
    "/api/v1/algorithms/slim-vegen",
    "/algoritmes.json",
    "/feed.atom",
    "/healthz",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn in its own process group, so SIGKILL takes master and workers at once."""

    def __init__(self, database_url: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "stress-secret",
            "PORTAL_ENV": "production",
            "SITE_URL": self.url,
            "JSON_LOGS": "0",
            "LOG_LEVEL": "WARNING",
        }
        self.process = None

    def start(self) -> Server:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--threads",
                "8",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.process.stderr.read().decode()[-2000:])

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process.stderr.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process and self.process.stderr:
            self.process.stderr.close()


def request(url: str, *, method="GET", body=None, token=None, timeout=60) -> int:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=data, headers=headers, method=method),
            timeout=timeout,
        ) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # connection refused or reset


@pytest.fixture
def server(app):
    running = []

    def start() -> Server:
        started = Server(app.config["SQLALCHEMY_DATABASE_URI"]).start()
        running.append(started)
        return started

    yield start
    for started in running:
        started.stop()


def test_load_on_the_register_while_assessments_are_decided(app, api, board, server):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    # The demo's director decides for every department, which would hold each approval for
    # the director's decision (tests/assessments/test_advice.py covers that step). This test
    # is about readers while the board's votes publish: the director is away.
    from portal.auth.models import User

    for user in db.session.scalars(db.select(User)):
        if "director" in user.roles:
            user.active = False
    db.session.commit()
    pending = [submitted(api, LOW_RISK)["id"] for _ in range(4)]
    token = api("reviewer").headers["Authorization"].split()[1]
    live = server()

    statuses: list[int] = []
    lock = threading.Lock()
    decisions: dict[int, int] = {}
    stop = threading.Event()

    def reader(number: int) -> None:
        index = number
        while not stop.is_set():
            status = request(live.url + PUBLIC_PATHS[index % len(PUBLIC_PATHS)], timeout=30)
            index += 1
            with lock:
                statuses.append(status)

    def decide(assessment_id: int) -> None:
        decisions[assessment_id] = request(
            f"{live.url}/api/v1/assessments/{assessment_id}/reviews",
            method="POST",
            body={"decision": "approve"},
            token=token,
            timeout=120,
        )

    readers = [threading.Thread(target=reader, args=(n,)) for n in range(LOAD_CLIENTS)]
    deciders = [threading.Thread(target=decide, args=(i,)) for i in pending]
    started = time.monotonic()
    for thread in readers:
        thread.start()
    time.sleep(1)  # the decisions land while the readers are busy
    for thread in deciders:
        thread.start()
    for thread in deciders:
        thread.join(timeout=180)
    time.sleep(max(0.0, LOAD_SECONDS - (time.monotonic() - started)))
    stop.set()
    for thread in readers:
        thread.join(timeout=60)

    assert len(statuses) > LOAD_CLIENTS * 5
    assert [s for s in statuses if s >= 500 or s == 0] == []
    assert set(statuses) <= {200}
    assert decisions == dict.fromkeys(pending, 201)
    db.session.expire_all()
    for assessment_id in pending:
        assessment = db.session.get(Assessment, assessment_id)
        assert assessment.status == "approved"
        assert assessment.publication_pending is False
        assert len(assessment.versions[-1].reviews) == 1
        assert {r.kind for r in assessment.versions[-1].records} == {"public", "internal"}


def test_sigkill_while_rendering_leaves_nothing_half_written(app, api, board, server):
    long_text = "Een uitgebreide toelichting van het team over dit onderdeel. " * 60
    answers = {**LOW_RISK, "core.purpose": long_text[:4000], "core.want_this": long_text[:4000]}
    assessment_id = submitted(api, answers)["id"]
    token = api("reviewer").headers["Authorization"].split()[1]
    live = server()

    decision = threading.Thread(
        target=request,
        args=(f"{live.url}/api/v1/assessments/{assessment_id}/reviews",),
        kwargs={"method": "POST", "body": {"decision": "approve"}, "token": token},
    )
    decision.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the approval has committed
        db.session.expire_all()
        if db.session.get(Assessment, assessment_id).status == "approved":
            break
        time.sleep(0.01)
    live.kill()  # the worker is rendering the record now
    decision.join(timeout=30)

    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment.status == "approved"
    assert assessment.publication_pending is True  # the state knows the record is missing
    assert db.session.scalar(db.select(db.func.count()).select_from(Record)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Algorithm)) == 0

    restarted = server()
    assert request(restarted.url + "/healthz") == 200
    assert request(restarted.url + "/api/v1/algorithms") == 200
    result = app.test_cli_runner().invoke(args=["records", "resume"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment.publication_pending is False
    assert assessment.algorithm.is_published
    slug = assessment.algorithm.slug
    assert request(f"{restarted.url}/algoritmes/{slug}/record.pdf") == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Record)) == 2
    published = db.session.scalar(
        db.select(db.func.count())
        .select_from(audit.AuditEvent)
        .where(audit.AuditEvent.action == "register.published")
    )
    assert published == 1
