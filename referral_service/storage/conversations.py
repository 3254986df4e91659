"""Conversation state for the embedded bot: one row per sender in ``conversations``, as Rasa-format
tracker JSON. A conversation idle for longer than the time to live is forgotten (deleted).

Several app instances may serve one conversation's turns (behind a load balancer): every save is one
upsert and every expiry a conditional delete, so no instance overwrites a newer tracker with a stale
read of its own. ``referral_reference`` is kept beside the tracker when a chat ends in a referral,
so that retention can tell an abandoned chat from a finished one without parsing the JSON.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..db import Database, transaction
from ..migrations import Migrations

DEFAULT_TTL_SECONDS = 60 * 60

migrations = Migrations("bot")


@migrations()
def create_conversations(db: Database) -> None:
    db.execute("create table if not exists conversations (sender_id text primary key, tracker text, created_at float, "
               "updated_at float)")
    db.execute("create index if not exists idx_conversations_updated_at on conversations (updated_at)")


@migrations()
def conversation_referral_reference(db: Database) -> None:
    db.execute("alter table conversations add column referral_reference text")
    for sender_id, tracker in db.execute("select sender_id, tracker from conversations").fetchall():
        try:
            reference = _reference(json.loads(tracker or "{}"))
        except ValueError:
            continue
        if reference:
            db.execute("update conversations set referral_reference = ? where sender_id = ?", [reference, sender_id])


def _reference(tracker: dict[str, Any]) -> str | None:
    slots = tracker.get("slots") if isinstance(tracker, dict) else None
    value = slots.get("referral_reference") if isinstance(slots, dict) else None
    return value or None


def load(db: Database, sender_id: str, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> dict[str, Any] | None:
    """The stored tracker for ``sender_id``, or None if there is none or it has expired."""
    row = db.execute("select tracker, updated_at from conversations where sender_id = ?", [sender_id]).fetchone()
    if row is None:
        return None
    if row[1] < time.time() - ttl_seconds:
        with transaction(db, exclusive=False):
            db.execute("delete from conversations where sender_id = ? and updated_at = ?", [sender_id, row[1]])
        return None
    return json.loads(row[0])


def save(db: Database, sender_id: str, tracker: dict[str, Any]) -> None:
    """Store the tracker (insert or replace)."""
    now = time.time()
    with transaction(db, exclusive=False):
        db.execute(
            "insert into conversations (sender_id, tracker, created_at, updated_at, referral_reference) values (?, ?, ?, ?, ?) "
            "on conflict (sender_id) do update set tracker = excluded.tracker, updated_at = excluded.updated_at, "
            "referral_reference = coalesce(excluded.referral_reference, conversations.referral_reference)",
            [sender_id, json.dumps(tracker, default=str), now, now, _reference(tracker)],
        )


def purge_expired(db: Database, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> int:
    """Delete every conversation idle for longer than the time to live; return how many."""
    with transaction(db, exclusive=False):
        cursor = db.execute("delete from conversations where updated_at < ?", [time.time() - ttl_seconds])
    return cursor.rowcount


def purge_inactive(db: Database, before_epoch: float, *, referred: bool | None = None) -> int:
    """Delete chats inactive since ``before_epoch`` (retention): abandoned ones (``referred=False``),
    finished ones that became a referral (``True``) or both (None). Caller holds the transaction."""
    condition = {None: "", False: " and coalesce(referral_reference, '') = ''",
                 True: " and coalesce(referral_reference, '') <> ''"}[referred]
    return db.execute(f"delete from conversations where updated_at < ?{condition}", [before_epoch]).rowcount


def count_inactive(db: Database, before_epoch: float, *, referred: bool | None = None) -> int:
    """How many chats ``purge_inactive`` would delete."""
    condition = {None: "", False: " and coalesce(referral_reference, '') = ''",
                 True: " and coalesce(referral_reference, '') <> ''"}[referred]
    return db.execute(f"select count(*) from conversations where updated_at < ?{condition}", [before_epoch]).fetchone()[0]
