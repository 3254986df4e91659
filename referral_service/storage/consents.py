"""Consent records: an append-only table, and the current state derived from it in the same transaction.

``consent_records`` is never updated or deleted (SQLite triggers refuse it); a withdrawal is a new
record. ``consent_current`` holds, per subject, purpose and service scope, the latest record — a
cache of what the history says, rebuilt by ``rebuild_current`` if ever in doubt.

Subjects: ``referral:<REFERENCE>`` for the person behind a referral, ``phone:<E.164>`` for SMS consent.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from consent import ALL_SERVICES, GRANTED, SMS_PROMOTIONS, WITHDRAWN, ConsentRecord, PolicyAnswer, sms_keywords
from consent.policy import awaits_person, may
from consent.records import iso, utc

from ..db import Database, write_transaction
from ..migrations import Migrations

migrations = Migrations("consents")


@migrations()
def create_consent_tables(db: Database) -> None:
    db.execute(
        """
        create table consent_records (
            id integer primary key autoincrement,
            subject text not null,
            purpose text not null,
            decision text not null,
            method text not null,
            service_scope text not null,
            recorded_at text not null,
            recorded_by text not null,
            wording_version text not null,
            wording_text text not null,
            referral_reference text,
            created_at text not null
        )
        """
    )
    db.execute("create index consent_records_subject on consent_records (subject, purpose)")
    db.execute("create index consent_records_reference on consent_records (referral_reference)")
    # Append-only: history is evidence of what the person agreed to and when.
    db.execute(
        """
        create trigger consent_records_no_update before update on consent_records
        begin select raise(abort, 'consent_records is append-only'); end
        """
    )
    db.execute(
        """
        create trigger consent_records_no_delete before delete on consent_records
        begin select raise(abort, 'consent_records is append-only'); end
        """
    )
    db.execute(
        """
        create table consent_current (
            subject text not null,
            purpose text not null,
            service_scope text not null,
            decision text not null,
            recorded_at text not null,
            record_id integer not null references consent_records(id),
            primary key (subject, purpose, service_scope)
        )
        """
    )
    db.execute("create index consent_current_purpose on consent_current (purpose, service_scope, decision)")


@migrations()
def consent_current_covering_index(db: Database) -> None:
    # A campaign preview asks for the current SMS consent of up to a million numbers: one covering
    # index seek each, with no lookup into the table.
    db.execute("create index consent_current_covering on consent_current "
               "(subject, purpose, service_scope, recorded_at, record_id, decision)")


@migrations()
def consent_evidence(db: Database) -> None:
    # JSON: what makes a record checkable besides its wording (e.g. the services a texted STOP withdrew).
    db.execute("alter table consent_records add column evidence text")


@contextlib.contextmanager
def atomic(db: Database) -> Iterator[Database]:
    """One transaction: a savepoint inside the caller's transaction, else BEGIN IMMEDIATE … COMMIT (``db.transaction``)."""
    with write_transaction(db):
        yield db


def record_consent(
    db: Database,
    *,
    subject: str,
    purpose: str,
    decision: str,
    method: str,
    recorded_by: str,
    wording_version: str,
    wording_text: str,
    service_id: str | None = None,
    recorded_at: datetime | str | None = None,
    referral_reference: str | None = None,
    evidence: dict | None = None,
) -> dict:
    """Append one consent record and update the current state; return the stored record as a dict.

    ``service_id`` None means all services (scope ``"*"``), as for an SMS STOP. ``evidence`` is kept as
    JSON with the record. Raises ``consent.InvalidConsent`` for an unknown purpose, decision or method.
    """
    record = ConsentRecord(
        subject=subject,
        purpose=purpose,
        decision=decision,
        method=method,
        recorded_by=recorded_by,
        wording_version=wording_version,
        wording_text=wording_text,
        service_scope=service_id or ALL_SERVICES,
        recorded_at=utc(recorded_at),
        referral_reference=referral_reference,
        evidence=evidence or {},
    )
    row = record.to_dict()
    row.pop("id")
    row["evidence"] = json.dumps(row["evidence"], sort_keys=True) if row["evidence"] else None
    row["created_at"] = iso(utc())
    with atomic(db):
        # Read before the insert, in the same transaction: a grant someone else records after the person's own
        # withdrawal stays in the history but is not the current state until the person confirms it.
        pending = awaits_person(record, _history(db, subject, purpose))
        cursor = db.execute(
            f"insert into consent_records ({', '.join(row)}) values ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        row["id"] = cursor.lastrowid
        if not pending:
            _upsert_current(db, row)
    row.pop("created_at")
    row["evidence"] = dict(record.evidence)
    return row


def _upsert_current(db: Database, row: dict) -> None:
    # A back-dated record (an import of an older opt-in) must not override a newer decision.
    db.execute(
        """
        insert into consent_current (subject, purpose, service_scope, decision, recorded_at, record_id)
        values (?, ?, ?, ?, ?, ?)
        on conflict (subject, purpose, service_scope) do update set
            decision = excluded.decision, recorded_at = excluded.recorded_at, record_id = excluded.record_id
        where excluded.recorded_at > consent_current.recorded_at
           or (excluded.recorded_at = consent_current.recorded_at and excluded.record_id > consent_current.record_id)
        """,
        [row["subject"], row["purpose"], row["service_scope"], row["decision"], row["recorded_at"], row["id"]],
    )


_RECORD_COLUMNS = (
    "id, subject, purpose, decision, method, service_scope, recorded_at, recorded_by, wording_version, "
    "wording_text, referral_reference, evidence"
)


_JOINED_COLUMNS = ", ".join("r." + c.strip() for c in _RECORD_COLUMNS.split(","))


def _history(db: Database, subject: str, purpose: str) -> list[ConsentRecord]:
    return _records(db.query(f"select {_RECORD_COLUMNS} from consent_records where subject = ? and purpose = ?",
                             [subject, purpose]))


def pending_confirmation(db: Database, subject: str, purpose: str, service_id: str | None) -> dict | None:
    """The latest grant recorded for the person by someone else after their own withdrawal, still waiting for the
    person to confirm it (None when there is none, or when something the person did since has settled it)."""
    history = sorted(_history(db, subject, purpose), key=lambda r: (r.recorded_at, r.id))
    relevant = [r for r in history if r.applies_to(service_id)]
    if not relevant:
        return None
    latest = relevant[-1]  # anything recorded since the service's grant (by anyone) settles or replaces it
    return latest.to_dict() if awaits_person(latest, relevant) else None


def referral_subject(reference: str) -> str:
    """The consent subject for the person behind a referral."""
    return f"referral:{reference}"


def phone_subject(phone_e164: str) -> str:
    """The consent subject for a mobile number (SMS consent), E.164 like +447700900123."""
    return f"phone:{phone_e164}"


def _records(rows: Iterable[dict]) -> list[ConsentRecord]:
    return [ConsentRecord.from_dict(row) for row in rows]


def current_consent(
    db: Database, subject: str, purpose: str, service_id: str | None, now: datetime | None = None
) -> PolicyAnswer:
    """May we do ``purpose`` for ``subject`` with ``service_id`` now? (consent.policy.may on the stored state).

    With ``now`` given, the answer is worked out from the full history as it stood at that moment.
    """
    if now is not None:
        rows = db.query(
            f"select {_RECORD_COLUMNS} from consent_records where subject = ? and purpose = ?", [subject, purpose]
        )
    else:
        rows = db.query(
            f"""
            select {_JOINED_COLUMNS}
            from consent_current c join consent_records r on r.id = c.record_id
            where c.subject = ? and c.purpose = ? and c.service_scope in (?, ?)
            """,
            [subject, purpose, service_id or ALL_SERVICES, ALL_SERVICES],
        )
    return may(purpose, _records(rows), service_id, now)


def current_consents(
    db: Database, subjects: Iterable[str], purpose: str, service_id: str | None
) -> dict[str, PolicyAnswer]:
    """``current_consent`` for many subjects at once (e.g. a campaign's audience): subject -> answer."""
    subjects = list(dict.fromkeys(subjects))
    by_subject: dict[str, list[ConsentRecord]] = {s: [] for s in subjects}
    chunk = 500
    for start in range(0, len(subjects), chunk):
        part = subjects[start:start + chunk]
        rows = db.query(
            f"""
            select {_JOINED_COLUMNS}
            from consent_current c join consent_records r on r.id = c.record_id
            where c.purpose = ? and c.service_scope in (?, ?) and c.subject in ({', '.join('?' for _ in part)})
            """,
            [purpose, service_id or ALL_SERVICES, ALL_SERVICES, *part],
        )
        for record in _records(rows):
            by_subject[record.subject].append(record)
    return {s: may(purpose, records, service_id) for s, records in by_subject.items()}


def consent_history(db: Database, subject: str) -> list[dict]:
    """Every consent record for a subject, oldest first (withdrawals included: history is never deleted)."""
    return [
        ConsentRecord.from_dict(row).to_dict()
        for row in db.query(
            f"select {_RECORD_COLUMNS} from consent_records where subject = ? order by recorded_at, id", [subject]
        )
    ]


def consent_state(db: Database, subject: str) -> list[dict]:
    """The current decision per purpose and service scope for a subject."""
    return list(db.query(
        "select purpose, service_scope, decision, recorded_at, record_id from consent_current "
        "where subject = ? order by purpose, service_scope",
        [subject],
    ))


def rebuild_current(db: Database) -> int:
    """Recompute consent_current from the history (the history is the truth); return the rows written."""
    with atomic(db):
        db.execute("delete from consent_current")
        rows = list(db.query(f"select {_RECORD_COLUMNS} from consent_records order by recorded_at, id"))
        seen: dict[tuple[str, str], list[ConsentRecord]] = {}
        for row in rows:
            record = ConsentRecord.from_dict(row)
            earlier = seen.setdefault((record.subject, record.purpose), [])
            if not awaits_person(record, earlier):
                _upsert_current(db, row)
            earlier.append(record)
    return db.execute("select count(*) from consent_current").fetchone()[0]


def sms_records(db: Database, phone_e164: str) -> list[ConsentRecord]:
    """Every SMS-promotions consent record for a mobile number (all services), oldest first."""
    return _records(db.query(
        f"select {_RECORD_COLUMNS} from consent_records where subject = ? and purpose = ? order by recorded_at, id",
        [phone_subject(phone_e164), SMS_PROMOTIONS],
    ))


def record_sms_stop(db: Database, phone_e164: str, how: str, *, asked_reply_yes: bool) -> list[str]:
    """A number opted out by text (or the carrier reported it had): withdraw SMS consent for every service at once,
    recording which services' consent this STOP withdrew, and whether our answer asked it to reply YES to undo it.

    Returns those service scopes. Caller holds the transaction (the read and the write must agree).
    """
    withdrew = sms_keywords.withdrawn_by_stop(sms_records(db, phone_e164))
    record_consent(db, subject=phone_subject(phone_e164), purpose=SMS_PROMOTIONS, decision=WITHDRAWN,
                   method="sms_keyword", recorded_by="sms", wording_version="sms-stop", wording_text=how,
                   service_id=None,
                   evidence={sms_keywords.WITHDREW: withdrew, sms_keywords.ASKED_YES: asked_reply_yes})
    return withdrew


def restore_sms_after_stop(db: Database, phone_e164: str, keyword: str) -> list[str]:
    """A re-opt-in by text: grant SMS consent again to exactly the services the STOP in force took away (see
    consent.sms_keywords). Returns the service scopes given back (empty: nothing to give back)."""
    records = sms_records(db, phone_e164)
    stop = sms_keywords.latest_stop(records)
    restored = sms_keywords.restored_by_start(records)
    for scope in restored:
        record_consent(db, subject=phone_subject(phone_e164), purpose=SMS_PROMOTIONS, decision=GRANTED,
                       method="sms_keyword", recorded_by="sms", wording_version="sms-start",
                       wording_text=f"Replied {keyword} to opt back in to the promotional texts their STOP had stopped.",
                       service_id=None if scope == ALL_SERVICES else scope,
                       evidence={"restores_stop_record": stop.id if stop else None})
    return restored


def yes_answers_our_question(db: Database, phone_e164: str, last_text_sent_at: str | None) -> bool:
    """Whether a bare YES from this number answers the question our reply to its STOP asked."""
    return sms_keywords.yes_answers_our_question(sms_records(db, phone_e164),
                                                 utc(last_text_sent_at) if last_text_sent_at else None)
