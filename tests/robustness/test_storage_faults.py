"""Storage faults: a busy, full or read-only database gives a clear 503 (never a 500), loses nothing
that was acknowledged, and leaves no half-written state."""

from __future__ import annotations

import sqlite3

import pytest

from referral_service import create_app
from tests.service.referral_helpers import db_rows, referral_body


def _app(tmp_path, **config):
    return create_app({"TESTING": True, "DATABASE_PATH": str(tmp_path / "faults.db"), "RATELIMIT_ENABLED": False,
                       "BOT_AUTH_TOKEN": "t", **config})


def _integrity_ok(path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_a_locked_database_gets_503_with_retry_after_and_the_retry_creates_exactly_one_referral(tmp_path):
    app = _app(tmp_path, DATABASE_BUSY_TIMEOUT_MS=150)
    client = app.test_client()
    blocker = sqlite3.connect(app.config["DATABASE_PATH"], isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        response = client.post("/api/v1/referrals", json=referral_body(), headers={"Idempotency-Key": "k-locked"})
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert response.get_json()["error"]["code"] == "service_busy"
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    retry = client.post("/api/v1/referrals", json=referral_body(), headers={"Idempotency-Key": "k-locked"})
    assert retry.status_code == 201
    again = client.post("/api/v1/referrals", json=referral_body(), headers={"Idempotency-Key": "k-locked"})
    assert again.get_json()["reference"] == retry.get_json()["reference"]
    assert db_rows(app, "select count(*) from referrals") == [(1,)]


def test_eligibility_still_answers_while_the_database_is_locked(tmp_path):
    app = _app(tmp_path, DATABASE_BUSY_TIMEOUT_MS=150)
    blocker = sqlite3.connect(app.config["DATABASE_PATH"], isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        response = app.test_client().post("/api/v1/eligibility", json={"conditions": ["psychosis"]})
        assert response.status_code == 200
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_full_disk_gives_a_clear_503_and_every_acknowledged_referral_is_intact(tmp_path):
    _app(tmp_path)  # create the schema
    size_mb = (tmp_path / "faults.db").stat().st_size / (1024 * 1024)
    app = _app(tmp_path, DATABASE_MAX_SIZE_MB=size_mb + 0.05)
    client = app.test_client()
    acknowledged, full = [], 0
    for index in range(200):
        response = client.post("/api/v1/referrals", json=referral_body(), headers={"Idempotency-Key": f"full-{index}"})
        assert response.status_code in (201, 503), response.get_json()
        if response.status_code == 201:
            acknowledged.append(response.get_json()["reference"])
        else:
            assert response.get_json()["error"]["code"] == "storage_full"
            full += 1
    assert full > 0, "the size cap was never reached"
    stored = {row[0] for row in db_rows(app, "select reference from referrals")}
    assert set(acknowledged) == stored
    assert _integrity_ok(app.config["DATABASE_PATH"])


def test_a_read_only_database_still_answers_eligibility_and_refuses_writes_clearly(tmp_path):
    _app(tmp_path)
    app = _app(tmp_path, DATABASE_READ_ONLY=True)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.post("/api/v1/eligibility", json={"age": 30}).status_code == 200
    response = client.post("/api/v1/referrals", json=referral_body())
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "read_only"
    assert db_rows(_app(tmp_path), "select count(*) from referrals") == [(0,)]


@pytest.mark.parametrize("value", ["'; DROP TABLE referrals; --", "{{7*7}}", "${7*7}", "<script>alert(1)</script>",
                                   "=HYPERLINK(\"http://example.org\")", "\u202e\u0000"])
def test_injection_in_text_fields_is_stored_as_text_and_never_executed(tmp_path, value):
    app = _app(tmp_path)
    client = app.test_client()
    body = referral_body(person={"first_name": value, "phone": "07700 900123"}, summary=value)
    response = client.post("/api/v1/referrals", json=body)
    assert response.status_code in (201, 400), response.get_json()
    assert db_rows(app, "select count(*) from sqlite_master where name = 'referrals'") == [(1,)]
    if response.status_code == 201:
        stored = db_rows(app, "select summary from referrals where reference = ?", [response.get_json()["reference"]])
        assert stored == [(value,)]  # kept exactly as text: not executed, not rendered
