"""A service's staff, caseload and targets — plain functions the API and the staff web app both call."""

from __future__ import annotations

from datetime import date

import sqlite_utils

from rules import default_engine

from ..db import write_transaction
from ..reports import financial_year
from ..storage import audit, outcomes, referrals, staff
from . import caseload as caseload_rules


def retention_share_limit(service_id: str) -> float | None:
    """The pathway's in-work share limit for this service (rules: ``retention_share_limit_percent``),
    with the service's area override if it has one."""
    ruleset = default_engine().ruleset
    service = ruleset.directory.service(service_id)
    if service is None:
        return None
    pathway = ruleset.pathway(service.pathway)
    percent = pathway.settings.get("retention_share_limit_percent") if pathway else None
    area = next((a for a in ruleset.directory.areas if a.id == service.area), None)
    if area is not None:
        percent = area.settings.get(service.pathway, {}).get("retention_share_limit_percent", percent)
    return None if percent is None else percent / 100


def add_staff(db: sqlite_utils.Database, service_id: str, name: str, role: str, *, actor: str | None,
              role_of_actor: str | None) -> dict:
    """Add an employment specialist or team leader to a service."""
    with write_transaction(db):
        member = staff.add_staff(db, service_id, name, role)
        audit.record(db, actor=actor, role=role_of_actor, action=f"service.staff:add:{role}", target=member["id"],
                     service_id=service_id)
    return member


def service_caseload(db: sqlite_utils.Database, service_id: str, as_of: date) -> dict:
    """The caseload view of one service as of a date, with its access target for that financial year."""
    rows = referrals.for_outcomes(db, service_id=service_id)
    references = [row["reference"] for row in rows]
    milestones, jobs = outcomes.for_references(db, references)
    cases = caseload_rules.cases_from(rows, milestones, jobs, referrals.contacts_for(db, references))
    body = {"service_id": service_id,
            **caseload_rules.caseload(staff.list_staff(db, service_id), cases, as_of, retention_share_limit(service_id))}
    year = financial_year.of(as_of)
    target = staff.target(db, service_id, year.label)
    accessed = sum(1 for case in cases if case.accessed_on in year and case.accessed_on <= as_of)
    body["access_target"] = {
        "financial_year": year.label, "accesses": target, "accessed_to_date": accessed,
        "share_achieved": round(accessed / target, 4) if target else None,
    }
    return body


def set_target(db: sqlite_utils.Database, service_id: str, year: str, accesses: int, *, actor: str | None,
               role: str | None) -> dict:
    """Set the service's contracted access target for a financial year (a commissioner's setting)."""
    label = financial_year.parse(year).label
    with write_transaction(db):
        staff.set_target(db, service_id, label, accesses, actor)
        audit.record(db, actor=actor, role=role, action="service.target", target=label, service_id=service_id)
    return {"service_id": service_id, "financial_year": label, "accesses": accesses}
