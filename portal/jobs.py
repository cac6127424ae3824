"""Background jobs in a queue on Redis (RQ), used when REDIS_URL is set.

Slow work that follows a committed change (rendering the PDF records of an approval,
sending mail) goes to a worker, so no web request waits for it and no reader waits behind
it. Without REDIS_URL there is no queue: `enqueue` returns None and the caller does the
work in the request, as a single machine always did.

Nothing here may be the only place a job is remembered: the database holds the state a job
moves on (an approval stays `publication_pending` until its records are stored), so a lost
or killed job is finished by `flask records resume`.

Workers: `flask --app wsgi jobs worker` (one per core at most; `make run` starts one when
REDIS_URL is set). A job runs in a fresh application context of the worker's app, so it has
its own database session and the site's configuration.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker, Worker
from rq.job import Job

log = logging.getLogger(__name__)
_EXTENSION = "portal.jobs"
# A record of the largest allowed assessment renders in about 17 s; leave room.
JOB_TIMEOUT = 300


def queue(app: Flask | None = None) -> Queue | None:
    """The app's job queue, or None when REDIS_URL is not set."""
    app = app or current_app
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    found = app.extensions.get(_EXTENSION)
    if found is None:
        found = Queue(
            app.config.get("JOBS_QUEUE") or "portal",
            # A request that enqueues must not hang on a Redis host that drops packets.
            connection=Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5),
            default_timeout=JOB_TIMEOUT,
        )
        app.extensions[_EXTENSION] = found
    return found


def enqueue(func: Callable, *args, retries: int = 0) -> Job | None:
    """Put `func(*args)` on the queue; None when there is no queue or Redis does not answer
    (the caller then does the work itself). `func` must be a module-level function."""
    jobs = queue()
    if jobs is None:
        return None
    try:
        target = f"{func.__module__}:{func.__qualname__}"
        return jobs.enqueue(
            run,
            target,
            *args,
            description=target,  # the worker logs this, never the arguments (addresses)
            retry=Retry(max=retries) if retries else None,
            failure_ttl=7 * 24 * 3600,
        )
    except RedisError:
        log.exception("the job queue does not answer; the work is done in the request")
        return None


def run(target: str, *args) -> object:
    """What the worker executes: `target` ("module:function") in a fresh app context."""
    module, name = target.split(":")
    func = getattr(importlib.import_module(module), name)
    with job_context():
        return func(*args)


@contextmanager
def job_context() -> Iterator[None]:
    """A fresh application context (and so a fresh database session) for one job, of the
    worker's app (`flask --app wsgi jobs worker` provides it)."""
    if not has_app_context():
        raise RuntimeError("run jobs with `flask --app wsgi jobs worker`, which loads the app")
    with current_app._get_current_object().app_context():
        yield


def lower_priority(niceness: int) -> int:
    """Run this process at `niceness` or lower priority (Unix; 0 to 19, higher is nicer):
    on a machine shared with the web workers, readers' requests then get the CPU first and
    a record takes a little longer. A process started nicer (`nice -n 15`) stays so.
    Returns the niceness now."""
    if not hasattr(os, "nice"):
        return 0
    current = os.nice(0)
    return os.nice(niceness - current) if niceness > current else current


jobs_cli = click.Group("jobs", help="Background jobs (RQ on Redis, when REDIS_URL is set).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option(
    "--fork",
    is_flag=True,
    help="A fresh process per job (RQ's default worker) instead of one warm process.",
)
@click.option(
    "--nice",
    "niceness",
    type=click.IntRange(0, 19),
    default=None,
    help="Run at this niceness or lower priority (default JOB_WORKER_NICE, 10; 0: as started).",
)
@with_appcontext
def worker_command(burst: bool, fork: bool, niceness: int | None) -> None:
    """Run a worker for the site's queue: renders records and sends mail, one job at a time.

    By default jobs run in this process, which stays warm (fonts, templates, database
    connections); run one worker per core for more. It runs at lower priority than the web
    workers (niceness 10), so readers do not wait behind a record on a shared machine. A
    worker that is killed mid-job leaves the approval pending, and `flask records resume`
    finishes it."""
    jobs = queue()
    if jobs is None:
        raise click.ClickException("REDIS_URL is not set: there is no job queue.")
    lower_priority(current_app.config["JOB_WORKER_NICE"] if niceness is None else niceness)
    # Its own connection without a read timeout: the worker blocks on Redis for new jobs.
    connection = Redis.from_url(current_app.config["REDIS_URL"])
    listening = Queue(jobs.name, connection=connection, default_timeout=JOB_TIMEOUT)
    worker_class = Worker if fork else SimpleWorker
    worker_class([listening], connection=connection).work(burst=burst, logging_level="WARNING")
