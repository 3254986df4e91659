"""Retention: ``referral-service purge`` anonymises finished referrals and removes abandoned chat data.

Defaults (override per trust information-governance policy):
- referrals declined or closed more than 365 days ago are anonymised (name, phone number, facts and
  summary removed; the counts reports use — pathway, service, source, campaign, status, month,
  ethnic category — and the workflow events stay);
- chat data (the bot's ``conversations`` table, if present) untouched for more than 1 day is deleted
  (the bot itself forgets a conversation idle for an hour; this is the backstop);
- idempotency keys older than 1 day are deleted (a retry after that is a new request).
Consent records and the audit log are kept: they are the evidence of what the person agreed to and
who looked at what, and carry no name, phone number or health data of a referral's person.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import click
import sqlite_utils

from .db import connect, write_transaction
from .storage import audit, referrals

log = logging.getLogger(__name__)

REFERRAL_RETENTION_DAYS = 365
CHAT_RETENTION_DAYS = 1
IDEMPOTENCY_RETENTION_DAYS = 1
_CHAT_TIME_COLUMNS = ("updated_at", "last_message_at", "last_seen_at", "last_active_at", "created_at")
_CHAT_REFERENCE_COLUMNS = ("referral_reference", "reference")


def _cutoff(days: int, now: datetime) -> str:
    return (now - timedelta(days=days)).isoformat(timespec="microseconds")


def _chat_table(db: sqlite_utils.Database) -> dict | None:
    """How to read the bot's ``conversations`` table, if it exists: its last-activity column (epoch
    seconds or ISO text) and where a finished chat keeps its referral reference."""
    if "conversations" not in db.table_names():
        return None
    columns = db["conversations"].columns_dict
    time_column = next((c for c in _CHAT_TIME_COLUMNS if c in columns), None)
    if time_column is None:
        return None
    reference = next((c for c in _CHAT_REFERENCE_COLUMNS if c in columns), None)
    if reference is not None:
        referred = f"coalesce({reference}, '') != ''"
    elif "tracker" in columns:
        # Rasa-format tracker JSON: the bot keeps the reference in the referral_reference slot.
        referred = ("(json_valid(tracker) and "
                    "coalesce(json_extract(tracker, '$.slots.referral_reference'), '') != '')")
    else:
        referred = "0"
    return {"time": time_column, "epoch": columns[time_column] in (float, int), "referred": referred}


def _chat_cutoff(chat: dict, days: int, now: datetime):
    moment = now - timedelta(days=days)
    return moment.timestamp() if chat["epoch"] else moment.isoformat(timespec="microseconds")


def purge(db: sqlite_utils.Database, *, referral_days: int = REFERRAL_RETENTION_DAYS,
          chat_days: int = CHAT_RETENTION_DAYS, dry_run: bool = False, now: datetime | None = None) -> dict:
    """Apply the retention policy in one transaction; return what was (or, dry run, would be) done."""
    now = now or datetime.now(UTC)
    report = {"referrals_anonymised": 0, "abandoned_chats_deleted": 0, "referred_chats_deleted": 0,
              "idempotency_keys_deleted": 0, "chat_table": "absent", "dry_run": dry_run}
    with write_transaction(db):
        anonymised = referrals.anonymise_finished(db, _cutoff(referral_days, now))
        report["referrals_anonymised"] = len(anonymised)
        report["idempotency_keys_deleted"] = referrals.purge_idempotency_keys(
            db, _cutoff(IDEMPOTENCY_RETENTION_DAYS, now))
        chat = _chat_table(db)
        if chat is not None:
            report["chat_table"] = "conversations"
            cutoff = _chat_cutoff(chat, chat_days, now)
            # Chats are removed once inactive past retention: an abandoned one holds what a person said
            # and never became a referral; a finished one has already handed its facts to the referral.
            report["abandoned_chats_deleted"] = db.execute(
                f"delete from conversations where {chat['time']} < ? and not {chat['referred']}", [cutoff]).rowcount
            report["referred_chats_deleted"] = db.execute(
                f"delete from conversations where {chat['time']} < ?", [cutoff]).rowcount
        for reference in anonymised:
            audit.record(db, actor="purge", role="system", action="referral.anonymise", target=reference)
        if dry_run:
            raise _DryRun(report)
    log.info("retention_purge", extra={k: v for k, v in report.items()})
    return report


class _DryRun(Exception):
    def __init__(self, report: dict):
        self.report = report


def purge_or_preview(db: sqlite_utils.Database, **kwargs) -> dict:
    try:
        return purge(db, **kwargs)
    except _DryRun as dry:
        return dry.report


@click.command("purge")
@click.option("--older-than", "older_than", type=click.IntRange(min=0), default=REFERRAL_RETENTION_DAYS,
              show_default=True, help="Anonymise referrals declined or closed more than DAYS days ago.")
@click.option("--chats-older-than", "chats_older_than", type=click.IntRange(min=0), default=CHAT_RETENTION_DAYS,
              show_default=True, help="Delete chat data inactive for more than DAYS days.")
@click.option("--dry-run", is_flag=True, help="Report what would be done; change nothing.")
def purge_command(older_than: int, chats_older_than: int, dry_run: bool) -> None:
    """Apply the retention policy and report what was done."""
    from .app import create_app

    app = create_app()
    db = connect(app.config["DATABASE_PATH"])
    try:
        report = purge_or_preview(db, referral_days=older_than, chat_days=chats_older_than, dry_run=dry_run)
    finally:
        db.conn.close()
    verb = "Would" if dry_run else "Did"
    click.echo(f"{verb} anonymise {report['referrals_anonymised']} referral(s) declined or closed more than "
               f"{older_than} days ago.")
    if report["chat_table"] == "absent":
        click.echo("No chat data table (conversations) in this database: nothing to remove there.")
    else:
        click.echo(f"{verb} delete {report['abandoned_chats_deleted']} abandoned and "
                   f"{report['referred_chats_deleted']} finished chat(s) inactive for more than {chats_older_than} days.")
    click.echo(f"{verb} delete {report['idempotency_keys_deleted']} idempotency key(s) older than "
               f"{IDEMPOTENCY_RETENTION_DAYS} day.")
