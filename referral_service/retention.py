"""Retention: ``referral-service purge`` anonymises finished referrals and removes abandoned chat data.

Defaults (override per trust information-governance policy):
- referrals declined or closed more than 365 days ago are anonymised (name, phone number, facts and
  summary removed; the counts reports use — pathway, service, source, campaign, status, month,
  ethnic category — and the workflow events stay);
- chat data (the bot's ``conversations`` table, if present) untouched for more than 1 day is deleted
  (the bot itself forgets a conversation idle for an hour; this is the backstop);
- idempotency keys older than 1 day are deleted (a retry after that is a new request).
The app purges inactive chats itself, at most every CHAT_PURGE_INTERVAL_MINUTES (default 60) after a request
(``init_app``), so abandoned chats never wait for someone to run the command; anonymising referrals stays a
deliberate ``referral-service purge``.

Consent records and the audit log are kept: they are the evidence of what the person agreed to and
who looked at what, and carry no name, phone number or health data of a referral's person.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import click
from flask import Flask

from .db import Database, connect_for, get_db, write_transaction
from .storage import audit, conversations, referrals

log = logging.getLogger(__name__)

REFERRAL_RETENTION_DAYS = 365
CHAT_RETENTION_DAYS = 1
IDEMPOTENCY_RETENTION_DAYS = 1
DEFAULT_CHAT_PURGE_INTERVAL_MINUTES = 60


def _cutoff(days: int, now: datetime) -> str:
    return (now - timedelta(days=days)).isoformat(timespec="microseconds")


def purge(db: Database, *, referral_days: int = REFERRAL_RETENTION_DAYS,
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
        report["chat_table"] = "conversations"
        cutoff = (now - timedelta(days=chat_days)).timestamp()
        # Chats are removed once inactive past retention: an abandoned one holds what a person said
        # and never became a referral; a finished one has already handed its facts to the referral.
        report["abandoned_chats_deleted"] = conversations.purge_inactive(db, cutoff, referred=False)
        report["referred_chats_deleted"] = conversations.purge_inactive(db, cutoff)
        for reference in anonymised:
            audit.record(db, actor="purge", role="system", action="referral.anonymise", target=reference)
        if dry_run:
            raise _DryRun(report)
    log.info("retention_purge", extra={k: v for k, v in report.items()})
    return report


def purge_inactive_chats(db: Database, *, chat_days: int = CHAT_RETENTION_DAYS,
                         now: datetime | None = None) -> int:
    """Delete every chat inactive for more than ``chat_days`` (abandoned or finished); return how many."""
    moment = (now or datetime.now(UTC)) - timedelta(days=chat_days)
    with write_transaction(db):
        return conversations.purge_inactive(db, moment.timestamp())


class ChatPurgeSchedule:
    """The abandoned-chat purge, run by the app itself at most once per ``interval_seconds`` (per process).

    A request that finds the purge due claims the slot and runs it once its answer has been sent, so no one
    waits for it; several processes may each run it, which is harmless (a delete of what is past retention).
    ``clock`` returns seconds (monotonic in production; injected in tests).
    """

    def __init__(self, interval_seconds: float, clock: Callable[[], float] = time.monotonic):
        self.interval = interval_seconds
        self.clock = clock
        self._next = None  # the first request after start runs it
        self._lock = threading.Lock()

    def claim(self) -> bool:
        """True (once) when the purge is due; the next one is then due an interval later."""
        now = self.clock()
        with self._lock:
            if self._next is not None and now < self._next:
                return False
            self._next = now + self.interval
            return True


def _run_scheduled_purge(app: Flask) -> None:
    db = None
    try:
        with app.app_context():
            db = connect_for(app)
            deleted = purge_inactive_chats(db, chat_days=int(app.config.get("CHAT_RETENTION_DAYS") or CHAT_RETENTION_DAYS))
            log.info("retention_chat_purge", extra={"chats_deleted": deleted})
    except Exception as error:  # a purge that fails is retried next interval; it must never break a request
        log.warning("retention_chat_purge_failed", extra={"error_type": type(error).__name__})
    finally:
        if db is not None:
            db.close()


def init_app(app: Flask) -> None:
    """Purge abandoned chats on a schedule the app runs itself (CHAT_PURGE_INTERVAL_MINUTES; 0 turns it off).

    Not in read-only maintenance. Referral anonymisation stays a deliberate act (``referral-service purge``).
    """
    app.cli.add_command(purge_command)
    minutes = app.config.get("CHAT_PURGE_INTERVAL_MINUTES")
    if minutes is None:  # as the embedded dispatcher: off in tests unless a test asks for it
        minutes = 0 if app.config.get("TESTING") else DEFAULT_CHAT_PURGE_INTERVAL_MINUTES
    minutes = float(minutes)
    if minutes <= 0 or app.config.get("DATABASE_READ_ONLY"):
        return
    schedule = ChatPurgeSchedule(minutes * 60, app.config.get("CHAT_PURGE_CLOCK") or time.monotonic)
    app.extensions["chat_purge_schedule"] = schedule

    @app.after_request
    def _purge_when_due(response):
        if schedule.claim():
            response.call_on_close(lambda: _run_scheduled_purge(app))
        return response


class _DryRun(Exception):
    def __init__(self, report: dict):
        self.report = report


def purge_or_preview(db: Database, **kwargs) -> dict:
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
    report = purge_or_preview(get_db(), referral_days=older_than, chat_days=chats_older_than, dry_run=dry_run)
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
