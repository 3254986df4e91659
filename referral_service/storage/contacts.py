"""SMS contacts, per service: who a service may promote IPS to (if they consented), and their facts.

One row per (service_id, person_ref). A row whose mobile is not a UK mobile is kept with
``phone_e164`` NULL: it is never texted and the preview counts it as ``invalid_mobile``.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..db import Database
from ..migrations import Migrations

migrations = Migrations("sms_contacts")

COLUMNS = ("service_id", "person_ref", "first_name", "phone_e164", "postcode", "postcode_area", "postcode_district",
           "conditions", "in_smhc", "sms_consent", "sms_consent_recorded_at", "sms_consent_method", "row_hash",
           "imported_at", "updated_at")


@migrations()
def create_contacts(db: Database) -> None:
    db.execute("""
        create table sms_contacts (
            id integer primary key,
            service_id text not null,
            person_ref text not null,
            first_name text,
            phone_e164 text,
            postcode text,
            postcode_area text,
            postcode_district text,
            conditions text not null default '',
            in_smhc integer,
            sms_consent text,
            sms_consent_recorded_at text,
            sms_consent_method text,
            row_hash text not null,
            imported_at text not null,
            updated_at text not null,
            unique (service_id, person_ref)
        )""")
    db.execute("create index sms_contacts_phone on sms_contacts (phone_e164, service_id)")
    # Which CSV consent statements have already been recorded, so that a re-import records nothing new.
    db.execute("""
        create table sms_consent_imports (
            service_id text not null,
            subject text not null,
            decision text not null,
            recorded_at_raw text not null,
            imported_at text not null,
            primary key (service_id, subject, decision, recorded_at_raw)
        )""")


@migrations()
def contacts_preview_index(db: Database) -> None:
    # The campaign preview reads a service's contacts grouped by number with their audience facts:
    # a covering index in number order makes that one sequential read with no sort.
    db.execute("create index sms_contacts_preview on sms_contacts (service_id, phone_e164, id, conditions, in_smhc, "
               "postcode_area, postcode_district, first_name)")


def existing_hashes(db: Database, service_id: str) -> dict[str, str]:
    """person_ref → row hash of the service's current contacts."""
    return dict(db.execute("select person_ref, row_hash from sms_contacts where service_id = ?", [service_id]).fetchall())


def upsert_contacts(db: Database, rows: Iterable[dict]) -> None:
    """Insert or replace contacts (caller holds the transaction)."""
    placeholders = ", ".join("?" for _ in COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in {"service_id", "person_ref", "imported_at"})
    db.executemany(
        f"insert into sms_contacts ({', '.join(COLUMNS)}) values ({placeholders}) "
        f"on conflict (service_id, person_ref) do update set {updates}",
        [[row[c] for c in COLUMNS] for row in rows],
    )


def consent_already_imported(db: Database, service_id: str) -> set[tuple[str, str, str]]:
    return {tuple(r) for r in db.execute(
        "select subject, decision, recorded_at_raw from sms_consent_imports where service_id = ?", [service_id])}


def mark_consent_imported(db: Database, service_id: str, keys: Iterable[tuple[str, str, str]], now: str) -> None:
    db.executemany(
        "insert or ignore into sms_consent_imports (service_id, subject, decision, recorded_at_raw, imported_at) "
        "values (?, ?, ?, ?, ?)",
        [(service_id, s, d, r, now) for s, d, r in keys],
    )


def count_contacts(db: Database, service_id: str) -> int:
    return db.execute("select count(*) from sms_contacts where service_id = ?", [service_id]).fetchone()[0]
