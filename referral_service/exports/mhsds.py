"""``referral-service export mhsds --financial-year 2024/25 [--out DIR]`` — an MHSDS-shaped extract.

All IPS services should flow data to the Mental Health Services Data Set (NHS England, *IPS for severe
mental illness: guidance for ICSs* (2023), 'Data'); IPS in drug and alcohol treatment flows to NDTMS
instead (footnote 16), so those referrals are left out and counted. Three CSVs, each column named after
the MHSDS data item it feeds (README, 'MHSDS extract'):

- ``MHS101Referral.csv``: one row per referral received in the year (ServiceRequestId,
  ReferralRequestReceivedDate, SourceOfReferralMH, ServDischDate, EthnicCategory from MHS001 …);
- ``MHS201CareContact.csv``: care contacts in the year with their consultation medium (CareContDate,
  CareContTime, ConsMediumUsed, AttendOrDNACode). Only clinical contacts flow: a contact before the
  person agreed to take part is administrative and does not (2023, footnote 14); employer contacts are
  not care contacts;
- ``MHS004EmploymentStatus.csv``: employment status recorded in the year — at referral, at each job
  start (with WeekHoursWorked) and at each job end.
No names, phone numbers or free text are written: LocalPatientId is the referral reference.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from flask import Flask

from rules import default_engine

from ..db import get_db
from ..reports import financial_year
from ..reports.csv_export import to_csv
from ..reports.financial_year import UK, uk_date
from ..storage import outcomes, referrals

# ConsMediumUsed (NHS Data Dictionary, CONSULTATION MEDIUM USED).
CONSULTATION_MEDIUM = {"face_to_face": "01", "phone": "02", "talk_type": "04", "email": "05", "sms": "06",
                       "video": "11", "letter": "98"}
ATTENDED = "5"  # AttendOrDNACode: attended on time (or, if late, before being seen) — a recorded contact took place
# EmployStatus (NHS Data Dictionary, EMPLOYMENT STATUS).
EMPLOYED, SEEKING_WORK = "01", "02"
EMPLOYMENT_STATUS_AT_REFERRAL = {"in_work": EMPLOYED, "in_work_off_sick": EMPLOYED, "out_of_work": SEEKING_WORK}
# SourceOfReferralMH: only the sources we can code with certainty; the rest are left for local coding.
SOURCE_OF_REFERRAL = {"self": "B1", "sms_campaign": "B1", "gp": "A1"}

REFERRAL_COLUMNS = ("ServiceRequestId", "LocalPatientId", "ReferralRequestReceivedDate", "SourceOfReferralMH",
                    "ServDischDate", "EthnicCategory", "LocalServiceId", "LocalPathway", "LocalSource")
CONTACT_COLUMNS = ("CareContactId", "ServiceRequestId", "LocalPatientId", "CareContDate", "CareContTime",
                   "ConsMediumUsed", "AttendOrDNACode", "LocalChannel", "LocalCountsAsAccess")
EMPLOYMENT_COLUMNS = ("LocalPatientId", "ServiceRequestId", "EmployStatus", "EmployStatusRecDate", "WeekHoursWorked",
                      "LocalEvent")


def week_hours_worked(hours: float) -> str:
    """WeekHoursWorked: 01 30+ hours, 02 16–29, 03 5–15, 04 1–4 (fewer than 1 counts as 04)."""
    if hours >= 30:
        return "01"
    if hours >= 16:
        return "02"
    if hours >= 5:
        return "03"
    return "04"


def _flows_elsewhere(pathway_id: str) -> str | None:
    pathway = default_engine().ruleset.pathway(pathway_id)
    data_set = pathway.settings.get("national_data_set") if pathway else None
    return data_set if data_set and data_set != "MHSDS" else None


def _time(occurred_at: str) -> str:
    moment = datetime.fromisoformat(occurred_at)
    return (moment.astimezone(UK) if moment.tzinfo else moment).strftime("%H:%M:%S")


def extract(db, year: financial_year.FinancialYear) -> dict:
    """The three tables' rows and what was left out, for one financial year."""
    rows = referrals.for_outcomes(db)
    elsewhere: dict[str, int] = {}
    kept = []
    for row in rows:
        data_set = _flows_elsewhere(row["pathway"])
        if data_set:
            elsewhere[data_set] = elsewhere.get(data_set, 0) + 1
        else:
            kept.append(row)
    references = [row["reference"] for row in kept]
    _, jobs = outcomes.for_references(db, references)

    referral_rows = []
    employment_rows = []
    for row in kept:
        received = uk_date(row["created_at"])
        if received in year:
            source = row["source"]
            referral_rows.append((row["reference"], row["reference"], received.isoformat(),
                                  SOURCE_OF_REFERRAL.get(source, ""),
                                  uk_date(row["finished_at"]).isoformat() if row["finished_at"] else "",
                                  row["ethnicity"] or "", row["service_id"], row["pathway"], source))
            status = EMPLOYMENT_STATUS_AT_REFERRAL.get(row["employment_status"] or "")
            if status:
                employment_rows.append((row["reference"], row["reference"], status, received.isoformat(), "",
                                        "at_referral"))
        for job in jobs.get(row["reference"], []):
            started = date.fromisoformat(job["started_on"])
            if started in year:
                employment_rows.append((row["reference"], row["reference"], EMPLOYED, started.isoformat(),
                                        week_hours_worked(float(job["hours_per_week"])), "job_start"))
            if job["ended_on"] and date.fromisoformat(job["ended_on"]) in year:
                employment_rows.append((row["reference"], row["reference"], SEEKING_WORK, job["ended_on"], "",
                                        "job_end"))

    contact_rows = []
    administrative = 0
    access_moment = {row["reference"]: row["accessed_at"] for row in kept}
    for contact in referrals.contacts_for(db, references):
        if contact["kind"] != "contact":
            continue  # contacts with employers are not care contacts with the person
        day = uk_date(contact["occurred_at"])
        if day not in year:
            continue
        accessed_at = access_moment.get(contact["reference"])
        clinical = bool(contact["agreed_to_start"]) or bool(contact["counts_as_access"]) or (
            accessed_at is not None
            and datetime.fromisoformat(contact["occurred_at"]) >= datetime.fromisoformat(accessed_at))
        if not clinical:
            administrative += 1
            continue
        contact_rows.append((f"CC{contact['id']}", contact["reference"], contact["reference"], day.isoformat(),
                             _time(contact["occurred_at"]), CONSULTATION_MEDIUM.get(contact["channel"] or "", ""),
                             ATTENDED, contact["channel"] or "not_recorded",
                             "Y" if contact["counts_as_access"] else "N"))
    employment_rows.sort(key=lambda r: (r[3], r[0]))
    return {"referrals": referral_rows, "contacts": contact_rows, "employment": employment_rows,
            "flows_elsewhere": elsewhere, "administrative_contacts": administrative}


def write(db, year: financial_year.FinancialYear, out: Path) -> dict:
    """Write the three CSVs into ``out``; return the counts."""
    found = extract(db, year)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "MHS101Referral.csv": (REFERRAL_COLUMNS, found["referrals"]),
        "MHS201CareContact.csv": (CONTACT_COLUMNS, found["contacts"]),
        "MHS004EmploymentStatus.csv": (EMPLOYMENT_COLUMNS, found["employment"]),
    }
    for name, (header, rows) in files.items():
        (out / name).write_text(to_csv(header, rows), encoding="utf-8")
    return {"files": {name: len(rows) for name, (_, rows) in files.items()},
            "flows_elsewhere": found["flows_elsewhere"], "administrative_contacts": found["administrative_contacts"]}


@click.group("export")
def export_cli() -> None:
    """Extracts for national data sets."""


@export_cli.command("mhsds")
@click.option("--financial-year", "year_label", required=True, help="April to March, like 2024/25.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into (default: var/exports/mhsds-YYYY-YY).")
def mhsds_command(year_label: str, out_dir: Path | None) -> None:
    """Write MHSDS-shaped CSVs (MHS101 referrals, MHS201 care contacts, MHS004 employment status) for a year."""
    try:
        year = financial_year.parse(year_label)
    except financial_year.BadFinancialYear as error:
        raise click.BadParameter(str(error), param_hint="--financial-year") from None
    out = out_dir or Path("var") / "exports" / f"mhsds-{year.label.replace('/', '-')}"
    counts = write(get_db(), year, out)
    click.echo(f"MHSDS extract for {year.label} written to {out}:")
    for name, count in counts["files"].items():
        click.echo(f"  {name}: {count} row(s)")
    for data_set, count in counts["flows_elsewhere"].items():
        click.echo(f"  {count} referral(s) left out: IPS in drug and alcohol treatment flows to {data_set} instead.")
    if counts["administrative_contacts"]:
        click.echo(f"  {counts['administrative_contacts']} contact(s) before the person agreed to take part are "
                   "administrative and do not flow.")


def init_app(app: Flask) -> None:
    """Register ``export mhsds`` on the app's CLI."""
    app.cli.add_command(export_cli)
