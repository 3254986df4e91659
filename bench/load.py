"""A small HTTP load generator, run as a separate process: keep-alive connections, fixed request count.

    python -m bench.load URL METHOD BODY_JSON_OR_- CONNECTIONS REQUESTS [RATE_PER_SECOND]

Prints one JSON line: requests, errors, seconds, throughput, p50/p95/p99 latency (ms). With a rate,
requests are paced (open loop: latency is measured from the scheduled start, so queueing shows).
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit


def run(url: str, method: str, body: bytes | None, connections: int, requests: int, rate: float | None) -> dict:
    parts = urlsplit(url)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))
    start = time.perf_counter()

    def worker():
        nonlocal errors
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            scheduled = start + index / rate if rate else time.perf_counter()
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                conn.request(method, parts.path or "/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status < 500
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            elapsed = time.perf_counter() - scheduled
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    latencies.sort()
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    return {
        "requests": len(latencies),
        "errors": errors,
        "seconds": round(seconds, 3),
        "throughput": round(len(latencies) / seconds, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p95_ms": round(quantiles[94] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
    }


if __name__ == "__main__":
    url, method, raw, connections, requests = sys.argv[1:6]
    rate = float(sys.argv[6]) if len(sys.argv) > 6 else None
    payload = None if raw == "-" else raw.encode()
    print(json.dumps(run(url, method, payload, int(connections), int(requests), rate)))
