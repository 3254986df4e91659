"""Against a real server process on 127.0.0.1: concurrent retries and a crash mid-request."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from ..processes import wait_for_http, wait_until
from .referral_helpers import referral_body

CLI = Path(sys.executable).with_name("referral-service")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "DATABASE_PATH": str(tmp_path / "server.db"),
           "RATELIMIT_ENABLED": "false", "LOG_LEVEL": "WARNING"}
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(CLI), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz", what="referral-service serve", process=process, log_path=log_path)
    except AssertionError:
        process.kill()
        raise
    yield {"base": base, "process": process, "db": tmp_path / "server.db"}
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _count(db_path: Path, sql: str) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def test_twenty_concurrent_retries_with_one_key_create_exactly_one_referral(server):
    barrier = threading.Barrier(20)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send():
        barrier.wait()
        response = requests.post(f"{server['base']}/api/v1/referrals", json=referral_body(),
                                 headers={"Idempotency-Key": "same-key-20"}, timeout=30)
        with lock:
            results.append((response.status_code, response.json()))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in results] == [201] * 20
    assert len({body["reference"] for _, body in results}) == 1
    assert all(body == results[0][1] for _, body in results)
    assert _count(server["db"], "select count(*) from referrals") == 1
    assert _count(server["db"], "select count(*) from consent_records") == 2  # share + sms answer


def test_killing_the_server_mid_request_leaves_no_half_written_referral(server):
    stop = threading.Event()
    outcomes = {"created": 0, "cut_off": 0}
    lock = threading.Lock()

    def keep_sending(worker: int):
        n = 0
        while not stop.is_set():
            n += 1
            try:
                response = requests.post(f"{server['base']}/api/v1/referrals", json=referral_body(),
                                         headers={"Idempotency-Key": f"w{worker}-{n}"}, timeout=10)
                with lock:
                    outcomes["created"] += response.status_code == 201
            except requests.RequestException:
                with lock:
                    outcomes["cut_off"] += 1
                return

    threads = [threading.Thread(target=keep_sending, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    wait_until(lambda: outcomes["created"] >= 15, what="15 referrals created before the kill", process=server["process"])
    server["process"].send_signal(signal.SIGKILL)
    server["process"].wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert outcomes["cut_off"] >= 1  # some requests really were in flight when it died

    conn = sqlite3.connect(server["db"])
    try:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        referrals = conn.execute("select count(*) from referrals").fetchone()[0]
        assert referrals >= outcomes["created"]
        # Every stored referral is whole: its consent, its first event, its idempotency key and audit row.
        for table, join in [
            ("consent_records", "c.referral_reference = r.reference and c.purpose = 'share_with_service'"),
            ("referral_events", "c.reference = r.reference and c.to_status = 'received'"),
            ("idempotency_keys", "c.reference = r.reference"),
            ("audit_log", "c.target = r.reference and c.action = 'referral.create'"),
        ]:
            missing = conn.execute(
                f"select count(*) from referrals r where not exists (select 1 from {table} c where {join})"
            ).fetchone()[0]
            assert missing == 0, table
        orphans = conn.execute("select count(*) from consent_records c where c.referral_reference is not null and "
                               "not exists (select 1 from referrals r where r.reference = c.referral_reference)")
        assert orphans.fetchone()[0] == 0
    finally:
        conn.close()
