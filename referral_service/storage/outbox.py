"""The SMS outbox: one row per recipient of a campaign, frozen at send time, and its delivery state.

Status moves forward only: queued → sending → sent → delivered | undelivered | failed, or queued →
skipped (consent gone at the moment of sending, or the number opted out at the provider). A row is
claimed — marked ``sending`` with the dispatcher's id and committed — *before* the provider call, so
after a crash the rows that may or may not have reached the provider are known and reconciled
instead of re-sent blindly. Claims take rows no other dispatcher holds (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL; SQLite has one writer at a time), so any number of dispatchers can run at once.

Provider-neutral: ``provider`` names who carried the text (``twilio``) and ``provider_message_id`` is
its id for the message; each provider module maps its own statuses and error codes to ours.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from ..db import transaction
from ..migrations import Migrations

migrations = Migrations("sms_outbox")

QUEUED, SENDING, SENT, DELIVERED, UNDELIVERED, FAILED, SKIPPED = (
    "queued", "sending", "sent", "delivered", "undelivered", "failed", "skipped")
STATUSES = (QUEUED, SENDING, SENT, DELIVERED, UNDELIVERED, FAILED, SKIPPED)
# Counted against the frequency cap: the person got, or is about to get, a promotion.
CAPPED = (QUEUED, SENDING, SENT, DELIVERED)
# A rank, so that a late or repeated status report never moves a row back.
RANK = {QUEUED: 0, SENDING: 1, SENT: 2, DELIVERED: 3, UNDELIVERED: 3, FAILED: 3, SKIPPED: 3}
OPTED_OUT = "opted_out"  # the reason on a row the provider refused because the number had opted out there


@migrations()
def create_outbox(db) -> None:
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


@migrations()
def provider_neutral_columns_and_claims(db) -> None:
    # The provider's message id and name instead of Twilio's SID; who claimed a row (several dispatchers).
    db.execute("alter table sms_outbox rename column twilio_sid to provider_message_id")
    db.execute("alter table sms_outbox add column provider text")
    db.execute("alter table sms_outbox add column claimed_by text")
    db.execute("update sms_outbox set provider = 'twilio' where provider_message_id is not null")
    db.execute("update sms_outbox set skip_reason = 'opted_out' where error_code = 21610 and skip_reason is null")
    db.execute("create index sms_outbox_claimed on sms_outbox (status, claimed_by)")
    # Every running dispatcher, with a heartbeat: rows claimed by one that stopped are reconciled by the others.
    db.execute("""
        create table sms_dispatchers (
            id text primary key,
            host text not null,
            pid integer not null,
            started_at text not null,
            heartbeat_at text not null
        )""")
    db.execute("drop table sms_dispatcher_lease")


@migrations()
def inbound_risk_level(db) -> None:
    # What the risk check (bot.safety.assess_risk) found in a reply: "urgent", "check" or null.
    db.execute("alter table sms_inbound add column risk_level text")


def iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")


_INSERT = ("insert into sms_outbox (campaign_id, owner_service_id, service_id, contact_id, phone_e164, body, segments, "
           "status, next_attempt_at, created_at, updated_at)")


def enqueue(db, rows: Iterable[dict], now: str) -> int:
    """Insert frozen recipients (caller holds the transaction)."""
    cursor = db.executemany(
        _INSERT + " values (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
        [(r["campaign_id"], r["owner_service_id"], r["service_id"], r["contact_id"], r["phone_e164"], r["body"],
          r["segments"], now, now, now) for r in rows],
    )
    return cursor.rowcount


def enqueue_select(db, select_sql: str, params: list, now: str) -> int:
    """Insert frozen recipients straight from a query (caller holds the transaction).

    ``select_sql`` yields (campaign_id, owner_service_id, service_id, contact_id, phone_e164, body,
    segments) in the order they should be sent.
    """
    cursor = db.execute(_INSERT + f" select frozen.*, 'queued', ?, ?, ? from ({select_sql}) as frozen",
                        [now, now, now, *params])
    return cursor.rowcount


def due(db, now: str, limit: int = 100) -> list[dict]:
    return list(db.query("select * from sms_outbox where status = 'queued' and next_attempt_at <= ? order by id limit ?",
                         [now, limit]))


def next_due_at(db) -> str | None:
    return db.execute("select min(next_attempt_at) from sms_outbox where status = 'queued'").fetchone()[0]


def any_unfinished(db) -> bool:
    """Whether anything is still queued or in flight."""
    return db.execute("select 1 from sms_outbox where status in ('queued', 'sending') limit 1").fetchone() is not None


def get(db, outbox_id: int) -> dict | None:
    rows = list(db.query("select * from sms_outbox where id = ?", [outbox_id]))
    return rows[0] if rows else None


def claim_due(db, holder: str, now: str, limit: int) -> list[dict]:
    """Claim up to ``limit`` due rows for dispatcher ``holder`` (marked ``sending``, committed); in send order.

    Rows another dispatcher is claiming at this moment are skipped, not waited for.
    """
    skip_locked = " for update skip locked" if db.dialect == "postgresql" else ""
    with transaction(db, exclusive=False):
        rows = list(db.query(
            "update sms_outbox set status = 'sending', sending_started_at = ?, attempts = attempts + 1, claimed_by = ?, "
            "updated_at = ? where status = 'queued' and id in (select id from sms_outbox where status = 'queued' "
            f"and next_attempt_at <= ? order by id limit ?{skip_locked}) returning *",
            [now, holder, now, now, limit]))
    return sorted(rows, key=lambda r: r["id"])


def mark_sending(db, outbox_id: int, now: str, holder: str | None = None) -> bool:
    """Claim one queued row (committed); False if it was not queued any more."""
    with transaction(db, exclusive=False):
        cursor = db.execute("update sms_outbox set status = 'sending', sending_started_at = ?, attempts = attempts + 1, "
                            "claimed_by = ?, updated_at = ? where id = ? and status = 'queued'",
                            [now, holder, now, outbox_id])
    return cursor.rowcount == 1


def mark_sent(db, outbox_id: int, provider: str, message_id: str, status: str, now: str) -> None:
    """The provider took the message (``status`` ours; a status report may already have moved it on)."""
    with transaction(db, exclusive=False):
        db.execute("update sms_outbox set provider_message_id = coalesce(provider_message_id, ?), "
                   "provider = coalesce(provider, ?), sent_at = coalesce(sent_at, ?), updated_at = ? where id = ?",
                   [message_id, provider, now, now, outbox_id])
        _advance(db, outbox_id, status if status in RANK else SENT, None, now)


def requeue(db, outbox_id: int, next_attempt_at: str, error_code: int | None, now: str, holder: str | None = None) -> bool:
    """Back to ``queued`` (the provider never got it); only while still ``sending`` under ``holder``'s claim."""
    with transaction(db, exclusive=False):
        cursor = db.execute("update sms_outbox set status = 'queued', next_attempt_at = ?, error_code = ?, claimed_by = null, "
                            "updated_at = ? where id = ? and status = 'sending' and coalesce(claimed_by, '') = ?",
                            [next_attempt_at, error_code, now, outbox_id, holder or ""])
    return cursor.rowcount == 1


def take_over(db, outbox_id: int, from_holder: str | None, to_holder: str) -> bool:
    """Take a row left ``sending`` by a stopped dispatcher, so that only one dispatcher settles it."""
    with transaction(db, exclusive=False):
        cursor = db.execute("update sms_outbox set claimed_by = ? where id = ? and status = 'sending' "
                            "and coalesce(claimed_by, '') = ?", [to_holder, outbox_id, from_holder or ""])
    return cursor.rowcount == 1


def back_off(db, outbox_id: int, next_attempt_at: str, error_code: int | None) -> None:
    """Delay a queued row's next attempt (after a retryable failure)."""
    with transaction(db, exclusive=False):
        db.execute("update sms_outbox set next_attempt_at = ?, error_code = ? where id = ? and status = 'queued'",
                   [next_attempt_at, error_code, outbox_id])


def finish(db, outbox_id: int, status: str, now: str, *, reason: str | None = None,
           error_code: int | None = None) -> None:
    """Close a row that never reached the provider: skipped (with a reason) or failed (with the provider's code)."""
    with transaction(db, exclusive=False):
        db.execute("update sms_outbox set status = ?, skip_reason = ?, error_code = ?, final_at = ?, updated_at = ? "
                   "where id = ? and status in ('queued', 'sending')", [status, reason, error_code, now, now, outbox_id])


def _advance(db, outbox_id: int, status: str, error_code: int | None, now: str, reason: str | None = None) -> bool:
    row = db.execute("select status from sms_outbox where id = ?", [outbox_id]).fetchone()
    if row is None or RANK.get(status, 0) <= RANK.get(row[0], 0):
        return False
    final = now if RANK[status] == 3 else None
    db.execute("update sms_outbox set status = ?, error_code = coalesce(?, error_code), final_at = coalesce(?, final_at), "
               "skip_reason = coalesce(?, skip_reason), updated_at = ? where id = ?",
               [status, error_code, final, reason, now, outbox_id])
    return True


def apply_status(db, outbox_id: int, message_id: str, status: str | None, error_code: int | None, now: str, *,
                 provider: str = "twilio", opted_out: bool = False) -> bool:
    """A provider's status report, in our statuses: move the row forward (never back); a repeat changes nothing.

    ``opted_out``: the provider refused because the number had opted out there (the row's reason says so).
    """
    if status not in RANK:
        return False
    with transaction(db, exclusive=False):
        row = db.execute("select provider_message_id from sms_outbox where id = ?", [outbox_id]).fetchone()
        if row is None or (row[0] is not None and row[0] != message_id):
            return False
        db.execute("update sms_outbox set provider_message_id = coalesce(provider_message_id, ?), "
                   "provider = coalesce(provider, ?), sent_at = coalesce(sent_at, ?) where id = ?",
                   [message_id, provider, now, outbox_id])
        return _advance(db, outbox_id, status, error_code, now, OPTED_OUT if opted_out else None)


def counts(db, campaign_id: str) -> dict[str, int]:
    result = dict.fromkeys((QUEUED, SENT, DELIVERED, FAILED, UNDELIVERED, SKIPPED), 0)
    for status, n in db.execute("select status, count(*) from sms_outbox where campaign_id = ? group by status",
                                [campaign_id]):
        result[QUEUED if status == SENDING else status] += n
    return result


def campaign_figures(db, campaign_id: str) -> dict:
    """What a campaign report needs from the outbox and the replies."""
    return {
        "counts": counts(db, campaign_id),
        "inbound": dict(db.execute("select kind, count(*) from sms_inbound where campaign_id = ? group by kind",
                                   [campaign_id]).fetchall()),
        "opted_out_at_provider": db.execute("select count(*) from sms_outbox where campaign_id = ? and skip_reason = ?",
                                            [campaign_id, OPTED_OUT]).fetchone()[0],
        "segments": db.execute("select coalesce(sum(segments), 0) from sms_outbox where campaign_id = ? "
                               "and provider_message_id is not null", [campaign_id]).fetchone()[0],
        "skipped_by_reason": dict(db.execute(
            "select coalesce(skip_reason, 'failed_at_provider'), count(*) from sms_outbox "
            "where campaign_id = ? and status = 'skipped' group by coalesce(skip_reason, 'failed_at_provider')",
            [campaign_id]).fetchall()),
    }


def last_promotion_to(db, phone_e164: str) -> dict | None:
    """The latest promotion that reached the provider for this number (who is texting them)."""
    rows = list(db.query("select * from sms_outbox where phone_e164 = ? and status in ('sent', 'delivered', 'undelivered', "
                         "'sending') order by id desc limit 1", [phone_e164]))
    return rows[0] if rows else None


def record_inbound(db, *, message_sid: str | None, phone_e164: str | None, service_id: str | None,
                   campaign_id: str | None, kind: str, body: str | None, now: str, risk_level: str | None = None) -> bool:
    """Store an inbound text once (a provider may retry a webhook); False when already stored. Caller holds the transaction."""
    cursor = db.execute("insert or ignore into sms_inbound (message_sid, phone_e164, service_id, campaign_id, kind, body, "
                        "received_at, risk_level) values (?, ?, ?, ?, ?, ?, ?, ?)",
                        [message_sid, phone_e164, service_id, campaign_id, kind, body, now, risk_level])
    return cursor.rowcount == 1


def inbound_for_service(db, service_id: str) -> list[dict]:
    return list(db.query("select id, phone_e164, campaign_id, kind, body, received_at, risk_level from sms_inbound "
                         "where service_id = ? and kind = 'other' order by id desc", [service_id]))


def all_replies(db, limit: int = 500) -> list[dict]:
    """Replies that were not a keyword, every service's, newest first (admins)."""
    return list(db.query("select id, service_id, campaign_id, kind, body, received_at, risk_level from sms_inbound "
                         "where kind = 'other' order by id desc limit ?", [limit]))


def services_that_texted(db, phone_e164: str) -> list[str]:
    """Every service that has sent this number a promotion (the routed service and the campaign's owner)."""
    rows = db.query("select distinct service_id, owner_service_id from sms_outbox where phone_e164 = ? "
                    "and status in ('sending', 'sent', 'delivered', 'undelivered')", [phone_e164])
    return sorted({s for row in rows for s in (row["service_id"], row["owner_service_id"]) if s})


# --- dispatchers ------------------------------------------------------------------------------------

def register_dispatcher(db, holder: str, host: str, pid: int, now: str) -> None:
    with transaction(db, exclusive=False):
        db.execute("insert into sms_dispatchers (id, host, pid, started_at, heartbeat_at) values (?, ?, ?, ?, ?) "
                   "on conflict (id) do update set heartbeat_at = excluded.heartbeat_at", [holder, host, pid, now, now])


def heartbeat(db, holder: str, now: str) -> None:
    with transaction(db, exclusive=False):
        db.execute("update sms_dispatchers set heartbeat_at = ? where id = ?", [now, holder])


def unregister_dispatcher(db, holder: str) -> None:
    with transaction(db, exclusive=False):
        db.execute("delete from sms_dispatchers where id = ?", [holder])


def dispatchers(db) -> list[dict]:
    return list(db.query("select id, host, pid, started_at, heartbeat_at from sms_dispatchers order by started_at"))


def forget_dispatchers(db, holders: Iterable[str]) -> None:
    """Remove stopped dispatchers from the register (their rows have been taken over)."""
    holders = list(holders)
    if holders:
        with transaction(db, exclusive=False):
            db.execute(f"delete from sms_dispatchers where id in ({', '.join('?' for _ in holders)})", holders)


def in_flight(db, claimed_by: Iterable[str | None] | None = None) -> list[dict]:
    """Rows left ``sending``: all of them, or those claimed by one of ``claimed_by`` (None: no claimer recorded)."""
    rows = list(db.query("select * from sms_outbox where status = 'sending' order by id"))
    if claimed_by is None:
        return rows
    wanted = set(claimed_by)
    return [r for r in rows if r["claimed_by"] in wanted]
