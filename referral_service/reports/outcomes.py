"""IPS outcome figures for a financial year: referrals, accesses, engagement, job starts, people into
work and 13/26/52-week sustainments by hours band — overall and by ethnic group, with benchmarks.

Definitions (IPS Grow, *Growing IPS in the UK* (2018), 'Example: standard data set'; NHS England,
*IPS for severe mental illness: guidance for ICSs* (2023), 'Access' fn 13 and 'Outcomes'):
- engaged: a vocational profile and an action plan are both complete — on the later of the two dates;
- job start: every job counts, first and later ones; people into work counts each person once;
- sustained 13 / 26 / 52 weeks: the job was held that long (as of today, or to its end date); it
  counts in the financial year in which that point was reached, in the band "over 16 hours" (16 or
  more hours a week, the UK's threshold for work) or "under 16 hours".
Every event counts in the financial year in which it happened, not the year the referral was made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from .financial_year import FinancialYear, uk_date

SUSTAINMENT_WEEKS = (13, 26, 52)
HOURS_BAND_THRESHOLD = 16
SMALL_NUMBER = "*"
# NHS England 2023, 'Outcomes': "a new IPS service should be achieving a minimum of 30% – 40% of clients
# into employment … Mature, high-performing services … between 40% and 55%".
INTO_WORK_BENCHMARKS = {
    "new_service": {"low": 0.30, "high": 0.40},
    "mature_service": {"low": 0.40, "high": 0.55},
    "source": "NHS England, IPS for severe mental illness: guidance for integrated care systems (2023), 'Outcomes'",
}
COUNT_KEYS = ("referrals", "accessed", "engaged", "job_starts", "people_into_work")


@dataclass(frozen=True)
class Job:
    started_on: date
    hours_per_week: float
    ended_on: date | None = None

    @property
    def band(self) -> str:
        return "over_16_hours" if self.hours_per_week >= HOURS_BAND_THRESHOLD else "under_16_hours"

    def sustained_on(self, weeks: int, as_of: date) -> date | None:
        """The date the job reached ``weeks`` weeks, if it was still held then (and that is not after as_of)."""
        reached = self.started_on + timedelta(weeks=weeks)
        held_until = min(self.ended_on, as_of) if self.ended_on else as_of
        return reached if reached <= held_until else None


@dataclass
class Person:
    """One referral, reduced to the dates its outcomes turn on."""

    reference: str
    ethnicity: str
    referred_on: date
    accessed_on: date | None = None
    milestones: dict[str, date] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)

    @property
    def engaged_on(self) -> date | None:
        if "vocational_profile" in self.milestones and "action_plan" in self.milestones:
            return max(self.milestones["vocational_profile"], self.milestones["action_plan"])
        return None


def people_from(rows: Iterable[dict], milestones: dict, jobs: dict) -> list[Person]:
    """Build Persons from storage rows (``referrals.for_outcomes``, ``outcomes.for_references``)."""
    people = []
    for row in rows:
        reference = row["reference"]
        people.append(Person(
            reference=reference,
            ethnicity=row.get("ethnicity") or "not_recorded",
            referred_on=uk_date(row["created_at"]),
            accessed_on=uk_date(row["accessed_at"]),
            milestones={k: date.fromisoformat(v) for k, v in milestones.get(reference, {}).items()},
            jobs=[Job(date.fromisoformat(j["started_on"]), float(j["hours_per_week"]),
                      date.fromisoformat(j["ended_on"]) if j["ended_on"] else None)
                  for j in jobs.get(reference, [])],
        ))
    return people


def counts(people: Iterable[Person], year: FinancialYear, as_of: date) -> dict:
    """The year's figures for these people (events dated in the year; sustainments as of ``as_of``)."""
    body: dict = dict.fromkeys(COUNT_KEYS, 0)
    for weeks in SUSTAINMENT_WEEKS:
        body[f"sustained_{weeks}_weeks"] = {"over_16_hours": 0, "under_16_hours": 0}
    for person in people:
        body["referrals"] += person.referred_on in year
        body["accessed"] += person.accessed_on in year
        body["engaged"] += person.engaged_on in year
        starts = [job for job in person.jobs if job.started_on in year]
        body["job_starts"] += len(starts)
        body["people_into_work"] += bool(starts)
        for job in person.jobs:
            for weeks in SUSTAINMENT_WEEKS:
                if job.sustained_on(weeks, as_of) in year:
                    body[f"sustained_{weeks}_weeks"][job.band] += 1
    return body


def suppress(value):
    """Small-number suppression for breakdowns: a count from 1 to 4 is shown as "*"."""
    if isinstance(value, dict):
        return {key: suppress(inner) for key, inner in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 4:
        return SMALL_NUMBER
    return value


def into_work_rate(figures: dict) -> float | None:
    """People into work / people accessed in the year (None when no one accessed, or either is suppressed)."""
    accessed, into_work = figures["accessed"], figures["people_into_work"]
    if not isinstance(accessed, int) or not isinstance(into_work, int) or accessed == 0:
        return None
    return round(into_work / accessed, 4)


def benchmark(rate: float | None) -> dict:
    """The into-work rate beside the benchmark ranges, with a plain reading of where it falls."""
    if rate is None:
        reading = "No accesses in this year yet, so no rate."
    elif rate < INTO_WORK_BENCHMARKS["new_service"]["low"]:
        reading = "Below the 30% minimum expected of a new service."
    elif rate < INTO_WORK_BENCHMARKS["mature_service"]["low"]:
        reading = "Within the 30–40% expected of a new service."
    elif rate <= INTO_WORK_BENCHMARKS["mature_service"]["high"]:
        reading = "Within the 40–55% of a mature, high-fidelity service."
    else:
        reading = "Above the 40–55% of a mature, high-fidelity service."
    return {"into_work_rate": rate, **INTO_WORK_BENCHMARKS, "reading": reading}


def report(people: list[Person], year: FinancialYear, as_of: date) -> dict:
    """The outcomes report body (CONTRACT.md 'After access'): totals unsuppressed, breakdowns suppressed."""
    totals = counts(people, year, as_of)
    groups: dict[str, list[Person]] = {}
    for person in people:
        groups.setdefault(person.ethnicity, []).append(person)
    by_ethnicity = {}
    for code in sorted(groups):
        # Every group with a referral is listed, zeros included, so a year's absence is visible too.
        shown = suppress(counts(groups[code], year, as_of))
        shown["into_work_rate"] = into_work_rate(shown)
        by_ethnicity[code] = shown
    return {
        "financial_year": year.label,
        **totals,
        "into_work_rate": into_work_rate(totals),
        "benchmarks": benchmark(into_work_rate(totals)),
        "by_ethnicity": by_ethnicity,
        "as_of": as_of.isoformat(),
    }


def csv_rows(body: dict) -> list[tuple]:
    """The report as (breakdown, group, measure, value) rows for the CSV download."""
    rows: list[tuple] = []

    def add(breakdown: str, group: str, figures: dict) -> None:
        for key in COUNT_KEYS:
            rows.append((breakdown, group, key, figures[key]))
        for weeks in SUSTAINMENT_WEEKS:
            for band, value in figures[f"sustained_{weeks}_weeks"].items():
                rows.append((breakdown, group, f"sustained_{weeks}_weeks_{band}", value))
        rows.append((breakdown, group, "into_work_rate", "" if figures["into_work_rate"] is None
                     else figures["into_work_rate"]))

    add("all", "all", body)
    for code, figures in body["by_ethnicity"].items():
        add("ethnicity", code, figures)
    if body.get("target"):
        rows.append(("all", "all", "access_target", body["target"]["accesses"]))
    return rows
