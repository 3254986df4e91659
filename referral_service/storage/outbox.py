"""The SMS outbox: one row per recipient of a campaign, frozen at send time, and its delivery state.

Status moves forward only: queued → sending → sent → delivered | undelivered | failed, or queued →
skipped (consent gone at the moment of sending, or the number opted out at Twilio). A row is marked
``sending`` and committed *before* the Twilio call, so that after a crash the dispatcher knows
which rows may or may not have reached Twilio and reconciles them instead of re-sending blindly.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlite_utils
from sqlite_utils.migrations import Migrations

from ..db import register_migrations

migrations = register_migrations(Migrations("sms_outbox"))

QUEUED, SENDING, SENT, DELIVERED, UNDELIVERED, FAILED, SKIPPED = (
    "queued", "sending", "sent", "delivered", "undelivered", "failed", "skipped")
# Counted against the frequency cap: the person got, or is about to get, a promotion.
CAPPED = (QUEUED, SENDING, SENT, DELIVERED)
# Twilio's message statuses → ours, with a rank so a late or repeated callback never moves a row back.
TWILIO_STATUS = {"accepted": SENT, "scheduled": SENT, "queued": SENT, "sending": SENT, "sent": SENT,
                 "delivered": DELIVERED, "undelivered": UNDELIVERED, "failed": FAILED, "canceled": FAILED,
                 "read": DELIVERED, "receiving": SENT, "received": SENT}
RANK = {QUEUED: 0, SENDING: 1, SENT: 2, DELIVERED: 3, UNDELIVERED: 3, FAILED: 3, SKIPPED: 3}


@migrations()
def create_outbox(db: sqlite_utils.Database) -> None:
    db.execute("""
        create table sms_outbox (
            id integer primary key,
            campaign_id text not null,
            owner_service_id text not null,
            service_id text not null,
            contact_id integer,
            phone_e164 text not null,
            body text not null,
            segments integer not null,
            status text not null,
            skip_reason text,
            error_code integer,
            twilio_sid text unique,
            attempts integer not null default 0,
            next_attempt_at text not null,
            sending_started_at text,
            sent_at text,
            final_at text,
            created_at text not null,
            updated_at text not null
        )""")
    db.execute("create index sms_outbox_due on sms_outbox (status, next_attempt_at)")
    db.execute("create index sms_outbox_phone on sms_outbox (phone_e164, created_at)")
    db.execute("create index sms_outbox_campaign on sms_outbox (campaign_id, status)")
    db.execute("""
        create table sms_inbound (
            id integer primary key,
            message_sid text unique,
            phone_e164 text,
            service_id text,
            campaign_id text,
            kind text not null,
            body text,
            received_at text not null
        )""")
    db.execute("create index sms_inbound_campaign on sms_inbound (campaign_id, kind)")
    db.execute("create index sms_inbound_service on sms_inbound (service_id, received_at)")
    db.execute("""
        create table sms_dispatcher_lease (
            name text primary key,
            holder text not null,
            heartbeat_at text not null
        )""")


def iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")


def enqueue(db: sqlite_utils.Database, rows: Iterable[dict], now: str) -> int:
    """Insert frozen recipients (caller holds the transaction)."""
    cursor = db.conn.executemany(
        "insert into sms_outbox (campaign_id, owner_service_id, service_id, contact_id, phone_e164, body, segments, "
        "status, next_attempt_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
        ((r["campaign_id"], r["owner_service_id"], r["service_id"], r["contact_id"], r["phone_e164"], r["body"],
          r["segments"], now, now, now) for r in rows),
    )
    return cursor.rowcount


def enqueue_select(db: sqlite_utils.Database, select_sql: str, params: list, now: str) -> int:
    """Insert frozen recipients straight from a query (caller holds the transaction).

    ``select_sql`` yields (campaign_id, owner_service_id, service_id, contact_id, phone_e164, body,
    segments) in the order they should be sent.
    """
    cursor = db.execute(
        "insert into sms_outbox (campaign_id, owner_service_id, service_id, contact_id, phone_e164, body, segments, "
        f"status, next_attempt_at, created_at, updated_at) select *, 'queued', ?, ?, ? from ({select_sql})",
        [now, now, now, *params],
    )
    return cursor.rowcount


def due(db: sqlite_utils.Database, now: str, limit: int = 100) -> list[dict]:
    return list(db.query("select * from sms_outbox where status = 'queued' and next_attempt_at <= ? order by id limit ?",
                         [now, limit]))


def next_due_at(db: sqlite_utils.Database) -> str | None:
    row = db.execute("select min(next_attempt_at) from sms_outbox where status = 'queued'").fetchone()
    return row[0]


def in_flight(db: sqlite_utils.Database) -> list[dict]:
    return list(db.query("select * from sms_outbox where status = 'sending' order by id"))


def get(db: sqlite_utils.Database, outbox_id: int) -> dict | None:
    rows = list(db.query("select * from sms_outbox where id = ?", [outbox_id]))
    return rows[0] if rows else None


def mark_sending(db: sqlite_utils.Database, outbox_id: int, now: str) -> bool:
    with db.conn:
        cursor = db.execute("update sms_outbox set status = 'sending', sending_started_at = ?, attempts = attempts + 1, "
                            "updated_at = ? where id = ? and status = 'queued'", [now, now, outbox_id])
    return cursor.rowcount == 1


def mark_sent(db: sqlite_utils.Database, outbox_id: int, sid: str, twilio_status: str, now: str) -> None:
    """The message reached Twilio (status from its answer; a callback may already have moved it on)."""
    status = TWILIO_STATUS.get(twilio_status, SENT)
    with db.conn:
        db.execute("update sms_outbox set twilio_sid = coalesce(twilio_sid, ?), sent_at = coalesce(sent_at, ?), "
                   "updated_at = ? where id = ?", [sid, now, now, outbox_id])
        _advance(db, outbox_id, status, None, now)


def requeue(db: sqlite_utils.Database, outbox_id: int, next_attempt_at: str, error_code: int | None, now: str) -> None:
    with db.conn:
        db.execute("update sms_outbox set status = 'queued', next_attempt_at = ?, error_code = ?, updated_at = ? "
                   "where id = ? and status = 'sending'", [next_attempt_at, error_code, now, outbox_id])


def finish(db: sqlite_utils.Database, outbox_id: int, status: str, now: str, *, reason: str | None = None,
           error_code: int | None = None) -> None:
    """Close a row that never reached Twilio: skipped (with a reason) or failed (with Twilio's code)."""
    with db.conn:
        db.execute("update sms_outbox set status = ?, skip_reason = ?, error_code = ?, final_at = ?, updated_at = ? "
                   "where id = ? and status in ('queued', 'sending')", [status, reason, error_code, now, now, outbox_id])


def _advance(db: sqlite_utils.Database, outbox_id: int, status: str, error_code: int | None, now: str) -> bool:
    row = db.execute("select status from sms_outbox where id = ?", [outbox_id]).fetchone()
    if row is None or RANK.get(status, 0) <= RANK.get(row[0], 0):
        return False
    final = now if RANK[status] == 3 else None
    db.execute("update sms_outbox set status = ?, error_code = coalesce(?, error_code), final_at = coalesce(?, final_at), "
               "updated_at = ? where id = ?", [status, error_code, final, now, outbox_id])
    return True


def apply_status(db: sqlite_utils.Database, outbox_id: int, sid: str, twilio_status: str, error_code: int | None,
                 now: str) -> bool:
    """A status callback: move the row forward (never back); a repeated callback changes nothing."""
    status = TWILIO_STATUS.get(twilio_status)
    if status is None:
        return False
    with db.conn:
        row = db.execute("select twilio_sid from sms_outbox where id = ?", [outbox_id]).fetchone()
        if row is None or (row[0] is not None and row[0] != sid):
            return False
        db.execute("update sms_outbox set twilio_sid = coalesce(twilio_sid, ?), sent_at = coalesce(sent_at, ?) "
                   "where id = ?", [sid, now, outbox_id])
        return _advance(db, outbox_id, status, error_code, now)


def counts(db: sqlite_utils.Database, campaign_id: str) -> dict[str, int]:
    result = dict.fromkeys((QUEUED, SENT, DELIVERED, FAILED, UNDELIVERED, SKIPPED), 0)
    for status, n in db.execute("select status, count(*) from sms_outbox where campaign_id = ? group by status",
                                [campaign_id]):
        result[QUEUED if status == SENDING else status] += n
    return result


def last_promotion_to(db: sqlite_utils.Database, phone_e164: str) -> dict | None:
    """The latest promotion that reached Twilio for this number (who is texting them)."""
    rows = list(db.query("select * from sms_outbox where phone_e164 = ? and status in ('sent', 'delivered', 'undelivered', "
                         "'sending') order by id desc limit 1", [phone_e164]))
    return rows[0] if rows else None


def record_inbound(db: sqlite_utils.Database, *, message_sid: str | None, phone_e164: str | None, service_id: str | None,
                   campaign_id: str | None, kind: str, body: str | None, now: str) -> bool:
    """Store an inbound text once (Twilio may retry a webhook); False when already stored. Caller holds the transaction."""
    cursor = db.execute("insert or ignore into sms_inbound (message_sid, phone_e164, service_id, campaign_id, kind, body, "
                        "received_at) values (?, ?, ?, ?, ?, ?, ?)",
                        [message_sid, phone_e164, service_id, campaign_id, kind, body, now])
    return cursor.rowcount == 1


def inbound_for_service(db: sqlite_utils.Database, service_id: str) -> list[dict]:
    return list(db.query("select id, phone_e164, campaign_id, kind, body, received_at from sms_inbound "
                         "where service_id = ? and kind = 'other' order by id desc", [service_id]))
