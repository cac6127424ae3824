"""Load generation: `wrk` (a C load generator that does not starve the server of CPU) where it
is installed, else a Python fallback in its own process. Each request is drawn at random from
a pool of paths (a pool of one path is the repeated-URL, cached figure).

    python -m bench.load BASE POOL_FILE SECONDS CONNECTIONS   (the Python fallback)
"""

from __future__ import annotations

import http.client
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = r"""
local paths = {}
local pool = os.getenv("BENCH_POOL")
for line in io.lines(pool) do paths[#paths + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %f, "p50_ms": %f, "p95_ms": %f, '
    .. '"p99_ms": %f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, bad))
end
"""


def generator() -> str:
    return "wrk" if shutil.which("wrk") else "python (wrk not installed)"


def run(base: str, paths: list[str], seconds: float, connections: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        pool = Path(folder) / "pool.txt"
        pool.write_text("\n".join(paths) + "\n", encoding="utf-8")
        if shutil.which("wrk"):
            script = Path(folder) / "pool.lua"
            script.write_text(WRK_SCRIPT)
            output = subprocess.run(
                [shutil.which("wrk") or "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s",
                 "--timeout", "30s", "-s", str(script), base],
                check=True, capture_output=True, text=True, env={"BENCH_POOL": str(pool)},
            ).stdout  # fmt: skip
            line = next(x for x in output.splitlines() if x.startswith("BENCH "))
            result = json.loads(line[6:])
        else:
            output = subprocess.run(
                [sys.executable, "-m", "bench.load", base, str(pool), str(seconds),
                 str(connections)],
                check=True, capture_output=True, text=True,
            ).stdout  # fmt: skip
            result = json.loads(output)
    return {
        "requests": result["requests"],
        "rps": round(result["requests"] / max(result["seconds"], 0.001), 1),
        "p50_ms": round(result["p50_ms"], 2),
        "p95_ms": round(result["p95_ms"], 2),
        "p99_ms": round(result["p99_ms"], 2),
        "errors": result["errors"],
    }


def _client(base, paths, stop_at: float, latencies: list[float], errors: list[int]) -> None:
    target = urlsplit(base)
    rng = random.Random()  # noqa: S311 - load, not security
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        try:
            connection.request("GET", rng.choice(paths))
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors.append(0)
            connection.close()
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status >= 400:
            errors.append(response.status)
    connection.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def _python_load(base: str, pool: Path, seconds: float, connections: int) -> dict:
    paths = pool.read_text(encoding="utf-8").split()
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    threads = [
        threading.Thread(target=_client, args=(base, paths, started + seconds, latencies, errors))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "requests": len(latencies),
        "seconds": time.perf_counter() - started,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p95_ms": _percentile(latencies, 0.95) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "errors": len(errors),
    }


if __name__ == "__main__":
    print(
        json.dumps(
            _python_load(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
        )
    )
