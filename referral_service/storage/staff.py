"""A service's staff (employment specialists and team leaders) and its contract targets.

Plain portable SQL, dates as ISO text. Writes expect the caller's transaction.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from ..db import Database
from ..migrations import Migrations

migrations = Migrations("staff")

ROLES = ("employment_specialist", "team_leader")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@migrations()
def create_staff_tables(db: Database) -> None:
    db.execute(
        """
        create table service_staff (
            id text primary key,
            service_id text not null,
            name text not null,
            role text not null,
            active integer not null default 1,
            created_at text not null
        )
        """
    )
    db.execute("create index service_staff_service on service_staff (service_id, active)")
    db.execute(
        """
        create table service_targets (
            service_id text not null,
            financial_year text not null,
            accesses integer not null,
            set_by text,
            set_at text not null,
            primary key (service_id, financial_year)
        )
        """
    )


def add_staff(db: Database, service_id: str, name: str, role: str) -> dict:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    staff_id = "stf_" + secrets.token_hex(6)
    db.execute("insert into service_staff (id, service_id, name, role, active, created_at) values (?, ?, ?, ?, 1, ?)",
               [staff_id, service_id, name, role, _now()])
    return get_staff(db, staff_id)


def get_staff(db: Database, staff_id: str) -> dict | None:
    rows = list(db.query("select id, service_id, name, role, active, created_at from service_staff where id = ?",
                         [staff_id]))
    if not rows:
        return None
    return {**rows[0], "active": bool(rows[0]["active"])}


def list_staff(db: Database, service_id: str) -> list[dict]:
    """The service's active staff, team leaders first, then by name."""
    return [{**row, "active": bool(row["active"])} for row in db.query(
        "select id, service_id, name, role, active, created_at from service_staff where service_id = ? and active = 1 "
        "order by role desc, name, id", [service_id])]


def set_target(db: Database, service_id: str, financial_year: str, accesses: int,
               set_by: str | None) -> None:
    """The service's contracted access target for a financial year (replacing any earlier one)."""
    db.execute("delete from service_targets where service_id = ? and financial_year = ?", [service_id, financial_year])
    db.execute("insert into service_targets (service_id, financial_year, accesses, set_by, set_at) "
               "values (?, ?, ?, ?, ?)", [service_id, financial_year, int(accesses), set_by, _now()])


def target(db: Database, service_id: str, financial_year: str) -> int | None:
    row = db.execute("select accesses from service_targets where service_id = ? and financial_year = ?",
                     [service_id, financial_year]).fetchone()
    return row[0] if row else None
