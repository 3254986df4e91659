"""HTTP under load: gunicorn serving the app on 127.0.0.1, load from a separate process at a fixed rate.

    python -m bench.http_load [--quick]

For each endpoint (eligibility, the bot channel, referral creation) it reports throughput and
p50/p95/p99 latency beside the trivial JSON endpoint of the same server, at a fixed arrival rate
(300 req/s by default: the target is eligibility p99 < 25 ms there), plus the server's peak memory.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

from bench.server import gunicorn, load

OUT = Path(__file__).parent / "out"
# Arrival rates: the target rate for eligibility (and its empty-endpoint baseline); the bot channel and
# referral creation write to the database on every request, so they are measured at a rate they can
# sustain on this machine (their ceiling is the max_throughput figure).
RATES = {"empty": 300, "eligibility": 300, "bot_turn": 100, "referral_create": 100}


def _peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of the gunicorn master and its workers, summed, in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            continue
    return round(total / 1024, 1)


def scenarios() -> list[tuple[str, str, str]]:
    referral = {
        "pathway": "ips_smi",
        "facts": {"conditions": ["psychosis"], "wants_paid_work": True, "age": 34, "postcode": "S1 2AB"},
        "person": {"first_name": "Sam", "phone": "07700 900123"},
        "consents": {"share_with_service": True, "sms_promotions": False},
    }
    return [
        ("empty", "/bench/empty", "{}"),
        ("eligibility", "/api/v1/eligibility",
         json.dumps({"conditions": ["psychosis"], "wants_paid_work": True, "age": 34, "postcode": "S1 2AB"})),
        ("bot_turn", "/webhooks/rest/webhook", json.dumps({"sender": f"bench-{uuid.uuid4().hex[:8]}", "message": "hello"})),
        ("referral_create", "/api/v1/referrals", json.dumps(referral)),
    ]


def run(quick: bool) -> dict:
    results: dict = {"rates": RATES, "endpoints": {}}
    seconds = 5 if quick else 20
    with gunicorn(workers=2, threads=4) as (base, server):
        time.sleep(1.0)
        for name, path, body in scenarios():
            url = base + path
            load(url, body, 200)  # warm-up
            results["endpoints"][name] = {
                "rate": RATES[name],
                "fixed_rate": load(url, body, RATES[name] * seconds, connections=16, rate=RATES[name]),
                "max_throughput": load(url, body, 1500 if quick else 4000, connections=16),
            }
        results["peak_rss_mb"] = _peak_rss_mb(server.pid)
    return results


def main() -> None:
    quick = "--quick" in sys.argv
    results = run(quick)
    OUT.mkdir(exist_ok=True)
    (OUT / "http_load.json").write_text(json.dumps(results, indent=2))
    print("HTTP, gunicorn 2 workers x 4 threads on 127.0.0.1; load from a separate process at a fixed rate:")
    for name, r in results["endpoints"].items():
        fixed, peak = r["fixed_rate"], r["max_throughput"]
        print(f"  {name:<16} at {r['rate']:>3} req/s  p50 {fixed['p50_ms']:>6} ms  p95 {fixed['p95_ms']:>6} ms  "
              f"p99 {fixed['p99_ms']:>6} ms  errors {fixed['errors']:>3}   max {peak['throughput']:>7,.0f} req/s")
    print(f"  peak server memory (master + workers): {results['peak_rss_mb']} MB")


if __name__ == "__main__":
    main()
