"""The audit log: every read and change of a referral or consent — who, what, when. Append-only.

Rows carry token ids, roles, actions and referral references only: never names, phone numbers,
postcodes or free text. A consent subject that is a phone number is stored as a one-way digest.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from flask import current_app, has_app_context

from ..db import Database, ReadOnly, storage_error, transaction
from ..migrations import Migrations

migrations = Migrations("audit")
log = logging.getLogger(__name__)
PUBLIC = "public"


@migrations()
def create_audit_log(db: Database) -> None:
    db.execute(
        """
        create table audit_log (
            id integer primary key autoincrement,
            at text not null,
            actor text not null,
            role text not null,
            action text not null,
            target text,
            service_id text,
            outcome text not null
        )
        """
    )
    db.execute("create index audit_log_target on audit_log (target)")
    db.execute("create trigger audit_log_no_update before update on audit_log "
               "begin select raise(abort, 'audit_log is append-only'); end")
    db.execute("create trigger audit_log_no_delete before delete on audit_log "
               "begin select raise(abort, 'audit_log is append-only'); end")


def safe_target(target: str | None) -> str | None:
    """A target that names no one: referral references pass; phone subjects become a digest."""
    if target and target.startswith("phone:"):
        return "phone#" + hashlib.sha256(target.encode()).hexdigest()[:16]
    if target and target.startswith("referral:"):
        return target.removeprefix("referral:")
    return target


def record(db: Database, *, actor: str | None, role: str | None, action: str,
           target: str | None = None, service_id: str | None = None, outcome: str = "ok") -> None:
    """Append one audit row (inside the caller's transaction if there is one, else committed at once).

    In read-only maintenance (``DATABASE_READ_ONLY``, or a database that refuses writes) a read must still work
    and still be accounted for: the same row — token id, role, action, referral reference, outcome; never a
    name, phone number or free text — goes to the structured log as ``audit_to_log`` instead, for the log
    collector to keep. A write inside the caller's transaction is never swallowed: that change fails with it.
    """
    row = {"at": datetime.now(UTC).isoformat(timespec="microseconds"), "actor": actor or PUBLIC,
           "role": role or PUBLIC, "action": action, "target": safe_target(target), "service_id": service_id,
           "outcome": outcome}
    outside = not db.conn.in_transaction
    if outside and _read_only_mode():
        _to_log(row, "read_only_mode")
        return
    try:
        with transaction(db, exclusive=False):  # the caller's transaction (a savepoint in it), else its own
            db.execute(
                "insert into audit_log (at, actor, role, action, target, service_id, outcome) values (?, ?, ?, ?, ?, ?, ?)",
                list(row.values()),
            )
    except Exception as error:
        if not outside or not _refuses_writes(error):
            raise
        _to_log(row, "database_refused_write")


def _read_only_mode() -> bool:
    return has_app_context() and bool(current_app.config.get("DATABASE_READ_ONLY"))


def _refuses_writes(error: Exception) -> bool:
    # The database layer says so (read-only file or mode, a standby PostgreSQL), whatever the engine.
    return isinstance(storage_error(error), ReadOnly)


def _to_log(row: dict, why: str) -> None:
    log.warning("audit_to_log", extra={**row, "why": why})


def entries(db: Database, target: str | None = None, limit: int = 500) -> list[dict]:
    """Audit rows, newest first (for one target if given)."""
    if target is not None:
        return list(db.query("select * from audit_log where target = ? order by id desc limit ?",
                             [safe_target(target), limit]))
    return list(db.query("select * from audit_log order by id desc limit ?", [limit]))
