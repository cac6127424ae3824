"""`make bench`: seed 1,000 and 100,000 entries, serve with gunicorn (2 workers), drive load
from a second process on 127.0.0.1, and print throughput, latency, record rendering and the
targets as ratios measured in the same run. Writes docs/benchmarks.md.

Environment: BENCH_SECONDS (per endpoint and round, default 3), BENCH_ROUNDS (default 3),
BENCH_CONNECTIONS (default 8),
BENCH_SIZES (default "1000 100000"), BENCH_RESEED=1 to seed again.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "instance" / "bench"
SEED_VERSION = "3"  # bump when bench/seed.py changes what it writes
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))  # per endpoint and round
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "1000 100000").split()]
ENDPOINTS = {
    "healthz": "/healthz",
    "list": "/algoritmes",
    "search": "/algoritmes?q=parkeren",
    "entry": "/algoritmes/parkeervergunning",
    "api": "/api/v1/algorithms",
    "record": "/algoritmes/slim-vegen/record.pdf",
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _head_revision() -> str:
    heads = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("*.py"))
    return heads[-1] if heads else ""


def prepare(size: int) -> tuple[str, float | None]:
    """The database URL for `size` entries, seeding it when needed (seconds taken or None)."""
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"register-{size}.sqlite"
    stamp = DATA / f"register-{size}.stamp"
    wanted = f"{SEED_VERSION} {_head_revision()}"
    url = f"sqlite:///{path}"
    if (
        path.exists()
        and stamp.exists()
        and stamp.read_text() == wanted
        and not os.environ.get("BENCH_RESEED")
    ):
        return url, None
    for old in DATA.glob(f"register-{size}.sqlite*"):
        old.unlink()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bench.seed", url, str(size)], cwd=ROOT, check=True)
    stamp.write_text(wanted)
    return url, time.perf_counter() - started


class Server:
    def __init__(self, url: str):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "PORTAL_ENV": "production",
            "LOG_LEVEL": "WARNING",
            "SITE_URL": self.base,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "gthread",
             "--threads", "4", "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(150):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def load(url: str) -> dict:
    output = subprocess.run(
        [sys.executable, "-m", "bench.load", url, str(SECONDS), str(CONNECTIONS)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(output.stdout)


def measure_endpoints(url: str) -> dict[str, dict]:
    server = Server(url)
    try:
        for path in ENDPOINTS.values():  # warm caches and workers
            for _ in range(5):
                with urllib.request.urlopen(server.base + path, timeout=30) as response:  # noqa: S310
                    response.read()
        # Interleaved rounds, medians per endpoint: a noisy moment on a shared machine then
        # hits every endpoint alike instead of skewing one ratio.
        rounds: dict[str, list[dict]] = {name: [] for name in ENDPOINTS}
        for _ in range(ROUNDS):
            for name, path in ENDPOINTS.items():
                rounds[name].append(load(server.base + path))
        return {
            name: {
                key: statistics.median(r[key] for r in results)
                for key in ("rps", "p50_ms", "p95_ms")
            }
            | {
                "requests": sum(r["requests"] for r in results),
                "errors": sum(r["errors"] for r in results),
            }
            for name, results in rounds.items()
        }
    finally:
        server.stop()


def measure_rendering(url: str, rounds: int = 3) -> dict:
    """Full record rendering (data, template, WeasyPrint, attachment) against WeasyPrint
    alone on the same HTML, medians of `rounds`."""
    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        from assessments import records
        from assessments.models import Assessment
        from portal.extensions import db

        assessment = db.session.scalars(
            db.select(Assessment).where(Assessment.status == "approved")
        ).first()
        version = assessment.versions[-1]
        full, alone = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            records.render(assessment, version, records.RECORD_INTERNAL)
            full.append(time.perf_counter() - started)
            html, _data = records.record_html(assessment, version, records.RECORD_INTERNAL)
            started = time.perf_counter()
            records.html_to_pdf(html, identifier="bench")
            alone.append(time.perf_counter() - started)
    return {
        "full_s": round(statistics.median(full), 3),
        "weasyprint_s": round(statistics.median(alone), 3),
    }


def targets(results: dict[int, dict]) -> list[tuple[str, float, str, bool]]:
    """(target, measured ratio, limit, met) for every target of the issue."""
    rows = []
    for size, result in results.items():
        endpoints = result["endpoints"]
        health = endpoints["healthz"]["rps"]
        for name in ("list", "entry", "api", "record"):
            ratio = endpoints[name]["rps"] / health
            rows.append((f"{size}: {name} rps / healthz rps", ratio, ">= 0.60", ratio >= 0.60))
        search_ratio = endpoints["search"]["p95_ms"] / max(endpoints["list"]["p95_ms"], 0.01)
        if size == max(results):
            rows.append(
                (f"{size}: search p95 / list p95", search_ratio, "< 2.0", search_ratio < 2.0)
            )
        render = result["rendering"]
        ratio = render["full_s"] / render["weasyprint_s"]
        rows.append((f"{size}: record render / WeasyPrint alone", ratio, "<= 1.3", ratio <= 1.3))
    if len(results) > 1:
        small, large = min(results), max(results)
        for name in ENDPOINTS:
            for key in ("p95_ms",):
                ratio = results[large]["endpoints"][name][key] / max(
                    results[small]["endpoints"][name][key], 0.01
                )
                rows.append(
                    (f"{name} {key} at {large} / at {small}", ratio, "<= 1.5", ratio <= 1.5)
                )
    return rows


def report(results: dict[int, dict], seeding: dict[int, float | None]) -> str:
    lines = [
        "# Benchmark",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M')} UTC with `make bench` on {platform.node()}: "
        f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}, SQLite. gunicorn 2 workers x 4 threads; load from a "
        f"second process, {CONNECTIONS} keep-alive connections, {ROUNDS} interleaved rounds of "
        f"{SECONDS:g} s per endpoint (medians), on "
        "the same machine (shared and noisy: compare ratios, not absolute numbers).",
        "",
        "The public pages and API are measured as readers get them: after a warm-up, from the "
        "page cache, whose keys carry the register's generation (never stale after a "
        "publication). `CACHE_TYPE=NullCache make bench` measures every request rendered from "
        "the database instead. The record download serves stored bytes either way.",
        "",
    ]
    for size, result in results.items():
        seeded = seeding[size]
        lines += [
            f"## {size:,} entries"
            + (f" (seeded in {seeded:.0f} s)" if seeded else " (seed reused)"),
            "",
            "| endpoint | req/s | p50 ms | p95 ms | errors | rps vs healthz |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        health = result["endpoints"]["healthz"]["rps"]
        for name, figures in result["endpoints"].items():
            lines.append(
                f"| {name} `{ENDPOINTS[name]}` | {figures['rps']} | {figures['p50_ms']} | "
                f"{figures['p95_ms']} | {figures['errors']} | {figures['rps'] / health:.2f} |"
            )
        render = result["rendering"]
        lines += [
            "",
            f"Record PDF: full rendering {render['full_s']} s, WeasyPrint alone on the same "
            f"HTML {render['weasyprint_s']} s.",
            "",
        ]
    lines += ["## Targets", "", "| target | measured | limit | met |", "| --- | ---: | --- | --- |"]
    for name, ratio, limit, met in targets(results):
        lines.append(f"| {name} | {ratio:.2f} | {limit} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    results, seeding = {}, {}
    for size in SIZES:
        url, seeding[size] = prepare(size)
        print(
            f"== {size} entries" + (f", seeded in {seeding[size]:.1f} s" if seeding[size] else "")
        )
        endpoints = measure_endpoints(url)
        for name, figures in endpoints.items():
            print(f"  {name:8} {figures}")
        rendering = measure_rendering(url)
        print(f"  record rendering {rendering}")
        results[size] = {"endpoints": endpoints, "rendering": rendering}
    text = report(results, seeding)
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text(text, encoding="utf-8")
    print()
    print(text)


if __name__ == "__main__":
    main()
