"""Conversation state for the embedded bot: one row per sender in ``conversations``, as Rasa-format
tracker JSON. A conversation idle for longer than the time to live is forgotten (deleted)."""

from __future__ import annotations

import json
import time
from typing import Any

import sqlite_utils
from sqlite_utils.migrations import Migrations

from ..db import register_migrations, write_transaction

DEFAULT_TTL_SECONDS = 60 * 60

migrations = register_migrations(Migrations("bot"))


@migrations()
def create_conversations(db: sqlite_utils.Database) -> None:
    db["conversations"].create(
        {"sender_id": str, "tracker": str, "created_at": float, "updated_at": float},
        pk="sender_id",
    )
    db["conversations"].create_index(["updated_at"])


def load(db: sqlite_utils.Database, sender_id: str, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> dict[str, Any] | None:
    """The stored tracker for ``sender_id``, or None if there is none or it has expired."""
    row = db.execute("SELECT tracker, updated_at FROM conversations WHERE sender_id = ?", [sender_id]).fetchone()
    if row is None:
        return None
    if row[1] < time.time() - ttl_seconds:
        with write_transaction(db):
            db.execute("DELETE FROM conversations WHERE sender_id = ? AND updated_at = ?", [sender_id, row[1]])
        return None
    return json.loads(row[0])


def save(db: sqlite_utils.Database, sender_id: str, tracker: dict[str, Any]) -> None:
    """Store the tracker (insert or replace)."""
    now = time.time()
    with write_transaction(db):
        db.execute(
            "INSERT INTO conversations (sender_id, tracker, created_at, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(sender_id) DO UPDATE SET tracker = excluded.tracker, updated_at = excluded.updated_at",
            [sender_id, json.dumps(tracker, default=str), now, now],
        )


def purge_expired(db: sqlite_utils.Database, ttl_seconds: float = DEFAULT_TTL_SECONDS) -> int:
    """Delete every conversation idle for longer than the time to live; return how many."""
    with write_transaction(db):
        cursor = db.execute("DELETE FROM conversations WHERE updated_at < ?", [time.time() - ttl_seconds])
    return cursor.rowcount
