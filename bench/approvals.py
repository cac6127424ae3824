"""`make bench`, approvals: readers' latency while many assessments are approved at once.

The last reviewer's approval publishes the register entry with two PDF records. With a job
queue (REDIS_URL) the approval only commits and enqueues; an RQ worker renders. This run
serves the demo register with gunicorn (as `bench.run`: gunicorn.conf.py), starts its own
redis-server and one job worker, keeps reader clients busy on public pages, and after an
idle spell fires BENCH_APPROVALS approvals at the same moment. It measures the readers' p95
while idle and from the approvals until the last entry is published, as a ratio in one run
(target: at most 2x), and the approvals' own response times. For comparison it runs the same
without Redis (records rendered inside the approving requests). Writes
docs/benchmarks-approvals.md.

Environment: BENCH_APPROVALS (default 20), BENCH_READERS (reader connections, default 8),
BENCH_IDLE_SECONDS (default 5), BENCH_APPROVALS_INLINE=0 skips the comparison run.

    python -m bench.approvals            # the benchmark
    python -m bench.approvals seed URL N # (internal) N assessments waiting for one approval
    python -m bench.approvals read BASE N  # (internal) N readers until stdin closes
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from bench import run

ROOT = Path(__file__).resolve().parents[1]
APPROVALS = int(os.environ.get("BENCH_APPROVALS", "20"))
READERS = int(os.environ.get("BENCH_READERS", "8"))
IDLE_SECONDS = float(os.environ.get("BENCH_IDLE_SECONDS", "5"))
INLINE = os.environ.get("BENCH_APPROVALS_INLINE", "1") != "0"
TARGET_RATIO = 2.0
OUTPUT = ROOT / "docs" / "benchmarks-approvals.md"
REVIEWER = "klankbord1@demo.utrecht.nl"
OWNER = "indiener@demo.utrecht.nl"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


# --- seeding (own process: the app is created once, with the bench database) -------------


def seed(url: str, count: int) -> None:
    """The demo register and people, then `count` low-risk assessments submitted and waiting
    for one sounding-board member; prints {"token", "ids"} as JSON."""
    os.environ.update({"DATABASE_URL": url, "PORTAL_ENV": "development", "LOG_LEVEL": "ERROR"})
    os.environ.pop("REDIS_URL", None)
    from flask_migrate import upgrade

    from assessments import demo, operations
    from assessments.bank import current_bank
    from portal import create_app
    from portal.auth import operations as accounts
    from portal.extensions import db

    app = create_app()
    with app.app_context():
        upgrade()
        runner = app.test_cli_runner()
        result = runner.invoke(args=["demo", "load"])
        if result.exit_code != 0:
            raise RuntimeError(result.output)
        session = db.session
        owner = accounts.get_by_email(session, OWNER)
        reviewer = accounts.get_by_email(session, REVIEWER)
        bank = current_bank()
        ids = []
        for number in range(count):
            name = f"Bench goedkeuring {number + 1}"
            fields, problems = operations.clean_register_fields(
                {
                    "name": name,
                    "description_short": f"{name}: een hulpmiddel voor de benchmark.",
                    "status": "In ontwikkeling",
                    "publication_category": "Impactvolle algoritmes",
                    "contact_email": "algoritmes@utrecht.nl",
                    "objection_procedure": "<p>Maak binnen zes weken bezwaar.</p>",
                },
                organization=app.config["ORGANIZATION_NAME"],
            )
            if problems:
                raise RuntimeError(f"register fields: {problems}")
            assessment = operations.create(session, owner, fields)
            answers = demo.complete_answers(bank, dict(demo.LOW_RISK))
            operations.update_answers(session, owner, assessment, answers)
            session.flush()
            operations.submit(session, owner, assessment)
            session.commit()
            ids.append(assessment.id)
        token = accounts.issue_token(session, None, reviewer, "bench")[1]
        session.commit()
    print(json.dumps({"token": token, "ids": ids}))


# --- readers (own process, so the load generator's threads do not share our GIL) ---------


def read(base: str, connections: int) -> None:
    """`connections` keep-alive clients cycle through public pages until stdin closes;
    prints [[wall-clock start, seconds, status], ...] as JSON."""
    with urllib.request.urlopen(base + "/api/v1/algorithms?per_page=20", timeout=30) as answer:  # noqa: S310
        slugs = [item["slug"] for item in json.load(answer)["items"]][:10]
    paths = ["/", "/algoritmes", "/algoritmes?q=parkeer", "/api/v1/algorithms"]
    paths += [f"/algoritmes/{slug}" for slug in slugs]
    samples: list[list[float]] = []
    stop = threading.Event()
    target = urlsplit(base)

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        index = offset
        while not stop.is_set():
            path = paths[index % len(paths)]
            index += 1
            wall, started = time.time(), time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            samples.append([wall, time.perf_counter() - started, status])
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    sys.stdin.read()  # until the parent closes it
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    print(json.dumps(samples))


# --- the run --------------------------------------------------------------------------------


class Process:
    def __init__(self, args: list[str], env: dict, **kwargs):
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.DEVNULL, **kwargs
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _wait_for(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start")


def _healthy(base: str) -> bool:
    with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
        return response.status == 200


def _call(url: str, token: str, body: dict | None = None) -> tuple[int, dict, float]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
        url,
        data=data,
        method="POST" if data else "GET",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    except OSError:
        return 0, {}, time.perf_counter() - started
    seconds = time.perf_counter() - started
    try:
        return status, json.loads(text), seconds
    except ValueError:
        return status, {}, seconds  # gunicorn's bare HTML error page, for example


def run_once(url: str, seeded: dict, redis_url: str | None) -> dict:
    """Serve `url`, approve every seeded assessment at once under reader load, and measure."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "PORTAL_ENV": "production",
        "LOG_LEVEL": "WARNING",
        "JSON_LOGS": "0",
        "SITE_URL": base,
        "API_RATE_LIMIT_PER_TOKEN": "100000 per minute",
        "JOBS_QUEUE": f"bench-{port}",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    server = Process(run.gunicorn_command(port), env)
    running = [server]
    try:
        _wait_for(lambda: _healthy(base), "gunicorn")
        if redis_url:
            running.append(
                Process([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], env)
            )
        token = seeded["token"]
        # Warm the workers: the approval path (banks, scoring) and the pages readers ask.
        for assessment_id in seeded["ids"]:
            _call(f"{base}/api/v1/assessments/{assessment_id}", token)
        for path in ("/", "/algoritmes", "/algoritmes?q=parkeer", "/api/v1/algorithms") * 4:
            with urllib.request.urlopen(base + path, timeout=60) as response:  # noqa: S310
                response.read()
        reader = subprocess.Popen(
            [sys.executable, "-m", "bench.approvals", "read", base, str(READERS)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.5 + IDLE_SECONDS)  # the readers' first second is not counted
        approvals: dict[int, tuple[int, dict, float]] = {}
        barrier = threading.Barrier(len(seeded["ids"]))

        def approve(assessment_id: int) -> None:
            barrier.wait()
            approvals[assessment_id] = _call(
                f"{base}/api/v1/assessments/{assessment_id}/reviews", token, {"decision": "approve"}
            )

        threads = [threading.Thread(target=approve, args=(i,)) for i in seeded["ids"]]
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        answered = time.time()
        pending = set(seeded["ids"])
        deadline = time.monotonic() + 600
        while pending and time.monotonic() < deadline:
            for assessment_id in sorted(pending):
                status, body, _seconds = _call(f"{base}/api/v1/assessments/{assessment_id}", token)
                if status == 200 and body.get("record_pending") is False:
                    pending.discard(assessment_id)
            if pending:
                time.sleep(0.5)
        published = time.time()
        time.sleep(IDLE_SECONDS)  # idle again: the readers alone, after the last publication
        reader.stdin.close()
        samples = json.loads(reader.stdout.read())
        reader.wait(timeout=60)
    finally:
        for process in reversed(running):
            process.stop()

    idle_from = min((s[0] for s in samples), default=started) + 1
    # Idle: before the approvals and after the last publication (a noisy moment on a shared
    # machine then weighs on both sides alike).
    idle = [s[1] for s in samples if idle_from <= s[0] < started or published + 0.5 < s[0]]
    busy = [s[1] for s in samples if started <= s[0] <= published]
    outcomes = [body.get("outcome", {}).get("state") for _s, body, _t in approvals.values()]
    return {
        "queue": bool(redis_url),
        "idle_p95_ms": _p95(idle) * 1000,
        "busy_p95_ms": _p95(busy) * 1000,
        "idle_requests": len(idle),
        "busy_requests": len(busy),
        "reader_errors": sum(1 for s in samples if s[2] != 200),
        "approvals": len(approvals),
        "approved": outcomes.count("approved"),
        "approval_statuses": sorted({s for s, _b, _t in approvals.values()}),
        "approval_p50_ms": statistics.median(t for _s, _b, t in approvals.values()) * 1000,
        "approval_max_ms": max(t for _s, _b, t in approvals.values()) * 1000,
        "answered_s": answered - started,
        "published_s": published - started,
        "unpublished": len(pending),
    }


def _start_redis(directory: Path) -> tuple[Process | None, str]:
    configured = os.environ.get("BENCH_REDIS_URL")
    if configured:
        return None, configured
    if not shutil.which("redis-server"):
        raise RuntimeError("redis-server is not installed (Debian package redis-server)")
    port = _free_port()
    redis = Process(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        dict(os.environ),
        stdout=subprocess.DEVNULL,
    )  # fmt: skip

    def answers() -> bool:
        socket.create_connection(("127.0.0.1", port), 1).close()
        return True

    _wait_for(answers, "redis-server")
    return redis, f"redis://127.0.0.1:{port}/0"


def _row(label: str, result: dict) -> str:
    ratio = result["busy_p95_ms"] / result["idle_p95_ms"] if result["idle_p95_ms"] else 0.0
    result["ratio"] = ratio
    return (
        f"| {label} | {result['idle_p95_ms']:.1f} ms | {result['busy_p95_ms']:.1f} ms "
        f"| {ratio:.2f}x | {result['approval_p50_ms']:.0f} ms | {result['approval_max_ms']:.0f} ms "
        f"| {result['published_s']:.1f} s | {result['approved']}/{result['approvals']} "
        f"| {', '.join(str(s) for s in result['approval_statuses'])} "
        f"| {result['reader_errors']} |"
    )


def main() -> int:
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-approvals-") as folder:
        directory = Path(folder)
        template = directory / "seeded.sqlite"
        output = subprocess.run(
            [sys.executable, "-m", "bench.approvals", "seed", f"sqlite:///{template}",
             str(APPROVALS)],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        seeded = json.loads(output.stdout.strip().splitlines()[-1])
        redis, redis_url = _start_redis(directory)
        try:
            runs = []
            copy = directory / "queued.sqlite"
            shutil.copy(template, copy)
            runs.append(
                ("job queue (Redis, 1 RQ worker)", run_once(f"sqlite:///{copy}", seeded, redis_url))
            )
            if INLINE:
                copy = directory / "inline.sqlite"
                shutil.copy(template, copy)
                runs.append(
                    ("in the request (no Redis)", run_once(f"sqlite:///{copy}", seeded, None))
                )
        finally:
            if redis is not None:
                redis.stop()

    rows = [_row(label, result) for label, result in runs]
    queued = runs[0][1]
    met = (
        queued["ratio"] <= TARGET_RATIO
        and queued["approved"] == queued["approvals"]
        and queued["unpublished"] == 0
        and queued["reader_errors"] == 0
    )
    lines = [
        "# Benchmark: readers during simultaneous approvals",
        "",
        "Written by `make bench` (`python -m bench.approvals`); do not edit by hand.",
        "",
        f"Machine: {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, SQLite, {run.gunicorn_settings()}, "
        f"{READERS} reader connections (own process) cycling through public pages, "
        f"{APPROVALS} approvals fired at once after {IDLE_SECONDS:g} s idle. Readers' p95 "
        "idle is measured before the approvals and after the last publication; busy from the "
        "approvals until the last entry is published (records stored). Load average (1 min) "
        f"before the run {load_before:.1f}, after {os.getloadavg()[0]:.1f}: figures taken "
        "on a machine busy with other work are noisy.",
        "",
        "| records rendered | readers p95 idle | readers p95 busy | ratio | approval p50 "
        "| approval max | all published after | approved | approval answers | reader errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
        *rows,
        "",
        "Approval answers are HTTP statuses (201: decided; 503: the database was busy or "
        "unreachable, the decision was not recorded; 0: no answer within 120 s).",
        "",
        f"Target (job queue): readers' p95 during the approvals at most {TARGET_RATIO:g}x idle: "
        + (
            f"**met** ({queued['ratio']:.2f}x)."
            if met
            else f"**not met** ({queued['ratio']:.2f}x)."
        ),
        "",
    ]
    text = "\n".join(lines)
    OUTPUT.write_text(text)
    print(text)
    print(json.dumps(dict(runs), indent=1))
    return 0 if met else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "seed":
        seed(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "read":
        read(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(main())
