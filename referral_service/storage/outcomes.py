"""After access: milestones (vocational profile, action plan) and jobs, per referral.

All SQL for outcomes lives here; plain portable SQL with dates as ISO text (``YYYY-MM-DD``), so a
PostgreSQL port can take it as it is. Writes expect the caller's transaction.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import UTC, date, datetime

from ..db import Database
from ..migrations import Migrations

migrations = Migrations("outcomes")

MILESTONES = ("vocational_profile", "action_plan")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@migrations()
def create_outcome_tables(db: Database) -> None:
    db.execute(
        """
        create table referral_milestones (
            reference text not null,
            type text not null,
            on_date text not null,
            recorded_by text,
            recorded_at text not null,
            primary key (reference, type)
        )
        """
    )
    db.execute(
        """
        create table referral_jobs (
            id text primary key,
            reference text not null,
            started_on text not null,
            hours_per_week real not null,
            employer text,
            ended_on text,
            recorded_by text,
            recorded_at text not null,
            ended_recorded_at text
        )
        """
    )
    db.execute("create index referral_jobs_reference on referral_jobs (reference, started_on)")


def set_milestone(db: Database, reference: str, kind: str, on: date, *, recorded_by: str | None) -> bool:
    """Record (or correct the date of) a milestone; True when it is new."""
    if kind not in MILESTONES:
        raise ValueError(f"milestone must be one of {', '.join(MILESTONES)}")
    exists = db.execute("select 1 from referral_milestones where reference = ? and type = ?",
                        [reference, kind]).fetchone() is not None
    if exists:
        db.execute("update referral_milestones set on_date = ?, recorded_by = ?, recorded_at = ? "
                   "where reference = ? and type = ?", [on.isoformat(), recorded_by, _now(), reference, kind])
    else:
        db.execute("insert into referral_milestones (reference, type, on_date, recorded_by, recorded_at) "
                   "values (?, ?, ?, ?, ?)", [reference, kind, on.isoformat(), recorded_by, _now()])
    return not exists


def milestones(db: Database, reference: str) -> dict[str, str]:
    """{type: ISO date} of a referral's milestones."""
    return {kind: on for kind, on in db.execute(
        "select type, on_date from referral_milestones where reference = ?", [reference]).fetchall()}


def add_job(db: Database, reference: str, *, started_on: date, hours_per_week: float,
            employer: str | None, recorded_by: str | None) -> dict:
    """Record a job start; return the job."""
    job_id = "job_" + secrets.token_hex(6)
    db.execute(
        "insert into referral_jobs (id, reference, started_on, hours_per_week, employer, recorded_by, recorded_at) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [job_id, reference, started_on.isoformat(), float(hours_per_week), employer, recorded_by, _now()],
    )
    return get_job(db, reference, job_id)


_JOB_COLUMNS = "id, reference, started_on, hours_per_week, employer, ended_on"


def get_job(db: Database, reference: str, job_id: str) -> dict | None:
    rows = list(db.query(f"select {_JOB_COLUMNS} from referral_jobs where reference = ? and id = ?",
                         [reference, job_id]))
    return rows[0] if rows else None


def end_job(db: Database, reference: str, job_id: str, ended_on: date) -> dict:
    db.execute("update referral_jobs set ended_on = ?, ended_recorded_at = ? where reference = ? and id = ?",
               [ended_on.isoformat(), _now(), reference, job_id])
    return get_job(db, reference, job_id)


def jobs(db: Database, reference: str) -> list[dict]:
    """A referral's jobs, earliest start first."""
    return list(db.query(f"select {_JOB_COLUMNS} from referral_jobs where reference = ? order by started_on, id",
                         [reference]))


def for_references(db: Database, references: list[str]) -> tuple[dict, dict]:
    """Milestones and jobs of many referrals at once: ({reference: {type: date}}, {reference: [job, …]})."""
    found_milestones: dict[str, dict[str, str]] = defaultdict(dict)
    found_jobs: dict[str, list[dict]] = defaultdict(list)
    # Chunks keep within SQLite's (and any driver's) limit on bound parameters.
    for start in range(0, len(references), 500):
        chunk = references[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for reference, kind, on in db.execute(
                f"select reference, type, on_date from referral_milestones where reference in ({marks})", chunk):
            found_milestones[reference][kind] = on
        for row in db.query(f"select {_JOB_COLUMNS} from referral_jobs where reference in ({marks}) "
                            "order by started_on, id", chunk):
            found_jobs[row["reference"]].append(row)
    return found_milestones, found_jobs


def forget_employers(db: Database, references: list[str]) -> None:
    """Remove employers' names from these referrals' jobs (retention: they can identify the person)."""
    for start in range(0, len(references), 500):
        chunk = references[start:start + 500]
        db.execute(f"update referral_jobs set employer = null where reference in ({', '.join('?' for _ in chunk)})",
                   chunk)
