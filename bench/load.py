"""Load generator, run as its own process: CONNECTIONS keep-alive clients request one URL
for SECONDS and report requests per second and latency percentiles as JSON.

    python -m bench.load URL SECONDS CONNECTIONS
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def _client(url: str, stop_at: float, latencies: list[float], errors: list[int]) -> None:
    target = urlsplit(url)
    path = target.path + (f"?{target.query}" if target.query else "")
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            errors.append(0)
            connection.close()
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            errors.append(response.status)
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    connection.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run(url: str, seconds: float, connections: int) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    stop_at = started + seconds
    threads = [
        threading.Thread(target=_client, args=(url, stop_at, latencies, errors))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
        "errors": len(errors),
    }


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))))
