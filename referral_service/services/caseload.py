"""Caseloads as IPS services and their commissioners read them — pure functions over plain rows.

From the guidance (each rule cites it):
- Active caseload: engaged (vocational profile and action plan) with a contact in the last 4 weeks —
  IPS Grow, *Growing IPS in the UK* (2018), 'Example: standard data set', outcome 2 note.
- Caseload score: the IPS-25 fidelity scale's item 1, caseload size — 20 or fewer scores 5, 21–25 scores 4
  (NHS England, *IPS for SMI: guidance for ICSs* (2023), 'Caseload'); the lower bands, not printed in the
  seeds, are the UK scale's as the Centre for Mental Health (author of seed 001) publishes it
  (centreformentalhealth.org.uk/the-ips-fidelity-scale, item 1): 26–30 → 3, 31–40 → 2, 41 or more → 1,
  counting active clients, job search and in-work support alike.
- Team leaders carry up to 10 clients, and there is one for every 6 specialists (2023, 'Caseload', 'Workforce').
- In-work (job retention) share of the caseload at most the pathway's limit (2023, Appendix 1 'Proportion
  in work / out of work'; IPS Grow briefing for commissioners §22b) — from the rules files.
- Review with unemployed clients after 9 months and in-work clients after 4 months, case by case
  (2023, 'Caseload'; briefing §8b).
- First face-to-face employer contact soon after the initial assessment (briefing §20e); the IPS-25
  'rapid job search' item expects it within 30 days.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from ..reports.financial_year import uk_date

ACTIVE_CONTACT_WINDOW = timedelta(weeks=4)
# (highest caseload, score), first match wins; more than the last is a 1.
CASELOAD_SCORE_BANDS = ((20, 5), (25, 4), (30, 3), (40, 2))
TEAM_LEADER_CASELOAD_MAX = 10
SPECIALISTS_PER_TEAM_LEADER = 6
REVIEW_LOOKING_FOR_WORK_MONTHS = 9
REVIEW_IN_WORK_MONTHS = 4
EMPLOYER_CONTACT_DAYS = 30
IN_WORK_STATUSES = ("in_work", "in_work_off_sick")
FINISHED = ("declined", "closed")


def fidelity_caseload_score(active_caseload: int) -> int:
    """IPS-25 item 1 (caseload size): 20 or fewer → 5, 21–25 → 4, 26–30 → 3, 31–40 → 2, 41 or more → 1."""
    for highest, score in CASELOAD_SCORE_BANDS:
        if active_caseload <= highest:
            return score
    return 1


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Case:
    """One referral on a service's books, reduced to what the caseload rules read."""

    reference: str
    status: str
    assigned_staff_id: str | None
    employment_status: str | None
    accessed_on: date | None
    milestones: dict[str, date] = field(default_factory=dict)
    jobs: list[dict] = field(default_factory=list)            # {"started_on": date, "ended_on": date | None}
    person_contacts: list[date] = field(default_factory=list)
    employer_face_to_face: list[date] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status not in FINISHED

    def engaged_on(self, as_of: date) -> date | None:
        dates = [self.milestones.get("vocational_profile"), self.milestones.get("action_plan")]
        if None in dates or max(dates) > as_of:
            return None
        return max(dates)

    def active(self, as_of: date) -> bool:
        recent = any(as_of - ACTIVE_CONTACT_WINDOW < day <= as_of for day in self.person_contacts)
        return self.open and self.engaged_on(as_of) is not None and recent

    def current_job(self, as_of: date) -> dict | None:
        held = [j for j in self.jobs if j["started_on"] <= as_of and (j["ended_on"] is None or j["ended_on"] >= as_of)]
        return min(held, key=lambda j: j["started_on"]) if held else None

    @property
    def retention_case(self) -> bool:
        """Referred while in work (or off sick from it): job retention, outside the core fidelity model (§21)."""
        return self.employment_status in IN_WORK_STATUSES


def cases_from(rows: list[dict], milestones: dict, jobs: dict, contacts: list[dict]) -> list[Case]:
    """Build Cases from storage rows (referrals.for_outcomes, outcomes.for_references, referrals.contacts_for)."""
    by_reference: dict[str, Case] = {}
    for row in rows:
        by_reference[row["reference"]] = Case(
            reference=row["reference"], status=row["status"], assigned_staff_id=row["assigned_staff_id"],
            employment_status=row["employment_status"], accessed_on=uk_date(row["accessed_at"]),
            milestones={k: date.fromisoformat(v) for k, v in milestones.get(row["reference"], {}).items()},
            jobs=[{"started_on": date.fromisoformat(j["started_on"]),
                   "ended_on": date.fromisoformat(j["ended_on"]) if j["ended_on"] else None}
                  for j in jobs.get(row["reference"], [])],
        )
    for contact in contacts:
        case = by_reference.get(contact["reference"])
        if case is None:
            continue
        day = uk_date(contact["occurred_at"])
        if contact["kind"] == "employer_contact":
            if contact["channel"] == "face_to_face":
                case.employer_face_to_face.append(day)
        else:
            case.person_contacts.append(day)
    return list(by_reference.values())


def review_prompts(case: Case, as_of: date) -> list[str]:
    """Case-by-case review prompts: 9 months looking for work, 4 months in work."""
    if not case.open or case.accessed_on is None:
        return []
    job = case.current_job(as_of)
    if job is not None:
        since = job["started_on"]
        if add_months(since, REVIEW_IN_WORK_MONTHS) <= as_of:
            return [f"{case.reference}: in work since {since.isoformat()} — time to review in-work support "
                    f"(after {REVIEW_IN_WORK_MONTHS} months, case by case)."]
        return []
    if case.retention_case:
        if add_months(case.accessed_on, REVIEW_IN_WORK_MONTHS) <= as_of:
            return [f"{case.reference}: job retention support since {case.accessed_on.isoformat()} — time to review "
                    f"(after {REVIEW_IN_WORK_MONTHS} months in work, case by case)."]
        return []
    if add_months(case.accessed_on, REVIEW_LOOKING_FOR_WORK_MONTHS) <= as_of:
        return [f"{case.reference}: looking for work since {case.accessed_on.isoformat()} — time to review "
                f"(after {REVIEW_LOOKING_FOR_WORK_MONTHS} months, case by case)."]
    return []


def employer_contact_days(case: Case, as_of: date) -> int | None:
    """Days from engagement to the first face-to-face employer contact on or after it (None if none yet)."""
    engaged = case.engaged_on(as_of)
    if engaged is None:
        return None
    after = [day for day in case.employer_face_to_face if engaged <= day <= as_of]
    return (min(after) - engaged).days if after else None


def employer_contact_warning(case: Case, as_of: date) -> str | None:
    engaged = case.engaged_on(as_of)
    if engaged is None or not case.open or case.current_job(as_of) is not None or case.retention_case:
        return None
    days = employer_contact_days(case, as_of)
    if days is None and (as_of - engaged).days > EMPLOYER_CONTACT_DAYS:
        return (f"{case.reference}: no face-to-face employer contact in the {(as_of - engaged).days} days since "
                f"engagement on {engaged.isoformat()} (expected within {EMPLOYER_CONTACT_DAYS}).")
    if days is not None and days > EMPLOYER_CONTACT_DAYS:
        return (f"{case.reference}: the first face-to-face employer contact came {days} days after engagement "
                f"(expected within {EMPLOYER_CONTACT_DAYS}).")
    return None


def staff_entry(member: dict, cases: list[Case], as_of: date) -> dict:
    """One member of staff: active caseload, its fidelity score, and their warnings."""
    mine = [c for c in cases if c.assigned_staff_id == member["id"]]
    active = sum(c.active(as_of) for c in mine)
    warnings: list[str] = []
    is_leader = member["role"] == "team_leader"
    score = fidelity_caseload_score(active)
    if is_leader and active > TEAM_LEADER_CASELOAD_MAX:
        warnings.append(f"Active caseload {active}: a team leader carries up to {TEAM_LEADER_CASELOAD_MAX} clients.")
    elif not is_leader and score < 5:
        warnings.append(f"Active caseload {active} is above 20: the IPS fidelity caseload item scores {score} of 5"
                        + (" (20 to 25 is the recommended range)." if score == 4 else "; above the recommended 20 to 25."))
    for case in mine:
        warnings.extend(review_prompts(case, as_of))
        warning = employer_contact_warning(case, as_of)
        if warning:
            warnings.append(warning)
    days = [d for d in (employer_contact_days(c, as_of) for c in mine if c.open) if d is not None]
    return {
        "id": member["id"], "name": member["name"], "role": member["role"],
        "active_caseload": active,
        "open_caseload": sum(c.open and c.accessed_on is not None for c in mine),
        "fidelity_caseload_score": score,
        "average_days_to_employer_contact": round(sum(days) / len(days), 1) if days else None,
        "warnings": warnings,
    }


def caseload(staff: list[dict], cases: list[Case], as_of: date, retention_limit: float | None) -> dict:
    """The service's caseload view (CONTRACT.md 'After access')."""
    entries = [staff_entry(member, cases, as_of) for member in staff]
    warnings: list[str] = []
    # The caseload is the open cases that have been accessed; before any has, the open referrals show where the
    # mix is heading (``retention_share_basis`` says which was used).
    on_books = [c for c in cases if c.open and c.accessed_on is not None and c.accessed_on <= as_of]
    basis = "accessed_open_cases"
    if not on_books:
        on_books, basis = [c for c in cases if c.open], "open_referrals"
    retention = sum(c.retention_case for c in on_books)
    share = round(retention / len(on_books), 4) if on_books else None
    if share is not None and retention_limit is not None and share > retention_limit:
        what = "caseload" if basis == "accessed_open_cases" else "open referrals"
        warnings.append(f"Job retention cases are {share:.0%} of the {what} ({retention} of {len(on_books)}), above the "
                        f"pathway's limit of {retention_limit:.0%}.")
    specialists = sum(m["role"] == "employment_specialist" for m in staff)
    leaders = sum(m["role"] == "team_leader" for m in staff)
    if specialists and not leaders:
        warnings.append(f"{specialists} employment specialist(s) and no team leader: the guidance expects a team leader "
                        f"for every {SPECIALISTS_PER_TEAM_LEADER} specialists.")
    elif leaders and specialists > leaders * SPECIALISTS_PER_TEAM_LEADER:
        warnings.append(f"{specialists} employment specialists to {leaders} team leader(s): the guidance expects a team "
                        f"leader for every {SPECIALISTS_PER_TEAM_LEADER}.")
    unassigned = [c for c in cases if c.assigned_staff_id is None and c.active(as_of)]
    if unassigned:
        warnings.append(f"{len(unassigned)} active client(s) not assigned to an employment specialist.")
    return {
        "as_of": as_of.isoformat(),
        "staff": entries,
        "employment_specialists": specialists,
        "team_leaders": leaders,
        "active_caseload": sum(c.active(as_of) for c in cases),
        "retention_cases": retention,
        "retention_share": share,
        "retention_share_limit": retention_limit,
        "retention_share_basis": basis if on_books else None,
        "warnings": warnings,
    }
