"""Referrals: the record, its workflow events (status changes and contacts), and idempotency keys.

All SQL for the referral aggregate lives here. Functions that write expect to run inside the
caller's transaction (``write_transaction``) when several writes must stand or fall together.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from ..db import Database
from ..migrations import Migrations
from ..reports.financial_year import uk_date

migrations = Migrations("referrals")

STATUSES = ("received", "contacted", "accepted", "first_appointment_attended", "declined", "closed")
# Where a referral may go next. declined and closed are the ends of the road.
TRANSITIONS = {
    "received": ("contacted", "accepted", "declined", "closed"),
    "contacted": ("accepted", "declined", "closed"),
    "accepted": ("first_appointment_attended", "declined", "closed"),
    "first_appointment_attended": ("closed",),
    "declined": (),
    "closed": (),
}
FINISHED = ("declined", "closed")
SOURCES = ("self", "clinician", "gp", "voluntary_sector", "sms_campaign")
CONTACT_CHANNELS = ("face_to_face", "video", "phone", "talk_type", "sms", "email", "letter")
# Access (for MHSDS) is the first direct contact: face to face, video, phone or talk type (for a person
# unable to speak), never a text or an email (NHS England 2023, 'Access' and footnote 13).
DIRECT_CHANNELS = ("face_to_face", "video", "phone", "talk_type")
CLINICAL_CHANNELS = DIRECT_CHANNELS  # the first round's name
# Who a contact was with: the person, or an employer about the person's job search (IPS fidelity:
# days from initial assessment to the first face-to-face employer contact, IPS Grow briefing §20e).
CONTACT_WITH = ("person", "employer")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@migrations()
def create_referral_tables(db: Database) -> None:
    db.execute(
        """
        create table referrals (
            reference text primary key,
            pathway text not null,
            service_id text not null,
            status text not null default 'received',
            source text not null,
            campaign_id text,
            phone_e164 text,
            first_name text,
            facts_json text not null default '{}',
            summary text,
            ethnicity text,
            eligibility_status text,
            ruleset_version text,
            referrer_token_id text,
            referrer_role text,
            created_at text not null,
            updated_at text not null,
            accessed_at text,
            finished_at text,
            anonymised_at text
        )
        """
    )
    db.execute("create index referrals_service on referrals (service_id, created_at)")
    db.execute("create index referrals_phone on referrals (phone_e164, service_id)")
    db.execute("create index referrals_campaign on referrals (campaign_id)")
    db.execute(
        """
        create table referral_events (
            id integer primary key autoincrement,
            reference text not null references referrals(reference),
            kind text not null,
            from_status text,
            to_status text,
            channel text,
            counts_as_access integer not null default 0,
            occurred_at text not null,
            recorded_by text,
            recorded_at text not null
        )
        """
    )
    db.execute("create index referral_events_reference on referral_events (reference, id)")
    db.execute(
        """
        create table idempotency_keys (
            scope text not null,
            key text not null,
            request_hash text not null,
            reference text not null,
            response_json text not null,
            created_at text not null,
            primary key (scope, key)
        )
        """
    )


@migrations()
def access_by_agreement_and_staff(db: Database) -> None:
    """Contacts record whether the person agreed to start, and who the contact was with; referrals
    record the employment specialist they are assigned to."""
    db.execute("alter table referral_events add column agreed_to_start integer")
    db.execute("alter table referral_events add column qualifies_for_access integer not null default 0")
    db.execute("alter table referral_events add column contact_with text")
    db.execute("alter table referrals add column assigned_staff_id text")
    db.execute("create index referrals_staff on referrals (assigned_staff_id)")


_PUBLIC_COLUMNS = (
    "reference", "pathway", "service_id", "status", "source", "campaign_id", "phone_e164", "first_name",
    "facts_json", "summary", "ethnicity", "eligibility_status", "ruleset_version", "referrer_token_id",
    "referrer_role", "created_at", "updated_at", "accessed_at", "finished_at", "anonymised_at",
    "assigned_staff_id",
)


def _decode(row: dict | None) -> dict | None:
    if row is None:
        return None
    row = dict(row)
    row["facts"] = json.loads(row.pop("facts_json") or "{}")
    return row


def reference_exists(db: Database, reference: str) -> bool:
    return db.execute("select 1 from referrals where reference = ?", [reference]).fetchone() is not None


def insert_referral(db: Database, referral: dict[str, Any]) -> dict:
    """Store a new referral (status received) and its first event; return it as read back."""
    at = referral.get("created_at") or now_iso()
    row = {
        "reference": referral["reference"],
        "pathway": referral["pathway"],
        "service_id": referral["service_id"],
        "status": "received",
        "source": referral["source"],
        "campaign_id": referral.get("campaign_id"),
        "phone_e164": referral.get("phone_e164"),
        "first_name": referral.get("first_name"),
        "facts_json": json.dumps(referral.get("facts") or {}, sort_keys=True),
        "summary": referral.get("summary"),
        "ethnicity": (referral.get("facts") or {}).get("ethnicity"),
        "eligibility_status": referral.get("eligibility_status"),
        "ruleset_version": referral.get("ruleset_version"),
        "referrer_token_id": referral.get("referrer_token_id"),
        "referrer_role": referral.get("referrer_role"),
        "created_at": at,
        "updated_at": at,
    }
    db.execute(
        f"insert into referrals ({', '.join(row)}) values ({', '.join('?' for _ in row)})", list(row.values())
    )
    _event(db, row["reference"], kind="status", from_status=None, to_status="received", occurred_at=at,
           recorded_by=row["referrer_token_id"])
    return get_referral(db, row["reference"])


def get_referral(db: Database, reference: str) -> dict | None:
    rows = list(db.query(f"select {', '.join(_PUBLIC_COLUMNS)} from referrals where reference = ?", [reference]))
    return _decode(rows[0]) if rows else None


def list_referrals(db: Database, *, service_id: str | None = None, status: str | None = None,
                   referrer_token_id: str | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
    """Referrals newest first, optionally for one service, status and/or referrer."""
    where, params = [], []
    if referrer_token_id is not None:
        where.append("referrer_token_id = ?")
        params.append(referrer_token_id)
    if service_id is not None:
        where.append("service_id = ?")
        params.append(service_id)
    if status is not None:
        where.append("status = ?")
        params.append(status)
    sql = f"select {', '.join(_PUBLIC_COLUMNS)} from referrals"
    if where:
        sql += " where " + " and ".join(where)
    sql += " order by created_at desc, reference limit ? offset ?"
    return [_decode(r) for r in db.query(sql, [*params, limit, offset])]


def events(db: Database, reference: str) -> list[dict]:
    """A referral's status changes and contacts, in the order they were recorded."""
    return [
        {**row, "counts_as_access": bool(row["counts_as_access"]),
         "agreed_to_start": None if row["agreed_to_start"] is None else bool(row["agreed_to_start"])}
        for row in db.query(
            "select id, kind, from_status, to_status, channel, contact_with, agreed_to_start, counts_as_access, "
            "occurred_at, recorded_at from referral_events where reference = ? order by id",
            [reference],
        )
    ]


def _event(db, reference, *, kind, from_status=None, to_status=None, channel=None, counts_as_access=False,
           occurred_at=None, recorded_by=None, agreed_to_start=None, qualifies=False, contact_with=None) -> int:
    at = now_iso()
    cursor = db.execute(
        "insert into referral_events (reference, kind, from_status, to_status, channel, counts_as_access, "
        "occurred_at, recorded_by, recorded_at, agreed_to_start, qualifies_for_access, contact_with) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [reference, kind, from_status, to_status, channel, int(counts_as_access), occurred_at or at, recorded_by, at,
         None if agreed_to_start is None else int(agreed_to_start), int(qualifies), contact_with],
    )
    return cursor.lastrowid


class TransitionNotAllowed(ValueError):
    """A status change the workflow does not allow."""


def change_status(db: Database, reference: str, to_status: str, *, recorded_by: str | None,
                  occurred_at: str | None = None) -> dict:
    """Move a referral along the workflow; raise TransitionNotAllowed for a move it does not allow.

    ``first_appointment_attended`` without a recorded access records one: attending the first
    appointment is a direct contact with a person who has agreed to start, so it is the access
    (NHS England 2023, 'Access', fn 13), dated at ``occurred_at`` (or now) with its channel unknown.
    """
    current = get_referral(db, reference)
    if to_status not in TRANSITIONS.get(current["status"], ()):
        allowed = ", ".join(TRANSITIONS.get(current["status"], ())) or "nothing (it is finished)"
        raise TransitionNotAllowed(f"A referral that is {current['status']} can move to: {allowed}.")
    at = now_iso()
    db.execute(
        "update referrals set status = ?, updated_at = ?, finished_at = coalesce(finished_at, ?) where reference = ?",
        [to_status, at, at if to_status in FINISHED else None, reference],
    )
    _event(db, reference, kind="status", from_status=current["status"], to_status=to_status,
           occurred_at=occurred_at or at, recorded_by=recorded_by)
    if to_status == "first_appointment_attended" and current["accessed_at"] is None:
        _event(db, reference, kind="contact", channel=None, contact_with="person", agreed_to_start=True,
               qualifies=True, occurred_at=occurred_at or at, recorded_by=recorded_by)
        _refresh_access(db, reference)
    return get_referral(db, reference)


def record_contact(db: Database, reference: str, channel: str, *, recorded_by: str | None,
                   occurred_at: str | None = None, agreed_to_start: bool | None = None,
                   contact_with: str = "person") -> tuple[dict, bool]:
    """Record a contact. Return (referral, whether this contact is now the referral's access).

    The access is the first direct contact (face to face, video, phone, talk type — never SMS or
    email) at which the person agreed to start — ``agreed_to_start`` — or one recorded once the
    referral was accepted. "First" is by when the contacts happened, so a
    past contact recorded late can become the access; a later status change never moves it.
    An employer contact (``contact_with="employer"``) is never an access and does not move the status.
    """
    if channel not in CONTACT_CHANNELS:
        raise ValueError(f"channel must be one of {', '.join(CONTACT_CHANNELS)}")
    if contact_with not in CONTACT_WITH:
        raise ValueError(f"contact_with must be one of {', '.join(CONTACT_WITH)}")
    referral = get_referral(db, reference)
    if referral["status"] in FINISHED:
        raise TransitionNotAllowed(f"The referral is {referral['status']}; no more contacts can be recorded.")
    at = now_iso()
    occurred_at = occurred_at or at
    if contact_with == "employer":
        _event(db, reference, kind="employer_contact", channel=channel, contact_with="employer",
               occurred_at=occurred_at, recorded_by=recorded_by)
        db.execute("update referrals set updated_at = ? where reference = ?", [at, reference])
        return get_referral(db, reference), False
    # Once the referral is accepted the person has agreed, whatever the flag says.
    agreed = agreed_to_start is True or referral["status"] in ("accepted", "first_appointment_attended")
    qualifies = channel in DIRECT_CHANNELS and agreed
    event_id = _event(db, reference, kind="contact", channel=channel, contact_with="person",
                      agreed_to_start=agreed_to_start, qualifies=qualifies, occurred_at=occurred_at,
                      recorded_by=recorded_by)
    access_event = _refresh_access(db, reference)
    if referral["status"] == "received":
        change_status(db, reference, "contacted", recorded_by=recorded_by, occurred_at=occurred_at)
    else:
        db.execute("update referrals set updated_at = ? where reference = ?", [at, reference])
    return get_referral(db, reference), access_event == event_id


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _refresh_access(db: Database, reference: str) -> int | None:
    """Make the earliest qualifying contact the access (flag and ``accessed_at``); return its event id."""
    rows = db.execute(
        "select id, occurred_at from referral_events where reference = ? and qualifies_for_access = 1", [reference]
    ).fetchall()
    if not rows:
        return None
    event_id, occurred_at = min(rows, key=lambda row: (_moment(row[1]), row[0]))
    db.execute("update referral_events set counts_as_access = case when id = ? then 1 else 0 end "
               "where reference = ? and (counts_as_access = 1 or id = ?)", [event_id, reference, event_id])
    db.execute("update referrals set accessed_at = ? where reference = ?", [occurred_at, reference])
    return event_id


def assign(db: Database, reference: str, staff_id: str | None) -> dict:
    """Assign the referral to an employment specialist (or unassign with None)."""
    db.execute("update referrals set assigned_staff_id = ?, updated_at = ? where reference = ?",
               [staff_id, now_iso(), reference])
    return get_referral(db, reference)


# --- idempotency ---------------------------------------------------------------------------------

def find_idempotent(db: Database, scope: str, key: str) -> dict | None:
    row = db.execute(
        "select request_hash, reference, response_json from idempotency_keys where scope = ? and key = ?", [scope, key]
    ).fetchone()
    if row is None:
        return None
    return {"request_hash": row[0], "reference": row[1], "response": json.loads(row[2])}


def save_idempotent(db: Database, scope: str, key: str, request_hash: str, reference: str,
                    response: dict) -> None:
    db.execute(
        "insert into idempotency_keys (scope, key, request_hash, reference, response_json, created_at) "
        "values (?, ?, ?, ?, ?, ?)",
        [scope, key, request_hash, reference, json.dumps(response), now_iso()],
    )


# --- questions other features ask -----------------------------------------------------------------

def already_referred(db: Database, phone_e164: str, service_id: str | None = None) -> bool:
    """Whether a referral exists for this mobile (to this service, if given) — SMS campaigns skip them."""
    if service_id is None:
        row = db.execute("select 1 from referrals where phone_e164 = ? limit 1", [phone_e164]).fetchone()
    else:
        row = db.execute("select 1 from referrals where phone_e164 = ? and service_id = ? limit 1",
                         [phone_e164, service_id]).fetchone()
    return row is not None


def campaign_conversions(db: Database, campaign_id: str) -> int:
    """How many referrals came from an SMS campaign."""
    return db.execute("select count(*) from referrals where campaign_id = ?", [campaign_id]).fetchone()[0]


# --- reports ---------------------------------------------------------------------------------------

REPORT_DIMENSIONS = ("pathway", "source", "service_id", "month", "status", "ethnicity")


def report_counts(db: Database, *, service_id: str | None = None, since: str | None = None,
                  until: str | None = None) -> dict[str, Any]:
    """Counts of referrals (by the month they were made) by each dimension, plus accesses (by the month
    of the access); ``since``/``until`` are months (YYYY-MM)."""
    where, params = [], []
    if service_id is not None:
        where.append("service_id = ?")
        params.append(service_id)
    if since:
        where.append("substr(created_at, 1, 7) >= ?")
        params.append(since)
    if until:
        where.append("substr(created_at, 1, 7) <= ?")
        params.append(until)
    clause = (" where " + " and ".join(where)) if where else ""
    expressions = {
        "pathway": "pathway",
        "source": "source",
        "service_id": "service_id",
        "month": "substr(created_at, 1, 7)",
        "status": "status",
        "ethnicity": "coalesce(ethnicity, 'not_recorded')",
    }
    by: dict[str, dict[str, int]] = {}
    for name, expression in expressions.items():
        rows = db.execute(
            f"select {expression} as value, count(*) from referrals{clause} group by value order by value", params
        ).fetchall()
        by[name] = {str(value): count for value, count in rows}
    total = db.execute(f"select count(*) from referrals{clause}", params).fetchone()[0]
    # An access counts in the month it happened, not the month the referral was made (a referral of
    # 28 March accessed on 2 April is an April access); read in UK time.
    access_rows = db.execute(
        "select accessed_at from referrals where accessed_at is not null"
        + (" and service_id = ?" if service_id is not None else ""),
        [service_id] if service_id is not None else [],
    ).fetchall()
    months = [uk_date(row[0]).isoformat()[:7] for row in access_rows]
    accessed = sum(1 for month in months if (not since or month >= since) and (not until or month <= until))
    return {"total": total, "accessed": accessed, "by": by}


# --- retention -------------------------------------------------------------------------------------

def anonymise_finished(db: Database, finished_before: str) -> list[str]:
    """Remove the personal details of referrals declined or closed before the given time.

    What stays is what the reports count (pathway, service, source, campaign, status, month,
    ethnicity code, milestones, job dates and hours) and the workflow events; the name, phone number,
    facts, summary and employers' names go.
    """
    references = [
        row[0] for row in db.execute(
            "select reference from referrals where status in ('declined', 'closed') and anonymised_at is null "
            "and finished_at is not null and finished_at < ?",
            [finished_before],
        ).fetchall()
    ]
    at = now_iso()
    for reference in references:
        db.execute(
            "update referrals set first_name = null, phone_e164 = null, facts_json = '{}', summary = null, "
            "anonymised_at = ?, updated_at = ? where reference = ?",
            [at, at, reference],
        )
    # An employer's name can identify the person; the job's dates and hours stay for the outcome counts.
    from . import outcomes

    outcomes.forget_employers(db, references)
    return references


def purge_idempotency_keys(db: Database, created_before: str) -> int:
    return db.execute("delete from idempotency_keys where created_at < ?", [created_before]).rowcount


# --- after access: rows for outcome reports, caseloads and the MHSDS extract ----------------------

def for_outcomes(db: Database, *, service_id: str | None = None) -> list[dict]:
    """Every referral (of one service, if given) with what the outcome figures need — no name or phone."""
    sql = ("select reference, pathway, service_id, status, source, ethnicity, facts_json, created_at, accessed_at, "
           "finished_at, assigned_staff_id from referrals")
    params: list = []
    if service_id is not None:
        sql += " where service_id = ?"
        params.append(service_id)
    rows = []
    for row in db.query(sql + " order by created_at, reference", params):
        row = dict(row)
        facts = json.loads(row.pop("facts_json") or "{}")
        row["employment_status"] = facts.get("employment_status")
        rows.append(row)
    return rows


def contacts_for(db: Database, references: list[str]) -> list[dict]:
    """Contacts (with the person or an employer) of many referrals, in the order recorded."""
    found: list[dict] = []
    for start in range(0, len(references), 500):
        chunk = references[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        found.extend(db.query(
            "select id, reference, kind, channel, contact_with, agreed_to_start, counts_as_access, occurred_at "
            f"from referral_events where kind in ('contact', 'employer_contact') and reference in ({marks}) "
            "order by id", chunk))
    return found
