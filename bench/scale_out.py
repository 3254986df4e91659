"""Scale-out: referral creation and bot turns per second on SQLite, and on PostgreSQL with one and two instances.

    python -m bench.scale_out [--quick]

Each instance is gunicorn (2 workers x 4 threads) on 127.0.0.1; load comes from separate processes, 16
keep-alive connections per instance, closed loop (the throughput the writes can sustain). With two
instances the load is split across both at once and their throughputs summed. PostgreSQL is the one at
``BENCH_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``): a fresh database for the
run, dropped after. Everything shares this machine's CPUs (the servers, PostgreSQL and the load), so two
instances here show what the shared database allows, not what two machines would add.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.http_load import scenarios
from bench.server import gunicorn, load

OUT = Path(__file__).parent / "out"
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
MEASURED = ("referral_create", "bot_turn")


@contextlib.contextmanager
def fresh_postgres():
    """A fresh database for the run (``rs_bench_<pid>``), dropped after; None when PostgreSQL does not answer."""
    import psycopg

    try:
        admin = psycopg.connect(BASE_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error:
        yield None
        return
    name = f"rs_bench_{os.getpid()}"
    with admin:
        admin.execute(f"drop database if exists {name}")
        admin.execute(f"create database {name}")
    try:
        yield BASE_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(BASE_URL, autocommit=True) as admin:
            admin.execute(f"drop database if exists {name} with (force)")


def _measure(bases: list[str], requests: int) -> dict[str, dict]:
    """Per scenario: requests per second summed over the instances, and the worst p99 among them."""
    figures = {}
    by_name = {name: (path, body) for name, path, body in scenarios()}
    for name in MEASURED:
        path, body = by_name[name]
        for base in bases:
            load(base + path, body, 100)  # warm-up
        with ThreadPoolExecutor(len(bases)) as pool:
            results = list(pool.map(lambda base, path=path, body=body: load(base + path, body, requests, connections=16),
                                    bases))
        figures[name] = {"per_second": round(sum(r["throughput"] for r in results), 1),
                         "p99_ms": max(r["p99_ms"] for r in results),
                         "errors": sum(r["errors"] for r in results)}
    return figures


def run(quick: bool) -> dict:
    requests = 600 if quick else 3000
    results: dict = {"requests_per_instance": requests, "setups": {}}
    with gunicorn(workers=2, threads=4) as (base, _server):
        results["setups"]["sqlite_1_instance"] = _measure([base], requests)
    with fresh_postgres() as url:
        if url is None:
            results["postgres"] = f"no PostgreSQL at {BASE_URL}: skipped"
            return results
        env = {"DATABASE_URL": url}
        with gunicorn(workers=2, threads=4, env=env) as (base, _server):
            results["setups"]["postgres_1_instance"] = _measure([base], requests)
        with gunicorn(workers=2, threads=4, env=env) as (one, _a), gunicorn(workers=2, threads=4, env=env) as (two, _b):
            time.sleep(1.0)
            results["setups"]["postgres_2_instances"] = _measure([one, two], requests)
    return results


def main() -> None:
    quick = "--quick" in sys.argv
    results = run(quick)
    OUT.mkdir(exist_ok=True)
    (OUT / "scale_out.json").write_text(json.dumps(results, indent=2))
    print(f"Writes per second, gunicorn 2 workers x 4 threads per instance, {os.cpu_count()} CPUs shared by all:")
    for setup, figures in results["setups"].items():
        line = "  ".join(f"{name} {f['per_second']:>7,.1f}/s (p99 {f['p99_ms']} ms, errors {f['errors']})"
                         for name, f in figures.items())
        print(f"  {setup:<22} {line}")
    if "postgres" in results:
        print(f"  {results['postgres']}")


if __name__ == "__main__":
    main()
