"""With REDIS_URL the records of an approval are rendered by a job worker (RQ), not in the
last reviewer's request: the API answers at once with `record_pending`, a worker renders,
stores and publishes, and the owner's mail goes out through the queue as well. A worker
killed while rendering leaves the approval pending; `flask records resume` finishes it."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq import SimpleWorker

from assessments.models import Assessment, Record
from assessments.records import pdf as record_pdf
from portal import jobs
from portal.extensions import db
from register.models import Algorithm
from tests.assessments.test_review import LOW_RISK, decide, submitted
from tests.redis_support import redis_space  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def job_queue(app, redis_space, monkeypatch):  # noqa: F811 - the fixture
    for key, value in redis_space.config.items():
        monkeypatch.setitem(app.config, key, value)
    app.extensions.pop("portal.jobs", None)
    yield jobs.queue(app)
    app.extensions.pop("portal.jobs", None)


def _queued_targets(job_queue) -> list[str]:
    return [job.args[0] for job in job_queue.jobs]


def test_without_a_queue_the_record_is_rendered_in_the_request(api, board):
    assessment = submitted(api, LOW_RISK)
    response = decide(api, "reviewer", assessment["id"])
    assert response.status_code == 201
    assert response.json["assessment"]["record_pending"] is False
    assert db.session.scalar(db.select(db.func.count()).select_from(Record)) == 2


def test_with_a_queue_the_approval_answers_at_once_and_a_worker_publishes(
    api, board, job_queue, monkeypatch, caplog
):
    assessment = submitted(api, LOW_RISK)
    rendered = []
    original = record_pdf.render

    def render(*args):
        rendered.append(args[2])
        return original(*args)

    monkeypatch.setattr(record_pdf, "render", render)
    response = decide(api, "reviewer", assessment["id"])
    assert response.status_code == 201, response.json
    assert response.json["outcome"]["state"] == "approved"
    assert response.json["assessment"]["record_pending"] is True
    assert rendered == []  # nothing was rendered inside the request
    assert db.session.scalar(db.select(db.func.count()).select_from(Record)) == 0
    # The board's mail of the submission, the owner's of the outcome, then the record.
    assert _queued_targets(job_queue) == [
        "portal.mail:send_job",
        "portal.mail:send_job",
        "assessments.records.jobs:publish_job",
    ]

    db.session.remove()
    with caplog.at_level(logging.INFO, logger="portal.mail"):
        assert SimpleWorker([job_queue], connection=job_queue.connection).work(burst=True)
    assert sorted(rendered) == ["internal", "public"]
    assert job_queue.count == 0
    assert job_queue.failed_job_registry.count == 0
    done = db.session.get(Assessment, assessment["id"])
    assert done.publication_pending is False
    assert done.algorithm.is_published
    assert {r.kind for r in done.versions[-1].records} == {"public", "internal"}
    sent = [r for r in caplog.records if r.getMessage() == "mail not configured; message logged"]
    assert len(sent) == 2
    assert "approved" in sent[1].subject


def test_a_job_for_an_approval_finished_meanwhile_does_nothing(api, board, job_queue):
    assessment = submitted(api, LOW_RISK)
    decide(api, "reviewer", assessment["id"])
    assert db.session.get(Assessment, assessment["id"]).publication_pending is True
    from assessments import records

    assert records.resume_pending(db.session).done == [assessment["id"]]
    db.session.remove()
    SimpleWorker([job_queue], connection=job_queue.connection).work(burst=True)
    assert job_queue.failed_job_registry.count == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Record)) == 2


@pytest.mark.e2e
def test_a_killed_worker_leaves_the_record_pending_and_resume_finishes_it(
    app,
    api,
    board,
    job_queue,
    redis_space,  # noqa: F811 - the fixture
):
    long_text = "Een uitgebreide toelichting van het team over dit onderdeel. " * 60
    answers = {**LOW_RISK, "core.purpose": long_text[:4000], "core.want_this": long_text[:4000]}
    assessment_id = submitted(api, answers)["id"]
    assert decide(api, "reviewer", assessment_id).json["assessment"]["record_pending"] is True
    publish = next(j for j in job_queue.jobs if j.args[0].endswith(":publish_job"))
    db.session.remove()

    env = redis_space.worker_env(app.config["SQLALCHEMY_DATABASE_URI"])
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while publish.get_status(refresh=True) != "started":
            assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the worker never started the record job"
            time.sleep(0.005)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # master and work horse, mid-render
        worker.wait(timeout=10)
        worker.stderr.close()

    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment.status == "approved"
    assert assessment.publication_pending is True
    assert db.session.scalar(db.select(db.func.count()).select_from(Record)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(Algorithm)) == 0

    result = app.test_cli_runner().invoke(args=["records", "resume"])
    assert result.exit_code == 0, result.output
    assert f"1 approval(s) finished: [{assessment_id}]" in result.output
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment_id)
    assert assessment.publication_pending is False
    assert assessment.algorithm.is_published
    assert db.session.scalar(db.select(db.func.count()).select_from(Record)) == 2
