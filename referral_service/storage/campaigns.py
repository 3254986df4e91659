"""SMS campaigns: a service's promotion (template + audience) and where it is in its life."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

from ..db import Database, transaction
from ..migrations import Migrations

migrations = Migrations("sms_campaigns")

DRAFT, SENDING, COMPLETED = "draft", "sending", "completed"
# Reference-like ids without the look-alikes O 0 I 1 L.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@migrations()
def create_campaigns(db: Database) -> None:
    db.execute("""
        create table sms_campaigns (
            id text primary key,
            service_id text not null,
            name text not null,
            template text not null,
            audience text not null,
            routed integer not null default 0,
            status text not null,
            created_by text,
            created_at text not null,
            sent_at text,
            recipients integer
        )""")
    db.execute("create index sms_campaigns_service on sms_campaigns (service_id, created_at)")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def new_id() -> str:
    return "CMP-" + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def create_campaign(db: Database, *, service_id: str, name: str, template: str, audience: dict,
                    routed: bool, created_by: str | None) -> dict:
    row = {"id": new_id(), "service_id": service_id, "name": name, "template": template,
           "audience": json.dumps(audience, sort_keys=True), "routed": int(routed), "status": DRAFT,
           "created_by": created_by, "created_at": now_iso(), "sent_at": None, "recipients": None}
    with transaction(db, exclusive=False):
        db.execute(f"insert into sms_campaigns ({', '.join(row)}) values ({', '.join('?' for _ in row)})", list(row.values()))
    return _load(row)


def _load(row: dict) -> dict:
    row = dict(row)
    row["audience"] = json.loads(row["audience"])
    row["routed"] = bool(row["routed"])
    return row


def get_campaign(db: Database, campaign_id: str) -> dict | None:
    rows = list(db.query("select * from sms_campaigns where id = ?", [campaign_id]))
    return _load(rows[0]) if rows else None


def credits_service(db: Database, campaign_id: str, service_id: str) -> bool:
    """Whether a referral received by ``service_id`` may be credited to this campaign: the service ran it, or the
    campaign was routed and texted someone on the service's behalf."""
    campaign = get_campaign(db, campaign_id)
    if campaign is None:
        return False
    if campaign["service_id"] == service_id:
        return True
    return bool(campaign["routed"]) and db.execute(
        "select 1 from sms_outbox where campaign_id = ? and service_id = ? limit 1", [campaign_id, service_id]
    ).fetchone() is not None


def list_campaigns(db: Database, service_id: str | None = None) -> list[dict]:
    if service_id is None:
        rows = db.query("select * from sms_campaigns order by created_at desc")
    else:
        rows = db.query("select * from sms_campaigns where service_id = ? order by created_at desc", [service_id])
    return [_load(r) for r in rows]


def mark_sending(db: Database, campaign_id: str, recipients: int) -> bool:
    """draft → sending (caller holds the transaction); False if it was not a draft."""
    cursor = db.execute("update sms_campaigns set status = ?, sent_at = ?, recipients = ? where id = ? and status = ?",
                        [SENDING, now_iso(), recipients, campaign_id, DRAFT])
    return cursor.rowcount == 1


def complete_finished(db: Database) -> None:
    """sending → completed for campaigns with nothing left queued or in flight."""
    db.execute("""
        update sms_campaigns set status = 'completed'
        where status = 'sending' and not exists (
            select 1 from sms_outbox o where o.campaign_id = sms_campaigns.id and o.status in ('queued', 'sending'))""")
