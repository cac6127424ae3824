"""Job workers run at lower priority than the web workers (niceness 10 by default,
JOB_WORKER_NICE or `--nice`): on a machine that serves readers too, a record being rendered
takes the CPU only when readers leave it. Measured in `make bench` (readers during 20
approvals); here the real worker command runs a job that reports its own niceness."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rq import Queue

from portal import jobs
from tests.redis_support import redis_space  # noqa: F401 - the fixture

ROOT = Path(__file__).resolve().parents[1]


def _niceness_in_worker(space, app, *options: str, extra_env: dict | None = None) -> int:
    """Run `flask jobs worker --burst` on a queue holding one job, `os.nice(0)` (the
    niceness it runs at), and return what the job answered."""
    queue = Queue(space.prefix + "jobs", connection=space.connection())
    job = queue.enqueue(jobs.run, "posix:nice", 0)
    env = {**space.worker_env(app.config["SQLALCHEMY_DATABASE_URI"]), **(extra_env or {})}
    finished = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker", "--burst", *options],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert finished.returncode == 0, finished.stderr[-2000:]
    job.refresh()
    assert job.get_status() == "finished", finished.stderr[-2000:]
    return job.return_value()


def test_the_worker_runs_jobs_at_niceness_10_by_default(app, redis_space):  # noqa: F811
    here = os.nice(0)
    assert _niceness_in_worker(redis_space, app) == max(10, here)


def test_the_setting_and_the_option_choose_the_niceness(app, redis_space):  # noqa: F811
    here = os.nice(0)
    assert _niceness_in_worker(redis_space, app, extra_env={"JOB_WORKER_NICE": "0"}) == here
    assert _niceness_in_worker(redis_space, app, "--nice", "15") == max(15, here)


def test_a_process_started_nicer_stays_as_nice():
    # Started 12 nicer than this process (as `nice -n 12` would), then asked for 5.
    code = (
        "import os; os.nice(12); from portal.jobs import lower_priority; "
        "print(lower_priority(5), os.nice(0))"
    )
    started = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    expected = str(min(19, os.nice(0) + 12))
    assert started == [expected, expected]
