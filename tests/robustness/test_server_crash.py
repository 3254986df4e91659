"""kill -9 the server during a burst of referral creations; clients retry with their Idempotency-Key.

After a restart every referral the server acknowledged (201) exists exactly once, every client
that retried got the same reference back, and nothing is half-written.
"""

from __future__ import annotations

import http.client
import json
import sqlite3
import threading

from tests.live_server import LiveServer
from tests.processes import wait_until
from tests.service.referral_helpers import referral_body

CLIENTS = 6
PER_CLIENT = 12


def _post(url: str, key: str) -> tuple[int, dict | None]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("POST", "/api/v1/referrals", body=json.dumps(referral_body()),
                     headers={"Content-Type": "application/json", "Idempotency-Key": key})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"null")
    except (OSError, http.client.HTTPException, json.JSONDecodeError):
        return 0, None  # connection refused or cut: the client does not know whether it was saved
    finally:
        conn.close()


def test_every_acknowledged_referral_exists_exactly_once_after_a_kill_and_restart(tmp_path):
    server = LiveServer(tmp_path, workers=2, threads=4).start()
    acknowledged: dict[str, str] = {}      # Idempotency-Key -> reference from a 201
    unknown: set[str] = set()              # sent, but no answer (the crash)
    lock = threading.Lock()
    killed = threading.Event()

    def client(number: int) -> None:
        for index in range(PER_CLIENT):
            key = f"crash-{number}-{index}"
            status, body = _post(server.url, key)
            with lock:
                if status == 201:
                    acknowledged[key] = body["reference"]
                else:
                    unknown.add(key)
            if killed.is_set():
                return

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(acknowledged) >= 10, what="10 referrals acknowledged before the kill", process=server.process,
               log_path=server.log_path)
    server.kill()
    killed.set()
    for thread in threads:
        thread.join()

    print(f"acknowledged before the kill: {len(acknowledged)}, unanswered: {len(unknown)}")
    restarted = LiveServer(tmp_path, workers=1)
    restarted.database_path = server.database_path
    restarted.env["DATABASE_PATH"] = server.database_path
    with restarted:
        # Every client retries what it sent with the same key: acknowledged ones must come back unchanged.
        for key, reference in acknowledged.items():
            status, body = _post(restarted.url, key)
            assert status == 201 and body["reference"] == reference
        for key in unknown:
            status, body = _post(restarted.url, key)
            assert status == 201
            acknowledged[key] = body["reference"]

    conn = sqlite3.connect(server.database_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        references = [row[0] for row in conn.execute("select reference from referrals")]
        keys = dict(conn.execute("select key, reference from idempotency_keys").fetchall()) if _has_column(
            conn, "idempotency_keys", "key") else None
        orphans = conn.execute(
            "select count(*) from referrals r where not exists "
            "(select 1 from consent_records c where c.referral_reference = r.reference)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert sorted(references) == sorted(set(acknowledged.values())), "a referral is missing or duplicated"
    assert len(references) == len(acknowledged)
    assert orphans == 0, "a referral was stored without its consent record"
    if keys is not None:
        assert all(keys.get(k) == r for k, r in acknowledged.items() if k in keys)


def _has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    return any(row[1] == column for row in conn.execute(f"pragma table_info({table})"))
