"""After access: milestones, jobs and assignment to an employment specialist — plain functions.

The API (``referrals/outcome_routes.py``) and the staff web app both call these. Each takes a referral
already loaded with ``service.load_for_change`` (so access is checked and a refusal audited), does its
writes in one transaction with an audit row, and raises domain refusals (``referrals/errors.py``).
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from ..db import write_transaction
from ..reports.financial_year import today
from ..reports.outcomes import SUSTAINMENT_WEEKS, Job
from ..storage import audit, outcomes, referrals, staff
from .errors import InvalidDates, NotAllowedNow, UnknownJob, UnknownStaff

MAX_HOURS_PER_WEEK = 100


def _audit(db, actor, role, action, referral) -> None:
    audit.record(db, actor=actor, role=role, action=action, target=referral["reference"],
                 service_id=referral["service_id"])


def record_milestone(db: sqlite_utils.Database, referral: dict, kind: str, on: date, *,
                     actor: str | None, role: str | None) -> tuple[dict, bool]:
    """Record a vocational profile or action plan (``kind``) completed ``on`` a date; a second one of the
    same kind corrects the date. Returns (the referral's outcomes, whether it was new).

    The person is engaged once both exist, on the later date (IPS Grow, *Growing IPS in the UK* (2018),
    'Example: standard data set', outcome 2).
    """
    with write_transaction(db):
        created = outcomes.set_milestone(db, referral["reference"], kind, on, recorded_by=actor)
        _audit(db, actor, role, f"referral.milestone:{kind}", referral)
    return outcome_view(db, referral), created


def start_job(db: sqlite_utils.Database, referral: dict, *, started_on: date, hours_per_week: float,
              employer: str | None, actor: str | None, role: str | None) -> dict:
    """Record a job start (every job counts: first and later jobs). Returns the job as shown by the API."""
    if referral["status"] == "declined":
        raise NotAllowedNow("This referral was declined, so no job can be recorded against it.")
    with write_transaction(db):
        job = outcomes.add_job(db, referral["reference"], started_on=started_on, hours_per_week=hours_per_week,
                               employer=employer, recorded_by=actor)
        _audit(db, actor, role, "referral.job:start", referral)
    return job_view(job)


def end_job(db: sqlite_utils.Database, referral: dict, job_id: str, *, ended_on: date,
            actor: str | None, role: str | None) -> dict:
    """Record that a job ended. The end date may not be before the start; an ended job cannot end again."""
    job = outcomes.get_job(db, referral["reference"], job_id)
    if job is None:
        raise UnknownJob("There is no job with that id on this referral.")
    if job["ended_on"] is not None:
        raise NotAllowedNow(f"This job already ended on {job['ended_on']}.")
    if ended_on < date.fromisoformat(job["started_on"]):
        raise InvalidDates("The job cannot end before it started.",
                       fields={"ended_on": [f"Use a date on or after the start, {job['started_on']}."]})
    with write_transaction(db):
        job = outcomes.end_job(db, referral["reference"], job_id, ended_on)
        _audit(db, actor, role, "referral.job:end", referral)
    return job_view(job)


def assign(db: sqlite_utils.Database, referral: dict, staff_id: str, *, actor: str | None,
           role: str | None) -> dict:
    """Assign the referral to one of its own service's active staff. Returns the referral row."""
    member = staff.get_staff(db, staff_id)
    if member is None or member["service_id"] != referral["service_id"] or not member["active"]:
        raise UnknownStaff("That is not a member of staff of this referral's service.",
                           fields={"staff_id": ["Choose one of the service's employment specialists or team leaders."]})
    with write_transaction(db):
        updated = referrals.assign(db, referral["reference"], staff_id)
        _audit(db, actor, role, "referral.assign", referral)
    return updated


def job_view(job: dict, as_of: date | None = None) -> dict:
    """A job as the API shows it, with the sustainment points it has reached as of today (or its end)."""
    as_of = as_of or today()
    started = date.fromisoformat(job["started_on"])
    ended = date.fromisoformat(job["ended_on"]) if job["ended_on"] else None
    held = Job(started, float(job["hours_per_week"]), ended)
    return {
        "id": job["id"], "reference": job["reference"], "started_on": job["started_on"],
        "hours_per_week": job["hours_per_week"], "employer": job["employer"], "ended_on": job["ended_on"],
        "hours_band": held.band,
        "sustained": {f"{weeks}_weeks": (held.sustained_on(weeks, as_of) or None) and
                      held.sustained_on(weeks, as_of).isoformat() for weeks in SUSTAINMENT_WEEKS},
    }


def outcome_view(db: sqlite_utils.Database, referral: dict) -> dict:
    """The referral's milestones, engagement date and jobs."""
    found = outcomes.milestones(db, referral["reference"])
    engaged_on = (max(found["vocational_profile"], found["action_plan"])
                  if {"vocational_profile", "action_plan"} <= set(found) else None)
    return {
        "reference": referral["reference"],
        "accessed_at": referrals.get_referral(db, referral["reference"])["accessed_at"],
        "milestones": found,
        "engaged": engaged_on is not None,
        "engaged_on": engaged_on,
        "jobs": [job_view(job) for job in outcomes.jobs(db, referral["reference"])],
    }
