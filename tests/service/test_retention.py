"""Retention: finished referrals are anonymised after the retention period; abandoned chats removed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from referral_service.cli import main
from referral_service.db import connect_for, write_transaction
from referral_service.retention import purge, purge_or_preview

from .referral_helpers import db_rows, make_token, refer


def _close(app, client, reference):
    headers = make_token(app, "service", "sheffield-ips-smi")[1]
    client.post(f"/api/v1/referrals/{reference}/status", json={"status": "closed"}, headers=headers)


def _later(days):
    return datetime.now(UTC) + timedelta(days=days)


def test_closed_referral_past_retention_is_anonymised_but_still_counted(app, client):
    closed = refer(client, summary="Wants to work with animals.")["reference"]
    open_one = refer(client)["reference"]
    _close(app, client, closed)
    db = connect_for(app)
    assert purge(db, referral_days=365, now=_later(30))["referrals_anonymised"] == 0
    report = purge(db, referral_days=365, now=_later(366))
    db.conn.close()
    assert report["referrals_anonymised"] == 1
    rows = dict((r[0], r[1:]) for r in db_rows(app, "select reference, first_name, phone_e164, facts_json, summary, "
                                                    "pathway, ethnicity, anonymised_at from referrals"))
    assert rows[closed][:4] == (None, None, "{}", None) and rows[closed][4:6] == ("ips_smi", "A") and rows[closed][6]
    assert rows[open_one][0] == "Alex"
    admin = make_token(app, "admin")[1]
    assert client.get("/api/v1/reports/referrals", headers=admin).get_json()["total"] == 2
    body = client.get(f"/api/v1/referrals/{closed}", headers=admin).get_json()
    assert body["anonymised"] is True and body["person"] is None


def test_dry_run_changes_nothing(app, client):
    reference = refer(client)["reference"]
    _close(app, client, reference)
    db = connect_for(app)
    report = purge_or_preview(db, referral_days=0, dry_run=True, now=_later(1))
    db.conn.close()
    assert report["referrals_anonymised"] == 1
    assert db_rows(app, "select first_name from referrals") == [("Alex",)]


def test_abandoned_chats_are_removed_from_the_bots_conversations_table(app, client):
    import time

    from referral_service.storage import conversations

    db = connect_for(app)
    old = time.time() - 3 * 86400
    # Through the bot's own storage (a finished chat keeps its referral reference), then left idle.
    conversations.save(db, "old-abandoned", {"slots": {"first_name": "Alex", "referral_reference": None}})
    conversations.save(db, "old-referred", {"slots": {"first_name": "Alex", "referral_reference": "IS-ABCDEF"}})
    conversations.save(db, "recent", {"slots": {"first_name": "Alex", "referral_reference": None}})
    with write_transaction(db):
        db.execute("update conversations set created_at = ?, updated_at = ? where sender_id like 'old-%'", [old, old])
    report = purge(db, chat_days=1)
    db.conn.close()
    assert report["abandoned_chats_deleted"] == 1 and report["referred_chats_deleted"] == 1
    assert db_rows(app, "select sender_id from conversations") == [("recent",)]


def test_purge_command_reports_what_it_did(app, client, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.setenv("DATABASE_PATH", app.config["DATABASE_PATH"])
    result = CliRunner().invoke(main, ["purge", "--older-than", "365"])
    assert result.exit_code == 0, result.output
    assert "anonymise 0 referral(s)" in result.output and "idempotency key(s)" in result.output
    bad = CliRunner().invoke(main, ["purge", "--older-than", "-3"])
    assert bad.exit_code != 0
