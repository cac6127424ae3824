"""`make bench`: seed a small and a large register (SQLite, and PostgreSQL when one answers),
serve each with gunicorn as production does (gunicorn.conf.py), drive load with `wrk` on
127.0.0.1, and print and write (docs/benchmarks.md) every figure and target, all measured in
the same run:

- cold: requests drawn at random from pools of varied searches, list pages and entries
  built from the register's own words, filter values and slugs (bench/pools.py);
- cached: one popular URL repeated (the page cache);
- Datasette on the same rows with an FTS5 index (bench/datasette.py), in its own virtual
  environment, searched with the same words;
- record rendering against plain WeasyPrint calls on the same HTML (same options, and bare);
- `register import` of the large register's entries (every row validated).

Environment: BENCH_QUICK=1 (small sizes, short runs, for a quick check), BENCH_SECONDS
(per measurement, default 8), BENCH_CONNECTIONS (default 8), BENCH_SIZES (default
"1500 100000"), BENCH_DATABASES (default "sqlite postgresql"), BENCH_POSTGRES_URL (default
postgresql+psycopg://postgres@127.0.0.1:5432/bench), BENCH_IMPORT_ROWS (default: 20,000,
at most the large size), BENCH_IMPORT_SECONDS (the import's time limit, default 600),
BENCH_OUTPUT (default docs/benchmarks.md), BENCH_RESEED=1 to seed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import datasette, load, pools

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BENCH_DATA", ROOT / "instance" / "bench"))
SEED_VERSION = "5"  # bump when bench/seed.py changes what it writes
QUICK = bool(os.environ.get("BENCH_QUICK"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "2" if QUICK else "8"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
DATASETTE_SECONDS = max(SECONDS, float(os.environ.get("BENCH_DATASETTE_SECONDS", "20")))
SIZES = [
    int(s) for s in os.environ.get("BENCH_SIZES", "300 1500" if QUICK else "1500 100000").split()
]
DATABASES = os.environ.get("BENCH_DATABASES", "sqlite postgresql").split()
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
)
# One file per run: a run of one database alone can write beside the other's.
OUTPUT = ROOT / os.environ.get("BENCH_OUTPUT", "docs/benchmarks.md")
# Enough rows for a steady rate, from the large register (every row validated, minutes at most).
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", str(min(20_000, max(SIZES)))))
CACHED = {
    "list": "/algoritmes",
    "search": "/algoritmes?q=parkeren",
    "entry": "/algoritmes/parkeervergunning",
    "api": "/api/v1/algorithms?q=parkeren",
    "record": "/algoritmes/slim-vegen/record.pdf",
}
COLD = ("healthz", "list", "search", "api", "entry")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _head_revision() -> str:
    """A digest of every migration: a seed made under other migrations is made again."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _postgres_url(size: int) -> str:
    return f"{POSTGRES_URL}_{size}"


def _postgres_answers() -> bool:
    import psycopg

    # The server, not the database: the benchmark makes its own databases (bench_<size>).
    server = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
    try:
        psycopg.connect(f"{server}/postgres", connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def _create_postgres(url: str) -> None:
    import psycopg

    admin, name = url.rsplit("/", 1)
    with psycopg.connect(
        admin.replace("postgresql+psycopg://", "postgresql://") + "/postgres", autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare(kind: str, size: int) -> tuple[str, float | None]:
    """The database URL for `size` entries, seeding it when needed (seconds taken or None)."""
    DATA.mkdir(parents=True, exist_ok=True)
    stamp = DATA / f"{kind}-{size}.stamp"
    wanted = f"{SEED_VERSION} {_head_revision()}"
    if kind == "sqlite":
        path = DATA / f"register-{size}.sqlite"
        url = f"sqlite:///{path}"
    else:
        url = _postgres_url(size)
    if stamp.exists() and stamp.read_text() == wanted and not os.environ.get("BENCH_RESEED"):
        return url, None
    if kind == "sqlite":
        for old in DATA.glob(f"register-{size}.sqlite*"):
            old.unlink()
    else:
        _create_postgres(url)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bench.seed", url, str(size)], cwd=ROOT, check=True)
    stamp.write_text(wanted)
    return url, time.perf_counter() - started


def gunicorn_command(port: int) -> list[str]:
    """The app server as production starts it: `gunicorn wsgi:app` with the project's
    gunicorn.conf.py (read from the working directory), on a port of its own."""
    return [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "wsgi:app"]


def gunicorn_settings() -> str:
    """How the servers ran, from gunicorn.conf.py (as the benchmark's own environment sets it)."""
    import runpy

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return f"gunicorn {settings['workers']} {settings['worker_class']} workers (gunicorn.conf.py)"


class Server:
    def __init__(self, url: str, *, page_cache: bool = True):
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
        if not page_cache:
            # Every request renders, as for a reader whose page nobody asked for just before.
            env["CACHE_TYPE"] = "NullCache"
        self.process = subprocess.Popen(
            gunicorn_command(self.port), cwd=ROOT, env=env, start_new_session=True,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(150):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def get(self, path: str) -> None:
        with urllib.request.urlopen(self.base + path, timeout=60) as response:  # noqa: S310
            response.read()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def measure_server(
    url: str, pool: dict[str, list[str]], copies: dict[str, Path], venv: Path
) -> dict:
    """Cold and cached figures of the app and Datasette's, interleaved in one run. Cold
    figures come from a server without the page cache: from a pool of 1,200 entries a
    small register answers several times more requests than a large one in the same time,
    and with the cache those would be hits, so the two sizes would not compare."""
    figures: dict[str, dict] = {}
    for page_cache in (False, True):
        server = Server(url, page_cache=page_cache)
        try:
            for path in ["/healthz", *CACHED.values()]:
                server.get(path)
            # Every worker compiles its templates and fills its caches on its first requests
            # (each built its facet tables at start): a few seconds of mixed requests first.
            mixed = [*CACHED.values()] + [p for name in COLD[1:] for p in pool[name][:40]]
            load.run(server.base, mixed, min(SECONDS, 4), CONNECTIONS)
            if not page_cache:
                figures["healthz"] = load.run(server.base, ["/healthz"], SECONDS, CONNECTIONS)
                for name in COLD[1:]:
                    figures[name] = load.run(server.base, pool[name], SECONDS, CONNECTIONS)
                continue
            for name, path in CACHED.items():
                figures[f"cached {name}"] = load.run(server.base, [path], SECONDS, CONNECTIONS)
        finally:
            server.stop()
    for index, copy in copies.items():
        other = datasette.Datasette(venv, copy, _free_port())
        prefix = "datasette" if index == "trigram" else f"datasette {index}"
        try:
            for json_ in (False, True):
                paths = other.paths(pool["words"], json=json_)
                for path in paths[:3]:
                    urllib.request.urlopen(other.base + path, timeout=60).read()  # noqa: S310
                name = f"{prefix} api" if json_ else f"{prefix} search"
                # Longer, so a server that takes seconds per search still answers enough.
                figures[name] = load.run(other.base, paths, DATASETTE_SECONDS, CONNECTIONS)
        finally:
            other.stop()
    return figures


# A plain WeasyPrint call in its own process, median of three: "bare" with no options,
# "same" with the options every record is made with (PDF/A-3b, a structure tree for screen
# readers, the document identifier and the JSON attachment), so the app's own overhead is
# what the target measures and the cost of those two features is shown beside it.
WEASYPRINT_ALONE = """
import sys, time
import weasyprint
html = open(sys.argv[1], encoding="utf-8").read()
same = sys.argv[3] == "same"
attachment = open(sys.argv[4], encoding="utf-8").read() if same else ""
times = []
for _ in range(3):
    started = time.perf_counter()
    options = {}
    if same:  # an attachment is read once: a new one for each rendering
        options = dict(pdf_variant="pdf/a-3b", pdf_tags=True, pdf_identifier=b"bench",
                       attachments=[weasyprint.Attachment(string=attachment, name="a.json")])
    pdf = weasyprint.HTML(string=html, base_url=sys.argv[2]).write_pdf(
        stylesheets=[weasyprint.CSS(filename=sys.argv[2] + "/css/record.css")], **options)
    times.append(time.perf_counter() - started)
print(sorted(times)[1], len(pdf))
"""

# The app's full rendering (record data, template, PDF, attachment) in a fresh process, with
# the app a job worker or web worker has (wsgi.py, configured from the environment), median
# of three.
APP_RENDER = """
import sys, time
from wsgi import app
with app.app_context():
    from assessments import records
    from assessments.models import RECORD_INTERNAL, Assessment
    from portal.extensions import db
    assessment = db.session.scalars(
        db.select(Assessment).where(Assessment.status == "approved")).first()
    version = assessment.versions[-1]
    times = []
    for _ in range(3):
        started = time.perf_counter()
        pdf = records.render(assessment, version, RECORD_INTERNAL)
        times.append(time.perf_counter() - started)
    html, data = records.record_html(assessment, version, RECORD_INTERNAL)
    open(sys.argv[2], "w", encoding="utf-8").write(html)
    open(sys.argv[3], "w", encoding="utf-8").write(
        json.dumps(data, ensure_ascii=False, indent=1, default=str))
print(sorted(times)[1], len(pdf))
""".replace("import sys, time", "import json, sys, time")


def _seconds_and_bytes(*command: str, env: dict | None = None) -> tuple[float, int]:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    if done.returncode:
        raise RuntimeError(f"rendering failed: {done.stderr[-6000:]}")
    out = done.stdout
    seconds, size = out.split()[-2:]
    return round(float(seconds), 3), int(size)


def measure_rendering(url: str) -> dict:
    """The app's full record rendering against plain WeasyPrint calls on the same HTML, each
    in its own process (not the app's function)."""
    with tempfile.TemporaryDirectory() as folder:
        html, data = Path(folder) / "record.html", Path(folder) / "record.json"
        full_s, full_bytes = _seconds_and_bytes(
            sys.executable, "-c", APP_RENDER, url, str(html), str(data),
            env={**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench",
                 "LOG_LEVEL": "WARNING", "PORTAL_ENV": "production"},
        )  # fmt: skip
        same_s, same_bytes = _seconds_and_bytes(
            sys.executable, "-c", WEASYPRINT_ALONE, str(html), str(ROOT / "static"), "same",
            str(data),
        )  # fmt: skip
        bare_s, bare_bytes = _seconds_and_bytes(
            sys.executable, "-c", WEASYPRINT_ALONE, str(html), str(ROOT / "static"), "bare"
        )
    return {
        "full_s": full_s,
        "full_bytes": full_bytes,
        "weasyprint_s": same_s,
        "weasyprint_bytes": same_bytes,
        "bare_s": bare_s,
        "bare_bytes": bare_bytes,
    }


def measure_import(kind: str, source_url: str) -> dict:
    """`register import` of IMPORT_ROWS entries exported from the large register, into an
    empty database, through the command line (every row validated), timed from the start
    of the command to its end (start-up and the similar-entries refresh included).

    Bounded in time: after BENCH_IMPORT_SECONDS (default 600) the import is stopped, and
    the rate is that of the rows its last progress line says are stored."""
    limit = float(os.environ.get("BENCH_IMPORT_SECONDS", "600"))
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    env = {**os.environ, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "PORTAL_ENV": "production"}
    export = DATA / f"export-{kind}-{IMPORT_ROWS}-{_head_revision()}.json"
    if not export.exists():
        subprocess.run(
            [*flask, "register", "export", "-o", str(export)],
            cwd=ROOT, env={**env, "DATABASE_URL": source_url}, check=True,
            capture_output=True,
        )  # fmt: skip
        rows = json.loads(export.read_text(encoding="utf-8"))[:IMPORT_ROWS]
        export.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    rows = len(json.loads(export.read_text(encoding="utf-8")))
    if kind == "sqlite":
        target = DATA / "import-target.sqlite"
        for old in DATA.glob("import-target.sqlite*"):
            old.unlink()
        url = f"sqlite:///{target}"
    else:
        url = f"{POSTGRES_URL}_import"
        _create_postgres(url)
    env["DATABASE_URL"] = url
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [*flask, "register", "import", str(export)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    stopped = False
    try:
        stdout, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        stopped = True
    seconds = time.perf_counter() - started
    if process.returncode and not stopped:
        raise RuntimeError(f"register import failed: {stderr[-2000:]}")
    summary = [line for line in stdout.splitlines() if " imported, " in line][-1:]
    progress = [line for line in stderr.splitlines() if line.startswith("progress")]
    done = rows
    if stopped:
        # "progress: 1,500/20,000 rows, 1,500 stored, ...": what the stopped import kept.
        stored = [line.split(" rows, ")[1].split(" stored")[0] for line in progress]
        done = int(stored[-1].replace(",", "")) if stored else 0
    # "progress: 20,000/20,000 rows, done in 14.2 s": the import without start-up and the
    # similar-entries refresh.
    finished = [
        line.rsplit(" in ", 1)[1].removesuffix(" s") for line in progress if "done in" in line
    ]
    return {
        "rows": done,
        "seconds": round(seconds, 1),
        "rate": round(done / seconds, 1),
        "summary": summary[0]
        if summary
        else f"stopped after {limit:.0f} s with {done:,} of {rows:,} rows stored",
        "progress_lines": len(progress),
        "import_seconds": float(finished[0]) if finished else None,
        "stopped": stopped,
    }


def targets(kind: str, results: dict[int, dict]) -> list[tuple[str, str, str, bool]]:
    """(target, measured, limit, met) for every target of issue 14."""
    rows = []
    large, small = max(results), min(results)
    figures = results[large]["figures"]
    health = figures["healthz"]["rps"]

    def add(name: str, value: float, limit: str, met: bool, fmt: str = "{:.2f}") -> None:
        rows.append((f"{kind} {large:,}: {name}", fmt.format(value), limit, met))

    ratio = figures["list"]["rps"] / health
    add("list pages req/s / healthz req/s", ratio, ">= 0.05", ratio >= 0.05)
    ratio = figures["entry"]["rps"] / health
    add("entry pages req/s / healthz req/s", ratio, ">= 0.50", ratio >= 0.50)
    for ours, theirs, label in (
        ("search", "datasette search", "search pages req/s / Datasette HTML search"),
        ("api", "datasette api", "API search req/s / Datasette JSON search"),
        ("search", "datasette words search", "search pages req/s / Datasette HTML, word index"),
        ("api", "datasette words api", "API search req/s / Datasette JSON, word index"),
    ):
        # Nothing answered in time: no ratio to claim.
        if not figures.get(theirs, {}).get("requests"):
            rows.append((f"{kind} {large:,}: {label}", "not measured", ">= 3.0", False))
            continue
        ratio = figures[ours]["rps"] / figures[theirs]["rps"]
        add(label, ratio, ">= 3.0", ratio >= 3.0)
    for name in ("search", "api"):
        p99 = figures[name]["p99_ms"]
        add(f"{name} p99 ms", p99, "<= 300", p99 <= 300, "{:.0f}")
    if small != large:
        for name in COLD:
            ratio = figures[name]["p95_ms"] / max(results[small]["figures"][name]["p95_ms"], 0.01)
            add(f"{name} p95 / p95 at {small:,}", ratio, "<= 1.5", ratio <= 1.5)
    render = results[large]["rendering"]
    ratio = render["full_s"] / render["weasyprint_s"]
    add("record render / plain WeasyPrint, same options", ratio, "<= 1.3", ratio <= 1.3)
    if results[large].get("import"):
        rate = results[large]["import"]["rate"]
        add("register import entries/s", rate, ">= 1000", rate >= 1000, "{:.0f}")
    return rows


def _figure_rows(figures: dict[str, dict]) -> list[str]:
    health = figures["healthz"]["rps"]
    lines = [
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | vs healthz |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, f in figures.items():
        lines.append(
            f"| {name} | {f['requests']} | {f['rps']} | {f['p50_ms']} | {f['p95_ms']} | "
            f"{f['p99_ms']} | {f['errors']} | {f['rps'] / health:.1%} |"
        )
    return lines


def report(all_results: dict[str, dict[int, dict]], pool_sizes: dict[str, int]) -> str:
    lines = [
        "# Benchmark",
        "",
        "Every figure on this page is written by `make bench` (bench/run.py); do not edit it.",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC on {platform.node()}: "
        f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}. {gunicorn_settings()}; load generator: "
        f"{load.generator()}, {CONNECTIONS} connections, {SECONDS:g} s per "
        "measurement, on the same machine as the servers (shared and noisy: compare the "
        "ratios, measured in the same run, not the absolute numbers)."
        + (" Quick mode (BENCH_QUICK)." if QUICK else ""),
        "",
        "Cold figures draw every request at random from a pool: "
        + ", ".join(f"{name} {count:,}" for name, count in pool_sizes.items())
        + " (searches are words and word pairs from the register's own vocabulary, list "
        "pages page/filter/sort combinations, entries slugs), served with the page cache "
        "off (`CACHE_TYPE=NullCache`), so every request renders. `cached` rows repeat one URL "
        "on a server with the page cache (hits). `datasette` rows are "
        "Datasette serving the same rows from SQLite with an FTS5 trigram index (the "
        "register's own matching rules), `datasette words` rows the same with FTS5's default "
        "word index (whole words only: a cheaper lookup that finds less), both searched with "
        f"the same pool of words in the same run, {DATASETTE_SECONDS:g} s per measurement. "
        "Record rendering compares the app's full rendering (record data, template, PDF) "
        "with plain WeasyPrint calls on the same HTML, each in a fresh process: with the "
        "options every record is made with (PDF/A-3b, a structure tree for screen readers, "
        "the JSON attachment; the target) and bare (no options, for the cost of those).",
        "",
    ]
    for kind, results in all_results.items():
        for size, result in results.items():
            seeded = result["seeded"]
            lines += [
                f"## {kind}, {size:,} entries"
                + (f" (seeded in {seeded:.0f} s)" if seeded else " (seed reused)"),
                "",
                *_figure_rows(result["figures"]),
                "",
            ]
            render = result["rendering"]
            lines.append(
                f"Record PDF: full rendering {render['full_s']} s ({render['full_bytes']:,} "
                f"bytes); plain WeasyPrint on the same HTML with the same options "
                f"{render['weasyprint_s']} s ({render['weasyprint_bytes']:,} bytes), bare "
                f"{render['bare_s']} s ({render['bare_bytes']:,} bytes)."
            )
            if result.get("import"):
                imp = result["import"]
                lines.append(
                    f"`register import` of {imp['rows']:,} entries into an empty register: "
                    f"{imp['seconds']} s, {imp['rate']:,} entries/s ({imp['summary']}; "
                    f"{imp['progress_lines']} progress lines)."
                )
            lines.append("")
    lines += ["## Targets", "", "| target | measured | limit | met |", "| --- | ---: | --- | --- |"]
    for kind, results in all_results.items():
        for name, value, limit, met in targets(kind, results):
            lines.append(f"| {name} | {value} | {limit} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    kinds = [k for k in DATABASES if k == "sqlite" or (k == "postgresql" and _postgres_answers())]
    skipped = [k for k in DATABASES if k not in kinds]
    if skipped:
        print(f"== skipped (no server answers): {', '.join(skipped)}")
    venv = datasette.ensure_venv(ROOT / "bench" / ".venv-datasette")
    all_results: dict[str, dict[int, dict]] = {}
    pool_sizes: dict[str, int] = {}
    for kind in kinds:
        all_results[kind] = {}
        for size in SIZES:
            url, seeded = prepare(kind, size)
            print(f"== {kind}, {size} entries" + (f", seeded in {seeded:.1f} s" if seeded else ""))
            pool = pools.build(url)
            pool_sizes = {name: len(pool[name]) for name in ("search", "list", "entry")}
            copies = {
                index: datasette.build_copy(
                    url, DATA / f"datasette-{index}-{size}.db", str(size), index
                )
                for index in datasette.TOKENIZERS
            }
            figures = measure_server(url, pool, copies, venv)
            for name, f in figures.items():
                print(f"  {name:18} {f}")
            rendering = measure_rendering(url)
            print(f"  record rendering {rendering}")
            all_results[kind][size] = {
                "figures": figures,
                "rendering": rendering,
                "seeded": seeded,
                "url": url,
            }
        if IMPORT_ROWS:
            # Rows exported from the smallest register that has enough of them.
            source = min((s for s in SIZES if s >= IMPORT_ROWS), default=max(SIZES))
            imported = measure_import(kind, all_results[kind][source]["url"])
            all_results[kind][max(SIZES)]["import"] = imported
            print(f"  import {imported}")
    text = report(all_results, pool_sizes)
    OUTPUT.parent.mkdir(exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print()
    print(text)


if __name__ == "__main__":
    main()
