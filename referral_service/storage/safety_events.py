"""Safety events: a message on any channel (SMS reply, web chat, the no-JS form) that the risk check
(bot.safety.assess_risk) found ``urgent`` or ``check``, kept so a service can follow the person up.

These rows are the one place personal data is kept for safety: the words the person wrote and, when we
have it, their phone number — the service has a duty to follow up. They are never logged (logs carry
the event id, channel and level only), are shown only to the service the event belongs to (and to
admins), and an event without a service is for admins only.

A service marks an event reviewed once it has followed it up; the row is never deleted by that.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from ..db import transaction
from ..migrations import Migrations

migrations = Migrations("safety_events")

CHANNELS = ("sms", "chat", "form")
LEVELS = ("urgent", "check")
MAX_TEXT = 4000  # an SMS is at most 1,600 characters; a pasted essay is cut, the start kept


@migrations()
def create_safety_events(db) -> None:
    db.execute("""
        create table safety_events (
            id text primary key,
            channel text not null,
            risk_level text not null,
            category text,
            reason text,
            text text,
            phone_e164 text,
            service_id text,
            sender_id text,
            reference text,
            created_at text not null,
            reviewed_at text,
            reviewed_by text
        )""")
    db.execute("create index safety_events_service on safety_events (service_id, created_at)")
    db.execute("create index safety_events_created on safety_events (created_at)")


def now_iso() -> str:
    # Microseconds, so events from one message (check, then urgent) list in the order they happened.
    return datetime.now(UTC).isoformat(timespec="microseconds")


def record_safety_event(db, *, channel: str, risk_level: str, category: str | None, text: str | None,
                        phone: str | None = None, service_id: str | None = None, sender_id: str | None = None,
                        reference: str | None = None, reason: str | None = None) -> str:
    """Store one safety event and return its id (``se_…``).

    ``channel`` is "sms", "chat" or "form"; ``risk_level`` "urgent" or "check" (as ``assess_risk`` gave it);
    ``text`` the person's own words; ``phone`` an E.164 number when known; ``service_id`` the service that
    must follow up (None: admins only); ``sender_id`` the chat conversation's sender; ``reference`` a
    referral reference when there is one. Commits on its own, or joins the caller's transaction.
    """
    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
    if risk_level not in LEVELS:
        raise ValueError(f"risk_level must be one of {LEVELS}, not {risk_level!r}")
    event_id = "se_" + secrets.token_hex(8)
    with transaction(db):
        db.execute("insert into safety_events (id, channel, risk_level, category, reason, text, phone_e164, service_id, "
                   "sender_id, reference, created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [event_id, channel, risk_level, category, reason, (text or "")[:MAX_TEXT] or None, phone, service_id,
                    sender_id, reference, now_iso()])
    return event_id


def record_for_services(db, service_ids: Iterable[str], **event) -> list[str]:
    """One event per service that must follow up (each reviews its own); one admin-only event if there is none."""
    ids = sorted({s for s in service_ids if s})
    with transaction(db):
        if not ids:
            return [record_safety_event(db, service_id=None, **event)]
        return [record_safety_event(db, service_id=service_id, **event) for service_id in ids]


_COLUMNS = ("id, channel, risk_level, category, reason, text, phone_e164, service_id, sender_id, reference, created_at, "
            "reviewed_at, reviewed_by")


def list_events(db, *, service_id: str | None = None, reviewed: bool | None = None, limit: int = 500) -> list[dict]:
    """Events newest first: one service's (``service_id``), or every one (None, for admins)."""
    where, params = [], []
    if service_id is not None:
        where.append("service_id = ?")
        params.append(service_id)
    if reviewed is not None:
        where.append("reviewed_at is not null" if reviewed else "reviewed_at is null")
    sql = f"select {_COLUMNS} from safety_events"
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by created_at desc, id desc limit ?"
    return [_view(row) for row in db.query(sql, [*params, limit])]


def get_event(db, event_id: str) -> dict | None:
    rows = list(db.query(f"select {_COLUMNS} from safety_events where id = ?", [event_id]))
    return _view(rows[0]) if rows else None


def mark_reviewed(db, event_id: str, reviewed_by: str) -> dict | None:
    """Mark an event followed up (the first review's time and who stand; a repeat changes nothing)."""
    with transaction(db):
        db.execute("update safety_events set reviewed_at = ?, reviewed_by = ? where id = ? and reviewed_at is null",
                   [now_iso(), reviewed_by, event_id])
    return get_event(db, event_id)


def _view(row: dict) -> dict:
    out = dict(row)
    out["phone"] = out.pop("phone_e164")
    out["reviewed"] = out["reviewed_at"] is not None
    return out
